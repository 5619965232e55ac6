// A project's sources by content, for the build cache's key: a touched file (same bytes) still hits, an edit that
// keeps the size and the mtime still misses. Each file's sha256 is kept by what lstat saw (size, mtime, ctime, inode:
// a write moves ctime, which no program can set back), so a run re-reads only what changed since; a hash taken while
// the file may still change within its timestamps' resolution ("racy", as git calls it) is not kept.
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type { Entry, Snapshot } from './scan';

/** Younger than this when hashed: a second write could leave every stat field as it was on a coarse filesystem. */
const RACY_MS = 2000;
const READ_AHEAD = 16;

const statId = (e: Entry) => `${e.size} ${e.mtimeMs} ${e.ctimeMs ?? ''} ${e.ino ?? ''}`;

export class ContentHashes {
  private readonly files = new Map<string, { id: string; hash: string }>();
  private readonly digests = new WeakMap<Snapshot, Promise<string>>();
  /** Files read for their hash (tests and logs: an unchanged file is not read again). */
  reads = 0;

  constructor(private readonly racyMs = RACY_MS) {}

  /** One digest of every entry's path, kind, mode, link target and (files) content. */
  digest(snap: Snapshot): Promise<string> {
    let d = this.digests.get(snap);
    if (!d) {
      d = this.compute(snap);
      this.digests.set(snap, d);
      d.catch(() => this.digests.delete(snap));
    }
    return d;
  }

  private async compute(snap: Snapshot): Promise<string> {
    // By path: a re-read entry moves to the end of the snapshot's map, which says nothing about the sources.
    const rels = [...snap.entries.keys()].sort();
    const content = new Array<string>(rels.length).fill('');
    // A few reads at a time: the first digest of a big project reads every file once.
    for (let i = 0; i < rels.length; i += READ_AHEAD) {
      await Promise.all(
        rels.slice(i, i + READ_AHEAD).map(async (rel, j) => {
          const e = snap.entries.get(rel)!;
          if (e.kind === 'file') content[i + j] = await this.file(snap.root, rel, e);
        }),
      );
    }
    const h = crypto.createHash('sha256');
    rels.forEach((rel, i) => {
      const e = snap.entries.get(rel)!;
      h.update(`${rel}\0${e.kind}\0${e.mode}\0${e.target ?? ''}\0${content[i]}\0`);
    });
    for (const rel of this.files.keys()) if (!snap.entries.has(rel)) this.files.delete(rel);
    return h.digest('hex');
  }

  private async file(root: string, rel: string, e: Entry): Promise<string> {
    const id = statId(e);
    const known = this.files.get(rel);
    if (known?.id === id) return known.hash;
    const started = Date.now();
    this.reads++;
    // Gone since the scan: the copy lacks it too (tar.ts skips it), and the key says so.
    const body = await fs.promises.readFile(path.join(root, rel)).catch(() => undefined);
    if (!body) return 'gone';
    const hash = crypto.createHash('sha256').update(body).digest('hex');
    if (started - Math.max(e.mtimeMs, e.ctimeMs ?? 0) >= this.racyMs) this.files.set(rel, { id, hash });
    else this.files.delete(rel);
    return hash;
  }
}
