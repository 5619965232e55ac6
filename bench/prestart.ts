// Pre-started interpreters and the CLI, like for like: warmbox's protocol against the Docker Engine API called from
// the same process (exec on a running container; create+start+wait+remove), and `warmbox run` processes against
// docker CLI processes. BENCH_ONLY=prestart npm run bench prints just this section.
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DaemonClient } from '../daemon/client';
import { dockerFor } from '../daemon/engine/connect';
import { Methods, RunStartParams } from '../daemon/protocol';
import { IMAGE_VERSION } from '../daemon/profiles';
import { busyShare, cpuTimes, noneLeftBehind, quietPool, settledCpu } from './quiet';
import { fmt, now, pct } from './stats';

const ROOT = path.resolve(__dirname, '../..');
const DAEMON = path.join(ROOT, 'dist/daemon.js');
const CLI = path.join(ROOT, 'dist/cli.js');
const PY = `warmbox/python:${IMAGE_VERSION}`;
const NODE = `warmbox/node:${IMAGE_VERSION}`;
const HARDENING = ['--network', 'none', '--read-only', '--tmpfs', '/tmp', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges', '--user', '10001:10001', '--pids-limit', '128', '--memory', '256m'];

interface Prog {
  name: string;
  image: string;
  file: string;
  code: string;
  /** Profiles: pre-started, plain, and (optional) pre-started with the program's imports preloaded. */
  pre: string;
  plain: string;
  preloaded?: string;
  out: string;
}

const PY_IMPORTS = 'import json, re, collections\nprint("hello")\n';
const PROGS: Prog[] = [
  { name: 'Python print', image: PY, file: 'p.py', code: 'print("hello")\n', pre: 'python', plain: 'pyplain', out: 'hello\n' },
  { name: 'Node console.log', image: NODE, file: 'n.js', code: 'console.log("hello")\n', pre: 'node', plain: 'nodeplain', out: 'hello\n' },
  { name: 'Python import json, re, collections', image: PY, file: 'i.py', code: PY_IMPORTS, pre: 'python', plain: 'pyplain', preloaded: 'pypreload', out: 'hello\n' },
];


function timeProcess(cmd: string, args: string[], expect: string, env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = now();
    const out: Buffer[] = [];
    let err = '';
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    p.stdout.on('data', (d: Buffer) => out.push(d));
    p.stderr.on('data', (d) => (err += d));
    p.on('close', (code) => {
      const t = now() - t0;
      if (code !== 0 || Buffer.concat(out).toString() !== expect) reject(new Error(`${cmd} ${args.join(' ').slice(0, 80)}: exit ${code} ${err.slice(0, 200)}`));
      else resolve(t);
    });
  });
}

async function timeRun(client: DaemonClient, profile: string, p: Prog, isolation: 'fresh' | 'reuse'): Promise<number> {
  const t0 = now();
  const out: Buffer[] = [];
  const params: RunStartParams = { profile, code: p.code, fileName: p.file, isolation };
  const h = await client.run(params, { onOutput: (_s, d) => out.push(d) });
  const r = await h.result;
  const t = now() - t0;
  if (r.outcome !== 'exited' || r.exitCode !== 0 || Buffer.concat(out).toString() !== p.out) throw new Error(`warmbox ${profile} ${p.name}: ${r.outcome} ${r.message ?? ''}`);
  return t;
}

type Docker = ReturnType<typeof dockerFor>;

/** Stdout of the engine's multiplexed stream: 8-byte frame headers (stream, size) before each chunk. */
function stdoutOf(raw: Buffer): string {
  let text = '';
  for (let i = 0; i + 8 <= raw.length; ) {
    const n = raw.readUInt32BE(i + 4);
    if (raw[i] === 1) text += raw.subarray(i + 8, i + 8 + n).toString();
    i += 8 + n;
  }
  return text;
}

/** Exec on a running container through the Engine API: create, start (attached), read to the end, inspect. */
async function timeApiExec(docker: Docker, id: string, argv: string[], expect: string): Promise<number> {
  const t0 = now();
  const exec = await docker.getContainer(id).exec({ Cmd: argv, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    stream.on('data', (d: Buffer) => chunks.push(d));
    stream.on('end', () => resolve());
    stream.on('error', reject);
  });
  const info = await exec.inspect();
  const t = now() - t0;
  const text = stdoutOf(Buffer.concat(chunks));
  if (info.ExitCode !== 0 || text !== expect) throw new Error(`API exec: exit ${info.ExitCode} output ${JSON.stringify(text.slice(0, 80))}`);
  return t;
}

