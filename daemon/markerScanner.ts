// Finds a marker in a byte stream while passing everything before it on at once.
// Only a tail that could still be the start of the marker is held back, so output streams without delay and the
// marker never reaches the user, whatever the chunking.
export class MarkerScanner {
  private held: Buffer = Buffer.alloc(0);
  private found = false;

  constructor(
    private readonly marker: Buffer,
    private readonly emit: (data: Buffer) => void,
  ) {}

  get done(): boolean {
    return this.found;
  }

  /** Returns the bytes after the marker once it is found (possibly empty), otherwise null. */
  push(chunk: Buffer): Buffer | null {
    if (this.found) return chunk;
    const data = this.held.length ? Buffer.concat([this.held, chunk]) : chunk;
    const at = data.indexOf(this.marker);
    if (at >= 0) {
      if (at > 0) this.emit(data.subarray(0, at));
      this.found = true;
      this.held = Buffer.alloc(0);
      return data.subarray(at + this.marker.length);
    }
    const keep = this.partialTail(data);
    if (data.length - keep > 0) this.emit(data.subarray(0, data.length - keep));
    this.held = Buffer.from(data.subarray(data.length - keep));
    return null;
  }

  /** Passes on whatever is held back (the stream ended without the marker). */
  flush(): void {
    const held = this.held;
    this.held = Buffer.alloc(0);
    if (held.length) this.emit(held);
  }

  private partialTail(data: Buffer): number {
    const max = Math.min(this.marker.length - 1, data.length);
    for (let k = max; k > 0; k--) {
      if (data.compare(this.marker, 0, k, data.length - k, data.length) === 0) return k;
    }
    return 0;
  }
}
