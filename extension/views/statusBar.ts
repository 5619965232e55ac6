// The status-bar pool indicator: warm/busy of the sets that serve the current editor; warning colours when down.
import * as vscode from 'vscode';
import type { PoolChangedNotification } from '../../daemon/protocol';
import { statusCounts, statusText, tooltipSets, type StatusFocus } from './statusText';
import type { LinkState } from '../connection';

export class PoolStatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;

  constructor() {
    this.item = vscode.window.createStatusBarItem('warmbox.pool', vscode.StatusBarAlignment.Left, 50);
    this.item.name = 'warmbox pool';
    this.item.command = 'warmbox.showOutput';
    this.item.text = '$(sync~spin) warmbox';
    this.item.tooltip = 'warmbox: connecting to the sandbox daemon…';
    this.item.show();
  }

  update(link: LinkState, pool: PoolChangedNotification | undefined, focus: StatusFocus, error?: string): void {
    const tip = new vscode.MarkdownString(undefined, true);
    tip.isTrusted = { enabledCommands: ['warmbox.showOutput', 'warmbox.restartDaemon', 'warmbox.showLog'] };
    const links = '[Show panel](command:warmbox.showOutput) · [Restart daemon](command:warmbox.restartDaemon) · [Show log](command:warmbox.showLog)';
    this.item.backgroundColor = undefined;

    if (link !== 'connected' || !pool) {
      const down = link === 'down' || link === 'failed';
      const stopped = down && !!error && /^the daemon stopped/.test(error);
      this.item.text = stopped ? '$(debug-pause) warmbox: daemon stopped' : down ? '$(debug-disconnect) warmbox: daemon down' : '$(sync~spin) warmbox';
      if (down) this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
      tip.appendMarkdown(`**warmbox** — daemon ${link}${error ? `: ${escape(error)}` : ''}\n\n${links}`);
      this.item.tooltip = tip;
      return;
    }
    const stats = pool.stats;
    if (!stats.docker.reachable) {
      this.item.text = '$(warning) warmbox: Docker unreachable';
      this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
      // The message may list every place tried, one per line: keep the lines.
      tip.appendMarkdown(`**warmbox** — ${escape(stats.docker.error ?? 'Docker is not reachable').replace(/\n/g, '  \n')}\n\n${links}`);
      this.item.tooltip = tip;
      return;
    }
    const p = statusCounts(stats.profiles, focus);
    const icon = p.warming > 0 ? '$(sync~spin)' : p.lastError ? '$(warning)' : '$(vm)';
    this.item.text = `${icon} ${statusText(p)}`;
    if (p.lastError && p.idle === 0) this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
    tip.appendMarkdown(`**warmbox** — ${stats.activeRuns} run(s) going · ${stats.docker.kind ?? 'docker'} ${escape(stats.docker.version ?? '')}\n\n`);
    if (stats.docker.host) {
      const code = (x: string) => `\`${x.replace(/`/g, '')}\``;
      const ctx = stats.docker.context ? ` · context ${code(stats.docker.context)}` : '';
      tip.appendMarkdown(`engine ${code(stats.docker.host)} (${escape(stats.docker.source ?? '')})${ctx} · runtime ${code(stats.docker.runtime ?? 'default')}\n\n`);
    }
    tip.appendMarkdown('| profile | warm | busy | warming | waiting | max |\n|---|---|---|---|---|---|\n');
    const { rows, idle } = tooltipSets(stats.profiles, focus);
    for (const x of rows) tip.appendMarkdown(`| ${x.profile} | ${x.idle} | ${x.busy} | ${x.warming} | ${x.waiting} | ${x.maxSize} |\n`);
    if (idle.length) tip.appendMarkdown(`\nNo sandbox yet (they warm on first run): ${escape(idle.join(', '))}\n`);
    if (p.lastError) tip.appendMarkdown(`\n$(warning) ${escape(p.lastError)}\n`);
    tip.appendMarkdown(`\n${links}`);
    this.item.tooltip = tip;
  }

  dispose(): void {
    this.item.dispose();
  }
}

function escape(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}
