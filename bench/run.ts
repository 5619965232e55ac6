// npm run bench: warmbox against the common ways of running a snippet in a container, side by side in one run,
// interleaved so drift hits every variant alike. Writes bench/RESULTS.md and bench/latency.svg.
import { execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DaemonClient } from '../daemon/client';
import { Methods, PoolStats, RunStartParams } from '../daemon/protocol';
import { IMAGE_VERSION } from '../daemon/profiles';
import { runtimePaths } from '../daemon/socketPath';
import { gvisorSection } from './gvisor';
import { languagesSection } from './languages';
import { prestartSection } from './prestart';
import { baselineSection } from './baseline';
import { quietPool } from './quiet';
import { benchProjects, ProjectBenchRow } from './projects';
import { environmentsSection, replaceSection } from './environments';
import { fmt, now, pct } from './stats';

const ROOT = path.resolve(__dirname, '../..');
const PY = `warmbox/python:${IMAGE_VERSION}`;
const SH = `warmbox/shell:${IMAGE_VERSION}`;
const NODE = `warmbox/node:${IMAGE_VERSION}`;
const DAEMON = path.join(ROOT, 'dist/daemon.js');
const CLI = path.join(ROOT, 'dist/cli.js');
const N = Number(process.env.BENCH_RUNS ?? 30);
const WARMUP = 3;
const THROUGHPUT_S = Number(process.env.BENCH_THROUGHPUT_S ?? 10);
// (the comparison with the build before pre-starting: halves of at least 10 s, its noisiest row)
const BASELINE_THROUGHPUT_S = Math.max(THROUGHPUT_S, 20);

interface Sample {
  first: number; // request → first output byte, ms
  exit: number; // request → exit status, ms
}

interface Program {
  name: string;
  image: string;
  profile: string;
  file: string;
  code: string;
  argv: string[]; // how docker run/exec run it
  expect: (out: Buffer) => boolean;
}

const PROGRAMS: Program[] = [
  { name: 'python print', image: PY, profile: 'python', file: 'p.py', code: 'print("hello")\n', argv: ['python3', '-c', 'print("hello")'], expect: (o) => o.toString() === 'hello\n' },
  {
    name: 'python 1 MB output',
    image: PY,
    profile: 'python',
    file: 'mb.py',
    code: 'import sys\nsys.stdout.write("x" * 1048575 + "\\n")\n',
    argv: ['python3', '-c', 'import sys\nsys.stdout.write("x" * 1048575 + "\\n")'],
    expect: (o) => o.length === 1048576,
  },
  { name: 'shell echo', image: SH, profile: 'shell', file: 'e.sh', code: 'echo hello\n', argv: ['sh', '-c', 'echo hello'], expect: (o) => o.toString() === 'hello\n' },
  { name: 'node console.log', image: NODE, profile: 'node', file: 'n.js', code: 'console.log("hello")\n', argv: ['node', '-e', 'console.log("hello")'], expect: (o) => o.toString() === 'hello\n' },
];

const HARDENING = ['--network', 'none', '--read-only', '--tmpfs', '/tmp', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges', '--user', '10001:10001', '--pids-limit', '128', '--memory', '256m'];


/** Runs a command, timing its first stdout byte and its exit. */
function timeProcess(cmd: string, args: string[], expect: (o: Buffer) => boolean, env?: NodeJS.ProcessEnv): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const t0 = now();
    let first = 0;
    const out: Buffer[] = [];
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env });
    p.stdout.on('data', (d: Buffer) => {
      if (!first) first = now() - t0;
      out.push(d);
    });
    let err = '';
    p.stderr.on('data', (d) => (err += d));
    p.on('close', (code) => {
      const exit = now() - t0;
      if (code !== 0 || !expect(Buffer.concat(out))) reject(new Error(`${cmd} ${args.slice(0, 3).join(' ')}: exit ${code} ${err.slice(0, 200)}`));
      else resolve({ first, exit });
    });
  });
}

