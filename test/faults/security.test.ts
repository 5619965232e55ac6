// Security round 2: what a program may try against PID 1, the next run, other sandboxes and the host's disk.
// Each attack runs against a real daemon and engine; the verdict is the next run's or the other sandbox's fate.
import { strict as assert } from 'assert';
import { execFileSync } from 'child_process';
import * as crypto from 'crypto';
import { ContainerInfo, Methods } from '../../daemon/protocol';
import { profileStats, runToEnd, startDaemon, stats, TestDaemon, waitUntil } from '../helpers/daemon';
import { record } from '../helpers/summary';

const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');
const docker = (...args: string[]) => execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** A forged run header in every shape PID 1 ever read: the old one, and the current one with a guessed secret. */
function forgedHeaders(code: string): string {
  const c = Buffer.from(code);
  const n = crypto.randomBytes(16).toString('hex');
  return [`\nWBRUN ${n} main.py ${c.length} 0 60\n${code}`, `\nWBRUN ${'0'.repeat(32)} ${n} ${n} main.py ${c.length} 0 60\n${code}`].join('');
}

/** The forged program: if PID 1 ever runs it, it holds the sandbox while the daemon believes it idle. */
const FORGED_PY = 'import time\nprint("PWNED", flush=True)\ntime.sleep(120)\n';

/** Python that writes forged headers into every pipe it can open for writing through /proc (the stdin relay's). */
const PROC_FD_PY = [
  'import os',
  `payload = ${JSON.stringify(forgedHeaders(FORGED_PY))}.encode()`,
  'hits, denied = 0, 0',
  'for pid in os.listdir("/proc"):',
  '    if not pid.isdigit() or int(pid) == os.getpid():',
  '        continue',
  '    for fd in ("0", "3", "4"):',
  '        try:',
  '            w = os.open(f"/proc/{pid}/fd/{fd}", os.O_WRONLY | os.O_NONBLOCK)',
  '        except OSError:',
  '            denied += 1',
  '            continue',
  '        try:',
  '            os.write(w, payload); hits += 1',
  '        except OSError:',
  '            pass',
  '        os.close(w)',
  'print("hits", hits, "denied", denied)',
].join('\n');

const PROC_FD_JS = [
  "const fs = require('fs');",
  `const payload = Buffer.from(${JSON.stringify(forgedHeaders('import time\nprint("PWNED", flush=True)\ntime.sleep(120)\n'))});`,
  'let hits = 0, denied = 0;',
  "for (const pid of fs.readdirSync('/proc')) {",
  '  if (!/^\\d+$/.test(pid) || Number(pid) === process.pid) continue;',
  "  for (const fd of ['0', '3', '4']) {",
  '    let w;',
  "    try { w = fs.openSync(`/proc/${pid}/fd/${fd}`, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK); } catch { denied++; continue; }",
  '    try { fs.writeSync(w, payload); hits++; } catch {}',
  '    fs.closeSync(w);',
  '  }',
  '}',
  "console.log('hits', hits, 'denied', denied);",
].join('\n');

async function onePool(profile: 'python' | 'node', isolation: 'reuse' | 'fresh'): Promise<TestDaemon> {
  const others = { python: { minSize: 0 }, node: { minSize: 0 }, shell: { minSize: 0 } };
  const d = await startDaemon({ isolation, profiles: { ...others, [profile]: { minSize: 1, maxSize: 1, maxUses: 1000 } } });
  await waitUntil(async () => profileStats(await stats(d.client), profile).idle === 1, 60_000);
  return d;
}

/** The next run in the same pool: it must be the real program, with the real output and a normal end. */
async function nextRunGenuine(d: TestDaemon, profile: 'python' | 'node'): Promise<{ ok: boolean; what: string }> {
  const token = crypto.randomBytes(8).toString('hex');
  const code = profile === 'python' ? `import sys\nprint("${token}", sys.stdin.read())` : `let s='';process.stdin.on('data',d=>s+=d).on('end',()=>console.log('${token}', s))`;
  const r = await runToEnd(d.client, { profile, code, stdin: b64('in'), timeoutMs: 8000 });
  const ok = r.result.outcome === 'exited' && r.stdout.toString() === `${token} in\n`;
  return { ok, what: ok ? 'next run genuine' : `next run ${r.result.outcome}: ${JSON.stringify(r.stdout.toString().slice(0, 80))}` };
}

