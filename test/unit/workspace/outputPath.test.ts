// Where a run's output files are saved on the daemon's machine: a sandbox names them (any Linux file name), so no
// name may land outside the run's folder, whatever the platform's path rules.
import { strict as assert } from 'assert';
import * as path from 'path';
import { outputPath } from '../../../daemon/workspace/runFiles';

describe('output file paths', () => {
  it('keeps every name a program can give inside the run folder (POSIX)', () => {
    const dir = '/rt/outputs/run1';
    assert.equal(outputPath(dir, 'a/b.txt', path.posix), '/rt/outputs/run1/a/b.txt');
    assert.equal(outputPath(dir, ' d / out .txt ', path.posix), '/rt/outputs/run1/ d / out .txt ');
    assert.equal(outputPath(dir, '..\\..\\x', path.posix), '/rt/outputs/run1/..\\..\\x');
    for (const bad of ['../x', 'a/../../x', '/..', '', '.', 'a\0b']) assert.equal(outputPath(dir, bad, path.posix), undefined, bad);
  });

  it('on Windows, a Linux file name with backslashes or a drive does not climb out of the run folder', () => {
    const dir = 'C:\\Users\\me\\rt\\outputs\\run1';
    assert.equal(outputPath(dir, 'a/b.txt', path.win32), 'C:\\Users\\me\\rt\\outputs\\run1\\a\\b.txt');
    // One Linux file name each: Windows' path rules read the backslashes as folders.
    for (const bad of ['..\\..\\..\\AppData\\Roaming\\Microsoft\\Windows\\Start Menu\\Programs\\Startup\\x.bat', 'a\\..\\..\\x', '..\\x', 'C:\\x', 'C:x', '\\\\server\\share\\x', '\\x']) {
      const got = outputPath(dir, bad, path.win32);
      assert.ok(got === undefined || got.startsWith(dir + '\\'), `${bad} -> ${got}`);
      assert.ok(got === undefined || !path.win32.relative(dir, got).split('\\').includes('..'), `${bad} -> ${got}`);
    }
  });
});
