// The run path against a real Docker Engine: output, exit codes, stdin, isolation, hardening and named outcomes.
import { strict as assert } from 'assert';
import * as crypto from 'crypto';
import { IMAGE_VERSION } from '../../daemon/profiles';
import { Readable } from 'stream';
import { ContainerInfo, Methods, PoolStats } from '../../daemon/protocol';
import { engineContainers, runToEnd, startDaemon, TestDaemon, waitUntil } from '../helpers/daemon';
import { blockedInWrite, containerPid } from '../helpers/proc';

const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');

describe('run path (real engine)', function () {
  this.timeout(60_000);
  let d: TestDaemon;

  before(async () => {
    d = await startDaemon({
      profiles: {
        python: { minSize: 2, maxSize: 8 },
        node: { minSize: 1, maxSize: 2 },
        shell: { minSize: 1, maxSize: 4 },
        // A user's profile naming a bare `sh` in a Debian image: it must get the image's sh, not warmbox's busybox.
        dash: { image: `warmbox/python:${IMAGE_VERSION}`, command: ['sh', '{file}'], health: ['sh', '-c', 'echo HEALTH_OK'], minSize: 0, maxSize: 1 },
      },
      limits: { timeoutMs: 15_000, memoryMb: 128, outputLimitBytes: 256 * 1024 },
    });
  });
  after(async () => {
    await d.stop();
    assert.deepEqual(engineContainers(d.scope), [], 'containers left behind after shutdown');
  });

  it('runs Python and reports output and exit code', async () => {
    const r = await runToEnd(d.client, { profile: 'python', code: 'import sys\nprint("hello", 6*7)\nsys.exit(3)\n' });
    assert.equal(r.result.outcome, 'exited');
    assert.equal(r.result.exitCode, 3);
    assert.equal(r.stdout.toString(), 'hello 42\n');
    assert.equal(r.stderr.length, 0);
  });

  it("runs a profile's command from the image, not warmbox's own busybox", async () => {
    const r = await runToEnd(d.client, { profile: 'dash', code: 'readlink /proc/$$/exe' });
    assert.equal(r.stdout.toString(), '/usr/bin/dash\n');
  });

  it('runs Node and shell programs', async () => {
    const n = await runToEnd(d.client, { profile: 'node', code: 'console.log("node", process.version.startsWith("v")); process.exitCode = 5;' });
    assert.equal(n.stdout.toString(), 'node true\n');
    assert.equal(n.result.exitCode, 5);
    const s = await runToEnd(d.client, { profile: 'shell', code: 'echo "$1-$2"; exit 0', args: ['a b', "it's"] });
    assert.equal(s.stdout.toString(), "a b-it's\n");
    assert.equal(s.result.exitCode, 0);
  });

  it('keeps stdout and stderr apart, byte-exact, without a trailing newline', async () => {
    const code = 'import sys\nsys.stdout.buffer.write(bytes(range(256)))\nsys.stderr.write("err-no-newline")\nsys.stdout.write("tail-no-newline")\n';
    const r = await runToEnd(d.client, { profile: 'python', code });
    assert.deepEqual(r.stdout, Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), Buffer.from('tail-no-newline')]));
    assert.equal(r.stderr.toString(), 'err-no-newline');
    assert.equal(r.result.stdoutBytes, 256 + 15);
  });

  it('passes stdin given up front and stdin streamed while the run is live', async () => {
    const up = await runToEnd(d.client, { profile: 'python', code: 'import sys\nprint(sys.stdin.read().upper())', stdin: b64('abc\ndef') });
    assert.equal(up.stdout.toString(), 'ABC\nDEF\n');
    const live = await runToEnd(
      d.client,
      { profile: 'python', code: 'import sys\nfor line in sys.stdin:\n    print("echo:" + line.strip(), flush=True)\nprint("eof")', stdinOpen: true },
      async (h) => {
        await h.stdin('one\n');
        await h.stdin('two\n');
        await h.closeStdin();
      },
    );
    assert.equal(live.stdout.toString(), 'echo:one\necho:two\neof\n');
    assert.equal(live.result.exitCode, 0);
    // As the extension sends typed lines: not awaited (each answer comes once the sandbox took the bytes), in order.
    const unawaited = await runToEnd(d.client, { profile: 'python', code: 'import sys\nprint(sys.stdin.read().upper())', stdinOpen: true }, (h) => {
      void h.stdin('x\n');
      void h.stdin('y\n');
      void h.closeStdin();
    });
    assert.equal(unawaited.stdout.toString(), 'X\nY\n\n');
  });

  it('streams stdin larger than any buffer on the way, byte-exact, through the stdin window', async () => {
    const input = Buffer.alloc(24 * 1024 * 1024);
    for (let i = 0; i < input.length; i += 4) input.writeUInt32LE(i, i);
    const want = crypto.createHash('sha256').update(input).digest('hex');
    const r = await runToEnd(
      d.client,
      { profile: 'python', code: 'import sys, hashlib\nh = hashlib.sha256()\nn = 0\nwhile True:\n    b = sys.stdin.buffer.read1(1 << 16)\n    if not b: break\n    h.update(b); n += len(b)\nprint(n, h.hexdigest())', stdinOpen: true },
      (h) => void Readable.from([input.subarray(0, 5_000_000), input.subarray(5_000_000)]).pipe(h.stdinStream()),
    );
    assert.equal(r.stdout.toString(), `${input.length} ${want}\n`);
  });

  it('gives every fresh run a container no other run touched', async () => {
    const a = await runToEnd(d.client, { profile: 'python', code: 'open("/work/secret.txt","w").write("x"); open("/tmp/secret2","w").write("y"); print("written")' });
    assert.equal(a.stdout.toString(), 'written\n');
    const b = await runToEnd(d.client, { profile: 'python', code: 'import os\nprint(os.path.exists("/work/secret.txt"), os.path.exists("/tmp/secret2"))' });
    assert.equal(b.stdout.toString(), 'False False\n');
    assert.notEqual(a.result.containerId, b.result.containerId);
  });

  it('wipes the workspace between runs in reuse mode', async () => {
    const a = await runToEnd(d.client, {
      profile: 'shell',
      isolation: 'reuse',
      code: 'echo x > /work/left; mkdir -p /work/d/e; chmod 000 /work/d; echo y > /tmp/t; echo z > /dev/shm/s; (sleep 100 &); echo done',
    });
    assert.equal(a.stdout.toString(), 'done\n');
    assert.equal(a.result.isolation, 'reuse');
    const b = await runToEnd(d.client, { profile: 'shell', isolation: 'reuse', code: 'ls -A /work /tmp /dev/shm; ps -o pid,comm 2>/dev/null | grep -c sleep' });
    assert.equal(b.result.containerId, a.result.containerId, 'reuse mode should serve the second run from the same container');
    assert.doesNotMatch(b.stdout.toString(), /left|\bd\b|\bt\b|\bs\b/);
    assert.match(b.stdout.toString(), /^0$/m, 'a process of the earlier run survived the reset');
  });

  it('has no network interface but lo', async () => {
    const r = await runToEnd(d.client, { profile: 'shell', code: 'ls /sys/class/net' });
    assert.equal(r.stdout.toString().trim(), 'lo');
  });

  it('runs as a non-root user on a read-only root, with all capabilities dropped', async () => {
    const code = [
      'id -u',
      'touch /etc/evil 2>/dev/null && echo root-writable || echo root-readonly',
      'touch /work/ok && echo work-writable',
      'grep CapEff /proc/self/status',
      'grep NoNewPrivs /proc/self/status',
    ].join('\n');
    const r = await runToEnd(d.client, { profile: 'shell', code });
    const out = r.stdout.toString();
    // Its own uid, far from root and from the host's users (see allocateUid).
    const uid = Number(/^(\d+)$/m.exec(out)?.[1]);
    assert.ok(uid >= 1 << 24, out);
    assert.match(out, /root-readonly/);
    assert.match(out, /work-writable/);
    assert.match(out, /CapEff:\s+0000000000000000/);
    assert.match(out, /NoNewPrivs:\s+1/);
  });

  it('stops a run that passes its timeout and says so', async () => {
    const r = await runToEnd(d.client, { profile: 'python', code: 'import time\nprint("start", flush=True)\ntime.sleep(60)', timeoutMs: 1500 });
    assert.equal(r.result.outcome, 'timeout');
    assert.match(r.result.message ?? '', /longer than 1.5 s/);
    assert.equal(r.stdout.toString(), 'start\n');
    assert.ok(r.result.durationMs < 10_000);
  });

  it('names a memory hog: oom', async () => {
    const r = await runToEnd(d.client, { profile: 'python', code: 'x = []\nwhile True:\n    x.append(bytearray(16 * 1024 * 1024))' });
    assert.equal(r.result.outcome, 'oom');
    assert.match(r.result.message ?? '', /out of memory \(limit 128 MB\)/);
  });

  it('cuts endless output at the cap: output-limit', async () => {
    const r = await runToEnd(d.client, { profile: 'shell', code: 'while :; do echo yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy; echo eeeeeeeeeee >&2; done' });
    assert.equal(r.result.outcome, 'output-limit');
    assert.equal(r.result.truncated, true);
    assert.equal(r.stdout.length + r.stderr.length, 256 * 1024);
    assert.match(r.result.message ?? '', /256 KiB limit/);
  });

  it('cancels a run', async () => {
    // Cancelled once the program has printed its whole line: a wait for that, not a guess at how long starting takes
    // (nothing but a possible start of the end marker is held back, never a newline).
    let printed!: () => void;
    const going = new Promise<void>((res) => (printed = res));
    let out = '';
    const h = await d.client.run({ profile: 'python', code: 'import time\nprint("go", flush=True)\ntime.sleep(60)' }, {
      onOutput: (_s, data) => {
        out += data.toString();
        if (out.includes('go\n')) printed();
      },
    });
    await Promise.race([going, h.result]);
    await h.cancel();
    const result = await h.result;
    assert.equal(result.outcome, 'cancelled');
    assert.equal(out, 'go\n');
  });

  it('does not let a program fake or hide its own end', async () => {
    const code = [
      'import os, sys, secrets',
      'for _ in range(50):',
      '    print("\\n" + secrets.token_hex(16) + " 0 0")',
      'sys.stdout.flush()',
      'try:',
      '    open("/proc/1/mem", "rb")',
      '    print("read pid1 memory")',
      'except OSError as e:',
      '    sys.stderr.write("pid1-protected\\n")',
      'os.close(1)',
      'import time; time.sleep(0.3)',
      'sys.exit(7)',
    ].join('\n');
    const r = await runToEnd(d.client, { profile: 'python', code });
    assert.equal(r.result.outcome, 'exited');
    assert.equal(r.result.exitCode, 7);
    assert.equal(r.stdout.toString().split('\n').filter((l) => / 0 0$/.test(l)).length, 50, 'fake trailers must reach the user as plain output');
    assert.doesNotMatch(r.stdout.toString(), /read pid1 memory/);
    assert.equal(r.stderr.toString(), 'pid1-protected\n');
  });

  it('serves 20 concurrent runs, each with exactly its own output', async () => {
    const tokens = Array.from({ length: 20 }, () => crypto.randomBytes(8).toString('hex'));
    const results = await Promise.all(
      tokens.map((t) => runToEnd(d.client, { profile: 'python', code: `import sys\ndata = sys.stdin.read()\nprint("${t}", data)`, stdin: b64(`in-${t}`) })),
    );
    results.forEach((r, i) => {
      assert.equal(r.result.outcome, 'exited', r.result.message);
      assert.equal(r.stdout.toString(), `${tokens[i]} in-${tokens[i]}\n`);
    });
    assert.equal(new Set(results.map((r) => r.result.containerId)).size, 20, 'fresh mode gives each run its own container');
  });

  it('keeps the engine clean: the engine holds exactly the pool the daemon knows, within maxSize', async () => {
    // After the bursts above, used containers are gone; spare warm ones may stay (up to maxSize) until trimmed.
    const same = async () => {
      const known = (await d.client.request(Methods.containersList)).map((c) => c.id).sort();
      const onEngine = engineContainers(d.scope).sort();
      return JSON.stringify(known) === JSON.stringify(onEngine) ? onEngine : null;
    };
    const onEngine = await waitUntil(same, 15_000, 200);
    assert.ok(onEngine, 'the engine holds containers the daemon does not know (or the reverse)');
    const stats = await d.client.request(Methods.poolStats);
    const cap = stats.profiles.reduce((n, p) => n + p.maxSize, 0);
    assert.ok(onEngine.length <= cap, `${onEngine.length} containers for at most ${cap}`);
  });
});