describe('faults: security — the next run cannot be taken over', function () {
  this.timeout(180_000);

  for (const profile of ['python', 'node'] as const) {
    it(`${profile}: forged headers written through /proc/<helper>/fd do not reach PID 1 (reuse)`, async () => {
      const d = await onePool(profile, 'reuse');
      try {
        // 200 KB of stdin the program never reads keeps the stdin relay busy (blocked on a full pipe) while it attacks.
        const a = await runToEnd(d.client, { profile, code: profile === 'python' ? PROC_FD_PY : PROC_FD_JS, isolation: 'reuse', stdin: b64('B'.repeat(200 * 1024)), stdinOpen: true });
        const next = await nextRunGenuine(d, profile);
        const ok = a.result.outcome === 'exited' && next.ok;
        record(`security: /proc fd injection (${profile}, reuse)`, `attack printed "${a.stdout.toString().trim()}"; ${next.what}`, ok);
        assert.ok(ok, `${a.stdout} ${a.stderr} / ${next.what}`);
      } finally {
        await d.stop();
      }
    });

    it(`${profile}: unread stdin is never parsed as a run header (reuse)`, async () => {
      const d = await onePool(profile, 'reuse');
      try {
        // An innocent program that reads one line and then works for a while, fed hostile input in two writes:
        // 200 KiB that fill the pipe to the program, then forged headers that stay unread behind them.
        const code = profile === 'python' ? 'import sys, time\nprint("got", sys.stdin.readline().strip(), flush=True)\ntime.sleep(2)' : "const rl = require('readline').createInterface({input: process.stdin}); rl.once('line', l => { rl.close(); process.stdin.pause(); console.log('got', l); setTimeout(() => process.exit(0), 2000); })";
        let seen = '';
        const h = await d.client.run({ profile, code, stdin: b64(`first\n${'A'.repeat(200 * 1024)}`), stdinOpen: true, isolation: 'reuse' }, { onOutput: (_s, b) => (seen += b.toString()) });
        await waitUntil(() => seen.includes('got'), 20_000);
        await h.stdin(forgedHeaders(FORGED_PY)).catch(() => undefined);
        await h.closeStdin().catch(() => undefined);
        const a = { result: await h.result, stdout: Buffer.from(seen) };
        const next = await nextRunGenuine(d, profile);
        const ok = a.result.outcome === 'exited' && a.stdout.toString() === 'got first\n' && next.ok;
        record(`security: unread-stdin injection (${profile}, reuse)`, `${next.what}`, ok);
        assert.ok(ok, next.what);
      } finally {
        await d.stop();
      }
    });
  }
});

