// The run view the extension keeps for the warmbox tab (extension/views/panelModel.ts): what a page that was hidden
// or reloaded is sent.
import { strict as assert } from 'assert';
import { KEPT_CHARS, PanelModel } from '../../extension/views/panelModel';
import type { RunInfo } from '../../media/src/messages';
import type { RunResult } from '../../daemon/protocol';

const info = (runId: string): RunInfo => ({ runId, file: 'a.py', profile: 'python', selection: false, startedAt: 1 });
const result = (runId: string): RunResult => ({
  runId, outcome: 'exited', exitCode: 0, profile: 'python', containerId: 'c', warm: true, isolation: 'fresh', acquireMs: 1, durationMs: 5, stdoutBytes: 3, stderrBytes: 0, truncated: false,
});

describe('panel model', () => {
  it('keeps the whole run: header, output in order, outcome', () => {
    const m = new PanelModel();
    m.apply({ type: 'begin', run: info('r1'), clear: true });
    m.apply({ type: 'started', runId: 'r1', containerId: 'c1', acquireMs: 3, warm: true });
    m.apply({ type: 'output', runId: 'r1', stream: 'stdout', text: 'out 1\n' });
    m.apply({ type: 'output', runId: 'r1', stream: 'stdout', text: 'err 1\n' });
    m.apply({ type: 'exit', result: result('r1'), outputsBase: 'u' });
    const v = m.current;
    assert.equal(v.run?.runId, 'r1');
    assert.equal(v.started?.containerId, 'c1');
    assert.equal(v.chunks.map((c) => c.text).join(''), 'out 1\nerr 1\n');
    assert.equal(v.result?.outcome, 'exited');
    assert.equal(v.outputsBase, 'u');
  });

  it("a new run replaces the old one's output (or follows it when not clearing); stale messages are ignored", () => {
    const m = new PanelModel();
    m.apply({ type: 'begin', run: info('r1'), clear: true });
    m.apply({ type: 'output', runId: 'r1', stream: 'stdout', text: 'one' });
    m.apply({ type: 'begin', run: info('r2'), clear: false });
    m.apply({ type: 'output', runId: 'r1', stream: 'stdout', text: 'late' });
    m.apply({ type: 'output', runId: 'r2', stream: 'stdout', text: 'two' });
    assert.equal(m.current.chunks.map((c) => c.text).join(''), 'one\ntwo');
    assert.equal(m.current.result, undefined);
    m.apply({ type: 'begin', run: info('r3'), clear: true });
    assert.deepEqual(m.current.chunks, []);
  });

  it('keeps only the tail of long output; pool and link samples are not part of it', () => {
    const m = new PanelModel();
    m.apply({ type: 'begin', run: info('r1'), clear: true });
    for (let i = 0; i < 50; i++) m.apply({ type: 'output', runId: 'r1', stream: 'stdout', text: `${i}`.padEnd(10_000, '.') });
    const text = m.current.chunks.map((c) => c.text).join('');
    assert.ok(text.length <= KEPT_CHARS);
    assert.ok(text.endsWith('49'.padEnd(10_000, '.')));
    assert.equal(m.apply({ type: 'link', state: 'connected' }), false);
  });

  it('restores what a page saved before a window reload', () => {
    const m = new PanelModel();
    m.restore({ run: info('r1'), result: result('r1'), chunks: [{ stream: 'stdout', text: 'hi\n' }] });
    assert.equal(m.current.result?.runId, 'r1');
    m.apply({ type: 'output', runId: 'r1', stream: 'stdout', text: 'more' });
    assert.equal(m.current.chunks.map((c) => c.text).join(''), 'hi\nmore');
  });
});
