// The pool's containers, grouped by profile; refreshed from the daemon's notifications, debounced, never polled.
import * as vscode from 'vscode';
import type { ContainerInfo, ContainerState, PoolChangedNotification, ProfileStats } from '../../daemon/protocol';
import { setIds } from './setIds';

type Node = { kind: 'profile'; stats: ProfileStats; id: string } | { kind: 'container'; info: ContainerInfo };

const ICONS: Record<ContainerState, [string, string | undefined]> = {
  warming: ['sync~spin', undefined],
  idle: ['pass', 'testing.iconPassed'],
  busy: ['play-circle', 'charts.blue'],
  recycling: ['trash', 'disabledForeground'],
  unhealthy: ['warning', 'problemsWarningIcon.foreground'],
};

const REFRESH_DEBOUNCE_MS = 300;

export class ContainersTree implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private data?: PoolChangedNotification;
  private timer?: NodeJS.Timeout;

  update(n: PoolChangedNotification | undefined): void {
    this.data = n;
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.changed.fire(undefined);
    }, REFRESH_DEBOUNCE_MS);
  }

  getChildren(node?: Node): Node[] {
    if (!this.data) return [];
    if (!node) {
      const shown = this.data.stats.profiles.filter((p) => p.idle + p.busy + p.warming + p.waiting > 0 || p.minSize > 0);
      const ids = setIds(shown.map((p) => p.profile));
      return shown.map((stats, i) => ({ kind: 'profile', stats, id: ids[i] }));
    }
    if (node.kind === 'profile') {
      // Containers name their set only by its name: under sets named alike they are listed once, under the first.
      if (node.id !== setIds([node.stats.profile])[0]) return [];
      const order: ContainerState[] = ['busy', 'idle', 'warming', 'unhealthy', 'recycling'];
      return this.data.containers
        .filter((c) => c.pool === node.stats.profile)
        .sort((a, b) => order.indexOf(a.state) - order.indexOf(b.state) || a.createdAt - b.createdAt)
        .map((info) => ({ kind: 'container', info }));
    }
    return [];
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (node.kind === 'profile') {
      const s = node.stats;
      const item = new vscode.TreeItem(s.profile, vscode.TreeItemCollapsibleState.Expanded);
      item.id = node.id;
      item.description = `${s.idle} warm · ${s.busy} busy${s.warming ? ` · ${s.warming} warming` : ''}${s.waiting ? ` · ${s.waiting} waiting` : ''} · max ${s.maxSize}`;
      item.tooltip = new vscode.MarkdownString(
        `**${s.profile}** (${s.isolation}) — image \`${s.image}\`\n\n${s.limits.memoryMb} MB · ${s.limits.cpus} CPU · ${s.limits.pids} processes · network ${s.limits.network ? 'on' : 'off'}` +
          `${s.isDefault ? '' : ' · a set of its own for runs with these settings; it goes when unused'}\n\nruns ${s.runs} (${s.coldRuns} cold) · replaced ${s.replaced}${s.lastError ? `\n\n$(warning) ${s.lastError}` : ''}`,
        true,
      );
      item.iconPath = new vscode.ThemeIcon(s.lastError ? 'warning' : 'package');
      item.contextValue = 'profile';
      return item;
    }
    const c = node.info;
    const item = new vscode.TreeItem(c.shortId, vscode.TreeItemCollapsibleState.None);
    item.id = `container:${c.id}`;
    item.description = `${c.state} · ${c.uses} use${c.uses === 1 ? '' : 's'} · ${age(c.ageMs)}`;
    item.tooltip = `${c.id}\nprofile ${c.profile} · ${c.state} · ${c.uses} uses · created ${new Date(c.createdAt).toLocaleTimeString()}${c.runId ? `\nrun ${c.runId}` : ''}`;
    const [icon, color] = ICONS[c.state];
    item.iconPath = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
    item.contextValue = `container.${c.state}`;
    return item;
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.changed.dispose();
  }
}

function age(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
}
