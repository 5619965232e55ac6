// The bench's clock, percentile and number format: one definition for every section, so their tables agree.

/** Milliseconds from a monotonic clock. */
export const now = (): number => Number(process.hrtime.bigint()) / 1e6;

/** The q-quantile (0..1) by nearest rank: always one of the samples. */
export function pct(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}

/** Milliseconds as the tables show them: whole from 100 on, else one decimal. */
export const fmt = (ms: number): string => (ms >= 100 ? ms.toFixed(0) : ms.toFixed(1));
