// Issue 13: a window warms only the profiles its workspace uses (pool/want), others on first use; wishes of several
// clients add up. Real daemon, real engine.
import { strict as assert } from 'assert';
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

  it('refuses wishes that are not a list of names', async () => {
    await assert.rejects(d.client.request(Methods.poolWant, { profiles: 'python' } as never /* off the contract on purpose */), /profiles must be a list/);
  });
});
