// Backpressure end to end: a flood of stdin into a program that never reads, and output floods to a client that reads
// slowly, must block the program (or the sender), never grow the daemon or the CLI. Real daemons, the real engine,
// the real CLI. Each scenario records its figure in the fault table.
import { strict as assert } from 'assert';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { Methods, ContainerInfo, RunResult } from '../../daemon/protocol';
import { runtimePaths } from '../../daemon/socketPath';
import { CLI, engineContainers, startDaemon, stopAllDaemons, waitUntil } from '../helpers/daemon';
import { blockedInWrite, childPids, cmdline, containerPid, rssMb } from '../helpers/proc';
import { record } from '../helpers/summary';

const MB = 1024 * 1024;

/** Samples a process's RSS until stopped; keeps the peak. */
function rssPeak(pid: () => number | undefined, everyMs = 50): { peak: () => number; stop: () => number } {
  let peak = 0;
  const sample = () => {
    const p = pid();
    const v = p ? rssMb(p) : NaN;
    if (v > peak) peak = v;
  };
  sample();
  const t = setInterval(sample, everyMs);
  return {
    peak: () => peak,
    stop: () => {
      sample();
      clearInterval(t);
      return peak;
    },
  };
}

after(async function () {
  // This file may run alone: no daemon or container of its own may outlive it.
  this.timeout(60_000);
  const leaked = await stopAllDaemons();
  assert.deepEqual(leaked, [], 'managed containers left on the engine after the backpressure scenarios');
});

