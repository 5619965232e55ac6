// The sources' digest for the build cache: by content, each file read again only when lstat says it may have changed.
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ContentHashes } from '../../../daemon/workspace/contentHashes';
import { diff } from '../../../daemon/workspace/delta';
import { ProjectCopy } from '../../../daemon/workspace/project';
import { scanProject } from '../../../daemon/workspace/scan';

describe('workspace: the sources by content', () => {
  let root: string;
  let copy: ProjectCopy;
  const old = new Date(Date.now() - 60_000);
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'wbhash-'));
    for (const f of ['a.h', 'b.c']) {
      fs.writeFileSync(path.join(root, f), `${f} one\n`);
      fs.utimesSync(path.join(root, f), old, old);
    }
    copy = new ProjectCopy({ root, maxBytes: 1e7, maxFiles: 100 });
  });
  afterEach(() => {
    copy.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('a touched file keeps the digest; an unchanged file is not read again', async () => {
    // (racy window 0: the files were just written, and their ctime cannot be set back)
    const hashes = new ContentHashes(0);
    const scan = () => scanProject(root, { maxBytes: 1e7, maxFiles: 100 });
    const d1 = await hashes.digest(await scan());
    assert.equal(hashes.reads, 2);
    const later = new Date(old.getTime() + 5000);
    fs.utimesSync(path.join(root, 'a.h'), later, later);
    assert.equal(await hashes.digest(await scan()), d1);
    assert.equal(hashes.reads, 3, 'only the touched file was read again');
  });

  it('reads a file again while it is young enough to change without its stat changing (racy)', async () => {
    const hashes = new ContentHashes();
    const snap = await scanProject(root, { maxBytes: 1e7, maxFiles: 100 });
    await hashes.digest(snap);
    await hashes.digest({ ...snap });
    assert.equal(hashes.reads, 4, 'both files changed (ctime) less than 2 s ago');
  });

  it('a same-size edit that keeps the mtime changes the digest, and the copy sends the file', async () => {
    const s1 = await copy.snapshot();
    const d1 = await copy.hashes.digest(s1);
    fs.writeFileSync(path.join(root, 'a.h'), 'a.h two\n');
    fs.utimesSync(path.join(root, 'a.h'), old, old);
    const s2 = await copy.snapshot();
    assert.notEqual(await copy.hashes.digest(s2), d1);
    assert.deepEqual(diff(s1, s2).changed, ['a.h']);
  });
});
