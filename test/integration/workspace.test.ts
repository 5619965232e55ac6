// Runs inside a copy of their project: neighbours import, data files open, changes stay in the sandbox, outputs come back.
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Methods, PoolStats, RunStartParams } from '../../daemon/protocol';
import { engineContainers, runToEnd, startDaemon, TestDaemon } from '../helpers/daemon';

function project(files: Record<string, string | Buffer>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wb-proj-'));
  for (const [rel, body] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), body);
  }
  return dir;
}

/** A run of `file` in `root` as the CLI makes it: the file's text from disk, the project around it. */
function inProject(root: string, file: string, extra: Partial<RunStartParams> = {}): RunStartParams {
  const profile = file.endsWith('.js') ? 'node' : 'python';
  return { profile, code: fs.readFileSync(path.join(root, file), 'utf8'), fileName: path.basename(file), project: { root, file }, ...extra };
}

function listing(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const d of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${d.name}` : d.name;
      out.push(r);
      if (d.isDirectory()) walk(r);
    }
  };
  walk('');
  return out.sort();
}

describe('workspace: the project inside the sandbox (real engine)', function () {
  this.timeout(60_000);
  let d: TestDaemon;

  before(async () => {
    // The config file's excludes apply to every project, besides the built-in ones and the run's own.
    d = await startDaemon({ workspace: { exclude: ['*.log'] }, profiles: { python: { minSize: 1, maxSize: 4 }, node: { minSize: 0, maxSize: 2 }, shell: { minSize: 0 } } });
  });
  after(async () => {
    await d.stop();
    assert.deepEqual(engineContainers(d.scope), []);
  });

  it('imports a neighbour and reads a data file, with the file\'s folder as working directory', async () => {
    const root = project({
      'app/main.py': 'import os\nfrom helper import greet\nprint(greet(open("data/names.csv").read().split(",")[1]), os.getcwd())\n',
      'app/helper.py': 'def greet(n):\n    return f"hello {n.strip()}"\n',
      'app/data/names.csv': 'ada,grace\n',
      'requirements.txt': '',
    });
    const r = await runToEnd(d.client, inProject(root, 'app/main.py'));
    assert.equal(r.stderr.toString(), '');
    assert.equal(r.stdout.toString(), 'hello grace /work/app\n');
    const atRoot = await runToEnd(d.client, inProject(root, 'app/main.py', { code: 'import os\nprint(os.getcwd(), sorted(os.listdir(".")))', project: { root, file: 'app/main.py', cwd: 'root' } }));
    assert.equal(atRoot.stdout.toString(), "/work ['app', 'requirements.txt']\n");
  });

  it("requires a Node neighbour and a pure-JS node_modules package", async () => {
    const root = project({
      'index.js': "const lib = require('./lib'); const pad = require('leftpad'); console.log(lib.twice(21), pad('x', 3));\n",
      'lib.js': 'exports.twice = (n) => n * 2;\n',
      'node_modules/leftpad/index.js': "module.exports = (s, n) => ' '.repeat(n - s.length) + s;\n",
      'package.json': '{}',
    });
    const r = await runToEnd(d.client, inProject(root, 'index.js'));
    assert.equal(r.stdout.toString(), '42   x\n', r.stderr.toString());
  });

  it('leaves secrets and the git folder out, and never writes to the host', async () => {
    const root = project({ 'main.py': '', '.env': 'TOKEN=secret', '.git/config': '[core]', 'keys/id_rsa': 'k', 'sub/x.txt': 'x', 'sub/debug.log': 'l', 'raw/big.csv': 'r' });
    const before = listing(root);
    const code = [
      'import os',
      'print(sorted(os.path.relpath(os.path.join(r, f), "/work") for r, ds, fs in os.walk("/work") for f in fs + ds))',
      'open("made.txt", "w").write("new"); open("sub/x.txt", "w").write("changed"); os.remove("main.py"); os.makedirs("out/deep")',
    ].join('\n');
    const r = await runToEnd(d.client, inProject(root, 'main.py', { code, project: { root, file: 'main.py', exclude: ['raw/**'] } }));
    assert.equal(r.stdout.toString(), "['keys', 'main.py', 'sub', 'sub/x.txt']\n", r.stderr.toString());
    assert.deepEqual(listing(root), before);
    assert.equal(fs.readFileSync(path.join(root, 'sub/x.txt'), 'utf8'), 'x');
  });

  it('sees unsaved text of another file, and what changed on disk since the sandbox took its copy', async () => {
    const root = project({ 'main.py': 'import lib, os\nprint(lib.V, sorted(f for f in os.listdir(".") if f.endswith(".py")))\n', 'lib.py': 'V = 1\n', 'gone.py': '' });
    const first = await runToEnd(d.client, inProject(root, 'main.py'));
    assert.equal(first.stdout.toString(), "1 ['gone.py', 'lib.py', 'main.py']\n", first.stderr.toString());
    const unsaved = await runToEnd(d.client, inProject(root, 'main.py', { project: { root, file: 'main.py', overlays: { 'lib.py': 'V = 2\n' } } }));
    assert.equal(unsaved.stdout.toString(), "2 ['gone.py', 'lib.py', 'main.py']\n");
    fs.writeFileSync(path.join(root, 'lib.py'), 'V = 3\n');
    fs.rmSync(path.join(root, 'gone.py'));
    fs.writeFileSync(path.join(root, 'new.py'), '');
    const changed = await runToEnd(d.client, inProject(root, 'main.py'));
    assert.equal(changed.stdout.toString(), "3 ['lib.py', 'main.py', 'new.py']\n");
  });

  it('sees a file saved in a subfolder just before the run, and a folder made just before, every time', async () => {
    // The run request follows the save at once (as VS Code's save-then-run does): the copy must not lag behind.
    const root = project({ 'main.py': 'import os\nprint(open("data/deep/v.txt").read(), sorted(os.listdir("data")))\n', 'data/deep/v.txt': '0' });
    assert.equal((await runToEnd(d.client, inProject(root, 'main.py'))).stdout.toString(), "0 ['deep']\n");
    // Each save comes after the project's next sandbox is armed (holding the copy as it was), as a user's would.
    const armed = async () => {
      for (;;) {
        const set = (await d.client.request(Methods.poolStats)).profiles.find((p) => p.profile === `python@${path.basename(root)}`);
        if (set && set.idle >= 1 && set.warming === 0) return;
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    for (let i = 1; i <= 5; i++) {
      await armed();
      fs.writeFileSync(path.join(root, 'data/deep/v.txt'), String(i));
      fs.mkdirSync(path.join(root, `data/new${i}/sub`), { recursive: true });
      const r = await runToEnd(d.client, inProject(root, 'main.py'));
      const dirs = ['deep', ...Array.from({ length: i }, (_, k) => `new${k + 1}`)].sort();
      assert.equal(r.stdout.toString(), `${i} ${JSON.stringify(dirs).replace(/"/g, "'").replace(/,/g, ', ')}\n`, r.stderr.toString());
    }
  });

  it('brings back the files a run created or changed, byte-exact, under their paths', async () => {
    const root = project({ 'gen.py': '', 'data/in.txt': 'kept' });
    const bin = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const code = [
      'import os',
      `open("report.txt", "w").write("total 42\\n")`,
      'os.makedirs("plots", exist_ok=True)',
      `open("plots/p.bin", "wb").write(bytes(range(256)))`,
      'open("data/in.txt").read()',
    ].join('\n');
    const r = await runToEnd(d.client, inProject(root, "gen.py", { code, outputs: {} }));
    const out = r.result.outputs;
    assert.ok(out, JSON.stringify(r.result));
    // The program file itself was given, not made: it is not an output.
    assert.deepEqual(out.files.map((f) => [f.path, f.size]).sort(), [['plots/p.bin', 256], ['report.txt', 9]].sort());
    assert.equal(fs.readFileSync(path.join(out.dir, 'report.txt'), 'utf8'), 'total 42\n');
    assert.ok(fs.readFileSync(path.join(out.dir, 'plots/p.bin')).equals(bin));
    const capped = await runToEnd(d.client, inProject(root, 'gen.py', { code: 'for i in range(5): open(f"f{i}", "w").write("x" * 100)', outputs: { maxFiles: 2 } }));
    // Five made, at most two sent back; the rest are counted (the cap applies before the program file is set aside).
    const c = capped.result.outputs;
    assert.ok(c && c.files.length >= 1 && c.files.length <= 2 && c.files.length + c.left >= 5, JSON.stringify(c));
  });

  it('refuses a project over its cap, naming the largest folders', async () => {
    const root = project({ 'main.py': 'print(1)', 'big/blob.bin': Buffer.alloc(300 * 1024), 'small/x': 'x' });
    await assert.rejects(
      d.client.run(inProject(root, 'main.py', { project: { root, file: 'main.py', maxBytes: 200 * 1024 } })),
      /too large to copy into a sandbox .*largest folders: big\/ \(300 KB\)/,
    );
  });

  it('passes the run\'s environment, and reuse mode carries nothing from one run to the next', async () => {
    const root = project({ 'main.py': '' });
    const env = await runToEnd(d.client, inProject(root, 'main.py', { code: 'import os\nprint(os.environ["GREETING"], os.environ.get("HOME"))', env: { GREETING: "it's me" } }));
    assert.equal(env.stdout.toString(), "it's me /work\n");
    const write = await runToEnd(d.client, inProject(root, 'main.py', { code: 'open("left.txt", "w").write("x")', isolation: 'reuse' }));
    assert.equal(write.result.outcome, 'exited');
    const look = await runToEnd(d.client, inProject(root, 'main.py', { code: 'import os\nprint(sorted(os.listdir(".")))', isolation: 'reuse' }));
    assert.equal(look.stdout.toString(), "['main.py']\n");
  });

  it("keeps a project set's name (python@proj) when daemon-wide settings change, apart from the default set", async () => {
    const root = project({ 'main.py': 'print("x")\n' });
    await runToEnd(d.client, inProject(root, 'main.py'));
    const label = `python@${path.basename(root)}`;
    const names = async () => (await d.client.request(Methods.poolStats)).profiles.map((p) => p.profile);
    assert.ok((await names()).includes(label), `sets: ${(await names()).join(', ')}`);
    await d.client.request(Methods.configSet, { overrides: { pool: { python: { minSize: 1, maxSize: 4 } } } });
    const after = await names();
    assert.ok(after.includes(label), `after config/set: ${after.join(', ')}`);
    assert.equal(after.filter((n) => n === 'python').length, 1, `after config/set: ${after.join(', ')}`);
  });
});

