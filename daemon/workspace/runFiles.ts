// What one run sends into its sandbox's project copy (the delta since the copy was made), and the files it brings back.
import * as fs from 'fs';
import * as path from 'path';
import type { RunOutputs, RunProject } from '../protocol';
import { diff } from './delta';
import type { OutputFile } from './outputFrames';
import { safeRelative } from './outputFrames';
import type { ProjectCopy } from './project';
import type { Snapshot } from './scan';

export interface ProjectRunFiles {
  file: string;
  cwd: string;
  delta?: Buffer;
  deleted?: string[];
  /** The project as it is now. */
  snapshot?: Snapshot;
  /** Its digest by content, for the build cache's key: computed only for a compiled run. */
  sources?: () => Promise<string>;
}

/**
 * The files the sandbox lacks: what changed on disk since it took its copy, plus unsaved editor text. The file being
 * run travels as the run's code (it may be unsaved too), so it is left out here.
 */
export async function projectRunFiles(copy: ProjectCopy, held: Snapshot | undefined, p: RunProject): Promise<ProjectRunFiles> {
  const now = await copy.snapshot();
  // The snapshot the sandbox was armed with is still current: nothing to compare.
  const d = held === now ? { changed: [], deleted: [] } : diff(held, now);
  const overlays = new Map<string, Buffer>();
  for (const [rel, text] of Object.entries(p.overlays ?? {})) {
    // Unsaved text of an excluded file (an open .env, say) stays out like the file itself.
    if (rel !== p.file && !copy.isExcluded(rel)) overlays.set(rel, Buffer.from(text));
  }
  const changed = d.changed.filter((r) => r !== p.file);
  const deleted = d.deleted.filter((r) => r !== p.file && !overlays.has(r));
  const dir = path.posix.dirname(p.file);
  return {
    file: p.file,
    cwd: p.cwd === 'root' ? '.' : dir,
    delta: changed.length || overlays.size ? await copy.pack(now, changed, overlays) : undefined,
    deleted: deleted.length ? deleted : undefined,
    snapshot: now,
    sources: () => copy.hashes.digest(now),
  };
}

/** Writes a run's output files under `dir` (a folder of the daemon's own), refusing any path that would leave it. */
/**
 * Where a run's output file goes under its folder, or undefined for a name that cannot be saved there. The name is
 * any Linux file name: on Windows a backslash or a drive in it is read as a path (`..\..\x` is one Linux name), so
 * the joined path must still be inside the folder by the platform's own rules.
 */
export function outputPath(dir: string, p: string, api: path.PlatformPath = path): string | undefined {
  const rel = safeRelative(p);
  if (rel === undefined) return undefined;
  const abs = api.join(dir, rel);
  const back = api.relative(dir, abs);
  return back && !api.isAbsolute(back) && !back.split(api.sep).includes('..') && !/^[A-Za-z]:/.test(back) ? abs : undefined;
}

export async function saveOutputs(dir: string, files: OutputFile[], left: number): Promise<RunOutputs> {
  const saved: RunOutputs['files'] = [];
  let skipped = 0;
  for (const f of files) {
    const abs = outputPath(dir, f.path);
    if (!abs) {
      skipped++;
      continue;
    }
    const rel = path.relative(dir, abs).split(path.sep).join('/');
    await fs.promises.mkdir(path.dirname(abs), { recursive: true, mode: 0o700 });
    await fs.promises.writeFile(abs, f.data, { mode: 0o600 });
    saved.push({ path: rel, size: f.data.length });
  }
  return { dir, files: saved, left: left + skipped };
}

/**
 * Candidates from the sandbox that are not outputs after all: files it was given and holds unchanged (found because
 * they were written in the run's first second: the code file, a file saved just before the run).
 */
export async function dropUnchanged(files: OutputFile[], given: { root?: string; file: string; code: Buffer; overlays?: Record<string, string> }): Promise<OutputFile[]> {
  const out: OutputFile[] = [];
  for (const f of files) {
    let same: Buffer | undefined;
    if (f.path === given.file) same = given.code;
    else if (given.overlays?.[f.path] !== undefined) same = Buffer.from(given.overlays[f.path]);
    else if (given.root) same = await fs.promises.readFile(path.join(given.root, f.path)).catch(() => undefined);
    if (!same || !same.equals(f.data)) out.push(f);
  }
  return out;
}
