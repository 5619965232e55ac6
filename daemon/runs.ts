// One run from request to result: acquire a sandbox, stream output, enforce timeout and output cap, name the outcome.
import * as crypto from 'crypto';
import { InfraError } from './docker';
import { fmtMs, type Logger } from './log';
import { CancelledError, Lease, ProfilePool } from './pool';
import type { Sandbox } from './sandbox';
import type { PoolManager, ProjectEnvironment } from './poolManager';
import { Profile, safeFileName } from './profiles';
import * as path from 'path';
import { dropUnchanged, projectRunFiles, ProjectRunFiles, saveOutputs } from './workspace/runFiles';
import type {
  CancelReason,
  InfraReason,
  RunOutputs,
  RunOutcome,
  RunResult,
  RunStartedNotification,
  RunStartParams,
} from './protocol';
import type { StreamKind } from './demux';
import type { BuildStep } from './armScript';
import { BuildCache, cacheKey, MAX_ARTIFACT_BYTES } from './languages/buildCache';
import { placeholderName } from './languages/placeholders';
import type { CompileReport } from './languages/compileFrame';
import type { ImageIds } from './languages/imageIds';
import type { CompileInfo } from './protocol';

/** The build cache and what its key needs from the engine (absent: every build compiles, nothing is kept). */
export interface Builds {
  cache: BuildCache;
  images: ImageIds;
}

export interface RunSink {
  started(n: RunStartedNotification): void;
  /** False when the client is not keeping up: the run then holds the program's output until `whenDrained`. */
  output(runId: string, stream: StreamKind, data: Buffer): boolean;
  exit(result: RunResult): void;
  /** Told before the program starts: it waits for its environment, or runs without it. */
  notice?(runId: string, message: string): void;
  /** Calls `fn` once the client has taken what was queued for it; returns a function that cancels the call. */
  whenDrained(fn: () => void): () => void;
}

/** Output files a run may bring back unless it asks for other caps. */
export const OUTPUT_DEFAULTS = { maxFiles: 200, maxBytes: 32 * 1024 * 1024 };

export class RunRequestError extends Error {
  constructor(
    readonly code: 'unknown-profile' | 'invalid',
    message: string,
  ) {
    super(message);
  }
}

interface Decision {
  outcome: RunOutcome;
  exitCode: number | null;
  message?: string;
  infraReason?: InfraReason;
  cancelReason?: CancelReason;
}

class Run {
  readonly abort = new AbortController();
  lease?: Lease;
  decision?: Decision;
  /** Stdin that came before the sandbox did; each request is answered once its bytes reach the sandbox. */
  pendingStdin: { data: Buffer | null; taken(): void }[] = [];
  /** The program went to its sandbox: stdin may go straight there. */
  handedOver = false;
  /** Set while the sandbox's output is held for a slow client: cancels the wait for the client's drain. */
  outputHeld?: () => void;
  heldSince = 0;
  heldMs = 0;
  heldTimes = 0;
  stdoutBytes = 0;
  stderrBytes = 0;
  truncated = false;
  outputs?: RunOutputs;
  compile?: CompileInfo;
  acquireMs = 0;
  timer?: NodeJS.Timeout;
  /** Settles the run/start reply of a run its client named (see RunManager.start). */
  dispatched?: () => void;
  readonly t0 = Date.now();
  stdinOpen: boolean;

  constructor(
    readonly id: string,
    readonly clientId: number,
    readonly params: ResolvedRunParams,
    readonly sink: RunSink,
    /** Chosen once the run's environment is known (see RunManager.execute). */
    public pool: ProfilePool | undefined,
    /** Resolved for this run: its set's shape, plus its own timeout and output cap. */
    public profile: Profile | undefined,
  ) {
    this.stdinOpen = !!params.stdinOpen;
  }
}

/** A run's parameters once its profile is known (named by the client, or chosen by the daemon). */
export type ResolvedRunParams = RunStartParams & { profile: string };

export type EnvironmentOf = (params: ResolvedRunParams, signal: AbortSignal, notice: (message: string) => void) => Promise<ProjectEnvironment | undefined>;

export class RunManager {
  private readonly runs = new Map<string, Run>();

  constructor(
    private readonly pools: PoolManager,
    private readonly log: Logger,
    private readonly onIdleChange: () => void,
    /** Where runs' output files are kept (a folder only the daemon's user can enter). */
    private readonly outputsRoot?: string,
    private readonly builds?: Builds,
    /** A project's environment image for a run (daemon/environments/): may wait for its first build. */
    private readonly environmentOf?: EnvironmentOf,
  ) {}

