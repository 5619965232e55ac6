// Pure pool decisions, kept apart so they can be tested without an engine.
import type { InfraReason } from './protocol';

export interface PlanInput {
  minSize: number;
  maxSize: number;
  /** Sandboxes not yet dead: warming, idle, busy, recycling. */
  live: number;
  idle: number;
  warming: number;
  waiting: number;
  backingOff: boolean;
  /** What the daemon's cap over all sets still allows (absent: no cap). */
  room?: number;
}

/** How many sandboxes to start warming now. */
export function planWarmups(p: PlanInput): number {
  if (p.backingOff) return 0;
  const forMin = p.minSize - (p.idle + p.warming);
  const forWaiters = p.waiting - p.warming;
  const want = Math.max(forMin, forWaiters, 0);
  return Math.max(0, Math.min(want, p.maxSize - p.live, p.room ?? Infinity));
}

/** Wait before the next warm-up after `streak` failures in a row: short while Docker is down, so the pool is back
 *  within seconds of the engine; longer when the image is missing or Docker refuses, so the log is not flooded. */
export function backoffMs(reason: InfraReason, streak: number): number {
  const cap = reason === 'docker-unreachable' ? 2_000 : 30_000;
  return Math.min(cap, 250 * 2 ** Math.min(streak, 10));
}