describe('workspace: a large change since the sandbox was armed (real engine)', function () {
  this.timeout(60_000);

  it('sends a delta larger than a pipe, and stdin streamed meanwhile arrives whole', async () => {
    const d = await startDaemon({ profiles: { python: { minSize: 1, maxSize: 1 }, node: { minSize: 0 }, shell: { minSize: 0 } } });
    try {
      const root = project({ "sum.py": "print(0)\n" });
      const code = 'import sys, hashlib, os\nd = sys.stdin.buffer.read()\nprint(len(d), hashlib.sha256(d).hexdigest(), os.path.getsize("big.bin"))';
      // The project's set arms its sandbox before big.bin exists: the run must carry 3 MB of delta, then the stdin.
      await runToEnd(d.client, inProject(root, 'sum.py', { code: 'print(1)' }));
      fs.writeFileSync(path.join(root, 'big.bin'), Buffer.alloc(3 * 1024 * 1024, 7));
      const input = Buffer.alloc(2 * 1024 * 1024 + 17, 3);
      // Streamed at once, while the daemon still packs the delta: none of it may be lost on the way.
      const r = await runToEnd(d.client, inProject(root, 'sum.py', { code, stdinOpen: true }), async (h) => {
        for (let i = 0; i < input.length; i += 64 * 1024) await h.stdin(input.subarray(i, i + 64 * 1024));
        await h.closeStdin();
      });
      assert.equal(r.stdout.toString(), `${input.length} ${require('crypto').createHash('sha256').update(input).digest('hex')} ${3 * 1024 * 1024}\n`, r.stderr.toString());
    } finally {
      await d.stop();
    }
  });
});
