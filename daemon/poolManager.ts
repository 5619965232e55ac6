// All profiles' pools on one engine: orphan reaping, engine events, the maintenance loop, stats.
import type Docker from 'dockerode';
import type { DaemonConfig } from './config';
import { classifyDockerError, isUnreachable } from './docker';
import { noteEngineKind } from './engine';
import { kindOf } from './engine/probe';
import type { Logger } from './log';
import { ProfilePool } from './pool';
import type { ContainerInfo, EngineInfo, IsolationMode, PoolStats } from './protocol';
import { LABEL, Sandbox } from './sandbox';

const MAINTAIN_EVERY_MS = 2_000;

export class PoolManager {
  readonly pools = new Map<string, ProfilePool>();
  private timer?: NodeJS.Timeout;
  private events?: NodeJS.ReadableStream;
  private dockerState: PoolStats['docker'] = { reachable: false };
  private closed = false;
  private readonly startedAt = Date.now();
  /** Which engine and how it was found (set by the core); `startError` lists what was tried when none answered. */
  engineInfo: Partial<EngineInfo> = {};
  startError?: string;

  constructor(
    private config: DaemonConfig,
    private readonly docker: Docker,
    private readonly where: string,
    private readonly ids: { instance: string; scope: string },
    private readonly log: Logger,
    private readonly onChange: () => void,
  ) {
    for (const p of config.profiles.values()) this.pools.set(p.name, new ProfilePool(p, this.sandboxEnv(), this.poolOptions()));
  }

  private sandboxEnv() {
    return { docker: this.docker, where: this.where, log: this.log, labels: this.labels() };
  }

  private labels(): Record<string, string> {
    return { [LABEL.managed]: 'true', [LABEL.instance]: this.ids.instance, [LABEL.scope]: this.ids.scope };
  }

  private poolOptions() {
    return {
      pooling: this.config.pooling,
      queueTimeoutMs: this.config.queueTimeoutMs,
      healthIntervalMs: this.config.healthIntervalMs,
      log: this.log,
      onChange: this.onChange,
    };
  }

  async start(): Promise<void> {
    const t0 = Date.now();
    await this.checkEngine();
    if (this.dockerState.reachable) await this.reapOrphans();
    this.watchEvents();
    for (const pool of this.pools.values()) pool.fill();
    this.timer = setInterval(() => void this.maintain(), MAINTAIN_EVERY_MS);
    this.timer.unref();
    this.log.info(`pool started in ${Date.now() - t0} ms (docker ${this.dockerState.reachable ? this.dockerState.version : 'unreachable'}, pooling ${this.config.pooling ? 'on' : 'off'})`);
  }

  /** The pool for a profile; a run that asks for the other isolation mode gets a pool of its own, made on first use. */
  get(profile: string, isolation?: IsolationMode): ProfilePool | undefined {
    const base = this.pools.get(profile);
    if (!base || !isolation || isolation === base.isolation || !this.config.pooling) return base;
    const key = `${profile}:${isolation}`;
    let pool = this.pools.get(key);
    if (!pool) {
      pool = new ProfilePool({ ...base.profile, isolation }, this.sandboxEnv(), this.poolOptions());
      pool.key = key;
      this.pools.set(key, pool);
      pool.fill();
    }
    return pool;
  }

  profileNames(): string[] {
    return [...this.config.profiles.keys()];
  }

  findSandbox(id: string): { pool: ProfilePool; sandbox: Sandbox } | undefined {
    for (const pool of this.pools.values()) {
      const sandbox = pool.find(id);
      if (sandbox) return { pool, sandbox };
    }
    return undefined;
  }

  stats(activeRuns: number, clients: number): PoolStats {
    return {
      pooling: this.config.pooling,
      docker: this.dockerState,
      profiles: [...this.pools.values()].map((p) => p.stats()),
      activeRuns,
      clients,
      uptimeMs: Date.now() - this.startedAt,
    };
  }

  containers(): ContainerInfo[] {
    const now = Date.now();
    return [...this.pools.values()].flatMap((p) => p.containers(now));
  }

