// The extension's link to warmboxd: connect-or-spawn in the background, reconnect with backoff, give up after a few
// failures in a few minutes and say so. A window reload only closes this link; the daemon and its pool stay warm.
import * as path from 'path';
import * as vscode from 'vscode';
import { DaemonClient } from '../daemon/client';
import { ConfigOverrides, Methods, Notifications, PoolChangedNotification, PoolWantParams, PoolWantResult } from '../daemon/protocol';
import { RestartPolicy } from './restartPolicy';
import { wishedProfiles } from './pool/wishes';

export type LinkState = 'connecting' | 'connected' | 'down' | 'failed';

/** A daemon that stops answering (stopped, hung) must not park the connection: each step of connecting is bounded. */
export const REQUEST_TIMEOUT_MS = 10_000;

export class DaemonConnection implements vscode.Disposable {
  state: LinkState = 'connecting';
  client?: DaemonClient;
  lastPool?: PoolChangedNotification;
  lastError?: string;

  private readonly stateEmitter = new vscode.EventEmitter<LinkState>();
  readonly onDidChangeState = this.stateEmitter.event;
  private readonly poolEmitter = new vscode.EventEmitter<PoolChangedNotification>();
  readonly onPoolChanged = this.poolEmitter.event;
  /** Every notification of the daemon (method, params), for features that follow their own (environments/). */
  private readonly notificationEmitter = new vscode.EventEmitter<{ method: string; params: unknown }>();
  readonly onNotification = this.notificationEmitter.event;

  private readonly policy = new RestartPolicy();
  private connecting?: Promise<DaemonClient>;
  private retryTimer?: NodeJS.Timeout;
  private disposed = false;

  constructor(
    private readonly extensionPath: string,
    readonly log: vscode.LogOutputChannel,
    private readonly settings: () => { daemonWide: ConfigOverrides | undefined; env: NodeJS.ProcessEnv; trace: string },
  ) {}

  /** Every config/set this window sent, in order (tests read it). */
  readonly pushed: ConfigOverrides[] = [];

  /** What this window asks the daemon to keep warm (set by activate); undefined: it asks for nothing. */
  wishes?: () => Promise<PoolWantParams | undefined>;
  /** The last `pool/want` this window sent (every profile it names in `asked`), and the daemon's answer (tests read them). */
  lastWishes?: { sent: string; asked: string[]; wanted: string[]; projectSets: string[] };

  /** Tells the daemon which profiles and project sets this window wants warm; asked again when that may have changed. */
  async pushWishes(): Promise<void> {
    const c = this.client;
    if (!c || c.isClosed || !this.wishes) return;
    try {
      const w = await this.wishes();
      const sent = w && JSON.stringify(w);
      if (!w || !sent || this.lastWishes?.sent === sent) return;
      const r = await c.request(Methods.poolWant, w, REQUEST_TIMEOUT_MS);
      this.lastWishes = { sent, asked: wishedProfiles(w), wanted: r.wanted, projectSets: r.projectSets };
      const sets = r.projectSets.length ? ` and the sets ${r.projectSets.join(', ')}` : '';
      this.log.info(`asked the daemon to keep ${this.lastWishes.asked.join(', ') || 'nothing'} warm; it keeps ${r.wanted.join(', ') || 'none'}${sets} warm`);
    } catch (e) {
      this.log.warn(`the pool wishes were not sent: ${(e as Error).message}`);
    }
  }

  /** Starts connecting without waiting: activation stays cheap. */
  start(): void {
    void this.ensure().catch(() => undefined);
  }