  get active(): number {
    return this.runs.size;
  }

  /**
   * Validates and queues the run; the result and output arrive through the sink. `dispatched` settles once the program
   * went to its sandbox, or within this turn of the event loop if it waits for one (or for its environment).
   */
  start(params: RunStartParams, clientId: number, sink: RunSink, runId?: string): { id: string; dispatched: Promise<void> } {
    // No profile named: the daemon's one rule (extension, then a shebang), as profile/resolve answers it.
    let name = params.profile;
    if (!name) {
      const r = this.pools.resolveProfile({ fileName: params.fileName, firstLine: params.code.slice(0, 4096).split('\n', 1)[0] });
      if ('error' in r) throw new RunRequestError('unknown-profile', `cannot tell the profile: ${r.error}`);
      name = r.profile;
    }
    const shape: ResolvedRunParams = { ...params, profile: name };
    // A project's run gets its set once its environment is known (execute); the profile is checked now.
    const later = !!(params.project && this.environmentOf);
    const target = later ? undefined : this.pools.forRun(shape);
    if (later ? !this.pools.resolve(shape) : !target) {
      const known = this.pools.profileNames().join(', ');
      throw new RunRequestError('unknown-profile', `unknown profile "${params.profile}" (known: ${known})`);
    }
    const id = runId ?? crypto.randomUUID();
    if (this.runs.has(id)) throw new RunRequestError('invalid', `a run with id ${id} is already going`);
    const run = new Run(id, clientId, shape, sink, target?.pool, target?.profile);
    this.runs.set(id, run);
    this.onIdleChange();
    if (runId) {
      // The client named the run, so it knows the id before any notification: the program goes to its sandbox before
      // the reply goes out (the reply's write wakes the client, whose work would otherwise come first on a busy CPU).
      const dispatched = new Promise<void>((r) => {
        run.dispatched = r;
        setImmediate(r);
      });
      void this.execute(run);
      return { id, dispatched };
    }
    // After the reply to run/start has gone out, so the client knows the id before any notification.
    setImmediate(() => void this.execute(run));
    return { id, dispatched: Promise.resolve() };
  }

  /**
   * Passes stdin on. Resolves false for no live run; otherwise true once the sandbox's stream took the bytes, or the
   * run ended: the client sends more only then, so stdin a program does not read waits in the client's source.
   */
  async stdin(runId: string, data: Buffer | null): Promise<boolean> {
    const run = this.runs.get(runId);
    if (!run || run.decision) return false;
    if (!run.stdinOpen) return true; // stdin already ended: nothing more can reach the program
    if (data === null) run.stdinOpen = false;
    const sb = run.lease?.sandbox;
    // Until the program is handed to its sandbox (the project's delta may still be in the making), stdin waits here.
    if (sb && sb.runId === run.id && run.handedOver) await toSandbox(sb, data);
    else await new Promise<void>((taken) => run.pendingStdin.push({ data, taken }));
    return true;
  }

  cancel(runId: string, message = 'cancelled by the user', cancelReason: CancelReason = 'stop'): boolean {
    const run = this.runs.get(runId);
    if (!run) return false;
    this.decide(run, { outcome: 'cancelled', exitCode: null, message, cancelReason });
    return true;
  }

  cancelClient(clientId: number): number {
    let n = 0;
    for (const run of this.runs.values()) {
      if (run.clientId === clientId) {
        this.decide(run, { outcome: 'cancelled', exitCode: null, message: 'the client disconnected', infraReason: 'client-gone' });
        n++;
      }
    }
    return n;
  }

  cancelAll(message: string): void {
    for (const run of this.runs.values()) this.decide(run, { outcome: 'infra-error', exitCode: null, message, infraReason: 'shutting-down' });
  }

  /** A sandbox for the run; a language image missing on its first use is built first, the run told each step. */
  private async acquire(run: Run, pool: ProfilePool): Promise<Lease> {
    try {
      return await pool.acquire(run.abort.signal);
    } catch (e) {
      const missing = e instanceof InfraError && (e.reason === 'image-missing' || e.reason === 'image-build');
      const built = missing && !run.decision && this.pools.images.wait(pool.profile, run.abort.signal, (m) => run.sink.notice?.(run.id, m));
      if (!built) throw e;
      try {
        await built;
      } catch (err) {
        // The build cancelled (not the run): say so rather than "cancelled before it started".
        if (err instanceof CancelledError && !run.decision) this.decide(run, { outcome: 'cancelled', exitCode: null, message: err.message });
        throw err;
      }
      return pool.acquire(run.abort.signal);
    }
  }

