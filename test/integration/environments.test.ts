// Project environments on the real engine: builds reach Debian's packages and the npm registry (not PyPI: pip gets a
// wheel the test makes); runs on the built image have no network; failures are told once and the previous
// environment serves; a manifest change rebuilds; prune never removes an image in use.
import { strict as assert } from 'assert';
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { DaemonClient } from '../../daemon/client';
import { EnvInfo, EnvProgressNotification, EnvPruneResult, Methods, Notifications, RunResult, RunStartParams } from '../../daemon/protocol';
import { CLI, engineContainers, startDaemon, TestDaemon, waitUntil } from '../helpers/daemon';

/** This machine's engine has no bridge: builds use the host's network (override with WARMBOX_TEST_BUILD_NETWORK). */
const BUILD_NETWORK = process.env.WARMBOX_TEST_BUILD_NETWORK ?? 'host';
const PY_IMAGE = 'warmbox/python:2';
/** In each manifest: this run's environments are its own, never found already built by a concurrent or earlier run. */
const UNIQUE = `test run ${process.pid}-${Date.now()}`;

function project(files: Record<string, string | Buffer>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wb-env-'));
  for (const [rel, body] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), body);
  }
  return dir;
}

/** A pure-Python wheel made by Python's own zipfile (in the sandbox image: the host may have no Python). */
function wheel(name: string, version: string, body: string): Buffer {
  const script = `
import base64, hashlib, io, sys, zipfile
name, version, body = sys.argv[1], sys.argv[2], sys.argv[3]
info = f"{name}-{version}.dist-info"
files = {f"{name}.py": body, f"{info}/METADATA": f"Metadata-Version: 2.1\\nName: {name}\\nVersion: {version}\\n",
         f"{info}/WHEEL": "Wheel-Version: 1.0\\nGenerator: warmbox-test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"}
h = lambda b: "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(b).digest()).rstrip(b"=").decode()
files[f"{info}/RECORD"] = "".join(f"{p},{h(c.encode())},{len(c.encode())}\\n" for p, c in files.items()) + f"{info}/RECORD,,\\n"
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w") as z:
    for p, c in files.items():
        z.writestr(zipfile.ZipInfo(p, (2024, 1, 1, 0, 0, 0)), c)
sys.stdout.write(base64.b64encode(buf.getvalue()).decode())
`;
  const out = execFileSync('docker', ['run', '--rm', '-i', '--network', 'none', PY_IMAGE, 'python3', '-', name, version, body], { input: script, encoding: 'utf8' });
  return Buffer.from(out, 'base64');
}

/** A wheel of a package with `n` modules: its install (and bytecode compile) take seconds, not milliseconds. */
function bigWheel(n: number): Buffer {
  const script = `
import base64, hashlib, io, sys, zipfile
n = int(sys.argv[1])
info = "wbmany-1.0.dist-info"
files = {"wbmany/__init__.py": f"N = {n}\\n"}
for i in range(n):
    files[f"wbmany/m{i}.py"] = f"X = {i}\\n"
files[f"{info}/METADATA"] = "Metadata-Version: 2.1\\nName: wbmany\\nVersion: 1.0\\n"
files[f"{info}/WHEEL"] = "Wheel-Version: 1.0\\nGenerator: warmbox-test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"
h = lambda b: "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(b).digest()).rstrip(b"=").decode()
files[f"{info}/RECORD"] = "".join(f"{p},{h(c.encode())},{len(c.encode())}\\n" for p, c in files.items()) + f"{info}/RECORD,,\\n"
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
    for p, c in files.items():
        z.writestr(zipfile.ZipInfo(p, (2024, 1, 1, 0, 0, 0)), c)
sys.stdout.write(base64.b64encode(buf.getvalue()).decode())
`;
  const out = execFileSync('docker', ['run', '--rm', '-i', '--network', 'none', PY_IMAGE, 'python3', '-', String(n)], { input: script, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  return Buffer.from(out, 'base64');
}

interface Ran {
  result: RunResult;
  stdout: string;
  stderr: string;
  notices: string[];
}

async function run(client: DaemonClient, root: string, file: string, extra: Partial<RunStartParams> = {}): Promise<Ran> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const notices: string[] = [];
  const profile = file.endsWith('.js') ? 'node' : 'python';
  const h = await client.run(
    { profile, code: fs.readFileSync(path.join(root, file), 'utf8'), fileName: path.basename(file), project: { root, file }, ...extra },
    { onOutput: (s, d) => (s === 'stdout' ? out : err).push(d), onNotice: (m) => notices.push(m) },
  );
  const result = await h.result;
  return { result, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), notices };
}

