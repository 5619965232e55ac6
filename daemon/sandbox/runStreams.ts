// What PID 1 sends during one run, taken apart: the compile report first (compiled languages), the program's stdout
// and stderr up to their end markers (RS + the run's nonce), the trailer (exit status, OOM kills, output-file count)
// and the output files after it. Bytes that break this order mean the sandbox is not to be trusted.
import type { BuildStep } from '../armScript';
import { END_MARK } from '../armScript';
import type { StreamKind } from '../demux';
import { CompileFrame, CompileReport } from '../languages/compileFrame';
import { MarkerScanner } from '../markerScanner';
import { OutputFile, OutputFrames } from '../workspace/outputFrames';

export interface RunEnd {
  exitCode: number;
  oomKills: number;
  outputs?: { files: OutputFile[]; left: number };
  /** What came after the run's last byte (reuse mode: PID 1's next control lines). */
  after: Buffer;
}

export interface RunStreamsOptions {
  outputsMax: number;
  build?: BuildStep;
  onOutput(stream: StreamKind, data: Buffer): void;
  onCompiled?(report: CompileReport): void;
  /** Bytes out of order: the sandbox is ended. */
  onViolation(stream: StreamKind, detail?: string): void;
}

export class RunStreams {
  private readonly out: MarkerScanner;
  private readonly err: MarkerScanner;
  private readonly compile?: CompileFrame;
  private trailer: string | null = null;
  private afterTrailer = Buffer.alloc(0);
  private outputs?: OutputFrames;
  private stderrDone = false;
  private ended = false;

  constructor(
    nonce: string,
    private readonly o: RunStreamsOptions,
  ) {
    // Only a tail that could begin a marker (RS, then the nonce) is held back: never a newline or a prompt.
    this.out = new MarkerScanner(Buffer.from(`${END_MARK}${nonce} `), (d) => o.onOutput('stdout', d));
    this.err = new MarkerScanner(Buffer.from(`${END_MARK}${nonce}\n`), (d) => o.onOutput('stderr', d));
    if (o.build?.mode === 'build') this.compile = new CompileFrame(nonce, o.build.maxArtifactBytes);
  }

  /** Takes bytes of one stream; the run's end once all of it has come (once), else undefined. */
  push(kind: StreamKind, data: Buffer): RunEnd | undefined {
    if (this.ended) return undefined;
    if (kind === 'stderr') {
      // PID 1 writes nothing on stderr after its end marker.
      if (this.stderrDone) return void this.o.onViolation('stderr');
      const rest = this.err.push(data);
      if (rest !== null) {
        this.stderrDone = true;
        if (rest.length) return void this.o.onViolation('stderr');
      }
    } else if (this.compile && !this.compile.done) {
      return this.onCompileBytes(this.compile, data);
    } else if (this.trailer === null) {
      const rest = this.out.push(data);
      if (rest !== null) this.onTrailerBytes(rest);
    } else {
      this.onTrailerBytes(data);
    }
    return this.end();
  }

  /** Passes on output held back while looking for the end marker: the run is being ended from outside. */
  flush(): void {
    this.out.flush();
    this.err.flush();
  }

  /** The compile report comes first on stdout; what follows it is the program's (or the trailer of a failed build). */
  private onCompileBytes(frame: CompileFrame, data: Buffer): RunEnd | undefined {
    let rest: Buffer | null;
    try {
      rest = frame.push(data);
    } catch (e) {
      return void this.o.onViolation('stdout', (e as Error).message);
    }
    if (rest === null) return undefined;
    this.o.onCompiled?.(frame.report!);
    return rest.length ? this.push('stdout', rest) : undefined;
  }

  private onTrailerBytes(data: Buffer): void {
    if (this.trailer !== null && this.outputs && !this.outputs.done) {
      try {
        const rest = this.outputs.push(data);
        if (rest !== null) this.afterTrailer = Buffer.concat([this.afterTrailer, rest]);
      } catch (e) {
        this.o.onViolation('stdout', (e as Error).message);
      }
      return;
    }
    this.afterTrailer = Buffer.concat([this.afterTrailer, data]);
    if (this.trailer !== null) return;
    const nl = this.afterTrailer.indexOf(0x0a);
    if (nl < 0) return;
    this.trailer = this.afterTrailer.subarray(0, nl).toString();
    const rest = this.afterTrailer.subarray(nl + 1);
    this.afterTrailer = Buffer.alloc(0);
    // The trailer's fourth field says output files follow (the count cap PID 1 was given, 0 for none).
    if (Number(this.trailer.split(' ')[2]) > 0) this.outputs = new OutputFrames(this.o.outputsMax);
    if (rest.length) this.onTrailerBytes(rest);
  }

  private end(): RunEnd | undefined {
    if (this.ended || this.trailer === null || !this.stderrDone || (this.outputs && !this.outputs.done)) return undefined;
    this.ended = true;
    const [rc, oom] = this.trailer.split(' ').map((x) => Number(x));
    return {
      exitCode: Number.isFinite(rc) ? rc : -1,
      oomKills: Number.isFinite(oom) ? oom : 0,
      outputs: this.outputs ? { files: this.outputs.files, left: this.outputs.left } : undefined,
      after: this.afterTrailer,
    };
  }
}
