// What of a project never enters a sandbox: secrets and clutter always, plus the user's own globs.
import picomatch from 'picomatch';

/** Matched against every path component's name: a matching folder is left out with all it holds. */
export const ALWAYS_EXCLUDED = ['.git', '.env', '.env.*', '*.pem', '*.key', 'id_rsa*', 'id_ed25519*', '.venv', 'venv', '__pycache__', '.DS_Store'];

export type ExcludeTest = (rel: string) => boolean;

/** A test for paths relative to the project root (posix separators); user globs are relative to the root too. */
export function excludeTest(userGlobs: string[] = []): ExcludeTest {
  const byName = picomatch(ALWAYS_EXCLUDED, { dot: true });
  const byPath = userGlobs.length ? picomatch(userGlobs, { dot: true }) : () => false;
  return (rel) => byName(rel.slice(rel.lastIndexOf('/') + 1)) || byPath(rel);
}