  /** The live client, connecting (and spawning the daemon) if needed. */
  ensure(): Promise<DaemonClient> {
    if (this.client && !this.client.isClosed) return Promise.resolve(this.client);
    if (this.state === 'failed') return Promise.reject(new Error(this.lastError ?? 'the warmbox daemon is not available'));
    this.connecting ??= this.connect().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  /** Stops the daemon (its containers go with it) and starts a new one. */
  async restartDaemon(): Promise<void> {
    this.policy.reset();
    const c = this.client;
    this.client = undefined;
    if (c && !c.isClosed) {
      const closed = new Promise<void>((r) => c.once('close', () => r()));
      await c.request(Methods.shutdown, { reason: 'Restart Daemon in VS Code' }, REQUEST_TIMEOUT_MS).catch(() => undefined);
      await Promise.race([closed, new Promise((r) => setTimeout(r, 15_000))]);
    }
    this.setState('connecting');
    await this.ensure();
  }

  /**
   * Pushes the daemon-wide settings the user set (pool sizes, idle shutdown), if any. Limits never go this way: each
   * run carries its own. Pool sizes this window pushed and the user then removed are cleared (`pool: {}`).
   */
  async pushSettings(): Promise<void> {
    const c = this.client;
    if (!c || c.isClosed) return;
    let overrides = this.settings().daemonWide;
    if (!overrides?.pool && this.pushed.some((p) => p.pool && Object.keys(p.pool).length)) overrides = { ...overrides, pool: {} };
    if (!overrides) return;
    try {
      this.pushed.push(overrides);
      await c.request(Methods.configSet, { overrides }, REQUEST_TIMEOUT_MS);
    } catch (e) {
      this.log.warn(`settings were not accepted by the daemon: ${(e as Error).message}`);
      void vscode.window.showWarningMessage(`warmbox: the daemon refused the settings: ${(e as Error).message}`);
    }
  }

  private async connect(): Promise<DaemonClient> {
    const t0 = Date.now();
    this.setState('connecting');
    const s = this.settings();
    try {
      const client = await DaemonClient.connect({
        client: 'vscode',
        daemonPath: path.join(this.extensionPath, 'dist', 'daemon.js'),
        nodePath: process.execPath,
        env: s.env,
        trace: s.trace === 'off' ? undefined : (dir, line) => this.log.trace(`${dir === 'send' ? '→' : '←'} ${s.trace === 'verbose' ? line : line.slice(0, 200)}`),
      });
      this.client = client;
      this.lastError = undefined;
      this.log.info(
        `${client.spawned ? 'started' : 'connected to'} warmboxd ${client.hello.daemonVersion} (pid ${client.hello.pid}) in ${Date.now() - t0} ms; log: ${client.hello.logPath}`,
      );
      client.on('notification', (method: string, params: unknown) => {
        this.notificationEmitter.fire({ method, params });
        if (method === Notifications.poolChanged) {
          this.lastPool = params as PoolChangedNotification;
          this.poolEmitter.fire(this.lastPool);
        }
      });
      client.once('close', (byUs: boolean) => this.onLost(client, byUs));
      await this.pushSettings();
      // A new daemon knows nothing of this window's wishes.
      this.lastWishes = undefined;
      await this.pushWishes();
      this.lastPool = await client.request(Methods.poolSubscribe, {}, REQUEST_TIMEOUT_MS);
      this.setState('connected');
      this.poolEmitter.fire(this.lastPool);
      return client;
    } catch (e) {
      this.lastError = (e as Error).message;
      this.log.error(`could not reach warmboxd: ${this.lastError}`);
      this.scheduleRetry();
      throw e;
    }
  }

  private onLost(client: DaemonClient, byUs: boolean): void {
    if (this.client === client) this.client = undefined;
    if (byUs || this.disposed) return;
    if (client.exitingReason) {
      // Stopped on purpose (warmbox daemon stop, Restart, a signal): start again only when something needs it.
      this.lastError = `the daemon stopped (${client.exitingReason})`;
      this.log.info(`warmboxd stopped: ${client.exitingReason}; it starts again on the next run`);
      this.setState('down');
      return;
    }
    this.log.warn('the connection to warmboxd closed; reconnecting');
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.disposed || this.retryTimer) return;
    const d = this.policy.failed();
    if (!d.retry) {
      this.setState('failed');
      void vscode.window
        .showErrorMessage(
          `warmbox: the sandbox daemon stopped ${this.policy.recentFailures} times in a few minutes; not restarting it again.${this.lastError ? ` Last error: ${this.lastError}` : ''}`,
          'Restart daemon',
          'Show log',
        )
        .then((pick) => {
          if (pick === 'Restart daemon') void vscode.commands.executeCommand('warmbox.restartDaemon');
          if (pick === 'Show log') void vscode.commands.executeCommand('warmbox.showLog');
        });
      return;
    }
    this.setState('down');
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.ensure().catch(() => undefined);
    }, d.delayMs);
  }

  /** After "Restart daemon" from the give-up message. */
  revive(): void {
    this.policy.reset();
    if (this.state === 'failed') this.setState('down');
  }

  private setState(s: LinkState): void {
    if (this.state === s) return;
    this.state = s;
    this.stateEmitter.fire(s);
  }

  dispose(): void {
    this.disposed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.client?.close();
    this.stateEmitter.dispose();
    this.poolEmitter.dispose();
    this.notificationEmitter.dispose();
  }
}
