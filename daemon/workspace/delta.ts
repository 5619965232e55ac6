// What changed in a project between the copy a sandbox holds and the files on disk now.
import type { Entry, Snapshot } from './scan';

export interface Delta {
  /** New or changed, parents before children. */
  changed: string[];
  /** Gone since (a removed folder is listed, not its contents). */
  deleted: string[];
}

const same = (a: Entry, b: Entry) =>
  a.kind === b.kind && a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs && a.ino === b.ino && a.mode === b.mode && a.target === b.target;

export function diff(held: Snapshot | undefined, now: Snapshot): Delta {
  const changed: string[] = [];
  for (const [rel, e] of now.entries) {
    const was = held?.entries.get(rel);
    // A folder whose mtime moved only had entries added or removed: those are listed themselves.
    if (!was || (e.kind === 'dir' ? was.kind !== 'dir' : !same(was, e))) changed.push(rel);
  }
  const deleted: string[] = [];
  if (held) {
    for (const rel of held.entries.keys()) {
      if (now.entries.has(rel)) continue;
      const parent = rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '';
      if (parent && !now.entries.has(parent) && held.entries.has(parent)) continue; // its folder went too
      deleted.push(rel);
    }
  }
  return { changed, deleted };
}

export function isEmpty(d: Delta): boolean {
  return d.changed.length === 0 && d.deleted.length === 0;
}
