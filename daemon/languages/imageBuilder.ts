// A missing warmbox language image is built on its language's first use by the one recipe, `bash images/build.sh
// <name>` from the daemon's install folder (offline, over the shared warmbox/base:2 layer). Runs that need it wait:
// each step reaches them as a notice (the CLI prints it on stderr), and every client hears env/progress with
// kind 'language' (VS Code's progress notification and status bar, extension/environments/buildProgress.ts). A
// failed build ends the waiting runs as infra-error `image-build` naming the step and the build's last lines; the
// next run that needs the image tries again (a warm-up does not: it would loop on a broken recipe). A daemon that
// stops meanwhile leaves the build to end by itself: docker tags an image only once it is whole.
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { InfraError } from '../docker';
import type { Logger } from '../log';
import { CancelledError } from '../pool';
import { imageVersion, Profile } from '../profiles';
import type { EnvProgressNotification } from '../protocol';

export interface ImageBuilderHooks {
  log: Logger;
  /** Broadcast to every client (env/progress). */
  progress?(n: EnvProgressNotification): void;
  /** The image now exists: warm its sets at once. */
  built(image: string): void;
  /** Where each build's full output is kept; absent: the daemon log only. */
  logDir?: string;
  /** images/build.sh beside the daemon's bundle; absent (an installed extension without it): nothing is built. */
  script?: string;
  enabled?: boolean;
  timeoutMs?: number;
}

interface Build {
  image: string;
  name: string;
  startedAt: number;
  step: string;
  /** The build's last lines (build.sh prints the failing docker build's tail on stderr). */
  tail: string[];
  logPath?: string;
  child?: ChildProcess;
  cancelled?: boolean;
  listeners: Set<(step: string) => void>;
  done: Promise<void>;
}

const KEEP_LINES = 12;
/** The engine's lines that say nothing about what went wrong. */
const NOISE = /^(DEPRECATED: The legacy builder|Install the buildx component|https:\/\/docs\.docker\.com\/go\/buildx|Sending build context|Step \d+\/\d+ : |---> |Removing intermediate container|Successfully (built|tagged))/;
const BUILD_TIMEOUT_MS = 20 * 60_000;

export class ImageBuilder {
  private readonly builds = new Map<string, Build>();
  /** Images whose last build failed: a warm-up does not start them again, a run does. */
  private readonly failed = new Map<string, string>();
  /** One build at a time: apt/dpkg inside each is CPU-bound, and two first builds would race for the shared layer. */
  private queue: Promise<unknown> = Promise.resolve();
  private readonly script: string;
  private readonly enabled: boolean;

  constructor(private readonly h: ImageBuilderHooks) {
    this.script = h.script ?? process.env.WARMBOX_IMAGES_SCRIPT ?? path.resolve(__dirname, '../images/build.sh');
    this.enabled = h.enabled ?? process.env.WARMBOX_BUILD_IMAGES !== '0';
    if (h.logDir) fs.mkdirSync(h.logDir, { recursive: true, mode: 0o700 });
  }

  /**
   * The recipe that makes the profile's image, when warmbox owns it: a built-in language's profile whose image is
   * `warmbox…/<language>:<its version>` (a user's own image name is never built over).
   */
  recipe(profile: Pick<Profile, 'name' | 'image' | 'builtin'>): { name: string; repo: string } | undefined {
    if (!profile.builtin || !this.enabled || !fs.existsSync(this.script)) return undefined;
    const m = /^(warmbox[a-z0-9._-]*)\/([a-z0-9-]+):(\d+)$/.exec(profile.image);
    if (!m || m[2] !== profile.name || m[3] !== String(imageVersion(m[2]))) return undefined;
    return { repo: m[1], name: m[2] };
  }

  /** A warm-up found the image missing: start its build (unless the last one failed); the sentence to keep. */
  missing(profile: Profile, original: InfraError): InfraError {
    const r = this.recipe(profile);
    if (!r) return original;
    const failed = this.failed.get(profile.image);
    if (failed && !this.builds.has(profile.image)) return new InfraError('image-build', failed);
    const b = this.start(profile.image, r);
    const s = Math.round((Date.now() - b.startedAt) / 1000);
    return new InfraError('image-missing', `The sandbox image ${profile.image} is being built for ${r.name}'s first use (${s} s so far; ${b.step}). A run waits for it.`);
  }

