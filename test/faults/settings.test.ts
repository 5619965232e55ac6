// Fault scenarios of settings and timeouts: a window's settings against another client's sandboxes, a stopped daemon
// during the handshake, a hung engine under the pool. Real daemons, the real Docker Engine; each records a figure.
import { strict as assert } from 'assert';
import { execFileSync } from 'child_process';
import { DaemonClient } from '../../daemon/client';
import { builtinProfiles } from '../../daemon/profiles';
import { Methods, PoolStats, RunResult, RunStartParams } from '../../daemon/protocol';
import { startEngineProxy } from '../helpers/engineProxy';
import { engineContainers, profileStats, runToEnd, startDaemon, stats, TestDaemon, waitUntil } from '../helpers/daemon';
import { record } from '../helpers/summary';

const docker = (...args: string[]) => execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

interface Shape {
  memoryMb: number;
  pids: number;
  network: string;
  isolation: string;
  result: RunResult;
}

/** Runs a shell program that waits on stdin, reads what the engine enforces on its container, then lets it end. */
async function probe(client: DaemonClient, extra: Record<string, unknown> = {}, hold?: Promise<void>): Promise<Shape> {
  let up!: () => void;
  const started = new Promise<void>((r) => (up = r));
  let containerId = '';
  const h = await client.run({ profile: 'shell', code: 'echo up; read x', stdinOpen: true, ...extra } as RunStartParams, {
    onStarted: (n) => (containerId = n.containerId),
    onOutput: (_s, d) => d.toString().includes('up') && up(),
  });
  await Promise.race([started, h.result]);
  const info = JSON.parse(docker('inspect', containerId))[0];
  await hold;
  await h.closeStdin();
  const result = await h.result;
  return {
    memoryMb: info.HostConfig.Memory / 1024 / 1024,
    pids: info.HostConfig.PidsLimit,
    network: info.HostConfig.NetworkMode,
    isolation: info.Config.Labels['dev.warmbox.isolation'],
    result,
  };
}

const fmt = (s: Shape) => `${s.memoryMb} MB/${s.pids} pids/net ${s.network}/${s.isolation}`;
const isDefault = (s: Shape) => s.memoryMb === 256 && s.pids === 128 && s.network === 'none' && s.isolation === 'fresh' && s.result.outcome === 'exited';

