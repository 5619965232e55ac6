// TypeScript's pre-started Node (its command runs the build's output, {out}/{name}.js) against a plain start of the
// same build in the same image: each case runs in the built-in profile until its build is cached (a build kills the
// waiting interpreter; a cached one runs in it), and in a copy of the profile that starts plainly; stdout, stderr,
// exit status and outcome must match byte for byte, in both isolation modes.
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { builtinProfiles } from '../../../daemon/profiles';
import type { IsolationMode, RunStartParams } from '../../../daemon/protocol';
import { runToEnd, startDaemon, TestDaemon } from '../../helpers/daemon';

interface Case {
  name: string;
  code: string;
  stdin?: string;
  streams?: 'merged';
  project?: Record<string, string>;
}

const CASES: Case[] = [
  { name: 'argv, execArgv, require.main, __filename, cwd', code: 'const n: number = 1;\nconsole.log(process.argv, process.execArgv, require.main === module, __filename, process.cwd(), n);\n' },
  { name: 'an uncaught error: the stack names the .ts lines (source maps)', code: 'function f(x: number): number {\n  throw new TypeError("nope " + x);\n}\nconsole.log("before");\nf(2);\n' },
  { name: 'stdin text', stdin: 'one\ntwo\n', code: 'let s = "";\nprocess.stdin.setEncoding("utf8");\nprocess.stdin.on("data", (d: string) => (s += d)).on("end", () => console.log(JSON.stringify(s)));\n' },
  { name: 'process.exitCode', code: 'process.exitCode = 7;\nconsole.log("set");\n' },
  { name: 'streams merged', streams: 'merged', code: 'console.log("out 1");\nconsole.error("err 1");\nthrow new Error("boom");\n' },
  { name: 'a project module it imports', project: { 'util.ts': 'export const twice = (n: number): number => n * 2;\n' }, code: 'import { twice } from "./util";\nconsole.log(twice(21), __filename);\n' },
];

const ts = builtinProfiles().find((p) => p.name === 'typescript')!;

function params(profile: string, c: Case, isolation: IsolationMode): RunStartParams {
  const p: RunStartParams = { profile, code: c.code, fileName: 'main.ts', args: [], isolation, stdin: c.stdin === undefined ? undefined : Buffer.from(c.stdin).toString('base64'), streams: c.streams };
  if (c.project) {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'wbts-'));
    for (const [f, text] of Object.entries({ ...c.project, 'main.ts': c.code })) fs.writeFileSync(path.join(root, f), text);
    p.project = { root, file: 'main.ts' };
  }
  return p;
}

type Ran = Awaited<ReturnType<typeof runToEnd>>;
const show = (r: Ran) => ({ outcome: r.result.outcome, exitCode: r.result.exitCode, stdout: r.stdout.toString('latin1'), stderr: r.stderr.toString('latin1') });

describe('pre-started Node for TypeScript: equivalence with a plain start (real engine)', function () {
  this.timeout(180_000);
  let d: TestDaemon;

  before(async () => {
    d = await startDaemon({
      profiles: {
        python: { minSize: 0 },
        node: { minSize: 0 },
        shell: { minSize: 0 },
        typescript: { minSize: 1, maxSize: 2 },
        tsplain: { image: ts.image, compile: ts.compile, command: ts.command, fileName: 'main.ts', health: ts.health, minSize: 1, maxSize: 2 },
      },
      limits: { timeoutMs: 20_000 },
    });
  });
  after(async () => {
    await d?.stop();
  });

  /** Runs c until its build comes from the cache (the first run builds, which ends the waiting interpreter). */
  async function cachedRun(profile: string, c: Case, isolation: IsolationMode): Promise<Ran> {
    const seen: string[] = [];
    for (let i = 0; i < 6; i++) {
      const r = await runToEnd(d.client, params(profile, c, isolation));
      if (r.result.compile?.cached) return r;
      seen.push(`${r.result.outcome} (compile ${JSON.stringify(r.result.compile)})`);
    }
    throw new Error(`no run of "${c.name}" had its build cached: ${seen.join('; ')}`);
  }

  for (const isolation of ['fresh', 'reuse'] as const) {
    describe(`${isolation} sandboxes`, () => {
      it('the built-in profile runs a cached build in the pre-started interpreter, the plain one does not', async () => {
        const probe: Case = { name: 'probe', code: 'console.log(require("fs").readFileSync("/proc/self/cmdline", "utf8").split("\\0").filter(Boolean).slice(1).join(" "));\n' };
        assert.equal((await cachedRun('typescript', probe, isolation)).stdout.toString(), '--enable-source-maps -r /run/warmbox/prestart.js /run/warmbox/main\n');
        assert.equal((await cachedRun('tsplain', probe, isolation)).stdout.toString(), '--enable-source-maps /build/out/main.js\n');
      });
      for (const c of CASES) {
        it(c.name, async () => {
          const a = await cachedRun('typescript', c, isolation);
          const b = await cachedRun('tsplain', c, isolation);
          assert.deepEqual(show(a), show(b));
          assert.notEqual(a.result.outcome, 'infra-error');
        });
      }
    });
  }
});
