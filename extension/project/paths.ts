// Paths as the sandbox prints them (/work/<rel>, or relative to the program's working directory) back to files of
// the project on this machine. Nothing outside the project root is ever named. No `vscode` import.
import * as path from 'path';

export const SANDBOX_ROOT = '/work';

/**
 * The project-relative path (posix) of a path printed in the sandbox, or undefined when it is not in the project
 * (the interpreter's own files, `<string>`, a `..` way out). `cwd` is the working directory relative to /work.
 */
export function sandboxToRelative(printed: string, cwd = '.'): string | undefined {
  if (!printed || printed.startsWith('<') || printed.includes('\0')) return undefined;
  const abs = printed.startsWith('/') ? printed : path.posix.join(SANDBOX_ROOT, cwd, printed);
  const norm = path.posix.normalize(abs);
  if (!norm.startsWith(`${SANDBOX_ROOT}/`)) return undefined;
  const rel = norm.slice(SANDBOX_ROOT.length + 1);
  if (!rel || rel.split('/').some((p) => p === '..' || p === '')) return undefined;
  return rel;
}

/** The file on this machine for a sandbox path, or undefined when it would leave `root`. */
export function sandboxToLocal(root: string, printed: string, cwd = '.', pathApi: typeof path = path): string | undefined {
  const rel = sandboxToRelative(printed, cwd);
  if (!rel) return undefined;
  const local = pathApi.resolve(root, ...rel.split('/'));
  const back = pathApi.relative(pathApi.resolve(root), local);
  return back && !back.startsWith('..') && !pathApi.isAbsolute(back) ? local : undefined;
}

/** Folders whose files make tools run code on this machine (git hooks, editor tasks and settings). */
const RUNS_CODE_HERE = ['.git', '.vscode', '.devcontainer', '.github', '.husky'];

/**
 * Why a run's output file is not saved at this project path, or undefined when it may be: a program could otherwise
 * hand the user, one click away, a git hook or an editor task that runs on the host.
 */
export function unsafeSaveTarget(rel: string): string | undefined {
  const top = rel.split('/').find((p) => RUNS_CODE_HERE.includes(p.toLowerCase()));
  return top ? `files under ${top}/ configure tools that run code on this machine` : undefined;
}
