// One sandbox container's life: create hardened (sandbox/containerSpec.ts), attach, start, arm, run programs, end.
import { EventEmitter } from 'events';
import * as crypto from 'crypto';
import type { Duplex } from 'stream';
import type Docker from 'dockerode';
import type { CompileReport } from './languages/compileFrame';
import { ArmedBuild, armScript, BuildStep, containerCmd, encodeArm, encodeBuild, encodeHeader, encodeProject, encodeStdin, encodeSync, READY, RUNTIME, UNHEALTHY, WIPED } from './armScript';
import { Demuxer, StreamKind } from './demux';
import { classifyDockerError, InfraError, withTimeout } from './docker';
import { engineKindAt, refusalAt as engineRefusalAt, uidRangeAt } from './engine';
import { adaptHostConfig } from './engine/adapt';
import { hostConfig, LABEL } from './sandbox/containerSpec';
import { RunStreams } from './sandbox/runStreams';
import { allocateUid, releaseUid } from './sandbox/uids';
import { prestartOf } from './prestart/options';
import { attachStdio } from './engine/attach';
import type { Logger } from './log';
import type { Profile } from './profiles';
import type { OutputFile } from './workspace/outputFrames';
import type { Snapshot } from './workspace/scan';
import type { TarPieces } from './workspace/tar';
import type { ContainerState, IsolationMode } from './protocol';

export { LABEL, hostConfig } from './sandbox/containerSpec';

const ARM_TIMEOUT_MS = 60_000;
/** Create, attach, start and remove: the pool waits on these, so a hung engine must not hold it for good. */
const ENGINE_CALL_MS = 30_000;
/** PID 1's control lines (WBREADY, WBUNHEALTHY + a short reason) are small: more outside a run is an attack. */
const CONTROL_MAX_BYTES = 1024;
/** How long a run's vanished container waits for the engine's oom event before it is called lost. */
const GONE_GRACE_MS = 3000;

export interface SandboxEnv {
  docker: Docker;
  where: string;
  log: Logger;
  labels: Record<string, string>;
}

export interface ProgramRun {
  /** The file to run, relative to /work, and the working directory ('.' is /work). */
  file: string;
  cwd: string;
  env: Record<string, string>;
  code: Buffer;
  /** Project files changed since this sandbox took its copy (a tar), and paths deleted since. */
  delta?: Buffer;
  deleted?: string[];
  args: string[];
  /** Send back the files the run created or changed, within these caps. */
  outputs?: { maxFiles: number; maxBytes: number };
  stdin: Buffer | null;
  stdinOpen: boolean;
  timeoutMs: number;
  /** The program's stderr into its stdout: one stream, in the order written. */
  merged?: boolean;
  onOutput(stream: StreamKind, data: Buffer): void;
  /** The compile phase (languages/): a build reports through onCompiled before the program starts. */
  build?: BuildStep;
  onCompiled?(report: CompileReport): void;
}

/** Where a sandbox's project copy comes from: asked at arming and after every reuse wipe. */
export interface ProjectSource {
  current(): Promise<{ tar: TarPieces; snapshot: Snapshot }>;
}

/** What a set's recent runs say about its next one, for the sandboxes it arms from now on. */
export interface ArmingHints {
  /** Compiled languages: the latest build its runs used (put in {out} at arming), if any. */
  latestBuild(): ArmedBuild | undefined;
  /** Its runs lately asked for their streams merged (an interpreter started before the run is set up that way). */
  merged(): boolean;
}

export type ProgramEnd =
  | { kind: 'exited'; exitCode: number; oomKills: number; outputs?: { files: OutputFile[]; left: number } }
  | { kind: 'lost'; message: string };

interface Active {
  sync: string;
  /** What PID 1 sends for this run, taken apart (sandbox/runStreams.ts). */
  streams: RunStreams;
  resolve(end: ProgramEnd): void;
}

export class Sandbox extends EventEmitter {
  id = '';
  state: ContainerState | 'dead' = 'warming';
  uses = 0;
  readonly createdAt = Date.now();
  runId?: string;
  /** When it last became idle (armed, or wiped after a reuse run). */
  idleSince = 0;
  /** A client asked for a new container once this one's run is over. */
  recycleRequested = false;
  /** Set when the container ended; says why. */
  deathReason?: string;
  /** The program's uid in this sandbox (its own: see allocateUid; a rootless engine maps only 65,536 ids). */
  readonly uid: number;

