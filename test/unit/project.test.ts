// The VS Code side of project runs, without VS Code: arguments, the project root, unsaved overlays, env, paths.
import { strict as assert } from 'assert';
import * as path from 'path';
import { ArgsSyntaxError, formatArgs, splitArgs } from '../../extension/project/args';
import { runEnv } from '../../extension/project/env';
import { selectOverlays } from '../../extension/project/overlays';
import { sandboxToLocal, sandboxToRelative, unsafeSaveTarget } from '../../extension/project/paths';
import { projectPlace } from '../../extension/project/root';
import { parsePythonFrames } from '../../extension/traceback';
import { findPathLinks } from '../../media/src/links';
import { formatSize, isImage } from '../../media/src/messages';
import { setIds } from '../../extension/views/setIds';

describe('program arguments typed in an input box', () => {
  it('splits on blanks, keeps quoted blanks, and takes backslash escapes', () => {
    assert.deepEqual(splitArgs(`  a 'b c'  "d \\"e\\"" f\\ g '' "$x" it"'"s`), ['a', 'b c', 'd "e"', 'f g', '', '$x', "it's"]);
    assert.deepEqual(splitArgs(''), []);
    assert.deepEqual(splitArgs('   '), []);
    assert.deepEqual(splitArgs(`'single \\ stays'`), ['single \\ stays']);
  });

  it('refuses an unclosed quote', () => {
    assert.throws(() => splitArgs(`a 'b`), ArgsSyntaxError);
    assert.throws(() => splitArgs(`"x`), /unclosed double quote/);
  });

  it('formats arguments so that splitting gives them back', () => {
    const args = ['plain', 'two words', "it's", '', 'a"b', '--flag=1', '$HOME'];
    assert.deepEqual(splitArgs(formatArgs(args)), args);
    assert.equal(formatArgs(['--n', '3', 'data/x.csv']), '--n 3 data/x.csv');
  });
});

describe('the project of a file', () => {
  it('is the workspace folder holding it (the innermost), with a posix relative path', () => {
    assert.deepEqual(projectPlace('/ws/app/main.py', ['/other', '/ws']), { root: '/ws', file: 'app/main.py' });
    assert.deepEqual(projectPlace('/ws/sub/x.py', ['/ws', '/ws/sub']), { root: '/ws/sub', file: 'x.py' });
  });

  it('is the file\'s own folder outside any workspace folder (also next to a folder of a similar name)', () => {
    assert.deepEqual(projectPlace('/tmp/a/b.py', ['/ws']), { root: '/tmp/a', file: 'b.py' });
    assert.deepEqual(projectPlace('/ws2/b.py', ['/ws']), { root: '/ws2', file: 'b.py' });
  });

  it('uses the platform\'s path rules (Windows paths become posix relative paths)', () => {
    assert.deepEqual(projectPlace('C:\\ws\\app\\main.py', ['C:\\ws'], path.win32), { root: 'C:\\ws', file: 'app/main.py' });
  });
});

describe('unsaved text of other editors', () => {
  const docs = [
    { fsPath: '/ws/main.py', isDirty: true, text: 'run file' },
    { fsPath: '/ws/helper.py', isDirty: true, text: 'def greet(): pass' },
    { fsPath: '/ws/saved.py', isDirty: false, text: 'on disk already' },
    { fsPath: '/elsewhere/x.py', isDirty: true, text: 'other project' },
    { fsPath: '/ws-two/y.py', isDirty: true, text: 'a neighbour folder, not inside' },
    { fsPath: '/ws/data/x.csv', isDirty: true, text: 'a,b' },
  ];

  it('takes dirty editors of the same root, not the file being run, not saved or outside ones', () => {
    const o = selectOverlays('/ws', '/ws/main.py', docs);
    assert.deepEqual(o.overlays, { 'helper.py': 'def greet(): pass', 'data/x.csv': 'a,b' });
    assert.deepEqual(o.skipped, []);
  });

  it('leaves out what does not fit the budget, and says which', () => {
    const o = selectOverlays('/ws', '/ws/main.py', docs, 18);
    assert.deepEqual(Object.keys(o.overlays), ['helper.py']);
    assert.deepEqual(o.skipped, ['data/x.csv']);
  });
});

