// The thirteen built-in languages against a real engine and their real images: hello + args + stdin + exit code,
// a compile error on the right line, a runtime error, the build cache (hit, miss, a program that tampers with its
// build), and the profile chosen in the daemon (extension, language id, shebang).
import { strict as assert } from 'assert';
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Methods, PoolStats, ProfileResolveResult, RunStartParams } from '../../daemon/protocol';
import { CLI, engineContainers, runToEnd, startDaemon, TestDaemon } from '../helpers/daemon';

const b64 = (s: string) => Buffer.from(s).toString('base64');

interface Lang {
  name: string;
  file: string;
  /** Prints `hello <args>`, echoes all of stdin, exits 3. */
  echo: string;
  /** Fails at runtime, saying "boom". */
  crash: string;
  /** A compile error on line 3 (compiled languages). */
  broken?: string;
}

const LANGS: Lang[] = [
  { name: 'python', file: 'main.py', echo: 'import sys\nprint("hello", *sys.argv[1:])\nsys.stdout.write(sys.stdin.read())\nsys.exit(3)\n', crash: 'raise ValueError("boom")\n' },
  { name: 'node', file: 'main.js', echo: 'console.log("hello " + process.argv.slice(2).join(" "));\nprocess.stdout.write(require("fs").readFileSync(0, "utf8"));\nprocess.exitCode = 3;\n', crash: 'throw new Error("boom");\n' },
  { name: 'shell', file: 'main.sh', echo: 'echo "hello $*"\ncat\nexit 3\n', crash: 'echo boom >&2\nexit 9\n' },
  {
    name: 'typescript',
    file: 'main.ts',
    echo: 'const args: string[] = process.argv.slice(2);\nconsole.log(`hello ${args.join(" ")}`);\nconst input: string = require("fs").readFileSync(0, "utf8");\nprocess.stdout.write(input);\nprocess.exitCode = 3;\n',
    crash: 'const n: number = 1;\n\nthrow new Error("boom" + n);\n',
    broken: 'const a = 1;\nconst b = 2;\nconst c = ;\n',
  },
  {
    name: 'c',
    file: 'main.c',
    echo: '#include <stdio.h>\nint main(int argc, char **argv) {\n  printf("hello");\n  for (int i = 1; i < argc; i++) printf(" %s", argv[i]);\n  printf("\\n");\n  int ch;\n  while ((ch = getchar()) != EOF) putchar(ch);\n  return 3;\n}\n',
    crash: '#include <stdio.h>\n#include <stdlib.h>\nint main(void) { fprintf(stderr, "boom\\n"); abort(); }\n',
    broken: '#include <stdio.h>\nint main(void) {\n  return undefined_name;\n}\n',
  },
  {
    name: 'cpp',
    file: 'main.cpp',
    echo: '#include <iostream>\n#include <iterator>\n#include <string>\nint main(int argc, char **argv) {\n  std::cout << "hello";\n  for (int i = 1; i < argc; i++) std::cout << " " << argv[i];\n  std::cout << "\\n";\n  std::string all((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());\n  std::cout << all;\n  return 3;\n}\n',
    crash: '#include <stdexcept>\nint main() { throw std::runtime_error("boom"); }\n',
    broken: '#include <iostream>\nint main() {\n  return undefined_name;\n}\n',
  },
  {
    name: 'go',
    file: 'main.go',
    echo: 'package main\n\nimport (\n\t"fmt"\n\t"io"\n\t"os"\n\t"strings"\n)\n\nfunc main() {\n\tfmt.Println("hello " + strings.Join(os.Args[1:], " "))\n\tb, _ := io.ReadAll(os.Stdin)\n\tos.Stdout.Write(b)\n\tos.Exit(3)\n}\n',
    crash: 'package main\n\nfunc main() { panic("boom") }\n',
    broken: 'package main\n\nfunc main() { undefinedName() }\n',
  },
  {
    name: 'rust',
    file: 'main.rs',
    echo: 'use std::io::Read;\nfn main() {\n    let args: Vec<String> = std::env::args().skip(1).collect();\n    println!("hello {}", args.join(" "));\n    let mut s = String::new();\n    std::io::stdin().read_to_string(&mut s).unwrap();\n    print!("{}", s);\n    std::process::exit(3);\n}\n',
    crash: 'fn main() {\n    panic!("boom");\n}\n',
    broken: 'fn main() {\n    let x = 1;\n    undefined_name(x);\n}\n',
  },
  {
    name: 'java',
    file: 'Main.java',
    echo: 'import java.io.*;\npublic class Main {\n  public static void main(String[] args) throws IOException {\n    System.out.println("hello " + String.join(" ", args));\n    System.out.print(new String(System.in.readAllBytes()));\n    System.out.flush();\n    System.exit(3);\n  }\n}\n',
    crash: 'public class Main {\n  public static void main(String[] a) { throw new RuntimeException("boom"); }\n}\n',
    broken: 'public class Main {\n  public static void main(String[] a) {\n    undefinedName();\n  }\n}\n',
  },
  { name: 'ruby', file: 'main.rb', echo: 'puts "hello #{ARGV.join(" ")}"\nprint STDIN.read\nexit 3\n', crash: 'raise "boom"\n' },
  { name: 'php', file: 'main.php', echo: '<?php\necho "hello " . implode(" ", array_slice($argv, 1)) . "\\n";\necho stream_get_contents(STDIN);\nexit(3);\n', crash: '<?php\nthrow new Exception("boom");\n' },
  { name: 'perl', file: 'main.pl', echo: 'print "hello @ARGV\\n";\nlocal $/;\nprint <STDIN>;\nexit 3;\n', crash: 'die "boom\\n";\n' },
  { name: 'lua', file: 'main.lua', echo: 'print("hello " .. table.concat(arg, " "))\nio.write(io.read("a"))\nos.exit(3)\n', crash: 'error("boom")\n' },
];