  reconfigure(config: DaemonConfig): void {
    this.config = config;
    for (const p of config.profiles.values()) {
      const pool = this.pools.get(p.name);
      if (pool) pool.reconfigure(p, this.poolOptions());
      else {
        const np = new ProfilePool(p, this.sandboxEnv(), this.poolOptions());
        this.pools.set(p.name, np);
        np.fill();
      }
    }
    for (const [key, pool] of this.pools) {
      const p = config.profiles.get(pool.profile.name);
      if (!p) {
        this.pools.delete(key);
        void pool.close(`profile ${pool.profile.name} was removed from the settings`);
      } else if (key !== p.name) {
        // a secondary pool (the other isolation mode) follows its profile's new settings
        pool.reconfigure({ ...p, isolation: pool.profile.isolation }, this.poolOptions());
      }
    }
    this.onChange();
  }

  async close(reason: string): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    (this.events as unknown as { destroy?: () => void })?.destroy?.();
    await Promise.all([...this.pools.values()].map((p) => p.close(reason)));
  }

  /** Removes containers left by an earlier daemon of this socket (crashed or killed); others' are left alone. */
  private async reapOrphans(): Promise<void> {
    try {
      const list = await this.docker.listContainers({ all: true, filters: { label: [`${LABEL.scope}=${this.ids.scope}`] } });
      const orphans = list.filter((c) => c.Labels[LABEL.instance] !== this.ids.instance);
      await Promise.all(orphans.map((c) => this.docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
      if (orphans.length) this.log.info(`reaped ${orphans.length} container(s) left by an earlier daemon`);
    } catch (e) {
      this.log.warn(`could not look for orphaned containers: ${(e as Error).message}`);
    }
  }

  private async checkEngine(): Promise<void> {
    const was = this.dockerState.reachable;
    try {
      const v = (await this.docker.version()) as { Version?: string };
      this.startError = undefined;
      this.dockerState = { ...this.engineInfo, reachable: true, version: v.Version, kind: kindOf(v) };
      noteEngineKind(this.where, kindOf(v));
      if (!was && this.timer) {
        this.log.info(`docker is reachable again (${v.Version})`);
        await this.reapOrphans();
        this.watchEvents();
      }
    } catch (e) {
      this.dockerState = { ...this.engineInfo, reachable: false, error: this.startError ?? classifyDockerError(e, { where: this.where }).message };
      if (was) this.log.warn(`docker became unreachable: ${this.dockerState.error}`);
    }
    if (was !== this.dockerState.reachable) this.onChange();
  }

  private watchEvents(): void {
    if (this.closed || this.events) return;
    this.docker.getEvents({ filters: { type: ['container'], label: [`${LABEL.instance}=${this.ids.instance}`] } }, (err, stream) => {
      if (err || !stream) {
        if (!isUnreachable(err)) this.log.warn(`engine events unavailable: ${err?.message}`);
        return;
      }
      this.events = stream;
      let buf = '';
      stream.on('data', (d: Buffer) => {
        buf += d.toString();
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          try {
            const ev = JSON.parse(line) as { id?: string; Action?: string; status?: string };
            const action = (ev.Action ?? ev.status ?? '').split(':')[0];
            if (ev.id) this.findSandbox(ev.id)?.sandbox.engineEvent(action);
          } catch {
            /* not an event line */
          }
        }
      });
      const gone = () => {
        if (this.events !== stream) return;
        this.events = undefined;
        if (!this.closed) setTimeout(() => this.watchEvents(), 1000).unref();
      };
      stream.on('end', gone);
      stream.on('error', gone);
      stream.on('close', gone);
    });
  }

  private maintaining = false;
  private async maintain(): Promise<void> {
    if (this.maintaining || this.closed) return;
    this.maintaining = true;
    try {
      await this.checkEngine();
      await Promise.all([...this.pools.values()].map((p) => p.maintain()));
    } catch (e) {
      this.log.warn(`maintenance: ${(e as Error).message}`);
    } finally {
      this.maintaining = false;
    }
  }
}
