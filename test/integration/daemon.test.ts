// The daemon's life on a real engine: single instance, crash safety, orphan reaping, bad input, fallbacks, errors.
import { strict as assert } from 'assert';
import { IMAGE_VERSION } from '../../daemon/profiles';
import { execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { DaemonClient } from '../../daemon/client';
import { ErrorCodes, Methods, PROTOCOL_VERSION } from '../../daemon/protocol';
import { runtimePaths } from '../../daemon/socketPath';
import { DAEMON, engineContainers, pidAlive, profileStats, runToEnd, sleep, startDaemon, stats, waitUntil } from '../helpers/daemon';

const SMALL = { profiles: { python: { minSize: 1, maxSize: 3 }, node: { minSize: 0, maxSize: 1 }, shell: { minSize: 1, maxSize: 3 } } };

/** Sends raw lines on the socket and collects the JSON lines that come back. */
async function rawExchange(socketPath: string, lines: string[], expect: number): Promise<Record<string, unknown>[]> {
  const s = net.connect(socketPath);
  await new Promise((r) => s.once('connect', r));
  const got: Record<string, unknown>[] = [];
  let buf = '';
  s.on('data', (d) => {
    buf += d.toString();
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      got.push(JSON.parse(buf.slice(0, nl)));
      buf = buf.slice(nl + 1);
    }
  });
  for (const l of lines) s.write(l + '\n');
  await waitUntil(() => got.length >= expect, 10_000);
  s.destroy();
  return got;
}

