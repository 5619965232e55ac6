// The `warmbox` command as a terminal user meets it, against a real daemon and engine.
import { strict as assert } from 'assert';
import { spawnSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { CLI, startDaemon, stats, TestDaemon, ROOT, waitUntil } from '../helpers/daemon';

describe('warmbox CLI (real engine)', function () {
  this.timeout(60_000);
  let d: TestDaemon;
  const cli = (args: string[], input?: string) => spawnSync(process.execPath, [CLI, ...args], { env: d.env, input: input ?? '', encoding: 'utf8', timeout: 30_000 });

  before(async () => {
    d = await startDaemon({ profiles: { python: { minSize: 1, maxSize: 3 }, node: { minSize: 0, maxSize: 1 }, shell: { minSize: 1, maxSize: 2 } } });
  });
  after(() => d.stop());

  it('runs examples/hello.py, streams its output and exits with its code', () => {
    const r = cli(['run', path.join(ROOT, 'examples/hello.py')]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /Hello from a warm sandbox/);
  });

  it('passes piped stdin, args and the exit code through; stderr stays stderr', () => {
    const f = path.join(d.dir, 'prog.py');
    fs.writeFileSync(f, 'import sys\nprint(sys.argv[1:], sys.stdin.read().strip())\nprint("warn", file=sys.stderr)\nsys.exit(9)\n');
    const r = cli(['run', f, '--', 'a', 'b c'], 'piped');
    assert.equal(r.status, 9);
    assert.equal(r.stdout, "['a', 'b c'] piped\n");
    assert.equal(r.stderr, 'warn\n');
  });

  it('streams a large --stdin FILE (past the up-front limit) byte-exact', () => {
    const input = path.join(d.dir, 'big.in');
    const bytes = Buffer.alloc(12 * 1024 * 1024);
    for (let i = 0; i < bytes.length; i += 4) bytes.writeUInt32LE(i * 2654435761 >>> 0, i);
    fs.writeFileSync(input, bytes);
    const f = path.join(d.dir, 'sum.py');
    fs.writeFileSync(f, 'import sys, hashlib\nd = sys.stdin.buffer.read()\nprint(len(d), hashlib.sha256(d).hexdigest())\n');
    const r = cli(['run', f, '--stdin', input]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `${bytes.length} ${crypto.createHash('sha256').update(bytes).digest('hex')}\n`);
  });

  it('exits 124 with a message on timeout, and prints one JSON result with --json', () => {
    const f = path.join(d.dir, 'slow.sh');
    fs.writeFileSync(f, 'echo started; sleep 30\n');
    const r = cli(['run', f, '--timeout', '1']);
    assert.equal(r.status, 124);
    assert.equal(r.stdout, 'started\n');
    assert.match(r.stderr, /warmbox: timeout: the program ran longer than 1 s/);
    const j = cli(['run', f, '--timeout', '1', '--json']);
    const result = JSON.parse(j.stdout);
    assert.equal(result.outcome, 'timeout');
    assert.equal(result.profile, 'shell');
  });

  it('says clearly what is wrong: missing file, unknown profile, unknown extension', () => {
    const missing = cli(['run', '/nonexistent/x.py']);
    assert.equal(missing.status, 2);
    assert.equal(missing.stderr, 'warmbox: file not found: /nonexistent/x.py\n');
    const f = path.join(d.dir, 'a.txt');
    fs.writeFileSync(f, 'x');
    const unknownExt = cli(['run', f]);
    assert.equal(unknownExt.status, 2);
    assert.match(unknownExt.stderr, /cannot tell the profile: no profile serves "a.txt" \(known: python, node, shell, [a-z, ]+\); pass one explicitly/);
    const unknownProfile = cli(['run', f, '--profile', 'cobol']);
    assert.equal(unknownProfile.status, 2);
    assert.match(unknownProfile.stderr, /unknown profile "cobol"/);
  });

  it('refuses a program over the size limit before sending it, naming the limit', () => {
    const f = path.join(d.dir, 'big.py');
    fs.writeFileSync(f, Buffer.alloc(100 * 1024 * 1024, 0x23));
    const r = cli(['run', f]);
    fs.rmSync(f);
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stderr, `warmbox: ${f} is 100 MiB; warmbox runs programs of at most 8 MiB\n`);
  });

  it('exits quietly under `| head` (EPIPE), like other Unix tools, and the run is cancelled', async () => {
    const f = path.join(d.dir, 'flood.py');
    fs.writeFileSync(f, 'while True:\n    print("y" * 100)\n');
    const errFile = path.join(d.dir, 'flood.err');
    const t0 = Date.now();
    // PIPESTATUS: the CLI's own exit status, not head's.
    const r = spawnSync('bash', ['-c', `"${process.execPath}" "${CLI}" run "${f}" --timeout 30 2>"${errFile}" | head -n 1; echo "\${PIPESTATUS[0]}"`], {
      env: d.env,
      encoding: 'utf8',
      timeout: 60_000,
    });
    const ms = Date.now() - t0;
    const [first, status] = r.stdout.trim().split('\n');
    assert.equal(first, 'y'.repeat(100));
    assert.equal(fs.readFileSync(errFile, 'utf8'), '', 'nothing on stderr: no stack, no message');
    assert.equal(status, '141', 'the status a shell reports for a tool ended by SIGPIPE');
    assert.ok(ms < 15_000, `the CLI took ${ms} ms to stop`);
    assert.ok(await waitUntil(async () => (await stats(d.client)).activeRuns === 0, 5000), 'the run outlived the CLI');
    assert.match(fs.readFileSync(d.client.hello.logPath, 'utf8'), /\(python\) cancelled: cancelled by the user/);
  });

  it('runs the same with its code cache, without it, and with one V8 refuses (which is then written anew)', () => {
    const cache = path.join(d.env.WARMBOX_RUNTIME_DIR as string, 'cli.v8cache');
    const f = path.join(d.dir, 'same.py');
    fs.writeFileSync(f, 'import sys\nprint(sys.argv[1:])\nprint("to stderr", file=sys.stderr)\nsys.exit(4)\n');
    const outcomes: string[] = [];
    const runIt = () => {
      const r = cli(['run', f, '--no-stdin', '--', 'x']);
      outcomes.push(JSON.stringify([r.status, r.stdout, r.stderr]));
    };
    fs.rmSync(cache, { force: true });
    runIt(); // compiled, and the cache written as it exits
    assert.ok(fs.existsSync(cache), 'the first run wrote the cache');
    const written = fs.statSync(cache).mtimeMs;
    runIt(); // from the cache, which stays as it was
    assert.equal(fs.statSync(cache).mtimeMs, written, 'a cache V8 took is not written again');
    const data = fs.readFileSync(cache);
    const nl = data.indexOf(10);
    fs.writeFileSync(cache, Buffer.concat([data.subarray(0, nl + 1), Buffer.alloc(data.length - nl - 1, 7)]));
    runIt(); // refused by V8: compiled as usual, and written anew
    assert.ok(!fs.readFileSync(cache).subarray(nl + 1).every((b) => b === 7), 'the refused cache was replaced');
    const rewritten = fs.statSync(cache).mtimeMs;
    runIt(); // and that one is taken
    assert.equal(fs.statSync(cache).mtimeMs, rewritten, 'the new cache is taken, not written again');
    assert.deepEqual(outcomes, Array(4).fill(JSON.stringify([4, "['x']\n", 'to stderr\n'])));
  });

  it('shows stats, containers and daemon status', () => {
    const s = cli(['stats']);
    assert.equal(s.status, 0);
    assert.match(s.stdout, /PROFILE\s+ISOLATION\s+IDLE\s+BUSY/);
    assert.match(s.stdout, /^python\s+fresh\s+\d+/m);
    const js = JSON.parse(cli(['stats', '--json']).stdout);
    assert.ok(js.profiles.length >= 3);
    const ls = cli(['ls', '--json']);
    const list = JSON.parse(ls.stdout);
    assert.ok(list.every((c: { id: string; profile: string }) => c.id.length === 64 && c.profile));
    const st = cli(['daemon', 'status']);
    assert.equal(st.status, 0);
    assert.match(st.stdout, new RegExp(`pid ${d.client.hello.pid}`));
    const logs = cli(['logs', '-n', '5']);
    assert.equal(logs.status, 0);
    assert.ok(logs.stdout.split('\n').length >= 2);
  });
});
