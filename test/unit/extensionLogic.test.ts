import { strict as assert } from 'assert';
import { AnsiParser } from '../../media/src/ansi';
import { describeOutcome } from '../../media/src/messages';
import { parsePythonTraceback } from '../../extension/traceback';
import { RestartPolicy } from '../../extension/restartPolicy';
import type { RunResult } from '../../daemon/protocol';

describe('ANSI parsing', () => {
  it('turns SGR colours and styles into segments and drops other escapes', () => {
    const p = new AnsiParser();
    const segs = p.push('plain \x1b[31mred \x1b[1;4mbold-under\x1b[0m \x1b[2Kafter\x1b]0;title\x07!');
    assert.deepEqual(segs.map((s) => s.text), ['plain ', 'red ', 'bold-under', ' after!']);
    assert.deepEqual(segs[1].style, { fg: { ansi: 1 } });
    assert.deepEqual(segs[2].style, { fg: { ansi: 1 }, bold: true, underline: true });
    assert.deepEqual(segs[3].style, {});
  });

  it('handles 256 and true colours, bright colours and resets', () => {
    const p = new AnsiParser();
    const [a, b, c, d] = p.push('\x1b[38;5;196mx\x1b[48;2;1;2;3my\x1b[92mz\x1b[39;49mw');
    assert.deepEqual(a.style.fg, { rgb: 'rgb(255, 0, 0)' });
    assert.deepEqual(b.style.bg, { rgb: 'rgb(1, 2, 3)' });
    assert.deepEqual(c.style.fg, { ansi: 10 });
    assert.deepEqual(d.style, {});
  });

  it('keeps an escape split across chunks until it is complete', () => {
    const p = new AnsiParser();
    const first = p.push('ok \x1b[3');
    assert.deepEqual(first.map((s) => s.text), ['ok ']);
    const second = p.push('2mgreen');
    assert.deepEqual(second, [{ text: 'green', style: { fg: { ansi: 2 } } }]);
  });
});

describe('Python tracebacks', () => {
  it('finds the innermost frame in the file that ran and the exception line', () => {
    const err = [
      'Traceback (most recent call last):',
      '  File "/work/app.py", line 9, in <module>',
      '    main()',
      '  File "/work/app.py", line 6, in main',
      '    helper(0)',
      '  File "/usr/lib/python3.11/json/__init__.py", line 346, in loads',
      '    return _default_decoder.decode(s)',
      'json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)',
    ].join('\n');
    assert.deepEqual(parsePythonTraceback(err, 'app.py'), { line: 5, message: 'json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)' });
  });

  it('reads a SyntaxError, which has no Traceback header', () => {
    const err = '  File "/work/main.py", line 3\n    print(\n         ^\nSyntaxError: \'(\' was never closed\n';
    assert.deepEqual(parsePythonTraceback(err, 'main.py'), { line: 2, message: "SyntaxError: '(' was never closed" });
  });

  it('takes the last of chained tracebacks, and ignores errors outside the file', () => {
    const err = [
      'Traceback (most recent call last):',
      '  File "/work/a.py", line 2, in <module>',
      'KeyError: 1',
      '',
      'During handling of the above exception, another exception occurred:',
      '',
      'Traceback (most recent call last):',
      '  File "/work/a.py", line 4, in <module>',
      'ValueError: boom',
    ].join('\n');
    assert.deepEqual(parsePythonTraceback(err, 'a.py'), { line: 3, message: 'ValueError: boom' });
    assert.equal(parsePythonTraceback('Traceback (most recent call last):\n  File "/usr/lib/x.py", line 1\nOSError: x', 'a.py'), null);
    assert.equal(parsePythonTraceback('just some stderr', 'a.py'), null);
  });
});

describe('daemon restart policy', () => {
  it('backs off, then gives up after a few failures within the window', () => {
    const p = new RestartPolicy(3, 60_000, 100, 1000);
    assert.deepEqual(p.failed(0), { retry: true, delayMs: 100 });
    assert.deepEqual(p.failed(10), { retry: true, delayMs: 200 });
    assert.deepEqual(p.failed(20), { retry: true, delayMs: 400 });
    assert.equal(p.failed(30).retry, false);
  });

  it('forgets failures older than the window, and after a reset', () => {
    const p = new RestartPolicy(2, 1000);
    p.failed(0);
    p.failed(10);
    assert.equal(p.failed(5000).retry, true, 'old failures must not count');
    p.reset();
    assert.equal(p.recentFailures, 0);
  });
});

describe('outcome lines', () => {
  it('says what happened with the duration', () => {
    const base = { runId: 'r', exitCode: 0, profile: 'python', containerId: null, warm: true, isolation: 'fresh', acquireMs: 0, stdoutBytes: 0, stderrBytes: 0, truncated: false } as const;
    assert.equal(describeOutcome({ ...base, outcome: 'exited', durationMs: 42 } as RunResult), 'exited 0 · 42 ms');
    assert.equal(
      describeOutcome({ ...base, outcome: 'infra-error', exitCode: null, infraReason: 'docker-unreachable', message: 'Docker is not reachable', durationMs: 1500 } as RunResult),
      'infra-error (docker-unreachable): Docker is not reachable · 1.50 s',
    );
    // Seen in a walk: "■ cancelled: cancelled by the user". The outcome's name still leads the line.
    assert.equal(describeOutcome({ ...base, outcome: 'cancelled', exitCode: null, message: 'cancelled by the user', durationMs: 596 } as RunResult), 'cancelled by the user · 596 ms');
    assert.equal(describeOutcome({ ...base, outcome: 'timeout', exitCode: null, message: 'ran past 10 s', durationMs: 10_000 } as RunResult), 'timeout: ran past 10 s · 10.00 s');
  });
});
