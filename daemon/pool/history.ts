// The pool over the last minutes, per profile: a ring of fixed intervals, each holding the most warm/busy/waiting
// seen during it (a burst shorter than an interval still shows). Bounded: `span / interval` samples of at most one
// entry per profile. Pure (no engine): unit-tested; the core records into it on every pool change and on a tick.
import type { PoolCounts, PoolHistoryResult, PoolHistorySample, ProfileStats } from '../protocol';

export const HISTORY_INTERVAL_MS = 5_000;
export const HISTORY_SPAN_MS = 15 * 60_000;

export class PoolHistory {
  private readonly ring: PoolHistorySample[] = [];

  constructor(
    readonly intervalMs = HISTORY_INTERVAL_MS,
    readonly spanMs = HISTORY_SPAN_MS,
  ) {}

  /** Adds what the sets hold now to the interval going on (sets of one profile add up). */
  record(sets: Pick<ProfileStats, 'name' | 'idle' | 'busy' | 'waiting'>[], now = Date.now()): void {
    const now_: Record<string, PoolCounts> = {};
    for (const s of sets) {
      const c = (now_[s.name] ??= { warm: 0, busy: 0, waiting: 0 });
      c.warm += s.idle;
      c.busy += s.busy;
      c.waiting += s.waiting;
    }
    const t = now - (now % this.intervalMs);
    let last = this.ring[this.ring.length - 1];
    if (!last || last.t !== t) {
      last = { t, profiles: {} };
      this.ring.push(last);
    }
    for (const [name, c] of Object.entries(now_)) {
      const m = last.profiles[name];
      last.profiles[name] = m ? { warm: Math.max(m.warm, c.warm), busy: Math.max(m.busy, c.busy), waiting: Math.max(m.waiting, c.waiting) } : c;
    }
    const cut = now - this.spanMs;
    while (this.ring.length && this.ring[0].t + this.intervalMs <= cut) this.ring.shift();
  }

  get size(): number {
    return this.ring.length;
  }

  read(since?: number): PoolHistoryResult {
    const samples = since === undefined ? this.ring : this.ring.filter((s) => s.t + this.intervalMs > since);
    return { intervalMs: this.intervalMs, spanMs: this.spanMs, samples: samples.map((s) => ({ t: s.t, profiles: { ...s.profiles } })) };
  }
}