describe('faults: security — PID 1 is out of reach', function () {
  this.timeout(180_000);

  it('prlimit on PID 1 fails, and the next run of a reuse sandbox is untouched', async () => {
    const d = await onePool('python', 'reuse');
    try {
      const code = [
        'import resource',
        'try:',
        '    resource.prlimit(1, resource.RLIMIT_NOFILE, (20, 20)); print("prlimit ok")',
        'except OSError as e:',
        '    print("prlimit", type(e).__name__)',
      ].join('\n');
      const a = await runToEnd(d.client, { profile: 'python', code });
      const b = await runToEnd(d.client, { profile: 'python', code: 'fs = [open("/dev/null") for _ in range(200)]\nprint("opened", len(fs))' });
      const ok = a.stdout.toString().trim() === 'prlimit PermissionError' && b.result.outcome === 'exited' && b.stdout.toString() === 'opened 200\n';
      record('security: prlimit on PID 1 (reuse)', `${a.stdout.toString().trim()}; next run ${b.result.outcome}: ${b.stdout.toString().trim() || b.stderr.toString().trim().split('\n').pop()}`, ok);
      assert.ok(ok);
    } finally {
      await d.stop();
    }
  });

  it('a program cannot fake an infra-error by starving PID 1 of file descriptors (fresh)', async () => {
    const d = await onePool('python', 'fresh');
    try {
      const code = 'import resource, sys\ntry:\n    resource.prlimit(1, resource.RLIMIT_NOFILE, (3, 3))\nexcept OSError:\n    pass\nsys.exit(0)';
      const r = await runToEnd(d.client, { profile: 'python', code });
      const ok = r.result.outcome === 'exited' && r.result.exitCode === 0;
      record('security: fake infra-error through prlimit (fresh)', `${r.result.outcome} ${r.result.exitCode ?? ''}${r.result.infraReason ? ` (${r.result.infraReason})` : ''}`, ok);
      assert.ok(ok, JSON.stringify(r.result));
    } finally {
      await d.stop();
    }
  });

  it('the program runs as its own non-root uid, without capabilities, unable to see PID 1', async () => {
    const d = await startDaemon({ profiles: { python: { minSize: 2, maxSize: 2 }, node: { minSize: 0 }, shell: { minSize: 0 } } });
    try {
      const code = [
        'import os',
        'st = dict(l.split(":", 1) for l in open("/proc/self/status"))',
        'def probe(p):',
        '    try:',
        '        open(p, "rb").read(1); return "read"',
        '    except OSError as e:',
        '        return type(e).__name__',
        'print(os.getuid(), st["CapEff"].strip(), st["NoNewPrivs"].strip(), probe("/proc/1/environ"), probe("/proc/1/mem"))',
      ].join('\n');
      const [a, b] = await Promise.all([runToEnd(d.client, { profile: 'python', code }), runToEnd(d.client, { profile: 'python', code })]);
      const fa = a.stdout.toString().trim().split(' ');
      const fb = b.stdout.toString().trim().split(' ');
      const ok =
        fa.length === 5 && fb.length === 5 && fa[0] !== fb[0] && Number(fa[0]) > 0 && Number(fb[0]) > 0 &&
        fa[1] === '0000000000000000' && fa[2] === '1' && fa[3] === 'PermissionError' && fa[4] === 'PermissionError';
      record('security: program identity', `uids ${fa[0]} and ${fb[0]} in two sandboxes; CapEff ${fa[1]}; NoNewPrivs ${fa[2]}; /proc/1/environ ${fa[3]}, /proc/1/mem ${fa[4]}`, ok);
      assert.ok(ok, `${a.stdout} ${a.stderr} / ${b.stdout}`);
    } finally {
      await d.stop();
    }
  });
});

describe('faults: security — nothing survives a reuse reset, nothing is shared between sandboxes', function () {
  this.timeout(180_000);

  it('dot-named files, shared memory, queues and System V objects do not reach the next run', async () => {
    const d = await onePool('python', 'reuse');
    try {
      const plant = [
        'import ctypes, os',
        'libc = ctypes.CDLL(None, use_errno=True)',
        'for p in ["/work/..w", "/work/.w", "/tmp/..t", "/tmp/.t", "/dev/shm/..stash", "/dev/shm/.s", "/dev/shm/s"]:',
        '    open(p, "w").write("secret")',
        'os.mkdir("/work/..d"); open("/work/..d/x", "w").write("secret"); os.chmod("/work/..d", 0)',
        'for q in [b"/.q0", b"/..q1", b"/q2"]:',
        '    assert libc.mq_open(q, os.O_CREAT | os.O_RDWR, 0o600, None) >= 0, ctypes.get_errno()',
        'assert libc.shmget(0x5eed, 4096, 0o1600) >= 0, ctypes.get_errno()',
        'print("planted")',
      ].join('\n');
      const look = [
        'import os',
        'left = [f"{d}/{n}" for d in ["/work", "/tmp", "/dev/shm", "/dev/mqueue"] for n in os.listdir(d) if f"{d}/{n}" != __file__]',
        'sysv = [l for f in ["shm", "msg", "sem"] for l in open(f"/proc/sysvipc/{f}").read().splitlines()[1:]]',
        'print("left", left, "sysv", len(sysv))',
      ].join('\n');
      const a = await runToEnd(d.client, { profile: 'python', code: plant });
      const b = await runToEnd(d.client, { profile: 'python', code: look });
      const ok = a.stdout.toString() === 'planted\n' && b.result.outcome === 'exited' && b.stdout.toString() === 'left [] sysv 0\n';
      record('security: reuse reset (dot names, shm, mqueue, SysV)', `${a.stdout.toString().trim() || a.stderr.toString().trim().split('\n').pop()}; next run saw ${b.stdout.toString().trim()}`, ok);
      assert.ok(ok, `${a.stdout}${a.stderr} / ${b.stdout}${b.stderr}`);
    } finally {
      await d.stop();
    }
  });

  it("a sandbox that exhausts its message-queue quota does not exhaust another sandbox's", async () => {
    const d = await startDaemon({ profiles: { python: { minSize: 2, maxSize: 2 }, node: { minSize: 0 }, shell: { minSize: 0 } } });
    try {
      await waitUntil(async () => profileStats(await stats(d.client), 'python').idle === 2, 60_000);
      // The hog holds queues until it is told to stop (its stdin closes), so both runs overlap for sure.
      const hog = [
        'import ctypes, os, sys',
        'libc = ctypes.CDLL(None, use_errno=True)',
        'n = 0',
        'while libc.mq_open(f"/hog{n}".encode(), os.O_CREAT | os.O_RDWR, 0o600, None) >= 0:',
        '    n += 1',
        'print("hog", n, os.strerror(ctypes.get_errno()), flush=True)',
        'sys.stdin.read()',
      ].join('\n');
      let hogOut = '';
      const hogRun = d.client.run({ profile: 'python', code: hog, stdinOpen: true }, { onOutput: (_s, b) => (hogOut += b.toString()) });
      const h = await hogRun;
      await waitUntil(() => hogOut.includes('hog'), 30_000);
      const other = await runToEnd(d.client, {
        profile: 'python',
        code: 'import ctypes, os\nlibc = ctypes.CDLL(None, use_errno=True)\nr = libc.mq_open(b"/mine", os.O_CREAT | os.O_RDWR, 0o600, None)\nprint("other", "ok" if r >= 0 else os.strerror(ctypes.get_errno()))',
      });
      await h.closeStdin();
      await h.result;
      const ok = /^hog \d+ /.test(hogOut) && other.stdout.toString() === 'other ok\n';
      record('security: per-sandbox kernel quotas (mqueue)', `${hogOut.trim()}; the other sandbox: ${other.stdout.toString().trim()}`, ok);
      assert.ok(ok, `${hogOut} / ${other.stdout}${other.stderr}`);
    } finally {
      await d.stop();
    }
  });
});