  private async execute(run: Run): Promise<void> {
    const p = run.params;
    if (run.decision) return this.finish(run);
    if (!run.pool && !(await this.chooseSet(run))) return this.finish(run);
    const pool = run.pool!;
    const profile = run.profile!;
    try {
      run.lease = await this.acquire(run, pool);
    } catch (e) {
      if (!run.decision) {
        if (e instanceof CancelledError) this.decide(run, { outcome: 'cancelled', exitCode: null, message: 'cancelled before it started' });
        else {
          const ie = e instanceof InfraError ? e : new InfraError('docker-error', (e as Error).message);
          this.decide(run, { outcome: 'infra-error', exitCode: null, message: ie.message, infraReason: ie.reason });
        }
      }
      return this.finish(run);
    }
    const sb = run.lease.sandbox;
    run.acquireMs = Date.now() - run.t0;
    if (run.decision) {
      pool.release(sb, 'unused');
      return this.finish(run);
    }
    sb.runId = run.id;
    pool.runs++;
    if (!run.lease.warm) pool.coldRuns++;
    const lease = run.lease;

    const limit = profile.limits.outputLimitBytes;
    const timeoutMs = Math.min(profile.limits.timeoutMs, 24 * 3600_000);
    const startTimer = (): void => {
      if (run.timer) clearTimeout(run.timer);
      if (run.decision) return;
      run.timer = setTimeout(
        () => this.decide(run, { outcome: 'timeout', exitCode: null, message: `the program ran longer than ${fmtMs(timeoutMs)} and was stopped` }),
        timeoutMs,
      );
    };
    startTimer();
    const code = Buffer.from(p.code, 'utf8');
    let files: ProjectRunFiles = { file: safeFileName(p.fileName, profile.fileName), cwd: '.' };
    if (p.project && pool.project) {
      try {
        files = await projectRunFiles(pool.project, sb.held, p.project);
      } catch (e) {
        this.decide(run, { outcome: 'infra-error', exitCode: null, message: (e as Error).message, infraReason: 'workspace' });
        return this.finish(run);
      }
      if (run.decision) return this.finish(run);
    }
    // The build step (compiled languages): a cached artifact, or the compiler with its own limit; the run's timeout
    // starts once it is done.
    let build: BuildStep | undefined;
    let key: string | undefined;
    let tCompile = 0;
    let compileOoms = 0;
    if (profile.compile) {
      const imageId = await this.builds?.images.get(profile.image);
      if (imageId) key = cacheKey(profile, imageId, { file: files.file, cwd: files.cwd, code, project: await files.sources?.(), overlays: p.project?.overlays });
      // The sandbox may hold this very build since it was armed (its set's latest): then nothing is sent.
      const artifact = key && sb.heldBuild !== key ? await this.builds!.cache.get(key) : undefined;
      if (run.decision) return this.finish(run);
      if (key && sb.heldBuild === key) {
        build = { mode: 'have' };
        run.compile = { cached: true, ms: 0, armed: true };
      } else if (artifact) {
        build = { mode: 'hit', artifact };
        run.compile = { cached: true, ms: 0 };
        pool.keepBuild(key!, artifact, placeholderName(files.file));
      } else {
        build = { mode: 'build', timeoutS: Math.ceil(profile.compileTimeoutMs / 1000), maxArtifactBytes: MAX_ARTIFACT_BYTES };
        if (run.timer) clearTimeout(run.timer);
        // PID 1 stops the compiler at its limit; this only catches a sandbox that never reports.
        run.timer = setTimeout(
          () => this.decide(run, { outcome: 'timeout', exitCode: null, message: `the compile step did not end within ${fmtMs(profile.compileTimeoutMs)}` }),
          profile.compileTimeoutMs + 10_000,
        );
        tCompile = Date.now();
      }
    }
    const onCompiled = (report: CompileReport): void => {
      const ms = Date.now() - tCompile;
      run.compile = { cached: false, ms, status: report.status, messages: report.messages };
      compileOoms = report.oomKills;
      // The compiler's messages reach every client as stderr (warnings too), within the run's output cap.
      if (report.messages) onOutput('stderr', Buffer.from(report.messages));
      if (report.status === 0) {
        if (key && report.artifact) {
          const k = key;
          this.builds!.cache.put(k, report.artifact).catch((e: Error) => this.log.warn(`build cache: could not keep an artifact: ${e.message}`));
          pool.keepBuild(k, report.artifact, placeholderName(files.file));
        }
        startTimer();
        this.log.info(`run ${run.id.slice(0, 8)} (${profile.name}): compiled in ${fmtMs(ms)}${report.artifact ? `, ${fmtBytes(report.artifact.length)} cached` : ''}`);
      }
    };
    const onOutput = (stream: StreamKind, data: Buffer): void => {
        if (run.decision) return;
        const used = run.stdoutBytes + run.stderrBytes;
        const room = limit - used;
        const part = data.length > room ? data.subarray(0, Math.max(0, room)) : data;
        if (part.length) {
          if (stream === 'stdout') run.stdoutBytes += part.length;
          else run.stderrBytes += part.length;
          if (!run.sink.output(run.id, stream, part) && !run.outputHeld) {
            // The client is full: the program blocks in write() until it catches up; the timeout keeps counting.
            sb.pauseOutput();
            run.heldSince = Date.now();
            run.heldTimes++;
            run.outputHeld = run.sink.whenDrained(() => {
              run.outputHeld = undefined;
              run.heldMs += Date.now() - run.heldSince;
              sb.resumeOutput();
            });
          }
        }
        if (data.length > room) {
          run.truncated = true;
          this.decide(run, { outcome: 'output-limit', exitCode: null, message: `the output passed the ${fmtBytes(limit)} limit; the program was stopped and its output cut there` });
        }
    };
    pool.noteStreams(p.streams === 'merged');
    const ended = sb.run({
      ...files,
      build,
      onCompiled,
      env: p.env ?? {},
      code,
      outputs: p.outputs ? { maxFiles: p.outputs.maxFiles ?? OUTPUT_DEFAULTS.maxFiles, maxBytes: p.outputs.maxBytes ?? OUTPUT_DEFAULTS.maxBytes } : undefined,
      args: p.args ?? [],
      stdin: p.stdin ? Buffer.from(p.stdin, 'base64') : null,
      stdinOpen: !!p.stdinOpen,
      timeoutMs,
      merged: p.streams === 'merged',
      onOutput,
    });
    // Said once the sandbox has the run (its first bytes on their way): no output can come before this.
    run.sink.started({ runId: run.id, profile: profile.name, containerId: sb.id, warm: lease.warm, acquireMs: run.acquireMs });
    run.handedOver = true;
    run.dispatched?.();
    for (const p of run.pendingStdin.splice(0)) void toSandbox(sb, p.data).then(p.taken);
    const end = await ended;
    if (!run.decision) {
      if (end.kind === 'lost') {
        this.decide(run, { outcome: 'infra-error', exitCode: null, message: end.message, infraReason: 'container-lost' });
      } else if (run.compile?.status !== undefined && run.compile.status !== 0) {
        const c = run.compile;
        this.decide(run, {
          outcome: 'compile-error',
          exitCode: c.status ?? null,
          message: compileOoms > 0 ? `the compiler ran out of memory (limit ${profile.limits.memoryMb} MB) and was killed`
            : c.status === 137 && c.ms >= profile.compileTimeoutMs - 500 ? `the compile step ran longer than ${fmtMs(profile.compileTimeoutMs)} and was stopped`
            : `the program did not compile (${profile.compile?.[0] ?? 'the compiler'} exited with ${c.status})`,
        });
      } else if (end.oomKills > 0) {
        this.decide(run, { outcome: 'oom', exitCode: end.exitCode, message: `the program ran out of memory (limit ${profile.limits.memoryMb} MB) and was killed` });
      } else {
        this.decide(run, { outcome: 'exited', exitCode: end.exitCode });
      }
      if (end.kind === 'exited' && end.outputs && this.outputsRoot) {
        const given = { root: p.project?.root, file: files.file, code, overlays: p.project?.overlays };
        const made = await dropUnchanged(end.outputs.files, given);
        run.outputs = await saveOutputs(path.join(this.outputsRoot, run.id), made, end.outputs.left).catch((e: Error) => {
          this.log.warn(`run ${run.id.slice(0, 8)}: its output files could not be saved: ${e.message}`);
          return undefined;
        });
      }
    }
    this.finish(run);
  }

