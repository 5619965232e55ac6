// The daemon's engine: resolve where it is (resolve.ts), connect (connect.ts), ask who it is (probe.ts), and keep
// what was tried for the messages a person reads (hints.ts). The watchdog opens the same endpoint from its env.
import type Docker from 'dockerode';
import * as fs from 'fs';
import * as os from 'os';
import { dockerFor } from './connect';
import { describe, Endpoint, EndpointError, parseHost, SETTING_ENV, WATCHDOG_ENV } from './endpoint';
import { Attempt, noEngineMessage, shortReason, startHint } from './hints';
import { EngineFacts, EngineKind, probe } from './probe';
import { resolveEngine, Resolution } from './resolve';
import { closeSshMaster, SshOptions } from './sshAgent';

export { EndpointError } from './endpoint';
export type { Endpoint } from './endpoint';
export type { EngineFacts, EngineKind } from './probe';

export { SETTING_ENV, WATCHDOG_ENV } from './endpoint';

export interface Engine {
  docker: Docker;
  endpoint: Endpoint;
  /** Short "where" for messages: the socket path, or the URL. */
  where: string;
  /** Set when the engine answered at start-up. */
  facts?: EngineFacts;
  /** Every endpoint tried, in order, with why it failed (empty when the first answered). */
  attempts: Attempt[];
  /** Set when no engine answered: the message that lists what was tried. */
  error?: string;
  resolution: Resolution;
  ssh: SshOptions;
}

export interface OpenOptions {
  configHost?: string;
  env?: NodeJS.ProcessEnv;
  ssh?: SshOptions;
  probeTimeoutMs?: number;
}

const NOWHERE = '/nonexistent/warmbox/invalid-docker-host-setting.sock';

