// TypeScript's pre-started Node (its command runs the build's output, {out}/{name}.js) against a plain start of the
// same build in the same image: each case runs in the built-in profile until its build is cached (a build kills the
// waiting interpreter; a cached one runs in it), and in a copy of the profile that starts plainly; stdout, stderr,
// exit status and outcome must match byte for byte, in both isolation modes.
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { IsolationMode, RunStartParams } from '../../../daemon/protocol';
import type { TestDaemon } from '../../helpers/daemon';
import { type EquivalenceCase as Case, runUntil, shown, startWithPlainCopy } from '../../helpers/prestartCompiled';

const CASES: Case[] = [
  { name: 'argv, execArgv, require.main, __filename, cwd', code: 'const n: number = 1;\nconsole.log(process.argv, process.execArgv, require.main === module, __filename, process.cwd(), n);\n' },
  { name: 'an uncaught error: the stack names the .ts lines (source maps)', code: 'function f(x: number): number {\n  throw new TypeError("nope " + x);\n}\nconsole.log("before");\nf(2);\n' },
  { name: 'stdin text', stdin: 'one\ntwo\n', code: 'let s = "";\nprocess.stdin.setEncoding("utf8");\nprocess.stdin.on("data", (d: string) => (s += d)).on("end", () => console.log(JSON.stringify(s)));\n' },
  { name: 'process.exitCode', code: 'process.exitCode = 7;\nconsole.log("set");\n' },
  { name: 'streams merged', streams: 'merged', code: 'console.log("out 1");\nconsole.error("err 1");\nthrow new Error("boom");\n' },
  { name: 'a project module it imports', project: { 'util.ts': 'export const twice = (n: number): number => n * 2;\n' }, code: 'import { twice } from "./util";\nconsole.log(twice(21), __filename);\n' },
];

function params(profile: string, c: Case, isolation: IsolationMode): RunStartParams {
  const p: RunStartParams = { profile, code: c.code, fileName: 'main.ts', args: [], isolation, stdin: c.stdin === undefined ? undefined : Buffer.from(c.stdin).toString('base64'), streams: c.streams };
  if (c.project) {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'wbts-'));
    for (const [f, text] of Object.entries({ ...c.project, 'main.ts': c.code })) fs.writeFileSync(path.join(root, f), text);
    p.project = { root, file: 'main.ts' };
  }
  return p;
}

describe('pre-started Node for TypeScript: equivalence with a plain start (real engine)', function () {
  this.timeout(180_000);
  let d: TestDaemon;

  before(async () => {
    d = await startWithPlainCopy('typescript', 'tsplain');
  });
  after(async () => {
    await d?.stop();
  });

  /** c until its build comes from the cache (the first run builds, which ends the waiting interpreter). */
  const cachedRun = (profile: string, c: Case, isolation: IsolationMode) => runUntil(d, () => params(profile, c, isolation), (r) => r.result.compile?.cached === true, `"${c.name}" had its build cached`, 6);

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
          assert.deepEqual(shown(a), shown(b));
          assert.notEqual(a.result.outcome, 'infra-error');
        });
      }
    });
  }
});