async function timeWarmbox(client: DaemonClient, p: Program, isolation: 'fresh' | 'reuse'): Promise<Sample> {
  const t0 = now();
  let first = 0;
  const out: Buffer[] = [];
  const params: RunStartParams = { profile: p.profile, code: p.code, fileName: p.file, isolation };
  const h = await client.run(params, {
    onOutput: (_s, d) => {
      if (!first) first = now() - t0;
      out.push(d);
    },
  });
  const r = await h.result;
  const exit = now() - t0;
  if (r.outcome !== 'exited' || r.exitCode !== 0 || !p.expect(Buffer.concat(out))) throw new Error(`warmbox ${p.name}: ${r.outcome} ${r.message ?? ''}`);
  return { first, exit };
}

/** The floor: the interpreter's own start-up, timed inside an already running container (no Docker in the path). */
function floorSamples(container: string, p: Program, n: number): Sample[] {
  const q = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`;
  const script = `i=0; while [ $i -lt ${n} ]; do s=$(date +%s%N); ${p.argv.map(q).join(' ')} >/dev/null; e=$(date +%s%N); echo $(( (e - s) / 1000 )); i=$((i+1)); done`;
  const out = execFileSync('docker', ['exec', container, 'sh', '-c', script], { encoding: 'utf8', maxBuffer: 1 << 24 });
  return out.trim().split('\n').map((us) => ({ first: Number(us) / 1000, exit: Number(us) / 1000 }));
}


async function throughput(client: DaemonClient, isolation: 'fresh' | 'reuse', concurrency: number, seconds: number): Promise<{ runs: number; perS: number; p99: number; errors: number }> {
  const end = now() + seconds * 1000;
  const lat: number[] = [];
  let errors = 0;
  const p = PROGRAMS[0];
  const worker = async (w: number) => {
    while (now() < end) {
      const t0 = now();
      const token = `${w}-${lat.length}-${Math.random().toString(36).slice(2)}`;
      const out: Buffer[] = [];
      try {
        const h = await client.run({ profile: 'python', code: `print("${token}")\n`, isolation }, { onOutput: (_s, d) => out.push(d) });
        const r = await h.result;
        if (r.outcome !== 'exited' || Buffer.concat(out).toString() !== `${token}\n`) errors++;
        else lat.push(now() - t0);
      } catch {
        errors++;
      }
    }
    void p;
  };
  const t0 = now();
  await Promise.all(Array.from({ length: concurrency }, (_, i) => worker(i)));
  const took = (now() - t0) / 1000;
  return { runs: lat.length, perS: lat.length / took, p99: lat.length ? pct(lat, 0.99) : NaN, errors };
}

function svgChart(series: { label: string; values: number[] }[]): string {
  const w = 760;
  const rowH = 34;
  const left = 210;
  const h = series.length * rowH + 50;
  const all = series.flatMap((s) => s.values).filter((v) => v > 0);
  const lo = Math.log10(Math.max(1, Math.min(...all) * 0.8));
  const hi = Math.log10(Math.max(...all) * 1.2);
  const x = (v: number) => left + ((Math.log10(Math.max(v, 1)) - lo) / (hi - lo)) * (w - left - 20);
  const rows = series
    .map((s, i) => {
      const y = 30 + i * rowH;
      const p = (q: number) => x(pct(s.values, q));
      const dots = s.values.map((v) => `<circle cx="${x(v).toFixed(1)}" cy="${(y + 10 + ((v * 7919) % 10) - 5).toFixed(1)}" r="1.6" fill="#4a8ad8" fill-opacity="0.55"/>`).join('');
      return `<text x="8" y="${y + 14}" font-size="12">${s.label}</text><line x1="${p(0.5)}" x2="${p(0.99)}" y1="${y + 10}" y2="${y + 10}" stroke="#999"/>${dots}<line x1="${p(0.5)}" x2="${p(0.5)}" y1="${y}" y2="${y + 20}" stroke="#d33" stroke-width="2"/><text x="${p(0.5) + 4}" y="${y + 28}" font-size="10" fill="#d33">p50 ${fmt(pct(s.values, 0.5))} ms</text>`;
    })
    .join('\n');
  const ticks = [1, 3, 10, 30, 100, 300, 1000, 3000]
    .filter((t) => Math.log10(t) >= lo && Math.log10(t) <= hi)
    .map((t) => `<line x1="${x(t)}" x2="${x(t)}" y1="20" y2="${h - 20}" stroke="#ddd"/><text x="${x(t) - 8}" y="${h - 6}" font-size="10">${t} ms</text>`)
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="sans-serif"><rect width="100%" height="100%" fill="white"/><text x="8" y="14" font-size="12" font-weight="bold">Python print: request → exit status (log scale; red = p50, grey = p50..p99)</text>${ticks}${rows}</svg>\n`;
}

