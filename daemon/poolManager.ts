// All warm sets on one engine: which set a run gets (keyed by everything that shapes its container), the cap over
// all sets, orphan reaping, engine events, the maintenance loop (every engine call bounded), stats.
import type Docker from 'dockerode';
import { DaemonConfig, resolveProfile } from './config';
import { classifyDockerError, InfraError, isUnreachable, withTimeout } from './docker';
import { noteEngineKind } from './engine';
import { kindOf } from './engine/probe';
import type { Logger } from './log';
import { ImageBuilder, ImageBuilderHooks } from './languages/imageBuilder';
import { PoolOptions, ProfilePool } from './pool';
import type { Profile } from './profiles';
import { resolveProfileFor } from './languages/resolve';
import type { ContainerInfo, EngineInfo, PoolStats, ProfileResolveParams, ProfileResolveResult, RunStartParams } from './protocol';
import { LABEL, Sandbox } from './sandbox';
import type { ProjectCopy } from './workspace/project';
import { projectLabel, ProjectRegistry } from './workspace/registry';

const MAINTAIN_EVERY_MS = 2_000;

/** What a project adds to its runs' profile (daemon/environments/): its environment image and warmbox.json's preload. */
export interface ProjectEnvironment {
  image?: string;
  preload?: string[];
}

export type RunShape = Pick<RunStartParams, 'isolation' | 'timeoutMs' | 'settings' | 'workspaceSettings' | 'project'> & { profile: string };
/** The longest the pool waits on one engine call before it says the engine is not answering and carries on. */
export const ENGINE_CALL_TIMEOUT_MS = 5_000;

/**
 * The key of a warm set: everything that shapes a container — profile, image, command and health check, environment,
 * isolation, and the limits the engine enforces (memory, CPUs, processes, network, tmpfs size). The run's timeout and
 * output cap are the daemon's to enforce per run, so they do not split sets.
 */
export function poolKey(p: Profile, project?: string): string {
  const l = p.limits;
  // A project's sandboxes are armed with its copy (ProjectRegistry's key: root, excludes, caps).
  return JSON.stringify([p.name, p.image, p.command, p.health, p.env, p.isolation, l.memoryMb, l.cpus, l.pids, l.network, l.workspaceMb, p.runtime ?? null, project ?? null, p.preload ?? []]);
}

/** A set's name for people: the profile's alone for its default set, else what differs from it. */
export function setLabel(p: Profile, base: Profile | undefined): string {
  if (!base) return `${p.name}:removed`;
  const d: string[] = [];
  if (p.isolation !== base.isolation) d.push(p.isolation);
  for (const k of ['memoryMb', 'cpus', 'pids', 'workspaceMb'] as const) if (p.limits[k] !== base.limits[k]) d.push(`${k}=${p.limits[k]}`);
  if (p.limits.network !== base.limits.network) d.push(p.limits.network ? 'network' : 'no-network');
  if (p.image !== base.image) d.push(p.image.startsWith('warmbox/env-') ? p.image.replace(/^warmbox\/env-[a-z0-9-]+?-([0-9a-f]{12})(:latest)?$/, 'env-$1') : `image=${p.image}`);
  if (p.runtime !== base.runtime) d.push(`runtime=${p.runtime ?? 'default'}`);
  if ((p.preload ?? []).join() !== (base.preload ?? []).join()) d.push('preload');
  if (!d.length && poolKey(p) !== poolKey(base)) d.push('earlier-settings');
  return d.length ? `${p.name}:${d.join(',')}` : p.name;
}

