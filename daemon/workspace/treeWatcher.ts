// Which paths of a project changed since they were last read: one inotify watch per folder.
//
// Why not fs.watch(root, { recursive: true }): on Linux, Node 20 builds the recursive watch in JavaScript, setting up
// the folders' watches in the background after it returns (~90 ms for 1,000 files here, longer for bigger trees), and
// a change made meanwhile was never reported: a run right after a project's first one could get an old file. Here each
// folder is watched before it is read, and pending events are let in before the changed set is read, so a save made
// before the run request is always seen.
import * as fs from 'fs';
import * as path from 'path';

export class TreeWatcher {
  private readonly watchers = new Map<string, fs.FSWatcher>();
  private readonly dirty = new Set<string>();
  /** Events were lost (the kernel's queue overflowed): everything must be read again. */
  private overflowed = false;
  /** A folder could not be watched (the kernel's watch limit): the watcher cannot be trusted at all. */
  failed = false;

  constructor(
    private readonly root: string,
    private readonly excluded: (rel: string) => boolean,
  ) {}

  /** Starts watching a folder (relative path, `''` for the root); before it is read, so nothing after is missed. */
  add(rel: string): void {
    if (this.failed || this.watchers.has(rel)) return;
    try {
      const w = fs.watch(path.join(this.root, rel), { persistent: false }, (_event, name) => {
        if (!name) return void (this.overflowed = true);
        const r = rel ? `${rel}/${name.toString()}` : name.toString();
        if (!this.excluded(r)) this.dirty.add(r);
      });
      // A folder removed under its watch: its parent reports the removal.
      w.on('error', () => this.remove(rel));
      this.watchers.set(rel, w);
    } catch (e) {
      // Gone already (its parent reports it), or out of watches: then nothing here can be trusted.
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') this.fail();
    }
  }

  /** Stops watching a folder and every folder under it. */
  remove(rel: string): void {
    for (const [k, w] of this.watchers) {
      if (k === rel || k.startsWith(`${rel}/`)) {
        w.close();
        this.watchers.delete(k);
      }
    }
  }

  /**
   * The paths changed since the last call, after pending events came in; `undefined` when events were lost and
   * the caller must read everything again.
   */
  async take(): Promise<string[] | undefined> {
    // Two turns: the second comes after a poll of the loop that began after this call, which reads the kernel's
    // queue, whatever phase the caller was in.
    for (let i = 0; i < 2; i++) await new Promise((r) => setImmediate(r));
    const paths = [...this.dirty];
    this.dirty.clear();
    if (!this.overflowed) return paths;
    this.overflowed = false;
    return undefined;
  }

  /** Forgets pending changes (a full walk is about to read everything). */
  reset(): void {
    this.dirty.clear();
    this.overflowed = false;
  }

  close(): void {
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
  }

  private fail(): void {
    this.failed = true;
    this.close();
  }
}