describe('faults: backpressure', function () {
  this.timeout(10 * 60_000);

  it('3 GB piped into a program that never reads: the CLI and the daemon stay small, the program still gets its input', async () => {
    const d = await startDaemon({ profiles: { python: { minSize: 1, maxSize: 2 }, node: { minSize: 0 }, shell: { minSize: 0 } } });
    const daemonPid = d.client.hello.pid;
    const f = path.join(d.dir, 'never_reads.py');
    // Never reads for 8 s, then takes 1 MiB: the bytes held back on the way must still arrive, in order.
    fs.writeFileSync(f, 'import sys, time\ntime.sleep(8)\nd = sys.stdin.buffer.read(1 << 20)\nprint(len(d), d.count(0))\n');
    const daemonBase = rssMb(daemonPid);
    const t0 = Date.now();
    const sh = spawn('bash', ['-c', `head -c 3G /dev/zero | exec "${process.execPath}" "${CLI}" run "${f}" --timeout 60`], { env: d.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    sh.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    sh.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const exited = new Promise<number | null>((r) => sh.once('close', (code) => r(code)));
    let cliPid: number | undefined;
    // The CLI once it is node (a forked bash that has not exec'd yet shows the same command line).
    const cli = rssPeak(() => (cliPid ??= childPids(sh.pid!).find((p) => cmdline(p).startsWith(`${process.execPath} ${CLI}`))));
    const daemon = rssPeak(() => daemonPid);
    // The pipeline ends when the program does: the CLI exits and head gets SIGPIPE. The old code could take minutes.
    const code = await Promise.race([exited, waitUntil(() => false, 120_000).then(() => 'hung' as const)]);
    const secs = (Date.now() - t0) / 1000;
    const cliPeak = cli.stop();
    const daemonPeak = daemon.stop();
    if (code === 'hung') sh.kill('SIGKILL');
    const got = stdout.trim() === `${MB} ${MB}`;
    const ok = code === 0 && got && cliPeak < 100 && daemonPeak < 200;
    record(
      'backpressure: 3 GB of stdin, never read',
      `\`head -c 3G /dev/zero | warmbox run\`: CLI peak RSS ${cliPeak.toFixed(0)} MB, daemon ${daemonBase.toFixed(0)} → peak ${daemonPeak.toFixed(0)} MB; ` +
        `the program then read 1 MiB ${got ? 'intact' : `wrongly (${JSON.stringify(stdout.trim().slice(0, 80))})`}; exit ${code} after ${secs.toFixed(1)} s`,
      ok,
    );
    await d.stop();
    assert.ok(ok, `exit ${code}, stdout ${stdout.slice(0, 200)}, stderr ${stderr.slice(0, 500)}, CLI ${cliPeak} MB, daemon ${daemonPeak} MB`);
  });

  it('a client that sends stdin without waiting for answers is not read further: the daemon stays small', async () => {
    const TIMEOUT_MS = 8000;
    const TOTAL = 400 * MB;
    const d = await startDaemon({ profiles: { python: { minSize: 1, maxSize: 2 }, node: { minSize: 0 }, shell: { minSize: 0 } } });
    const daemonPid = d.client.hello.pid;
    const daemonBase = rssMb(daemonPid);
    const sock = net.connect(runtimePaths(d.env).socket);
    await new Promise<void>((r, j) => sock.once('connect', r).once('error', j));
    sock.resume(); // answers and notifications are read as they come
    const send = (id: number, method: string, params: unknown) => sock.write(JSON.stringify({ jsonrpc: '2.0', id, method, params }) + '\n');
    send(1, Methods.runStart, { runId: 'eager', profile: 'python', code: 'import time\ntime.sleep(60)', stdinOpen: true, timeoutMs: TIMEOUT_MS });
    const daemon = rssPeak(() => daemonPid);
    const t0 = Date.now();
    // 1 MiB per request, as fast as our own socket takes them: a well-behaved client would wait for each answer.
    const line = JSON.stringify({ jsonrpc: '2.0', id: 2, method: Methods.runStdin, params: { runId: 'eager', data: Buffer.alloc(MB).toString('base64') } }) + '\n';
    let sent = 0;
    const sending = (async () => {
      while (sent < TOTAL) {
        if (!sock.write(line)) await new Promise((r) => sock.once('drain', r));
        sent += MB;
      }
    })();
    // While the run lives (its timeout ends it), the daemon must not take much more than its 8 MiB of unanswered requests.
    const ended = await waitUntil(async () => (await d.client.request(Methods.poolStats)).activeRuns === 0, 30_000);
    const sentWhileRunning = sent;
    const tEnded = (Date.now() - t0) / 1000;
    await sending;
    const secs = (Date.now() - t0) / 1000;
    const daemonPeak = daemon.stop();
    sock.destroy();
    const ok = daemonPeak < 200 && sentWhileRunning < 64 * MB && !!ended;
    record(
      'backpressure: a client that does not wait for stdin answers',
      `${TOTAL / MB} × 1 MiB run/stdin sent without waiting to a program that never reads: ${(sentWhileRunning / MB).toFixed(0)} MiB got out ` +
        `until the run's ${TIMEOUT_MS / 1000} s timeout ended it at ${tEnded.toFixed(1)} s, the rest (refused) by ${secs.toFixed(1)} s; daemon ${daemonBase.toFixed(0)} → peak ${daemonPeak.toFixed(0)} MB`,
      ok,
    );
    await d.stop();
    assert.ok(ok, `peak ${daemonPeak} MB, ${sentWhileRunning} bytes sent while the run lived, ended ${!!ended}`);
  });

  it('8 output floods to a client that reads slowly: the programs block on write, the daemon stays small, timeouts still end them', async () => {
    const TIMEOUT_MS = 10_000;
    const RATE = 1 * MB; // what the slow client reads per second
    const d = await startDaemon({ limits: { outputLimitBytes: 1 << 30 }, profiles: { python: { minSize: 1, maxSize: 8 }, node: { minSize: 0 }, shell: { minSize: 0 } } });
    const daemonPid = d.client.hello.pid;
    const daemonBase = rssMb(daemonPid);
    const flood = 'import sys\nb = b"x" * 65536\nwhile True:\n    sys.stdout.buffer.write(b)\n';

    // A raw JSON-RPC client that takes RATE bytes a second off its socket, no more.
    const sock = net.connect(runtimePaths(d.env).socket);
    await new Promise<void>((r, j) => sock.once('connect', r).once('error', j));
    let buf = '';
    const outputBytes = new Map<string, number>();
    const exits = new Map<string, RunResult>();
    sock.on('data', (chunk: Buffer) => {
      buf += chunk.toString('latin1');
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const msg = JSON.parse(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
        if (msg.method === 'run/output') outputBytes.set(msg.params.runId, (outputBytes.get(msg.params.runId) ?? 0) + Buffer.from(msg.params.data, 'base64').length);
        if (msg.method === 'run/exit') exits.set(msg.params.result.runId, msg.params.result);
      }
      sock.pause();
      setTimeout(() => sock.resume(), (chunk.length / RATE) * 1000);
    });
    const send = (id: number, method: string, params: unknown) => sock.write(JSON.stringify({ jsonrpc: '2.0', id, method, params }) + '\n');
    send(1, Methods.hello, { client: 'slow-reader', protocolVersion: 1 });
    const runIds = Array.from({ length: 8 }, (_, i) => `flood-${i}`);
    runIds.forEach((runId, i) => send(10 + i, Methods.runStart, { runId, profile: 'python', code: flood, timeoutMs: TIMEOUT_MS }));
    const t0 = Date.now();
    const daemon = rssPeak(() => daemonPid);

    // Once all 8 run, look at the programs from the host: a blocked one sleeps in pipe_write.
    const busy = await waitUntil(async () => {
      const list = await d.client.request(Methods.containersList);
      const mine = list.filter((c) => c.runId?.startsWith('flood-'));
      return mine.length === 8 ? mine : undefined;
    }, 60_000);
    assert.ok(busy, 'the 8 floods did not all start');
    const tStarted = Date.now() - t0;
    // A program blocked on its own write sleeps in pipe_write, seen from the host (the container's processes are ours).
    const hostPids = busy.map((c) => containerPid(c.id));
    const countBlocked = () => hostPids.filter((pid) => blockedInWrite(pid, 'python3')).length;
    const blocked = (await waitUntil(() => countBlocked() === 8, TIMEOUT_MS / 2, 200)) ? 8 : countBlocked();
    const tBlocked = Date.now() - t0;
    const rssMid = rssMb(daemonPid);

    // The fast client sees the runs end at their timeout, whatever the slow one has read by then.
    const ended = await waitUntil(async () => (await d.client.request(Methods.poolStats)).activeRuns === 0, 60_000);
    const tEnded = Date.now() - t0;
    const daemonPeak = daemon.stop();
    // The slow client still gets every byte up to each run's end, then its exit.
    await waitUntil(() => exits.size === 8, 120_000);
    const tExits = Date.now() - t0;
    const results = runIds.map((id) => exits.get(id));
    const produced = results.reduce((s, r) => s + (r?.stdoutBytes ?? 0), 0);
    const received = [...outputBytes.values()].reduce((a, b) => a + b, 0);
    const timeouts = results.filter((r) => r?.outcome === 'timeout').length;
    sock.destroy();
    const ok = daemonPeak < 200 && !!ended && tEnded < TIMEOUT_MS + tStarted + 3000 && timeouts === 8 && received === produced && blocked === 8;
    record(
      'backpressure: 8 output floods, a slow client',
      `client reading ${RATE / MB} MB/s: daemon ${daemonBase.toFixed(0)} → ${rssMid.toFixed(0)} MB mid-run, peak ${daemonPeak.toFixed(0)} MB; ` +
        `${blocked}/8 programs blocked in write() (seen ${(tBlocked / 1000).toFixed(1)} s in); the daemon took ${(produced / MB).toFixed(1)} MB from them, all delivered; ` +
        `${timeouts}/8 ended by their ${TIMEOUT_MS / 1000} s timeout (all ended ${(tEnded / 1000).toFixed(1)} s after the requests, started within ${(tStarted / 1000).toFixed(1)} s; ${exits.size}/8 exits reached the slow client, at ${(tExits / 1000).toFixed(1)} s)`,
      ok,
    );
    await d.stop();
    assert.equal(engineContainers(d.scope).length, 0);
    assert.ok(ok, `peak ${daemonPeak} MB, ended ${!!ended} at ${tEnded} ms, ${timeouts} timeouts, received ${received} of ${produced}, blocked ${blocked}`);
  });
});
