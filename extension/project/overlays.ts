// The unsaved text a run carries besides its own file: other dirty editors of the same project, within a budget so
// the request stays under the daemon's message cap. No `vscode` import.
import * as path from 'path';
import { isInside, toPosix } from './root';

export interface OpenDoc {
  /** Absolute path on disk (file: documents only; untitled ones have no place in the project). */
  fsPath: string;
  isDirty: boolean;
  text: string;
}

/** Unsaved text of all overlays together, in UTF-8 bytes: with an 8 MiB program it keeps a request under 32 MiB. */
export const OVERLAY_BUDGET_BYTES = 16 * 1024 * 1024;

export interface Overlays {
  overlays: Record<string, string>;
  /** Dirty editors left out for the budget (relative paths), so the caller can say so. */
  skipped: string[];
}

export function selectOverlays(root: string, runFile: string, docs: readonly OpenDoc[], budget = OVERLAY_BUDGET_BYTES, pathApi: typeof path = path): Overlays {
  const overlays: Record<string, string> = {};
  const skipped: string[] = [];
  let used = 0;
  const run = pathApi.resolve(runFile);
  for (const d of docs) {
    const abs = pathApi.resolve(d.fsPath);
    if (!d.isDirty || abs === run || !isInside(root, abs, pathApi) || abs === pathApi.resolve(root)) continue;
    const rel = toPosix(pathApi.relative(root, abs), pathApi);
    const bytes = Buffer.byteLength(d.text, 'utf8');
    if (used + bytes > budget) {
      skipped.push(rel);
      continue;
    }
    used += bytes;
    overlays[rel] = d.text;
  }
  return { overlays, skipped };
}