  private container?: Docker.Container;
  private stream?: Duplex;
  private lineBuf = '';
  private stderrTail = '';
  private active?: Active;
  private armed?: { resolve(): void; reject(e: Error): void };
  /** Known only to the daemon and PID 1: every run header must carry it. */
  private readonly secret = crypto.randomBytes(24).toString('hex');
  /** Bytes PID 1 wrote since it last said READY: control lines only, so a few hundred at most. */
  private controlBytes = 0;
  private removed = false;
  /** The engine reported an OOM kill in this container. */
  private oomEvent = false;
  private goneTimer?: NodeJS.Timeout;
  /** destroy() was called: a start that fails from here on was ended on purpose, not a failure. */
  private ending = false;
  private starting?: Promise<void>;
  private stdinWaiters: (() => void)[] = [];
  /** Called on 'drain', and when a run ends: nobody may keep waiting on a stream that is done with that run. */
  private readonly releaseStdinWaiters = (): void => {
    this.stream?.off('drain', this.releaseStdinWaiters);
    for (const resolve of this.stdinWaiters.splice(0)) resolve();
  };

  /** The project copy /work holds before a run (what run-time deltas are computed against); none for single files. */
  held?: Snapshot;
  /** The build cache key of what {out} holds since arming (compiled languages): a run of it starts at once. */
  heldBuild?: string;
  /** It was ended for writing outside a run (see onControl). */
  spokeOutsideRun = false;

  constructor(
    readonly profile: Profile,
    readonly isolation: IsolationMode,
    private readonly env: SandboxEnv,
    private readonly project?: ProjectSource,
    private readonly hints?: ArmingHints,
  ) {
    super();
    this.uid = allocateUid(uidRangeAt(env.where));
  }

  get shortId(): string {
    return this.id.slice(0, 12);
  }

  /** Creates, attaches and starts the container, and resolves once PID 1 has run the interpreter and is armed. */
  start(): Promise<void> {
    this.starting = this.doStart();
    return this.starting;
  }

