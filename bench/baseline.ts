// "Nothing else gets slower": this build against the last commit before pre-started interpreters (BASELINE), built
// from git history into a temporary folder and run side by side with this build's daemon, on the same images and the
// same pool settings, interleaved so drift hits both alike. BENCH_ONLY=baseline npm run bench prints just this section.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { DaemonClient } from '../daemon/client';
import { Methods } from '../daemon/protocol';
import { IMAGE_VERSION } from '../daemon/profiles';
import { noneLeftBehind, quietPool, settledCpu } from './quiet';
import { fmt, now, pct } from './stats';

const ROOT = path.resolve(__dirname, '../..');
const DAEMON = path.join(ROOT, 'dist/daemon.js');
/** The last commit before the first pre-start change (1e84f45). */
export const BASELINE = '68b25bc';
/** Within this ratio of before counts as no slower: p50s of ~20 interleaved samples move by a few per cent run to run. */
const NOISE = 1.05;

type Client = Pick<DaemonClient, 'hello' | 'request' | 'run' | 'close'>;
interface Side {
  name: string;
  daemon: string;
  connect: (env: NodeJS.ProcessEnv, daemonPath: string) => Promise<Client>;
}


/** Builds BASELINE's daemon and client into a folder of the machine's temp dir (kept: the next bench reuses it). */
function buildBaseline(): { daemon: string; client: string } | { skipped: string } {
  try {
    execFileSync('git', ['-C', ROOT, 'cat-file', '-e', `${BASELINE}^{commit}`], { stdio: 'ignore' });
  } catch {
    return { skipped: `commit ${BASELINE} is not in this clone's history (a shallow clone?)` };
  }
  const dir = path.join(os.tmpdir(), `warmbox-baseline-${BASELINE}`);
  const daemon = path.join(dir, 'dist/daemon.js');
  const client = path.join(dir, 'bench-client.js');
  const stamp = path.join(dir, '.built');
  // Its daemon asks for the images of its own version: only comparable when they are the ones built here.
  const theirs = /IMAGE_VERSION = (\d+)/.exec(execFileSync('git', ['-C', ROOT, 'show', `${BASELINE}:daemon/profiles.ts`], { encoding: 'utf8' }))?.[1];
  if (theirs !== String(IMAGE_VERSION)) return { skipped: `${BASELINE} runs images of version ${theirs}, this build's are version ${IMAGE_VERSION}` };
  // (node_modules is a link to a clone's: one since deleted means building again)
  if (fs.existsSync(stamp) && fs.existsSync(daemon) && fs.existsSync(client) && fs.existsSync(path.join(dir, 'node_modules'))) return { daemon, client };
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  execFileSync('sh', ['-c', `git -C "$1" archive ${BASELINE} | tar -x -C "$2"`, 'sh', ROOT, dir], { stdio: ['ignore', 'ignore', 'inherit'] });
  // Only package.json additions since: this build's node_modules serve the old code.
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  execFileSync(process.execPath, ['esbuild.mjs'], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const esbuild = require('esbuild') as typeof import('esbuild');
  esbuild.buildSync({ absWorkingDir: dir, entryPoints: ['daemon/client.ts'], bundle: true, platform: 'node', outfile: client, logLevel: 'error' });
  fs.writeFileSync(stamp, `${BASELINE}\n`);
  return { daemon, client };
}

interface Prog {
  name: string;
  profile: string;
  file: string;
  code: string;
  out: (o: Buffer) => boolean;
}
const PROGS: Prog[] = [
  { name: 'Python print', profile: 'python', file: 'p.py', code: 'print("hello")\n', out: (o) => o.toString() === 'hello\n' },
  { name: 'Python 1 MB output', profile: 'python', file: 'mb.py', code: 'import sys\nsys.stdout.write("x" * 1048575 + "\\n")\n', out: (o) => o.length === 1048576 },
  { name: 'shell echo', profile: 'shell', file: 'e.sh', code: 'echo hello\n', out: (o) => o.toString() === 'hello\n' },
];

async function timeRun(client: Client, p: Prog): Promise<{ first: number; exit: number }> {
  const t0 = now();
  let first = 0;
  const out: Buffer[] = [];
  const h = await client.run({ profile: p.profile, code: p.code, fileName: p.file, isolation: 'fresh' }, {
    onOutput: (_s, d) => {
      if (!first) first = now() - t0;
      out.push(d);
    },
  });
  const r = await h.result;
  const exit = now() - t0;
  if (r.outcome !== 'exited' || r.exitCode !== 0 || !p.out(Buffer.concat(out))) throw new Error(`${p.name}: ${r.outcome} ${r.message ?? ''}`);
  return { first, exit };
}

async function throughput(client: Client, seconds: number, concurrency: number): Promise<{ runs: number; s: number; errors: number }> {
  const end = now() + seconds * 1000;
  let runs = 0;
  let errors = 0;
  const t0 = now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      while (now() < end) {
        const token = `${w}-${runs}-${Math.random().toString(36).slice(2)}`;
        const out: Buffer[] = [];
        try {
          const h = await client.run({ profile: 'python', code: `print("${token}")\n`, isolation: 'fresh' }, { onOutput: (_s, d) => out.push(d) });
          const r = await h.result;
          if (r.outcome === 'exited' && Buffer.concat(out).toString() === `${token}\n`) runs++;
          else errors++;
        } catch {
          errors++;
        }
      }
    }),
  );
  return { runs, s: (now() - t0) / 1000, errors };
}

