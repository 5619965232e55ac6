// Issue 13: a window warms only the profiles its workspace uses (pool/want), others on first use; wishes of several
// clients add up. Real daemon, real engine.
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Methods, PoolWantResult } from '../../daemon/protocol';
import { profileStats, runToEnd, startDaemon, stats, TestDaemon, waitUntil } from '../helpers/daemon';

describe('warm what the workspace uses (pool/want, real engine)', function () {
  this.timeout(90_000);
  let d: TestDaemon;
  const sizes = { python: { minSize: 1, maxSize: 2 }, node: { minSize: 1, maxSize: 2 }, shell: { minSize: 1, maxSize: 2 } };

  // As a VS Code window starts it: nothing is warmed before a window says what it uses.
  before(async () => {
    d = await startDaemon({ profiles: sizes, setIdleMs: 60_000 }, { WARMBOX_WARM: 'wanted' });
  });
  after(() => d.stop());

  const live = async (p: string) => {
    const s = profileStats(await stats(d.client), p);
    return s.idle + s.warming + s.busy;
  };

  it('a Python-only window warms only python', async () => {
    const s0 = await stats(d.client);
    for (const p of ['python', 'node', 'shell']) assert.equal(profileStats(s0, p).minSize, 0, `${p} is kept warm before anyone asked`);
    const r = await d.client.request(Methods.poolWant, { profiles: ['python', 'cobol'] });
    assert.deepEqual(r.wanted, ['python']);
    assert.deepEqual(r.unknown, ['cobol']);
    assert.ok(await waitUntil(async () => profileStats(await stats(d.client), 'python').idle === 1, 30_000), 'python never warmed');
    const s = await stats(d.client);
    assert.equal(profileStats(s, 'node').minSize, 0);
    assert.equal(profileStats(s, 'shell').minSize, 0);
    assert.equal(await live('node'), 0, 'node was warmed for a Python-only window');
    assert.equal(await live('shell'), 0, 'shell was warmed for a Python-only window');
  });

  it("another window's wishes add to the first's and never take its sets away; a client's wishes go with it", async () => {
    const other = await d.connect('window-2');
    const r = await other.request(Methods.poolWant, { profiles: ['shell'] });
    assert.deepEqual(r.wanted, ['python', 'shell']);
    assert.ok(await waitUntil(async () => profileStats(await stats(d.client), 'shell').idle === 1, 30_000), 'shell never warmed');
    assert.equal(profileStats(await stats(d.client), 'python').minSize, 1, "window 2's wishes took python from window 1");
    other.close();
    // Never used by a run: shell goes cold once its only window is gone.
    assert.ok(await waitUntil(async () => (await live('shell')) === 0, 30_000), 'shell stayed warm after its window went');
    assert.equal(profileStats(await stats(d.client), 'python').minSize, 1);
  });

  it('a profile nobody wished for warms on first use and stays warm for a while', async () => {
    const r = await runToEnd(d.client, { profile: 'node', code: 'console.log("first use")' });
    assert.equal(r.result.outcome, 'exited');
    assert.match(r.stdout.toString(), /first use/);
    assert.ok(await waitUntil(async () => profileStats(await stats(d.client), 'node').idle === 1, 30_000), 'node was not kept warm after its first run');
    assert.equal(profileStats(await stats(d.client), 'node').minSize, 1);
  });

  it("a window's project wishes make its folder's sets now, armed with the copy: the folder's first run is warm", async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'wbwish-'));
    const built = fs.mkdtempSync(path.join(os.tmpdir(), 'wbwish-env-'));
    try {
      fs.writeFileSync(path.join(root, 'helper.py'), 'WHO = "the neighbour"\n');
      fs.writeFileSync(path.join(root, 'main.py'), 'import helper\nprint("hello from", helper.WHO)\n');
      // A project whose environment is not built: a wish never builds it (its first run does, with progress).
      fs.writeFileSync(path.join(built, 'requirements.txt'), 'nothing-here==1.0\n');
      fs.writeFileSync(path.join(built, 'main.py'), 'print(1)\n');
      const r = await d.client.request(Methods.poolWant, {
        profiles: [],
        projects: [
          { project: { root, file: 'main.py' }, profiles: ['python', 'cobol'] },
          { project: { root: built, file: 'main.py' }, profiles: ['python'] },
        ],
      });
      assert.equal(r.projectSets.length, 1, JSON.stringify(r));
      assert.match(r.projectSets[0], /^python@wbwish-/);
      assert.deepEqual(r.unknown, ['cobol']);
      const set = r.projectSets[0];
      assert.ok(await waitUntil(async () => profileStats(await stats(d.client), set).idle >= 1, 30_000), `${set} never warmed`);
      const run = await runToEnd(d.client, { profile: 'python', code: fs.readFileSync(path.join(root, 'main.py'), 'utf8'), project: { root, file: 'main.py' } });
      assert.equal(run.result.outcome, 'exited', run.result.message);
      assert.equal(run.stdout.toString(), 'hello from the neighbour\n');
      assert.equal(run.result.warm, true, 'the first run in the wished folder was cold');
      assert.ok(!(await stats(d.client)).profiles.some((p) => p.profile.includes('wbwish-env')), 'a set was made for a project whose environment is not built');
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
      fs.rmSync(built, { recursive: true, force: true });
    }
  });

  it('refuses wishes that are not a list of names', async () => {
    await assert.rejects(d.client.request(Methods.poolWant, { profiles: 'python' } as never /* off the contract on purpose */), /profiles must be a list/);
  });
});
