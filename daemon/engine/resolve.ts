// Which engine to use, in the Docker CLI's order (pure: files and environment come in, candidates go out).
//   the warmbox setting (extension) / config file `dockerHost`  — a host, or a context name
//   > DOCKER_HOST (+ DOCKER_TLS_VERIFY / DOCKER_TLS / DOCKER_CERT_PATH)
//   > DOCKER_CONTEXT
//   > `currentContext` in $DOCKER_CONFIG/config.json (~/.docker), read from the contexts' meta.json and TLS folders
//   > the platform's usual sockets (Docker, rootless Docker, Docker Desktop, Podman, Colima, Rancher Desktop, OrbStack)
// The first layer that is set decides, as with the Docker CLI: an engine you chose is never swapped for another one
// behind your back. Only the last layer is a list, probed in order.
import * as crypto from 'crypto';
import * as path from 'path';
import { Endpoint, EndpointError, looksLikeHost, parseHost } from './endpoint';

export interface ResolveInput {
  /** From the VS Code setting `warmbox.dockerHost` (the extension passes WARMBOX_DOCKER_HOST). */
  setting?: string;
  /** From the config file's `dockerHost`. */
  configHost?: string;
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  home: string;
  /** Reads a file, or undefined when it does not exist. Throws on other errors. */
  readFile(p: string): string | undefined;
  exists(p: string): boolean;
}

export interface Resolution {
  /** One endpoint when a layer chose it; the usual sockets, in probing order, when none did. */
  candidates: Endpoint[];
  /** True when a layer chose the engine; false for the platform's defaults. */
  chosen: boolean;
  /** Layers passed over and why, e.g. "DOCKER_CONTEXT=x is overridden by DOCKER_HOST", for the log. */
  notes: string[];
}

export function dockerConfigDir(env: NodeJS.ProcessEnv, home: string): string {
  return env.DOCKER_CONFIG ? env.DOCKER_CONFIG : path.join(home, '.docker');
}

export function resolveEngine(inp: ResolveInput): Resolution {
  const notes: string[] = [];
  const cfgDir = dockerConfigDir(inp.env, inp.home);
  const explicit: Array<[string | undefined, string]> = [
    [inp.setting, 'setting warmbox.dockerHost'],
    [inp.configHost, 'config file dockerHost'],
  ];
  // The context "default" is DOCKER_HOST when set, else the usual sockets (as for `docker --context default`).
  let defaultContext = false;
  for (const [value, source] of explicit) {
    if (!value?.trim()) continue;
    const v = value.trim();
    if (looksLikeHost(v)) return { candidates: [fromHost(v, source)], chosen: true, notes };
    const ep = fromContext(v, source, cfgDir, inp);
    if (ep) return { candidates: [ep], chosen: true, notes };
    defaultContext = true;
    break;
  }

  const dh = inp.env.DOCKER_HOST?.trim();
  if (dh) {
    if (inp.env.DOCKER_CONTEXT) notes.push(`DOCKER_CONTEXT=${inp.env.DOCKER_CONTEXT} is overridden by DOCKER_HOST`);
    return { candidates: [fromDockerHostEnv(dh, inp, cfgDir)], chosen: true, notes };
  }
  const envCtx = inp.env.DOCKER_CONTEXT?.trim();
  if (defaultContext) {
    /* the usual sockets */
  } else if (envCtx) {
    const ep = fromContext(envCtx, 'DOCKER_CONTEXT', cfgDir, inp);
    if (ep) return { candidates: [ep], chosen: true, notes };
  } else {
    const current = currentContext(cfgDir, inp);
    if (current) {
      const ep = fromContext(current, `current context in ${path.join(cfgDir, 'config.json')}`, cfgDir, inp);
      if (ep) return { candidates: [ep], chosen: true, notes };
    }
  }
  return { candidates: defaultSockets(inp), chosen: false, notes };
}

function fromHost(host: string, source: string): Endpoint {
  parseHost(host); // says what is wrong with it now, not at the first call
  return { host, source };
}

/** DOCKER_HOST with the CLI's TLS variables: DOCKER_TLS_VERIFY (any non-empty value) verifies, DOCKER_TLS encrypts only. */
function fromDockerHostEnv(host: string, inp: ResolveInput, cfgDir: string): Endpoint {
  const ep = fromHost(host, 'DOCKER_HOST');
  const verify = !!inp.env.DOCKER_TLS_VERIFY;
  const tls = verify || !!inp.env.DOCKER_TLS;
  if (tls && parseHost(host).transport === 'tcp') {
    const dir = inp.env.DOCKER_CERT_PATH || cfgDir;
    const pem = (n: string) => (inp.exists(path.join(dir, n)) ? path.join(dir, n) : undefined);
    ep.tls = { ca: pem('ca.pem'), cert: pem('cert.pem'), key: pem('key.pem'), verify };
    if (verify && !ep.tls.ca) throw new EndpointError(`DOCKER_TLS_VERIFY is set but ${path.join(dir, 'ca.pem')} does not exist (set DOCKER_CERT_PATH to the folder with ca.pem, cert.pem and key.pem)`);
  }
  return ep;
}

