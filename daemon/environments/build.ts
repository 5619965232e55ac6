// One environment build through the engine's own image build: a tar context, Docker's progress stream read line by
// line into steps, the installer's last lines kept for the error.
import type Docker from 'dockerode';
import { packFiles } from '../workspace/tar';
import type { EnvPlan } from './dockerfile';

export interface BuildProgress {
  step: number;
  steps: number;
  /** The step's short name (`pip install -r requirements.txt`). */
  label: string;
  /** The installer's latest line, if any. */
  line?: string;
}

export interface BuildOptions {
  /** `host` where the engine has no bridge; undefined: Docker's default. */
  network?: string;
  buildArgs: Record<string, string>;
  noCache?: boolean;
  signal: AbortSignal;
  onProgress(p: BuildProgress): void;
  /** Every line Docker printed (the build log). */
  onLog(line: string): void;
  timeoutMs: number;
}

export class BuildFailed extends Error {
  constructor(
    message: string,
    readonly step: string,
    readonly lastLines: string[],
  ) {
    super(message);
  }
}

export class BuildCancelled extends Error {}

const KEEP_LINES = 15;

/**
 * Docker's build stream cuts the installer's output anywhere (apt's `E: Unable to locate package x` came as "E", ":",
 * " Unable…"): lines are put together across messages, split at \n, \r\n or \r (a progress line's redraw).
 */
export class LineAssembler {
  private partial = '';
  push(text: string): string[] {
    const parts = (this.partial + text).split(/\r?\n|\r/);
    this.partial = parts.pop() ?? '';
    return parts;
  }
  flush(): string[] {
    const p = this.partial;
    this.partial = '';
    return p ? [p] : [];
  }
}

/** `The command '/bin/sh -c <the whole step>' returned a non-zero code: 100`: the step is named already; its code is news. */
export function shortError(error: string): string {
  const m = /^The command '[\s\S]*' returned a non-zero code: (\d+)$/.exec(error);
  return m ? `its command exited with code ${m[1]}` : error;
}

export async function contextTar(plan: EnvPlan): Promise<Buffer> {
  // Fixed times and modes: Docker's cache of a COPY depends on what is copied, not when it was saved.
  const mtime = new Date(0);
  return packFiles([{ name: 'Dockerfile', body: Buffer.from(plan.dockerfile), mtime }, ...[...plan.files].map(([name, body]) => ({ name, body, mtime }))]);
}

/** Builds and tags `plan.tag`; resolves with the image id. Throws BuildFailed (with the step) or BuildCancelled. */
export async function buildImage(docker: Docker, plan: EnvPlan, o: BuildOptions): Promise<string> {
  const tar = await contextTar(plan);
  const stream = (await docker.buildImage(tar as unknown as NodeJS.ReadableStream, {
    t: plan.tag,
    rm: true,
    forcerm: true,
    networkmode: o.network,
    nocache: o.noCache,
    buildargs: o.buildArgs,
  })) as NodeJS.ReadableStream & { destroy(): void };
  let step = 0;
  let steps = plan.steps.length;
  let last: string[] = [];
  let id: string | undefined;
  let error: string | undefined;
  // The step's name, or the last named one before it (a COPY belongs to the install after it… or before: close enough).
  const label = () => plan.steps.slice(0, step).filter(Boolean).pop() ?? `step ${step}`;
  const lines = new LineAssembler();
  const onLine = (text: string) => {
    const t = text.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').trimEnd();
    if (!t.trim()) return;
    o.onLog(t);
    const s = /^Step (\d+)\/(\d+) : /.exec(t);
    if (s) {
      step = Number(s[1]);
      steps = Number(s[2]);
      last = [];
      if (plan.steps[step - 1]) o.onProgress({ step, steps, label: label() });
    } else if (!/^( ---> |Removing intermediate container|Successfully (built|tagged))/.test(t)) {
      last.push(t);
      if (last.length > KEEP_LINES) last.shift();
      o.onProgress({ step, steps, label: label(), line: t });
    }
  };
  return new Promise<string>((resolve, reject) => {
    let settled = false;
    const finish = (e?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      o.signal.removeEventListener('abort', abort);
      if (e) reject(e);
      else if (error) reject(new BuildFailed(`step ${step}/${steps} (${label()}) failed: ${error}`, label(), last));
      else if (!id) reject(new BuildFailed(`the build ended without an image (at step ${step}/${steps}, ${label()})`, label(), last));
      else resolve(id);
    };
    const abort = () => {
      stream.destroy(); // the engine stops a build whose client went away
      finish(new BuildCancelled('the environment build was cancelled'));
    };
    const timer = setTimeout(() => {
      stream.destroy();
      finish(new BuildFailed(`the build took longer than ${Math.round(o.timeoutMs / 60_000)} min and was stopped (at step ${step}/${steps}, ${label()})`, label(), last));
    }, o.timeoutMs);
    if (o.signal.aborted) return abort();
    o.signal.addEventListener('abort', abort);
    let buf = '';
    stream.on('data', (d: Buffer) => {
      buf += d.toString('utf8');
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (!line) continue;
        let m: { stream?: string; error?: string; aux?: { ID?: string } };
        try {
          m = JSON.parse(line);
        } catch {
          continue;
        }
        if (m.aux?.ID) id = m.aux.ID;
        for (const t of lines.push(m.stream ?? '')) onLine(t);
        if (m.error) {
          for (const t of lines.flush()) onLine(t);
          o.onLog(`ERROR ${m.error.trim()}`);
          error = shortError(m.error.trim());
        }
      }
    });
    stream.on('end', () => {
      for (const t of lines.flush()) onLine(t);
      finish();
    });
    stream.on('error', (e: Error) => finish(o.signal.aborted ? new BuildCancelled('the environment build was cancelled') : new BuildFailed(`the build stream broke: ${e.message}`, label(), last)));
  });
}
