// Red team of the pre-started interpreters, the compile phase with its build cache, and the end markers: each attack
// runs against a real daemon and engine; the verdict is the attack's own run and the next runs' fate.
import { strict as assert } from 'assert';
import { execFileSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { builtinImage } from '../../daemon/profiles';
import { runtimePaths } from '../../daemon/socketPath';
import { runToEnd, startDaemon, stats, TestDaemon, waitUntil } from '../helpers/daemon';
import { runUntil } from '../helpers/prestartCompiled';
import { record } from '../helpers/summary';

const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');

/**
 * Python (run by the pre-started interpreter) that tries everything against the next run: the private channel and
 * the stdin FIFO, a detached process that would feed the next interpreter its own spec and read the next run's args,
 * and start-up files the next interpreter would load (user site .pth, sitecustomize) in every writable place.
 */
const PLANT_PY = String.raw`import os, sys, glob
tried = []
for p, fl in (("/run/warmbox/go", os.O_WRONLY | os.O_NONBLOCK), ("/run/warmbox/go", os.O_RDONLY | os.O_NONBLOCK), ("/run/warmbox/in", os.O_WRONLY | os.O_NONBLOCK)):
    try:
        os.close(os.open(p, fl)); tried.append("open " + p + " ok")
    except OSError as e:
        tried.append("open " + p + " " + e.strerror)
try:
    os.fstat(5); tried.append("fd5 open")
except OSError:
    tried.append("fd5 closed")
for pid in [p for p in os.listdir("/proc") if p.isdigit() and int(p) != os.getpid()]:
    for fd in ("5",):
        try:
            os.close(os.open("/proc/%s/fd/%s" % (pid, fd), os.O_WRONLY | os.O_NONBLOCK)); tried.append("proc %s fd %s ok" % (pid, fd))
        except OSError:
            pass
site = "/work/.local/lib/python%d.%d/site-packages" % sys.version_info[:2]
for d in (site, "/work", "/tmp", "/dev/shm"):
    try:
        os.makedirs(d, exist_ok=True)
        open(d + "/zz_evil.pth", "w").write("import sys; sys.stdout.write('PLANTED-PTH ')\n")
        open(d + "/sitecustomize.py", "w").write("print('PLANTED-SITE')\n")
        open(d + "/usercustomize.py", "w").write("print('PLANTED-USER')\n")
    except OSError:
        pass
# A detached process: it would read every later run's args and write its own spec to the channel.
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        import time
        while True:
            for pid in os.listdir("/proc"):
                try:
                    c = open("/proc/%s/cmdline" % pid, "rb").read()
                    if b"SECRET" in c:
                        open("/tmp/leak", "wb").write(c)
                except OSError:
                    pass
            try:
                fd = os.open("/run/warmbox/go", os.O_WRONLY | os.O_NONBLOCK)
                os.write(fd, b"1\0../tmp/evil.py\0x\0"); os.close(fd)
            except OSError:
                pass
            time.sleep(0.01)
    os._exit(0)
print(" | ".join(tried))
`;

const PLANT_JS = String.raw`const fs = require('fs'); const cp = require('child_process');
const tried = [];
for (const [p, fl] of [['/run/warmbox/go', fs.constants.O_WRONLY | fs.constants.O_NONBLOCK], ['/run/warmbox/in', fs.constants.O_WRONLY | fs.constants.O_NONBLOCK]]) {
  try { fs.closeSync(fs.openSync(p, fl)); tried.push('open ' + p + ' ok'); } catch (e) { tried.push('open ' + p + ' ' + e.code); }
}
try { fs.fstatSync(5); tried.push('fd5 open'); } catch { tried.push('fd5 closed'); }
for (const d of ['/work/node_modules', '/work/.node_modules', '/tmp/node_modules', '/dev/shm']) {
  try { fs.mkdirSync(d, { recursive: true }); fs.writeFileSync(d + '/fs.js', 'console.log("PLANTED")'); } catch {}
}
cp.spawn('/bin/sh', ['-c', 'while :; do for p in /proc/[0-9]*; do grep -q SECRET $p/cmdline 2>/dev/null && cp $p/cmdline /tmp/leak; done; printf "1\\0../tmp/evil.js\\0x\\0" > /run/warmbox/go 2>/dev/null; sleep 0.01; done'], { detached: true, stdio: 'ignore' }).unref();
console.log(tried.join(' | '));
`;

/**
 * A Java project with an annotation processor (compiled here, found by javac on its class path, "."): its static block
 * runs `shell` while the project compiles. Returns the project's folder.
 */
function javaProcessorProject(prefix: string, name: string, shell: string, main: string): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const processor = String.raw`import java.util.Set;
import javax.annotation.processing.*;
import javax.lang.model.SourceVersion;
import javax.lang.model.element.TypeElement;
@SupportedAnnotationTypes("*")
public class ${name} extends AbstractProcessor {
  static {
    try {
      new ProcessBuilder("/bin/sh", "-c", ${JSON.stringify(shell)}).start().waitFor();
      System.err.println("EVIL-PROCESSOR-RAN");
    } catch (Exception e) { throw new RuntimeException(e); }
  }
  @Override public SourceVersion getSupportedSourceVersion() { return SourceVersion.latestSupported(); }
  @Override public boolean process(Set<? extends TypeElement> a, RoundEnvironment r) { return false; }
}
`;
  fs.writeFileSync(path.join(root, `${name}.java`), processor);
  execFileSync('docker', ['run', '--rm', '-v', `${root}:/src`, '-w', '/src', '--user', String(process.getuid!()), '--network', 'none', '--entrypoint', 'javac', builtinImage('java'), '-proc:none', '-d', '/src', `${name}.java`], { stdio: 'ignore' });
  fs.rmSync(path.join(root, `${name}.java`));
  fs.mkdirSync(path.join(root, 'META-INF/services'), { recursive: true });
  fs.writeFileSync(path.join(root, 'META-INF/services/javax.annotation.processing.Processor'), `${name}\n`);
  fs.writeFileSync(path.join(root, 'Main.java'), main);
  return root;
}

