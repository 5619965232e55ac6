// What the pool chart shows, without the DOM: unit-tested in Node.
import type { PoolHistoryResult } from '../../daemon/protocol';

/** The profiles worth a row: those that held or wanted a sandbox in the window shown. */
export function chartProfiles(h: PoolHistoryResult, from: number): string[] {
  const seen = new Set<string>();
  for (const s of h.samples) {
    if (s.t + h.intervalMs <= from) continue;
    for (const [p, c] of Object.entries(s.profiles)) if (c.warm + c.busy + c.waiting > 0) seen.add(p);
  }
  return [...seen].sort();
}

/** The span shown: what the daemon has, from 1 to `most` minutes (a young daemon's minute fills the chart). */
export function chartSpanMs(h: PoolHistoryResult, now: number, most = 10): number {
  const first = h.samples[0]?.t ?? now;
  return Math.min(most * 60_000, Math.max(60_000, now - first));
}

export function spanLabel(ms: number): string {
  return ms < 120_000 ? `${Math.round(ms / 1000)} s` : `${Math.round(ms / 60_000)} min`;
}