  /** The run's set, on its project's environment image; false when the run ended meanwhile. */
  private async chooseSet(run: Run): Promise<boolean> {
    try {
      const env = await this.environmentOf!(run.params, run.abort.signal, (m) => run.sink.notice?.(run.id, m));
      if (run.decision) return false;
      const target = this.pools.forRun(run.params, env);
      if (!target) throw new Error(`unknown profile "${run.params.profile}"`);
      run.pool = target.pool;
      run.profile = target.profile;
      return true;
    } catch (e) {
      if (!run.decision) this.decide(run, { outcome: 'infra-error', exitCode: null, message: (e as Error).message, infraReason: 'docker-error' });
      return false;
    }
  }

  /** The first decision wins; anything but a normal exit kills the sandbox at once. */
  private decide(run: Run, d: Decision): void {
    if (run.decision) return;
    const sb = run.lease?.sandbox;
    // (a compile error ends like an exit: PID 1 reported it and is ready for the next run)
    const ending = d.outcome !== 'exited' && d.outcome !== 'oom' && d.outcome !== 'compile-error' && sb && sb.runId === run.id;
    if (ending) {
      // What the program printed before it was stopped is the user's (within the cap); may decide output-limit itself.
      sb.flushHeld();
      if (run.decision) return;
    }
    run.decision = d;
    // (an end the sandbox reported leaves nothing of the run waiting: its abort, 0.1 ms, comes after the result)
    if (d.outcome !== 'exited' && d.outcome !== 'oom' && d.outcome !== 'compile-error') run.abort.abort();
    if (run.timer) clearTimeout(run.timer);
    if (ending) {
      void sb.destroy(`run ${d.outcome}`);
      // The program's end is decided here; report it now rather than when Docker confirms the kill.
      this.finish(run);
    }
  }

