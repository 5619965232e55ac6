// One warm set (sandboxes of one shape): keep minSize armed while it is in use, never exceed maxSize or the daemon's
// cap, queue runs when all are busy, replace what dies.
import type { ArmedBuild } from './armScript';
import type { ContainerInfo, IsolationMode, ProfileStats } from './protocol';
import { InfraError } from './docker';
import { fmtMs, type Logger } from './log';
import type { Profile } from './profiles';
import { Sandbox, SandboxEnv } from './sandbox';
import type { ProjectCopy } from './workspace/project';
import { backoffMs, planWarmups } from './poolPlan';

export interface Lease {
  sandbox: Sandbox;
  /** The sandbox was armed before the request came: the run paid no container start. */
  warm: boolean;
}

interface Waiter {
  resolve(l: Lease): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
  onAbort: () => void;
  signal?: AbortSignal;
}

export interface PoolOptions {
  pooling: boolean;
  queueTimeoutMs: number;
  healthIntervalMs: number;
  /** A set other than its profile's default shrinks to zero after this long without a run. */
  setIdleMs: number;
  log: Logger;
  onChange(): void;
  /** How many more sandboxes the daemon's cap allows, over all sets. */
  room(): number;
  /** Frees room for this set's waiters by removing an idle sandbox of another set; false when none is idle. */
  reclaim(forPool: ProfilePool): boolean;
  /** A sandbox went: sets with waiters may warm now. */
  freed(): void;
  /** Why the engine is not answering, when it is not. */
  engineProblem(): string | undefined;
  /** Bounds a health check: a hung engine must not stall maintenance. */
  bounded<T>(what: string, p: Promise<T>): Promise<T>;
  /** The set's image is missing: may start building it, and says so (languages/imageBuilder.ts). */
  imageMissing?(pool: ProfilePool, e: InfraError): InfraError;
}

const IDLE_TRIM_MS = 60_000;

/** A waiter leaves the queue: its timer and its abort listener go with it. */
function settle(w: Waiter): void {
  clearTimeout(w.timer);
  w.signal?.removeEventListener('abort', w.onAbort);
}

export class CancelledError extends Error {}

export class ProfilePool {
  /** The set's name (see ProfileStats.profile); the manager sets it. */
  key: string;
  /** Its profile's default set (no run overrides): kept warm. Others shrink to zero when unused. */
  isDefault = false;
  /** The last time a run asked for this set (never, for a language warmed only on use). */
  lastUsed: number;
  /** A default set: some client wants it warm (`pool/want`), or no client said what it wants (all are). */
  wished = true;
  /** A client asked for this (project) set to be kept warm (pool/want's projects): it never counts as unused. */
  pinned = false;
  /** A run asked for it since the daemon started. */
  usedOnce = false;
  readonly sandboxes = new Set<Sandbox>();
  private waiters: Waiter[] = [];
  private lastHealth = new WeakMap<Sandbox, number>();
  runs = 0;
  coldRuns = 0;
  failures = 0;
  replaced = 0;
  lastError?: InfraError;
  private failStreak = 0;
  private nextWarmAt = 0;
  /** Idle sandboxes in a row that ended on their own before serving a run, and until when minSize waits for it. */
  private quitStreak = 0;
  private quietUntil = 0;
  private closed = false;
  /** Compiled languages: the build this set's runs used last, which sandboxes armed from now on hold in {out}. */
  private lastBuild?: ArmedBuild;
  /** The set's last run asked for merged streams (VS Code's always do): the next interpreters start that way. */
  private lastMerged = false;

  constructor(
    public profile: Profile,
    private readonly env: SandboxEnv,
    private opts: PoolOptions,
    /** The project its sandboxes are armed with (none: single-file runs). */
    readonly project?: ProjectCopy,
  ) {
    this.lastUsed = profile.warmOnUse ? 0 : Date.now();
    this.key = profile.name;
  }

  /** A run of this set asked for its streams merged, or apart: sandboxes armed from now on expect the same. */
  noteStreams(merged: boolean): void {
    this.lastMerged = merged;
  }

  /** A run of this set used this build (cached or just made) of the file {name}: the next sandboxes are armed with it. */
  keepBuild(key: string, artifact: Buffer, name: string): void {
    if (this.profile.compile) this.lastBuild = { key, artifact, name };
  }

  get isolation(): IsolationMode {
    return this.opts.pooling ? this.profile.isolation : 'fresh';
  }

  /** No run asked for this (non-default) set within setIdleMs. */
  unused(now = Date.now()): boolean {
    return !this.pinned && (!this.isDefault || this.profile.warmOnUse) && now - this.lastUsed >= this.opts.setIdleMs;
  }

