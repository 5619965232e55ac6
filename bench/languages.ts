// Bench rows for the compiled languages: a first run (the compiler runs; every sample has a source of its own, so the
// build cache misses) and a cached run (same source: the daemon sends the cached build in, no compiler), beside a
// Python print through the same daemon. `BENCH_ONLY=languages npm run bench` runs just these rows.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DaemonClient } from '../daemon/client';
import { Methods, PoolStats, RunStartParams } from '../daemon/protocol';
import { quietPool } from './quiet';
import { now, pct } from './stats';

const LANGS = [
  { profile: 'c', file: 'main.c', code: (tag: string) => `#include <stdio.h>\nint main(void) { puts("hello"); return 0; } /* ${tag} */\n` },
  { profile: 'cpp', file: 'main.cpp', code: (tag: string) => `#include <iostream>\nint main() { std::cout << "hello\\n"; } // ${tag}\n` },
  { profile: 'go', file: 'main.go', code: (tag: string) => `package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("hello") } // ${tag}\n` },
  { profile: 'rust', file: 'main.rs', code: (tag: string) => `fn main() { println!("hello"); } // ${tag}\n` },
  { profile: 'java', file: 'Main.java', code: (tag: string) => `public class Main { public static void main(String[] a) { System.out.println("hello"); } } // ${tag}\n` },
  { profile: 'typescript', file: 'main.ts', code: (tag: string) => `const s: string = "hello";\nconsole.log(s); // ${tag}\n` },
];

const ms = (x: number) => (Number.isFinite(x) ? x.toFixed(0) : '–');

async function timed(client: DaemonClient, p: RunStartParams, cached?: boolean): Promise<number> {
  const t0 = now();
  const out: Buffer[] = [];
  const h = await client.run(p, { onOutput: (_s, d) => out.push(d) });
  const r = await h.result;
  const t = now() - t0;
  if (r.outcome !== 'exited' || r.exitCode !== 0 || Buffer.concat(out).toString() !== 'hello\n') throw new Error(`${p.profile}: ${r.outcome} ${r.message ?? ''} ${Buffer.concat(out)}`);
  if (cached !== undefined && r.compile?.cached !== cached) throw new Error(`${p.profile}: expected cached=${cached}, got ${JSON.stringify(r.compile)}`);
  return t;
}

export async function languagesSection(daemonPath: string, n: number, firstN: number): Promise<string[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wbbench-lang-'));
  const cfg = path.join(dir, 'config.json');
  const profiles: Record<string, object> = { python: { minSize: 3, maxSize: 6 }, node: { minSize: 0 }, shell: { minSize: 0 } };
  for (const l of LANGS) profiles[l.profile] = { minSize: 3, maxSize: 6 };
  // Room for every set this section uses (the default cap, 12, would keep some of them cold).
  fs.writeFileSync(cfg, JSON.stringify({ queueTimeoutMs: 120_000, maxSandboxes: 32, profiles }));
  const env = { ...process.env, WARMBOX_RUNTIME_DIR: path.join(dir, 'rt'), WARMBOX_CONFIG: cfg };
  const client = await DaemonClient.connect({ client: 'bench', env, daemonPath });
  const run = Date.now().toString(36);
  const rows: string[] = [];
  try {
    // One run each wakes the sets (warmed on use), then the pools fill.
    for (const l of LANGS) await timed(client, { profile: l.profile, code: l.code(`wake ${run}`), fileName: l.file });
    for (let i = 0; i < 600; i++) {
      const s = await client.request(Methods.poolStats);
      if (s.profiles.filter((p) => !p.profile.includes(':')).every((p) => p.minSize === 0 || p.idle >= p.minSize)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const py: number[] = [];
    const cached: Record<string, number[]> = {};
    const first: Record<string, number[]> = {};
    for (const l of LANGS) {
      cached[l.profile] = [];
      first[l.profile] = [];
      process.stdout.write(`[bench] ${l.profile}: first runs\n`);
      for (let i = 0; i < firstN; i++) first[l.profile].push(await timed(client, { profile: l.profile, code: l.code(`first ${run} ${i}`), fileName: l.file }, false));
    }
    // Cached runs interleaved with the Python print, so drift hits every row alike.
    // Each sample starts on an armed, quiet pool (bench/quiet.ts), the Python print's as well.
    const used = new Set(['python', ...LANGS.map((l) => l.profile)]);
    const quiet = () => quietPool(client, (sets) => sets.filter((p) => used.has(p.profile)).every((p) => p.idle >= 1), 120_000);
    for (let i = 0; i < 3 + n; i++) {
      await quiet();
      const p = await timed(client, { profile: 'python', code: 'print("hello")\n', fileName: 'p.py' });
      if (i >= 3) py.push(p);
      for (const l of LANGS) {
        await quiet();
        const t = await timed(client, { profile: l.profile, code: l.code(`cached ${run}`), fileName: l.file }, i === 0 ? undefined : true);
        if (i >= 3) cached[l.profile].push(t);
      }
      if (i % 10 === 0) process.stdout.write(`[bench] languages cached: ${i}/${3 + n}\n`);
    }
    const pyP50 = pct(py, 0.5);
    rows.push(
      '## Compiled languages: first run and cached run',
      '',
      `Request → exit status through the protocol (fresh sandboxes, each sample on an armed, quiet pool), in ms; ${n} cached samples per row (interleaved with the Python print), ${firstN} first runs (each a new source: the build cache misses and the compiler runs). "vs Python" is the cached run's p50 minus the Python print's p50 measured alongside.`,
      '',
      '| language | first run p50 | cached run p50 | cached p90 | vs Python print p50 |',
      '|---|---:|---:|---:|---:|',
      `| python print (reference) | – | ${ms(pyP50)} | ${ms(pct(py, 0.9))} | 0 |`,
    );
    for (const l of LANGS) {
      const c = cached[l.profile];
      const d = pct(c, 0.5) - pyP50;
      rows.push(`| ${l.profile} | ${ms(pct(first[l.profile], 0.5))} | ${ms(pct(c, 0.5))} | ${ms(pct(c, 0.9))} | ${d >= 0 ? '+' : ''}${ms(d)} |`);
    }
    rows.push('');
    // The issue's target: a cached C, Go, Rust or Java run within 10 ms (p50) of the Python print.
    for (const name of ['c', 'go', 'rust', 'java']) {
      const d = pct(cached[name], 0.5) - pyP50;
      rows.push(`- ${name}, cached: ${d >= 0 ? '+' : ''}${ms(d)} ms over the Python print (target within 10 ms: ${d <= 10 ? 'met' : `missed by ${ms(d - 10)} ms`}).`);
    }
    rows.push('');
  } finally {
    await client.request(Methods.shutdown, { reason: 'bench over' }).catch(() => undefined);
    client.close();
    setTimeout(() => fs.rmSync(dir, { recursive: true, force: true }), 3000).unref();
  }
  return rows;
}
