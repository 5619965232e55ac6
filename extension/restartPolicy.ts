// When to reconnect to the daemon and when to give up: a few restarts within a few minutes, with backoff
// (the policy vscode-languageclient uses for its servers). No `vscode` import: unit-tested on its own.

export interface RestartDecision {
  retry: boolean;
  delayMs: number;
}

export class RestartPolicy {
  private failures: number[] = [];

  constructor(
    private readonly maxRestarts = 5,
    private readonly windowMs = 3 * 60_000,
    private readonly baseDelayMs = 250,
    private readonly maxDelayMs = 5_000,
  ) {}

  /** A connection was lost or a (re)connect failed at `now`. */
  failed(now = Date.now()): RestartDecision {
    this.failures = this.failures.filter((t) => now - t < this.windowMs);
    this.failures.push(now);
    const n = this.failures.length;
    if (n > this.maxRestarts) return { retry: false, delayMs: 0 };
    return { retry: true, delayMs: Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (n - 1)) };
  }

  /** A connection has been healthy: start counting afresh. */
  reset(): void {
    this.failures = [];
  }

  get recentFailures(): number {
    return this.failures.length;
  }
}