describe('daemon (real engine)', function () {
  this.timeout(90_000);

  it('binds early, answers the handshake with its versions', async () => {
    const d = await startDaemon(SMALL);
    try {
      assert.equal(d.client.hello.protocolVersion, PROTOCOL_VERSION);
      assert.ok(d.client.spawned);
      assert.ok(d.client.hello.boundInMs > 0 && d.client.hello.boundInMs < 5000);
      const log = fs.readFileSync(d.client.hello.logPath, 'utf8');
      assert.match(log, /bound socket in \d+ ms/);
      const mode = fs.statSync(path.dirname(d.client.hello.socketPath)).mode & 0o777;
      assert.equal(mode, 0o700, 'the socket folder must be private to its user');
      assert.equal(fs.statSync(d.client.hello.socketPath).mode & 0o077, 0);
    } finally {
      await d.stop();
    }
  });

  it('a second daemon started on the same socket exits and leaves the first serving', async () => {
    const d = await startDaemon(SMALL);
    try {
      await waitUntil(async () => profileStats(await stats(d.client), 'shell').idle === 1, 15_000);
      const before = engineContainers(d.scope).sort();
      const second = spawn(process.execPath, [DAEMON], { env: d.env, stdio: 'ignore' });
      const code = await new Promise<number | null>((r) => second.once('exit', r));
      assert.equal(code, 0);
      const again = await d.connect('again');
      assert.equal(again.hello.instanceId, d.client.hello.instanceId);
      again.close();
      assert.deepEqual(engineContainers(d.scope).sort(), before, 'the second daemon touched the first one\'s containers');
      const r = await runToEnd(d.client, { profile: 'shell', code: 'echo still-serving' });
      assert.equal(r.stdout.toString(), 'still-serving\n');
    } finally {
      await d.stop();
    }
  });

  it('SIGKILL with runs in flight and idle sandboxes leaves no container within 10 s', async () => {
    const d = await startDaemon(SMALL);
    await waitUntil(async () => profileStats(await stats(d.client), 'python').idle === 1, 15_000);
    // One run sleeps with its stdin closed, one reads stdin forever; idle ones wait armed.
    const h1 = await d.client.run({ profile: 'python', code: 'import os, time\nos.close(0)\nprint("x", flush=True)\ntime.sleep(600)' });
    const h2 = await d.client.run({ profile: 'shell', code: 'cat', stdinOpen: true });
    await waitUntil(async () => (await stats(d.client)).activeRuns === 2 && profileStats(await stats(d.client), 'python').busy === 1, 10_000);
    assert.ok(await waitUntil(() => engineContainers(d.scope).length >= 3, 10_000), 'expected busy and idle sandboxes');
    const pid = d.client.hello.pid;
    process.kill(pid, 'SIGKILL');
    await assert.rejects(h1.result, /went away/);
    await assert.rejects(h2.result, /went away/);
    const gone = await waitUntil(() => engineContainers(d.scope).length === 0, 10_000, 200);
    assert.ok(gone, `containers left 10 s after SIGKILL: ${engineContainers(d.scope).join(', ')}`);
    assert.ok(!pidAlive(pid));
    // The next client start replaces the stale socket and serves at once.
    const c = await d.connect('after-crash');
    assert.notEqual(c.hello.pid, pid);
    const r = await runToEnd(c, { profile: 'shell', code: 'echo back' });
    assert.equal(r.stdout.toString(), 'back\n');
    d.client = c;
    await d.stop();
    assert.deepEqual(engineContainers(d.scope), []);
  });

  it('a watchdog removes containers a SIGKILLed daemon was still creating (never started)', async () => {
    const d = await startDaemon({ profiles: { python: { minSize: 0 }, node: { minSize: 0 }, shell: { minSize: 0 } } });
    const instance = d.client.hello.instanceId;
    // As if a create had landed at Docker just after the daemon died: a container that was never started.
    const created = execFileSync('docker', ['create', '--label', 'dev.warmbox.managed=true', '--label', `dev.warmbox.scope=${d.scope}`, '--label', `dev.warmbox.instance=${instance}`, `warmbox/shell:${IMAGE_VERSION}`, 'sleep', '600'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const pid = d.client.hello.pid;
    process.kill(pid, 'SIGKILL');
    // The watchdog waits 3 s for creates in flight, then sweeps: on a loaded 2-core machine that can take a while.
    const gone = await waitUntil(() => !engineContainers(d.scope).includes(created), 30_000, 200);
    assert.ok(gone, 'the never-started container outlived its daemon');
    assert.match(fs.readFileSync(runtimePaths(d.env).log, 'utf8'), /watchdog: daemon [0-9a-f]+ died without shutting down; removed 1 container/);
    await d.stop();
  });

  it('reaps containers of an earlier daemon of the same socket on start, and no others', async () => {
    const d0 = await startDaemon(SMALL);
    await d0.stop();
    const scope = d0.scope;
    const mk = (s: string, instance: string) =>
      execFileSync('docker', ['create', '--label', 'dev.warmbox.managed=true', '--label', `dev.warmbox.scope=${s}`, '--label', `dev.warmbox.instance=${instance}`, `warmbox/shell:${IMAGE_VERSION}`, 'sleep', '600'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const orphan = mk(scope, 'deadbeef0000');
    const foreign = mk('someone-else', 'deadbeef0001');
    try {
      const c = await DaemonClient.connect({ client: 'test', env: d0.env, daemonPath: DAEMON });
      await waitUntil(() => !engineContainers(scope).includes(orphan), 10_000);
      assert.ok(!engineContainers(scope).includes(orphan), 'the orphan was not reaped');
      assert.deepEqual(engineContainers('someone-else'), [foreign], 'another scope\'s container was touched');
      d0.client = c;
      await d0.stop();
    } finally {
      execFileSync('docker', ['rm', '-f', foreign]);
    }
  });

  it('answers malformed JSON-RPC with errors and keeps serving', async () => {
    const d = await startDaemon(SMALL);
    try {
      const sock = runtimePaths(d.env).socket;
      const got = await rawExchange(
        sock,
        [
          '{this is not json',
          '{"jsonrpc":"2.0","id":1,"method":"no/such"}',
          '{"jsonrpc":"2.0","id":2,"method":"run/start","params":{"profile":"python","code":5}}',
          '{"jsonrpc":"2.0","id":3,"method":"run/start","params":{"profile":"cobol","code":"x"}}',
          '{"jsonrpc":"2.0","id":4,"method":"run/start","params":[1,2]}',
          '[]',
          '{"jsonrpc":"2.0","id":5,"method":"run/stdin","params":{"runId":"nope","data":"aGk="}}',
          '{"jsonrpc":"2.0","id":6,"method":"pool/stats"}',
        ],
        8,
      );
      const byId = (id: unknown) => got.find((m) => m.id === id) as { error?: { code: number; message: string }; result?: unknown };
      assert.ok(got.some((m) => m.id === null && (m.error as { code: number }).code === ErrorCodes.ParseError));
      assert.equal(byId(1).error?.code, ErrorCodes.MethodNotFound);
      assert.equal(byId(2).error?.code, ErrorCodes.InvalidParams);
      assert.match(byId(2).error!.message, /code must be a string/);
      assert.equal(byId(3).error?.code, ErrorCodes.UnknownProfile);
      assert.match(byId(3).error!.message, /unknown profile "cobol" \(known: python, node, shell, typescript, c, cpp, go, rust, java, ruby, php, perl, lua\)/);
      assert.equal(byId(4).error?.code, ErrorCodes.InvalidParams);
      assert.equal(byId(5).error?.code, ErrorCodes.UnknownRun);
      assert.ok(byId(6).result);
      // A line past the size limit is answered with the reason, then that connection is closed; others carry on.
      const big = net.connect(sock);
      await new Promise((r) => big.once('connect', r));
      const closed = new Promise((r) => big.once('close', r));
      big.on('error', () => undefined);
      let answer = '';
      big.on('data', (b: Buffer) => (answer += b.toString()));
      const chunk = Buffer.alloc(1024 * 1024, 0x61);
      for (let i = 0; i < 40 && !big.destroyed; i++) big.write(chunk);
      await closed;
      assert.equal(JSON.parse(answer.split('\n')[0]).error.code, ErrorCodes.MessageTooLarge);
      const r = await runToEnd(d.client, { profile: 'python', code: 'print("ok")' });
      assert.equal(r.stdout.toString(), 'ok\n');
    } finally {
      await d.stop();
    }
  });

  it('logs a refused request as one line, never as an unexpected error with a stack', async () => {
    const d = await startDaemon(SMALL);
    try {
      const got = await rawExchange(
        runtimePaths(d.env).socket,
        [
          '{"jsonrpc":"2.0","id":1,"method":"run/start","params":{"profile":"python","code":5}}',
          '{"jsonrpc":"2.0","id":2,"method":"run/stdin","params":{"runId":"nope","data":"aGk="}}',
        ],
        2,
      );
      assert.equal(got.length, 2);
      const logPath = d.client.hello.logPath;
      const log = await waitUntil(() => {
        const text = fs.readFileSync(logPath, 'utf8');
        return /run\/stdin refused/.test(text) && text;
      }, 5000);
      assert.ok(log, 'the refusals were not logged');
      const lines = log.split('\n');
      assert.equal(lines.filter((l) => /run\/start refused: code must be a string \(the program text\)$/.test(l)).length, 1, log);
      assert.equal(lines.filter((l) => /run\/stdin refused: no live run nope$/.test(l)).length, 1, log);
      assert.doesNotMatch(log, /unexpected error/i);
      assert.doesNotMatch(log, /^\s+at /m, 'no stack traces for refusals');
    } finally {
      await d.stop();
    }
  });

  it('names the size limit: a program too large is refused before sending, a message too large is answered before closing', async () => {
    const d = await startDaemon(SMALL);
    try {
      const MB = 1024 * 1024;
      // The client checks before sending, and the connection stays usable.
      await assert.rejects(d.client.run({ profile: 'python', code: '#'.repeat(9 * MB) }), /the program is 9 MiB; warmbox runs programs of at most 8 MiB/);
      assert.equal(d.client.isClosed, false);
      // Past the client's check (another client, an old one), the daemon's own reason reaches the caller.
      const c = await d.connect('oversized');
      await assert.rejects(c.request(Methods.runStart, { profile: 'python', code: '#'.repeat(40 * MB) }), /message larger than 32 MiB \(a program may be at most 8 MiB\)/);
      assert.ok(await waitUntil(() => c.isClosed, 5000));
      const r = await runToEnd(d.client, { profile: 'python', code: 'print("ok")' });
      assert.equal(r.stdout.toString(), 'ok\n');
    } finally {
      await d.stop();
    }
  });

  it('cancels the runs of a client that disconnects, and only those', async () => {
    const d = await startDaemon(SMALL);
    try {
      const other = await d.connect('other');
      const h = await other.run({ profile: 'python', code: 'import time\nprint("up", flush=True)\ntime.sleep(60)' });
      await waitUntil(async () => (await stats(d.client)).activeRuns === 1, 10_000);
      other.close();
      assert.ok(await waitUntil(async () => (await stats(d.client)).activeRuns === 0, 5000), 'the run outlived its client');
      void h;
      const r = await runToEnd(d.client, { profile: 'python', code: 'print("mine")' });
      assert.equal(r.stdout.toString(), 'mine\n');
    } finally {
      await d.stop();
    }
  });

  it('falls back to a container per run when pooling is off, with the same results', async () => {
    const d = await startDaemon(SMALL, { WARMBOX_POOL: 'off' });
    try {
      const s = await stats(d.client);
      assert.equal(s.pooling, false);
      assert.equal(engineContainers(d.scope).length, 0, 'nothing is pre-warmed without pooling');
      const r = await runToEnd(d.client, { profile: 'python', code: 'import sys\nprint(sys.stdin.read()[::-1])\nsys.exit(4)', stdin: Buffer.from('abc').toString('base64') });
      assert.equal(r.stdout.toString(), 'cba\n');
      assert.equal(r.result.exitCode, 4);
      assert.equal(r.result.warm, false);
      assert.ok(await waitUntil(() => engineContainers(d.scope).length === 0, 5000), 'the per-run container was not removed');
    } finally {
      await d.stop();
    }
  });

  it('names a missing image and an unreachable Docker', async () => {
    const d = await startDaemon({ ...SMALL, profiles: { ...SMALL.profiles, ghost: { image: 'warmbox/ghost:404', command: ['sh', '{file}'], minSize: 0 } } });
    try {
      const r = await runToEnd(d.client, { profile: 'ghost', code: 'echo' });
      assert.equal(r.result.outcome, 'infra-error');
      assert.equal(r.result.infraReason, 'image-missing');
      assert.match(r.result.message ?? '', /image warmbox\/ghost:404 is missing.*npm run images/);
    } finally {
      await d.stop();
    }
    const u = await startDaemon(SMALL, { DOCKER_HOST: 'unix:///nonexistent/docker.sock' });
    try {
      const r = await runToEnd(u.client, { profile: 'python', code: 'print(1)' });
      assert.equal(r.result.outcome, 'infra-error');
      assert.equal(r.result.infraReason, 'docker-unreachable');
      assert.match(r.result.message ?? '', /Docker is not reachable at \/nonexistent\/docker.sock.*Start it/);
      const s = await stats(u.client);
      assert.equal(s.docker.reachable, false);
    } finally {
      await u.stop();
    }
  });

  it('shuts down on SIGTERM and when idle, removing its containers and socket', async () => {
    const d = await startDaemon(SMALL);
    await waitUntil(async () => profileStats(await stats(d.client), 'python').idle === 1, 15_000);
    const pid = d.client.hello.pid;
    process.kill(pid, 'SIGTERM');
    assert.ok(await waitUntil(() => !pidAlive(pid), 10_000));
    assert.deepEqual(engineContainers(d.scope), []);
    assert.ok(!fs.existsSync(runtimePaths(d.env).socket));

    const idle = await startDaemon(SMALL, { WARMBOX_IDLE_MS: '1500' });
    await waitUntil(async () => profileStats(await stats(idle.client), 'python').idle === 1, 15_000);
    const ipid = idle.client.hello.pid;
    idle.client.close();
    assert.ok(await waitUntil(() => !pidAlive(ipid), 10_000), 'the idle daemon did not exit');
    assert.deepEqual(engineContainers(idle.scope), []);
    assert.match(fs.readFileSync(runtimePaths(idle.env).log, 'utf8'), /idle for 2 s with no clients/);
  });
});
