// The client without an engine: its handshake against a socket that accepts but never answers (a stopped or hung
// daemon), the early connection against stand-in daemons of this and another protocol, and held run handlers.
import { strict as assert } from 'assert';
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { ConnectOptions, DaemonClient, DaemonTimeoutError, DaemonUnavailableError, holdHandlers } from '../../daemon/client';
import { PROTOCOL_VERSION } from '../../daemon/protocol';
import { runtimePaths } from '../../daemon/socketPath';

describe('client handshake', () => {
  it('names a daemon that accepts the connection but does not answer, within the timeout', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wbsilent-'));
    const env = { ...process.env, WARMBOX_RUNTIME_DIR: dir };
    const { socket } = runtimePaths(env);
    let gone!: Promise<void>;
    // Reads (and ignores) what comes, like a process that is stopped after accepting: only the close is watched.
    const server = net.createServer((s) => (gone = new Promise((r) => s.resume().once('close', () => r()))));
    await new Promise<void>((r) => server.listen(socket, () => r()));
    try {
      const t0 = Date.now();
      const err = await DaemonClient.connect({ client: 'test', env, spawn: false, helloTimeoutMs: 300 }).then(
        () => null,
        (e: Error) => e,
      );
      const ms = Date.now() - t0;
      assert.ok(err instanceof DaemonTimeoutError, String(err));
      assert.match(err.message, /accepted the connection on .* but did not answer within 0\.3 s: it may be stopped or hung/);
      assert.ok(ms < 2000, `took ${ms} ms`);
      await gone; // the connection it gave up on is closed, not left open
    } finally {
      server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

/**
 * A stand-in daemon speaking protocol `version` on `socket` (no engine: only the handshake and the run's messages
 * matter here). It answers a run with `tag` on stdout and exit status 0, and stops (socket removed) on shutdown.
 * Every method it receives is appended to `socket.<tag>.methods`. Given as a script, so that connect() can spawn it.
 */
const FAKE_DAEMON = `
const net = require('net'), fs = require('fs');
const [socket, version, tag] = process.argv.slice(2);
const server = net.createServer((s) => {
  let buf = '';
  s.on('error', () => {});
  s.on('data', (d) => {
    buf += d;
    let nl;
    while ((nl = buf.indexOf('\\n')) >= 0) {
      const m = JSON.parse(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
      fs.appendFileSync(socket + '.' + tag + '.methods', m.method + '\\n');
      const send = (o) => s.write(JSON.stringify({ jsonrpc: '2.0', ...o }) + '\\n');
      const reply = (result) => send({ id: m.id, result });
      if (m.method === 'daemon/hello') reply({ daemonVersion: tag, protocolVersion: Number(version), pid: process.pid, instanceId: tag, socketPath: socket, logPath: '', startedAt: Date.now(), boundInMs: 1 });
      else if (m.method === 'run/start') {
        const runId = m.params.runId;
        reply({ runId });
        send({ method: 'run/output', params: { runId, stream: 'stdout', data: Buffer.from(tag + '\\n').toString('base64') } });
        send({ method: 'run/exit', params: { result: { runId, outcome: 'exited', exitCode: 0 } } });
      } else if (m.method === 'run/cancel') reply({ ok: true });
      else if (m.method === 'daemon/shutdown') {
        reply({ ok: true });
        server.close();
        fs.rmSync(socket, { force: true });
        s.end();
        setTimeout(() => process.exit(0), 50);
      }
    }
  });
});
server.listen(socket);
`;

describe('early connection (the CLI: hello and run/start in one round trip)', function () {
  this.timeout(20_000);
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let socket: string;
  const children: ChildProcess[] = [];
  /** Stand-ins that connect() spawned (detached): stopped by pid after each test. */
  const spawnedPids: number[] = [];
  const methods = (tag: string) => (fs.existsSync(`${socket}.${tag}.methods`) ? fs.readFileSync(`${socket}.${tag}.methods`, 'utf8').trim().split('\n') : []);
  const fake = async (version: number, tag: string) => {
    const file = path.join(dir, 'fake-daemon.js');
    fs.writeFileSync(file, FAKE_DAEMON);
    const c = spawn(process.execPath, [file, socket, String(version), tag], { stdio: 'ignore' });
    children.push(c);
    while (!fs.existsSync(socket)) await new Promise((r) => setTimeout(r, 10));
  };
  /** Starts a run through DaemonClient.early and collects what reaches the caller; a spawned daemon is the current protocol's stand-in. */
  const runEarly = async (opts: Partial<ConnectOptions> = {}) => {
    const newDaemon = path.join(dir, 'new-daemon.js');
    fs.writeFileSync(newDaemon, `process.argv.splice(2, 0, ${JSON.stringify(socket)}, '${PROTOCOL_VERSION}', 'new');\n${FAKE_DAEMON}`);
    // As the CLI does: the run is written at once, into the socket that is still connecting, behind the hello.
    const conn = DaemonClient.early({ client: 'test', env, daemonPath: newDaemon, ...opts });
    const out: string[] = [];
    const handle = await conn.run({ code: 'x', fileName: 'x.py' }, { onOutput: (_s, d) => out.push(d.toString()) });
    const result = await handle.result;
    conn.client.close();
    if (conn.client.hello.daemonVersion === 'new') spawnedPids.push(conn.client.hello.pid);
    return { out: out.join(''), result, hello: conn.client.hello };
  };

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wbearly-'));
    env = { ...process.env, WARMBOX_RUNTIME_DIR: dir };
    socket = runtimePaths(env).socket;
  });
  afterEach(() => {
    for (const c of children.splice(0)) if (c.exitCode === null) c.kill();
    for (const pid of spawnedPids.splice(0)) process.kill(pid);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('sends the hello and the run together to a daemon of our protocol', async () => {
    await fake(PROTOCOL_VERSION, 'same');
    const r = await runEarly();
    assert.equal(r.out, 'same\n');
    assert.equal(r.result.exitCode, 0);
    assert.equal(r.hello.daemonVersion, 'same');
    assert.deepEqual(methods('same'), ['daemon/hello', 'run/start']);
  });

  it('a daemon of another protocol: its run is cancelled and its output dropped; the replacement runs the program', async () => {
    await fake(PROTOCOL_VERSION - 1, 'old');
    const r = await runEarly();
    assert.equal(r.out, 'new\n', 'only the replacement daemon\'s output reaches the caller');
    assert.equal(r.hello.daemonVersion, 'new');
    assert.deepEqual(methods('old').slice(0, 3), ['daemon/hello', 'run/start', 'run/cancel']);
    assert.ok(methods('old').includes('daemon/shutdown'), 'the old daemon was asked to step down');
    assert.deepEqual(methods('new'), ['daemon/hello', 'run/start']);
  });

  it('no daemon listening: connects as usual, which spawns one', async () => {
    const r = await runEarly();
    assert.equal(r.out, 'new\n');
    assert.deepEqual(methods('new'), ['daemon/hello', 'run/start']);
  });

  it('no daemon and spawn: false: says it is not running', async () => {
    const err = await runEarly({ spawn: false }).then(() => null, (e: Error) => e);
    assert.ok(err instanceof DaemonUnavailableError, String(err));
    assert.match(err.message, /warmboxd is not running/);
  });
});

describe('holdHandlers (a pipelined run before the hello is checked)', () => {
  it('holds calls until release, then replays them in order and passes later ones through', () => {
    const seen: string[] = [];
    const h = holdHandlers({
      onNotice: (m) => seen.push(`notice ${m}`),
      onStarted: () => seen.push('started'),
      onOutput: (s, d) => seen.push(`${s} ${d.toString()}`),
    });
    h.handlers.onNotice?.('waiting');
    h.handlers.onStarted?.({ runId: 'r' } as never);
    h.handlers.onOutput?.('stdout', Buffer.from('a'));
    assert.deepEqual(seen, []);
    h.release();
    assert.deepEqual(seen, ['notice waiting', 'started', 'stdout a']);
    h.handlers.onOutput?.('stderr', Buffer.from('b'));
    assert.deepEqual(seen, ['notice waiting', 'started', 'stdout a', 'stderr b']);
  });

  it('drops what was held and everything after drop', () => {
    const seen: string[] = [];
    const h = holdHandlers({ onOutput: (s, d) => seen.push(`${s} ${d.toString()}`) });
    h.handlers.onOutput?.('stdout', Buffer.from('from another daemon'));
    h.drop();
    h.handlers.onOutput?.('stdout', Buffer.from('late'));
    h.release();
    assert.deepEqual(seen, []);
  });

  it('passes through handlers the caller did not give without failing', () => {
    const h = holdHandlers({});
    h.handlers.onOutput?.('stdout', Buffer.from('x'));
    h.release();
  });
});