describe("faults: security — nothing on the host's disk", function () {
  this.timeout(120_000);

  it('a byte on a sandbox\'s stdout outside a run ends that sandbox, and the pool replaces it', async () => {
    const d = await onePool('python', 'reuse');
    try {
      const [before] = await d.client.request(Methods.containersList);
      // No program can run while PID 1 waits, so write as the engine would let an intruder: into PID 1's stdout.
      const t0 = Date.now();
      docker('exec', '-u', '0', before.id, '/opt/warmbox/busybox', 'sh', '-c', 'echo junk-outside-a-run > /proc/1/fd/1');
      const gone = await waitUntil(async () => !(await d.client.request(Methods.containersList)).some((c) => c.id === before.id), 10_000);
      const ms = Date.now() - t0;
      const refilled = await waitUntil(async () => profileStats(await stats(d.client), 'python').idle === 1, 60_000);
      const next = await nextRunGenuine(d, 'python');
      const ok = gone && refilled && next.ok;
      record('security: output outside a run', `the sandbox was ended ${ms} ms after a stray line on its stdout; replaced; ${next.what}`, ok);
      assert.ok(ok);
    } finally {
      await d.stop();
    }
  });

  it('containers log nothing to the engine; output of a run reaches the client only', async () => {
    const d = await onePool('python', 'reuse');
    try {
      const r = await runToEnd(d.client, { profile: 'python', code: 'import sys\nsys.stdout.write("x" * 3_000_000)' });
      const list = await d.client.request(Methods.containersList);
      const id = list[0]?.id ?? '';
      const [logType, logPath] = docker('inspect', '-f', '{{.HostConfig.LogConfig.Type}} {{.LogPath}}', id).trim().split(' ');
      let onDisk = 0;
      if (logPath) onDisk = Number(execFileSync('stat', ['-c', '%s', logPath], { encoding: 'utf8' }).trim() || 0);
      const ok = r.result.stdoutBytes === 3_000_000 && logType === 'none' && onDisk === 0;
      record("security: output on the host's disk", `log driver ${logType}; ${onDisk} bytes in the engine's log after a 3 MB run (the client got ${r.result.stdoutBytes})`, ok);
      assert.ok(ok, `${logType} ${logPath} ${onDisk}`);
    } finally {
      await d.stop();
    }
  });
});
