// The compile phase's report on a run's stdout, before any program output: `WBC <nonce> <status> <message bytes>
// <artifact bytes> <oom kills>\n`, the compiler's messages, then the artifact (a tar of {out}; see armScript.ts).
import { COMPILE_MESSAGES_MAX } from '../armScript';

export interface CompileReport {
  /** The compiler's exit status (137: killed, by its time limit or the memory limit). */
  status: number;
  messages: string;
  /** A tar of what the compiler left in {out}; absent when it failed or was larger than the cache takes. */
  artifact?: Buffer;
  oomKills: number;
}

const HEADER_MAX = 200;

export class CompileFrame {
  private buf: Buffer = Buffer.alloc(0);
  private head?: { status: number; mlen: number; alen: number; oom: number };
  report?: CompileReport;

  constructor(
    private readonly nonce: string,
    private readonly maxArtifactBytes: number,
  ) {}

  get done(): boolean {
    return this.report !== undefined;
  }

  /** Takes stdout bytes; returns what follows the frame once it is complete (null while it is not). Throws on garbage. */
  push(data: Buffer): Buffer | null {
    this.buf = this.buf.length ? Buffer.concat([this.buf, data]) : data;
    if (!this.head) {
      const nl = this.buf.indexOf(0x0a);
      if (nl < 0) {
        if (this.buf.length > HEADER_MAX) throw new Error('the compile report is malformed');
        return null;
      }
      const f = this.buf.subarray(0, nl).toString().split(' ');
      const [status, mlen, alen, oom] = f.slice(2).map(Number);
      if (f[0] !== 'WBC' || f[1] !== this.nonce || f.length !== 6 || ![status, mlen, alen, oom].every(Number.isInteger)) throw new Error('the compile report is malformed');
      if (mlen < 0 || mlen > COMPILE_MESSAGES_MAX || alen < 0 || alen > this.maxArtifactBytes) throw new Error('the compile report is out of bounds');
      this.head = { status, mlen, alen, oom };
      this.buf = this.buf.subarray(nl + 1);
    }
    const h = this.head;
    if (this.buf.length < h.mlen + h.alen) return null;
    this.report = {
      status: h.status,
      messages: this.buf.subarray(0, h.mlen).toString(),
      artifact: h.alen > 0 ? Buffer.from(this.buf.subarray(h.mlen, h.mlen + h.alen)) : undefined,
      oomKills: h.oom,
    };
    const rest = this.buf.subarray(h.mlen + h.alen);
    this.buf = Buffer.alloc(0);
    return rest;
  }
}
