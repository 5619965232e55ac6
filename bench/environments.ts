// Bench rows for project environments: the build of a Python environment (apt python3-numpy) from scratch and again
// with Docker's layer cache, and a warm run of `import numpy` on it. `BENCH_ONLY=environments npm run bench` runs
// just these rows and writes them into bench/RESULTS.md's "Environments" section.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DaemonClient } from '../daemon/client';
import { EnvBuildResult, Methods, PoolStats, RunStartParams } from '../daemon/protocol';
import { quietPool } from './quiet';

const now = () => Number(process.hrtime.bigint()) / 1e6;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) * p)];
const fmt = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));

export const ENV_SECTION = '## Environments';

export async function environmentsSection(daemonPath: string, n: number): Promise<string[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wbbench-env-'));
  const root = path.join(dir, 'proj');
  fs.mkdirSync(root);
  fs.writeFileSync(path.join(root, 'warmbox.json'), JSON.stringify({ profiles: { python: { apt: ['python3-numpy'] } } }));
  fs.writeFileSync(path.join(root, 'main.py'), 'import numpy; print(numpy.__version__)\n');
  // The same packages with numpy preloaded: the pre-started interpreter imports it before the run arrives.
  const pre = path.join(dir, 'proj-preload');
  fs.mkdirSync(pre);
  fs.writeFileSync(path.join(pre, 'warmbox.json'), JSON.stringify({ profiles: { python: { apt: ['python3-numpy'], preload: ['numpy'] } } }));
  fs.writeFileSync(path.join(pre, 'main.py'), 'import numpy; print(numpy.__version__)\n');
  const cfg = path.join(dir, 'config.json');
  // This machine's engine has no bridge: builds use the host's network unless BENCH_BUILD_NETWORK says otherwise.
  fs.writeFileSync(cfg, JSON.stringify({ buildNetwork: process.env.BENCH_BUILD_NETWORK ?? 'host', profiles: { python: { minSize: 1, maxSize: 2 }, node: { minSize: 0 }, shell: { minSize: 0 } } }));
  const env = { ...process.env, WARMBOX_RUNTIME_DIR: path.join(dir, 'rt'), WARMBOX_CONFIG: cfg };
  const client = await DaemonClient.connect({ client: 'bench', env, daemonPath });
  let image = '';
  let preTag = '';
  try {
    const build = async (noCache: boolean) => {
      const t0 = now();
      const r = await client.request(Methods.envBuild, { root, profile: 'python', noCache });
      const b = r.builds[0];
      if (b.status !== 'built') throw new Error(`environment bench: build ${b.status}: ${b.message ?? ''}`);
      image = b.image!;
      return now() - t0;
    };
    process.stdout.write('[bench] environment build without cache\n');
    const cold = await build(true);
    // The tag goes, its layers stay: the next build finds every step in Docker's cache.
    execFileSync('docker', ['rmi', '--no-prune', image], { stdio: 'ignore' });
    process.stdout.write('[bench] environment build with Docker\'s cache\n');
    const cached = await build(false);

    process.stdout.write('[bench] warm runs of import numpy\n');
    const params: RunStartParams = { profile: 'python', code: fs.readFileSync(path.join(root, 'main.py'), 'utf8'), fileName: 'main.py', project: { root, file: 'main.py' } };
    const hello: RunStartParams = { ...params, code: 'print("hello")\n' };
    const preloaded: RunStartParams = { ...params, project: { root: pre, file: 'main.py' } };
    const once = async (p: RunStartParams = params) => {
      // Armed and quiet before each run (a project's set keeps python's minSize, 1): the run is measured, not the refill.
      await quietPool(client, (sets) => sets.filter((s) => s.image.startsWith('warmbox/env-')).every((s) => s.idle >= 1), 120_000);
      const t0 = now();
      const out: Buffer[] = [];
      const h = await client.run(p, { onOutput: (_s, d) => out.push(d) });
      const r = await h.result;
      if (r.outcome !== 'exited' || !/^(\d+\.\d+|hello)/.test(Buffer.concat(out).toString())) throw new Error(`environment bench: ${r.outcome} ${Buffer.concat(out).toString().slice(0, 200)}`);
      return { ms: now() - t0, warm: r.warm };
    };
    await once(); // makes the set (and waits for its first sandbox)
    // The preloaded project's environment: the same image lists (its build comes from Docker's cache).
    const preImage = (await client.request(Methods.envBuild, { root: pre, profile: 'python' })).builds[0];
    preTag = preImage.image ?? '';
    if (preImage.status !== 'built' && preImage.status !== 'cached') throw new Error(`environment bench: preload build ${preImage.status}: ${preImage.message ?? ''}`);
    await once(preloaded);
    for (let i = 0; i < 3; i++) {
      await once();
      await once(preloaded);
    }
    // Interleaved with a print on the same set: what the import itself costs on this machine now.
    const runs: number[] = [];
    const prints: number[] = [];
    const pres: number[] = [];
    const load: number[] = [];
    for (let i = 0; i < n; i++) {
      const r = await once();
      if (r.warm) runs.push(r.ms);
      const q = await once(hello);
      if (q.warm) prints.push(q.ms);
      const w = await once(preloaded);
      if (w.warm) pres.push(w.ms);
      load.push(os.loadavg()[0]);
    }
    const size = Number(execFileSync('docker', ['image', 'inspect', '-f', '{{.Size}}', image], { encoding: 'utf8' }).trim());
    return [
      ENV_SECTION,
      '',
      `A Python project with \`{"profiles": {"python": {"apt": ["python3-numpy"]}}}\` in warmbox.json (\`${image}\`, ${Math.round(size / 1e6)} MB; ` +
        `build network ${process.env.BENCH_BUILD_NETWORK ?? 'host'}, packages from deb.debian.org). Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC.`,
      '',
      '| what | time |',
      '|---|---|',
      `| environment build, first (\`--no-cache\`: every step runs, apt downloads) | **${(cold / 1000).toFixed(1)} s** |`,
      `| environment build, unchanged (every step from Docker's layer cache) | **${(cached / 1000).toFixed(1)} s** |`,
      `| warm run of \`import numpy; print(numpy.__version__)\`, request → exit, p50 / p90 over ${runs.length} | **${fmt(pct(runs, 0.5))} ms** / ${fmt(pct(runs, 0.9))} ms |`,
      `| warm run of \`print("hello")\` on the same environment, interleaved, p50 / p90 over ${prints.length} | **${fmt(pct(prints, 0.5))} ms** / ${fmt(pct(prints, 0.9))} ms |`,
      `| warm run of the same \`import numpy\` with \`"preload": ["numpy"]\` (pre-started interpreter), interleaved, p50 / p90 over ${pres.length} | **${fmt(pct(pres, 0.5))} ms** / ${fmt(pct(pres, 0.9))} ms |`,
      '',
      `- \`import numpy\` with numpy preloaded: p50 ${fmt(pct(pres, 0.5))} ms, target ≤ 15 ms: ${pct(pres, 0.5) <= 15 ? 'met' : `missed by ${fmt(pct(pres, 0.5) - 15)} ms`}.`,
      '',
      `The machine's 1-minute load average during the runs: median ${pct(load, 0.5).toFixed(1)} on ${os.cpus().length} cores (other work shares it).`,
      '',
    ];
  } finally {
    await client.request(Methods.shutdown, {}).catch(() => undefined);
    client.close();
    await new Promise((r) => setTimeout(r, 1500));
    for (const t of new Set([image, preTag].filter(Boolean))) {
      try {
        execFileSync('docker', ['rmi', '-f', t], { stdio: 'ignore' });
      } catch {
        /* already gone */
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Puts the section into RESULTS.md in place of an earlier one (before the footprint, or at the end). */
export function replaceSection(results: string, section: string[]): string {
  const lines = results.split('\n');
  const start = lines.indexOf(ENV_SECTION);
  const text = section.join('\n');
  if (start >= 0) {
    let end = lines.findIndex((l, i) => i > start && l.startsWith('## '));
    if (end < 0) end = lines.length;
    return [...lines.slice(0, start), text, ...lines.slice(end)].join('\n');
  }
  const at = lines.indexOf('## Footprint');
  return at >= 0 ? [...lines.slice(0, at), text, ...lines.slice(at)].join('\n') : results + '\n' + text;
}
