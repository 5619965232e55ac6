// The sandbox terminal's line editor and text rules (extension/terminal/lineInput.ts), without VS Code.
import { strict as assert } from 'assert';
import { endsInPrompt, LineInput, outcomeLine, toTerminal } from '../../../extension/terminal/lineInput';
import type { RunResult } from '../../../daemon/protocol';

describe('sandbox terminal: line input', () => {
  it('echoes printable keys and sends the line on Enter', () => {
    const l = new LineInput();
    let fx = l.handle('Ali');
    assert.deepEqual(fx, { echo: 'Ali', send: [], eof: false, interrupt: false });
    fx = l.handle('ce\r');
    assert.equal(fx.echo, 'ce\r\n');
    assert.deepEqual(fx.send, ['Alice\n']);
    assert.equal(l.pending, '');
  });

  it('edits with Backspace (never past the line start) and Ctrl+U; skips arrow keys', () => {
    const l = new LineInput();
    const fx = l.handle('ab\x7f\x7f\x7fxy\x1b[Dz\x15ok\r');
    assert.equal(fx.echo, 'ab\b \b\b \bxyz\b \b\b \b\b \bok\r\n');
    assert.deepEqual(fx.send, ['ok\n']);
  });

  it('a paste of several lines sends each; \\r\\n is one line end', () => {
    const fx = new LineInput().handle('one\r\ntwo\nthree');
    assert.deepEqual(fx.send, ['one\n', 'two\n']);
    assert.equal(fx.echo, 'one\r\ntwo\r\nthree');
  });

  it('Ctrl+D sends what was typed and ends input; Ctrl+C stops and drops the line', () => {
    const l = new LineInput();
    let fx = l.handle('half\x04');
    assert.deepEqual(fx.send, ['half']);
    assert.equal(fx.eof, true);
    fx = l.handle('x\x03y');
    assert.equal(fx.interrupt, true);
    assert.equal(fx.echo, 'x^C\r\n');
    assert.deepEqual(fx.send, []);
    assert.equal(l.pending, '');
  });

  it('turns \\n into \\r\\n and leaves \\r\\n and ANSI alone', () => {
    assert.equal(toTerminal('a\nb\r\n\x1b[31mc\x1b[0m\n'), 'a\r\nb\r\n\x1b[31mc\x1b[0m\r\n');
  });

  it('tells a prompt (text after the last newline) from a finished line', () => {
    assert.equal(endsInPrompt('name? '), true);
    assert.equal(endsInPrompt('done\n'), false);
    assert.equal(endsInPrompt('done\n\x1b[0m'), false);
    assert.equal(endsInPrompt(''), false);
  });

  it('ends a run with its outcome, duration and warm/cold', () => {
    const r: RunResult = {
      runId: 'r', outcome: 'exited', exitCode: 0, profile: 'python', containerId: 'c', warm: true, isolation: 'fresh', acquireMs: 1, durationMs: 42, stdoutBytes: 0, stderrBytes: 0, truncated: false,
    };
    assert.equal(outcomeLine(r), '\x1b[32m■ exited 0 · 42 ms · warm\x1b[0m');
    assert.match(outcomeLine({ ...r, outcome: 'cancelled', exitCode: null, message: 'cancelled by the user', warm: false }), /^\x1b\[33m■ cancelled by the user · 42 ms · cold/);
  });
});
