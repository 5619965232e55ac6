// A tar of some of a project's entries (plus unsaved editor text), as PID 1's busybox tar extracts it.
import * as fs from 'fs';
import * as path from 'path';
import { pack } from 'tar-stream';
import type { Snapshot } from './scan';

export async function packEntries(snap: Snapshot, rels: Iterable<string>, overlays: Map<string, Buffer> = new Map()): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((resolve, reject) => {
    p.on('end', () => resolve());
    p.on('error', reject);
  });
  const add = (header: Parameters<typeof p.entry>[0], body?: Buffer) =>
    new Promise<void>((resolve, reject) => {
      p.entry(header, body ?? Buffer.alloc(0), (err) => (err ? reject(err) : resolve()));
    });
  const written = new Set<string>();
  for (const rel of rels) {
    const e = snap.entries.get(rel);
    if (!e || overlays.has(rel)) continue;
    const mtime = new Date(e.mtimeMs);
    if (e.kind === 'dir') await add({ name: `${rel}/`, type: 'directory', mode: e.mode | 0o700, mtime });
    else if (e.kind === 'symlink') await add({ name: rel, type: 'symlink', linkname: e.target, mtime });
    else {
      // Read now: the file may have changed or gone since the scan; what is read is what the sandbox gets.
      const body = await fs.promises.readFile(path.join(snap.root, rel)).catch(() => undefined);
      if (body) await add({ name: rel, type: 'file', mode: e.mode | 0o600, mtime }, body);
    }
    written.add(rel);
  }
  for (const [rel, body] of overlays) {
    const mode = snap.entries.get(rel)?.mode ?? 0o644;
    await add({ name: rel, type: 'file', mode: mode | 0o600, mtime: new Date() }, body);
  }
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}