  /**
   * A run needs the profile's missing image: builds it (or joins the build under way) and resolves once it exists.
   * Undefined when warmbox cannot make it (the run keeps the engine's error). Rejects with InfraError `image-build`
   * when the build fails, CancelledError when the run or the build is cancelled.
   */
  wait(profile: Profile, signal: AbortSignal, notice?: (message: string) => void): Promise<void> | undefined {
    const r = this.recipe(profile);
    if (!r) return undefined;
    const b = this.start(profile.image, r);
    const tell = (step: string) => notice?.(`building the sandbox image ${b.image} for ${r.name}'s first use: ${step}`);
    tell(b.step);
    b.listeners.add(tell);
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => reject(new CancelledError(`cancelled while the sandbox image ${b.image} was building`));
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      b.done.then(resolve, reject).finally(() => {
        signal.removeEventListener('abort', onAbort);
        b.listeners.delete(tell);
      });
    });
  }

  /** Cancel (VS Code's progress notification): the build stops, the runs waiting for it end as cancelled. */
  cancel(image: string): boolean {
    const b = this.builds.get(image);
    if (!b) return false;
    b.cancelled = true;
    if (b.child?.pid) killGroup(b.child.pid);
    return true;
  }

  private start(image: string, r: { name: string; repo: string }): Build {
    const running = this.builds.get(image);
    if (running) return running;
    const b: Build = { image, name: r.name, startedAt: Date.now(), step: 'queued', tail: [], listeners: new Set(), done: Promise.resolve() };
    if (this.h.logDir) b.logPath = path.join(this.h.logDir, `${image.replace(/[/:]/g, '_')}.log`);
    this.builds.set(image, b);
    this.failed.delete(image);
    const base = { root: '', profile: r.name, image, kind: 'language' as const, logPath: b.logPath };
    this.h.progress?.({ ...base, state: 'building', summary: `the ${r.name} sandbox image (images/build.sh ${r.name})` });
    const run = this.queue.then(() => this.run(b, r, base));
    this.queue = run.catch(() => undefined);
    b.done = run.finally(() => this.builds.delete(image));
    b.done.catch(() => undefined); // told to the waiting runs; nobody waiting (a warm-up) is not an unhandled rejection
    return b;
  }

  private run(b: Build, r: { name: string; repo: string }, base: Omit<EnvProgressNotification, 'state'>): Promise<void> {
    if (b.cancelled) return Promise.reject(this.cancelled(b, base));
    const log = b.logPath ? fs.createWriteStream(b.logPath, { mode: 0o600 }) : undefined;
    log?.on('error', () => undefined);
    this.h.log.info(`image build: ${b.image} is missing; building it (bash ${this.script} ${r.name})`);
    b.startedAt = Date.now();
    const setStep = (step: string) => {
      b.step = step;
      for (const l of b.listeners) l(step);
      this.h.progress?.({ ...base, state: 'step', label: step });
    };
    setStep('starting images/build.sh');
    const child = spawn('bash', [this.script, r.name], {
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd: path.dirname(this.script),
      env: { ...process.env, WARMBOX_IMAGE_REPO: r.repo },
      detached: true, // its own process group: a cancel stops the docker build it started too
    });
    b.child = child;
    const timer = setTimeout(() => {
      b.tail.push(`(stopped: the build took longer than ${Math.round((this.h.timeoutMs ?? BUILD_TIMEOUT_MS) / 60_000)} min)`);
      if (child.pid) killGroup(child.pid);
    }, this.h.timeoutMs ?? BUILD_TIMEOUT_MS);
    const onData = (stream: 'out' | 'err') => {
      let buf = '';
      return (data: Buffer) => {
        buf += data.toString();
        const lines = buf.split('\n');
        buf = lines.pop() ?? '';
        for (const raw of lines) {
          const line = raw.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').trimEnd();
          if (!line.trim()) continue;
          log?.write(line + '\n');
          const step = /^\[images [0-9:]+\] (.*)$/.exec(line)?.[1];
          // build.sh's own lines are its steps; the rest (a failing docker build's tail on stderr) is what went wrong,
          // but for the engine's chatter.
          if (stream === 'out' && step) {
            this.h.log.info(`image build: ${step}`);
            if (!/^(progress: |finished in )/.test(step)) setStep(step.replace(`${b.image}: `, '').slice(0, 200));
          } else if (!step && !NOISE.test(line.trim())) {
            this.h.log.info(`image build: ${line}`);
            b.tail.push(line.slice(0, 300));
            if (b.tail.length > KEEP_LINES) b.tail.shift();
            this.h.progress?.({ ...base, state: 'line', label: b.step, line: line.slice(0, 300) });
          }
        }
      };
    };
    child.stdout!.on('data', onData('out'));
    child.stderr!.on('data', onData('err'));
    return new Promise<void>((resolve, reject) => {
      child.on('error', (e) => b.tail.push(e.message));
      child.on('close', (code, sig) => {
        clearTimeout(timer);
        b.child = undefined;
        log?.end();
        const s = ((Date.now() - b.startedAt) / 1000).toFixed(1);
        if (b.cancelled) return reject(this.cancelled(b, base));
        if (code === 0) {
          this.h.log.info(`image build: ${b.image} built in ${s} s`);
          this.h.built(b.image);
          this.h.progress?.({ ...base, state: 'built', message: `built in ${s} s` });
          return resolve();
        }
        const lines = b.tail.length ? `\n${b.tail.slice(-8).map((l) => `  ${l}`).join('\n')}` : '';
        const message =
          `Building the sandbox image ${b.image} failed at "${b.step}" (${sig ? `killed by ${sig}` : `exit ${code}`} after ${s} s)${lines}\n` +
          `The next ${r.name} run tries again; by hand: \`npm run images ${r.name}\` in the warmbox folder${b.logPath ? `; full log ${b.logPath}` : ''}.`;
        this.failed.set(b.image, message);
        this.h.log.warn(`image build: ${b.image} failed at "${b.step}" (${sig ?? `exit ${code}`} after ${s} s)`);
        this.h.progress?.({ ...base, state: 'failed', label: b.step, message });
        reject(new InfraError('image-build', message));
      });
    });
  }

  private cancelled(b: Build, base: Omit<EnvProgressNotification, 'state'>): CancelledError {
    this.h.log.info(`image build: ${b.image} cancelled`);
    this.h.progress?.({ ...base, state: 'cancelled', message: 'cancelled' });
    return new CancelledError(`the build of the sandbox image ${b.image} was cancelled`);
  }
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGTERM');
  } catch {
    /* already gone */
  }
}