/** Resolves and probes. Never throws for an engine that is down (the pool retries); throws EndpointError for a bad setting. */
export async function openEngine(o: OpenOptions = {}): Promise<Engine> {
  const env = o.env ?? process.env;
  const ssh: SshOptions = { configFile: env.WARMBOX_SSH_CONFIG || undefined, ...o.ssh };
  let resolution: Resolution;
  try {
    resolution = resolveEngine({
    setting: env[SETTING_ENV],
    configHost: o.configHost,
    env,
    platform: process.platform,
    home: env.HOME || os.homedir(),
    readFile: (p) => {
      try {
        return fs.readFileSync(p, 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw e;
      }
    },
    exists: fs.existsSync,
    });
  } catch (e) {
    if (!(e instanceof EndpointError)) throw e;
    // A setting that names no engine (a typo, a deleted context) must not fall back to another engine: every call
    // goes to a socket that cannot exist and fails with this message until the setting is fixed.
    const endpoint: Endpoint = { host: `unix://${NOWHERE}`, source: 'invalid setting' };
    resolution = { candidates: [endpoint], chosen: true, notes: [] };
    return register({ docker: dockerFor(endpoint), endpoint, where: NOWHERE, attempts: [], resolution, ssh, error: e.message });
  }
  const attempts: Attempt[] = [];
  for (const endpoint of resolution.candidates) {
    const local = isLocal(endpoint);
    // A socket file that is not there cannot answer: say so without a connection attempt.
    if (local && !resolution.chosen && process.platform !== 'win32' && !fs.existsSync(parseHost(endpoint.host).path!)) {
      attempts.push({ endpoint, why: 'no such socket' });
      continue;
    }
    const docker = dockerFor(endpoint, ssh);
    try {
      const facts = await probe(docker, o.probeTimeoutMs ?? (local ? 3000 : 15000));
      return register({ docker, endpoint, where: describe(endpoint), facts, attempts, resolution, ssh });
    } catch (e) {
      attempts.push({ endpoint, why: shortReason(e) });
    }
  }
  // Nobody answered: keep the chosen endpoint (or the first default that exists) so the pool retries it and reports on it.
  const endpoint = attempts.find((a) => a.why !== 'no such socket')?.endpoint ?? resolution.candidates[0];
  return register({ docker: dockerFor(endpoint, ssh), endpoint, where: describe(endpoint), attempts, resolution, ssh, error: noEngineMessage(attempts, resolution.chosen) });
}

/** Releases what the connection holds beyond sockets (an ssh master connection). */
export function closeEngine(e: Engine): void {
  const h = parseHost(e.endpoint.host);
  if (h.transport === 'ssh') closeSshMaster(h, e.ssh);
}

/** The watchdog: the endpoint the daemon chose, as the daemon passed it. */
export function engineFromEnv(env: NodeJS.ProcessEnv = process.env): Docker {
  const raw = env[WATCHDOG_ENV];
  if (!raw) throw new EndpointError(`${WATCHDOG_ENV} is not set`);
  const { endpoint, ssh } = JSON.parse(raw) as { endpoint: Endpoint; ssh: SshOptions };
  return dockerFor(endpoint, ssh);
}

function isLocal(e: Endpoint): boolean {
  const t = parseHost(e.host).transport;
  return t === 'unix' || t === 'npipe';
}

const opened = new Map<string, Engine>();
function register(e: Engine): Engine {
  opened.set(e.where, e);
  return e;
}

/**
 * For classifyDockerError, when the engine at `where` is unreachable: the list of what was tried if no engine ever
 * answered this daemon, else the sentence that says how to bring this one up.
 */
export function unreachableMessage(where: string, why: string): string | undefined {
  const e = opened.get(where);
  if (!e) return undefined;
  if (!e.facts && e.error) return e.error;
  return `Docker is not reachable at ${where}${why ? ` (${why})` : ''}. ${startHint(e.endpoint, why)}`;
}

/** Docker or Podman at `where`, as far as this daemon knows (the pool notes it when a late engine answers). */
export function engineKindAt(where: string): EngineKind | undefined {
  return kinds.get(where) ?? opened.get(where)?.facts?.kind;
}
const kinds = new Map<string, EngineKind>();
export function noteEngineKind(where: string, kind: EngineKind): void {
  kinds.set(where, kind);
}

/**
 * Where a sandbox's program uid is drawn from. Rootful engines: above 2^24, beyond any host's users and subuid blocks.
 * Rootless engines map only the container ids 0..65535 (the user and a subuid block): a uid above is refused
 * ("chown: Invalid argument"), so draw from 10000..65533 there. Each still maps to a host uid of its own, so
 * per-uid kernel quotas stay per sandbox.
 */
export function uidRangeAt(where: string): { min: number; span: number } | undefined {
  return opened.get(where)?.facts?.rootless ? { min: 10_000, span: 65_534 - 10_000 } : undefined;
}

/**
 * Why sandboxes must not start on this engine at all, if so. Rootless Podman (and rootless Docker) on cgroup v1 cannot
 * set resource limits and ignores them with a warning: memory, CPU and pids limits would silently not hold.
 */
export function refusalAt(where: string): string | undefined {
  const f = opened.get(where)?.facts;
  if (!f?.rootless || f.cgroupVersion !== '1') return undefined;
  return (
    `The ${f.kind} engine at ${where} is rootless on cgroup v1, where it ignores memory, CPU and process limits: ` +
    `warmbox will not run sandboxes without them. Use cgroup v2 (boot with systemd.unified_cgroup_hierarchy=1) ` +
    `with the controllers delegated to your user, or a rootful engine (sudo systemctl start docker / podman.socket).`
  );
}

/** One line for logs and `warmbox daemon status`: "docker 20.10.24 at /var/run/docker.sock (context colima …)". */
export function engineLine(e: Engine): string {
  const what = e.facts ? `${e.facts.kind} ${e.facts.version}` : 'engine';
  return `${what} at ${e.where} (${e.endpoint.source})`;
}
