// A project's files as they are on disk now: path, size, mtime, mode; bounded in bytes and count.
import * as fs from 'fs';
import * as path from 'path';
import { excludeTest } from './excludes';

export interface Entry {
  kind: 'file' | 'dir' | 'symlink';
  size: number;
  mtimeMs: number;
  mode: number;
  /** A symlink's target, copied as it is (it is not followed: a link out of the project must not carry files in). */
  target?: string;
  /** Files and links: a write moves ctime (no program can set it back) and an editor's atomic save makes a new inode,
   *  so an edit that keeps the size and the mtime is still seen. */
  ctimeMs?: number;
  ino?: number;
}

export interface Snapshot {
  root: string;
  /** By path relative to the root, posix separators, parents before children. */
  entries: Map<string, Entry>;
  bytes: number;
}

export interface ScanOptions {
  exclude?: string[];
  maxBytes: number;
  maxFiles: number;
  /** How the user changes the caps, named in the error (differs between VS Code and the CLI). */
  settingHint?: string;
  /** Called for each folder (`''` for the root) before it is read, so a watcher set up there misses nothing after. */
  onDir?: (rel: string) => void;
}

export class WorkspaceTooLarge extends Error {}

export async function scanProject(root: string, o: ScanOptions): Promise<Snapshot> {
  const excluded = excludeTest(o.exclude);
  const entries = new Map<string, Entry>();
  const perFolder = new Map<string, number>();
  let bytes = 0;
  let files = 0;
  // Past the cap the walk goes on a little so the message can name the folders that weigh most, then stops.
  const giveUpBytes = o.maxBytes * 4;
  const giveUpFiles = o.maxFiles * 4;
  const walk = async (rel: string): Promise<void> => {
    o.onDir?.(rel);
    const dirents = await fs.promises.readdir(path.join(root, rel), { withFileTypes: true }).catch(() => []);
    for (const d of dirents) {
      if (bytes > giveUpBytes || files > giveUpFiles) return;
      const r = rel ? `${rel}/${d.name}` : d.name;
      if (excluded(r)) continue;
      const abs = path.join(root, r);
      const st = await fs.promises.lstat(abs).catch(() => undefined);
      if (!st) continue;
      if (st.isDirectory()) {
        entries.set(r, { kind: 'dir', size: 0, mtimeMs: st.mtimeMs, mode: st.mode & 0o777 });
        await walk(r);
      } else {
        const e = await entryOf(abs, st);
        if (!e) continue;
        entries.set(r, e);
        if (e.kind !== 'file') continue;
        bytes += e.size;
        files++;
        const first = r.split('/')[0];
        if (first !== r) perFolder.set(first, (perFolder.get(first) ?? 0) + e.size);
      }
    }
  };
  await walk('');
  if (bytes > o.maxBytes || files > o.maxFiles) {
    const largest = [...perFolder].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([f, n]) => `${f}/ (${mb(n)})`);
    const what = bytes > o.maxBytes ? `${bytes > giveUpBytes ? 'over ' : ''}${mb(bytes)}, over the ${mb(o.maxBytes)} cap` : `${files > giveUpFiles ? 'over ' : ''}${files} files, over the ${o.maxFiles}-file cap`;
    throw new WorkspaceTooLarge(
      `the project ${root} is too large to copy into a sandbox (${what})` +
        (largest.length ? `; largest folders: ${largest.join(', ')}` : '') +
        `. Exclude what the program does not need (${o.settingHint ?? 'warmbox.workspace.exclude, or "exclude" in warmbox.json'}), raise the cap, or pick a smaller root.`,
    );
  }
  return { root, entries, bytes };
}

function mb(n: number): string {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : `${Math.ceil(n / 1024)} KB`;
}

/** A file or a symlink (its target as it is, never followed); anything else (sockets, devices) is not copied. */
export async function entryOf(abs: string, st: fs.Stats): Promise<Entry | undefined> {
  if (st.isSymbolicLink()) {
    const target = await fs.promises.readlink(abs).catch(() => undefined);
    return target === undefined ? undefined : { kind: 'symlink', size: 0, mtimeMs: st.mtimeMs, mode: 0o777, target, ctimeMs: st.ctimeMs, ino: st.ino };
  }
  if (st.isFile()) return { kind: 'file', size: st.size, mtimeMs: st.mtimeMs, mode: st.mode & 0o777, ctimeMs: st.ctimeMs, ino: st.ino };
  return undefined;
}
