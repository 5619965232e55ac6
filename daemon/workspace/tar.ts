// Tars of a project's entries (plus unsaved editor text), as PID 1's busybox tar extracts them.
//
// A tar is a run of self-contained entries (header blocks, body, padding) and a 1 KiB end. Each entry's bytes are
// kept, keyed by what the scan saw of the file (size, mtime, ctime, inode, mode), so arming a sandbox after an edit re-reads only
// the edited files, and the whole copy is handed to the sandbox as the list of those pieces, never joined into one
// 20 MB buffer per sandbox.
import * as fs from 'fs';
import * as path from 'path';
import { pack } from 'tar-stream';
import type { Entry, Snapshot } from './scan';

const END = Buffer.alloc(1024);

/** A tar as pieces, in order; `size` is their total. */
export interface TarPieces {
  pieces: Buffer[];
  size: number;
}

type Header = Parameters<ReturnType<typeof pack>['entry']>[0];

/** One entry's bytes: what tar-stream writes for it, without the archive's end. */
async function entryBytes(header: Header, body: Buffer): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((resolve, reject) => {
    p.on('end', () => resolve());
    p.on('error', reject);
  });
  p.entry(header, body);
  p.finalize();
  await done;
  const all = Buffer.concat(chunks);
  return all.subarray(0, all.length - END.length);
}

const identity = (e: Entry) => `${e.kind} ${e.size} ${e.mtimeMs} ${e.ctimeMs ?? ''} ${e.ino ?? ''} ${e.mode} ${e.target ?? ''}`;

export class TarCache {
  private readonly entries = new Map<string, { id: string; bytes: Buffer }>();

  /** The entry's bytes, read from disk only when the file changed since they were made; undefined when it is gone. */
  async entry(root: string, rel: string, e: Entry): Promise<Buffer | undefined> {
    const id = identity(e);
    const hit = this.entries.get(rel);
    if (hit && hit.id === id) return hit.bytes;
    const mtime = new Date(e.mtimeMs);
    let bytes: Buffer;
    if (e.kind === 'dir') bytes = await entryBytes({ name: `${rel}/`, type: 'directory', mode: e.mode | 0o700, mtime }, Buffer.alloc(0));
    else if (e.kind === 'symlink') bytes = await entryBytes({ name: rel, type: 'symlink', linkname: e.target, mtime }, Buffer.alloc(0));
    else {
      // Read now: the file may have changed or gone since the scan; what is read is what the sandbox gets.
      const body = await fs.promises.readFile(path.join(root, rel)).catch(() => undefined);
      if (!body) return undefined;
      bytes = await entryBytes({ name: rel, type: 'file', mode: e.mode | 0o600, mtime }, body);
    }
    this.entries.set(rel, { id, bytes });
    return bytes;
  }

  /** Some of a snapshot's entries, then unsaved text over files (never cached: it changes with every keystroke). */
  async pack(snap: Snapshot, rels: Iterable<string>, overlays: Map<string, Buffer> = new Map()): Promise<TarPieces> {
    const pieces: Buffer[] = [];
    for (const rel of rels) {
      const e = snap.entries.get(rel);
      if (!e || overlays.has(rel)) continue;
      const b = await this.entry(snap.root, rel, e);
      if (b) pieces.push(b);
    }
    for (const [rel, body] of overlays) {
      const mode = snap.entries.get(rel)?.mode ?? 0o644;
      pieces.push(await entryBytes({ name: rel, type: 'file', mode: mode | 0o600, mtime: new Date() }, body));
    }
    pieces.push(END);
    return { pieces, size: pieces.reduce((n, b) => n + b.length, 0) };
  }

  /** Forgets entries the snapshot no longer has (deleted files would otherwise be held forever). */
  prune(snap: Snapshot): void {
    for (const rel of this.entries.keys()) if (!snap.entries.has(rel)) this.entries.delete(rel);
  }
}

/** A tar of files given in memory (an image build's context), in one buffer. */
export async function packFiles(files: { name: string; body: Buffer; mode?: number; mtime?: Date }[]): Promise<Buffer> {
  const pieces: Buffer[] = [];
  for (const f of files) pieces.push(await entryBytes({ name: f.name, type: 'file', mode: f.mode ?? 0o644, mtime: f.mtime ?? new Date() }, f.body));
  return Buffer.concat([...pieces, END]);
}

/** A tar in one buffer (uncached): for deltas and tests. */
export async function packEntries(snap: Snapshot, rels: Iterable<string>, overlays: Map<string, Buffer> = new Map()): Promise<Buffer> {
  return Buffer.concat((await new TarCache().pack(snap, rels, overlays)).pieces);
}
