// Files a run created or changed, as PID 1's program-uid helper frames them after the trailer:
// `F <size> <path>\n<bytes>` per file, then `E <count> <left out>\n`.

export interface OutputFile {
  /** Relative to the project copy's root, posix separators. */
  path: string;
  data: Buffer;
}

export class OutputFrames {
  readonly files: OutputFile[] = [];
  /** Files over the count or byte cap, left in the sandbox. */
  left = 0;
  done = false;
  private buf: Buffer = Buffer.alloc(0);
  private pending?: { path: string; size: number };
  private total = 0;

  /** `maxBytes`: what PID 1 was told; framing beyond it means a broken helper, and the sandbox is ended. */
  constructor(private readonly maxBytes: number) {}

  /** Takes stdout after the trailer; returns what follows the end line once it came, else null. Throws on bad framing. */
  push(data: Buffer): Buffer | null {
    this.buf = this.buf.length ? Buffer.concat([this.buf, data]) : data;
    for (;;) {
      if (this.pending) {
        if (this.buf.length < this.pending.size) return null;
        this.files.push({ path: this.pending.path, data: Buffer.from(this.buf.subarray(0, this.pending.size)) });
        this.buf = this.buf.subarray(this.pending.size);
        this.pending = undefined;
        continue;
      }
      const nl = this.buf.indexOf(0x0a);
      if (nl < 0) {
        if (this.buf.length > 8192) throw new Error('an output file line longer than 8 KiB');
        return null;
      }
      const line = this.buf.subarray(0, nl).toString();
      this.buf = this.buf.subarray(nl + 1);
      const f = /^F (\d+) (.+)$/.exec(line);
      if (f) {
        const size = Number(f[1]);
        this.total += size;
        if (this.total > this.maxBytes) throw new Error(`output files over the ${this.maxBytes}-byte cap they were given`);
        this.pending = { path: f[2], size };
        continue;
      }
      const e = /^E (\d+) (\d+)$/.exec(line);
      if (!e) throw new Error(`unexpected output file line "${line.slice(0, 80)}"`);
      this.left = Number(e[2]);
      this.done = true;
      return this.buf;
    }
  }
}

/** A path from a sandbox that is safe to join under a folder on the host: relative, no `..`, no empty parts. */
export function safeRelative(p: string): string | undefined {
  const parts = p.split('/').filter((x) => x !== '' && x !== '.');
  if (!parts.length || parts.some((x) => x === '..' || x.includes('\0'))) return undefined;
  return parts.join('/');
}
