// What of a project never enters a sandbox: secrets and clutter always, plus the user's own globs.
import picomatch from 'picomatch';

/** Matched against every path component's name: a matching folder is left out with all it holds. */
export const ALWAYS_EXCLUDED = ['.git', '.env', '.env.*', '*.pem', '*.key', 'id_rsa*', 'id_ed25519*', '.venv', 'venv', '__pycache__', '.DS_Store'];

export type ExcludeTest = (rel: string) => boolean;

/** A test for paths relative to the project root (posix separators); user globs are relative to the root too. */
export function excludeTest(userGlobs: string[] = []): ExcludeTest {
  // As in .gitignore: a glob without a slash matches a name at any depth (`*.log`), one with a slash a path from the root.
  const names = [...ALWAYS_EXCLUDED, ...userGlobs.filter((g) => !g.includes('/'))];
  const paths = userGlobs.filter((g) => g.includes('/')).map((g) => g.replace(/^\//, ''));
  const byName = picomatch(names, { dot: true });
  const byPath = paths.length ? picomatch(paths, { dot: true }) : () => false;
  return (rel) => byName(rel.slice(rel.lastIndexOf('/') + 1)) || byPath(rel);
}
