// Which folder is "the project" of a file run from a terminal: the nearest ancestor that looks like a project root.
import fs = require('fs');
import path = require('path');
import type * as OsModule from 'os';

/** What marks a project's root: `.git`, a dependency manifest, or warmbox's own project file. */
export const ROOT_MARKERS = ['.git', 'warmbox.json', 'package.json', 'requirements.txt', 'pyproject.toml', 'go.mod', 'Cargo.toml'];

/**
 * The nearest ancestor of `file` holding `.git` or a dependency manifest, else the file's own folder. The home folder
 * and what is above it never count (a stray ~/package.json would make the whole home a project).
 */
export function findProjectRoot(file: string, home = (require('os') as typeof OsModule).homedir()): string {
  const start = path.dirname(path.resolve(file));
  const stop = path.resolve(home);
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (dir === stop || (isInside(stop, start) && !isInside(stop, dir))) break;
    if (ROOT_MARKERS.some((m) => fs.existsSync(path.join(dir, m)))) return dir;
    if (path.dirname(dir) === dir) break;
  }
  return start;
}

/** `inner` is `outer` or below it (no `..` way out); `pathApi` picks the path flavour (posix or win32). */
export function isInside(outer: string, inner: string, pathApi: typeof path = path): boolean {
  const rel = pathApi.relative(outer, inner);
  return rel === '' || (!rel.startsWith('..') && !pathApi.isAbsolute(rel));
}
