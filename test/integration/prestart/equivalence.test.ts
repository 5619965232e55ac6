// Pre-started interpreters against plain starts, in the same image: every case runs both ways, in both isolation
// modes, and stdout, stderr, exit status and outcome must match byte for byte (see daemon/prestart/).
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { IMAGE_VERSION } from '../../../daemon/profiles';
import type { IsolationMode, RunStartParams } from '../../../daemon/protocol';
import { runToEnd, startDaemon, TestDaemon } from '../../helpers/daemon';
import type { EquivalenceCase as Case } from '../../helpers/prestartCompiled';

const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');

// Python: what a program sees of how it was started.
const PY: Case[] = [
  { name: 'argv, __file__, __name__, sys.path[0], cwd', args: ['a b', "it's", '', '-x'], code: 'import sys, os\nprint(sys.argv, __file__, __name__, sys.path[0], sys.path[1:], os.getcwd(), sys.orig_argv, sys.executable, sys.flags)\n' },
  { name: "__main__'s globals and loader", code: '"""doc"""\nimport __main__\nprint(list(globals()), __doc__, __package__, __spec__, __cached__, type(__loader__).__name__, __loader__.name, __loader__.path, __main__ is __import__("sys").modules["__main__"])\n' },
  { name: 'sys.modules at start', code: 'import sys\nprint(sorted(sys.modules))\n' },
  { name: 'stdin text', stdin: 'one\ntwo\r\nthree', code: 'import sys\nprint(repr(sys.stdin.readline()), repr(sys.stdin.read()))\n' },
  { name: 'stdin binary', stdin: Buffer.from(Array.from({ length: 256 }, (_, i) => i)), code: 'import sys\nd = sys.stdin.buffer.read()\nprint(len(d), d == bytes(range(256)))\n' },
  { name: 'input() then EOF', stdin: 'ada\n', code: 'print("hi", input("name? "))\ninput()\n' },
  { name: 'stdio objects and isatty', code: 'import sys, os\nfor s in (sys.stdin, sys.stdout, sys.stderr):\n  print(s.isatty(), s.encoding, s.errors, s.line_buffering, s.write_through, s.mode, s.name, s.buffer.raw.name, s.seekable(), type(s.buffer).__name__, s is getattr(sys, "__" + s.name.strip("<>") + "__"))\nprint(sorted(os.listdir("/proc/self/fd")), os.open("/dev/null", 0), [os.get_inheritable(i) for i in (0, 1, 2)])\n' },
  { name: 'sys.exit(n)', code: 'import sys\nprint("bye")\nsys.exit(3)\n' },
  { name: 'exit()', code: 'print("x")\nexit()\n' },
  { name: 'sys.exit(message)', code: 'import sys\nsys.exit("it failed")\n' },
  { name: 'uncaught exception with a cause', code: 'def f():\n    try:\n        1/0\n    except ZeroDivisionError as e:\n        raise ValueError("bad") from e\nprint("before")\nf()\n' },
  { name: 'syntax error', code: 'print("never"\nx = = 1\n' },
  { name: 'KeyboardInterrupt', code: 'import atexit\natexit.register(print, "at exit")\nraise KeyboardInterrupt\n' },
  { name: 'atexit after an exception', code: 'import atexit, sys\natexit.register(lambda: print("bye", sys.last_value if hasattr(sys, "last_value") else None))\nraise RuntimeError("r")\n' },
  { name: 'killed by a signal', code: 'import os, signal\nprint("going", flush=True)\nos.kill(os.getpid(), signal.SIGTERM)\n' },
  { name: 'killed by SIGKILL', code: 'import os, signal\nprint("going", flush=True)\nos.kill(os.getpid(), signal.SIGKILL)\n' },
  { name: 'signal dispositions', code: 'import signal\nprint([(int(s), signal.getsignal(s)) for s in sorted(signal.valid_signals()) if s not in (signal.SIGKILL, signal.SIGSTOP)])\nprint([l for l in open("/proc/self/status") if l.startswith(("SigBlk", "SigIgn", "SigCgt"))])\n' },
  { name: 'warnings', code: 'import warnings, sys\nwarnings.warn("careful")\nwarnings.warn("old", DeprecationWarning)\nprint(sys.warnoptions, warnings.filters)\n' },
  { name: 'environment and PYTHON* settings', code: 'import os, sys\nprint(sorted((k, v) for k, v in os.environ.items() if k != "HOSTNAME"), sys.dont_write_bytecode, sys.flags.unbuffered if hasattr(sys.flags, "unbuffered") else None)\n' },
  { name: 'process identity', code: 'import os, resource\nprint(os.getppid(), os.getpgrp(), os.getsid(0), os.getuid() == os.getgid(), os.getgroups(), oct(os.umask(0)), [resource.getrlimit(r) for r in (resource.RLIMIT_NOFILE, resource.RLIMIT_CORE, resource.RLIMIT_NPROC)])\n' },
  // (the launcher freezes what exists before the program: the program's own garbage and finalizers are as ever)
  { name: 'finalizers at exit and the collector', code: 'import gc\nclass A:\n    def __init__(s, n): s.n = n\n    def __del__(s): print("del", s.n)\na = A(1)\nb = A(2); b.me = b\ndel b\nprint(gc.collect(), gc.isenabled(), gc.get_threshold())\nc = A(3); c.me = c\nf = open("left-open.txt", "w"); f.write("buffered")\n' },
  { name: 'a project module next to the program', project: { 'helper.py': 'X = 42\n' }, code: 'import helper, sys\nprint(helper.X, helper.__file__, sys.path[0])\n' },
  { name: 'streams merged: stderr is stdout, in the order written', streams: 'merged', code: 'import sys, os\nprint("out 1")\nprint("err 1", file=sys.stderr)\nprint("out 2", os.fstat(1).st_ino == os.fstat(2).st_ino)\n1/0\n' },
  // The exit (the launcher skips Python's teardown only when nothing could tell): what the teardown still does.
  { name: 'exit: a file object left open flushes at exit', code: 'import os\nf = os.fdopen(os.dup(1), "w")\nf.write("buffered, flushed by the teardown\\n")\nprint("main done")\n' },
  { name: 'exit: a suspended generator\'s finally', code: 'def g():\n    try:\n        yield 1\n    finally:\n        print("finally ran")\nit = g()\nnext(it)\nprint("main done")\n' },
  { name: 'exit: weakref callbacks', code: 'import weakref\nclass A: pass\na = A()\nr = weakref.ref(a, lambda _: print("callback"))\nprint("main done")\n' },
  { name: 'exit: C stdio written through ctypes', code: 'import ctypes\nctypes.CDLL(None).printf(b"from C\\n")\nprint("from Python")\n' },
  { name: 'exit: a thread still working, joined', code: 'import threading, time\nthreading.Thread(target=lambda: (time.sleep(0.2), print("thread done"))).start()\nprint("main done")\n' },
  { name: 'exit: sys.exit with a number, atexit, and output still buffered', code: 'import atexit, sys\nsys.stdout = open(1, "w", closefd=False)\natexit.register(lambda: print("atexit"))\nprint("buffered", end="")\nsys.exit(5)\n' },
  // (the collector's list holds only objects it tracks: an instance of a class with __slots__ = () and no GC base is
  // not tracked, yet its __del__ runs when the teardown clears __main__)
  { name: 'exit: __del__ of an object the collector does not track (__slots__ = ())', code: 'class A:\n    __slots__ = ()\n    def __del__(self):\n        print("finalized")\nclass B(int):\n    __slots__ = ()\n    def __del__(self):\n        print("int finalized")\na = A()\nb = B(7)\nprint("main done")\n' },
  // (sys.stdout replaced: the teardown still flushes the original stream's text layer when it destroys it)
  { name: 'exit: text held in sys.__stdout__ after sys.stdout was replaced by another stream', code: 'import sys, os\nsys.stdout.reconfigure(write_through=False)\nprint("held in the original stdout")\nsys.stderr.reconfigure(write_through=False)\nprint("held in the original stderr", file=sys.stderr)\nsys.stdout = open(os.devnull, "w")\nsys.stderr = sys.stdout\n' },
  { name: 'exit: text held in sys.__stdout__ after sys.stdout was set to None', code: 'import sys\nsys.stdout.reconfigure(write_through=False)\nprint("held in the original stdout")\nsys.stderr.reconfigure(write_through=False)\nprint("held in the original stderr", file=sys.stderr)\nsys.stdout = sys.stderr = None\n' },
  { name: 'exit: text held in sys.__stdout__ after sys.stdout was pointed at stdin', code: 'import sys\nsys.stdout.reconfigure(write_through=False)\nprint("held in the original stdout")\nsys.stdout = sys.stdin\n' },
  // (gc.freeze() by the program moves its own objects out of the collector's list, as the launcher moved its own)
  { name: 'exit: __del__ of an object the program froze (gc.freeze)', code: 'import gc\nclass A:\n    def __del__(self):\n        print("finalized")\na = A()\ngc.freeze()\nprint("main done")\n' },
  { name: 'exit: PYTHONINSPECT set by the program', stdin: '', code: 'import os\nos.environ["PYTHONINSPECT"] = "1"\nprint("main done")\n' },
  // The code's way into the sandbox: in the meta line (short, no NUL), or as bytes after it (PID 1 writes the file).
  { name: 'a NUL byte in the source (its tokenizer reads the file)', code: 'print("before the NUL")\n# \0 after\nprint("after")\n' },
  { name: 'a program over 64 KB', code: `${'x = 1\n'.repeat(12_000)}print(x, __file__)\n` },
  { name: 'an unsaved program in a folder the project lacks, run from the root', unsaved: true, cwd: 'root', fileName: 'new/dir/main.py', project: { 'lib.py': 'Y = 1\n' }, code: 'import os, sys\nprint(__file__, os.getcwd(), sys.path[0], oct(os.stat("new").st_mode), oct(os.stat(__file__).st_mode))\n' },
];

