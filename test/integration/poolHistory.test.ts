// Issue 13: the daemon keeps the pool's history (pool/history) so every window and the CLI see the same chart; and a
// run whose container the user removes ends cancelled (reason removed), not as a lost container. Real engine.
import { strict as assert } from 'assert';
import { spawnSync } from 'child_process';
import { Methods, PoolHistoryResult, RunResult } from '../../daemon/protocol';
import { CLI, profileStats, startDaemon, stats, TestDaemon, waitUntil } from '../helpers/daemon';

describe('pool history and Remove (real engine)', function () {
  this.timeout(90_000);
  let d: TestDaemon;
  const cli = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { env: d.env, encoding: 'utf8', timeout: 30_000 });

  before(async () => {
    d = await startDaemon({ profiles: { python: { minSize: 1, maxSize: 2 }, node: { minSize: 0, maxSize: 1 }, shell: { minSize: 0, maxSize: 1 } } });
    assert.ok(await waitUntil(async () => profileStats(await stats(d.client), 'python').idle === 1, 30_000), 'python never warmed');
  });
  after(() => d.stop());

  it('keeps warm/busy per profile; a second client and the CLI read the same history', async () => {
    const h = await d.client.run({ profile: 'python', code: 'import time\nprint("up", flush=True)\ntime.sleep(1.5)' }, {});
    const busySeen = async (c = d.client) => {
      const hist = await c.request(Methods.poolHistory, {});
      return hist.samples.some((s) => (s.profiles.python?.busy ?? 0) >= 1);
    };
    assert.ok(await waitUntil(() => busySeen(), 10_000), 'the run never showed as busy in the history');
    assert.equal((await h.result).outcome, 'exited');
    const other = await d.connect('window-2');
    assert.ok(await busySeen(other), 'another client does not see the same history');
    other.close();

    const json = cli(['stats', '--history', '--json']);
    assert.equal(json.status, 0, json.stderr);
    const hist = JSON.parse(json.stdout) as PoolHistoryResult;
    assert.equal(hist.intervalMs, 5000);
    assert.ok(hist.samples.some((s) => s.profiles.python?.busy >= 1));
    assert.ok(hist.samples.length <= hist.spanMs / hist.intervalMs + 1);

    const text = cli(['stats', '--history', '--minutes', '5']);
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /^pool over the last 5 min/);
    assert.match(text.stdout, /^python\s+warm\s+\d+\s+\d+\s/m);
    assert.match(text.stdout, /^\s+busy\s+\d+\s+1\s+[·▁▂▃▄▅▆▇█ ]*█/m, text.stdout);
    const bad = cli(['stats', '--history', '--minutes', '99']);
    assert.equal(bad.status, 2, bad.stdout + bad.stderr);
    assert.match(bad.stderr, /--minutes must be a number from 1 to 15/);
  });

  it("a run whose container the user removes ends cancelled, reason removed (not a lost container)", async () => {
    let containerId = '';
    let up!: () => void;
    const printed = new Promise<void>((r) => (up = r));
    const h = await d.client.run({ profile: 'python', code: 'import time\nprint("up", flush=True)\ntime.sleep(30)' }, {
      onStarted: (n) => (containerId = n.containerId),
      onOutput: (_s, data) => data.toString().includes('up') && up(),
    });
    await printed;
    await d.client.request(Methods.containersRemove, { id: containerId });
    const r: RunResult = await h.result;
    assert.equal(r.outcome, 'cancelled', JSON.stringify(r));
    assert.equal(r.cancelReason, 'removed');
    assert.match(r.message ?? '', /removed by the user/);
  });
});
