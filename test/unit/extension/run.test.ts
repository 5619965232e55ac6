import { strict as assert } from 'assert';
import { shiftSpans } from '../../../extension/run/diagnosticShift';
import { dedentLines, SelectionRule, selectionProgram } from '../../../extension/run/selection';

describe('a selection as a program', () => {
  const fn = ['def f():', '    x = 1', '    print(x)', '    if x:', '        print("yes")', ''];

  it('dedents an indented block (lines inside a function) and keeps its inner indentation', () => {
    const text = fn.slice(1, 5).join('\n');
    assert.equal(selectionProgram({ text, startLine: 1, before: '', dedent: true }), '\nx = 1\nprint(x)\nif x:\n    print("yes")');
  });

  it('counts the indentation before a selection that starts after it (the editor gives the text without it)', () => {
    const text = fn.slice(1, 5).join('\n').slice(4);
    assert.equal(selectionProgram({ text, startLine: 1, before: '    ', dedent: true }), '\nx = 1\nprint(x)\nif x:\n    print("yes")');
  });

  it('puts the selection on its editor lines, so a traceback line is the editor line', () => {
    const program = selectionProgram({ text: '    1 / 0', startLine: 2, before: '', dedent: true });
    assert.equal(program.split('\n').indexOf('1 / 0'), 2);
  });

  it('leaves a fragment of a line as it is and dedents the lines after it only as far as they share', () => {
    assert.deepEqual(dedentLines(['foo(1,', '        2)'], undefined), ['foo(1,', '2)']);
    assert.deepEqual(dedentLines(['  a', '', '    b', ' '], ''), ['a', '', '  b', '']);
  });

  it('does not dedent other languages', () => {
    assert.equal(selectionProgram({ text: '  echo hi', startLine: 0, before: '', dedent: false }), '  echo hi');
  });

  it('a selection counts for Run only when made since the last run', () => {
    const r = new SelectionRule();
    assert.equal(r.counts('a', '1:0-1:9'), true, 'a selection before the first run counts');
    r.ran('a', '1:0-1:9');
    assert.equal(r.counts('a', '1:0-1:9'), false, 'a leftover selection after a run must not turn Run into Run Selection');
    assert.equal(r.counts('a', '2:0-3:4'), true, 'a new selection counts');
    r.ran('a', undefined);
    assert.equal(r.counts('a', '1:0-1:9'), true);
    assert.equal(r.counts('b', undefined), false, 'an empty selection never counts');
    r.ran('b', '0:0-0:1');
    r.closed('b');
    assert.equal(r.counts('b', '0:0-0:1'), true);
  });
});

describe('diagnostics follow edits', () => {
  const spans = [{ startLine: 2, endLine: 2 }, { startLine: 5, endLine: 5 }, { startLine: 9, endLine: 9 }];

  it('drops the mark of a line that changed, keeps those above and moves those below', () => {
    assert.deepEqual(shiftSpans(spans, [{ startLine: 5, endLine: 5, insertedLines: 0 }]), [spans[0], null, spans[2]]);
    assert.deepEqual(shiftSpans(spans, [{ startLine: 3, endLine: 3, insertedLines: 2 }]), [spans[0], { startLine: 7, endLine: 7 }, { startLine: 11, endLine: 11 }]);
  });

  it('lines removed above move the marks up; a removal across a marked line drops it', () => {
    assert.deepEqual(shiftSpans(spans, [{ startLine: 0, endLine: 2, insertedLines: 0 }]), [null, { startLine: 3, endLine: 3 }, { startLine: 7, endLine: 7 }]);
  });

  it('several edits of one event apply bottom-up, each against the text before the event', () => {
    const out = shiftSpans(spans, [{ startLine: 0, endLine: 0, insertedLines: 1 }, { startLine: 7, endLine: 7, insertedLines: 1 }]);
    assert.deepEqual(out, [{ startLine: 3, endLine: 3 }, { startLine: 6, endLine: 6 }, { startLine: 11, endLine: 11 }]);
  });
});
