// What an engine address is, once resolved: where it came from, and the TLS material it needs.
// Plain data (no dockerode): the watchdog gets the very same endpoint through its environment.

/** The environment variable that carries the VS Code setting `warmbox.dockerHost` to the daemon it spawns. */
export const SETTING_ENV = 'WARMBOX_DOCKER_HOST';
/** The watchdog's copy of the endpoint the daemon chose (JSON). */
export const WATCHDOG_ENV = 'WARMBOX_WATCH_ENGINE';

export type Transport = 'unix' | 'npipe' | 'tcp' | 'ssh';

export interface TlsFiles {
  /** Paths to PEM files; any may be absent (e.g. a CA-only setup). */
  ca?: string;
  cert?: string;
  key?: string;
  /** Verify the engine's certificate against `ca` (DOCKER_TLS_VERIFY, or a context without SkipTLSVerify). */
  verify: boolean;
}

export interface Endpoint {
  /** As a person writes it: unix:///var/run/docker.sock, tcp://h:2376, ssh://user@host, npipe:////./pipe/docker_engine. */
  host: string;
  /** Which layer chose it, for the log and for `warmbox daemon status` ("DOCKER_HOST", "context colima", …). */
  source: string;
  /** The Docker context it came from, when it came from one. */
  context?: string;
  tls?: TlsFiles;
}

export interface ParsedHost {
  transport: Transport;
  /** unix/npipe: the socket path. */
  path?: string;
  hostname?: string;
  port?: number;
  user?: string;
}

export class EndpointError extends Error {}

/** Parses a Docker host string the way the Docker CLI accepts it; throws EndpointError with what is wrong. */
export function parseHost(host: string): ParsedHost {
  const h = host.trim();
  if (h.startsWith('unix://')) {
    const p = h.slice('unix://'.length);
    if (!p) throw new EndpointError(`${host}: a unix:// host needs a socket path (unix:///var/run/docker.sock)`);
    return { transport: 'unix', path: p };
  }
  if (h.startsWith('npipe://')) {
    // npipe:////./pipe/docker_engine → //./pipe/docker_engine
    const p = h.slice('npipe://'.length).replace(/^\/\/\/\//, '//').replace(/\\/g, '/');
    return { transport: 'npipe', path: p || '//./pipe/docker_engine' };
  }
  let url: URL;
  try {
    url = new URL(/^[a-z]+:\/\//.test(h) ? h : `tcp://${h}`);
  } catch {
    throw new EndpointError(`${host} is not a Docker host (examples: unix:///var/run/docker.sock, tcp://127.0.0.1:2376, ssh://user@host)`);
  }
  const scheme = url.protocol.replace(/:$/, '');
  if (scheme === 'tcp' || scheme === 'http' || scheme === 'https') {
    if (!url.hostname) throw new EndpointError(`${host}: a tcp:// host needs a host name`);
    return { transport: 'tcp', hostname: url.hostname.replace(/^\[|\]$/g, ''), port: url.port ? Number(url.port) : undefined };
  }
  if (scheme === 'ssh') {
    if (!url.hostname) throw new EndpointError(`${host}: an ssh:// host needs a host name (ssh://user@host)`);
    return { transport: 'ssh', hostname: url.hostname, port: url.port ? Number(url.port) : undefined, user: url.username ? decodeURIComponent(url.username) : undefined };
  }
  throw new EndpointError(`${host}: unsupported scheme ${scheme}:// (use unix://, npipe://, tcp:// or ssh://)`);
}

/** A host string is a URL-like address; anything else in the setting is taken as a context name. */
export function looksLikeHost(s: string): boolean {
  return /^[a-z]+:\/\//i.test(s.trim());
}

/** Short, readable "where": the socket path for local sockets (as users know them), the URL otherwise. */
export function describe(e: Endpoint): string {
  try {
    const p = parseHost(e.host);
    if (p.transport === 'unix' || p.transport === 'npipe') return p.path!;
  } catch {
    /* fall through */
  }
  return e.host;
}