  /** Sandboxes to keep armed: the profile's minSize while the set is in use. */
  minSize(now = Date.now()): number {
    return this.opts.pooling && !this.unused(now) && this.kept(now) ? this.profile.minSize : 0;
  }

  /** A default set is kept warm while wished for, or for setIdleMs after a run used it (warm on first use). */
  private kept(now: number): boolean {
    return !this.isDefault || this.wished || (this.usedOnce && now - this.lastUsed < this.opts.setIdleMs);
  }

  /** Nothing left in it: it can go. */
  get empty(): boolean {
    return this.sandboxes.size === 0 && this.waiters.length === 0;
  }

  get waiting(): number {
    return this.waiters.length;
  }

  live(): number {
    let n = 0;
    for (const s of this.sandboxes) if (s.state !== 'dead') n++;
    return n;
  }

  private count(state: Sandbox['state']): number {
    let n = 0;
    for (const s of this.sandboxes) if (s.state === state) n++;
    return n;
  }

  /** A sandbox for one run: an armed one at once, otherwise the next one armed, within the queue timeout. */
  acquire(signal?: AbortSignal): Promise<Lease> {
    if (this.closed) return Promise.reject(new InfraError('shutting-down', 'warmbox is shutting down'));
    if (signal?.aborted) return Promise.reject(new CancelledError('cancelled'));
    this.lastUsed = Date.now();
    this.usedOnce = true;
    const idle = this.takeIdle();
    if (idle) {
      this.quitStreak = 0;
      return Promise.resolve({ sandbox: idle, warm: true });
    }
    // While the engine or the image is known broken, say so at once instead of queueing.
    if (this.lastError && Date.now() < this.nextWarmAt && this.count('warming') === 0) return Promise.reject(this.lastError);
    const problem = this.opts.engineProblem();
    if (problem && this.count('warming') === 0) return Promise.reject(new InfraError('docker-unreachable', problem));
    return new Promise<Lease>((resolve, reject) => {
      const w: Waiter = {
        resolve,
        reject,
        signal,
        timer: setTimeout(() => {
          this.dropWaiter(w);
          const busy = this.count('busy');
          const secs = this.opts.queueTimeoutMs / 1000;
          const problem = this.opts.engineProblem();
          reject(
            new InfraError(
              'pool-capacity',
              busy >= this.profile.maxSize
                ? `pool at capacity: all ${this.profile.maxSize} ${this.profile.name} sandboxes stayed busy for ${secs} s`
                : this.opts.room() === 0 && this.count('warming') === 0
                  ? `pool at capacity: the sandboxes of all sets together (maxSandboxes) stayed busy for ${secs} s`
                  : `no ${this.profile.name} sandbox became ready within ${secs} s (${problem ?? 'Docker is slow to start containers'})`,
            ),
          );
        }, this.opts.queueTimeoutMs),
        onAbort: () => {
          this.dropWaiter(w);
          reject(new CancelledError('cancelled'));
        },
      };
      signal?.addEventListener('abort', w.onAbort, { once: true });
      this.waiters.push(w);
      this.fill();
      this.opts.onChange();
    });
  }

  /** Gives the sandbox back after a run. `clean`: the program exited normally and the container may serve again (reuse). */
  release(sb: Sandbox, how: 'clean' | 'dirty' | 'unused'): void {
    sb.runId = undefined;
    if (how === 'unused' && sb.state === 'busy' && sb.uses === 0) {
      sb.state = 'idle';
      this.onReady(sb);
      return;
    }
    const reusable = how === 'clean' && this.isolation === 'reuse' && !this.wornOut(sb) && !this.closed;
    if (reusable) return; // the sandbox says 'ready' once PID 1 has wiped it
    if (this.isolation === 'fresh' && how === 'clean') sb.retire();
    else void sb.destroy(how === 'clean' ? 'recycled (max uses or age)' : 'ended after a failed run');
    this.opts.onChange();
  }

  stats(): ProfileStats {
    const l = this.profile.limits;
    return {
      profile: this.key,
      name: this.profile.name,
      isDefault: this.isDefault,
      limits: { memoryMb: l.memoryMb, cpus: l.cpus, pids: l.pids, network: l.network },
      image: this.profile.image,
      isolation: this.isolation,
      minSize: this.minSize(),
      maxSize: this.profile.maxSize,
      warming: this.count('warming'),
      idle: this.count('idle'),
      busy: this.count('busy'),
      waiting: this.waiters.length,
      runs: this.runs,
      coldRuns: this.coldRuns,
      failures: this.failures,
      replaced: this.replaced,
      projectRoot: this.project?.root,
      lastError: this.lastError?.message,
    };
  }