export class PoolManager {
  /** Warm sets by poolKey. */
  readonly pools = new Map<string, ProfilePool>();
  /** Project copies, shared by the sets of one project. */
  readonly projects = new ProjectRegistry(() => this.config.workspace);
  private timer?: NodeJS.Timeout;
  private events?: NodeJS.ReadableStream;
  private eventsPending = false;
  private dockerState: PoolStats['docker'] = { reachable: false };
  /** The engine did not answer within ENGINE_CALL_TIMEOUT_MS (as opposed to refusing the connection). */
  private engineHung = false;
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
    /** How missing language images are built (where their logs go, whom progress is told). */
    imageHooks: Omit<ImageBuilderHooks, 'log' | 'built'> = {},
  ) {
    this.images = new ImageBuilder({ ...imageHooks, log, built: (image) => this.imageBuilt(image) });
    for (const p of config.profiles.values()) this.addPool(p, true);
  }

  private sandboxEnv() {
    return { docker: this.docker, where: this.where, log: this.log, labels: this.labels() };
  }

  private labels(): Record<string, string> {
    return { [LABEL.managed]: 'true', [LABEL.instance]: this.ids.instance, [LABEL.scope]: this.ids.scope };
  }

  private poolOptions(): PoolOptions {
    return {
      pooling: this.config.pooling,
      queueTimeoutMs: this.config.queueTimeoutMs,
      healthIntervalMs: this.config.healthIntervalMs,
      setIdleMs: this.config.setIdleMs,
      log: this.log,
      onChange: this.onChange,
      room: () => Math.max(0, this.config.maxSandboxes - this.total()),
      reclaim: (forPool) => this.reclaim(forPool),
      freed: () => this.fillAll(),
      engineProblem: () => (this.engineHung ? this.dockerState.error : undefined),
      bounded: (what, p) => this.bounded(what, p),
      imageMissing: (pool, e) => this.images.missing(pool.profile, e),
    };
  }

  /** Builds missing warmbox language images on first use (core.ts gives it the runtime folder and the broadcast). */
  readonly images: ImageBuilder;

  /** An image was just built: the sets on it warm now rather than after their backoff. */
  imageBuilt(image: string): void {
    for (const p of this.pools.values()) if (p.profile.image === image) p.retryNow();
  }

  private addPool(profile: Profile, isDefault: boolean, project?: { copy: ProjectCopy; key: string }): ProfilePool {
    const pool = new ProfilePool(profile, this.sandboxEnv(), this.poolOptions(), project?.copy);
    pool.isDefault = isDefault;
    pool.wished = this.isWished(profile.name);
    pool.key = setLabel(profile, this.config.profiles.get(profile.name)) + (project ? `@${projectLabel(project.copy.root)}` : '');
    this.pools.set(poolKey(profile, project?.key), pool);
    return pool;
  }

  /** Sandboxes of all sets that are not gone. */
  total(): number {
    let n = 0;
    for (const p of this.pools.values()) n += p.live();
    return n;
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

  /**
   * The set a run gets and the profile it runs with: the profile resolved from the config and the run's own settings
   * (workspace values only tighten), and the set of that shape — made on first use. Undefined for an unknown profile.
   */
  forRun(params: RunShape, env?: ProjectEnvironment): { pool: ProfilePool; profile: Profile } | undefined {
    const profile = this.resolve(params);
    if (!profile) return undefined;
    // A project's environment (daemon/environments/): the same profile on the image with its packages.
    if (env?.image) profile.image = env.image;
    if (env?.preload?.length) profile.preload = env.preload;
    const project = params.project ? this.projects.get(params.project) : undefined;
    let pool = this.pools.get(poolKey(profile, project?.key));
    if (!pool) {
      pool = this.addPool(profile, false, project);
      this.log.info(`new warm set ${pool.key} (${this.pools.size} sets, ${this.total()}/${this.config.maxSandboxes} sandboxes)`);
      pool.lastUsed = Date.now();
      pool.fill();
      this.onChange();
    }
    return { pool, profile };
  }

  /** The profile for a file (languages/resolve.ts: the one rule every client gets). */
  resolveProfile(q: ProfileResolveParams): ProfileResolveResult {
    return resolveProfileFor(this.config.profiles.values(), q);
  }

  /** The profile a run of this shape runs with (before any environment image); undefined for an unknown profile. */
  resolve(params: RunShape): Profile | undefined {
    const base = this.config.profiles.get(params.profile);
    if (!base) return undefined;
    const user = { ...params.settings };
    if (params.isolation) user.isolation = params.isolation;
    if (params.timeoutMs !== undefined) user.timeoutMs = params.timeoutMs;
    const profile = resolveProfile(base, user, params.workspaceSettings);
    // Without pooling every run gets a container of its own: isolation does not shape anything.
    if (!this.config.pooling) profile.isolation = base.isolation;
    return profile;
  }

  /** The images the sets run on now (environment images among them are never pruned). */
  imagesInUse(): Set<string> {
    return new Set([...this.pools.values()].map((p) => p.profile.image));
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
      sandboxes: this.total(),
      maxSandboxes: this.config.maxSandboxes,
      activeRuns,
      clients,
      uptimeMs: Date.now() - this.startedAt,
    };
  }

  containers(): ContainerInfo[] {
    const now = Date.now();
    return [...this.pools.values()].flatMap((p) => p.containers(now));
  }

  /**
   * New daemon-wide settings (config/set: pool sizes, idle shutdown; the config file read again). Each profile's
   * default set is the set of its new base shape; a set whose shape no run asks for any more drains (its busy
   * sandboxes go after their runs) and goes.
   */
  reconfigure(config: DaemonConfig): void {
    this.config = config;
    const opts = this.poolOptions();
    const defaults = new Set<string>();
    for (const p of config.profiles.values()) {
      const key = poolKey(p);
      defaults.add(key);
      const pool = this.pools.get(key);
      if (pool) {
        pool.isDefault = true;
        pool.wished = this.isWished(p.name);
        pool.reconfigure(p, opts);
      } else this.addPool(p, true).fill();
    }
    for (const [key, pool] of this.pools) {
      pool.key = setLabel(pool.profile, config.profiles.get(pool.profile.name)) + (pool.project ? `@${projectLabel(pool.project.root)}` : '');
      if (defaults.has(key)) continue;
      const base = config.profiles.get(pool.profile.name);
      if (!base) {
        this.pools.delete(key);
        void pool.close(`profile ${pool.profile.name} was removed from the settings`);
        continue;
      }
      if (pool.isDefault) pool.lastUsed = 0; // was the default set: nobody asks for its shape now, it drains
      pool.isDefault = false;
      // Sizes and recycling follow the profile; the shape (the key) stays.
      pool.reconfigure({ ...pool.profile, minSize: base.minSize, maxSize: base.maxSize, maxAgeMs: base.maxAgeMs, maxUses: base.maxUses }, opts);
    }
    this.onChange();
  }

  // ---- which default sets are kept warm (README: *Warm what the workspace uses*) ----

  /**
   * The profiles each client asked to keep warm (`pool/want`), by connection. Undefined until a client says (or the
   * daemon was started with WARMBOX_WARM=wanted): then every default set is kept warm, as before wishes existed.
   * Wishes only add: what one window wants never makes another window's sets go cold.
   */
  private wishes?: Map<number, Set<string>>;

  private isWished(profile: string): boolean {
    if (!this.wishes) return true;
    for (const w of this.wishes.values()) if (w.has(profile)) return true;
    return false;
  }

  /** Keep warm only what clients ask for (and what runs used lately); nothing is asked for yet. */
  warmOnlyWanted(): void {
    this.wishes ??= new Map();
    for (const pool of this.pools.values()) if (pool.isDefault) pool.wished = this.isWished(pool.profile.name);
  }

  /** A client's wishes (replacing its earlier ones); answers the profiles kept warm now for anyone. */
  setWishes(client: number, profiles: string[]): string[] {
    (this.wishes ??= new Map()).set(client, new Set(profiles));
    this.applyWishes();
    return [...this.config.profiles.keys()].filter((p) => this.isWished(p));
  }

  /** A client went: its wishes go with it. */
  dropWishes(client: number): void {
    if (this.pins.delete(client)) this.applyPins();
    if (this.wishes?.delete(client)) this.applyWishes();
  }

  /** The project sets each client asked to keep warm (pool/want's projects), by connection. */
  private readonly pins = new Map<number, Set<ProfilePool>>();

  /**
   * A client's project wishes (replacing its earlier ones): each run shape's set is made now, as its first run would
   * make it, and kept warm while anyone wishes it; a set nobody wishes any more drains as unused sets do.
   */
  pinSets(client: number, shapes: { shape: RunShape; env?: ProjectEnvironment }[]): string[] {
    const mine = new Set<ProfilePool>();
    for (const { shape, env } of shapes) {
      try {
        const target = this.forRun(shape, env);
        if (target) mine.add(target.pool);
      } catch (e) {
        // (a broken warmbox.json: its runs are refused with the reason; nothing to warm)
        this.log.info(`not warming ${shape.profile} for ${shape.project?.root}: ${(e as Error).message}`);
      }
    }
    this.pins.set(client, mine);
    this.applyPins();
    return [...mine].map((p) => p.key).sort();
  }

  private applyPins(): void {
    const pinned = new Set([...this.pins.values()].flatMap((s) => [...s]));
    const now = Date.now();
    for (const pool of this.pools.values()) {
      const was = pool.pinned;
      pool.pinned = pinned.has(pool);
      // Unpinned: it counts as used now, so it stays for the usual idle time before it drains.
      if (was && !pool.pinned) pool.lastUsed = now;
    }
    this.fillAll();
    this.onChange();
  }

  private applyWishes(): void {
    for (const pool of this.pools.values()) if (pool.isDefault) pool.wished = this.isWished(pool.profile.name);
    this.fillAll();
    this.onChange();
  }

  /**
   * Sets with runs waiting first: room freed by a sandbox that went serves a waiting run before a refill. Then the
   * reverse of reclaim()'s order (default sets, then the most recently used): at the cap, the set that gave way is
   * not refilled before the set a run just used.
   */
  private fillAll(): void {
    if (this.closed) return;
    const order = [...this.pools.values()].sort((a, b) => b.waiting - a.waiting || Number(b.isDefault) - Number(a.isDefault) || b.lastUsed - a.lastUsed);
    for (const p of order) p.fill();
  }

  /** At the cap: one idle sandbox of another set goes, from the set used longest ago (default sets last). */
  private reclaim(forPool: ProfilePool): boolean {
    const order = [...this.pools.values()].filter((p) => p !== forPool).sort((a, b) => Number(a.isDefault) - Number(b.isDefault) || a.lastUsed - b.lastUsed);
    for (const p of order) {
      const victim = [...p.sandboxes].find((s) => s.state === 'idle');
      if (!victim) continue;
      this.log.info(`sandbox ${victim.shortId} (${p.key}) makes room for ${forPool.key} (maxSandboxes ${this.config.maxSandboxes})`);
      victim.state = 'recycling';
      void victim.destroy('made room for another set');
      return true;
    }
    return false;
  }

  /** Bounds an engine call the pool waits on; a timeout marks the engine as not answering. */
  private bounded<T>(what: string, p: Promise<T>): Promise<T> {
    return withTimeout(what, ENGINE_CALL_TIMEOUT_MS, p);
  }

  async close(reason: string): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    (this.events as unknown as { destroy?: () => void })?.destroy?.();
    await Promise.all([...this.pools.values()].map((p) => p.close(reason)));
    this.projects.closeAll();
  }

  /** Removes containers left by an earlier daemon of this socket (crashed or killed); others' are left alone. */
  private async reapOrphans(): Promise<void> {
    try {
      const list = await this.bounded('the container list', this.docker.listContainers({ all: true, filters: { label: [`${LABEL.scope}=${this.ids.scope}`] } }));
      const orphans = list.filter((c) => c.Labels[LABEL.instance] !== this.ids.instance);
      await Promise.all(orphans.map((c) => this.bounded('a container removal', this.docker.getContainer(c.Id).remove({ force: true })).catch(() => undefined)));
      if (orphans.length) this.log.info(`reaped ${orphans.length} container(s) left by an earlier daemon`);
    } catch (e) {
      this.log.warn(`could not look for orphaned containers: ${(e as Error).message}`);
    }
  }

  private async checkEngine(): Promise<void> {
    const was = this.dockerState.reachable;
    const t0 = Date.now();
    try {
      const v = (await this.bounded('the version check', this.docker.version())) as { Version?: string };
      this.startError = undefined;
      this.dockerState = { ...this.engineInfo, reachable: true, version: v.Version, kind: kindOf(v) };
      noteEngineKind(this.where, kindOf(v));
      if (this.engineHung) this.log.info(`docker answers again (version check took ${Date.now() - t0} ms)`);
      this.engineHung = false;
      if (!was && this.timer) {
        this.log.info(`docker is reachable again (${v.Version})`);
        await this.reapOrphans();
        this.watchEvents();
      }
    } catch (e) {
      const hung = e instanceof InfraError && !isUnreachable(e);
      this.dockerState = { ...this.engineInfo, reachable: false, error: hung ? e.message : (this.startError ?? classifyDockerError(e, { where: this.where }).message) };
      if (was || hung !== this.engineHung) this.log.warn(`docker became unreachable: ${this.dockerState.error}`);
      this.engineHung = hung;
    }
    if (was !== this.dockerState.reachable) this.onChange();
  }

  private watchEvents(): void {
    if (this.closed || this.events || this.eventsPending) return;
    this.eventsPending = true;
    // A hung engine may never answer this call: try again later rather than never.
    let late = false;
    const timer = setTimeout(() => {
      late = true;
      this.eventsPending = false;
      this.log.warn(`engine events did not answer within ${ENGINE_CALL_TIMEOUT_MS / 1000} s; trying again`);
      if (!this.closed) setTimeout(() => this.watchEvents(), 1000).unref();
    }, ENGINE_CALL_TIMEOUT_MS);
    timer.unref();
    this.docker.getEvents({ filters: { type: ['container'], label: [`${LABEL.instance}=${this.ids.instance}`] } }, (err, stream) => {
      clearTimeout(timer);
      if (late) {
        (stream as unknown as { destroy?: () => void })?.destroy?.();
        return;
      }
      this.eventsPending = false;
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
      // Sets nobody uses and that hold nothing any more go.
      for (const [key, pool] of this.pools) {
        // (a profile's default set stays, even one warmed only on use: it is where its runs go)
        if (!pool.isDefault && pool.unused() && pool.empty) {
          this.pools.delete(key);
          void pool.close('unused');
          this.log.info(`warm set ${pool.key} went (unused for ${Math.round(this.config.setIdleMs / 1000)} s)`);
          this.onChange();
        }
      }
      // ...and with them the watchers of projects no set holds.
      this.projects.sweep(new Set([...this.pools.values()].flatMap((p) => (p.project ? [p.project] : []))));
    } catch (e) {
      this.log.warn(`maintenance: ${(e as Error).message}`);
    } finally {
      this.maintaining = false;
    }
  }
}
