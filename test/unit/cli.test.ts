import { strict as assert } from 'assert';
import { parseArgs, CliUsageError } from '../../cli/args';
import { exitCodeFor, formatAge } from '../../cli/format';
import { chooseStreams } from '../../cli/streams';
import type { RunResult } from '../../daemon/protocol';

describe('cli parsing and exit codes', () => {
  it('parses flags, options and the program args after --', () => {
    const a = parseArgs(['f.py', '--json', '--timeout', '3', '--profile=python', '--', '--json', 'x'], { flags: ['json'], options: ['timeout', 'profile'] });
    assert.deepEqual(a.positional, ['f.py']);
    assert.equal(a.flags.json, true);
    assert.equal(a.options.timeout, '3');
    assert.equal(a.options.profile, 'python');
    assert.deepEqual(a.rest, ['--json', 'x']);
    assert.throws(() => parseArgs(['--nope'], { flags: [], options: [] }), CliUsageError);
    assert.throws(() => parseArgs(['--timeout'], { flags: [], options: ['timeout'] }), /needs a value/);
  });

  it('maps outcomes to exit codes', () => {
    const r = (outcome: RunResult['outcome'], exitCode: number | null = null) => ({ outcome, exitCode }) as RunResult;
    assert.equal(exitCodeFor(r('exited', 3)), 3);
    assert.equal(exitCodeFor(r('timeout')), 124);
    assert.equal(exitCodeFor(r('infra-error')), 125);
    assert.equal(exitCodeFor(r('cancelled')), 130);
    assert.equal(exitCodeFor(r('oom', 137)), 137);
    assert.equal(exitCodeFor(r('output-limit')), 141);
    assert.equal(formatAge(61_000), '1m01s');
  });
});

describe('CLI streams choice', () => {
  it('merges where stdout and stderr are one file, keeps them apart otherwise and with --json; --streams wins', () => {
    assert.equal(chooseStreams(undefined, false, () => true), 'merged');
    assert.equal(chooseStreams(undefined, false, () => false), 'separate');
    assert.equal(chooseStreams(undefined, true, () => true), 'separate');
    assert.equal(chooseStreams('merged', true, () => false), 'merged');
    assert.throws(() => chooseStreams('both', false, () => true), /--streams must be/);
  });
});
