// Project runs: a run inside a copy of its project against the same program run alone, interleaved round by round.
// The copy is made while a sandbox warms; a run pays only for what changed since (issue: within 5 ms of a
// single-file run at p50).
import * as fs from 'fs';
import * as path from 'path';
import type { DaemonClient } from '../daemon/client';
import { RunStartParams } from '../daemon/protocol';
import { quietPool } from './quiet';
import { now } from './stats';

export interface ProjectBenchRow {
  name: string;
  exit: number[];
}

function makeProject(dir: string, files: number, bytes: number): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'warmbox.json'), '{}');
  const per = Math.floor(bytes / files);
  for (let i = 0; i < files - 1; i++) {
    const sub = path.join(dir, `pkg${i % 20}`);
    fs.mkdirSync(sub, { recursive: true });
    fs.writeFileSync(path.join(sub, `m${i}.py`), `# module ${i}\nV = ${i}\n` + '#'.repeat(Math.max(0, per - 20)) + '\n');
  }
  fs.writeFileSync(path.join(dir, 'main.py'), 'print("hello")\n');
}


async function once(client: DaemonClient, params: RunStartParams): Promise<number> {
  const t0 = now();
  const out: Buffer[] = [];
  const h = await client.run(params, { onOutput: (_s, d) => out.push(d) });
  const r = await h.result;
  if (r.outcome !== 'exited' || Buffer.concat(out).toString() !== 'hello\n') throw new Error(`project bench: ${r.outcome} ${r.message ?? ''} ${Buffer.concat(out).toString().slice(0, 200)}`);
  return now() - t0;
}

/** Every Python set this bench uses (single file, two projects) has an armed sandbox, and the pool is quiet. */
const armed = (client: DaemonClient, sets: number) =>
  quietPool(client, (all) => {
    const python = all.filter((p) => p.profile.startsWith('python') && p.isolation === 'fresh');
    return python.length >= sets && python.every((p) => p.idle >= 1);
  });

export async function benchProjects(client: DaemonClient, dir: string, n: number, warmup: number): Promise<ProjectBenchRow[]> {
  const small = path.join(dir, 'proj-10');
  const big = path.join(dir, 'proj-1000');
  makeProject(small, 10, 10 * 1024);
  makeProject(big, 1000, 20 * 1024 * 1024);
  const code = 'print("hello")\n';
  const single: RunStartParams = { profile: 'python', code, fileName: 'main.py', isolation: 'fresh' };
  const inProject = (root: string): RunStartParams => ({ ...single, project: { root, file: 'main.py' } });
  const rows: ProjectBenchRow[] = [
    { name: 'single file (no project)', exit: [] },
    { name: 'project of 10 files', exit: [] },
    { name: 'project of 1,000 files / 20 MB', exit: [] },
    { name: 'same, first run after editing one of its files', exit: [] },
  ];
  // First runs make the projects' sets; they arm in the background from then on.
  await once(client, inProject(small));
  await once(client, inProject(big));
  for (let i = 0; i < warmup + n; i++) {
    const t: number[] = [];
    for (const params of [single, inProject(small), inProject(big)]) {
      await armed(client, 3);
      t.push(await once(client, params));
    }
    await armed(client, 3);
    fs.appendFileSync(path.join(big, `pkg${i % 20}`, `m${i % 999}.py`), `# edit ${i}\n`);
    t.push(await once(client, inProject(big)));
    if (i >= warmup) t.forEach((ms, k) => rows[k].exit.push(ms));
  }
  return rows;
}
