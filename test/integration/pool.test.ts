// Pool behaviour against a real engine: refill, queueing, capacity, replacement of what dies, health at warm-up.
import { strict as assert } from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { IMAGE_VERSION } from '../../daemon/profiles';
import { ContainerInfo, Methods } from '../../daemon/protocol';
import { engineContainers, profileStats, runToEnd, startDaemon, stats, TestDaemon, waitUntil } from '../helpers/daemon';

const SHELL_IMAGE = `warmbox/shell:${IMAGE_VERSION}`;
const docker = (...args: string[]) => execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

describe('warm pool (real engine)', function () {
  this.timeout(90_000);
  let d: TestDaemon;

  before(async () => {
    d = await startDaemon({
      queueTimeoutMs: 20_000,
      profiles: { python: { minSize: 2, maxSize: 4 }, node: { minSize: 0, maxSize: 1 }, shell: { minSize: 2, maxSize: 2 } },
    });
    assert.ok(await waitUntil(async () => profileStats(await stats(d.client), 'python').idle === 2, 20_000), 'python pool never reached minSize');
  });
  after(async () => {
    await d.stop();
    assert.deepEqual(engineContainers(d.scope), []);
  });

  it('pre-warms minSize per profile, labelled and hardened', async () => {
    const list = await d.client.request(Methods.containersList);
    const py = list.filter((c) => c.profile === 'python' && c.state === 'idle');
    assert.equal(py.length, 2);
    const inspect = JSON.parse(docker('inspect', py[0].id))[0];
    assert.equal(inspect.Config.Labels['dev.warmbox.managed'], 'true');
    assert.equal(inspect.Config.Labels['dev.warmbox.profile'], 'python');
    // PID 1 is root with four capabilities; the program is dropped to its own uid with none (security suite).
    assert.equal(inspect.Config.User, '0:0');
    assert.deepEqual(inspect.HostConfig.CapAdd.map((c: string) => c.replace(/^CAP_/, '')).sort(), ['CHOWN', 'KILL', 'SETGID', 'SETUID']);
    assert.equal(inspect.HostConfig.LogConfig.Type, 'none');
    assert.equal(inspect.HostConfig.NetworkMode, 'none');
    assert.equal(inspect.HostConfig.ReadonlyRootfs, true);
    assert.deepEqual(inspect.HostConfig.CapDrop, ['ALL']);
    assert.ok(inspect.HostConfig.SecurityOpt.some((s: string) => s.startsWith('no-new-privileges')));
    assert.ok(inspect.HostConfig.PidsLimit > 0);
    assert.equal(inspect.HostConfig.Memory, inspect.HostConfig.MemorySwap, 'no swap beyond the memory limit');
    assert.ok(inspect.HostConfig.NanoCpus > 0);
    assert.equal(inspect.HostConfig.AutoRemove, true);
  });

  it('serves a run from a warm container and refills to minSize afterwards', async () => {
    const before = (await d.client.request(Methods.containersList)).filter((c) => c.profile === 'python').map((c) => c.id);
    const r = await runToEnd(d.client, { profile: 'python', code: 'print("warm")' });
    assert.equal(r.result.warm, true);
    assert.ok(before.includes(r.result.containerId!), 'the run should use a pre-warmed container');
    for (let i = 0; i < 3; i++) await runToEnd(d.client, { profile: 'python', code: 'print(1)' });
    assert.ok(await waitUntil(async () => profileStats(await stats(d.client), 'python').idle === 2, 15_000), 'pool did not refill to minSize');
    const after = (await d.client.request(Methods.containersList)).filter((c) => c.profile === 'python' && c.state === 'idle');
    assert.ok(!after.some((c) => c.id === r.result.containerId), 'a used container came back in fresh mode');
  });

  it('queues runs when all sandboxes are busy and serves them in turn', async () => {
    let done = false;
    const runs = Promise.all([1, 2, 3].map((i) => runToEnd(d.client, { profile: 'shell', code: `sleep 1; echo run${i}` }))).finally(() => (done = true));
    // Until the runs end: a waiting run must show up in the stats before then.
    const sawWaiting = await waitUntil(async () => done || profileStats(await stats(d.client), 'shell').waiting > 0, 10_000, 20).then(() => !done);
    const results = await runs;
    assert.ok(sawWaiting, 'the third run should have waited in the queue');
    results.forEach((r, i) => assert.equal(r.stdout.toString(), `run${i + 1}\n`));
    assert.equal(profileStats(await stats(d.client), 'shell').busy, 0);
  });

  it('notices a container killed, paused or removed from outside and replaces it', async () => {
    await waitUntil(async () => profileStats(await stats(d.client), 'shell').idle === 2, 15_000);
    const idle = (await d.client.request(Methods.containersList)).filter((c) => c.profile === 'shell' && c.state === 'idle');
    assert.equal(idle.length, 2);
    const replacedBefore = profileStats(await stats(d.client), 'shell').replaced;
    docker('kill', idle[0].id);
    docker('pause', idle[1].id);
    assert.ok(
      await waitUntil(async () => profileStats(await stats(d.client), 'shell').replaced >= replacedBefore + 2, 10_000),
      'the pool did not notice both containers',
    );
    assert.ok(await waitUntil(async () => profileStats(await stats(d.client), 'shell').idle === 2, 15_000), 'the pool did not refill');
    const now = (await d.client.request(Methods.containersList)).map((c) => c.id);
    assert.ok(!now.includes(idle[0].id) && !now.includes(idle[1].id));
    const r = await runToEnd(d.client, { profile: 'shell', code: 'echo fine' });
    assert.equal(r.stdout.toString(), 'fine\n');
  });

  it('ends a run whose container is removed mid-run with infra-error', async () => {
    // Removed once the program runs (it has printed), not after a guessed delay.
    let printed!: () => void;
    const up = new Promise<void>((res) => (printed = res));
    let containerId = '';
    const h = await d.client.run({ profile: 'python', code: 'import time\nprint("up", flush=True)\ntime.sleep(30)' }, {
      onStarted: (n) => (containerId = n.containerId),
      onOutput: (_s, data) => data.toString().includes('up') && printed(),
    });
    await Promise.race([up, h.result]);
    docker('rm', '-f', containerId);
    const r = { result: await h.result };
    assert.equal(r.result.outcome, 'infra-error');
    assert.equal(r.result.infraReason, 'container-lost');
    assert.match(r.result.message ?? '', /sandbox ended before the program/);
  });

  it('recycles and removes containers on request', async () => {
    await waitUntil(async () => profileStats(await stats(d.client), 'python').idle === 2, 15_000);
    const [a, b] = (await d.client.request(Methods.containersList)).filter((c) => c.profile === 'python' && c.state === 'idle');
    await d.client.request(Methods.containersRecycle, { id: a.shortId });
    await d.client.request(Methods.containersRemove, { id: b.id });
    assert.ok(await waitUntil(() => !engineContainers(d.scope).includes(a.id) && !engineContainers(d.scope).includes(b.id), 5000));
    assert.ok(await waitUntil(async () => profileStats(await stats(d.client), 'python').idle === 2, 15_000));
    await assert.rejects(d.client.request(Methods.containersRemove, { id: 'abcdef123456' }), /no warmbox container/);
  });

  it('pushes pool changes to subscribed clients', async () => {
    const c2 = await d.connect('subscriber');
    const seen: unknown[] = [];
    c2.on('notification', (m: string, p: unknown) => m === 'pool/changed' && seen.push(p));
    await c2.request(Methods.poolSubscribe, {});
    await runToEnd(d.client, { profile: 'python', code: 'print(1)' });
    assert.ok(await waitUntil(() => seen.length > 0, 5000), 'no pool/changed notification');
    c2.close();
  });
});

