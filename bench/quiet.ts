// A run "in a warm sandbox", as a person's runs are (seconds apart): every set the bench uses has an armed sandbox,
// and the pool is quiet. No container is warming, none is busy or recycling, and the engine holds no container the
// pool already let go of (a fresh run's container is removed and replaced after its run: that refill, if it
// overlapped the next sample, would measure the machine's two cores rather than the run). Back-to-back runs are the
// throughput rows' business.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import type { DaemonClient } from '../daemon/client';
import { runtimePaths } from '../daemon/socketPath';
import { Methods, PoolStats } from '../daemon/protocol';

type SetStats = PoolStats['profiles'][number];

/** Waits until `ready` holds for the pool's sets and the pool is quiet (see above); throws after `timeoutMs`. */
export async function quietPool(client: DaemonClient, ready: (sets: SetStats[]) => boolean, timeoutMs = 60_000): Promise<void> {
  const instance = client.hello.instanceId;
  const onEngine = () => execFileSync('docker', ['ps', '-aq', '--filter', `label=dev.warmbox.instance=${instance}`], { encoding: 'utf8' }).split('\n').filter(Boolean).length;
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const s = await client.request(Methods.poolStats);
    const list = await client.request(Methods.containersList);
    if (ready(s.profiles) && s.profiles.every((p) => p.warming === 0) && list.every((c) => c.state === 'idle') && onEngine() === list.length) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`bench: the pool did not arm and go quiet within ${timeoutMs / 1000} s`);
}

/** The CPU time so far, from /proc/stat (Linux): all of it and the part not idle or waiting on I/O. */
export function cpuTimes(): { busy: number; total: number } {
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - f[3] - (f[4] ?? 0), total };
}

/** The share of CPU time that was busy between two cpuTimes() readings. */
export function busyShare(a: { busy: number; total: number }, b: { busy: number; total: number }): number {
  return b.total > a.total ? (b.busy - a.busy) / (b.total - a.total) : 0;
}

/**
 * Waits until the machine's CPUs are mostly idle (busy at most `maxBusy` over half a second): what an earlier section
 * left running (the engine removing the throughput rows' containers) is not this section's to measure. Returns the
 * last share seen; gives up after `timeoutMs` and says so in that share.
 */
export async function settledCpu(maxBusy = 0.25, timeoutMs = 120_000): Promise<number> {
  const until = Date.now() + timeoutMs;
  let share = 1;
  while (Date.now() < until) {
    const a = cpuTimes();
    await new Promise((r) => setTimeout(r, 500));
    share = busyShare(a, cpuTimes());
    if (share <= maxBusy) break;
  }
  return share;
}

/**
 * After its daemons were told to shut down: waits (up to 10 s) until the engine holds no container of theirs, the
 * daemons being named by their environments (WARMBOX_RUNTIME_DIR). Any still there are reported and fail the bench.
 */
export async function noneLeftBehind(envs: NodeJS.ProcessEnv[]): Promise<void> {
  const left = () =>
    envs
      .map((e) => execFileSync('docker', ['ps', '-aq', '--filter', `label=dev.warmbox.scope=${runtimePaths(e).scope}`], { encoding: 'utf8' }).trim())
      .filter(Boolean)
      .join(' ');
  for (let i = 0; i < 100 && left(); i++) await new Promise((r) => setTimeout(r, 100));
  if (left()) {
    console.error(`bench: containers left behind: ${left()}`);
    process.exitCode = 1;
  }
}
