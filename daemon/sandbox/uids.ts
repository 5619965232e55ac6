// The program's uid in each sandbox: one of its own, so that kernel quotas charged per uid are never shared.
import * as crypto from 'crypto';

/**
 * Each sandbox's program runs as a uid of its own, so per-user kernel quotas (message queues, inotify, RLIMIT_NPROC)
 * are never shared between sandboxes or daemons. Drawn at random above the ranges hosts hand out (system and
 * login users, /etc/subuid's 100000 + n·65536 blocks for the first 256 users), never two alike in one daemon.
 */
const UID_MIN = 1 << 24;
const UID_SPAN = (1 << 30) - UID_MIN;
const uidsInUse = new Set<number>();
export function allocateUid(range = { min: UID_MIN, span: UID_SPAN }): number {
  let uid: number;
  do uid = range.min + crypto.randomInt(range.span);
  while (uidsInUse.has(uid));
  uidsInUse.add(uid);
  return uid;
}

/** The sandbox is gone: its uid may be drawn again. */
export function releaseUid(uid: number): void {
  uidsInUse.delete(uid);
}
