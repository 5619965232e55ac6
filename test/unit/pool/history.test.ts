import { strict as assert } from 'assert';
import { PoolHistory } from '../../../daemon/pool/history';
import { columnsOf, formatHistory } from '../../../cli/historyChart';
import { chartProfiles, chartSpanMs } from '../../../media/src/chartData';

const sets = (idle: number, busy: number, waiting = 0, name = 'python') => [{ name, idle, busy, waiting }];

describe('the pool history', () => {
  it('keeps the most seen per interval, per profile, with sets of one profile added up', () => {
    const h = new PoolHistory(1000, 10_000);
    h.record([...sets(2, 0), { name: 'python', idle: 1, busy: 1, waiting: 0 }], 100);
    h.record(sets(0, 3, 1), 900);
    h.record(sets(1, 0), 1500);
    const r = h.read();
    assert.deepEqual(r.samples.map((s) => s.t), [0, 1000]);
    assert.deepEqual(r.samples[0].profiles.python, { warm: 3, busy: 3, waiting: 1 });
    assert.deepEqual(r.samples[1].profiles.python, { warm: 1, busy: 0, waiting: 0 });
  });

  it('is bounded: samples older than its span go', () => {
    const h = new PoolHistory(1000, 10_000);
    for (let t = 0; t < 100_000; t += 500) h.record(sets(1, 0), t);
    assert.ok(h.size <= 11, `kept ${h.size} samples`);
    assert.ok(h.read().samples[0].t >= 100_000 - 11_000);
    assert.ok(h.read(99_000).samples.length <= 2);
  });

  it('the CLI draws it as one row per profile and series', () => {
    const h = new PoolHistory(5000, 15 * 60_000);
    const now = 10 * 60_000;
    for (let t = 0; t <= now; t += 5000) h.record(t > now - 60_000 ? sets(1, 1) : sets(2, 0), t);
    const text = formatHistory(h.read(), now, 10, 60);
    const lines = text.split('\n');
    assert.match(lines[2], /^python\s+warm\s+1\s+2\s+█+▄+$/);
    assert.match(lines[3], /^\s+busy\s+1\s+1\s+·+█+$/);
    assert.match(lines[4], /^\s+waiting\s+0\s+0\s+·+$/);
    const cols = columnsOf(h.read(), 'python', 'warm', now, 10, 60);
    assert.equal(cols.length, 60);
    assert.equal(formatHistory({ intervalMs: 5000, spanMs: 1, samples: [] }), 'no pool history yet\n');
  });
});

describe('the panel chart (pure parts)', () => {
  const h = (samples: { t: number; profiles: Record<string, { warm: number; busy: number; waiting: number }> }[]) => ({ intervalMs: 5000, spanMs: 900_000, samples });

  it('spans what the daemon has, from one to ten minutes', () => {
    assert.equal(chartSpanMs(h([{ t: 100_000, profiles: {} }]), 130_000), 60_000);
    assert.equal(chartSpanMs(h([{ t: 0, profiles: {} }]), 300_000), 300_000);
    assert.equal(chartSpanMs(h([{ t: 0, profiles: {} }]), 3_600_000), 600_000);
  });

  it('gives a row only to profiles that held or wanted a sandbox in the span', () => {
    const hist = h([
      { t: 0, profiles: { node: { warm: 1, busy: 0, waiting: 0 } } },
      { t: 100_000, profiles: { python: { warm: 2, busy: 0, waiting: 0 }, shell: { warm: 0, busy: 0, waiting: 0 } } },
    ]);
    assert.deepEqual(chartProfiles(hist, 50_000), ['python']);
    assert.deepEqual(chartProfiles(hist, 0), ['node', 'python']);
  });
});
