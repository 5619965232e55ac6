// Feeds the panel's pool chart from the daemon's history (pool/history): when the page loads, then every few seconds
// and after pool changes (at most once a second), only while the panel is on screen. The daemon keeps the history,
// so a closed tab or another window loses nothing.
import * as vscode from 'vscode';
import { Methods, type PoolHistoryResult } from '../../daemon/protocol';
import { REQUEST_TIMEOUT_MS, type DaemonConnection } from '../connection';
import type { OutputPanel } from './outputPanel';

const EVERY_MS = 5_000;
const MIN_GAP_MS = 1_000;

export class PoolHistoryFeed implements vscode.Disposable {
  private readonly timer: NodeJS.Timeout;
  private last = 0;
  private pending?: NodeJS.Timeout;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly conn: DaemonConnection,
    private readonly panel: OutputPanel,
  ) {
    this.timer = setInterval(() => this.poke(), EVERY_MS);
    this.disposables.push(
      panel.onMessage((m) => m.type === 'ready' && this.poke(true)),
      conn.onPoolChanged(() => this.poke()),
    );
  }

  /** Fetch soon (at once when `force`, e.g. the page just loaded). */
  poke(force = false): void {
    if (!force && !this.panel.visible) return;
    if (this.pending) return;
    const wait = force ? 0 : Math.max(0, this.last + MIN_GAP_MS - Date.now());
    this.pending = setTimeout(() => {
      this.pending = undefined;
      void this.fetch();
    }, wait);
  }

  private async fetch(): Promise<void> {
    const c = this.conn.client;
    if (!c || c.isClosed || this.conn.state !== 'connected') return;
    this.last = Date.now();
    try {
      const history = await c.request(Methods.poolHistory, {}, REQUEST_TIMEOUT_MS);
      this.panel.post({ type: 'history', history });
    } catch (e) {
      this.conn.log.debug(`pool history: ${(e as Error).message}`);
    }
  }

  dispose(): void {
    clearInterval(this.timer);
    if (this.pending) clearTimeout(this.pending);
    for (const d of this.disposables) d.dispose();
  }
}
