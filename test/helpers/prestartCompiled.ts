// For the pre-started interpreters' equivalence suites: their cases; for the compiled languages' (java, typescript)
// a daemon with the built-in profile and a copy that starts plainly, and runs repeated until the right sandbox serves.
import { builtinProfiles } from '../../daemon/profiles';
import type { RunStartParams } from '../../daemon/protocol';
import { runToEnd, startDaemon, TestDaemon } from './daemon';

export type Ran = Awaited<ReturnType<typeof runToEnd>>;

/** One case of an equivalence suite: a program run both ways (pre-started and plain), compared byte for byte. */
export interface EquivalenceCase {
  name: string;
  code: string;
  fileName?: string;
  args?: string[];
  stdin?: string | Buffer;
  /** Other files of the project around the program (a project run). */
  project?: Record<string, string>;
  /** The program is not on disk in the project (an unsaved editor), and the run's working directory. */
  unsaved?: boolean;
  cwd?: 'root';
  /** Node's `(node:<pid>)` prefix: a pid is not the same in two starts of any kind. */
  maskPid?: boolean;
  /** The run asks for stderr merged into stdout (as VS Code's terminal and a CLI on a terminal do). */
  streams?: 'merged';
}

/** What the equivalence suites compare, byte for byte. */
export const shown = (r: Ran) => ({ outcome: r.result.outcome, exitCode: r.result.exitCode, stdout: r.stdout.toString('latin1'), stderr: r.stderr.toString('latin1') });

/** The built-in `name` (pre-started) and `plain`: the same image, build and command, started plainly (a user profile). */
export function startWithPlainCopy(name: string, plain: string): Promise<TestDaemon> {
  const p = builtinProfiles().find((x) => x.name === name)!;
  return startDaemon({
    profiles: {
      python: { minSize: 0 },
      node: { minSize: 0 },
      shell: { minSize: 0 },
      [name]: { minSize: 1, maxSize: 2 },
      [plain]: { image: p.image, compile: p.compile, command: p.command, fileName: p.fileName, health: p.health, minSize: 1, maxSize: 2 },
    },
    limits: { timeoutMs: 20_000 },
  });
}

/** Runs until `ok` (a sandbox armed with the build, a cached build): a set's sandboxes are armed with its latest. */
export async function runUntil(d: TestDaemon, params: () => RunStartParams, ok: (r: Ran) => boolean, what: string, tries = 10): Promise<Ran> {
  const seen: string[] = [];
  for (let i = 0; i < tries; i++) {
    const r = await runToEnd(d.client, params());
    if (ok(r)) return r;
    seen.push(`${r.result.outcome} (compile ${JSON.stringify(r.result.compile)})`);
  }
  throw new Error(`no run of ${what}: ${seen.join('; ')}`);
}