  private finish(run: Run): void {
    if (!this.runs.has(run.id) || !run.decision) return;
    this.runs.delete(run.id);
    if (run.timer) clearTimeout(run.timer);
    // Nothing of this run may stay waiting: stdin requests are answered, held output is let go.
    for (const p of run.pendingStdin.splice(0)) p.taken();
    const sb = run.lease?.sandbox;
    if (run.outputHeld) {
      run.outputHeld();
      run.outputHeld = undefined;
      run.heldMs += Date.now() - run.heldSince;
      sb?.resumeOutput();
    }
    if (run.heldMs >= 1000) this.log.info(`run ${run.id.slice(0, 8)} (${run.params.profile}): output held ${fmtMs(run.heldMs)} in all (${run.heldTimes} times) for a slow client`);
    const pool = run.pool;
    const d = run.decision;
    const result: RunResult = {
      runId: run.id,
      outcome: d.outcome,
      exitCode: d.exitCode,
      message: d.message,
      infraReason: d.infraReason,
      cancelReason: d.cancelReason,
      profile: run.params.profile,
      containerId: sb?.id ?? null,
      warm: run.lease?.warm ?? false,
      isolation: pool?.isolation ?? run.profile?.isolation ?? 'fresh',
      acquireMs: run.acquireMs,
      durationMs: Date.now() - run.t0,
      stdoutBytes: run.stdoutBytes,
      stderrBytes: run.stderrBytes,
      truncated: run.truncated,
      merged: run.params.streams === 'merged' || undefined,
      outputs: run.outputs,
      compile: run.compile,
    };
    if (d.outcome !== 'exited') this.log.info(`run ${run.id.slice(0, 8)} (${result.profile}) ${d.outcome}: ${d.message ?? ''}`);
    run.sink.exit(result);
    run.abort.abort();
    // After the result has gone: a fresh sandbox's removal and replacement, or a reuse sandbox's reset, is the pool's
    // business, not the run's (the next request is read only once this is done, so it finds the sandbox released).
    if (sb && pool && sb.runId === run.id) pool.release(sb, d.outcome === 'exited' || d.outcome === 'compile-error' ? 'clean' : 'dirty');
    this.onIdleChange();
  }
}

function toSandbox(sb: Sandbox, data: Buffer | null): Promise<void> {
  if (data !== null) return sb.writeStdin(data);
  sb.closeStdin();
  return Promise.resolve();
}

function fmtBytes(n: number): string {
  if (n >= 1024 * 1024) return `${+(n / 1024 / 1024).toFixed(1)} MiB`;
  if (n >= 1024) return `${+(n / 1024).toFixed(1)} KiB`;
  return `${n} bytes`;
}