describe('faults: settings of one window against other clients', function () {
  this.timeout(120_000);
  let d: TestDaemon;
  before(async () => {
    d = await startDaemon({ profiles: { python: { minSize: 0 }, node: { minSize: 0 }, shell: { minSize: 1, maxSize: 3 } } });
  });
  after(async () => {
    await d.stop();
    // A fresh sandbox's own AutoRemove may still be under way as the daemon exits: wait for it, then it must be empty.
    await waitUntil(() => engineContainers(d.scope).length === 0, 10_000, 200);
    assert.deepEqual(engineContainers(d.scope), [], 'containers left behind');
  });

  it('workspace-level or pushed settings cannot loosen another client\'s sandboxes, nor the window\'s own', async () => {
    const window = await d.connect('vscode');
    const cli = d.client;
    // What the old extension did for every window, an untrusted one included: push its limits for everyone.
    const push = await window
      .request(Methods.configSet, { overrides: { memoryMb: 65536, pids: 65536, network: true, isolation: 'reuse' } } as never /* off the contract on purpose */)
      .then(() => 'accepted', (e: Error) => `refused: ${e.message}`);
    const cliAfterPush = await probe(cli);
    // What the extension sends now: workspace values with the run; they may only tighten.
    const loose = await probe(window, { workspaceSettings: { memoryMb: 65536, pids: 65536, network: true, isolation: 'reuse' } });
    const tight = await probe(window, { workspaceSettings: { memoryMb: 128, pids: 32 } });
    // The user's own setting loosens, for that window's runs only.
    const own = await probe(window, { settings: { memoryMb: 512 } });
    const cliAfter = await probe(cli);
    const sets = (await stats(cli)).profiles.map((p) => p.profile);
    const ok =
      push.startsWith('refused') &&
      isDefault(cliAfterPush) &&
      isDefault(loose) &&
      tight.memoryMb === 128 &&
      tight.pids === 32 &&
      own.memoryMb === 512 &&
      isDefault(cliAfter) &&
      sets.includes('shell') &&
      sets.includes('shell:memoryMb=512');
    record(
      'settings: a window cannot loosen others',
      `config/set with limits ${push.slice(0, 90)}; CLI run after it ${fmt(cliAfterPush)}; workspace asking 64 GB/65536/network/reuse got ${fmt(loose)}; ` +
        `workspace tightening got ${tight.memoryMb} MB/${tight.pids} pids; user's 512 MB got ${own.memoryMb} MB in its own set; CLI after all ${fmt(cliAfter)}; sets: ${sets.join(' ')}`,
      ok,
    );
    window.close();
    assert.ok(ok, JSON.stringify({ push, cliAfterPush, loose, tight, own, cliAfter, sets }));
  });

  it('a busy reuse sandbox made with other settings never serves another client afterwards', async () => {
    const window = await d.connect('vscode');
    // Old way: network on for everyone, a reuse run takes a sandbox, network off again while it is busy.
    await window.request(Methods.configSet, { overrides: { isolation: 'reuse', network: true } } as never /* off the contract on purpose */).catch(() => undefined);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const netRun = probe(window, { settings: { isolation: 'reuse', network: true } }, held);
    const busy = await waitUntil(async () => (await stats(d.client)).profiles.some((p) => p.busy > 0), 10_000);
    await window.request(Methods.configSet, { overrides: { network: false } } as never /* off the contract on purpose */).catch(() => undefined);
    release();
    const first = await netRun;
    const others: Shape[] = [];
    for (let i = 0; i < 3; i++) others.push(await probe(d.client, { isolation: 'reuse' }));
    const leaked = others.filter((s) => s.network !== 'none').length;
    const ok = !!busy && first.network === 'default' && leaked === 0 && others.every((s) => s.isolation === 'reuse');
    record('settings: busy reuse sandbox keeps to its set', `the window's reuse run had network ${first.network}; 3 later reuse runs of another client: ${leaked} with network (${others.map(fmt).join('; ')})`, ok);
    window.close();
    assert.ok(ok, JSON.stringify({ first, others }));
  });

  it('sets nobody uses shrink to zero; a cap bounds all sets together', async () => {
    const small = await startDaemon({ setIdleMs: 3000, maxSandboxes: 3, profiles: { python: { minSize: 0 }, node: { minSize: 0 }, shell: { minSize: 1, maxSize: 3 } } });
    try {
      await waitUntil(async () => profileStats(await stats(small.client), 'shell').idle === 1, 20_000);
      const mems = [200, 300, 400, 500];
      const t0 = Date.now();
      const shapes = await Promise.all(mems.map((m) => probe(small.client, { settings: { memoryMb: m } })));
      let peak = 0;
      const s1 = await stats(small.client);
      peak = Math.max(peak, s1.sandboxes);
      const tGone = Date.now();
      const gone = await waitUntil(async () => {
        const s = await stats(small.client);
        peak = Math.max(peak, s.sandboxes);
        // Only the profiles' default sets are left (one per built-in profile; those warmed on use hold none).
        return s.profiles.every((p) => p.isDefault) && s.profiles.length === builtinProfiles().length;
      }, 20_000, 200);
      const goneMs = Date.now() - tGone;
      const def = profileStats(await stats(small.client), 'shell');
      const onEngine = engineContainers(small.scope).length;
      const ok = shapes.every((s, i) => s.memoryMb === mems[i] && s.result.outcome === 'exited') && !!gone && peak <= 3 && def.idle + def.warming >= 1 && onEngine <= 3;
      record(
        'settings: unused sets shrink, the cap holds',
        `4 runs with 4 different memory limits (cap 3 sandboxes) all served in ${tGone - t0} ms; at most ${peak} sandboxes seen; the 4 extra sets gone ${goneMs} ms after (setIdleMs 3 s); the default set stayed warm`,
        ok,
      );
      assert.ok(ok, JSON.stringify({ shapes: shapes.map(fmt), gone, peak, def, onEngine }));
    } finally {
      await small.stop();
    }
  });
});

