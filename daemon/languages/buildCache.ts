// The build cache: what a compiler made, kept on the host so an unchanged program is compiled once.
//
// Key: sha256 of the profile's image id (not its tag: a rebuilt image misses), its compile command and environment,
// the file's path and working directory, and the sources the compiler sees by content (the file's text; for a project
// run also every project file's path, mode and sha256, and the unsaved editor text): a touched file still hits. Value: a tar of {out} as the
// compiler left it, collected by PID 1 after the compiler and every process it started are gone and BEFORE the
// program starts (armScript.ts, compile()): no program ever writes what a later run executes. Entries are files
// `<key>.tar` (0600) in `<runtime dir>/build-cache` (0700), written whole then renamed; the least recently used go
// when the folder passes its size cap. They survive daemon restarts; a hit sends the tar in with the run, no compiler.
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type { Logger } from '../log';
import type { Profile } from '../profiles';

export const BUILD_CACHE_DEFAULT_MB = 512;
/** One artifact larger than this is not cached (the run still starts from it). */
export const MAX_ARTIFACT_BYTES = 64 * 1024 * 1024;
/** Recently used artifacts stay in memory too, within this many bytes: a hit then reads no disk. */
const MEMORY_BYTES = 64 * 1024 * 1024;

export interface Sources {
  file: string;
  cwd: string;
  code: Buffer;
  /** A project run: its files' digest by content (workspace/contentHashes.ts). */
  project?: string;
  overlays?: Record<string, string>;
}

export function cacheKey(profile: Profile, imageId: string, s: Sources): string {
  const h = crypto.createHash('sha256');
  h.update(JSON.stringify([imageId, profile.compile, profile.env, s.file, s.cwd]));
  h.update('\0');
  h.update(s.code);
  if (s.project) h.update(`\0p\0${s.project}`);
  for (const [rel, text] of Object.entries(s.overlays ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) h.update(`\0o\0${rel}\0${text}`);
  return h.digest('hex');
}

interface Entry {
  size: number;
  usedAt: number;
}

export class BuildCache {
  /** In use order, least recent first (a use moves an entry to the end). */
  private readonly entries = new Map<string, Entry>();
  private readonly memory = new Map<string, Buffer>();
  private memoryBytes = 0;
  private total = 0;
  hits = 0;
  misses = 0;

  constructor(
    readonly dir: string,
    private readonly maxBytes: number,
    private readonly log: Logger,
  ) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.chmodSync(dir, 0o700);
    const found: [string, Entry][] = [];
    for (const name of fs.readdirSync(dir)) {
      const m = /^([0-9a-f]{64})\.tar$/.exec(name);
      const full = path.join(dir, name);
      if (!m) {
        if (name.endsWith('.tmp')) fs.rmSync(full, { force: true }); // a write the daemon did not finish
        continue;
      }
      const st = fs.statSync(full);
      found.push([m[1], { size: st.size, usedAt: st.mtimeMs }]);
      this.total += st.size;
    }
    for (const [k, e] of found.sort((a, b) => a[1].usedAt - b[1].usedAt)) this.entries.set(k, e);
    this.evict();
  }

  get bytes(): number {
    return this.total;
  }

  get count(): number {
    return this.entries.size;
  }

  /** The artifact for this key, or undefined; a hit counts as a use (LRU). */
  async get(key: string): Promise<Buffer | undefined> {
    const e = this.entries.get(key);
    if (!e) {
      this.misses++;
      return undefined;
    }
    const now = Date.now();
    e.usedAt = now;
    this.entries.delete(key);
    this.entries.set(key, e);
    let buf = this.memory.get(key);
    if (buf) {
      this.memory.delete(key);
      this.memory.set(key, buf);
    } else {
      try {
        buf = await fs.promises.readFile(this.file(key));
      } catch {
        this.drop(key);
        this.misses++;
        return undefined;
      }
      this.remember(key, buf);
    }
    this.hits++;
    // The file's mtime is its last use: the order survives a restart.
    fs.promises.utimes(this.file(key), new Date(now), new Date(now)).catch(() => undefined);
    return buf;
  }

  async put(key: string, artifact: Buffer): Promise<void> {
    if (artifact.length > MAX_ARTIFACT_BYTES || artifact.length > this.maxBytes || this.entries.has(key)) return;
    const tmp = `${this.file(key)}.${process.pid}.tmp`;
    await fs.promises.writeFile(tmp, artifact, { mode: 0o600 });
    await fs.promises.rename(tmp, this.file(key));
    this.entries.set(key, { size: artifact.length, usedAt: Date.now() });
    this.total += artifact.length;
    this.remember(key, artifact);
    this.evict();
  }

  private file(key: string): string {
    return path.join(this.dir, `${key}.tar`);
  }

  private remember(key: string, buf: Buffer): void {
    if (buf.length > MEMORY_BYTES / 4) return;
    this.memory.set(key, buf);
    this.memoryBytes += buf.length;
    for (const [k, b] of this.memory) {
      if (this.memoryBytes <= MEMORY_BYTES) break;
      this.memory.delete(k);
      this.memoryBytes -= b.length;
    }
  }

  private drop(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    this.entries.delete(key);
    this.total -= e.size;
    const b = this.memory.get(key);
    if (b) {
      this.memory.delete(key);
      this.memoryBytes -= b.length;
    }
    fs.rmSync(this.file(key), { force: true });
  }

  private evict(): void {
    if (this.total <= this.maxBytes) return;
    let n = 0;
    for (const key of [...this.entries.keys()]) {
      if (this.total <= this.maxBytes) break;
      this.drop(key);
      n++;
    }
    this.log.info(`build cache: evicted ${n} least recently used artifact(s); ${Math.round(this.total / 1e6)} MB kept`);
  }
}