describe('pool limits (real engine)', function () {
  this.timeout(60_000);

  it('at the cap over all sets (maxSandboxes), the set used longest ago gives way first; the one used since keeps its sandbox', async () => {
    // Three sets of one sandbox each fill the cap: shell's default and two more shapes (as a project's environment
    // makes one more set). A fourth shape's run takes the sandbox of the set used longest ago.
    const d = await startDaemon({ maxSandboxes: 3, setIdleMs: 600_000, profiles: { python: { minSize: 0 }, node: { minSize: 0 }, shell: { minSize: 1, maxSize: 2 } } });
    try {
      const set = (memoryMb: number) => `shell:memoryMb=${memoryMb}`;
      const idleIn = async (name: string) => (await d.client.request(Methods.containersList)).filter((c) => c.pool === name && c.state === 'idle').map((c) => c.id);
      const use = async (memoryMb: number) => {
        const r = await runToEnd(d.client, { profile: 'shell', code: 'echo ok', settings: { memoryMb } });
        assert.equal(r.stdout.toString(), 'ok\n', r.result.message);
        assert.ok(await waitUntil(async () => (await idleIn(set(memoryMb))).length === 1, 20_000), `${set(memoryMb)} did not warm its one sandbox again`);
      };
      assert.ok(await waitUntil(async () => (await idleIn('shell')).length === 1, 20_000), 'the default shell set never warmed');
      await use(100); // used first: the oldest
      await use(120);
      const kept = await idleIn(set(120));
      assert.equal((await stats(d.client)).sandboxes, 3);
      await use(140);
      assert.ok(await waitUntil(async () => (await idleIn(set(140))).length === 1, 20_000));
      const s = await stats(d.client);
      assert.ok(s.sandboxes <= 3, `${s.sandboxes} sandboxes over the cap of 3`);
      assert.deepEqual(await idleIn(set(100)), [], 'the set used longest ago kept its sandbox');
      assert.deepEqual(await idleIn(set(120)), kept, 'the set used since lost its sandbox');
      assert.equal((await idleIn('shell')).length, 1, 'the default set lost its sandbox');
    } finally {
      await d.stop();
    }
    assert.deepEqual(engineContainers(d.scope), []);
  });

  it('fails a waiter with pool-capacity when the queue timeout passes', async () => {
    const d = await startDaemon({ queueTimeoutMs: 1000, profiles: { python: { minSize: 0, maxSize: 1 }, node: { minSize: 0 }, shell: { minSize: 1, maxSize: 1 } } });
    try {
      const long = runToEnd(d.client, { profile: 'shell', code: 'sleep 4; echo long' });
      assert.ok(await waitUntil(async () => profileStats(await stats(d.client), 'shell').busy === 1, 10_000), 'the long run never took the sandbox');
      const r = await runToEnd(d.client, { profile: 'shell', code: 'echo never' });
      assert.equal(r.result.outcome, 'infra-error');
      assert.equal(r.result.infraReason, 'pool-capacity');
      assert.match(r.result.message ?? '', /pool at capacity: all 1 shell sandboxes stayed busy for 1 s/);
      assert.equal((await long).stdout.toString(), 'long\n');
    } finally {
      await d.stop();
    }
    assert.deepEqual(engineContainers(d.scope), []);
  });

  it('a set whose sandboxes end on their own before any run (an interpreter that speaks as it starts) backs off; a run still gets one at once', async () => {
    // python3 -v, pre-started: its import trace comes on stderr after WBREADY, outside a run, which ends the sandbox.
    const d = await startDaemon({
      profiles: {
        python: { minSize: 0 },
        node: { minSize: 0 },
        shell: { minSize: 0 },
        chatty: { image: `warmbox/python:${IMAGE_VERSION}`, command: ['python3', '-v', '{file}'], prestart: true, fileName: 'main.py', health: ['python3', '-c', 'print("HEALTH_OK")'], minSize: 1, maxSize: 2 },
      },
    });
    try {
      const replaced = async () => profileStats(await stats(d.client), 'chatty').replaced;
      assert.ok(await waitUntil(async () => (await replaced()) >= 3, 30_000), 'the chatty sandboxes did not end on their own');
      const t3 = Date.now();
      assert.ok(await waitUntil(async () => (await replaced()) >= 5, 40_000), 'no more replacements');
      // Without the back-off the next two came within about a second; with it, after 2 s and then 4 s more.
      const gap = Date.now() - t3;
      assert.ok(gap >= 5000, `two more sandboxes ended ${gap} ms after the third: no back-off`);
      // Backing off keeps minSize, not a run waiting: it gets a sandbox at once (Python's trace is its own stderr).
      const r = await runToEnd(d.client, { profile: 'chatty', code: 'print("hi")\n' });
      assert.equal(r.result.outcome, 'exited');
      assert.equal(r.stdout.toString(), 'hi\n');
    } finally {
      await d.stop();
    }
    assert.deepEqual(engineContainers(d.scope), []);
  });

  it('refuses a profile whose interpreter does not start, saying why', async () => {
    const d = await startDaemon({
      profiles: {
        python: { minSize: 0 },
        node: { minSize: 0 },
        shell: { minSize: 0 },
        broken: { image: SHELL_IMAGE, command: ['python3', '{file}'], health: ['python3', '-c', 'print("HEALTH_OK")'], minSize: 0, maxSize: 1 },
      },
    });
    try {
      const r = await runToEnd(d.client, { profile: 'broken', code: 'print(1)' });
      assert.equal(r.result.outcome, 'infra-error');
      assert.match(r.result.message ?? '', new RegExp(`broken interpreter did not start in ${SHELL_IMAGE}`));
    } finally {
      await d.stop();
    }
    assert.deepEqual(engineContainers(d.scope), []);
  });

  it("refuses an image without warmbox's runtime, saying how to add it (never a weaker sandbox)", async () => {
    // A busybox image as a user might bring it: a shell, but no /opt/warmbox.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wb-noruntime-'));
    fs.mkdirSync(path.join(dir, 'bin'));
    fs.copyFileSync(execFileSync('sh', ['-c', 'command -v busybox'], { encoding: 'utf8' }).trim(), path.join(dir, 'bin/sh'));
    fs.chmodSync(path.join(dir, 'bin/sh'), 0o755);
    execFileSync('sh', ['-c', `tar -C ${dir} -c . | docker import - warmbox-test/noruntime:1`], { stdio: 'ignore' });
    fs.rmSync(dir, { recursive: true, force: true });
    const d = await startDaemon({
      profiles: { python: { minSize: 0 }, node: { minSize: 0 }, shell: { minSize: 0 }, custom: { image: 'warmbox-test/noruntime:1', command: ['sh', '{file}'], minSize: 0, maxSize: 1 } },
    });
    try {
      const r = await runToEnd(d.client, { profile: 'custom', code: 'echo hi' });
      assert.equal(r.result.outcome, 'infra-error');
      assert.equal(r.result.infraReason, 'image-unsupported');
      assert.match(r.result.message ?? '', /lacks warmbox's sandbox runtime.*COPY --from=warmbox\/shell:2/);
    } finally {
      await d.stop();
      docker('rmi', 'warmbox-test/noruntime:1');
    }
    assert.deepEqual(engineContainers(d.scope), []);
  });
});
