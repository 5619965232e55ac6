// The Environments view (beside the containers): each environment image with its size, age, last use and project,
// and Rebuild / Remove. Refreshed when a build ends or the daemon's link comes back; never polled.
import * as vscode from 'vscode';
import type { EnvBuildResult, EnvInfo, EnvProgressNotification, EnvPruneResult } from '../../daemon/protocol';
import { Methods, Notifications } from '../../daemon/protocol';
import type { DaemonConnection } from '../connection';
import { envRow } from './envRow';

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
    const row = envRow(e, Date.now());
    const item = new vscode.TreeItem(row.label, vscode.TreeItemCollapsibleState.None);
    item.id = `env:${e.image}`;
    item.description = row.description;
    item.tooltip = new vscode.MarkdownString(row.tooltip);
    item.iconPath = new vscode.ThemeIcon(e.inUse ? 'package' : 'archive');
    item.contextValue = row.contextValue;
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