/** A container per run through the Engine API: create, attach, start, wait, remove. */
async function timeApiRun(docker: Docker, image: string, argv: string[], expect: string): Promise<number> {
  const t0 = now();
  const c = await docker.createContainer({
    Image: image,
    Cmd: argv,
    User: '10001:10001',
    AttachStdout: true,
    HostConfig: { NetworkMode: 'none', ReadonlyRootfs: true, Tmpfs: { '/tmp': '' }, CapDrop: ['ALL'], SecurityOpt: ['no-new-privileges'], PidsLimit: 128, Memory: 256 * 1024 * 1024 },
  });
  const stream = await c.attach({ stream: true, stdout: true, stderr: true });
  const chunks: Buffer[] = [];
  stream.on('data', (d: Buffer) => chunks.push(d));
  const ended = new Promise<void>((r) => stream.on('end', () => r()));
  await c.start();
  const w = (await c.wait()) as { StatusCode: number };
  await ended;
  await c.remove();
  const t = now() - t0;
  const text = stdoutOf(Buffer.concat(chunks));
  if (w.StatusCode !== 0 || text !== expect) throw new Error(`API run: exit ${w.StatusCode} output ${JSON.stringify(text.slice(0, 80))}`);
  return t;
}

const PY_ENV = { PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1' };

/** The section's markdown lines, from one measured run of n samples per variant (interleaved). */
export async function prestartSection(n: number, warmup = 3): Promise<string[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wbbench-pre-'));
  const cfg = path.join(dir, 'config.json');
  const plain = { minSize: 2, maxSize: 4, maxUses: 10_000 };
  fs.writeFileSync(
    cfg,
    JSON.stringify({
      queueTimeoutMs: 60_000,
      profiles: {
        python: plain,
        node: plain,
        shell: { minSize: 0 },
        pyplain: { ...plain, image: PY, command: ['python3', '{file}'], fileName: 'main.py', health: ['python3', '-c', 'print("HEALTH_OK")'], env: PY_ENV },
        nodeplain: { ...plain, image: NODE, command: ['node', '{file}'], fileName: 'main.js', health: ['node', '-e', 'console.log("HEALTH_OK")'] },
        pypreload: { ...plain, image: PY, command: ['python3', '{file}'], fileName: 'main.py', health: ['python3', '-c', 'print("HEALTH_OK")'], env: PY_ENV, prestart: true, preload: ['json', 're', 'collections'] },
      },
    }),
  );
  const env = { ...process.env, WARMBOX_RUNTIME_DIR: path.join(dir, 'rt'), WARMBOX_CONFIG: cfg };
  const client = await DaemonClient.connect({ client: 'bench', env, daemonPath: DAEMON });
  const docker = dockerFor({ host: process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock', source: 'bench' });
  const helpers: Record<string, string> = {};
  const lines: string[] = [];
  try {
    for (const img of [PY, NODE]) {
      const c = await docker.createContainer({ Image: img, Cmd: ['sleep', '3600'], User: '10001:10001', HostConfig: { AutoRemove: true, NetworkMode: 'none', ReadonlyRootfs: true, CapDrop: ['ALL'] } });
      await c.start();
      helpers[img] = c.id;
    }
    for (let i = 0; i < 300; i++) {
      const s = await client.request(Methods.poolStats);
      if (s.profiles.every((p) => p.profile.includes(':') || p.idle >= Math.min(p.minSize, 2))) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    // (the rows are the runs', not the aftermath of an earlier section's: the machine settles first)
    const before = await settledCpu();
    const t0 = cpuTimes();
    const rows: { prog: string; variant: string; ms: number[] }[] = [];
    const measure = async (prog: string, variants: Record<string, () => Promise<number>>) => {
      const r: Record<string, number[]> = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
      for (let i = 0; i < warmup + n; i++) {
        for (const [k, f] of Object.entries(variants)) {
          // Every sample, warmbox's and Docker's alike, starts on an armed, quiet pool (bench/quiet.ts).
          await quietPool(client, (sets) => sets.every((p) => p.minSize === 0 || p.idle >= 1));
          const t = await f();
          if (i >= warmup) r[k].push(t);
        }
      }
      for (const [k, ms] of Object.entries(r)) rows.push({ prog, variant: k, ms });
    };
    for (const p of PROGS) {
      process.stdout.write(`[bench] prestart: ${p.name}\n`);
      const argv = p.image === PY ? ['python3', '-c', p.code] : ['node', '-e', p.code];
      await measure(p.name, {
        'warmbox fresh, pre-started (protocol)': () => timeRun(client, p.pre, p, 'fresh'),
        ...(p.preloaded ? { 'warmbox fresh, pre-started, imports preloaded (protocol)': () => timeRun(client, p.preloaded as string, p, 'fresh') } : {}),
        'warmbox reuse, pre-started (protocol)': () => timeRun(client, p.pre, p, 'reuse'),
        'warmbox fresh, plain start (protocol)': () => timeRun(client, p.plain, p, 'fresh'),
        'Engine API exec, running container (dockerode)': () => timeApiExec(docker, helpers[p.image], argv, p.out),
        ...(p === PROGS[0] ? { 'Engine API create+start+wait+remove (dockerode)': () => timeApiRun(docker, p.image, argv, p.out) } : {}),
      });
    }
    // CLI processes, as a terminal user starts them: warmbox through its launcher, the environment as it is.
    process.stdout.write('[bench] prestart: CLI\n');
    const pyFile = path.join(dir, 'p.py');
    fs.writeFileSync(pyFile, PROGS[0].code);
    const noCa = { ...process.env };
    delete noCa.NODE_EXTRA_CA_CERTS;
    await measure('CLI processes, Python print', {
      'warmbox run (CLI)': () => timeProcess(CLI, ['run', '--no-stdin', '--no-project', pyFile], 'hello\n', env),
      'docker exec (CLI, running container)': () => timeProcess('docker', ['exec', helpers[PY], 'python3', '-c', PROGS[0].code], 'hello\n', process.env),
      'docker run --rm (CLI)': () => timeProcess('docker', ['run', '--rm', ...HARDENING, PY, 'python3', '-c', PROGS[0].code], 'hello\n', process.env),
      'floor: node -e 0 (no NODE_EXTRA_CA_CERTS)': () => timeProcess(process.execPath, ['-e', 'process.stdout.write("hello\\n")'], 'hello\n', noCa),
    });

    const p50 = (prog: string, variant: string) => pct(rows.find((r) => r.prog === prog && r.variant === variant)?.ms ?? [NaN], 0.5);
    lines.push('## Pre-started interpreters and the CLI (request → exit status, ms)', '');
    lines.push(`${n} samples per variant after ${warmup} warm-up, interleaved. Protocol rows are compared with the Engine API called from the same process; CLI rows with docker CLI processes.`, '');
    lines.push('| program | variant | p50 | p90 | p99 |', '|---|---|---|---|---|');
    for (const r of rows) lines.push(`| ${r.prog} | ${r.variant} | **${fmt(pct(r.ms, 0.5))}** | ${fmt(pct(r.ms, 0.9))} | ${fmt(pct(r.ms, 0.99))} |`);
    lines.push('');
    const target = (what: string, v: number, t: number) => `- ${what}: p50 ${fmt(v)} ms, target ≤ ${t} ms: ${v <= t ? 'met' : `missed by ${fmt(v - t)} ms`}.`;
    lines.push(target('Python print, pre-started (fresh)', p50('Python print', 'warmbox fresh, pre-started (protocol)'), 5));
    lines.push(target('Node console.log, pre-started (fresh)', p50('Node console.log', 'warmbox fresh, pre-started (protocol)'), 10));
    const cli = p50('CLI processes, Python print', 'warmbox run (CLI)');
    const ex = p50('CLI processes, Python print', 'docker exec (CLI, running container)');
    const dr = p50('CLI processes, Python print', 'docker run --rm (CLI)');
    const floor = p50('CLI processes, Python print', 'floor: node -e 0 (no NODE_EXTRA_CA_CERTS)');
    lines.push(`- \`warmbox run\` vs \`docker exec\` (CLI): ${(ex / cli).toFixed(2)}× faster (target ≥ 1.5×: ${ex / cli >= 1.5 ? 'met' : 'missed'}); vs \`docker run --rm\`: ${(dr / cli).toFixed(2)}× (target ≥ 5×: ${dr / cli >= 5 ? 'met' : 'missed'}).`);
    lines.push(`- Node's own start-up (\`node -e\`, no CA bundle) is ${fmt(floor)} ms of the CLI's ${fmt(cli)} ms.`);
    const pc = (x: number) => `${Math.round(x * 100)}%`;
    lines.push(`- Machine: ${os.cpus().length} cores, ${pc(before)} busy when the section began (it waits for at most 25%), ${pc(busyShare(t0, cpuTimes()))} busy during it (the runs, the pool's arming and the engine); 1-minute load average at its end ${os.loadavg()[0].toFixed(1)}.`, '');
    return lines;
  } finally {
    await client.request(Methods.shutdown, {}).catch(() => undefined);
    client.close();
    for (const id of Object.values(helpers)) await docker.getContainer(id).remove({ force: true }).catch(() => undefined);
    // The daemon removes its containers on shutdown: none may be left.
    await noneLeftBehind([env]);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