describe('environments: a project\'s packages built into its image (real engine)', function () {
  this.timeout(30 * 60_000);
  let d: TestDaemon;
  const roots: string[] = [];
  const progress: EnvProgressNotification[] = [];
  const ended = (root: string, state: 'built' | 'failed') => progress.filter((n) => n.root === root && n.state === state);
  let nodeRoot = '';
  let pyRoot = '';
  let firstPyImage = '';

  before(async () => {
    d = await startDaemon({
      buildNetwork: BUILD_NETWORK,
      setIdleMs: 3000,
      // No pruning after builds: the engine's other environment images (a developer's own) are not the test's.
      keepEnvironments: 1000,
      // python keeps one warm: a rebuilt environment's set warms before runs move to it.
      profiles: { python: { minSize: 1, maxSize: 2 }, node: { minSize: 0, maxSize: 2 }, shell: { minSize: 0 } },
    });
    d.client.on('notification', (method: string, params: unknown) => {
      if (method === Notifications.envProgress) progress.push(params as EnvProgressNotification);
    });
  });

  after(async () => {
    await d.stop();
    assert.deepEqual(engineContainers(d.scope), []);
    // Only the images these tests built: labelled with one of their project folders. Everything is cleaned first.
    const left: string[] = [];
    for (const root of roots) {
      const ids = execFileSync('docker', ['images', '-q', '--filter', `label=dev.warmbox.env.project=${root}`], { encoding: 'utf8' }).split('\n').filter(Boolean);
      // --no-prune: their layers stay as Docker's build cache (the apt numpy + matplotlib step is the e2e's too).
      if (ids.length) {
        const rmi = spawnSync('docker', ['rmi', '-f', '--no-prune', ...new Set(ids)], { encoding: 'utf8' });
        if (rmi.status !== 0) left.push(rmi.stderr.trim());
      }
      fs.rmSync(root, { recursive: true, force: true });
    }
    assert.deepEqual(left, [], 'environment images the tests built could not be removed');
  });

  it('a broken warmbox.json refuses the project\'s runs with the field named (its excludes may keep secrets out)', async () => {
    const root = project({ 'warmbox.json': JSON.stringify({ exclude: ['.secrets/**'], profiles: { python: { apt: ['python3-numpy', 'numpy; rm -rf /'] } } }), 'main.py': 'print(1)\n' });
    roots.push(root);
    await assert.rejects(run(d.client, root, 'main.py'), (e: Error) => e.message === `${path.join(root, 'warmbox.json')}: profiles.python.apt[1] "numpy; rm -rf /" is not a Debian package name, e.g. "python3-numpy"`);
    fs.writeFileSync(path.join(root, 'warmbox.json'), '{"exclude": [".secrets/**"]}');
    const r = await run(d.client, root, 'main.py');
    assert.equal(r.stdout, '1\n');
    assert.deepEqual(r.notices, []);
  });

  it('warmbox.json naming a profile warmbox does not have (a typo): told once to a run and by env build, not silently installed nowhere', async () => {
    const root = project({ 'warmbox.json': JSON.stringify({ profiles: { pyton: { pip: ['rich'] } } }), 'main.py': 'print(1)\n' });
    roots.push(root);
    const said = /^warmbox\.json: profiles\.pyton names no profile warmbox knows \(known: python, node, [a-z, ]+\): its packages are installed nowhere$/;
    const r1 = await run(d.client, root, 'main.py');
    assert.equal(r1.stdout, '1\n');
    assert.equal(r1.notices.length, 1, JSON.stringify(r1.notices));
    assert.match(r1.notices[0], said);
    assert.deepEqual((await run(d.client, root, 'main.py')).notices, [], 'told once per change');
    const eb = spawnSync('node', [CLI, 'env', 'build', root], { env: d.env, encoding: 'utf8' });
    assert.equal(eb.status, 0, eb.stderr);
    assert.match(eb.stderr.trim().replace(/^warmbox: /, ''), said);
    // Fixed: nothing more is said.
    fs.writeFileSync(path.join(root, 'warmbox.json'), '{}');
    assert.deepEqual((await run(d.client, root, 'main.py')).notices, []);
  });

  it('node: package.json + lockfile of npm registry packages: require() works, and the run has no network though the build had', async () => {
    nodeRoot = project({
      // The description makes this run's environment its own (another checkout's test run may build the same at once).
      // The project's own lifecycle scripts would run as root with the build's network: the build leaves them out.
      'package.json': JSON.stringify({ name: 'envtest', version: '1.0.0', private: true, description: UNIQUE, scripts: { preinstall: 'touch /project-script-ran', postinstall: 'touch /project-script-ran' }, dependencies: { 'is-number': '7.0.0' } }),
      'src/main.js': 'const isNumber = require("is-number");\nconsole.log(isNumber(5), require.resolve("is-number"));\nconsole.log(Object.keys(require("os").networkInterfaces()).join(","));\nconsole.log("project script ran:", require("fs").existsSync("/project-script-ran"));\n',
    });
    roots.push(nodeRoot);
    // A real lockfile from the registry (the same one the build's npm ci reads).
    execFileSync('npm', ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: nodeRoot, stdio: 'ignore' });
    assert.ok(fs.existsSync(path.join(nodeRoot, 'package-lock.json')));

    const r = await run(d.client, nodeRoot, 'src/main.js');
    assert.equal(r.result.outcome, 'exited', r.result.message);
    assert.equal(r.stderr, '', JSON.stringify([r.stdout, r.result]));
    assert.equal(r.stdout, 'true /node_modules/is-number/index.js\nlo\nproject script ran: false\n');
    assert.equal(r.notices.length, 1);
    assert.match(r.notices[0], /^waiting for the node environment of wb-env-\w+ to build \(npm ci \(package\.json \+ package-lock\.json\)/);
    const built = ended(nodeRoot, 'built');
    assert.equal(built.length, 1);
    assert.match(built[0].image, /^warmbox\/env-node-[0-9a-f]{12}:latest$/);
    assert.ok(progress.some((n) => n.root === nodeRoot && n.state === 'step' && n.label === 'npm ci'));
    // Its environment is current now: the next run neither waits nor is told anything.
    const again = await run(d.client, nodeRoot, 'src/main.js');
    assert.equal(again.stdout, r.stdout);
    assert.deepEqual(again.notices, []);
  });

  it('python: apt numpy + matplotlib and a local wheel: imports work, plt.show() gives a PNG output; `warmbox run --while-building base` meanwhile uses the base image and says so', async () => {
    pyRoot = project({
      'warmbox.json': JSON.stringify({ profiles: { python: { apt: ['python3-numpy', 'python3-matplotlib'], preload: ['numpy'] } } }),
      'requirements.txt': `--no-index\n# ${UNIQUE}\n./wheels/wbhello-1.0-py3-none-any.whl\n`,
      'wheels/wbhello-1.0-py3-none-any.whl': wheel('wbhello', '1.0', 'def hi():\n    return "hi from a wheel"\n'),
      'main.py': 'import numpy, wbhello\nprint(numpy.__version__.count(".") >= 1, wbhello.hi())\n',
      'plot.py': 'import matplotlib.pyplot as plt\nplt.plot([1, 2, 3], [1, 4, 9])\nplt.show()\nprint("shown")\n',
    });
    roots.push(pyRoot);
    // From the CLI (whileBuilding in run/start): the first run starts the build and does not wait for it.
    const cli = (...args: string[]) => spawnSync('node', [CLI, 'run', ...args, path.join(pyRoot, 'main.py')], { env: d.env, encoding: 'utf8', input: '' });
    const bad = cli('--while-building', 'later');
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /^warmbox: --while-building is wait or base \(got "later"\)/);
    const meanwhile = cli('--while-building', 'base');
    assert.equal(meanwhile.status, 1, meanwhile.stderr);
    assert.match(meanwhile.stderr, /^warmbox: the python environment of wb-env-\w+ is building \(.*\); this run uses warmbox\/python:2 as it is\n/);
    assert.match(meanwhile.stderr, /ModuleNotFoundError: No module named 'numpy'/);

    const r = await run(d.client, pyRoot, 'main.py');
    assert.equal(r.result.outcome, 'exited', r.result.message + r.stderr);
    assert.equal(r.stdout, 'True hi from a wheel\n');
    assert.match(r.notices[0] ?? '', /^waiting for the python environment/);
    firstPyImage = ended(pyRoot, 'built')[0]?.image;
    assert.match(firstPyImage, /^warmbox\/env-python-[0-9a-f]{12}:latest$/);

    const fig = await run(d.client, pyRoot, 'plot.py', { outputs: {} });
    assert.equal(fig.result.outcome, 'exited', fig.stderr);
    assert.equal(fig.stdout, 'shown\n');
    const files = fig.result.outputs?.files.map((f) => f.path);
    assert.deepEqual(files, ['figure-1.png']);
    const png = fs.readFileSync(path.join(fig.result.outputs!.dir, 'figure-1.png'));
    assert.equal(png.subarray(1, 4).toString(), 'PNG');

    // warmbox env build: a line for the environment there is, none for the twelve profiles with nothing to install.
    const envBuild = (dir: string) => spawnSync('node', [CLI, 'env', 'build', dir], { env: d.env, encoding: 'utf8' });
    const eb = envBuild(pyRoot);
    assert.equal(eb.status, 0, eb.stderr);
    assert.equal(eb.stdout, `python: ${firstPyImage} cached (apt: python3-numpy python3-matplotlib; pip -r requirements.txt)\n`);
    const empty = project({ 'x.py': 'print(1)\n' });
    roots.push(empty);
    assert.equal(envBuild(empty).stdout, `nothing to install: ${empty} has no manifest or warmbox.json packages for any profile\n`);
    const notDir = envBuild(path.join(pyRoot, 'main.py'));
    assert.equal(notDir.status, 2);
    assert.equal(notDir.stderr, `warmbox: ${path.join(pyRoot, 'main.py')} is not a folder: env build takes a project's folder (its root)\n`);
  });

  it('a broken requirement: the failing step and pip\'s last lines, told once; the previous environment serves; a fix rebuilds', async () => {
    // Rebuild on change: nobody asks for a build, the watcher sees requirements.txt change.
    fs.writeFileSync(path.join(pyRoot, 'requirements.txt'), `--no-index\n# ${UNIQUE}\n./wheels/wbhello-1.0-py3-none-any.whl\nno-such-package-wb==9.9\n`);
    const failed = await waitUntil(() => ended(pyRoot, 'failed').find((n) => n.image), 15 * 60_000, 500);
    assert.ok(failed, 'the build of the broken requirements did not fail');
    assert.match(failed.message!, /failed to build: step \d+\/\d+ \(pip install -r requirements\.txt\) failed: its command exited with code 1\n/);
    // pip's own words, whole lines (Docker's stream cuts lines anywhere).
    assert.match(failed.message!, /\n {2}ERROR: [^\n]*no-such-package-wb==9\.9( |\n|$)/);

    const r1 = await run(d.client, pyRoot, 'main.py');
    assert.equal(r1.stdout, 'True hi from a wheel\n');
    assert.equal(r1.notices.length, 1);
    assert.match(r1.notices[0], /no-such-package-wb[\s\S]*this run uses the previous environment warmbox\/env-python-/);
    assert.ok(r1.notices[0].endsWith(`; a change to the manifests builds it again, and so does \`warmbox env build ${pyRoot}\` (VS Code: Retry on the failure's notification)`), r1.notices[0]);
    const r2 = await run(d.client, pyRoot, 'main.py');
    assert.equal(r2.stdout, 'True hi from a wheel\n');
    assert.deepEqual(r2.notices, [], 'the failure is told once per change');
    // Asked for again (warmbox env build, Rebuild in VS Code): a retry, whose failure every window hears again.
    const told = ended(pyRoot, 'failed').length;
    const retry = await d.client.request(Methods.envBuild, { root: pyRoot, profile: 'python' });
    assert.equal(retry.builds[0].status, 'failed');
    assert.match(retry.builds[0].message ?? '', /no-such-package-wb/);
    assert.equal(ended(pyRoot, 'failed').length, told + 1, 'the retried build\'s failure was not told');
    const r2b = await run(d.client, pyRoot, 'main.py');
    assert.deepEqual(r2b.notices, [], 'the caller of the build told it; runs are not told again');

    fs.writeFileSync(path.join(pyRoot, 'requirements.txt'), `--no-index\n# ${UNIQUE} fixed\n./wheels/wbhello-1.0-py3-none-any.whl\n`);
    const rebuilt = await waitUntil(() => ended(pyRoot, 'built').find((n) => n.image !== firstPyImage), 15 * 60_000, 500);
    assert.ok(rebuilt, 'the fix did not rebuild');
    const r3 = await run(d.client, pyRoot, 'main.py');
    assert.equal(r3.stdout, 'True hi from a wheel\n');
    assert.deepEqual(r3.notices, []);
  });

  it('prune removes unused environment images and keeps those in use; env ls shows them', async () => {
    const list = () => d.client.request(Methods.envList);
    // The replaced environment's warm set drains (setIdleMs) and the image is unused then.
    const old = await waitUntil(async () => (await list()).find((e) => e.image === firstPyImage && !e.inUse), 60_000, 500);
    assert.ok(old, `${firstPyImage} still in use`);
    const inUse = (await list()).filter((e) => e.inUse && roots.includes(e.project ?? '')).map((e) => e.image);
    assert.equal(inUse.length, 2, 'the node and the current python environment are in use');
    const ls = execFileSync('node', [CLI, 'env', 'ls'], { env: d.env, encoding: 'utf8' });
    for (const i of inUse) assert.match(ls, new RegExp(`${i.replace(/[/.]/g, '\\$&')}\\s+\\S+\\s+\\d+ MB.*yes`));

    // Only this project's: other environment images on this engine are not the test's to remove.
    const pruned = await d.client.request(Methods.envPrune, { keep: 0, project: pyRoot });
    assert.ok(pruned.removed.includes(firstPyImage));
    for (const i of inUse) assert.ok(!pruned.removed.includes(i), `${i} is in use and was removed`);
    assert.ok((await d.client.request(Methods.envPrune, { keep: 0, project: nodeRoot })).removed.length === 0);
    const after = (await list()).map((e) => e.image);
    for (const i of inUse) assert.ok(after.includes(i));
    assert.ok(!after.includes(firstPyImage));
    // Removing one in use is refused with who uses it.
    await assert.rejects(d.client.request(Methods.envRemove, { image: inUse[0] }), /is in use by /);
  });

  it('a manifest saved while a run waits for the first build: the run waits for the new build (not the base image), and the replaced build closes no progress', async () => {
    const req = (v: string) => `--no-index\n# ${UNIQUE} ${v}\n./wheels/wbmany-1.0-py3-none-any.whl\n`;
    const root = project({ 'requirements.txt': req('first'), 'wheels/wbmany-1.0-py3-none-any.whl': bigWheel(8000), 'main.py': 'import wbmany\nprint(wbmany.N)\n' });
    roots.push(root);
    const pending = run(d.client, root, 'main.py');
    // While pip installs 8,000 files the project changes (a new plan); the watcher starts its build after 0.5 s.
    const pip = await waitUntil(() => progress.some((n) => n.root === root && n.state === 'step' && n.label === 'pip install -r requirements.txt'), 10 * 60_000, 100);
    assert.ok(pip, 'the first build never reached pip');
    fs.writeFileSync(path.join(root, 'requirements.txt'), req('second'));
    const r = await pending;
    assert.equal(r.result.outcome, 'exited', r.result.message);
    assert.equal(r.stdout, '8000\n', r.stderr);
    assert.equal(r.notices.length, 2, JSON.stringify(r.notices));
    assert.match(r.notices[1], /^the project's packages changed meanwhile; waiting for the new build \(pip -r requirements\.txt\)$/);
    assert.equal(ended(root, 'built').length, 1, 'one build (the second) ended built');
    assert.deepEqual(progress.filter((n) => n.root === root && n.state === 'cancelled'), [], 'the replaced build told clients "cancelled" (VS Code closed the new build\'s progress)');
  });

  it('a project folder replaced by a new one (moved away, cloned again): a save there still rebuilds; a run during the rebuild is told it uses the current environment', async () => {
    const req = (v: string) => `--no-index\n# ${UNIQUE} ${v}\n./wheels/wbhello-1.0-py3-none-any.whl\n`;
    const files = { 'requirements.txt': req('first'), 'wheels/wbhello-1.0-py3-none-any.whl': wheel('wbhello', '1.0', 'def hi():\n    return "hi"\n'), 'main.py': 'import wbhello\nprint(wbhello.hi())\n' };
    const root = project(files);
    roots.push(root);
    const r1 = await run(d.client, root, 'main.py');
    assert.equal(r1.stdout, 'hi\n', r1.stderr);
    const first = ended(root, 'built')[0]?.image;
    assert.ok(first, 'the first environment was not built');
    // The same files in a new folder at the same path (`mv proj proj.old && git clone … proj`): the daemon's watch
    // follows the old folder and sees nothing of the new one. (Moved, not removed: removing its files would be seen.)
    fs.renameSync(root, `${root}.old`);
    roots.push(`${root}.old`);
    fs.renameSync(project(files), root);
    const r2 = await run(d.client, root, 'main.py');
    assert.equal(r2.stdout, 'hi\n', r2.stderr);
    assert.deepEqual(r2.notices, []);
    // Saved with nobody running anything: only the watcher can start this build. It installs 8,000 modules (seconds):
    // a run meanwhile keeps the current environment and hears why the new package is not there yet.
    fs.writeFileSync(path.join(root, 'wheels/wbmany-1.0-py3-none-any.whl'), bigWheel(8000));
    fs.writeFileSync(path.join(root, 'requirements.txt'), `${req('second')}./wheels/wbmany-1.0-py3-none-any.whl\n`);
    const rebuilt = await waitUntil(() => progress.find((n) => n.root === root && n.state === 'building' && n.image !== first), 60_000, 100);
    assert.ok(rebuilt, 'saving requirements.txt in the re-made folder started no build within 60 s');
    const during = await run(d.client, root, 'main.py');
    assert.equal(during.stdout, 'hi\n', during.stderr);
    assert.equal(ended(root, 'built').length, 1, 'the rebuild ended before the run: it cannot tell');
    assert.equal(during.notices.length, 1, JSON.stringify(during.notices));
    assert.match(during.notices[0], new RegExp(`^the python environment of wb-env-\\w+ is rebuilding \\(pip -r requirements\\.txt; now: .*\\); this run uses the current one, ${first.replace(/[/.]/g, '\\$&')}$`));
    assert.deepEqual((await run(d.client, root, 'main.py')).notices, [], 'told once per build');
    assert.ok(await waitUntil(() => ended(root, 'built').some((n) => n.image === rebuilt.image), 10 * 60_000, 250), 'the rebuild did not finish');
  });

  it('an environment image removed outside warmbox (docker rmi, docker image prune -a) is built again by the next run, not an infra-error', async () => {
    const image = ended(nodeRoot, 'built')[0].image;
    // Its warm set goes when idle (setIdleMs): the engine removes no image a container uses.
    const containersOn = () => execFileSync('docker', ['ps', '-aq', '--filter', `ancestor=${image}`], { encoding: 'utf8' }).trim();
    assert.equal(await waitUntil(() => containersOn() === '', 60_000, 500), true, `containers still run on ${image}`);
    // --no-prune: its layers stay, so the rebuild comes from Docker's cache (the test's after() removes them).
    execFileSync('docker', ['rmi', '--no-prune', image], { stdio: 'ignore' });
    const r = await run(d.client, nodeRoot, 'src/main.js');
    assert.equal(r.result.outcome, 'exited', `${r.result.infraReason}: ${r.result.message}`);
    assert.match(r.stdout, /^true \/node_modules\/is-number\/index\.js\n/);
    assert.match(r.notices[0] ?? '', /^waiting for the node environment of wb-env-\w+ to build/);
    assert.equal(ended(nodeRoot, 'built').length, 2);
  });
});
