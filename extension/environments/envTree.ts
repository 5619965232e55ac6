// The Environments view (beside the containers): each environment image with its size, age, last use and project,
// and Rebuild / Remove. Refreshed when a build ends or the daemon's link comes back; never polled.
import * as vscode from 'vscode';
import type { EnvBuildResult, EnvInfo, EnvProgressNotification, EnvPruneResult } from '../../daemon/protocol';
import { Methods, Notifications } from '../../daemon/protocol';
import type { DaemonConnection } from '../connection';

type Node = { info: EnvInfo };

export class EnvironmentsTree implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subs: vscode.Disposable[] = [];

  constructor(private readonly conn: DaemonConnection) {
    this.subs.push(
      conn.onNotification(({ method, params }) => {
        const s = method === Notifications.envProgress ? (params as EnvProgressNotification).state : undefined;
        if (s === 'built' || s === 'failed' || s === 'cancelled') this.refresh();
      }),
      conn.onDidChangeState((s) => s === 'connected' && this.refresh()),
      vscode.commands.registerCommand('warmbox.refreshEnvironments', () => this.refresh()),
      vscode.commands.registerCommand('warmbox.rebuildEnvironment', (n?: Node) => this.rebuild(n)),
      vscode.commands.registerCommand('warmbox.removeEnvironment', (n?: Node) => this.remove(n)),
      vscode.commands.registerCommand('warmbox.pruneEnvironments', () => this.prune()),
    );
  }

  refresh(): void {
    this.changed.fire(undefined);
  }

  async getChildren(node?: Node): Promise<Node[]> {
    if (node || this.conn.state !== 'connected') return [];
    try {
      const c = await this.conn.ensure();
      return (await c.request(Methods.envList)).map((info) => ({ info }));
    } catch {
      return [];
    }
  }

  getTreeItem({ info: e }: Node): vscode.TreeItem {
    const item = new vscode.TreeItem(e.project ? `${e.profile} · ${e.project.split(/[\\/]/).pop()}` : e.image, vscode.TreeItemCollapsibleState.None);
    item.id = `env:${e.image}`;
    const used = e.lastUsedAt ? `used ${ago(Date.now() - e.lastUsedAt)} ago` : 'not used yet';
    item.description = `${Math.round(e.sizeBytes / 1e6)} MB · ${ago(Date.now() - e.createdAt)} old · ${used}${e.inUse ? ' · in use' : ''}`;
    item.tooltip = new vscode.MarkdownString(
      `\`${e.image}\`\n\nprofile **${e.profile}** on \`${e.base ?? '?'}\`${e.project ? `\n\nproject \`${e.project}\`` : ''}\n\n${item.description}` +
        (e.inUse ? '\n\nIn use: a project runs on it, so it is never removed.' : ''),
    );
    item.iconPath = new vscode.ThemeIcon(e.inUse ? 'package' : 'archive');
    item.contextValue = e.project ? `environment.${e.inUse ? 'inUse' : 'unused'}.project` : `environment.${e.inUse ? 'inUse' : 'unused'}`;
    return item;
  }

  private async rebuild(n?: Node): Promise<void> {
    if (!n?.info.project) return;
    const c = await this.conn.ensure();
    // Progress shows through the build's notifications (BuildProgress); the answer says how it ended.
    const r = await c.request(Methods.envBuild, { root: n.info.project, profile: n.info.profile });
    for (const w of r.warnings ?? []) void vscode.window.showWarningMessage(`warmbox: ${w}`);
    const b = r.builds[0];
    if (b?.status === 'cached') void vscode.window.showInformationMessage(`warmbox: the ${b.profile} environment is up to date (${b.image}).`);
    else if (b?.status === 'nothing') void vscode.window.showInformationMessage(`warmbox: the project asks for no ${b.profile} packages any more.`);
    this.refresh();
  }

  private async remove(n?: Node): Promise<void> {
    if (!n) return;
    const c = await this.conn.ensure();
    try {
      await c.request(Methods.envRemove, { image: n.info.image });
    } catch (e) {
      void vscode.window.showErrorMessage(`warmbox: ${(e as Error).message}`);
    }
    this.refresh();
  }

  private async prune(): Promise<void> {
    const c = await this.conn.ensure();
    const r = await c.request(Methods.envPrune, {});
    void vscode.window.showInformationMessage(r.removed.length ? `warmbox: removed ${r.removed.length} unused environment image(s).` : 'warmbox: no unused environment images over the kept number.');
    this.refresh();
  }

  dispose(): void {
    this.changed.dispose();
    for (const d of this.subs) d.dispose();
  }
}

function ago(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}