/** The section's markdown lines. */
export async function baselineSection(n: number, throughputS = 10, warmup = 3): Promise<string[]> {
  const head = [`## Nothing else slower: this build against ${BASELINE} (before pre-started interpreters)`, ''];
  const built = buildBaseline();
  if ('skipped' in built) return [...head, `skipped: ${built.skipped}.`, ''];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wbbench-base-'));
  const cfg = path.join(dir, 'config.json');
  // The same settings for both daemons; Node's set stays empty (neither side is measured on it).
  fs.writeFileSync(cfg, JSON.stringify({ queueTimeoutMs: 60_000, maxSandboxes: 40, profiles: { python: { minSize: 4, maxSize: 16, maxUses: 10_000 }, shell: { minSize: 2, maxSize: 4 }, node: { minSize: 0 } } }));
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const Old = (require(built.client) as { DaemonClient: typeof DaemonClient }).DaemonClient;
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const New = (require('../daemon/client') as { DaemonClient: typeof DaemonClient }).DaemonClient;
  const sides: Side[] = [
    { name: 'before', daemon: built.daemon, connect: (env, daemonPath) => Old.connect({ client: 'bench', env, daemonPath }) },
    { name: 'this build', daemon: DAEMON, connect: (env, daemonPath) => New.connect({ client: 'bench', env, daemonPath }) },
  ];
  const envs = sides.map((s, i) => ({ ...process.env, WARMBOX_RUNTIME_DIR: path.join(dir, `rt-${i}`), WARMBOX_CONFIG: cfg }));
  const clients: Client[] = [];
  const lines = [...head];
  try {
    for (let i = 0; i < sides.length; i++) clients.push(await sides[i].connect(envs[i], sides[i].daemon));
    const armed = (c: Client) => quietPool(c as DaemonClient, (sets) => sets.every((p) => p.minSize === 0 || p.idle >= 1));
    // Both pools quiet before each sample: the other daemon's refill would land in this one's run.
    const quiet = async () => {
      for (const c of clients) await armed(c);
    };
    await settledCpu();
    // Each round alternates which side goes first.
    const order = (round: number) => (round % 2 ? [1, 0] : [0, 1]);
    const rows: { measure: string; before: number[]; now: number[]; unit: string; higherIsBetter?: boolean }[] = [];
    for (const p of PROGS) {
      process.stdout.write(`[bench] baseline: ${p.name}\n`);
      const first: number[][] = [[], []];
      const exit: number[][] = [[], []];
      for (let round = 0; round < warmup + n; round++) {
        for (const i of order(round)) {
          await quiet();
          const s = await timeRun(clients[i], p);
          if (round >= warmup) {
            first[i].push(s.first);
            exit[i].push(s.exit);
          }
        }
      }
      rows.push({ measure: `${p.name} (fresh): first byte`, before: first[0], now: first[1], unit: 'ms' });
      rows.push({ measure: `${p.name} (fresh): exit status`, before: exit[0], now: exit[1], unit: 'ms' });
    }
    process.stdout.write('[bench] baseline: fresh throughput\n');
    // Halves in the order before, this, this, before; runs/s over each side's two halves.
    const tp = [{ runs: 0, s: 0, errors: 0 }, { runs: 0, s: 0, errors: 0 }];
    for (const i of [0, 1, 1, 0]) {
      await quiet();
      const t = await throughput(clients[i], throughputS / 2, 8);
      tp[i].runs += t.runs;
      tp[i].s += t.s;
      tp[i].errors += t.errors;
    }
    rows.push({ measure: 'fresh throughput, concurrency 8 (Python print)', before: [tp[0].runs / tp[0].s], now: [tp[1].runs / tp[1].s], unit: 'runs/s', higherIsBetter: true });
    process.stdout.write('[bench] baseline: daemon bind\n');
    const binds: number[][] = [[], []];
    for (let k = 0; k < 10; k++) {
      for (const i of order(k)) {
        const e = { ...envs[i], WARMBOX_RUNTIME_DIR: path.join(dir, `rt-bind-${i}-${k}`), WARMBOX_POOL: 'off' };
        const c = await sides[i].connect(e, sides[i].daemon);
        binds[i].push(c.hello.boundInMs);
        await c.request(Methods.shutdown, {}).catch(() => undefined);
        c.close();
      }
    }
    rows.push({ measure: 'daemon spawn → socket bound (10 spawns each)', before: binds[0], now: binds[1], unit: 'ms' });

    lines.push(
      `${n} samples per side after ${warmup} warm-up, interleaved (each round alternates which daemon goes first; both pools armed and quiet before every sample). Both daemons use this machine's images and the same pool settings; this build's Python runs are pre-started, as shipped. "No slower" means this build's p50 is within ${Math.round((NOISE - 1) * 100)}% of before's (the rows' run-to-run noise); throughput compares the time per run (the inverse of runs/s, ${throughputS} s per side, 8 at a time, errors: before ${tp[0].errors}, this build ${tp[1].errors}).`,
      '',
      '| measure | before p50 | p90 | this build p50 | p90 | this build / before (p50; < 1 is faster) | no slower? |',
      '|---|---|---|---|---|---|---|',
    );
    const verdicts: { measure: string; ratio: number }[] = [];
    for (const r of rows) {
      const b = pct(r.before, 0.5);
      const t = pct(r.now, 0.5);
      const ratio = r.higherIsBetter ? b / t : t / b;
      verdicts.push({ measure: r.measure, ratio });
      const p90 = (xs: number[]) => (xs.length > 1 ? fmt(pct(xs, 0.9)) : '—');
      const u = r.unit === 'ms' ? '' : ` ${r.unit}`;
      lines.push(`| ${r.measure} | ${fmt(b)}${u} | ${p90(r.before)} | **${fmt(t)}${u}** | ${p90(r.now)} | ${ratio.toFixed(2)}× | ${ratio <= NOISE ? 'yes' : `no: ${Math.round((ratio - 1) * 100)}% slower`} |`);
    }
    const slower = verdicts.filter((v) => v.ratio > NOISE);
    const worst = verdicts.reduce((a, v) => (v.ratio > a.ratio ? v : a));
    lines.push(
      '',
      `- Nothing else slower than before pre-starting (${BASELINE}; first byte, the 1 MB output row, fresh throughput, daemon bind): ${
        slower.length ? `missed: ${slower.map((v) => `${v.measure} ${Math.round((v.ratio - 1) * 100)}% slower`).join('; ')}` : `met (the highest ratio: ${worst.measure}, ${worst.ratio.toFixed(2)}×)`
      } (target: within ${Math.round((NOISE - 1) * 100)}%).`,
      '',
    );
    return lines;
  } finally {
    for (const c of clients) {
      await c.request(Methods.shutdown, {}).catch(() => undefined);
      c.close();
    }
    await noneLeftBehind(envs);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