describe('languages (real engine, real images)', function () {
  this.timeout(180_000);
  let d: TestDaemon;

  before(async () => {
    // One warm sandbox per language at most: thirteen images on a shared machine.
    const profiles: Record<string, object> = Object.fromEntries(LANGS.map((l) => [l.name, { minSize: 0, maxSize: 2 }]));
    // A user's compiled profile: placeholders inside arguments, its own compile limit.
    profiles['c-debug'] = {
      image: 'warmbox/c:2',
      compile: ['gcc', '-O0', '-g', '-o', '{out}/dbg-{name}.bin', '{file}'],
      command: ['{out}/dbg-{name}.bin', '--from={name}'],
      extensions: ['.dbg.c'],
      compileTimeoutMs: 20_000,
      minSize: 0,
      maxSize: 1,
    };
    // Builds that take their time: one past its own limit, one longer than the run's timeout but within its own.
    profiles['slow-build'] = { image: 'warmbox/c:2', compile: ['sh', '-c', 'echo building; sleep 60'], command: ['sh', '{file}'], compileTimeoutMs: 2000, minSize: 0, maxSize: 1 };
    profiles['long-build'] = { image: 'warmbox/c:2', compile: ['sh', '-c', 'sleep 3'], command: ['sh', '{file}'], minSize: 0, maxSize: 1 };
    d = await startDaemon({ profiles, limits: { timeoutMs: 30_000, memoryMb: 512 } });
  });
  after(async () => {
    await d.stop();
    const left = engineContainers(d.scope);
    // Say which (profile, state) if any is left: the message must help find the path that left it.
    const what = left.map((id) => execFileSync('docker', ['ps', '-a', '--filter', `id=${id}`, '--format', '{{.ID}} {{.Label "dev.warmbox.profile"}} {{.Status}}'], { encoding: 'utf8' }).trim() || `${id.slice(0, 12)} (gone a moment later)`);
    assert.deepEqual(left, [], `containers left behind after shutdown: ${what.join('; ')}`);
  });

  const run = (p: RunStartParams) => runToEnd(d.client, p);

  for (const l of LANGS) {
    describe(l.name, () => {
      it('says hello with its args, echoes all of stdin, exits with its code', async () => {
        const r = await run({ profile: l.name, code: l.echo, fileName: l.file, args: ['a b', 'c'], stdin: b64('line1\nline2 ü\n') });
        assert.equal(r.result.outcome, 'exited', `${r.result.message ?? ''}\n${r.stderr}`);
        assert.equal(r.stdout.toString(), 'hello a b c\nline1\nline2 ü\n', r.stderr.toString());
        assert.equal(r.result.exitCode, 3);
      });

      it('reports a runtime error as the program exiting, never as an infra-error', async () => {
        const r = await run({ profile: l.name, code: l.crash, fileName: l.file });
        assert.equal(r.result.outcome, 'exited', r.result.message);
        assert.notEqual(r.result.exitCode, 0);
        assert.match(r.stderr.toString() + r.stdout.toString(), /boom/);
      });

      if (l.broken) {
        it('reports a compile error as compile-error, with the line', async () => {
          const r = await run({ profile: l.name, code: l.broken!, fileName: l.file });
          assert.equal(r.result.outcome, 'compile-error', r.result.message);
          const msgs = r.result.compile?.messages ?? '';
          assert.match(msgs, new RegExp(`${l.file.replace('.', '\\.')}:3:`), msgs);
          // Every client sees the messages as stderr too.
          assert.match(r.stderr.toString(), new RegExp(`${l.file.replace('.', '\\.')}:3:`));
          assert.equal(r.stdout.length, 0);
        });

        it('caches its build: the same source again starts the cached result, one changed character compiles again', async () => {
          const a = l.echo.replace('hello', 'hallo');
          const first = await run({ profile: l.name, code: a, fileName: l.file, args: ['x'] });
          assert.equal(first.result.compile?.cached, false, `${first.result.message}\n${first.stderr}`);
          const again = await run({ profile: l.name, code: a, fileName: l.file, args: ['x'] });
          assert.equal(again.result.compile?.cached, true);
          assert.equal(again.stdout.toString(), 'hallo x\n');
          assert.equal(again.result.exitCode, 3);
          const edited = await run({ profile: l.name, code: l.echo.replace('hello', 'hullo'), fileName: l.file, args: ['x'] });
          assert.equal(edited.result.compile?.cached, false);
          assert.equal(edited.stdout.toString(), 'hullo x\n');
        });
      }
    });
  }

  it('maps a TypeScript runtime error to the .ts line (source map)', async () => {
    const r = await run({ profile: 'typescript', code: LANGS.find((l) => l.name === 'typescript')!.crash, fileName: 'main.ts' });
    assert.match(r.stderr.toString(), /main\.ts:3/);
  });

  it('caches a build: the same source runs without the compiler, one changed character compiles again', async () => {
    const code = (s: string) => `#include <stdio.h>\nint main(void) { puts("${s}"); return 0; }\n`;
    const first = await run({ profile: 'c', code: code('cache-a'), fileName: 'main.c' });
    assert.equal(first.result.compile?.cached, false);
    assert.equal(first.stdout.toString(), 'cache-a\n');
    const again = await run({ profile: 'c', code: code('cache-a'), fileName: 'main.c' });
    assert.equal(again.result.compile?.cached, true);
    assert.equal(again.stdout.toString(), 'cache-a\n');
    const edited = await run({ profile: 'c', code: code('cache-b'), fileName: 'main.c' });
    assert.equal(edited.result.compile?.cached, false);
    assert.equal(edited.stdout.toString(), 'cache-b\n');
  });

  it('arms the next sandboxes with the latest build: a repeated run sends nothing before its program', async () => {
    const code = `#include <stdio.h>\nint main(void) { puts("armed ${Date.now()}"); return 0; }\n`;
    const first = await run({ profile: 'c', code, fileName: 'main.c' });
    assert.equal(first.result.compile?.cached, false);
    // Sandboxes armed before that build do not hold it (a cache hit sends it); those armed after it do.
    const seen: (boolean | undefined)[] = [];
    for (let i = 0; i < 8 && !seen.includes(true); i++) {
      const r = await run({ profile: 'c', code, fileName: 'main.c' });
      assert.equal(r.result.compile?.cached, true);
      assert.equal(r.stdout.toString(), first.stdout.toString());
      seen.push(r.result.compile?.armed);
    }
    assert.ok(seen.includes(true), `no run found its build armed: ${JSON.stringify(seen)}`);
    // Another program in a sandbox armed with that build gets its own.
    const other = await run({ profile: 'c', code: code.replace('armed', 'other'), fileName: 'main.c' });
    assert.equal(other.result.compile?.armed, undefined);
    assert.match(other.stdout.toString(), /^other /);
  });

  it('keeps an armed build out of reach in reuse mode: a program that overwrites it does not change the next run', async () => {
    const code = '#include <stdio.h>\n#include <stdlib.h>\nint main(void) {\n  FILE *f = fopen("/build/out/main", "w");\n  if (f) { fputs("#!/bin/sh\\necho tampered\\n", f); fclose(f); }\n  puts(f ? "wrote" : "refused");\n  return 0;\n}\n';
    const armed: (boolean | undefined)[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await run({ profile: 'c', code, fileName: 'main.c', isolation: 'reuse' });
      assert.equal(r.result.outcome, 'exited', r.result.message);
      assert.match(r.stdout.toString(), /^(wrote|refused)\n$/);
      armed.push(r.result.compile?.armed);
    }
    // (after the wipe, the sandbox takes the build again: the later runs start it from there)
    assert.ok(armed.slice(1).includes(true), JSON.stringify(armed));
  });

  it('keys a project build by its sources\' content: a touched header hits, a same-size edit that keeps the mtime misses', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'wblang-'));
    try {
      const header = path.join(root, 'greet.h');
      fs.writeFileSync(header, '#define GREETING "AAA"\n');
      const main = '#include <stdio.h>\n#include "greet.h"\nint main(void) { puts(GREETING); return 0; }\n';
      fs.writeFileSync(path.join(root, 'main.c'), main);
      const go = () => run({ profile: 'c', code: main, project: { root, file: 'main.c' } });
      const first = await go();
      assert.equal(first.stdout.toString(), 'AAA\n', `${first.result.message}\n${first.stderr}`);
      assert.equal(first.result.compile?.cached, false);
      // Touched: a new mtime, the same bytes.
      const t = fs.statSync(header).mtime;
      const later = new Date(t.getTime() + 5000);
      fs.utimesSync(header, later, later);
      const touched = await go();
      assert.equal(touched.stdout.toString(), 'AAA\n');
      assert.equal(touched.result.compile?.cached, true, 'a touched file with the same content hits');
      // Edited to the same size, its mtime put back as it was (a coarse clock, an editor or tool that keeps it).
      fs.writeFileSync(header, '#define GREETING "BBB"\n');
      fs.utimesSync(header, later, later);
      const edited = await go();
      assert.equal(edited.result.compile?.cached, false, 'a same-size edit with the same mtime compiles again');
      assert.equal(edited.stdout.toString(), 'BBB\n');
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it('keeps the cache out of reach: a program that overwrites its own build does not change what later runs execute', async () => {
    // The program replaces /build/out/main (its own binary, writable by it) with a script, then the same source runs
    // again from the cache: it must print what the compiler made, not the program's replacement.
    const code = '#include <stdio.h>\n#include <stdlib.h>\nint main(void) {\n  FILE *f = fopen("/build/out/main", "w");\n  if (f) { fputs("#!/bin/sh\\necho tampered\\n", f); fclose(f); }\n  puts(f ? "wrote" : "refused");\n  return 0;\n}\n';
    const first = await run({ profile: 'c', code, fileName: 'main.c' });
    assert.equal(first.result.outcome, 'exited');
    const again = await run({ profile: 'c', code, fileName: 'main.c' });
    assert.equal(again.result.compile?.cached, true);
    assert.notEqual(again.stdout.toString(), 'tampered\n');
    assert.match(again.stdout.toString(), /^(wrote|refused)\n$/);
    // And the host's cache folder is not in the sandbox at all.
    const cacheDir = path.join(d.env.WARMBOX_RUNTIME_DIR!, 'build-cache');
    assert.ok(fs.existsSync(cacheDir));
    const probe = await run({ profile: 'shell', code: `ls ${cacheDir} >/dev/null 2>&1 && echo seen; touch ${cacheDir}/x.tar 2>/dev/null || echo cannot-write`, fileName: 'main.sh' });
    assert.match(probe.stdout.toString(), /cannot-write/);
    assert.doesNotMatch(probe.stdout.toString(), /seen/);
  });

  it('keeps a TypeScript build out of reach too: the program cannot change the .js a later run executes', async () => {
    const code = 'import * as fs from "fs";\nlet r = "refused";\ntry {\n  fs.writeFileSync("/build/out/main.js", \'console.log("tampered")\');\n  r = "wrote";\n} catch {}\nconsole.log(r);\n';
    const first = await run({ profile: 'typescript', code, fileName: 'main.ts' });
    assert.equal(first.result.outcome, 'exited', first.stderr.toString());
    const again = await run({ profile: 'typescript', code, fileName: 'main.ts' });
    assert.equal(again.result.compile?.cached, true);
    assert.match(again.stdout.toString(), /^(wrote|refused)\n$/);
  });

  it('runs a Java file named after its public class', async () => {
    const r = await run({ profile: 'java', code: 'public class Hello {\n  public static void main(String[] a) { System.out.println("hi from Hello"); }\n}\n', fileName: 'Hello.java' });
    assert.equal(r.result.outcome, 'exited', r.stderr.toString());
    assert.equal(r.stdout.toString(), 'hi from Hello\n');
  });

  it('builds a Go module package and a C program with a header from its folder', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'wblang-'));
    try {
      fs.mkdirSync(path.join(root, 'app'));
      fs.writeFileSync(path.join(root, 'app/go.mod'), 'module example.com/app\n\ngo 1.19\n');
      fs.writeFileSync(path.join(root, 'app/util.go'), 'package main\n\nfunc greet() string { return "from util.go" }\n');
      const goMain = 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println(greet()) }\n';
      fs.writeFileSync(path.join(root, 'app/main.go'), goMain);
      const g = await run({ profile: 'go', code: goMain, project: { root, file: 'app/main.go' } });
      assert.equal(g.result.outcome, 'exited', `${g.result.message}\n${g.stderr}`);
      assert.equal(g.stdout.toString(), 'from util.go\n');

      fs.mkdirSync(path.join(root, 'csrc'));
      fs.writeFileSync(path.join(root, 'csrc/greet.h'), '#define GREETING "from greet.h"\n');
      const cMain = '#include <stdio.h>\n#include <math.h>\n#include <pthread.h>\n#include "greet.h"\nint main(void) { printf("%s %.0f\\n", GREETING, sqrt(49.0)); return 0; }\n';
      const c = await run({ profile: 'c', code: cMain, project: { root, file: 'csrc/main.c' } });
      assert.equal(c.result.outcome, 'exited', `${c.result.message}\n${c.stderr}`);
      assert.equal(c.stdout.toString(), 'from greet.h 7\n');
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it('runs several threads and deep recursion in C++', async () => {
    const code = '#include <thread>\n#include <vector>\n#include <atomic>\n#include <cstdio>\nstd::atomic<int> n{0};\nint depth(int k) { return k == 0 ? 0 : 1 + depth(k - 1); }\nint main() {\n  std::vector<std::thread> ts;\n  for (int i = 0; i < 8; i++) ts.emplace_back([] { n++; });\n  for (auto &t : ts) t.join();\n  printf("%d %d\\n", n.load(), depth(100000));\n}\n';
    const r = await run({ profile: 'cpp', code, fileName: 'main.cpp' });
    assert.equal(r.result.outcome, 'exited', r.stderr.toString());
    assert.equal(r.stdout.toString(), '8 100000\n');
  });

  it('runs a user profile with a compile step, placeholders inside arguments', async () => {
    const code = '#include <stdio.h>\nint main(int c, char **v) { printf("%s %s\\n", v[0], v[1]); return 0; }\n';
    const r = await run({ profile: 'c-debug', code, fileName: 'tool.c' });
    assert.equal(r.result.outcome, 'exited', `${r.result.message}\n${r.stderr}`);
    assert.equal(r.stdout.toString(), '/build/out/dbg-tool.bin --from=tool\n');
    assert.equal(r.result.compile?.cached, false);
  });

  it('stops a compile step at its own limit (compile-error), and does not count it in the run\'s timeout', async () => {
    const slow = await run({ profile: 'slow-build', code: 'echo never\n', fileName: 'x.sh' });
    assert.equal(slow.result.outcome, 'compile-error');
    assert.match(slow.result.message ?? '', /compile step ran longer than 2 s/);
    assert.match(slow.result.compile?.messages ?? '', /^building\n/);
    assert.equal(slow.stdout.length, 0);
    const long = await run({ profile: 'long-build', code: 'echo ran\n', fileName: 'x.sh', timeoutMs: 2000 });
    assert.equal(long.result.outcome, 'exited', long.result.message);
    assert.equal(long.stdout.toString(), 'ran\n');
    assert.ok(long.result.compile!.ms >= 3000, `compile took ${long.result.compile!.ms} ms`);
  });

  it('passes large output and all of a large stdin through a compiled program', async () => {
    const code = '#include <stdio.h>\nint main(void) { long n = 0; int ch; while ((ch = getchar()) != EOF) n++; for (int i = 0; i < 200000; i++) printf("line %d\\n", i); fprintf(stderr, "read %ld\\n", n); return 0; }\n';
    const r = await run({ profile: 'c', code, fileName: 'main.c', stdin: Buffer.alloc(3 * 1024 * 1024, 'x').toString('base64') });
    assert.equal(r.result.outcome, 'exited', r.result.message);
    assert.equal(r.stderr.toString(), 'read 3145728\n');
    const lines = r.stdout.toString().split('\n');
    assert.equal(lines.length, 200001);
    assert.equal(lines[199999], 'line 199999');
  });

  it('runs a shebang file without an extension from the CLI', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wblang-'));
    try {
      const f = path.join(dir, 'tool');
      fs.writeFileSync(f, '#!/usr/bin/env python3\nimport sys\nprint("shebang ran", sys.version_info[0])\n');
      const r = spawnSync(process.execPath, [CLI, 'run', f, '--no-stdin', '--no-project'], { env: d.env, encoding: 'utf8', timeout: 60_000 });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, 'shebang ran 3\n');
      fs.writeFileSync(path.join(dir, 'notes'), 'just words\n');
      const n = spawnSync(process.execPath, [CLI, 'run', path.join(dir, 'notes'), '--no-stdin', '--no-project'], { env: d.env, encoding: 'utf8', timeout: 60_000 });
      assert.equal(n.status, 2);
      assert.match(n.stderr, /cannot tell the profile: no profile serves "notes".*known: python/);
      // A compile error is its own exit status.
      fs.writeFileSync(path.join(dir, 'bad.c'), 'int main(void) { return nope; }\n');
      const c = spawnSync(process.execPath, [CLI, 'run', path.join(dir, 'bad.c'), '--no-stdin', '--no-project'], { env: d.env, encoding: 'utf8', timeout: 60_000 });
      assert.equal(c.status, 126, c.stderr);
      assert.match(c.stderr, /bad\.c:1:25: error: .nope. undeclared/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('chooses the profile in the daemon: extension, VS Code language id, shebang; a clear error otherwise', async () => {
    const resolve = (q: object) => d.client.request(Methods.profileResolve, q);
    assert.deepEqual(await resolve({ fileName: '/x/t.ts' }), { profile: 'typescript', by: 'extension' });
    assert.deepEqual(await resolve({ fileName: 'm.go' }), { profile: 'go', by: 'extension' });
    assert.deepEqual(await resolve({ fileName: 'Untitled-1', languageId: 'rust' }), { profile: 'rust', by: 'languageId' });
    assert.deepEqual(await resolve({ fileName: 'tool', firstLine: '#!/usr/bin/env python3' }), { profile: 'python', by: 'shebang' });
    assert.deepEqual(await resolve({ fileName: 'tool', firstLine: '#!/bin/bash -e' }), { profile: 'shell', by: 'shebang' });
    for (const [line, profile] of [['#!/usr/bin/env node', 'node'], ['#!/usr/bin/ruby -w', 'ruby'], ['#!/usr/bin/env php', 'php'], ['#!/usr/bin/perl', 'perl'], ['#!/usr/bin/env lua5.4', 'lua'], ['#!/usr/bin/env -S ts-node --esm', 'typescript']]) {
      assert.deepEqual(await resolve({ fileName: 'tool', firstLine: line }), { profile, by: 'shebang' }, line);
    }
    // Languages warmed only on use keep their default set (it is not dropped as unused, then made again by a run).
    const st = await d.client.request(Methods.poolStats);
    for (const name of ['lua', 'java', 'c']) assert.equal(st.profiles.find((p) => p.profile === name)?.isDefault, true, `${name}: ${JSON.stringify(st.profiles.map((p) => [p.profile, p.isDefault]))}`);
    const none = await resolve({ fileName: 'notes.txt' });
    assert.ok('error' in none && /known: .*typescript/.test(none.error), JSON.stringify(none));
  });
});