  containers(now = Date.now()): ContainerInfo[] {
    const out: ContainerInfo[] = [];
    for (const s of this.sandboxes) {
      if (s.state === 'dead' || !s.id) continue;
      out.push({ id: s.id, shortId: s.shortId, profile: this.profile.name, pool: this.key, state: s.state, uses: s.uses, createdAt: s.createdAt, ageMs: now - s.createdAt, runId: s.runId });
    }
    return out;
  }

  find(id: string): Sandbox | undefined {
    for (const s of this.sandboxes) if (s.id === id || (id.length >= 4 && s.id.startsWith(id))) return s;
    return undefined;
  }

  /** Starts the warm-ups the pool is short of (minSize, plus one per waiter), within maxSize and the failure backoff. */
  fill(): void {
    if (this.closed) return;
    const input = () => ({
      minSize: Date.now() < this.quietUntil ? 0 : this.minSize(),
      maxSize: this.profile.maxSize,
      live: this.live(),
      idle: this.count('idle'),
      warming: this.count('warming'),
      waiting: this.waiters.length,
      backingOff: Date.now() < this.nextWarmAt,
      room: this.opts.room(),
    });
    let n = planWarmups(input());
    // Held back only by the cap over all sets, with runs waiting here: an idle sandbox of another set makes way
    // (never for this set's minSize alone, or sets would take turns removing each other's).
    while (n === 0 && planWarmups({ ...input(), minSize: 0, room: undefined }) > 0 && this.opts.reclaim(this)) n = planWarmups(input());
    for (let i = 0; i < n; i++) this.warmOne();
  }

  /** Periodic care: age limit, health checks through the interpreter, refill. */
  async maintain(now = Date.now()): Promise<void> {
    // Beyond minSize, a sandbox idle for a minute goes: bursts grow the pool, quiet shrinks it back. A set nobody
    // uses (not its profile's default) lets all its idle sandboxes go at once.
    const unused = this.unused(now) || !this.kept(now);
    let spare = this.count('idle') - this.minSize(now);
    for (const s of [...this.sandboxes]) {
      if (spare <= 0) break;
      if (s.state === 'idle' && (unused || now - s.idleSince > IDLE_TRIM_MS)) {
        spare--;
        s.state = 'recycling';
        void s.destroy(unused ? 'its set is unused' : 'spare, idle');
      }
    }
    for (const s of [...this.sandboxes]) {
      if (s.state !== 'idle') continue;
      if (now - s.createdAt > this.profile.maxAgeMs) {
        this.opts.log.info(`sandbox ${s.shortId} (${this.profile.name}) reached its max age; replacing`);
        s.state = 'recycling';
        void s.destroy('max age');
        continue;
      }
      const last = this.lastHealth.get(s) ?? s.createdAt;
      if (now - last >= this.opts.healthIntervalMs) {
        this.lastHealth.set(s, now);
        const ok = await this.opts.bounded('a health check', s.healthCheck()).catch(() => 'no answer' as const);
        // The engine did not answer in time: that is reported as the engine's state; the sandbox is not at fault.
        if (ok === 'no answer') continue;
        if (!ok && s.state === 'idle') {
          this.opts.log.warn(`sandbox ${s.shortId} (${this.profile.name}) failed its health check; replacing`);
          s.state = 'unhealthy';
          this.replaced++;
          void s.destroy('failed health check');
        }
      }
    }
    this.fill();
  }

  /** Removes everything; waiters get a clear error. */
  async close(reason: string): Promise<void> {
    this.closed = true;
    for (const w of this.waiters.splice(0)) {
      settle(w);
      w.reject(new InfraError('shutting-down', reason));
    }
    await Promise.all([...this.sandboxes].map((s) => s.destroy(reason)));
  }

  /** New settings: sandboxes made under the old ones are replaced as they come free. */
  reconfigure(profile: Profile, opts: PoolOptions): void {
    const changed = JSON.stringify({ ...this.profile, minSize: 0, maxSize: 0 }) !== JSON.stringify({ ...profile, minSize: 0, maxSize: 0 });
    const wasPooling = this.opts.pooling;
    this.profile = profile;
    this.opts = opts;
    if (changed || wasPooling !== opts.pooling) {
      for (const s of [...this.sandboxes]) {
        // A busy one goes after its run: it must not serve again with the old settings.
        if (s.state === 'busy') s.recycleRequested = true;
        if (s.state !== 'idle' && s.state !== 'warming') continue;
        s.state = 'recycling';
        void s.destroy('settings changed');
      }
    }
    this.lastError = undefined;
    this.nextWarmAt = 0;
    this.failStreak = 0;
    this.trimIdle();
    this.fill();
  }