// Node: the same questions.
const NODE: Case[] = [
  { name: 'argv, execArgv, require.main, __filename', args: ['a b', '--flag', ''], code: 'console.log(process.argv, process.argv0, process.execArgv, require.main === module, __filename, __dirname, module.id, process.cwd(), Object.keys(require.cache), module.paths)\n' },
  { name: 'an ES module (.mjs)', fileName: 'main.mjs', args: ['x'], code: 'console.log(import.meta.url, process.argv, typeof require)\nthrow new Error("from esm")\n' },
  { name: '"type": "module" in package.json', project: { 'package.json': '{"type": "module"}' }, code: 'console.log(import.meta.url, process.argv.slice(1), typeof module)\n' },
  { name: 'process.exitCode', code: 'process.exitCode = 7\nconsole.log("set")\n' },
  // (Node resets them before the main module; the launcher takes its run after that reset, and uses regular expressions)
  { name: 'RegExp statics at start', code: 'console.log(JSON.stringify([RegExp.input, RegExp.lastMatch, RegExp.lastParen, RegExp.leftContext, RegExp.rightContext, RegExp.$1]))\n' },
  { name: 'process.exit(n)', code: 'process.on("exit", (c) => console.log("exit", c))\nprocess.exit(3)\n' },
  { name: 'uncaught error', code: 'function f() { throw new TypeError("nope") }\nconsole.log("before")\nf()\n' },
  { name: 'unhandled rejection', code: 'Promise.reject(new Error("rejected"))\nsetTimeout(() => console.log("never"), 100)\n' },
  { name: 'stdin text', stdin: 'one\ntwo\n', code: 'let s = ""\nprocess.stdin.setEncoding("utf8")\nprocess.stdin.on("data", (d) => (s += d)).on("end", () => console.log(JSON.stringify(s), process.stdin.isTTY, process.stdout.isTTY, process.stderr.isTTY))\n' },
  { name: 'stdin binary (readFileSync(0))', stdin: Buffer.from(Array.from({ length: 256 }, (_, i) => i)), code: 'const d = require("fs").readFileSync(0)\nconsole.log(d.length, d.every((b, i) => b === i))\n' },
  { name: 'stdin EOF', code: 'process.stdin.on("data", () => {}).on("end", () => console.log("eof"))\n' },
  { name: 'signals, fds, environment', code: 'const fs = require("fs")\nconsole.log(fs.readFileSync("/proc/self/status", "utf8").split("\\n").filter((l) => /^Sig(Blk|Ign|Cgt)/.test(l)), fs.readdirSync("/proc/self/fd").sort(), Object.entries(process.env).filter(([k]) => k !== "HOSTNAME").sort())\n' },
  // (the pid in the warning is the process's own, whichever way it started: it is masked)
  { name: 'killed by a signal', code: 'console.log("going")\nprocess.kill(process.pid, "SIGTERM")\n' },
  { name: 'warnings', code: 'process.emitWarning("careful")\nnew Buffer(1)\nconsole.log("done")\n', maskPid: true },
  { name: 'streams merged: stderr is stdout, in the order written', streams: 'merged', code: 'const fs = require("fs")\nconsole.log("out 1")\nconsole.error("err 1")\nconsole.log("out 2", fs.fstatSync(1).ino === fs.fstatSync(2).ino)\nthrow new Error("boom")\n' },
  // The exit (the launcher ends Node itself once nothing is left to happen): what must still happen first.
  { name: 'killed by SIGKILL', code: 'console.log("going")\nprocess.kill(process.pid, "SIGKILL")\n' },
  { name: 'exit: beforeExit scheduling more work', code: 'let n = 0\nprocess.on("beforeExit", () => { if (n++ < 2) setTimeout(() => console.log("more", n), 5) })\nconsole.log("main")\n' },
  { name: 'exit: exitCode past 255', code: 'process.exitCode = 300\nconsole.log("set")\n' },
  { name: 'exit: an uncaught error in a callback', code: 'setTimeout(() => { throw new RangeError("late") }, 5)\nconsole.log("main")\n' },
  { name: 'exit: an uncaughtException handler, then the end', code: 'process.on("uncaughtException", (e) => console.log("handled", e.message))\nsetTimeout(() => { throw new Error("x") }, 5)\nsetTimeout(() => console.log("after"), 20)\n' },
  { name: 'exit: a megabyte to stdout and one to stderr, then the end', code: 'process.stdout.write("o".repeat(1 << 20) + "\\n")\nprocess.stderr.write("e".repeat(1 << 20) + "\\n")\n' },
  // (output past the pipe's 64 KB is cut by process.exit() at a point that depends on how fast the reader drains it,
  // in a plain start too: not a case that can compare)
  { name: 'exit: process.exit() right after a write', code: 'process.stdout.write("x".repeat(60000) + "\\n")\nprocess.exit(2)\n' },
  // (an 'exit' the program emits itself is an event like any other: the program goes on)
  { name: "exit: process.emit('exit') by the program, which goes on", code: 'process.emit("exit", 0)\nconsole.log("still here")\nsetTimeout(() => { console.log("later"); process.exitCode = 4 }, 5)\n' },
  { name: 'a NUL byte in the source', code: 'console.log("a\0b".length)\n' },
  { name: 'a program over 64 KB', code: `${'var x = 1\n'.repeat(8_000)}console.log(x, __filename)\n` },
  { name: 'an unsaved program in a folder the project lacks, run from the root', unsaved: true, cwd: 'root', fileName: 'new/dir/main.js', project: { 'lib.js': '' }, code: 'const fs = require("fs")\nconsole.log(__filename, process.cwd(), fs.statSync("new").mode.toString(8), fs.statSync(__filename).mode.toString(8))\n' },
];

