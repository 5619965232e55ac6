// One project's copy source: a snapshot kept current by a file watcher, so a run pays for what changed, not a walk.
import * as fs from 'fs';
import * as path from 'path';
import { excludeTest } from './excludes';
import { Entry, entryOf, scanProject, ScanOptions, Snapshot, WorkspaceTooLarge } from './scan';
import { ContentHashes } from './contentHashes';
import { TarCache, TarPieces } from './tar';
import { TreeWatcher } from './treeWatcher';

export interface ProjectSpec extends ScanOptions {
  root: string;
}

/**
 * A full walk of 1,000 files costs 10–25 ms here (an lstat each); the watcher names the few paths a save touched, so
 * a run re-reads only those. When the watcher cannot be trusted (out of watches) every refresh walks again: slower,
 * never stale.
 */
export class ProjectCopy {
  private snap?: Snapshot;
  private readonly watcher: TreeWatcher;
  private readonly tars = new WeakMap<Snapshot, Promise<TarPieces>>();
  private readonly cache = new TarCache();
  /** The sources by content, for the build cache's key (languages/buildCache.ts). */
  readonly hashes = new ContentHashes();
  private readonly excluded: (rel: string) => boolean;
  lastUsed = Date.now();

  constructor(readonly spec: ProjectSpec) {
    const test = excludeTest(spec.exclude);
    // A path is out when any of its folders is: `.git/objects/ab` falls under `.git`.
    this.excluded = (rel) => {
      const parts = rel.split('/');
      for (let i = 1; i <= parts.length; i++) if (test(parts.slice(0, i).join('/'))) return true;
      return false;
    };
    this.watcher = new TreeWatcher(spec.root, this.excluded);
  }

  /** Left out of the copy: the built-in secrets and clutter, or the project's own globs. */
  isExcluded(rel: string): boolean {
    return this.excluded(rel);
  }

  get root(): string {
    return this.spec.root;
  }

  /** The files as they are now. Throws WorkspaceTooLarge over the caps. */
  async snapshot(): Promise<Snapshot> {
    this.lastUsed = Date.now();
    const paths = this.snap && !this.watcher.failed ? await this.watcher.take() : undefined;
    if (!this.snap || !paths) return (this.snap = await this.walk());
    if (paths.length) this.snap = await this.apply(this.snap, paths);
    return this.snap;
  }

  /** The whole project as a tar, for arming a sandbox (its pieces listed once per snapshot, read once per change). */
  async current(): Promise<{ tar: TarPieces; snapshot: Snapshot }> {
    const snapshot = await this.snapshot();
    let tar = this.tars.get(snapshot);
    if (!tar) {
      this.cache.prune(snapshot);
      tar = this.cache.pack(snapshot, snapshot.entries.keys());
      this.tars.set(snapshot, tar);
    }
    return { tar: await tar, snapshot };
  }

  /** A tar of some entries of a snapshot plus unsaved text (a run's delta), from the same cache. */
  async pack(snap: Snapshot, rels: Iterable<string>, overlays?: Map<string, Buffer>): Promise<Buffer> {
    return Buffer.concat((await this.cache.pack(snap, rels, overlays)).pieces);
  }

  close(): void {
    this.watcher.close();
  }

  /** Everything read again, each folder watched before it is read. */
  private walk(): Promise<Snapshot> {
    this.watcher.reset();
    return scanProject(this.spec.root, { ...this.spec, onDir: (rel) => this.watcher.add(rel) });
  }

  /** A new snapshot with `paths` re-read (copy on write: sandboxes hold earlier snapshots to diff against). */
  private async apply(prev: Snapshot, paths: string[]): Promise<Snapshot> {
    const entries = new Map(prev.entries);
    let bytes = prev.bytes;
    let added = false;
    const drop = (rel: string) => {
      for (const k of [...entries.keys()]) {
        if (k === rel || k.startsWith(`${rel}/`)) {
          if (entries.get(k)!.kind === 'dir') this.watcher.remove(k);
          bytes -= entries.get(k)!.size;
          entries.delete(k);
        }
      }
    };
    for (const rel of paths) {
      drop(rel);
      const st = await fs.promises.lstat(path.join(this.spec.root, rel)).catch(() => undefined);
      if (!st) continue;
      // Its folders may be new too (a watcher reports `a/b/c.txt` for a tree made at once).
      const parts = rel.split('/');
      for (let i = 1; i < parts.length; i++) {
        const dir = parts.slice(0, i).join('/');
        if (!entries.has(dir)) {
          added = true;
          const ds = await fs.promises.lstat(path.join(this.spec.root, dir)).catch(() => undefined);
          if (ds?.isDirectory()) entries.set(dir, { kind: 'dir', size: 0, mtimeMs: ds.mtimeMs, mode: ds.mode & 0o777 });
        }
      }
      if (!prev.entries.has(rel)) added = true;
      if (st.isDirectory()) {
        // (the folder's own name is `''` to the sub-walk)
        const onDir = (sub: string) => this.watcher.add(sub ? `${rel}/${sub}` : rel);
        const sub = await scanProject(path.join(this.spec.root, rel), { ...this.spec, exclude: [], onDir });
        entries.set(rel, { kind: 'dir', size: 0, mtimeMs: st.mtimeMs, mode: st.mode & 0o777 });
        for (const [k, e] of sub.entries) {
          const r = `${rel}/${k}`;
          if (this.excluded(r)) continue;
          entries.set(r, e);
          bytes += e.size;
        }
      } else {
        const e = await entryOf(path.join(this.spec.root, rel), st);
        if (e) {
          entries.set(rel, e);
          bytes += e.size;
        }
      }
    }
    const files = [...entries.values()].filter((e) => e.kind === 'file').length;
    if (bytes > this.spec.maxBytes || files > this.spec.maxFiles) {
      // Over a cap now: a full walk names the largest folders in its message.
      return this.walk();
    }
    // Only new paths can be out of order: a changed file keeps its place.
    return { root: prev.root, entries: added ? sortParentsFirst(entries) : entries, bytes };
  }
}

/** Tar extraction needs a folder before what it holds: sorting the paths gives that (`a` < `a/b`). */
function sortParentsFirst(m: Map<string, Entry>): Map<string, Entry> {
  return new Map([...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export { WorkspaceTooLarge };
