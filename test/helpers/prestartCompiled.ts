// For the pre-started compiled languages' equivalence suites (java, typescript): a daemon with the built-in profile
// and a copy that starts plainly, and runs repeated until the pool serves one from the right sandbox.
import { builtinProfiles } from '../../daemon/profiles';
import type { RunStartParams } from '../../daemon/protocol';
import { runToEnd, startDaemon, TestDaemon } from './daemon';

export type Ran = Awaited<ReturnType<typeof runToEnd>>;

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