function projectDir(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'wbeq-'));
  for (const [f, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
    fs.writeFileSync(path.join(root, f), text);
  }
  return root;
}

function params(profile: string, c: Case, isolation: IsolationMode, defaultFile: string): RunStartParams {
  const fileName = c.fileName ?? defaultFile;
  const p: RunStartParams = { profile, code: c.code, fileName, args: c.args ?? [], isolation, stdin: c.stdin === undefined ? undefined : b64(c.stdin), streams: c.streams };
  if (c.project) p.project = { root: projectDir(c.unsaved ? c.project : { ...c.project, [fileName]: c.code }), file: fileName, cwd: c.cwd };
  return p;
}

const PY_ENV = { PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1' };

describe('pre-started interpreters: equivalence with a plain start (real engine)', function () {
  this.timeout(120_000);
  let d: TestDaemon;

  before(async () => {
    d = await startDaemon({
      profiles: {
        python: { minSize: 1, maxSize: 2 },
        node: { minSize: 1, maxSize: 2 },
        shell: { minSize: 0 },
        // The same images and commands, started plainly.
        pyplain: { image: `warmbox/python:${IMAGE_VERSION}`, command: ['python3', '{file}'], fileName: 'main.py', health: ['python3', '-c', 'print("HEALTH_OK")'], env: PY_ENV, minSize: 1, maxSize: 2 },
        nodeplain: { image: `warmbox/node:${IMAGE_VERSION}`, command: ['node', '{file}'], fileName: 'main.js', health: ['node', '-e', 'console.log("HEALTH_OK")'], minSize: 1, maxSize: 2 },
      },
      limits: { timeoutMs: 20_000 },
    });
  });
  after(async () => {
    await d?.stop();
  });

  for (const isolation of ['fresh', 'reuse'] as const) {
    describe(`${isolation} sandboxes`, () => {
      it('Python: the built-in profile really runs in a pre-started interpreter, the plain one does not', async () => {
        const code = 'print(open("/proc/self/cmdline", "rb").read().split(b"\\0")[1].decode())\n';
        const pre = await runToEnd(d.client, params('python', { name: '', code }, isolation, 'main.py'));
        const plain = await runToEnd(d.client, params('pyplain', { name: '', code }, isolation, 'main.py'));
        assert.equal(pre.stdout.toString(), '/run/warmbox/prestart.py\n');
        assert.equal(plain.stdout.toString(), '/work/main.py\n');
      });
      it('Node: the built-in profile really runs in a pre-started interpreter, the plain one does not', async () => {
        const code = 'console.log(require("fs").readFileSync("/proc/self/cmdline", "utf8").split("\\0").filter(Boolean).slice(1, 3).join(" "))\n';
        const pre = await runToEnd(d.client, params('node', { name: '', code }, isolation, 'main.js'));
        const plain = await runToEnd(d.client, params('nodeplain', { name: '', code }, isolation, 'main.js'));
        assert.equal(pre.stdout.toString(), '-r /run/warmbox/prestart.js\n');
        assert.equal(plain.stdout.toString(), '/work/main.js\n');
      });
      it('Node: once the set\'s runs are merged (as VS Code\'s are), a merged run goes to a pre-started interpreter, byte for byte as a plain start', async () => {
        const probe = 'console.log(require("fs").readFileSync("/proc/self/cmdline", "utf8").split("\\0").filter(Boolean).slice(1, 3).join(" "))\n';
        const seen: string[] = [];
        for (let i = 0; i < 8 && !seen.includes('-r /run/warmbox/prestart.js\n'); i++) {
          seen.push((await runToEnd(d.client, params('node', { name: '', code: probe, streams: 'merged' }, isolation, 'main.js'))).stdout.toString());
        }
        assert.ok(seen.includes('-r /run/warmbox/prestart.js\n'), `no merged run was pre-started: ${JSON.stringify(seen)}`);
        const c = NODE.find((x) => x.streams === 'merged')!;
        const show = (r: Awaited<ReturnType<typeof runToEnd>>) => ({ outcome: r.result.outcome, exitCode: r.result.exitCode, stdout: r.stdout.toString('latin1'), stderr: r.stderr.toString('latin1') });
        assert.deepEqual(show(await runToEnd(d.client, params('node', c, isolation, 'main.js'))), show(await runToEnd(d.client, params('nodeplain', c, isolation, 'main.js'))));
        // And a run that keeps its streams apart, in a sandbox armed for merged ones, starts plainly: still the same bytes.
        const apart = NODE.find((x) => x.name === 'uncaught error')!;
        assert.deepEqual(show(await runToEnd(d.client, params('node', apart, isolation, 'main.js'))), show(await runToEnd(d.client, params('nodeplain', apart, isolation, 'main.js'))));
      });
      if (isolation === 'reuse') {
        it('reuse: every run gets a new interpreter, nothing of the last run in it', async () => {
          const first = await runToEnd(d.client, params('python', { name: '', code: 'import builtins, sys\nbuiltins.leak = 1\nsys.modules["leaked"] = sys\nprint("set")\n' }, isolation, 'main.py'));
          assert.equal(first.stdout.toString(), 'set\n');
          // The next runs until one lands in the same container (the pool may hand out another first).
          for (let i = 0; i < 6; i++) {
            const next = await runToEnd(d.client, params('python', { name: '', code: 'import builtins, sys\nprint(hasattr(builtins, "leak"), "leaked" in sys.modules)\n' }, isolation, 'main.py'));
            assert.equal(next.stdout.toString(), 'False False\n');
            if (next.result.containerId === first.result.containerId) return;
          }
          assert.fail('no run landed in the first run\'s container');
        });
        it('reuse: what a Node program leaves in the exit channel never becomes a later run\'s status', async () => {
          // (an 'exit' listener: this run exits the usual way, leaving its lines unread; lines that are no status)
          const junk = 'const fs = require("fs")\nfs.writeSync(fs.openSync("/run/warmbox/done", "w"), "x\\n256\\n-1\\n9 9\\n")\nprocess.on("exit", () => {})\nconsole.log("left")\n';
          const first = await runToEnd(d.client, params('node', { name: '', code: junk }, isolation, 'main.js'));
          assert.deepEqual([first.stdout.toString(), first.result.exitCode], ['left\n', 0]);
          for (let i = 0; i < 6; i++) {
            const next = await runToEnd(d.client, params('node', { name: '', code: 'process.exitCode = 3\nconsole.log("next")\n' }, isolation, 'main.js'));
            assert.deepEqual([next.stdout.toString(), next.result.exitCode], ['next\n', 3]);
            if (next.result.containerId === first.result.containerId) return;
          }
          assert.fail('no run landed in the first run\'s container');
        });
      }
      for (const [lang, cases, pre, plain, file] of [
        ['Python', PY, 'python', 'pyplain', 'main.py'],
        ['Node', NODE, 'node', 'nodeplain', 'main.js'],
      ] as const) {
        for (const c of cases) {
          it(`${lang}: ${c.name}`, async () => {
            const a = await runToEnd(d.client, params(pre, c, isolation, file));
            const b = await runToEnd(d.client, params(plain, c, isolation, file));
            const mask = (t: string) => (c.maskPid ? t.replace(/\(node:\d+\)/g, '(node:PID)') : t);
            const show = (r: typeof a) => ({ outcome: r.result.outcome, exitCode: r.result.exitCode, stdout: r.stdout.toString('latin1'), stderr: mask(r.stderr.toString('latin1')) });
            assert.deepEqual(show(a), show(b));
            assert.notEqual(a.result.outcome, 'infra-error');
          });
        }
      }
    });
  }
});