async function main(): Promise<void> {
  if (!fs.existsSync(DAEMON)) throw new Error('run npm run build first');
  // Just the gVisor rows (printed, RESULTS.md left alone): BENCH_ONLY=gvisor npm run bench
  if (process.env.BENCH_ONLY === 'gvisor') {
    console.log((await gvisorSection(Math.min(N, 20))).join('\n'));
    return;
  }
  // Just the compiled languages' rows (printed, RESULTS.md left alone): BENCH_ONLY=languages npm run bench
  if (process.env.BENCH_ONLY === 'languages') {
    console.log((await languagesSection(DAEMON, N, Number(process.env.BENCH_FIRST_RUNS ?? 5))).join('\n'));
    return;
  }
  // Just the pre-started and CLI rows (printed, RESULTS.md left alone): BENCH_ONLY=prestart npm run bench
  if (process.env.BENCH_ONLY === 'prestart') {
    console.log((await prestartSection(N)).join('\n'));
    return;
  }
  // Just the comparison with the build before pre-starting (printed, RESULTS.md left alone): BENCH_ONLY=baseline npm run bench
  if (process.env.BENCH_ONLY === 'baseline') {
    console.log((await baselineSection(Math.min(N, 20), BASELINE_THROUGHPUT_S)).join('\n'));
    return;
  }
  // Just the environment rows: BENCH_ONLY=environments npm run bench (they replace that section of RESULTS.md).
  if (process.env.BENCH_ONLY === 'environments') {
    const section = await environmentsSection(DAEMON, Math.min(N, 20));
    const file = path.join(ROOT, 'bench/RESULTS.md');
    fs.writeFileSync(file, replaceSection(fs.readFileSync(file, 'utf8'), section));
    console.log(section.join('\n'));
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wbbench-'));
  const cfg = path.join(dir, 'config.json');
  fs.writeFileSync(cfg, JSON.stringify({ queueTimeoutMs: 60_000, maxSandboxes: 32, profiles: { python: { minSize: 4, maxSize: 32, maxUses: 10_000 }, node: { minSize: 2, maxSize: 4 }, shell: { minSize: 2, maxSize: 4 } } }));
  const env = { ...process.env, WARMBOX_RUNTIME_DIR: path.join(dir, 'rt'), WARMBOX_CONFIG: cfg };
  const tSpawn = now();
  const client = await DaemonClient.connect({ client: 'bench', env, daemonPath: DAEMON });
  const connectMs = now() - tSpawn;
  const helper = execFileSync('docker', ['run', '-d', '--rm', ...HARDENING, PY, 'sleep', '3600'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  const helpers: Record<string, string> = { [PY]: helper };
  for (const img of [SH, NODE]) {
    helpers[img] = execFileSync('docker', ['run', '-d', '--rm', ...HARDENING, img, 'sleep', '3600'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  }
  const results: Record<string, Record<string, Sample[]>> = {};
  const out: string[] = [];
  try {
    // Let the pools fill before measuring.
    for (let i = 0; i < 200; i++) {
      const s = await client.request(Methods.poolStats);
      if (s.profiles.every((p) => p.profile.includes(':') || p.idle >= Math.min(p.minSize, 4))) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    for (const p of PROGRAMS) {
      const variants: Record<string, () => Promise<Sample>> = {
        'docker run --rm (CLI)': () => timeProcess('docker', ['run', '--rm', '-i', ...HARDENING, p.image, ...p.argv], p.expect),
        'docker exec (CLI, warm container)': () => timeProcess('docker', ['exec', helpers[p.image], ...p.argv], p.expect),
        'warmbox fresh (protocol)': () => timeWarmbox(client, p, 'fresh'),
        'warmbox reuse (protocol)': () => timeWarmbox(client, p, 'reuse'),
        'warmbox run (CLI)': () => timeProcess(CLI, ['run', path.join(dir, p.file), '--no-stdin', '--no-project', '--profile', p.profile], p.expect, env),
      };
      fs.writeFileSync(path.join(dir, p.file), p.code);
      // The slow per-run container only for the headline program: it costs seconds per sample.
      const names = Object.keys(variants).filter((v) => p === PROGRAMS[0] || !v.startsWith('docker run'));
      const r: Record<string, Sample[]> = Object.fromEntries(names.map((n) => [n, []]));
      for (let i = 0; i < WARMUP + N; i++) {
        for (const n of names) {
          // Every sample, warmbox's and Docker's alike, starts on an armed, quiet pool (bench/quiet.ts).
          await quietPool(client, (sets) => sets.every((s) => s.profile.includes(':') || s.minSize === 0 || s.idle >= 1));
          const s = await variants[n]();
          if (i >= WARMUP) r[n].push(s);
        }
        if (i % 10 === 0) process.stdout.write(`[bench] ${p.name}: ${i}/${WARMUP + N}\n`);
      }
      // busybox's date has no nanoseconds: the shell floor is timed with dash in the python image.
      r['floor: interpreter start inside the container'] = floorSamples(helpers[p.image === SH ? PY : p.image], p, N);
      results[p.name] = r;
    }

    process.stdout.write('[bench] project runs\n');
    const projectRows = await benchProjects(client, dir, N, WARMUP);

    const tp: string[] = [];
    for (const iso of ['reuse', 'fresh'] as const) {
      for (const c of [1, 8, 32]) {
        process.stdout.write(`[bench] throughput ${iso} concurrency ${c}\n`);
        const t = await throughput(client, iso, c, THROUGHPUT_S);
        tp.push(`| ${iso} | ${c} | ${t.runs} | **${t.perS.toFixed(1)}** | ${fmt(t.p99)} | ${t.errors} |`);
      }
    }

    const hello = client.hello;
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${hello.pid}/status`, 'utf8'))?.[1] ?? NaN);
    await new Promise((r) => setTimeout(r, 2000));
    const idle = (await client.request(Methods.containersList)).filter((c) => c.state === 'idle');
    const mem = idle.map((c) => {
      let v = '';
      try {
        v = execFileSync('docker', ['stats', '--no-stream', '--format', '{{.MemUsage}}', c.id], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('/')[0].trim();
      } catch {
        /* it went away between the list and the look */
      }
      const m = /([\d.]+)\s*([KMG]i?B)/.exec(v);
      const mult: Record<string, number> = { KiB: 1 / 1024, MiB: 1, GiB: 1024, KB: 1 / 1000, MB: 1, GB: 1000 };
      return { profile: c.profile, mib: m ? Number(m[1]) * (mult[m[2]] ?? 1) : NaN };
    });

    // Spawn → socket bound, over fresh daemons in their own folders.
    const binds: number[] = [];
    for (let i = 0; i < 10; i++) {
      const e = { ...env, WARMBOX_RUNTIME_DIR: path.join(dir, `rt-bind-${i}`), WARMBOX_POOL: 'off' };
      const t0 = now();
      const c = await DaemonClient.connect({ client: 'bench', env: e, daemonPath: DAEMON });
      binds.push(now() - t0);
      const own = c.hello.boundInMs;
      binds[binds.length - 1] = Math.min(binds[binds.length - 1], own || Infinity);
      await c.request(Methods.shutdown, {}).catch(() => undefined);
      c.close();
    }
    execFileSync(process.execPath, [path.join(ROOT, 'esbuild.mjs'), '--production'], { cwd: ROOT, stdio: 'ignore' });
    const extKb = fs.statSync(path.join(ROOT, 'dist/extension.js')).size / 1024;
    execFileSync(process.execPath, [path.join(ROOT, 'esbuild.mjs')], { cwd: ROOT, stdio: 'ignore' });
    const activateFile = path.join(ROOT, '.e2e/activate-ms');
    const activateMs = fs.existsSync(activateFile) ? Number(fs.readFileSync(activateFile, 'utf8')) : NaN;

    // ---- report ----
    const dockerV = execFileSync('docker', ['version', '-f', '{{.Server.Version}}'], { encoding: 'utf8' }).trim();
    out.push('# warmbox benchmark results', '');
    out.push(`Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC by \`npm run bench\` (${N} runs per variant after ${WARMUP} warm-up, interleaved; each sample starts on an armed, quiet pool: nothing warming, running or being removed, as a person's runs seconds apart do; back-to-back runs are the throughput rows).`, '');
    out.push(`Machine: ${os.cpus()[0]?.model ?? '?'}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB · Linux ${os.release()} · Node ${process.version} · Docker Engine ${dockerV} · warmbox ${hello.daemonVersion}`, '');
    for (const [prog, r] of Object.entries(results)) {
      const floor = r['floor: interpreter start inside the container'];
      const wbFresh = r['warmbox fresh (protocol)'];
      out.push(`## ${prog}`, '');
      // Like for like only: a CLI process against `warmbox run`, a protocol call against warmbox fresh's.
      out.push('| variant | first byte p50 | p90 | p99 | exit status p50 | p90 | p99 | × slower than warmbox of the same kind (p50) |', '|---|---|---|---|---|---|---|---|');
      const wbCli = r['warmbox run (CLI)'];
      for (const [name, s] of Object.entries(r)) {
        const f = s.map((x) => x.first);
        const e = s.map((x) => x.exit);
        const ref = name.includes('(CLI') ? wbCli : name.includes('(protocol)') ? wbFresh : undefined;
        const ratio = ref ? `${(pct(e, 0.5) / pct(ref.map((x) => x.exit), 0.5)).toFixed(2)}×` : '—';
        out.push(`| ${name} | ${fmt(pct(f, 0.5))} | ${fmt(pct(f, 0.9))} | ${fmt(pct(f, 0.99))} | **${fmt(pct(e, 0.5))}** | ${fmt(pct(e, 0.9))} | ${fmt(pct(e, 0.99))} | ${ratio} |`);
      }
      const fl = pct(floor.map((x) => x.exit), 0.5);
      // (signed: a pre-started interpreter's run can come in under a plain interpreter start)
      const over = (d: number) => `${d < 0 ? '−' : '+'}${fmt(Math.abs(d))}`;
      out.push('', `warmbox fresh over the floor: p50 ${over(pct(wbFresh.map((x) => x.exit), 0.5) - fl)} ms, p99 ${over(pct(wbFresh.map((x) => x.exit), 0.99) - pct(floor.map((x) => x.exit), 0.99))} ms (times in ms).`, '');
    }
    out.push('## Project runs (Python print, fresh, interleaved; every set armed before each round)', '');
    out.push('| run | exit status p50 | p90 | p99 | over the single-file run (p50) |', '|---|---|---|---|---|');
    const base = pct(projectRows[0].exit, 0.5);
    for (const r of projectRows) {
      out.push(`| ${r.name} | **${fmt(pct(r.exit, 0.5))}** | ${fmt(pct(r.exit, 0.9))} | ${fmt(pct(r.exit, 0.99))} | ${r === projectRows[0] ? '—' : `${pct(r.exit, 0.5) - base >= 0 ? '+' : ''}${fmt(pct(r.exit, 0.5) - base)} ms`} |`);
    }
    out.push('');
    out.push('## Sustained throughput (Python print, each run checks its own unique output)', '', '| isolation | concurrency | runs | runs/s | p99 ms | errors |', '|---|---|---|---|---|---|', ...tp, '');
    out.push(...(await prestartSection(N)));
    process.stdout.write('[bench] this build against the one before pre-starting\n');
    out.push(...(await baselineSection(Math.min(N, 20), BASELINE_THROUGHPUT_S)));
    process.stdout.write('[bench] runc vs gVisor (runsc)\n');
    out.push(...(await gvisorSection(Math.min(N, 20))));
    process.stdout.write('[bench] compiled languages\n');
    out.push(...(await languagesSection(DAEMON, N, 5)));
    process.stdout.write('[bench] environments\n');
    out.push(...(await environmentsSection(DAEMON, Math.min(N, 20))));
    out.push('## Footprint', '');
    out.push(`- daemon RSS after the runs: ${(rssKb / 1024).toFixed(1)} MiB`);
    const byProfile = new Map<string, number[]>();
    for (const m of mem) byProfile.set(m.profile, [...(byProfile.get(m.profile) ?? []), m.mib]);
    for (const [p, all] of byProfile) {
      const v = all.filter((x) => Number.isFinite(x));
      if (v.length) out.push(`- idle warm ${p} sandbox memory (docker stats): median ${pct(v, 0.5).toFixed(2)} MiB over ${v.length}`);
    }
    out.push(`- daemon spawn → socket bound (from the daemon's own uptime, over 10 spawns): p50 ${fmt(pct(binds, 0.5))} ms, max ${fmt(Math.max(...binds))} ms; first client connect incl. spawn: ${fmt(connectMs)} ms`);
    out.push(`- extension bundle (production): ${extKb.toFixed(1)} KB`);
    out.push(`- extension activate(): ${Number.isFinite(activateMs) ? `${activateMs.toFixed(1)} ms (measured in the e2e run inside code-server's extension host)` : 'not measured in this run (it comes from npm test\'s e2e run)'}`);
    out.push('');
    fs.writeFileSync(path.join(ROOT, 'bench/latency.svg'), svgChart(Object.entries(results['python print']).map(([label, s]) => ({ label: label.replace(/ \(.*\)$/, ''), values: s.map((x) => x.exit) }))));
    out.push('![latency distributions](latency.svg)', '');
    const notes = path.join(ROOT, 'bench/NOTES.md');
    if (fs.existsSync(notes)) out.push(fs.readFileSync(notes, 'utf8'));
    fs.writeFileSync(path.join(ROOT, 'bench/RESULTS.md'), out.join('\n'));
    writeHeadline(out, base, projectRows);
    console.log(out.join('\n'));
  } finally {
    await client.request(Methods.shutdown, {}).catch(() => undefined);
    client.close();
    execFileSync('docker', ['rm', '-f', ...Object.values(helpers)], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 1500));
    const scope = runtimePaths(env).scope;
    const left = execFileSync('docker', ['ps', '-aq', '--filter', `label=dev.warmbox.scope=${scope}`], { encoding: 'utf8' }).trim();
    if (left) {
      console.error(`bench: containers left behind: ${left}`);
      process.exitCode = 1;
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * README's headline (between its bench:headline markers) from this run only: the generated verdict lines of the
 * sections (the CLI against Docker's CLI first, what a terminal user feels), so no hand-written figure can disagree.
 */
function writeHeadline(results: string[], singleFileP50: number, projects: ProjectBenchRow[]): void {
  const readme = path.join(ROOT, 'README.md');
  const text = fs.readFileSync(readme, 'utf8');
  const start = '<!-- bench:headline:start -->';
  const end = '<!-- bench:headline:end -->';
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  if (i < 0 || j < i) return;
  const verdicts = results.filter((l) => /^- .*(target|Node's own start-up|load average)/.test(l));
  const cli = verdicts.filter((l) => l.includes('`warmbox run`'));
  const project = projects.slice(1).map((r) => `${r.name} ${pct(r.exit, 0.5) - singleFileP50 >= 0 ? '+' : ''}${fmt(pct(r.exit, 0.5) - singleFileP50)} ms`);
  const block = [
    start,
    `From the last full run (${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, ${os.cpus().length} cores; generated by \`npm run bench\`, p50):`,
    '',
    ...cli,
    ...verdicts.filter((l) => !cli.includes(l)),
    `- Project runs over a single-file run: ${project.join('; ')}.`,
    end,
  ].join('\n');
  fs.writeFileSync(readme, text.slice(0, i) + block + text.slice(j + end.length));
}

main().catch((e) => {
  console.error('bench failed:', e);
  process.exit(1);
});
