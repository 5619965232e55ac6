// Starts real warmboxd processes (dist/daemon.js) in private runtime folders, each with its own config.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DaemonClient } from '../../daemon/client';
import { Methods, PoolStats, RunResult, RunStartParams } from '../../daemon/protocol';
import { runtimePaths } from '../../daemon/socketPath';

export const ROOT = path.resolve(__dirname, '../../..');
export const DAEMON = path.join(ROOT, 'dist/daemon.js');
export const CLI = path.join(ROOT, 'dist/cli.js');

export interface TestDaemon {
  dir: string;
  env: NodeJS.ProcessEnv;
  scope: string;
  client: DaemonClient;
  connect(name?: string): Promise<DaemonClient>;
  stop(): Promise<void>;
}

const started: TestDaemon[] = [];
const scopesSeen = new Set<string>();

/** Stops every daemon a test started and did not stop (a failed test must not leak a daemon or its containers). */
export async function stopAllDaemons(): Promise<string[]> {
  const leaked: string[] = [];
  for (const td of started.splice(0)) {
    const sock = runtimePaths(td.env).socket;
    if (fs.existsSync(sock)) {
      try {
        const c = await DaemonClient.connect({ client: 'cleanup', env: td.env, spawn: false });
        td.client = c;
        await td.stop();
      } catch {
        /* already gone */
      }
    }
    leaked.push(...engineContainers(td.scope));
    scopesSeen.add(td.scope);
    logProblems.push(...crashLines(runtimePaths(td.env).log));
    fs.rmSync(td.dir, { recursive: true, force: true });
  }
  return leaked;
}

/** Lines of the test daemons' logs that say the daemon failed to handle an error (with a stack: never expected). */
export const logProblems: string[] = [];

function crashLines(log: string): string[] {
  const text = fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : '';
  return text.split('\n').filter((l) => /unhandled rejection|uncaught exception/i.test(l)).map((l) => `${log}: ${l}`);
}

/** Managed containers of any scope a test used, looked up again. */
stopAllDaemons.recheck = async (): Promise<string[]> => [...scopesSeen].flatMap((s) => engineContainers(s));

export async function startDaemon(config: object = {}, extraEnv: NodeJS.ProcessEnv = {}): Promise<TestDaemon> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wbtest-'));
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
  const env: NodeJS.ProcessEnv = { ...process.env, WARMBOX_RUNTIME_DIR: path.join(dir, 'rt'), WARMBOX_CONFIG: path.join(dir, 'config.json'), ...extraEnv };
  const connect = (name = 'test') => DaemonClient.connect({ client: name, env, daemonPath: DAEMON });
  const client = await connect();
  const scope = runtimePaths(env).scope;
  const td: TestDaemon = {
    dir,
    env,
    scope,
    client,
    connect,
    stop: async () => {
      const client = td.client;
      const closed = new Promise<void>((r) => (client.isClosed ? r() : client.once('close', () => r())));
      await client.request(Methods.shutdown, { reason: 'test over' }).catch(() => undefined);
      await Promise.race([closed, sleep(15_000)]);
      await waitUntil(() => !fs.existsSync(runtimePaths(env).socket), 5000);
    },
  };
  started.push(td);
  return td;
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls until `cond` gives something truthy; returns that value, or the last falsy one at the deadline. */
export async function waitUntil<T>(cond: () => T | Promise<T>, timeoutMs: number, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await cond();
    if (v) return v;
    await sleep(everyMs);
  }
  return cond();
}

export interface Collected {
  result: RunResult;
  stdout: Buffer;
  stderr: Buffer;
}

/** Runs a program to its end and collects both streams byte-exact. */
export async function runToEnd(client: DaemonClient, params: RunStartParams, during?: (h: Awaited<ReturnType<DaemonClient['run']>>) => Promise<void> | void): Promise<Collected> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const h = await client.run(params, { onOutput: (s, d) => (s === 'stdout' ? out : err).push(d) });
  if (during) await during(h);
  const result = await h.result;
  return { result, stdout: Buffer.concat(out), stderr: Buffer.concat(err) };
}

/** Managed containers of one daemon scope on the engine, by `docker ps`, not by asking the daemon. */
export function engineContainers(scope: string): string[] {
  const out = execFileSync('docker', ['ps', '-aq', '--no-trunc', '--filter', `label=dev.warmbox.scope=${scope}`], { encoding: 'utf8' });
  return out.split('\n').filter(Boolean);
}

export async function stats(client: DaemonClient): Promise<PoolStats> {
  return client.request(Methods.poolStats);
}

export function profileStats(s: PoolStats, name: string) {
  const p = s.profiles.find((x) => x.profile === name);
  if (!p) throw new Error(`no stats for ${name}`);
  return p;
}