describe('faults: a stopped daemon during the handshake', function () {
  this.timeout(60_000);

  it('SIGSTOP: the client says so within the timeout, and recovers after SIGCONT', async () => {
    const d = await startDaemon({ profiles: { python: { minSize: 0 }, node: { minSize: 0 }, shell: { minSize: 0 } } });
    const pid = d.client.hello.pid;
    process.kill(pid, 'SIGSTOP');
    let outcome: string;
    const t0 = Date.now();
    try {
      outcome = await Promise.race([
        DaemonClient.connect({ client: 'test', env: d.env, spawn: false }).then((c) => (c.close(), 'connected?!'), (e: Error) => `error: ${e.message}`),
        new Promise<string>((r) => setTimeout(() => r('still waiting after 20 s'), 20_000)),
      ]);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    const ms = Date.now() - t0;
    const again = await d.connect('after');
    const ok = /did not answer within 5 s/.test(outcome) && ms < 7000 && again.hello.pid === pid;
    record('stopped daemon (SIGSTOP) at the handshake', `${outcome.slice(0, 160)} — after ${ms} ms; after SIGCONT the same daemon answered`, ok);
    again.close();
    await d.stop();
    assert.ok(ok, `${outcome} after ${ms} ms`);
  });
});

describe('faults: a hung engine', function () {
  this.timeout(120_000);

  it('engine calls held 15 s: maintenance goes on and says so, runs get a clear error, the pool recovers', async () => {
    const proxy = await startEngineProxy();
    const d = await startDaemon(
      { queueTimeoutMs: 4000, profiles: { python: { minSize: 0 }, node: { minSize: 0 }, shell: { minSize: 1, maxSize: 2 } } },
      { DOCKER_HOST: `unix://${proxy.socketPath}` },
    );
    try {
      await waitUntil(async () => profileStats(await stats(d.client), 'shell').idle === 1, 20_000);
      proxy.hold();
      const tHold = Date.now();
      // The armed sandbox still serves (its stream is open); the refill behind it hangs at the engine.
      const first = await runToEnd(d.client, { profile: 'shell', code: 'echo served' });
      let noticed: PoolStats['docker'] | undefined;
      const seen = await waitUntil(async () => {
        const s = await stats(d.client);
        if (!s.docker.reachable && s.docker.error) noticed = s.docker;
        return !!noticed;
      }, 12_000, 100);
      const noticedMs = Date.now() - tHold;
      const t1 = Date.now();
      const second = await runToEnd(d.client, { profile: 'shell', code: 'echo never' });
      const secondMs = Date.now() - t1;
      await waitUntil(() => Date.now() - tHold >= 15_000, 20_000, 100);
      proxy.release();
      const tBack = Date.now();
      const back = await waitUntil(async () => {
        const s = await stats(d.client);
        return s.docker.reachable && profileStats(s, 'shell').idle >= 1;
      }, 20_000, 100);
      const backMs = Date.now() - tBack;
      const third = await runToEnd(d.client, { profile: 'shell', code: 'echo back' });
      const ok =
        first.stdout.toString() === 'served\n' &&
        !!seen &&
        noticedMs < 9000 &&
        /did not answer/.test(noticed?.error ?? '') &&
        second.result.outcome === 'infra-error' &&
        /did not answer|not reachable|became ready/.test(second.result.message ?? '') &&
        !!back &&
        third.stdout.toString() === 'back\n';
      record(
        'hung engine (all new calls held 15 s)',
        `noticed after ${noticedMs} ms: "${noticed?.error ?? 'never'}"; a run needing a new sandbox ended in ${secondMs} ms: ${second.result.outcome} "${second.result.message}"; ` +
          `${proxy.held} calls held; after release the pool was back in ${backMs} ms and served`,
        ok,
      );
      assert.ok(ok, JSON.stringify({ noticed, noticedMs, second: second.result, back, third: third.result }));
    } finally {
      proxy.release();
      await d.stop();
      await proxy.close();
    }
    await waitUntil(() => engineContainers(d.scope).length === 0, 10_000, 200);
    assert.deepEqual(engineContainers(d.scope), [], 'containers left behind');
  });
});
