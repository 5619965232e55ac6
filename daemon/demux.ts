// Splits Docker's multiplexed attach stream (8-byte header: stream type, 3 zero bytes, big-endian length) into
// stdout and stderr chunks, across any chunk boundaries.
export type StreamKind = 'stdout' | 'stderr';

export class Demuxer {
  private buf: Buffer = Buffer.alloc(0);

  constructor(private readonly onChunk: (stream: StreamKind, data: Buffer) => void) {}

  push(data: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, data]) : data;
    while (this.buf.length >= 8) {
      const type = this.buf[0];
      const len = this.buf.readUInt32BE(4);
      if (this.buf.length < 8 + len) break;
      const payload = this.buf.subarray(8, 8 + len);
      this.buf = this.buf.subarray(8 + len);
      // 0 is stdin (never sent to us), 1 stdout, 2 stderr.
      if (len > 0) this.onChunk(type === 2 ? 'stderr' : 'stdout', payload);
    }
  }
}
