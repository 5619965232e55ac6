// The pool's containers, grouped by set; fed by the daemon's notifications, never polled. It holds still under the
// mouse: rows in creation order with stable ids, at most one redraw a second and only when what it shows changed;
// ages tick on a timer only while the view is visible.
import * as vscode from 'vscode';
import type { ContainerInfo, ContainerState, PoolChangedNotification, ProfileStats } from '../../daemon/protocol';
import { containerRows, RedrawGate, setDescription, shownSets, viewSignature } from './containerRows';
import { setIds } from './setIds';

type Node = { kind: 'profile'; stats: ProfileStats; id: string } | { kind: 'container'; info: ContainerInfo; description: string };

const ICONS: Record<ContainerState, [string, string | undefined]> = {
  warming: ['sync~spin', undefined],
  idle: ['pass', 'testing.iconPassed'],
  busy: ['play-circle', 'charts.blue'],
  recycling: ['trash', 'disabledForeground'],
  unhealthy: ['warning', 'problemsWarningIcon.foreground'],
};

const REDRAW_MIN_MS = 1000;
const AGE_TICK_MS = 10_000;

export class ContainersTree implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private data?: PoolChangedNotification;
  /** What the view shows is computed at one instant per redraw, so the signature and the rows agree. */
  private drawnAt = Date.now();
  private readonly gate = new RedrawGate(REDRAW_MIN_MS, () => viewSignature(this.data, Date.now()), () => {
    this.drawnAt = Date.now();
    this.redraws++;
    this.changed.fire(undefined);
  });
  private ticker?: NodeJS.Timeout;
  private readonly disposables: vscode.Disposable[] = [];
  /** Redraws so far (tests read it). */
  redraws = 0;

  /** Ages tick only while someone can see them. */
  attach(view: vscode.TreeView<Node>): void {
    const visible = (on: boolean) => {
      if (on && !this.ticker) this.ticker = setInterval(() => this.gate.poke(), AGE_TICK_MS);
      if (!on && this.ticker) {
        clearInterval(this.ticker);
        this.ticker = undefined;
      }
      if (on) this.gate.poke();
    };
    this.disposables.push(view.onDidChangeVisibility((e) => visible(e.visible)));
    visible(view.visible);
  }

  update(n: PoolChangedNotification | undefined): void {
    this.data = n;
    this.gate.poke();
  }

  getChildren(node?: Node): Node[] {
    if (!this.data) return [];
    if (!node) {
      const shown = shownSets(this.data);
      const ids = setIds(shown.map((p) => p.profile));
      return shown.map((stats, i) => ({ kind: 'profile', stats, id: ids[i] }));
    }
    if (node.kind === 'profile') {
      // Containers name their set only by its name: under sets named alike they are listed once, under the first.
      if (node.id !== setIds([node.stats.profile])[0]) return [];
      return containerRows(this.data, node.stats, this.drawnAt).map((r) => ({ kind: 'container', info: r.info, description: r.description }));
    }
    return [];
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (node.kind === 'profile') {
      const s = node.stats;
      const item = new vscode.TreeItem(s.profile, vscode.TreeItemCollapsibleState.Expanded);
      item.id = node.id;
      item.description = setDescription(s);
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
    item.description = node.description;
    item.tooltip = `${c.id}\nprofile ${c.profile} · ${c.state} · created ${new Date(c.createdAt).toLocaleTimeString()}${c.runId ? `\nrun ${c.runId}` : ''}`;
    const [icon, color] = ICONS[c.state];
    item.iconPath = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
    item.contextValue = `container.${c.state}`;
    return item;
  }

  dispose(): void {
    this.gate.dispose();
    if (this.ticker) clearInterval(this.ticker);
    for (const d of this.disposables) d.dispose();
    this.changed.dispose();
  }
}
