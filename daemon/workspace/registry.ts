// The project copies the daemon keeps (one per root and copy options), shared by that project's warm sets.
import * as path from 'path';
import type { RunProject } from '../protocol';
import { readProjectFile } from '../environments/projectFile';
import { ProjectCopy } from './project';

export const PROJECT_DEFAULTS = { maxBytes: 64 * 1024 * 1024, maxFiles: 10_000 };

export class ProjectRegistry {
  private readonly copies = new Map<string, ProjectCopy>();

  /** `defaults`: the config file's `workspace` (its excludes apply to every project, its caps when a run names none). */
  constructor(private readonly defaults: () => { exclude: string[]; maxBytes?: number; maxFiles?: number }) {}

  /**
   * The copy for a run's project, made on first use; its key tells warm sets of different projects apart. The
   * project's warmbox.json adds its `exclude` globs; a broken warmbox.json throws a ProjectFileError (its globs may
   * keep secrets out, so the run is refused rather than copied without them).
   */
  get(p: RunProject): { copy: ProjectCopy; key: string } {
    const d = this.defaults();
    const own = readProjectFile(p.root).exclude;
    const spec = {
      root: p.root,
      exclude: [...new Set([...d.exclude, ...own, ...(p.exclude ?? [])])].sort(),
      maxBytes: p.maxBytes ?? d.maxBytes ?? PROJECT_DEFAULTS.maxBytes,
      maxFiles: p.maxFiles ?? d.maxFiles ?? PROJECT_DEFAULTS.maxFiles,
      settingHint: 'warmbox.workspace.exclude or "exclude" in warmbox.json; the caps: warmbox.workspace.maxSizeMb / maxFiles, or the CLI\'s --root',
    };
    const key = JSON.stringify([spec.root, spec.exclude, spec.maxBytes, spec.maxFiles]);
    let copy = this.copies.get(key);
    if (!copy) {
      copy = new ProjectCopy(spec);
      this.copies.set(key, copy);
    }
    return { copy, key };
  }

  /** Stops watching projects no warm set holds any more. */
  sweep(inUse: Set<ProjectCopy>): void {
    for (const [key, copy] of this.copies) {
      if (inUse.has(copy)) continue;
      copy.close();
      this.copies.delete(key);
    }
  }

  closeAll(): void {
    for (const copy of this.copies.values()) copy.close();
    this.copies.clear();
  }
}

/** How a project's set is named for people: `python@myproj`. */
export function projectLabel(root: string): string {
  return path.basename(root) || root;
}