describe('run path: a client that stops reading (real engine)', function () {
  this.timeout(60_000);

  it("holds the run's output in its sandbox (the program blocks in write()), then delivers it all; a reuse sandbox serves again", async () => {
    const d = await startDaemon({ profiles: { python: { minSize: 0, maxSize: 2 }, node: { minSize: 0 }, shell: { minSize: 0 } }, limits: { timeoutMs: 30_000 } });
    try {
      const size = 3 * 1024 * 1024;
      const out: Buffer[] = [];
      // The run's client stops reading; another one watches the pool.
      const c = await d.connect('stops-reading');
      const h = await c.run({ profile: 'python', isolation: 'reuse', code: `import sys\nsys.stdout.buffer.write(b"z" * ${size})\n` }, { onOutput: (_s, b) => out.push(b) });
      c.pauseIncoming();
      const busy = await waitUntil(async () => (await d.client.request(Methods.containersList)).find((c) => c.runId === h.runId), 10_000);
      assert.ok(busy, 'the run never got a container');
      // Far more than every buffer on the way: the program must end up waiting for us.
      assert.ok(await waitUntil(() => blockedInWrite(containerPid(busy.id), 'python3'), 10_000), 'the program was never blocked on its write');
      c.resumeIncoming();
      const r = await h.result;
      assert.equal(r.outcome, 'exited');
      assert.equal(Buffer.concat(out).toString(), 'z'.repeat(size));
      // The sandbox whose output was held is not left paused: it is wiped and serves the next run.
      await waitUntil(async () => (await d.client.request(Methods.containersList)).some((c) => c.id === busy.id && c.state === 'idle'), 10_000);
      const again = await runToEnd(d.client, { profile: 'python', isolation: 'reuse', code: 'print("again")' });
      assert.equal(again.stdout.toString(), 'again\n');
      assert.equal(again.result.containerId, busy.id);
    } finally {
      await d.stop();
    }
  });
});