function currentContext(cfgDir: string, inp: ResolveInput): string | undefined {
  const file = path.join(cfgDir, 'config.json');
  const text = inp.readFile(file);
  if (text === undefined) return undefined;
  try {
    const c = JSON.parse(text) as { currentContext?: unknown };
    return typeof c.currentContext === 'string' && c.currentContext ? c.currentContext : undefined;
  } catch (e) {
    throw new EndpointError(`${file} is not valid JSON (${(e as Error).message}); fix it or run \`docker context use default\``);
  }
}

/** The folder name the Docker CLI stores a context under: the SHA-256 of its name. */
export function contextDigest(name: string): string {
  return crypto.createHash('sha256').update(name).digest('hex');
}

/** A context's docker endpoint; undefined for the built-in "default" context (the usual sockets). */
function fromContext(name: string, source: string, cfgDir: string, inp: ResolveInput): Endpoint | undefined {
  if (name === 'default') return undefined;
  const id = contextDigest(name);
  const metaFile = path.join(cfgDir, 'contexts', 'meta', id, 'meta.json');
  const text = inp.readFile(metaFile);
  if (text === undefined) {
    throw new EndpointError(`Docker context "${name}" (${source}) does not exist: no ${metaFile}. List contexts with \`docker context ls\`.`);
  }
  let meta: { Endpoints?: { docker?: { Host?: string; SkipTLSVerify?: boolean } } };
  try {
    meta = JSON.parse(text);
  } catch (e) {
    throw new EndpointError(`${metaFile} (context "${name}") is not valid JSON: ${(e as Error).message}`);
  }
  const d = meta.Endpoints?.docker;
  if (!d?.Host) throw new EndpointError(`Docker context "${name}" has no docker endpoint (${metaFile})`);
  const ep: Endpoint = { host: fromHost(d.Host, source).host, source: `context ${name} (${source})`, context: name };
  const tlsDir = path.join(cfgDir, 'contexts', 'tls', id, 'docker');
  const pem = (n: string) => (inp.exists(path.join(tlsDir, n)) ? path.join(tlsDir, n) : undefined);
  const tls = { ca: pem('ca.pem'), cert: pem('cert.pem'), key: pem('key.pem'), verify: !d.SkipTLSVerify };
  if (parseHost(d.Host).transport === 'tcp' && (tls.ca || tls.cert || tls.key || d.SkipTLSVerify)) ep.tls = tls;
  return ep;
}

/** The usual places, most common first for the platform. */
export function defaultSockets(inp: Pick<ResolveInput, 'env' | 'platform' | 'home'>): Endpoint[] {
  const { env, platform, home } = inp;
  const at = (p: string, what: string): Endpoint => ({ host: `unix://${p}`, source: `default socket (${what})` });
  if (platform === 'win32') {
    return [
      { host: 'npipe:////./pipe/docker_engine', source: 'default pipe (Docker Desktop)' },
      { host: 'npipe:////./pipe/podman-machine-default', source: 'default pipe (Podman machine)' },
    ];
  }
  const xdg = env.XDG_RUNTIME_DIR;
  const list: Endpoint[] = [];
  if (platform === 'darwin') {
    list.push(at(path.join(home, '.docker/run/docker.sock'), 'Docker Desktop'), at('/var/run/docker.sock', 'Docker'));
  } else {
    list.push(at('/var/run/docker.sock', 'Docker'));
    if (xdg) list.push(at(path.join(xdg, 'docker.sock'), 'rootless Docker'));
    list.push(at(path.join(home, '.docker/run/docker.sock'), 'Docker Desktop'), at(path.join(home, '.docker/desktop/docker.sock'), 'Docker Desktop'));
  }
  if (xdg) list.push(at(path.join(xdg, 'podman/podman.sock'), 'Podman, rootless'));
  if (platform === 'linux') list.push(at('/run/podman/podman.sock', 'Podman'));
  list.push(
    at(path.join(home, '.colima/default/docker.sock'), 'Colima'),
    at(path.join(home, '.colima/docker.sock'), 'Colima'),
    at(path.join(home, '.rd/docker.sock'), 'Rancher Desktop'),
    at(path.join(home, '.orbstack/run/docker.sock'), 'OrbStack'),
  );
  return list;
}