describe('faults: red team — prestart, compile phase, build cache, end markers', function () {
  this.timeout(240_000);

  for (const profile of ['python', 'node'] as const) {
    it(`${profile}: a pre-started run plants nothing the next interpreter picks up and learns nothing of the next run (reuse)`, async () => {
      const d = await startDaemon({ isolation: 'reuse', profiles: { python: { minSize: 0 }, node: { minSize: 0 }, shell: { minSize: 0 }, [profile]: { minSize: 1, maxSize: 1, maxUses: 1000 } } });
      try {
        const fileName = profile === 'python' ? 'main.py' : 'main.js';
        const a = await runToEnd(d.client, { profile, fileName, code: profile === 'python' ? PLANT_PY : PLANT_JS, isolation: 'reuse' });
        const said = a.stdout.toString().trim();
        const token = crypto.randomBytes(6).toString('hex');
        // The next run: its args carry a secret; it reports what it finds of the last run.
        const probe =
          profile === 'python'
            ? `import os, sys\nleft = [p for d in ("/tmp", "/dev/shm", "/work") for p in os.listdir(d) if p != "main.py"]\nprint("${token}", sys.argv[1:], sorted(left))`
            : `const fs = require('fs');\nconst left = ['/tmp', '/dev/shm', '/work'].flatMap((d) => fs.readdirSync(d)).filter((p) => p !== 'main.js');\nconsole.log('${token}', JSON.stringify(process.argv.slice(2)), JSON.stringify(left));`;
        const b = await runToEnd(d.client, { profile, fileName, code: probe, args: ['SECRET-arg'], isolation: 'reuse' });
        // A third run: had anything survived, it would have the second run's args by now.
        const c = await runToEnd(d.client, { profile, fileName, code: probe, args: ['x'], isolation: 'reuse' });
        const wantB = profile === 'python' ? `${token} ['SECRET-arg'] []\n` : `${token} ["SECRET-arg"] []\n`;
        const wantC = profile === 'python' ? `${token} ['x'] []\n` : `${token} ["x"] []\n`;
        const ok = !/ ok\b|fd5 open/.test(said) && b.result.outcome === 'exited' && b.stdout.toString() === wantB && c.stdout.toString() === wantC && !/PLANTED/.test(b.stderr.toString() + c.stderr.toString());
        record(`redteam: prestart plant + channel (${profile}, reuse)`, `attack: ${said}; next runs printed ${JSON.stringify(b.stdout.toString().trim())}, ${JSON.stringify(c.stdout.toString().trim())}`, ok);
        assert.ok(ok, `${said}\n${a.stderr}\n---\n${b.stdout}${b.stderr}\n---\n${c.stdout}${c.stderr}`);
      } finally {
        await d.stop();
      }
    });
  }

  for (const merged of [false, true]) {
    it(`a program cannot forge its end marker or exit status (python prestart, ${merged ? 'merged' : 'separate'} streams)`, async () => {
      const d = await startDaemon({ isolation: 'reuse', profiles: { python: { minSize: 1, maxSize: 1, maxUses: 1000 }, node: { minSize: 0 }, shell: { minSize: 0 } } });
      try {
        // Every way the program could learn the nonce (PID 1's cmdline and environment, its helpers'), then forged
        // markers with a guessed nonce on both streams, then more output and a real exit status of 7.
        const code = [
          'import os, sys, re',
          'seen = set()',
          'for pid in os.listdir("/proc"):',
          '    for f in ("cmdline", "environ"):',
          '        try: seen.update(re.findall(rb"[0-9a-f]{32}", open("/proc/%s/%s" % (pid, f), "rb").read()))',
          '        except OSError: pass',
          'for n in list(seen) + [b"0" * 32]:',
          '    os.write(1, b"\\x1e" + n + b" 0 0 0\\n"); os.write(2, b"\\x1e" + n + b"\\n")',
          'os.write(1, b"AFTER\\n")',
          'sys.exit(7)',
        ].join('\n');
        const r = await runToEnd(d.client, { profile: 'python', code, isolation: 'reuse', ...(merged ? { streams: 'merged' as const } : {}) });
        const b = await runToEnd(d.client, { profile: 'python', code: 'print("next")', isolation: 'reuse' });
        const ok = r.result.outcome === 'exited' && r.result.exitCode === 7 && r.stdout.toString().endsWith('AFTER\n') && b.stdout.toString() === 'next\n';
        record(`redteam: forged end marker (${merged ? 'merged' : 'separate'})`, `run ${r.result.outcome} ${r.result.exitCode}, output ends ${JSON.stringify(r.stdout.toString().slice(-6))}; next run ${JSON.stringify(b.stdout.toString())}`, ok);
        assert.ok(ok, JSON.stringify({ r: r.result, out: r.stdout.toString(), err: r.stderr.toString(), next: b.stdout.toString() }));
      } finally {
        await d.stop();
      }
    });
  }

  it('node, interpreter pre-started with stderr on stdout (merged): forged end markers and exit status on both fds change nothing; a separate run after it is plain', async () => {
    const d = await startDaemon({ isolation: 'reuse', profiles: { python: { minSize: 0 }, node: { minSize: 1, maxSize: 1, maxUses: 1000 }, shell: { minSize: 0 } } });
    try {
      const code = [
        "const fs = require('fs');",
        "const pre = fs.readFileSync('/proc/self/cmdline', 'latin1').includes('prestart.js');",
        'const seen = new Set();',
        "for (const pid of fs.readdirSync('/proc').filter((p) => /^\\d+$/.test(p))) for (const f of ['cmdline', 'environ']) { try { for (const m of fs.readFileSync('/proc/' + pid + '/' + f, 'latin1').match(/[0-9a-f]{32}/g) || []) seen.add(m); } catch {} }",
        "for (const n of [...seen, '0'.repeat(32)]) { fs.writeSync(1, '\\x1e' + n + ' 0 0 0\\n'); fs.writeSync(2, '\\x1e' + n + '\\n'); fs.writeSync(2, '\\x1e' + n + ' 0 0 0\\n'); }",
        "fs.writeSync(2, 'pre ' + pre + '\\n'); fs.writeSync(1, 'AFTER\\n');",
        'process.exit(7);',
      ].join('\n');
      // The first merged run tells the set; the sandbox's next interpreter starts with stderr on stdout.
      await runToEnd(d.client, { profile: 'node', code: 'console.log(1)', streams: 'merged', isolation: 'reuse' });
      const r = await runToEnd(d.client, { profile: 'node', code, streams: 'merged', isolation: 'reuse' });
      const b = await runToEnd(d.client, { profile: 'node', code: "console.log('next'); console.error('err')", isolation: 'reuse' });
      const out = r.stdout.toString();
      const ok = r.result.outcome === 'exited' && r.result.exitCode === 7 && out.endsWith('pre true\nAFTER\n') && r.stderr.length === 0 && b.stdout.toString() === 'next\n' && b.stderr.toString() === 'err\n';
      record('redteam: forged end marker (node, merged-armed interpreter)', `run ${r.result.outcome} ${r.result.exitCode}, output ends ${JSON.stringify(out.slice(-16))}; next (separate) ${JSON.stringify(b.stdout.toString())} / ${JSON.stringify(b.stderr.toString())}`, ok);
      assert.ok(ok, JSON.stringify({ r: r.result, out: out.slice(-300), err: r.stderr.toString(), next: b.stdout.toString() + b.stderr }));
    } finally {
      await d.stop();
    }
  });

  it('node prestart, the early end (the status said before the kernel tears Node down): a worker and children still writing when Node ends leave nothing after the trailer; a status the program says itself on the channel ends only its own run', async () => {
    const d = await startDaemon({ isolation: 'reuse', profiles: { python: { minSize: 0 }, node: { minSize: 1, maxSize: 1, maxUses: 1000 }, shell: { minSize: 0 } }, limits: { outputLimitBytes: 256 << 20, timeoutMs: 10_000 } });
    const log = () => (fs.existsSync(runtimePaths(d.env).log) ? fs.readFileSync(runtimePaths(d.env).log, 'utf8') : '');
    try {
      // Everything writes as fast as it can when main ends (process.exit: the launcher's quick end); lines are whole
      // lines of 4 KB, so a cut one would show. The worker writes 1 MB at a time: a write the kernel has begun goes on
      // after a SIGKILL while the reader keeps room in the pipe, and must be over before the trailer.
      const writers = [
        "const fs = require('fs'); const cp = require('child_process'); const { Worker } = require('worker_threads');",
        "const w = new Worker(\"const fs = require('fs'); const l = ('w'.repeat(4095) + '\\\\n').repeat(256); require('worker_threads').parentPort.postMessage(1); for (;;) fs.writeSync(1, l)\", { eval: true });",
        "w.once('message', () => {",
        "  for (let i = 0; i < 2; i++) cp.spawn('/bin/sh', ['-c', 'while :; do echo c; done'], { stdio: ['ignore', 'inherit', 'inherit'] });",
        "  const l = 'x'.repeat(4095) + '\\n'; const t = Date.now() + 30; while (Date.now() < t) fs.writeSync(1, l); process.exit(5); });",
      ].join('\n');
      const runs: string[] = [];
      let ids = new Set<string>();
      let ok = true;
      for (let i = 0; i < 16; i++) {
        const r = await runToEnd(d.client, { profile: 'node', code: writers, isolation: 'reuse' });
        const out = r.stdout.toString();
        const lines = out.split('\n').slice(0, -1);
        const whole = out.endsWith('\n') && lines.every((l) => l === 'c' || l === 'x'.repeat(4095) || l === 'w'.repeat(4095));
        const n = (k: string) => lines.filter((l) => l[0] === k).length;
        runs.push(`${r.result.outcome} ${r.result.exitCode}: ${n('x')} x, ${n('w')} w, ${n('c')} c lines${whole ? '' : ', CUT'}`);
        ids.add(r.result.containerId ?? '');
        ok &&= r.result.outcome === 'exited' && r.result.exitCode === 5 && whole;
      }
      // Said on the channel by the program itself: its own run ends with it; junk before it is skipped; the next run's
      // status is its own.
      const says = "const fs = require('fs'); const fd = fs.openSync('/run/warmbox/done', 'w'); fs.writeSync(fd, 'x\\n256\\n\\n9\\n9\\n'); setInterval(() => {}, 1000)";
      const a = await runToEnd(d.client, { profile: 'node', code: says, isolation: 'reuse' });
      const b = await runToEnd(d.client, { profile: 'node', code: 'process.exitCode = 3\nconsole.log("next")', isolation: 'reuse' });
      ids.add(a.result.containerId ?? '');
      ids.add(b.result.containerId ?? '');
      const outside = (log().match(/outside a run/g) ?? []).length;
      ok &&= a.result.outcome === 'exited' && a.result.exitCode === 9 && b.result.outcome === 'exited' && b.result.exitCode === 3 && b.stdout.toString() === 'next\n' && outside === 0 && ids.size === 1;
      record('redteam: node early end (writers at exit; a status said on the channel)', `16 runs with a writing worker and 2 children: ${[...new Set(runs)].join(', ')}; said 9 → ${a.result.outcome} ${a.result.exitCode}; next ${b.result.exitCode} ${JSON.stringify(b.stdout.toString())}; ${outside} sandboxes ended for writing outside a run, ${ids.size} container(s)`, ok);
      assert.ok(ok, JSON.stringify({ runs, a: a.result, b: b.result, outside, ids: [...ids] }));
    } finally {
      await d.stop();
    }
  });

  it('python prestart: a timeout still holds for a program whose interpreter exits and leaves a busy child; the next run is genuine', async () => {
    const d = await startDaemon({ isolation: 'reuse', profiles: { python: { minSize: 1, maxSize: 1, maxUses: 1000 }, node: { minSize: 0 }, shell: { minSize: 0 } }, limits: { timeoutMs: 3000 } });
    try {
      const code = 'import os, signal, time\nif os.fork() == 0:\n    os.setsid(); signal.signal(signal.SIGTERM, signal.SIG_IGN)\n    while True: print("child", flush=True); time.sleep(0.2)\nwhile True: pass\n';
      const t0 = Date.now();
      const r = await runToEnd(d.client, { profile: 'python', code, isolation: 'reuse' });
      const ms = Date.now() - t0;
      const b = await runToEnd(d.client, { profile: 'python', code: 'import os\nme = os.getuid()\nprint([p for p in os.listdir("/proc") if p.isdigit() and int(p) != os.getpid() and os.stat("/proc/" + p).st_uid == me])', isolation: 'reuse' });
      const ok = r.result.outcome === 'timeout' && b.result.outcome === 'exited' && b.stdout.toString() === '[]\n';
      record('redteam: prestart timeout with a detached child', `${r.result.outcome} after ${ms} ms; next run ${b.result.outcome} ${JSON.stringify(b.stdout.toString())}`, ok);
      assert.ok(ok, JSON.stringify({ r: r.result, b: b.stdout.toString() + b.stderr }));
    } finally {
      await d.stop();
    }
  });

  for (const profile of ['python', 'node'] as const) {
    it(`${profile} prestart: a run the idle interpreter cannot take (run variables) gets nothing of PID 1's on its streams`, async () => {
      const d = await startDaemon({ isolation: 'reuse', profiles: { python: { minSize: 0 }, node: { minSize: 0 }, shell: { minSize: 0 }, [profile]: { minSize: 1, maxSize: 1, maxUses: 1000 } } });
      try {
        const fileName = profile === 'python' ? 'main.py' : 'main.js';
        const code = profile === 'python' ? 'import os\nprint(os.environ["X"])' : 'console.log(process.env.X)';
        const r = await runToEnd(d.client, { profile, fileName, code, env: { X: 'x1' }, isolation: 'reuse' });
        const ok = r.result.outcome === 'exited' && r.stdout.toString() === 'x1\n' && r.stderr.toString() === '';
        record(`redteam: prestart fallback streams (${profile})`, `stdout ${JSON.stringify(r.stdout.toString())}, stderr ${JSON.stringify(r.stderr.toString())}`, ok);
        assert.ok(ok, JSON.stringify([r.stdout.toString(), r.stderr.toString(), r.result]));
      } finally {
        await d.stop();
      }
    });
  }

  it('args, project file names, folders and outputs with leading/trailing blanks, quotes, $\' and line breaks arrive byte-exact (prestart and plain, merged and apart)', async () => {
    // PID 1 reads the meta block with busybox's `read`, which trims blanks at a line's ends: every word must still
    // reach the program as it was sent, through the pre-started interpreters' spec channel and the plain start alike.
    const d = await startDaemon({ isolation: 'reuse', profiles: { python: { minSize: 1, maxSize: 1, maxUses: 1000 }, node: { minSize: 1, maxSize: 1, maxUses: 1000 }, shell: { minSize: 0, maxSize: 1, maxUses: 1000 } } });
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'wb-redteam-blanks-'));
    try {
      const args = [' lead', 'trail ', '  both  ', '\ttab\t', ' ', '', 'new\nline ', ' \r\n', "$'x\\n'", "'", '\\', ' \\ ', '$(id) `id`', 'é Ё ā '];
      const sub = ' d ';
      const files = { python: [' a .py ', `${sub}/  b .py`], node: [' a .js ', `${sub}/  b .js`] };
      const pyCode = 'import json, os, sys\nopen(" out .txt ", "w").write("x")\nprint(json.dumps([os.path.basename(sys.argv[0]), os.path.basename(os.getcwd()), sys.argv[1:]], ensure_ascii=False, separators=(",", ":")))\n';
      const jsCode = 'const fs = require("fs"), path = require("path");\nfs.writeFileSync(" out .txt ", "x");\nconsole.log(JSON.stringify([path.basename(process.argv[1]), path.basename(process.cwd()), process.argv.slice(2)]));\n';
      fs.mkdirSync(path.join(root, sub));
      for (const f of [...files.python]) fs.writeFileSync(path.join(root, f), pyCode);
      for (const f of [...files.node]) fs.writeFileSync(path.join(root, f), jsCode);
      const seen: string[] = [];
      let ok = true;
      for (const profile of ['python', 'node'] as const) {
        for (const file of files[profile]) {
          for (const streams of ['separate', 'merged'] as const) {
            const r = await runToEnd(d.client, { profile, code: profile === 'python' ? pyCode : jsCode, args, project: { root, file }, outputs: {}, streams, isolation: 'reuse' });
            const want = JSON.stringify([path.posix.basename(file), file.includes("/") ? sub : "work", args]) + '\n';
            const outs = (r.result.outputs?.files ?? []).map((o) => o.path);
            const good = r.result.outcome === 'exited' && r.stdout.toString() === want && JSON.stringify(outs) === JSON.stringify([file.includes('/') ? `${sub}/ out .txt ` : ' out .txt ']);
            if (!good) seen.push(`${profile} ${JSON.stringify(file)} ${streams}: ${r.result.outcome} ${JSON.stringify(r.stdout.toString())} ${r.stderr.toString().slice(0, 300)} outputs ${JSON.stringify(outs)}`);
            ok &&= good;
          }
        }
      }
      // The plain start of a shell program, with run variables too; the second meta line is long enough for dd.
      for (const all of [args, [...args, ` ${"x\n '$'\\".repeat(400)} `]]) {
        const sh = await runToEnd(d.client, { profile: 'shell', code: 'for a; do printf "<%s>" "$a"; done; printf "[%s]" "$V"', args: all, env: { V: ' v\n\\ ' }, isolation: 'reuse' });
        const wantSh = all.map((a) => `<${a}>`).join('') + '[ v\n\\ ]';
        if (sh.stdout.toString() !== wantSh) seen.push(`shell (${all.length} args): ${JSON.stringify(sh.stdout.toString().slice(0, 300))}`);
        ok &&= sh.stdout.toString() === wantSh;
      }
      record('redteam: blanks, quotes and line breaks in args, file names, folders and outputs', ok ? `${files.python.length * 4 + 2} runs byte-exact` : seen.join(' ; '), ok);
      assert.ok(ok, seen.join('\n'));
    } finally {
      await d.stop();
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it("code carried in the meta line PID 1 evals (quotes, $' escapes, backslashes, CR/LF, UTF-8, ~64 KB) lands byte-exact and runs nothing as root (python, node prestart; shell plain)", async () => {
    // Each program prints the SHA-256 of its own file: any quoting slip in the meta word changes the bytes (or runs
    // the payload in PID 1, which would leave /run/warmbox/pwned or break the run).
    const d = await startDaemon({ isolation: 'reuse', profiles: { python: { minSize: 1, maxSize: 1, maxUses: 1000 }, node: { minSize: 1, maxSize: 1, maxUses: 1000 }, shell: { minSize: 1, maxSize: 1, maxUses: 1000 } } });
    const payload = [
      "'; touch /run/warmbox/pwned; '",
      "$'\\x27; touch /run/warmbox/pwned #'",
      "\\'; touch /run/warmbox/pwned; \\'",
      "'\\''$(touch /run/warmbox/pwned)'\\''",
      '`touch /run/warmbox/pwned` $(touch /run/warmbox/pwned) ${x:-y}',
      "\\\\\\ \\n \\r \\x41 \\101 \\u00e9 \\c \\e \\0 \\",
      "crlf\r\nbare cr\rend",
      'é Ё ā 😀 \u2028 \u00a0',
    ].join('\n');
    const probe = {
      python: (pad: string) => `import hashlib, sys, os\nprint(hashlib.sha256(open(sys.argv[0], "rb").read()).hexdigest(), os.path.exists("/run/warmbox/pwned"))\nr"""\n${payload}\n${pad}"""\n`,
      node: (pad: string) => `const fs = require("fs")\nconsole.log(require("crypto").createHash("sha256").update(fs.readFileSync(process.argv[1])).digest("hex"), fs.existsSync("/run/warmbox/pwned") ? "True" : "False")\n/*\n${payload}\n${pad}*/\n`,
      shell: (pad: string) => `printf '%s ' "$(set -- $(sha256sum < "$0"); printf %s "$1")"; [ -e /run/warmbox/pwned ] && echo True || echo False\nexit 0\n${payload}\n${pad}\n`,
    };
    const seen: string[] = [];
    try {
      for (const profile of ['python', 'node', 'shell'] as const) {
        // Short (one read), just past the shell's own read (dd), exactly the largest inline size, one byte past it.
        for (const size of [0, 2048, 65536, 65537]) {
          const base = probe[profile]('');
          const fill = Math.max(0, size - Buffer.byteLength(base));
          const code = probe[profile]("'\\\n".repeat(Math.floor(fill / 3)) + 'x'.repeat(fill % 3));
          const want = crypto.createHash('sha256').update(code).digest('hex');
          const r = await runToEnd(d.client, { profile, code, isolation: 'reuse' });
          const got = r.stdout.toString();
          if (got !== `${want} False\n` || r.result.outcome !== 'exited') seen.push(`${profile} ${Buffer.byteLength(code)} B: ${r.result.outcome} ${JSON.stringify(got)} ${r.stderr.toString().slice(0, 300)}`);
        }
      }
      record('redteam: code in the meta line (quotes, escapes, CR/LF, 64 KB)', seen.length ? seen.join(' ; ') : '12 runs byte-exact, nothing run as root', seen.length === 0);
      assert.deepEqual(seen, []);
    } finally {
      await d.stop();
    }
  });

  it('a client sees run/started before any output, and the result after all of it (python and node prestart, shell plain; fresh and reuse)', async () => {
    // Programs that write at their first instant, on both streams, and exit at once.
    const d = await startDaemon({ profiles: { python: { minSize: 1, maxSize: 1 }, node: { minSize: 1, maxSize: 1 }, shell: { minSize: 1, maxSize: 1 } } });
    const code = { python: 'import os\nos.write(1, b"o")\nos.write(2, b"e")\n', node: 'require("fs").writeSync(1, "o"); require("fs").writeSync(2, "e")\n', shell: 'printf o; printf e >&2\n' };
    const bad: string[] = [];
    try {
      for (const isolation of ['fresh', 'reuse'] as const) {
        for (const profile of ['python', 'node', 'shell'] as const) {
          for (let i = 0; i < 3; i++) {
            const events: string[] = [];
            const h = await d.client.run({ profile, code: code[profile], isolation }, { onStarted: () => events.push('started'), onOutput: (s, b) => events.push(`${s}:${b.toString()}`) });
            const r = await h.result;
            events.push(`result:${r.outcome}`);
            const want = ['started', 'stdout:o', 'stderr:e', 'result:exited'];
            if (JSON.stringify([...events].sort()) !== JSON.stringify([...want].sort()) || events[0] !== 'started' || events[events.length - 1] !== 'result:exited') bad.push(`${profile} ${isolation}: ${events.join(', ')}`);
          }
        }
      }
      record('redteam: notification order (started, output, result)', bad.length ? bad.join(' ; ') : '18 runs in order', bad.length === 0);
      assert.deepEqual(bad, []);
    } finally {
      await d.stop();
    }
  });

  it("processes named to fool the /proc stat parse (') Z ', a newline, parentheses, spaces) do not outlive the run (python prestart, reuse)", async () => {
    const d = await startDaemon({ isolation: 'reuse', profiles: { python: { minSize: 1, maxSize: 1, maxUses: 1000 }, node: { minSize: 0 }, shell: { minSize: 0 } } });
    const names = ['x) Z \\n', 'a) Z\\n) R', '(((', ') X ', 'z\\nZ', '  ) Z  '];
    const attack = `import os, ctypes, time\nlibc = ctypes.CDLL(None)\nfor n in ${JSON.stringify(names)}:\n    if os.fork() == 0:\n        os.setsid()\n        libc.prctl(15, n.encode(), 0, 0, 0)\n        while True:\n            time.sleep(0.01)\nprint("spawned")\n`;
    // (PID 1's own helpers of this run, its stdin relay and backstop, are root's: what is left of the program is not)
    const probe = 'import os\nme = os.getpid()\nprint(sorted(open("/proc/%s/comm" % p).read() for p in os.listdir("/proc") if p.isdigit() and int(p) not in (1, me) and os.stat("/proc/" + p).st_uid != 0))\n';
    try {
      const a = await runToEnd(d.client, { profile: 'python', code: attack, isolation: 'reuse' });
      const b = await runToEnd(d.client, { profile: 'python', code: probe, isolation: 'reuse' });
      const ok = a.stdout.toString() === 'spawned\n' && b.result.containerId === a.result.containerId && b.stdout.toString() === '[]\n';
      record('redteam: process names against the stat parse', `attack ${JSON.stringify(a.stdout.toString())} ${a.result.outcome}; next run saw ${JSON.stringify(b.stdout.toString())}`, ok);
      assert.ok(ok, JSON.stringify({ a: a.stdout.toString(), aerr: a.stderr.toString(), b: b.stdout.toString(), berr: b.stderr.toString(), same: b.result.containerId === a.result.containerId }));
    } finally {
      await d.stop();
    }
  });

  it("a run's output files are found by the engine's clock: an engine 3 s behind the daemon (a desktop VM after sleep) loses none", async () => {
    // The daemon's clock runs 3 s ahead of the engine's here (a preloaded shim): the program's files carry the
    // engine's time, so a time stamp taken from the daemon's clock would make them look older than the run.
    const shim = path.join(os.tmpdir(), `wb-redteam-clock-${process.pid}.js`);
    fs.writeFileSync(shim, 'const now = Date.now; Date.now = () => now() + 3000;\n');
    const d = await startDaemon({ profiles: { python: { minSize: 1, maxSize: 1 }, node: { minSize: 0 }, shell: { minSize: 0 } } }, { NODE_OPTIONS: `--require ${shim}` });
    try {
      const r = await runToEnd(d.client, { profile: 'python', code: 'open("made.txt", "w").write("made")\nprint("ok")\n', outputs: {} });
      const got = (r.result.outputs?.files ?? []).map((f) => f.path);
      const ok = r.result.outcome === 'exited' && JSON.stringify(got) === '["made.txt"]';
      record('redteam: output files with the engine 3 s behind the daemon', `${r.result.outcome}, outputs ${JSON.stringify(got)}`, ok);
      assert.ok(ok, JSON.stringify({ result: r.result, out: r.stdout.toString(), err: r.stderr.toString() }));
    } finally {
      await d.stop();
      fs.rmSync(shim, { force: true });
    }
  });

  it('a run with the largest env and args the daemon takes (~25 MB of meta line: the socket message cap is 32 MiB) ends readably within its timeout; the next run is fine', async () => {
    // 120 variables of 65,536 three-byte characters: more than any exec takes (E2BIG), but PID 1 must get through the
    // meta line fast enough to say so, not read it a byte at a time until the run's timeout.
    const d = await startDaemon({ isolation: 'reuse', profiles: { python: { minSize: 0 }, node: { minSize: 0 }, shell: { minSize: 1, maxSize: 1, maxUses: 1000 } }, limits: { timeoutMs: 20_000 } });
    try {
      const env = Object.fromEntries(Array.from({ length: 120 }, (_, i) => [`V${i}`, '€'.repeat(65536)]));
      const t0 = Date.now();
      const r = await runToEnd(d.client, { profile: 'shell', code: 'echo started', env, args: Array(256).fill('€'.repeat(4096)), isolation: 'reuse' });
      const ms = Date.now() - t0;
      const b = await runToEnd(d.client, { profile: 'shell', code: 'echo next', isolation: 'reuse' });
      const ok = r.result.outcome === 'exited' && r.result.exitCode !== 0 && /too long/i.test(r.stderr.toString()) && b.stdout.toString() === 'next\n';
      record('redteam: largest env and args (meta line ~25 MB)', `${r.result.outcome} ${r.result.exitCode} after ${ms} ms: ${JSON.stringify(r.stderr.toString().trim().slice(0, 120))}; next run ${JSON.stringify(b.stdout.toString())}`, ok);
      assert.ok(ok, JSON.stringify({ r: r.result, err: r.stderr.toString().slice(0, 500), next: b.stdout.toString() + b.stderr }));
    } finally {
      await d.stop();
    }
  });

  it('the longest args the daemon takes (3 MB) reach a pre-started interpreter whole (python, node): the spec is longer than the channel holds', async () => {
    const d = await startDaemon({ isolation: 'reuse', profiles: { python: { minSize: 1, maxSize: 1, maxUses: 1000 }, node: { minSize: 1, maxSize: 1, maxUses: 1000 }, shell: { minSize: 0 } }, limits: { timeoutMs: 20_000 } });
    try {
      const args = Array.from({ length: 256 }, (_, i) => `${i} ${'€'.repeat(4090)}\n `);
      const want = `256 ${args.join('').length} ${args[255].slice(0, 4)}\n`;
      const py = await runToEnd(d.client, { profile: 'python', code: 'import sys\na = sys.argv[1:]\nprint(len(a), sum(map(len, a)), a[-1][:4])', args, isolation: 'reuse' });
      const js = await runToEnd(d.client, { profile: 'node', code: 'const a = process.argv.slice(2); console.log(a.length, a.join("").length, a[a.length - 1].slice(0, 4))', args, isolation: 'reuse' });
      const ok = py.stdout.toString() === want && js.stdout.toString() === want;
      record('redteam: 3 MB of args to pre-started interpreters', `python ${py.result.outcome} ${JSON.stringify(py.stdout.toString())}, node ${js.result.outcome} ${JSON.stringify(js.stdout.toString())}`, ok);
      assert.ok(ok, JSON.stringify({ want, py: py.stdout.toString() + py.stderr.toString().slice(0, 300), js: js.stdout.toString() + js.stderr.toString().slice(0, 300) }));
    } finally {
      await d.stop();
    }
  });

  describe('compiled languages (reuse)', () => {
    let d: TestDaemon;
    before(async () => {
      d = await startDaemon({ isolation: 'reuse', profiles: { python: { minSize: 0 }, node: { minSize: 0 }, shell: { minSize: 0 }, c: { minSize: 1, maxSize: 1, maxUses: 1000 }, cpp: { minSize: 0, maxSize: 1, maxUses: 1000 } }, limits: { timeoutMs: 20_000, memoryMb: 256 } });
    });
    after(async () => {
      await d.stop();
    });

    it('a program that leaves a process rewriting /build/out does not reach the next compile or the cache', async () => {
      // Run N forks a detached process that keeps replacing the build output and the compiler with a script.
      const evil = String.raw`#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/stat.h>
static void put(const char *p) { FILE *f = fopen(p, "w"); if (f) { fputs("#!/bin/sh\necho tampered\n", f); fclose(f); chmod(p, 0755); } }
int main(void) {
  if (fork() == 0) { setsid(); if (fork() == 0) { for (;;) { put("/build/out/main"); put("/build/out/.wbart"); put("/build/.wbart"); usleep(1000); } } _exit(0); }
  puts("planted");
  return 0;
}
`;
      const a = await runToEnd(d.client, { profile: 'c', code: evil, fileName: 'main.c', isolation: 'reuse' });
      const token = crypto.randomBytes(6).toString('hex');
      const good = `#include <stdio.h>\nint main(void) { puts("${token}"); return 0; }\n`;
      const b = await runToEnd(d.client, { profile: 'c', code: good, fileName: 'main.c', isolation: 'reuse' });
      const c = await runToEnd(d.client, { profile: 'c', code: good, fileName: 'main.c', isolation: 'reuse' });
      const ok = a.stdout.toString() === 'planted\n' && b.stdout.toString() === `${token}\n` && c.result.compile?.cached === true && c.stdout.toString() === `${token}\n`;
      record('redteam: build output tampered from an earlier run (c, reuse)', `compiled run printed ${JSON.stringify(b.stdout.toString())}; cached run (cached ${c.result.compile?.cached}) printed ${JSON.stringify(c.stdout.toString())}`, ok);
      assert.ok(ok, JSON.stringify({ a: a.stdout.toString() + a.stderr, b: b.stdout.toString() + b.stderr, c: c.stdout.toString() + c.stderr }));
    });

    it('a program run from the build its sandbox was armed with (have) rewrites {out}: the next run of that build gets the genuine one again', async () => {
      const token = crypto.randomBytes(6).toString('hex');
      // Prints the token, then replaces its own binary with a script and plants a file beside it.
      const code = String.raw`#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
int main(void) {
  int planted = access("/build/out/extra", F_OK) == 0;
  FILE *f = fopen("/build/out/extra", "w"); if (f) fclose(f);
  unlink("/build/out/main"); f = fopen("/build/out/main", "w"); if (f) { fputs("#!/bin/sh\necho tampered\n", f); fclose(f); chmod("/build/out/main", 0755); }
  printf("${token} %d\n", planted);
  return 0;
}
`;
      const runs = [];
      for (let i = 0; i < 4; i++) runs.push(await runToEnd(d.client, { profile: 'c', code, fileName: 'main.c', isolation: 'reuse' }));
      const outs = runs.map((r) => r.stdout.toString());
      const armed = runs.slice(1).map((r) => r.result.compile?.armed === true);
      const ok = outs.every((o) => o === `${token} 0\n`) && armed.some(Boolean);
      record('redteam: program rewrites the armed build (c, reuse)', `outputs ${JSON.stringify(outs)}, armed ${JSON.stringify(armed)}`, ok);
      assert.ok(ok, JSON.stringify({ outs, armed, err: runs.map((r) => r.stderr.toString()) }));
    });

    it('gcc pointed at /dev/zero ends with a readable outcome; the next run is fine', async () => {
      const t0 = Date.now();
      const r = await runToEnd(d.client, { profile: 'c', code: '#include "/dev/zero"\nint main(void) { return 0; }\n', fileName: 'main.c', isolation: 'reuse' });
      const ms = Date.now() - t0;
      const token = crypto.randomBytes(6).toString('hex');
      const b = await runToEnd(d.client, { profile: 'c', code: `#include <stdio.h>\nint main(void) { puts("${token}"); return 0; }\n`, fileName: 'main.c', isolation: 'reuse' });
      const ok = ['compile-error', 'oom', 'timeout'].includes(r.result.outcome) && b.stdout.toString() === `${token}\n`;
      record('redteam: compile of /dev/zero (c)', `${r.result.outcome} (compile status ${r.result.compile?.status ?? '-'}) after ${ms} ms; next run printed ${JSON.stringify(b.stdout.toString())}`, ok);
      assert.ok(ok, JSON.stringify({ r: r.result, next: b.stdout.toString() + b.stderr }));
    });

    it('a compile that never ends (six constexpr evaluations at the operation limit of gcc) is stopped at its time limit, readably; the next run is fine', async () => {
      // (each evaluation stops at gcc's operation limit after some seconds: six of them outlast the compile's 30 s)
      const code = `constexpr long f(long k) { long s = 0; for (long i = 0; i < 100000; i++) for (long j = 0; j < 100000; j++) s += i ^ j ^ k; return s; }\n${[1, 2, 3, 4, 5, 6].map((k) => `static_assert(f(${k}) != 1, "");`).join('\n')}\nint main() { return 0; }\n`;
      const t0 = Date.now();
      const r = await runToEnd(d.client, { profile: 'cpp', code, fileName: 'main.cpp', isolation: 'reuse' });
      const ms = Date.now() - t0;
      const b = await runToEnd(d.client, { profile: 'cpp', code: '#include <cstdio>\nint main() { std::puts("fine"); }\n', fileName: 'main.cpp', isolation: 'reuse' });
      const ok = r.result.outcome === 'compile-error' && /memory|longer than/.test(r.result.message ?? '') && b.stdout.toString() === 'fine\n';
      record('redteam: endless compile (c++ constexpr)', `${r.result.outcome}: ${r.result.message} after ${ms} ms; next run ${JSON.stringify(b.stdout.toString())}`, ok);
      assert.ok(ok, JSON.stringify({ r: r.result, next: b.stdout.toString() + b.stderr }));
    });

    it('the compiler cannot read PID 1 or its private files', async () => {
      // The compiler reads what it is pointed at: PID 1's files are not readable through /proc, nor its private dir.
      const code = '#include "/proc/1/environ"\nint main(void) { return 0; }\n';
      const r = await runToEnd(d.client, { profile: 'c', code, fileName: 'main.c', isolation: 'reuse' });
      const code2 = '#include "/run/warmbox/cmsg"\nint main(void) { return 0; }\n';
      const r2 = await runToEnd(d.client, { profile: 'c', code: code2, fileName: 'main.c', isolation: 'reuse' });
      const msgs = `${r.result.compile?.messages ?? ''}${r2.result.compile?.messages ?? ''}`;
      const ok = r.result.outcome === 'compile-error' && r2.result.outcome === 'compile-error' && /Permission denied|No such file/.test(msgs);
      record('redteam: compiler reading PID 1 (c)', `${r.result.outcome}/${r2.result.outcome}: ${JSON.stringify(msgs.split('\n').filter((l) => /error/.test(l)).join(' ; ').slice(0, 200))}`, ok);
      assert.ok(ok, msgs);
    });
  });

  it('java: project code that javac runs at compile time (an annotation processor) leaves no process for the program or the cache', async () => {
    // javac finds annotation processors on its class path, "." (the file's folder): a project can run code while it
    // compiles. That code is the project's own and in the cache key; what must hold is the phase boundary: nothing it
    // starts outlives the compile, so the artifact is what was there when the compile ended and the program runs alone.
    const main = String.raw`import java.nio.file.*;
public class Main {
  public static void main(String[] a) throws Exception {
    long me = ProcessHandle.current().pid();
    long others = ProcessHandle.allProcesses().filter(p -> p.pid() != me && p.info().user().map(u -> !u.equals("root")).orElse(false)).count();
    Path p = Paths.get("/build/out/planted");
    String v1 = Files.exists(p) ? Files.readString(p) : "none";
    Thread.sleep(300);
    String v2 = Files.exists(p) ? Files.readString(p) : "none";
    System.out.println("others " + others + " planted-changing " + !v1.equals(v2));
  }
}
`;
    const root = javaProcessorProject('wb-redteam-java-', 'Evil', "(trap '' TERM HUP; while :; do date +%s%N > /build/out/planted; sleep 0.01; done) >/dev/null 2>&1 &", main);
    const d = await startDaemon({ isolation: 'reuse', profiles: { python: { minSize: 0 }, node: { minSize: 0 }, shell: { minSize: 0 }, java: { minSize: 0, maxSize: 1, maxUses: 1000 } }, limits: { timeoutMs: 30_000, memoryMb: 512 } });
    try {
      const params = { profile: 'java', code: main, fileName: 'Main.java', project: { root, file: 'Main.java' }, isolation: 'reuse' as const };
      const a = await runToEnd(d.client, params);
      const b = await runToEnd(d.client, params);
      const ran = /EVIL-PROCESSOR-RAN/.test(a.result.compile?.messages ?? '');
      const ok = a.result.outcome === 'exited' && a.stdout.toString() === 'others 0 planted-changing false\n' && b.result.compile?.cached === true && b.stdout.toString() === 'others 0 planted-changing false\n';
      record('redteam: compile-time project code (java annotation processor)', `processor ran: ${ran}; compiled run ${JSON.stringify(a.stdout.toString().trim())}; cached run (cached ${b.result.compile?.cached}) ${JSON.stringify(b.stdout.toString().trim())}`, ok);
      assert.ok(ok, JSON.stringify({ a: a.result, out: a.stdout.toString() + a.stderr, b: b.stdout.toString() + b.stderr }));
    } finally {
      await d.stop();
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
  describe('java: a program in the pre-started JVM (reuse)', () => {
    let d: TestDaemon;
    before(async () => {
      d = await startDaemon({ isolation: 'reuse', profiles: { python: { minSize: 0 }, node: { minSize: 0 }, shell: { minSize: 0 }, java: { minSize: 1, maxSize: 1, maxUses: 1000 } }, limits: { timeoutMs: 8000 } });
    });
    after(async () => {
      await d.stop();
    });
    /** Main with `body`, printing first whether it runs in the pre-started JVM (warmbox's agent on its command line). */
    const java = (body: string) =>
      `import java.nio.file.*;\nimport java.util.*;\npublic class Main {\n  public static void main(String[] args) throws Exception {\n    System.out.println("pre " + new String(Files.readAllBytes(Paths.get("/proc/self/cmdline"))).contains("-javaagent:"));\n${body}\n  }\n}\n`;
    /** Runs `code` until it lands in a sandbox armed with its build, where the JVM waited for it. */
    const inJvm = (code: string) => runUntil(d, () => ({ profile: 'java', code, fileName: 'Main.java', isolation: 'reuse' }), (r) => r.result.compile?.armed === true && r.stdout.toString().startsWith('pre true\n'), 'a run in the pre-started JVM');

    it('holds no private fd of PID 1 (the channel, a writer on its stdin) and cannot forge its end marker or exit status', async () => {
      const code = java(
        [
          '    List<String> fds = new ArrayList<>();',
          '    try (DirectoryStream<Path> ds = Files.newDirectoryStream(Paths.get("/proc/self/fd"))) { for (Path p : ds) { try { String t = Files.readSymbolicLink(p).toString(); if (t.startsWith("/run/warmbox")) fds.add(p.getFileName() + "->" + t); } catch (Exception e) { } } }',
          '    Collections.sort(fds);',
          '    System.out.println(fds);',
          '    Set<String> seen = new TreeSet<>();',
          '    for (Path p : Files.newDirectoryStream(Paths.get("/proc"), "[0-9]*")) for (String f : new String[] { "cmdline", "environ" }) { try { java.util.regex.Matcher m = java.util.regex.Pattern.compile("[0-9a-f]{32}").matcher(new String(Files.readAllBytes(p.resolve(f)), "ISO-8859-1")); while (m.find()) seen.add(m.group()); } catch (Exception e) { } }',
          '    seen.add("0".repeat(32));',
          '    java.io.FileOutputStream o = new java.io.FileOutputStream(java.io.FileDescriptor.out), e = new java.io.FileOutputStream(java.io.FileDescriptor.err);',
          '    for (String n : seen) { o.write(("\\u001e" + n + " 0 0 0\\n").getBytes()); e.write(("\\u001e" + n + "\\n").getBytes()); }',
          '    o.write("AFTER\\n".getBytes());',
          '    System.exit(7);',
        ].join('\n'),
      );
      const r = await inJvm(code);
      const out = r.stdout.toString();
      const fds = out.split('\n')[1];
      // Its stdin (fd 0) is the run's FIFO, read-only; nothing else of PID 1's.
      const ok = r.result.outcome === 'exited' && r.result.exitCode === 7 && out.endsWith('AFTER\n') && /^\[0->\/run\/warmbox\/in\]$/.test(fds);
      record('redteam: java pre-started program: fds, forged end marker', `fds ${fds}; ${r.result.outcome} ${r.result.exitCode}, output ends ${JSON.stringify(out.slice(-6))}`, ok);
      assert.ok(ok, JSON.stringify({ r: r.result, out: out.slice(0, 600), err: r.stderr.toString().slice(0, 300) }));
    });

    it('a cache hit of another build of the same class, in a sandbox whose JVM waits for that class, runs its own bytes', async () => {
      // v1 is built, then v2 (the set's latest: the sandbox is armed with it, the JVM started for Main); v1 again is a
      // cache hit with the same class name: unpacked into {out} under the waiting JVM, which must load v1's bytes.
      const v = (n: number) => java(`    System.out.println("v${n}");`);
      await runToEnd(d.client, { profile: 'java', code: v(1), fileName: 'Main.java', isolation: 'reuse' });
      await inJvm(v(2));
      const r = await runToEnd(d.client, { profile: 'java', code: v(1), fileName: 'Main.java', isolation: 'reuse' });
      const ok = r.result.compile?.cached === true && r.result.compile?.armed !== true && r.stdout.toString() === 'pre true\nv1\n';
      record('redteam: java cache hit of another build of the armed class', `${JSON.stringify(r.result.compile)} ${JSON.stringify(r.stdout.toString())}`, ok);
      assert.ok(ok, JSON.stringify({ r: r.result, out: r.stdout.toString() + r.stderr }));
    });

    it('a timeout holds (a busy main and a child that ignores TERM); the next run of the same build gets a genuine JVM and {out}', async () => {
      const evil = java(
        [
          '    Files.write(Paths.get("/build/out/Main.class"), new byte[] { 1, 2, 3 });',
          '    Files.write(Paths.get("/build/out/Planted.class"), new byte[] { 1 });',
          '    new ProcessBuilder("/bin/sh", "-c", "trap \'\' TERM HUP; while :; do echo child >> /tmp/child; sleep 0.1; done").start();',
          '    for (;;) { }',
        ].join('\n'),
      );
      const t0 = Date.now();
      const r = await inJvm(evil);
      const ms = Date.now() - t0;
      const probe = java('    System.out.println(Files.exists(Paths.get("/build/out/Planted.class")) + " " + Files.exists(Paths.get("/tmp/child")) + " " + ProcessHandle.allProcesses().filter(p -> p.pid() != ProcessHandle.current().pid() && p.info().user().map(u -> !u.equals("root")).orElse(false)).count());');
      const b = await inJvm(probe);
      const ok = r.result.outcome === 'timeout' && b.result.outcome === 'exited' && b.stdout.toString() === 'pre true\nfalse false 0\n';
      record('redteam: java pre-started program: timeout, tampered {out}', `${r.result.outcome} after ${ms} ms; next run in the JVM ${JSON.stringify(b.stdout.toString())}`, ok);
      assert.ok(ok, JSON.stringify({ r: r.result, b: b.result, out: b.stdout.toString() + b.stderr }));
    });
  });

  it("java: project code that javac runs at compile time cannot reach the sandbox's idle pre-started JVM (SIGQUIT: a thread dump on the container's stdout mid-compile)", async () => {
    // A build of another version of the armed class runs while the sandbox's JVM waits for a run of the armed one:
    // the same uid, so the compile-time code can signal it (or attach to it), and the JVM holds the container's stdout.
    const main = (v: number) => `public class Main { public static void main(String[] a) { System.out.println("v${v}"); } }\n`;
    const root = javaProcessorProject('wb-redteam-java-quit-', 'Quit', 'for p in /proc/[0-9]*; do grep -q prestart.jar $p/cmdline 2>/dev/null && kill -QUIT ${p#/proc/} && echo QUIT-SENT >&2; done; sleep 1', main(1));
    const d = await startDaemon({ isolation: 'reuse', profiles: { python: { minSize: 0 }, node: { minSize: 0 }, shell: { minSize: 0 }, java: { minSize: 0, maxSize: 1, maxUses: 1000 } }, limits: { timeoutMs: 30_000, memoryMb: 512 } });
    try {
      const params = (v: number) => ({ profile: 'java', code: main(v), fileName: 'Main.java', project: { root, file: 'Main.java' }, isolation: 'reuse' as const });
      const a = await runToEnd(d.client, params(1));
      // The sandbox is armed again with v1's build (its JVM waiting); v2 is built there.
      await waitUntil(async () => (await stats(d.client)).profiles.some((p) => p.name === 'java' && !p.isDefault && p.idle > 0), 30_000);
      const b = await runToEnd(d.client, params(2));
      const out = b.stdout.toString();
      const ok = a.stdout.toString() === 'v1\n' && b.result.outcome === 'exited' && out === 'v2\n';
      record('redteam: compile-time code against the idle JVM (java SIGQUIT)', `build of v2: ${b.result.outcome} ${b.result.message ?? ''}, stdout ${JSON.stringify(out.slice(0, 80))}, signal sent: ${/QUIT-SENT/.test(b.result.compile?.messages ?? '')}`, ok);
      assert.ok(ok, JSON.stringify({ a: a.result, b: b.result, out: out.slice(0, 500), err: b.stderr.toString().slice(0, 500) }));
    } finally {
      await d.stop();
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
  // Interpreters that speak as they start, for what the project holds or the profile's environment says.
  const JAVA_HOST = 'public class Main { public static void main(String[] a) throws Exception { System.out.println(new String(java.nio.file.Files.readAllBytes(java.nio.file.Paths.get("/etc/hostname"))).trim()); } }\n';
  const PY_HOST = 'print(open("/etc/hostname").read().strip())\n';
  const SPEAKERS = [
    { profile: 'java', variant: 'a project with .hotspotrc and .hotspot_compiler', file: 'Main.java', code: JAVA_HOST, files: { '.hotspotrc': '', '.hotspot_compiler': '' }, env: {}, says: /\.hotspotrc file is present/ },
    { profile: 'java', variant: 'JAVA_TOOL_OPTIONS in the profile', file: 'Main.java', code: JAVA_HOST, files: {}, env: { JAVA_TOOL_OPTIONS: '-Xss2m' }, says: /Picked up JAVA_TOOL_OPTIONS/ },
    { profile: 'python', variant: "a project with a .pth file in Python's user site (HOME is /work)", file: 'main.py', code: PY_HOST, files: { '.local/lib/python3.11/site-packages/zz.pth': 'import sys; sys.stderr.write("PTH-RAN\\n")\n' }, env: {}, says: /PTH-RAN/ },
    { profile: 'python', variant: 'PYTHONVERBOSE in the profile', file: 'main.py', code: PY_HOST, files: {}, env: { PYTHONVERBOSE: '1' }, says: /^import /m },
    { profile: 'node', variant: 'NODE_EXTRA_CA_CERTS naming no file, in the profile', file: 'main.js', code: 'console.log(require("fs").readFileSync("/etc/hostname", "utf8").trim());\n', files: {}, env: { NODE_EXTRA_CA_CERTS: '/nowhere.pem' }, says: /Ignoring extra certs/ },
  ];
  for (const c of SPEAKERS) {
    it(`${c.profile}: a pre-started interpreter that speaks as it starts (${c.variant}) does not end every sandbox armed for it (a loop of failing sandboxes); runs still see it as a plain start does`, async () => {
      // Its start-up output reaches the daemon outside a run, which ends the sandbox; the replacement starts the same
      // interpreter, which says the same: one sandbox after another, for as long as the set is kept warm.
      const root = fs.mkdtempSync(path.join(os.tmpdir(), 'wb-redteam-speaks-'));
      fs.writeFileSync(path.join(root, c.file), c.code);
      for (const [f, text] of Object.entries(c.files)) {
        fs.mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
        fs.writeFileSync(path.join(root, f), text);
      }
      const others = { python: { minSize: 0 }, node: { minSize: 0 }, shell: { minSize: 0 }, java: { minSize: 0 } };
      const d = await startDaemon({ isolation: 'reuse', profiles: { ...others, [c.profile]: { minSize: 1, maxSize: 1, maxUses: 1000, env: c.env } }, limits: { timeoutMs: 30_000 } });
      const log = () => (fs.existsSync(runtimePaths(d.env).log) ? fs.readFileSync(runtimePaths(d.env).log, 'utf8') : '');
      try {
        const params = { profile: c.profile, code: c.code, fileName: c.file, project: { root, file: c.file }, isolation: 'reuse' as const };
        const a = await runToEnd(d.client, params);
        // The project's sandbox, wiped, is armed again (for java: with this build) and idle, its interpreter starting:
        // a start-up is over well within the 5 s then watched.
        await waitUntil(async () => (await stats(d.client)).profiles.some((p) => p.name === c.profile && !p.isDefault && p.idle > 0), 30_000);
        const spoke = await waitUntil(() => /outside a run/.test(log()), 5000);
        const b = await runToEnd(d.client, params);
        const said = (r: typeof a) => c.says.test(r.stderr.toString());
        const ok = !spoke && a.result.outcome === 'exited' && b.result.outcome === 'exited' && a.stdout.toString() === b.stdout.toString() && said(a) && said(b);
        const lost = (log().match(/outside a run/g) ?? []).length;
        record(`redteam: start-up output of a pre-started interpreter (${c.profile}: ${c.variant})`, `${lost} sandboxes ended for writing outside a run; runs ${a.result.outcome}/${b.result.outcome} in ${JSON.stringify([a.stdout.toString().trim(), b.stdout.toString().trim()])}, start-up output in each run's stderr ${said(a)}/${said(b)}`, ok);
        assert.ok(ok, JSON.stringify({ lost, a: a.result, b: b.result, out: [a.stdout.toString(), b.stdout.toString()], err: [a.stderr.toString().slice(0, 400), b.stderr.toString().slice(0, 400)] }));
      } finally {
        await d.stop();
        fs.rmSync(root, { recursive: true, force: true });
      }
    });
  }
  it("java: project code that javac runs at compile time leaves a FIFO where PID 1 writes the build's tar: the build is still cached, nothing hangs", async () => {
    // The compile-time code is dead before PID 1 packs {out}, but what it left in the build folder is not: a FIFO (or a
    // symlink) at the artifact's name would block the tar, or cut the cached artifact.
    const main = 'public class Main { public static void main(String[] a) { System.out.println("ran"); } }\n';
    const root = javaProcessorProject('wb-redteam-java-fifo-', 'Fifo', 'rm -f /build/.wbart; mkfifo /build/.wbart', main);
    const d = await startDaemon({ isolation: 'reuse', profiles: { python: { minSize: 0 }, node: { minSize: 0 }, shell: { minSize: 0 }, java: { minSize: 0, maxSize: 1, maxUses: 1000, compileTimeoutMs: 15_000 } }, limits: { timeoutMs: 30_000, memoryMb: 512 } });
    try {
      const params = { profile: 'java', code: main, fileName: 'Main.java', project: { root, file: 'Main.java' }, isolation: 'reuse' as const };
      const t0 = Date.now();
      const a = await runToEnd(d.client, params);
      const ms = Date.now() - t0;
      const b = await runToEnd(d.client, params);
      const ok = a.result.outcome === 'exited' && a.stdout.toString() === 'ran\n' && b.result.outcome === 'exited' && b.result.compile?.cached === true && b.stdout.toString() === 'ran\n';
      record('redteam: compile-time FIFO at the artifact (java)', `compiled run ${a.result.outcome} after ${ms} ms ${JSON.stringify(a.stdout.toString())}; next run ${b.result.outcome} (cached ${b.result.compile?.cached}) ${JSON.stringify(b.stdout.toString())}`, ok);
      assert.ok(ok, JSON.stringify({ a: a.result, out: a.stdout.toString() + a.stderr, b: b.result, bout: b.stdout.toString() + b.stderr }));
    } finally {
      await d.stop();
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
