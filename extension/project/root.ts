// Which folder is a file's project: the workspace folder holding it (the innermost, when folders nest), else the
// file's own folder. No `vscode` import: paths in, paths out.
import * as path from 'path';
import { isInside } from '../../daemon/workspace/root';

export interface ProjectPlace {
  /** Absolute folder copied into the sandbox. */
  root: string;
  /** The file relative to the root, posix separators. */
  file: string;
}

export { isInside };

export function projectPlace(filePath: string, workspaceFolders: readonly string[], pathApi: typeof path = path): ProjectPlace {
  const abs = pathApi.resolve(filePath);
  const holding = workspaceFolders
    .map((f) => pathApi.resolve(f))
    .filter((f) => isInside(f, abs, pathApi) && f !== abs)
    .sort((a, b) => b.length - a.length);
  const root = holding[0] ?? pathApi.dirname(abs);
  return { root, file: toPosix(pathApi.relative(root, abs), pathApi) };
}

export function toPosix(rel: string, pathApi: typeof path = path): string {
  return rel.split(pathApi.sep).join('/');
}
