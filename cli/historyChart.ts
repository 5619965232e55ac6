// `warmbox stats --history`: the daemon's pool history (pool/history) as a compact text chart, one row per profile
// and series. Pure: unit-tested.
import type { PoolCounts, PoolHistoryResult } from '../daemon/protocol';

const BARS = '▁▂▃▄▅▆▇█';
const SERIES: (keyof PoolCounts)[] = ['warm', 'busy', 'waiting'];

/** The most of `key` per column over the last `minutes`, `width` columns; null where the daemon has no sample. */
export function columnsOf(h: PoolHistoryResult, profile: string, key: keyof PoolCounts, now: number, minutes: number, width: number): (number | null)[] {
  const span = minutes * 60_000;
  const from = now - span;
  const cols: (number | null)[] = new Array(width).fill(null);
  for (const s of h.samples) {
    if (s.t + h.intervalMs <= from) continue;
    const i = Math.min(width - 1, Math.max(0, Math.floor(((s.t - from) / span) * width)));
    const v = s.profiles[profile]?.[key] ?? 0;
    cols[i] = Math.max(cols[i] ?? 0, v);
  }
  return cols;
}

export function formatHistory(h: PoolHistoryResult, now = Date.now(), minutes = 10, width = 60): string {
  const profiles = [...new Set(h.samples.flatMap((s) => Object.keys(s.profiles)))].sort();
  if (!profiles.length) return 'no pool history yet\n';
  const perCol = (minutes * 60) / width;
  const lines = [`pool over the last ${minutes} min, per profile (one column = ${perCol} s, the most seen in it; · none, blank: no sample)`];
  const nameW = Math.max(7, ...profiles.map((p) => p.length));
  lines.push(`${'PROFILE'.padEnd(nameW)}  ${'SERIES'.padEnd(7)}  NOW  MAX  ${'-'.repeat(Math.max(0, width - 12))} now`);
  for (const p of profiles) {
    SERIES.forEach((key, k) => {
      const cols = columnsOf(h, p, key, now, minutes, width);
      const max = Math.max(0, ...cols.map((c) => c ?? 0));
      const last = [...cols].reverse().find((c) => c !== null) ?? 0;
      const bar = cols.map((c) => (c === null ? ' ' : c === 0 ? '·' : BARS[Math.min(BARS.length - 1, Math.max(0, Math.ceil((c / max) * BARS.length) - 1))])).join('');
      lines.push(`${(k === 0 ? p : '').padEnd(nameW)}  ${key.padEnd(7)}  ${String(last).padStart(3)}  ${String(max).padStart(3)}  ${bar}`);
    });
  }
  return lines.join('\n') + '\n';
}
