// The project copy's pure parts: which folder is the root, what is left out, what changed, what the tar holds.
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { extract } from 'tar-stream';
import { diff } from '../../../daemon/workspace/delta';
import { excludeTest } from '../../../daemon/workspace/excludes';
import { ProjectCopy } from '../../../daemon/workspace/project';
import { findProjectRoot } from '../../../daemon/workspace/root';
import { scanProject, WorkspaceTooLarge } from '../../../daemon/workspace/scan';
import { packEntries } from '../../../daemon/workspace/tar';

function tree(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wb-ws-'));
  for (const [rel, body] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), body);
  }
  return dir;
}

async function untar(buf: Buffer): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const x = extract();
  x.on('entry', (h, stream, next) => {
    const parts: Buffer[] = [];
    stream.on('data', (c: Buffer) => parts.push(c));
    stream.on('end', () => {
      out[h.name] = h.type === 'file' ? Buffer.concat(parts).toString() : String(h.type);
      next();
    });
  });
  const done = new Promise((r) => x.on('finish', r));
  x.end(buf);
  await done;
  return out;
}

describe('workspace: project root, excludes, delta, tar', () => {
  it('finds the nearest ancestor with .git or a manifest, else the file\'s folder, never the home folder', () => {
    const home = tree({ 'package.json': '{}', 'proj/requirements.txt': '', 'proj/src/app/main.py': '', 'loose/x.py': '' });
    assert.equal(findProjectRoot(path.join(home, 'proj/src/app/main.py'), home), path.join(home, 'proj'));
    assert.equal(findProjectRoot(path.join(home, 'loose/x.py'), home), path.join(home, 'loose'));
    fs.mkdirSync(path.join(home, 'loose/.git'));
    assert.equal(findProjectRoot(path.join(home, 'loose/x.py'), home), path.join(home, 'loose'));
  });

  it('always leaves out secrets and clutter, and the user\'s globs', () => {
    const t = excludeTest(['data/raw/**', '*.log']);
    for (const p of ['.git', '.env', '.env.local', 'a/b/server.pem', 'tls.key', 'id_rsa', 'id_ed25519.pub', '.venv', 'venv', 'x/__pycache__', '.DS_Store', 'data/raw/big.csv', 'out.log', 'deep/er/x.log']) {
      assert.ok(t(p), `${p} should be excluded`);
    }
    for (const p of ['main.py', 'data/x.csv', 'env.py', 'keys.py', 'venv.py', 'src/.envrc', 'x/data/raw/y.csv']) assert.ok(!t(p), `${p} should be kept`);
  });

  it('scans without excluded folders, and over the cap names the largest folders and the setting', async () => {
    const dir = tree({ 'main.py': 'x', '.git/config': 'secret', 'node_modules/a/index.js': 'x'.repeat(3000), 'data/big.bin': 'y'.repeat(5000), '.env': 'K=V' });
    const s = await scanProject(dir, { maxBytes: 1 << 20, maxFiles: 100 });
    assert.deepEqual([...s.entries.keys()].sort(), ['data', 'data/big.bin', 'main.py', 'node_modules', 'node_modules/a', 'node_modules/a/index.js']);
    await assert.rejects(scanProject(dir, { maxBytes: 4096, maxFiles: 100, settingHint: 'the setting X' }), (e: Error) => {
      assert.ok(e instanceof WorkspaceTooLarge);
      assert.match(e.message, /too large.*over the 4 KB cap\); largest folders: data\/ \(5 KB\), node_modules\/ \(3 KB\)\..*the setting X/);
      return true;
    });
    await assert.rejects(scanProject(dir, { maxBytes: 1 << 20, maxFiles: 2 }), /3 files, over the 2-file cap/);
  });

  it('lists what changed and what went, a removed folder once', async () => {
    const dir = tree({ 'a.py': '1', 'lib/b.py': '2', 'lib/c.py': '3', 'old/x.py': '4' });
    const before = await scanProject(dir, { maxBytes: 1 << 20, maxFiles: 100 });
    fs.writeFileSync(path.join(dir, 'lib/b.py'), '22');
    fs.rmSync(path.join(dir, 'old'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'new.py'), '5');
    const after = await scanProject(dir, { maxBytes: 1 << 20, maxFiles: 100 });
    const d = diff(before, after);
    assert.deepEqual(d.changed.sort(), ['lib/b.py', 'new.py']);
    assert.deepEqual(d.deleted, ['old']);
    assert.deepEqual(diff(after, after), { changed: [], deleted: [] });
  });

  it('packs files, folders and links (not followed), with unsaved text over the file on disk', async () => {
    const dir = tree({ 'main.py': 'disk', 'lib/util.py': 'u' });
    fs.symlinkSync('/etc/passwd', path.join(dir, 'link'));
    const s = await scanProject(dir, { maxBytes: 1 << 20, maxFiles: 100 });
    const tar = await packEntries(s, s.entries.keys(), new Map([['main.py', Buffer.from('unsaved')]]));
    assert.deepEqual(await untar(tar), { 'lib/': 'directory', 'lib/util.py': 'u', link: 'symlink', 'main.py': 'unsaved' });
  });

  it('arms from cached tar pieces: after an edit only that file is read again, and the copy extracts whole', async () => {
    const dir = tree({ 'main.py': 'm', 'lib/a.py': 'a', 'lib/b.py': 'b' });
    const p = new ProjectCopy({ root: dir, maxBytes: 1 << 20, maxFiles: 100 });
    try {
      const first = await p.current();
      assert.equal(first.tar.size, first.tar.pieces.reduce((n, b) => n + b.length, 0));
      assert.deepEqual(await untar(Buffer.concat(first.tar.pieces)), { 'lib/': 'directory', 'lib/a.py': 'a', 'lib/b.py': 'b', 'main.py': 'm' });
      fs.writeFileSync(path.join(dir, 'lib/b.py'), 'bb');
      const second = await p.current();
      assert.notEqual(second.snapshot, first.snapshot);
      assert.deepEqual(await untar(Buffer.concat(second.tar.pieces)), { 'lib/': 'directory', 'lib/a.py': 'a', 'lib/b.py': 'bb', 'main.py': 'm' });
      // The same buffers for what did not change (not read again), a new one for the edited file.
      const same = second.tar.pieces.filter((b) => first.tar.pieces.includes(b)).length;
      assert.equal(same, second.tar.pieces.length - 1);
    } finally {
      p.close();
    }
  });

  it('keeps its snapshot current from the watcher: only what changed is read again', async () => {
    const dir = tree({ 'main.py': '1', 'lib/a.py': 'a' });
    const p = new ProjectCopy({ root: dir, maxBytes: 1 << 20, maxFiles: 100 });
    try {
      const s1 = await p.snapshot();
      assert.equal(await p.snapshot(), s1, 'nothing changed: the same snapshot');
      fs.writeFileSync(path.join(dir, 'lib/a.py'), 'aa');
      fs.mkdirSync(path.join(dir, 'pkg/deep'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'pkg/deep/m.py'), 'm');
      fs.writeFileSync(path.join(dir, '.env'), 'SECRET=1');
      fs.rmSync(path.join(dir, 'main.py'));
      // Wait for the watcher's events, not for a fixed time.
      let s2 = s1;
      for (let i = 0; i < 100 && !(s2.entries.has('pkg/deep/m.py') && !s2.entries.has('main.py') && s2.entries.get('lib/a.py')?.size === 2); i++) {
        await new Promise((r) => setImmediate(r));
        await new Promise((r) => setTimeout(r, 10));
        s2 = await p.snapshot();
      }
      assert.deepEqual([...s2.entries.keys()], ['lib', 'lib/a.py', 'pkg', 'pkg/deep', 'pkg/deep/m.py']);
      assert.deepEqual([...s1.entries.keys()], ['lib', 'lib/a.py', 'main.py'], 'the earlier snapshot is untouched');
      assert.equal(s2.bytes, 3);
    } finally {
      p.close();
    }
  });
  it('sees a change made right after its first snapshot, without waiting, in a tree of many folders', async () => {
    // A save followed at once by a run: the snapshot the run takes must hold the save. (Node's recursive watch set
    // its folders up in the background and missed changes made meanwhile.)
    const files: Record<string, string> = { 'main.py': '1' };
    for (let i = 0; i < 300; i++) files[`pkg${i % 30}/sub${i}/m.py`] = 'v0';
    const dir = tree(files);
    const p = new ProjectCopy({ root: dir, maxBytes: 1 << 24, maxFiles: 1000 });
    try {
      await p.snapshot();
      for (let round = 1; round <= 3; round++) {
        const edited = `pkg${(300 - round) % 30}/sub${300 - round}/m.py`;
        fs.writeFileSync(path.join(dir, edited), `v${round}!`);
        fs.mkdirSync(path.join(dir, `new${round}/deep`), { recursive: true });
        fs.writeFileSync(path.join(dir, `new${round}/deep/n.py`), 'n');
        const s = await p.snapshot();
        assert.equal(s.entries.get(edited)?.size, 3, `round ${round}: the edit`);
        assert.ok(s.entries.has(`new${round}/deep/n.py`), `round ${round}: the new folder`);
      }
      // A file in a folder made by the previous round: that folder is watched too.
      fs.writeFileSync(path.join(dir, 'new1/deep/n.py'), 'nnn');
      assert.equal((await p.snapshot()).entries.get('new1/deep/n.py')?.size, 3);
    } finally {
      p.close();
    }
  });
});
