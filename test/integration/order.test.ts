// Output in the order the program wrote it (issue 13): stdout and stderr merged at the source, prompts never held
// back, and byte-exact separation still there for whoever asks for it. Real engine, real daemon, real CLI.
import { strict as assert } from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { CLI, runToEnd, startDaemon, TestDaemon, waitUntil } from '../helpers/daemon';

const INTERLEAVED_PY = 'import sys\nprint("out 1")\nprint("err 1", file=sys.stderr)\nprint("out 2")\nprint("err 2", file=sys.stderr)\nprint("out 3")\n';
const EXPECTED = 'out 1\nerr 1\nout 2\nerr 2\nout 3\n';

describe('output order (real engine)', function () {
  this.timeout(60_000);
  let d: TestDaemon;

  before(async () => {
    d = await startDaemon({ profiles: { python: { minSize: 1, maxSize: 3 }, node: { minSize: 0, maxSize: 1 }, shell: { minSize: 1, maxSize: 2 } } });
  });
  after(() => d.stop());

  it('merged: Python print to stdout and stderr arrives as written, every time', async () => {
    // Docker carries stdout and stderr on two pipes; before, this came out as out 1/out 2/out 3/err 1/err 2.
    for (let i = 0; i < 5; i++) {
      const r = await runToEnd(d.client, { profile: 'python', code: INTERLEAVED_PY, streams: 'merged' });
      assert.equal(r.stdout.toString(), EXPECTED, `run ${i + 1}`);
      assert.equal(r.stderr.length, 0);
      assert.equal(r.result.merged, true);
      assert.equal(r.result.stderrBytes, 0);
      assert.equal(r.result.stdoutBytes, EXPECTED.length);
    }
  });

  it('merged: a traceback follows the lines printed ahead of it; shell and Node too', async () => {
    const tb = await runToEnd(d.client, { profile: 'python', code: 'print("a")\nprint("b")\n1/0\n', streams: 'merged' });
    assert.match(tb.stdout.toString(), /^a\nb\nTraceback \(most recent call last\):\n[\s\S]*ZeroDivisionError: division by zero\n$/);
    const sh = await runToEnd(d.client, { profile: 'shell', code: 'echo o1; echo e1 >&2; echo o2; echo e2 >&2; printf "no newline"', streams: 'merged' });
    assert.equal(sh.stdout.toString(), 'o1\ne1\no2\ne2\nno newline');
    const node = await runToEnd(d.client, { profile: 'node', code: 'console.log("o1"); console.error("e1"); console.log("o2"); console.error("e2");', streams: 'merged' });
    assert.equal(node.stdout.toString(), 'o1\ne1\no2\ne2\n');
  });

  it('separate (the default) stays byte-exact per stream', async () => {
    const r = await runToEnd(d.client, { profile: 'python', code: INTERLEAVED_PY });
    assert.equal(r.stdout.toString(), 'out 1\nout 2\nout 3\n');
    assert.equal(r.stderr.toString(), 'err 1\nerr 2\n');
    assert.equal(r.result.merged, undefined);
  });

  it('a prompt ending in any hex digit shows before the program waits for input', async () => {
    // The end-of-run marker begins with the run's nonce: a prompt ending in the nonce's first hex digit was held
    // back until the program wrote again, so a user never saw it. One prompt per hex digit hits that digit for sure.
    const code = 'import sys\nfor d in "0123456789abcdef":\n    sys.stdout.write("pick " + d)\n    sys.stdout.flush()\n    sys.stdin.readline()\nprint()\n';
    let text = '';
    const h = await d.client.run({ profile: 'python', code, stdinOpen: true, streams: 'merged' }, { onOutput: (_s, data) => (text += data.toString()) });
    for (const digit of '0123456789abcdef') {
      const shown = await waitUntil(() => text.endsWith(`pick ${digit}`), 5_000);
      assert.ok(shown, `the prompt "pick ${digit}" never showed in full; got ${JSON.stringify(text.slice(-40))}`);
      await h.stdin('\n');
    }
    const r = { result: await h.result };
    assert.equal(r.result.outcome, 'exited');
    assert.equal(r.result.exitCode, 0);
  });

  it('CLI: stdout and stderr to the same file get the order as written; apart they stay apart', () => {
    const f = path.join(d.dir, 'order.py');
    fs.writeFileSync(f, INTERLEAVED_PY);
    const both = path.join(d.dir, 'both.txt');
    const fd = fs.openSync(both, 'w');
    try {
      // As `warmbox run order.py > both.txt 2>&1` (and as in a terminal: one device on fds 1 and 2).
      const r = spawnSync(process.execPath, [CLI, 'run', f], { env: d.env, stdio: ['ignore', fd, fd], timeout: 30_000 });
      assert.equal(r.status, 0);
    } finally {
      fs.closeSync(fd);
    }
    assert.equal(fs.readFileSync(both, 'utf8'), EXPECTED);
    const apart = spawnSync(process.execPath, [CLI, 'run', f], { env: d.env, encoding: 'utf8', timeout: 30_000 });
    assert.equal(apart.status, 0);
    assert.equal(apart.stdout, 'out 1\nout 2\nout 3\n');
    assert.equal(apart.stderr, 'err 1\nerr 2\n');
    const forced = spawnSync(process.execPath, [CLI, 'run', f, '--streams', 'merged'], { env: d.env, encoding: 'utf8', timeout: 30_000 });
    assert.equal(forced.stdout, EXPECTED);
    assert.equal(forced.stderr, '');
    const bad = spawnSync(process.execPath, [CLI, 'run', f, '--streams', 'mixed'], { env: d.env, encoding: 'utf8', timeout: 30_000 });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--streams must be "merged" or "separate"/);
  });
});