describe('environment from the settings', () => {
  it('merges the per-profile variables over warmbox.env; null unsets; non-strings are written out', () => {
    const p = runEnv('python', { A: '1', B: 'b', N: 3 }, { python: { B: 'py', C: true, A: null }, node: { D: 'x' } });
    assert.deepEqual(p, { env: { B: 'py', N: '3', C: 'true' }, invalid: [] });
    assert.deepEqual(runEnv('shell', undefined, undefined), { env: {}, invalid: [] });
  });

  it('names the variables the daemon would refuse', () => {
    assert.deepEqual(runEnv('python', { 'BAD-NAME': 'x', '1X': 'y', OK_1: 'z' }, {}).invalid, ['BAD-NAME', '1X']);
  });
});

describe('sandbox paths back to the project', () => {
  it('maps /work/<rel> and paths relative to the working directory', () => {
    assert.equal(sandboxToRelative('/work/app/helper.py'), 'app/helper.py');
    assert.equal(sandboxToRelative('helper.py', 'app'), 'app/helper.py');
    assert.equal(sandboxToRelative('./lib/x.py', '.'), 'lib/x.py');
  });

  it('names nothing outside the project', () => {
    for (const p of ['/usr/lib/python3.11/json/__init__.py', '<frozen runpy>', '<string>', '/work', '/work/', '/work/../etc/passwd', '/workspace/x.py', '../../etc/passwd', '']) {
      assert.equal(sandboxToRelative(p, 'app'), undefined, p);
    }
    assert.equal(sandboxToLocal('/ws', '/work/a/../../etc/passwd'), undefined);
    assert.equal(sandboxToLocal('/ws', '/work/app/helper.py'), path.resolve('/ws/app/helper.py'));
  });
});

describe('Python traceback frames', () => {
  it('gives every frame of the last traceback, outermost first, and the exception', () => {
    const err = [
      'Traceback (most recent call last):',
      '  File "/work/app/main.py", line 3, in <module>',
      '    print(greet("x"))',
      '  File "/work/app/helper.py", line 2, in greet',
      '    return 1 / 0',
      'ZeroDivisionError: division by zero',
    ].join('\n');
    assert.deepEqual(parsePythonFrames(err), {
      frames: [{ file: '/work/app/main.py', line: 2 }, { file: '/work/app/helper.py', line: 1 }],
      message: 'ZeroDivisionError: division by zero',
    });
    assert.equal(parsePythonFrames('no traceback here'), null);
  });
});

describe('links in the panel\'s output', () => {
  it('finds /work paths with Python\'s line numbers and :N suffixes', () => {
    const t = '  File "/work/app/helper.py", line 2, in greet\nat Object.<anonymous> (/work/lib.js:7:3) and /work/data/x.csv.';
    const links = findPathLinks(t);
    assert.deepEqual(links.map((l) => [l.path, l.line, t.slice(l.start, l.end)]), [
      ['/work/app/helper.py', 2, '/work/app/helper.py'],
      ['/work/lib.js', 7, '/work/lib.js:7'],
      ['/work/data/x.csv.', undefined, '/work/data/x.csv.'],
    ]);
    assert.deepEqual(findPathLinks('/workshop and /worker/x'), []);
  });
});

describe('the panel\'s output file list', () => {
  it('shows png, jpg, gif, svg and webp inline, nothing else', () => {
    for (const p of ['a.png', 'b/c.JPG', 'd.jpeg', 'e.gif', 'f.svg', 'g.webp']) assert.equal(isImage(p), true, p);
    for (const p of ['a.txt', 'png', 'x.svg.txt', 'y.pdf']) assert.equal(isImage(p), false, p);
  });

  it('writes sizes for people', () => {
    assert.deepEqual([formatSize(12), formatSize(2048), formatSize(3 * 1024 * 1024 + 1)], ['12 B', '2.0 KB', '3.0 MB']);
  });
});

describe('containers view ids', () => {
  it('are unique even when the daemon names two warm sets alike (two caps of one project: python@ws twice)', () => {
    assert.deepEqual(setIds(['python', 'python@ws', 'node', 'python@ws', 'python@ws']), ['profile:python', 'profile:python@ws', 'profile:node', 'profile:python@ws#2', 'profile:python@ws#3']);
  });
});

describe('saving a run\'s output file into the project', () => {
  it('refuses folders whose files make tools run code on the host (git hooks, editor tasks), whatever their case', () => {
    for (const rel of ['.git/hooks/post-checkout', 'sub/.git/config', '.vscode/tasks.json', '.GitHub/workflows/x.yml', '.devcontainer/devcontainer.json', '.husky/pre-commit']) {
      assert.match(unsafeSaveTarget(rel) ?? '', /run code on this machine/, rel);
    }
    for (const rel of ['out/plot.png', 'data/.gitignore', 'git/hooks.txt', 'vscode.txt']) assert.equal(unsafeSaveTarget(rel), undefined, rel);
  });
});
