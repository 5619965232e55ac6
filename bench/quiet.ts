// A run "in a warm sandbox", as a person's runs are (seconds apart): every set the bench uses has an armed sandbox,
// and the pool is quiet. No container is warming, none is busy or recycling, and the engine holds no container the
// pool already let go of (a fresh run's container is removed and replaced after its run: that refill, if it
// overlapped the next sample, would measure the machine's two cores rather than the run). Back-to-back runs are the
// throughput rows' business.
import { execFileSync } from 'child_process';
import type { DaemonClient } from '../daemon/client';
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