  private async doStart(): Promise<void> {
    const t0 = Date.now();
    const p = this.profile;
    try {
      const refused = engineRefusalAt(this.env.where);
      // Asynchronously, like an engine's refusal: the pool's backoff must be set before it refills.
      if (refused) await Promise.reject(new InfraError('docker-error', refused));
      this.container = await withTimeout(
        'creating a container',
        ENGINE_CALL_MS,
        this.env.docker.createContainer({
          Image: p.image,
          Cmd: containerCmd(armScript({ command: p.command, compile: p.compile, health: p.health, isolation: this.isolation, uid: this.uid, prestart: prestartOf(p) })),
          Entrypoint: [],
          User: '0:0',
          WorkingDir: '/work',
          Env: ['HOME=/work', 'LANG=C.UTF-8', ...Object.entries(p.env).map(([k, v]) => `${k}=${v}`)],
          Labels: { ...this.env.labels, [LABEL.profile]: p.name, [LABEL.isolation]: this.isolation },
          AttachStdin: true,
          AttachStdout: true,
          AttachStderr: true,
          OpenStdin: true,
          StdinOnce: true,
          Tty: false,
          NetworkDisabled: !p.limits.network,
          StopSignal: 'SIGKILL',
          HostConfig: adaptHostConfig(engineKindAt(this.env.where), hostConfig(p)),
        }),
      );
      this.id = this.container.id;
      // Removed while Docker was creating it (shutdown, settings change): never start it.
      if (this.state === 'dead') throw new InfraError('shutting-down', this.deathReason ?? 'removed while warming');
      const stream = await withTimeout('attaching to a container', ENGINE_CALL_MS, attachStdio(this.env.docker, this.id));
      this.stream = stream;
      const demux = new Demuxer((kind, data) => this.onData(kind, data));
      stream.on('data', (d: Buffer) => demux.push(d));
      stream.on('error', () => this.onGone('its connection to Docker failed'));
      stream.on('close', () => this.onGone('the container stopped'));
      stream.on('end', () => this.onGone('the container stopped'));
      const armed = new Promise<void>((resolve, reject) => (this.armed = { resolve, reject }));
      // It may be rejected (shutdown, the container gone) while the project is sent or the start awaited, before the
      // race below listens: that is handled there, never an unhandled rejection in the log.
      armed.catch(() => undefined);
      stream.write(encodeArm(this.secret));
      await this.sendProject();
      await withTimeout('starting a container', ENGINE_CALL_MS, this.container.start());
      const tCreated = Date.now();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        armed,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new InfraError('docker-error', `sandbox did not become ready within ${ARM_TIMEOUT_MS / 1000} s`)), ARM_TIMEOUT_MS);
        }),
      ]).finally(() => clearTimeout(timer));
      this.env.log.info(`sandbox ${this.shortId} (${p.name}) armed in ${Date.now() - t0} ms (create+start ${tCreated - t0} ms)`);
    } catch (e) {
      // Ended on purpose while warming (shutdown, trimmed, settings changed): say so, it is not a failure.
      const err = this.ending ? new InfraError('shutting-down', this.deathReason ?? 'removed while warming') : startError(e, this.env.where, p.image, p.runtime);
      this.markDead(err.message);
      this.stream?.destroy();
      await this.removeContainer();
      throw err;
    }
  }

  /** Hands the program to PID 1. Resolves when PID 1 reports its end, or when the container is lost. */
  run(r: ProgramRun): Promise<ProgramEnd> {
    if ((this.state !== 'idle' && this.state !== 'busy') || this.active || !this.stream) {
      return Promise.resolve({ kind: 'lost', message: `sandbox ${this.shortId} is not ready (${this.state})` });
    }
    this.state = 'busy';
    this.uses++;
    const nonce = crypto.randomBytes(16).toString('hex');
    const sync = crypto.randomBytes(16).toString('hex');
    return new Promise<ProgramEnd>((resolve) => {
      const streams = new RunStreams(nonce, {
        outputsMax: r.outputs?.maxBytes ?? 0,
        build: r.build,
        onOutput: r.onOutput,
        onCompiled: r.onCompiled,
        onViolation: (stream, detail) => this.outsideRun(stream, detail),
      });
      this.active = { sync, streams, resolve };
      const backstopS = Math.ceil(r.timeoutMs / 1000) + 5;
      const parts = [
        encodeHeader({ secret: this.secret, nonce, sync, file: r.file, cwd: r.cwd, env: r.env, code: r.code, delta: r.delta, deleted: r.deleted, args: r.args, outputs: r.outputs, backstopS, build: r.build, merged: r.merged }),
      ];
      if (r.stdin && r.stdin.length) parts.push(encodeStdin(r.stdin));
      if (!r.stdinOpen) parts.push(encodeStdin(null));
      this.stream!.write(Buffer.concat(parts));
    });
  }

  /** Writes the project PID 1 puts in /work before it says ready (an empty one for single-file sandboxes). */
  private async sendProject(): Promise<void> {
    const p = this.project ? await this.project.current() : undefined;
    this.held = p?.snapshot;
    const stream = this.stream;
    if (this.state === 'dead' || !stream) return;
    const build = this.profile.compile ? this.hints?.latestBuild() : undefined;
    this.heldBuild = build?.key;
    // The pieces as they are (one write each, sent together): the copy is never joined into one buffer per sandbox.
    stream.cork();
    for (const b of encodeProject(p?.tar ?? null, this.hints?.merged())) stream.write(b);
    if (this.profile.compile) for (const b of encodeBuild(build)) stream.write(b);
    stream.uncork();
  }

  /** Passes on output held back while looking for the end marker: the run is being ended from outside. */
  flushHeld(): void {
    this.active?.streams.flush();
  }

  /**
   * Resolves once the attach stream has taken the bytes (write() returned true, or 'drain' came), or the run ended:
   * the caller waits before sending more, so a program that does not read blocks the sender, not our memory.
   */
  writeStdin(data: Buffer): Promise<void> {
    if (!this.active || !data.length || !this.stream?.writable) return Promise.resolve();
    if (this.stream.write(encodeStdin(data))) return Promise.resolve();
    return new Promise((resolve) => {
      if (!this.stdinWaiters.length) this.stream!.once('drain', this.releaseStdinWaiters);
      this.stdinWaiters.push(resolve);
    });
  }

  /** The client cannot take more output: stop reading the container's, so the program blocks in write(). */
  pauseOutput(): void {
    this.stream?.pause();
  }

  resumeOutput(): void {
    this.stream?.resume();
  }

  closeStdin(): void {
    if (this.active && this.stream?.writable) this.stream.write(encodeStdin(null));
  }

  /** Runs the profile's health command through `docker exec`: the interpreter must really answer. */
  async healthCheck(timeoutMs = 10_000): Promise<boolean> {
    if (!this.container || this.state !== 'idle') return true;
    try {
      const exec = await withTimeout('creating a health check', timeoutMs, this.container.exec({ Cmd: this.profile.health, AttachStdout: true, AttachStderr: true, User: `${this.uid}:${this.uid}` }));
      const stream = (await withTimeout('starting a health check', timeoutMs, exec.start({ hijack: true, stdin: false }))) as Duplex;
      const out = await new Promise<string>((resolve) => {
        let text = '';
        const d = new Demuxer((_k, data) => (text += data.toString()));
        const timer = setTimeout(() => {
          stream.destroy();
          resolve(text);
        }, timeoutMs);
        stream.on('data', (b: Buffer) => d.push(b));
        stream.on('end', () => {
          clearTimeout(timer);
          resolve(text);
        });
        stream.on('error', () => {
          clearTimeout(timer);
          resolve(text);
        });
      });
      return out.includes('HEALTH_OK');
    } catch {
      return false;
    }
  }

  /** Something happened to the container outside our control (engine events). */
  engineEvent(action: string): void {
    // gVisor (runsc) enforces the memory limit on the whole sandbox: the engine's oom event is how we learn of it.
    if (action === 'oom') this.oomEvent = true;
    // Events come in order (oom, die, destroy): a vanished run's container waiting for its oom event need wait no more.
    if (this.goneTimer && (action === 'oom' || action === 'destroy')) {
      clearTimeout(this.goneTimer);
      this.markDead(this.deathReason ?? 'the container stopped');
      return;
    }
    if (action === 'oom') return;
    if (action === 'pause') this.fail('the container was paused from outside warmbox', true);
    else if (action === 'die' || action === 'destroy' || action === 'kill' || action === 'stop') this.fail('the container was stopped or removed from outside warmbox', false);
  }

  /** Kills and removes the container; idempotent. */
  async destroy(reason: string): Promise<void> {
    this.ending = true;
    this.markDead(reason);
    this.stream?.destroy();
    // A create still in flight would leave a container that was never started (AutoRemove never fires): wait for it.
    if (!this.container && this.starting) await this.starting.catch(() => undefined);
    await this.removeContainer();
  }

  private async removeContainer(): Promise<void> {
    if (!this.container || this.removed) return;
    this.removed = true;
    try {
      await withTimeout('removing a container', ENGINE_CALL_MS, this.container.remove({ force: true }));
    } catch (e) {
      const code = (e as { statusCode?: number }).statusCode;
      // 404: AutoRemove was faster; 409: removal already under way (AutoRemove of a run that just ended): wait for
      // it, so a shutdown that says its containers are removed means it.
      if (code === 409) await this.goneFromEngine();
      else if (code !== 404) this.env.log.warn(`removing ${this.shortId}: ${(e as Error).message}`);
    }
  }

  private async goneFromEngine(): Promise<void> {
    for (let i = 0; i < 100; i++) {
      try {
        await withTimeout('inspecting a container', ENGINE_CALL_MS, this.container!.inspect());
      } catch {
        return;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** After a fresh-mode run PID 1 exits by itself and AutoRemove deletes it; make sure of it without waiting on the run. */
  retire(): void {
    if (this.state === 'dead') return;
    this.state = 'recycling';
    const timer = setTimeout(() => void this.destroy('retired after its run'), 2000);
    this.once('dead', () => clearTimeout(timer));
  }

  private fail(message: string, kill: boolean): void {
    if (this.state === 'dead') return;
    if (kill) {
      void this.destroy(message);
      return;
    }
    // The attach stream ends after the last output; give it a moment so a finished run is not called lost.
    setTimeout(() => this.onGone(message), 1000).unref();
  }

  private onGone(reason: string): void {
    if (this.state === 'dead') return;
    // A run's container that vanished may have been OOM-killed as a whole (gVisor): give the engine's event a moment.
    if (this.active && !this.oomEvent && !this.goneTimer) {
      this.deathReason = reason;
      this.goneTimer = setTimeout(() => this.markDead(reason), GONE_GRACE_MS);
      return;
    }
    if (!this.goneTimer) this.markDead(reason);
  }

  private markDead(reason: string): void {
    if (this.state === 'dead') return;
    const before = this.state;
    this.state = 'dead';
    this.deathReason = reason;
    releaseUid(this.uid);
    if (this.armed) {
      const why = this.stderrTail.trim() ? `${reason}: ${this.stderrTail.trim().slice(-300)}` : reason;
      this.armed.reject(new InfraError('container-lost', `sandbox failed while warming: ${why}`));
      this.armed = undefined;
    }
    this.releaseStdinWaiters();
    const a = this.active;
    if (a) {
      this.active = undefined;
      a.streams.flush();
      a.resolve(this.oomEvent ? { kind: 'exited', exitCode: 137, oomKills: 1 } : { kind: 'lost', message: `the sandbox ended before the program did: ${reason}` });
    }
    this.emit('dead', reason, before);
  }

  private onData(kind: StreamKind, data: Buffer): void {
    const a = this.active;
    if (!a) return this.onControl(kind, data);
    const end = a.streams.push(kind, data);
    // (the run may have been ended meanwhile: by a violation, or by what the compile report's listener did)
    if (!end || this.active !== a) return;
    this.active = undefined;
    this.releaseStdinWaiters();
    if (this.isolation === 'reuse') {
      this.state = 'recycling';
      // Everything the daemon sent for this run is ahead of this line in PID 1's stdin: it discards up to it.
      this.stream?.write(encodeSync(a.sync));
      if (end.after.length) this.onControl('stdout', end.after);
    }
    a.resolve({ kind: 'exited', exitCode: end.exitCode, oomKills: end.oomKills, outputs: end.outputs });
  }

  /**
   * Lines from PID 1 outside a run: READY after arming or after a reuse reset, UNHEALTHY when the interpreter failed.
   * Anything else, or more than a control line's worth, ends the container: no program can run while PID 1 waits,
   * so such bytes mean something broke (or someone found a way in), and they are never counted against a run.
   */
  private onControl(kind: StreamKind, data: Buffer): void {
    this.controlBytes += data.length;
    if (kind === 'stderr') {
      // While warming, stderr explains a failed start (shell errors, a missing interpreter); after it, nothing may come.
      if (!this.armed) return this.outsideRun('stderr');
      this.stderrTail = (this.stderrTail + data.toString()).slice(-1000);
      return;
    }
    this.lineBuf += data.toString();
    let nl: number;
    while ((nl = this.lineBuf.indexOf('\n')) >= 0) {
      const line = this.lineBuf.slice(0, nl);
      this.lineBuf = this.lineBuf.slice(nl + 1);
      if (line === WIPED && this.state === 'recycling' && !this.armed) {
        this.sendProject().catch((e: Error) => void this.destroy(`its project could not be copied again: ${e.message}`));
      } else if (line === READY) {
        this.controlBytes = 0;
        this.state = 'idle';
        this.idleSince = Date.now();
        this.stderrTail = '';
        if (this.armed) {
          this.armed.resolve();
          this.armed = undefined;
        }
        this.emit('ready');
      } else if (line.startsWith(UNHEALTHY) && this.armed) {
        const detail = line.slice(UNHEALTHY.length).trim() || 'no output';
        this.armed.reject(new InfraError('docker-error', `the ${this.profile.name} interpreter did not start in ${this.profile.image}: ${detail}`));
        this.armed = undefined;
      } else {
        return this.outsideRun('stdout');
      }
    }
    if (this.lineBuf.length > CONTROL_MAX_BYTES || this.controlBytes > 4 * CONTROL_MAX_BYTES) this.outsideRun('stdout');
  }

  private outsideRun(stream: StreamKind, detail?: string): void {
    if (this.state === 'dead') return;
    this.spokeOutsideRun = true;
    this.env.log.warn(`sandbox ${this.shortId} (${this.profile.name}) wrote on ${stream} outside a run${detail ? ` (${detail})` : ''}; ending it`);
    this.lineBuf = '';
    void this.destroy(`it wrote on ${stream} outside a run`);
  }
}

/** A start that failed: an image without warmbox's runtime gets a sentence that says how to add it. */
function startError(e: unknown, where: string, image: string, runtime?: string): InfraError {
  const err = classifyDockerError(e, { where, image, runtime });
  if (err.reason === 'docker-error' && err.message.includes(RUNTIME)) {
    return new InfraError(
      'image-unsupported',
      `The image ${image} lacks warmbox's sandbox runtime (${RUNTIME}), which PID 1 needs to keep the program away from it. ` +
        `Add it to the image's Dockerfile: \`COPY --from=warmbox/shell:2 /opt/warmbox/ /opt/warmbox/\` (build warmbox's images with \`npm run images\`).`,
    );
  }
  return err;
}