  /** Its image was just built: warm now rather than after the backoff. */
  retryNow(): void {
    this.lastError = undefined;
    this.nextWarmAt = 0;
    this.failStreak = 0;
    this.fill();
  }

  private trimIdle(): void {
    const minSize = this.minSize();
    const idle = [...this.sandboxes].filter((s) => s.state === 'idle');
    const live = this.live();
    let extra = Math.max(idle.length - minSize, live - this.profile.maxSize, 0);
    for (const s of idle) {
      if (extra-- <= 0) break;
      s.state = 'recycling';
      void s.destroy('pool shrunk');
    }
  }

  private takeIdle(): Sandbox | undefined {
    for (const s of this.sandboxes) {
      if (s.state === 'idle') {
        s.state = 'busy';
        this.opts.onChange();
        return s;
      }
    }
    return undefined;
  }

  private dropWaiter(w: Waiter): void {
    settle(w);
    const i = this.waiters.indexOf(w);
    if (i >= 0) this.waiters.splice(i, 1);
    this.opts.onChange();
  }

  private warmOne(): void {
    const sb = new Sandbox(this.profile, this.isolation, this.env, this.project, { latestBuild: () => this.lastBuild, merged: () => this.lastMerged });
    this.sandboxes.add(sb);
    sb.on('ready', () => this.onReady(sb));
    sb.on('dead', (reason: string, before: Sandbox['state']) => {
      this.sandboxes.delete(sb);
      // Our own removals change the state first; an idle sandbox that dies was killed or removed from outside.
      if (before === 'idle' && !this.closed) {
        this.replaced++;
        // One that ended on its own before any run (an interpreter that speaks as it starts, say: a profile's option)
        // would be followed by the next doing the same, twice a second: keeping minSize waits, more each time; a run
        // that asks still gets a sandbox at once.
        if (sb.uses === 0 && sb.spokeOutsideRun) {
          this.quitStreak++;
          const wait = backoffMs('docker-error', this.quitStreak);
          this.quietUntil = Date.now() + wait;
          this.opts.log.warn(`sandbox ${sb.shortId} (${this.profile.name}) ended before any run: ${reason} (${this.quitStreak} in a row); the next in ${fmtMs(wait)} unless a run asks`);
        } else {
          this.opts.log.warn(`sandbox ${sb.shortId} (${this.profile.name}) was lost while idle: ${reason}; replacing`);
        }
      }
      this.opts.freed();
      this.opts.onChange();
    });
    this.opts.onChange();
    sb.start().then(
      () => {
        this.failStreak = 0;
        this.lastError = undefined;
      },
      (err: InfraError) => {
        this.sandboxes.delete(sb);
        // Removed on purpose while warming (shutdown, settings change, trimmed): not a failure.
        if (this.closed || err.reason === 'shutting-down') return;
        const e = err.reason === 'image-missing' && this.opts.imageMissing ? this.opts.imageMissing(this, err) : err;
        this.failures++;
        this.failStreak++;
        this.lastError = e;
        this.nextWarmAt = Date.now() + backoffMs(e.reason, this.failStreak);
        this.opts.log.warn(`warming a ${this.profile.name} sandbox failed (${e.reason}): ${e.message}`);
        // Waiters would only wait for the same failure: tell them now, unless another warm-up may still succeed.
        if (this.count('warming') === 0) {
          for (const w of this.waiters.splice(0)) {
            settle(w);
            w.reject(e);
          }
        }
        this.opts.onChange();
      },
    );
  }

  /** Served its maxUses, reached maxAgeMs, or a client asked for a new one. */
  private wornOut(sb: Sandbox): boolean {
    return sb.recycleRequested || sb.uses >= this.profile.maxUses || Date.now() - sb.createdAt >= this.profile.maxAgeMs;
  }

  private onReady(sb: Sandbox): void {
    if (this.closed) return;
    // A reused sandbox that has served enough goes now, before anyone can be handed it.
    if (sb.uses > 0 && this.wornOut(sb)) {
      sb.state = 'recycling';
      void sb.destroy('recycled (max uses or age)');
      return;
    }
    this.lastHealth.set(sb, Date.now());
    const w = this.waiters.shift();
    if (w) {
      this.quitStreak = 0;
      settle(w);
      sb.state = 'busy';
      w.resolve({ sandbox: sb, warm: false });
    }
    this.opts.onChange();
  }
}
