// Checks of what clients send: a bad request gets an InvalidParams error naming the field, and nothing else happens.
import { JSONRPCErrorException } from 'json-rpc-2.0';
import { LIMIT_RANGES, RUN_LIMITS } from './config';
import * as path from 'path';
import { ENV_NAME } from './armScript';
import { EnvBuildParams, EnvCancelParams, EnvPruneParams, EnvRemoveParams, ErrorCodes, IsolationMode, MAX_CODE_BYTES, OutputRequest, OutputStreams, RunProject, RunStartParams, RunStdinParams, ConfigOverrides, SandboxSettings, ProfileResolveParams, PoolWantParams, ProjectWish } from './protocol';

export { MAX_CODE_BYTES };

export function invalid(message: string): JSONRPCErrorException {
  return new JSONRPCErrorException(message, ErrorCodes.InvalidParams);
}

function object(v: unknown, what = 'params'): Record<string, unknown> {
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw invalid(`${what} must be an object`);
  return v as Record<string, unknown>;
}

function optString(o: Record<string, unknown>, k: string, max = 1024): string | undefined {
  const v = o[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw invalid(`${k} must be a string`);
  if (v.length > max) throw invalid(`${k} is longer than ${max} characters`);
  return v;
}

function optNumber(o: Record<string, unknown>, k: string, min: number, max: number, where = ''): number | undefined {
  const v = o[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) throw invalid(`${where}${k} must be a number from ${min} to ${max}`);
  return v;
}

function optBool(o: Record<string, unknown>, k: string, where = ''): boolean | undefined {
  const v = o[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw invalid(`${where}${k} must be true or false`);
  return v;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function optBase64(o: Record<string, unknown>, k: string, max: number): string | undefined {
  const v = optString(o, k, Math.ceil((max * 4) / 3) + 4);
  if (v !== undefined && !BASE64.test(v)) throw invalid(`${k} must be base64`);
  return v;
}

function optIsolation(o: Record<string, unknown>, k: string, where = ''): IsolationMode | undefined {
  const v = o[k];
  if (v === undefined || v === null) return undefined;
  if (v !== 'fresh' && v !== 'reuse') throw invalid(`${where}${k} must be "fresh" or "reuse"`);
  return v;
}

function optStreams(o: Record<string, unknown>, k: string): OutputStreams | undefined {
  const v = o[k];
  if (v === undefined || v === null) return undefined;
  if (v !== 'separate' && v !== 'merged') throw invalid(`${k} must be "separate" or "merged"`);
  return v;
}

const SETTINGS_KEYS = new Set(['isolation', 'network', ...RUN_LIMITS]);

/** A run's sandbox settings, with the config file's ranges; an unknown field is named rather than ignored. */
function optSettings(o: Record<string, unknown>, k: string): SandboxSettings | undefined {
  if (o[k] === undefined || o[k] === null) return undefined;
  const s = object(o[k], k);
  const unknown = Object.keys(s).find((x) => !SETTINGS_KEYS.has(x));
  if (unknown) throw invalid(`${k}.${unknown} is not a sandbox setting (known: ${[...SETTINGS_KEYS].join(', ')})`);
  const out: SandboxSettings = { isolation: optIsolation(s, 'isolation', `${k}.`), network: optBool(s, 'network', `${k}.`) };
  for (const l of RUN_LIMITS) out[l] = optNumber(s, l, LIMIT_RANGES[l][0], LIMIT_RANGES[l][1], `${k}.`);
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined));
}

export function runStartParams(raw: unknown): RunStartParams {
  const o = object(raw);
  const profile = optString(o, 'profile', 64);
  if (!profile && !o.fileName) throw invalid('profile is required (e.g. "python"), or a fileName to choose it by');
  const code = o.code;
  if (typeof code !== 'string') throw invalid('code must be a string (the program text)');
  if (Buffer.byteLength(code) > MAX_CODE_BYTES) throw invalid(`code is larger than ${MAX_CODE_BYTES / 1024 / 1024} MiB`);
  let args: string[] | undefined;
  if (o.args !== undefined && o.args !== null) {
    if (!Array.isArray(o.args) || o.args.length > 256 || o.args.some((a) => typeof a !== 'string' || a.includes('\0') || a.length > 4096)) {
      throw invalid('args must be an array of at most 256 strings without NUL characters');
    }
    args = o.args as string[];
  }
  const runId = optString(o, 'runId', 64);
  if (runId !== undefined && !/^[A-Za-z0-9_-]{1,64}$/.test(runId)) throw invalid('runId must be 1-64 letters, digits, - or _');
  return {
    runId,
    profile,
    code,
    fileName: optString(o, 'fileName', 255),
    args,
    stdin: optBase64(o, 'stdin', MAX_CODE_BYTES),
    stdinOpen: optBool(o, 'stdinOpen'),
    timeoutMs: optNumber(o, 'timeoutMs', ...LIMIT_RANGES.timeoutMs),
    isolation: optIsolation(o, 'isolation'),
    settings: optSettings(o, 'settings'),
    workspaceSettings: optSettings(o, 'workspaceSettings'),
    project: optProject(o, 'project'),
    env: optEnv(o, 'env'),
    outputs: optOutputs(o, 'outputs'),
    streams: optStreams(o, 'streams'),
    whileBuilding: optWhileBuilding(o),
  };
}

function optWhileBuilding(o: Record<string, unknown>): 'wait' | 'base' | undefined {
  const v = o.whileBuilding;
  if (v === undefined || v === null) return undefined;
  if (v !== 'wait' && v !== 'base') throw invalid('whileBuilding must be "wait" or "base"');
  return v;
}

// ---- environments ----

function absRoot(o: Record<string, unknown>): string {
  const root = optString(o, 'root', 4096);
  if (!root || !path.isAbsolute(root)) throw invalid('root must be an absolute folder');
  return path.resolve(root);
}

export function envBuildParams(raw: unknown): EnvBuildParams {
  const o = object(raw);
  return { root: absRoot(o), profile: optString(o, 'profile', 64), noCache: optBool(o, 'noCache') };
}

export function envCancelParams(raw: unknown): EnvCancelParams {
  const o = object(raw);
  const profile = optString(o, 'profile', 64);
  if (!profile) throw invalid('profile is required');
  const image = optString(o, 'image', 300);
  if (image) return { root: '', profile, image };
  return { root: absRoot(o), profile };
}

export function envRemoveParams(raw: unknown): EnvRemoveParams {
  const image = optString(object(raw), 'image', 300);
  if (!image || !/^(warmbox\/env-[a-z0-9-]+(:latest)?|sha256:[0-9a-f]{64})$/.test(image)) throw invalid('image must be an environment image (warmbox/env-…), see env/list');
  return { image };
}

export function envPruneParams(raw: unknown): EnvPruneParams {
  const o = object(raw ?? {});
  const project = optString(o, 'project', 4096);
  if (project !== undefined && !path.isAbsolute(project)) throw invalid('project must be an absolute folder');
  return { keep: optNumber(o, 'keep', 0, 1000), project };
}

function optStrings(o: Record<string, unknown>, k: string, maxItems: number): string[] | undefined {
  const v = o[k];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.length > maxItems || v.some((x) => typeof x !== 'string' || !x || x.length > 1024)) {
    throw invalid(`${k} must be an array of at most ${maxItems} non-empty strings`);
  }
  return v as string[];
}

/** A path inside the project: relative, no `..`, posix separators, no newline (PID 1 reads paths by line). */
function projectPath(v: string, what: string): string {
  const norm = path.posix.normalize(v.replace(/\\/g, '/'));
  if (!v || path.posix.isAbsolute(norm) || norm === '.' || norm.startsWith('../') || norm === '..' || /[\n\0]/.test(v)) {
    throw invalid(`${what} must be a path inside the project root (got ${JSON.stringify(v.slice(0, 200))})`);
  }
  return norm;
}

function optProject(o: Record<string, unknown>, k: string): RunProject | undefined {
  if (o[k] === undefined || o[k] === null) return undefined;
  const p = object(o[k], k);
  const root = optString(p, 'root', 4096);
  if (!root || !path.isAbsolute(root)) throw invalid(`${k}.root must be an absolute folder`);
  const file = projectPath(optString(p, 'file', 4096) ?? '', `${k}.file`);
  const cwd = p.cwd;
  if (cwd !== undefined && cwd !== 'file' && cwd !== 'root') throw invalid(`${k}.cwd must be "file" or "root"`);
  let overlays: Record<string, string> | undefined;
  if (p.overlays !== undefined && p.overlays !== null) {
    const ov = object(p.overlays, `${k}.overlays`);
    overlays = {};
    let bytes = 0;
    for (const [rel, text] of Object.entries(ov)) {
      if (typeof text !== 'string') throw invalid(`${k}.overlays["${rel}"] must be the file's text`);
      bytes += Buffer.byteLength(text);
      overlays[projectPath(rel, `${k}.overlays key`)] = text;
    }
    if (bytes > MAX_CODE_BYTES) throw invalid(`${k}.overlays are larger than ${MAX_CODE_BYTES / 1024 / 1024} MiB`);
  }
  return {
    root: path.resolve(root),
    file,
    cwd: cwd as RunProject['cwd'],
    overlays,
    exclude: optStrings(p, 'exclude', 256),
    maxBytes: optNumber(p, 'maxBytes', 1024, 4 * 1024 * 1024 * 1024, `${k}.`),
    maxFiles: optNumber(p, 'maxFiles', 1, 1_000_000, `${k}.`),
  };
}

function optEnv(o: Record<string, unknown>, k: string): Record<string, string> | undefined {
  if (o[k] === undefined || o[k] === null) return undefined;
  const e = object(o[k], k);
  for (const [name, v] of Object.entries(e)) {
    if (!ENV_NAME.test(name)) throw invalid(`${k}: "${name.slice(0, 100)}" is not a variable name (letters, digits and _, not starting with a digit)`);
    if (typeof v !== 'string' || v.includes('\0') || v.length > 65536) throw invalid(`${k}.${name} must be a string without NUL characters`);
  }
  if (Object.keys(e).length > 256) throw invalid(`${k} has more than 256 variables`);
  return e as Record<string, string>;
}

function optOutputs(o: Record<string, unknown>, k: string): OutputRequest | undefined {
  const v = o[k];
  if (v === undefined || v === null || v === false) return undefined;
  if (v === true) return {};
  const r = object(v, k);
  return { maxBytes: optNumber(r, 'maxBytes', 0, 1 << 30, `${k}.`), maxFiles: optNumber(r, 'maxFiles', 0, 100_000, `${k}.`) };
}

export function runStdinParams(raw: unknown): RunStdinParams {
  const o = object(raw);
  const runId = optString(o, 'runId', 64);
  if (!runId) throw invalid('runId is required');
  return { runId, data: optBase64(o, 'data', 4 * 1024 * 1024), eof: optBool(o, 'eof') };
}

export function runIdParam(raw: unknown): string {
  const runId = optString(object(raw), 'runId', 64);
  if (!runId) throw invalid('runId is required');
  return runId;
}

export function containerIdParam(raw: unknown): string {
  const id = optString(object(raw), 'id', 64);
  if (!id || !/^[0-9a-f]{4,64}$/.test(id)) throw invalid('id must be a container id (hex)');
  return id;
}

export function helloParams(raw: unknown): { client: string; protocolVersion: number } {
  const o = object(raw ?? {});
  return { client: optString(o, 'client', 64) ?? '?', protocolVersion: optNumber(o, 'protocolVersion', 0, 1e6) ?? 0 };
}

function profileList(list: unknown, k: string): string[] {
  if (!Array.isArray(list) || list.length > 256 || !list.every((p) => typeof p === 'string' && p.length > 0 && p.length <= 64)) {
    throw invalid(`${k} must be a list of profile names (at most 256)`);
  }
  return [...new Set(list as string[])];
}

export function poolWantParams(raw: unknown): PoolWantParams {
  const o = object(raw);
  const profiles = profileList(o.profiles, 'profiles');
  if (o.projects === undefined || o.projects === null) return { profiles };
  if (!Array.isArray(o.projects) || o.projects.length > 64) throw invalid('projects must be a list of at most 64 project wishes');
  const projects = o.projects.map((w, i): ProjectWish => {
    const p = object(w, `projects[${i}]`);
    const project = optProject(p, 'project');
    if (!project) throw invalid(`projects[${i}].project is required`);
    return { project, profiles: profileList(p.profiles, `projects[${i}].profiles`), settings: optSettings(p, 'settings'), workspaceSettings: optSettings(p, 'workspaceSettings') };
  });
  return { profiles, projects };
}

export function poolHistoryParams(raw: unknown): { since?: number } {
  return { since: optNumber(object(raw ?? {}), 'since', 0, 1e15) };
}

/** Only what is daemon-wide; limits come with each run, so a window's settings never reach another's sandboxes. */
export function configSetParams(raw: unknown): ConfigOverrides {
  const o = object(object(raw).overrides, 'overrides');
  for (const k of Object.keys(o)) {
    if (k === 'pool' || k === 'idleShutdownMs') continue;
    if (SETTINGS_KEYS.has(k)) throw invalid(`overrides.${k} is not daemon-wide: send it with each run (run/start "settings")`);
    throw invalid(`overrides.${k} is not a daemon setting (known: pool, idleShutdownMs)`);
  }
  const pool = o.pool === undefined ? undefined : object(o.pool, 'overrides.pool');
  const poolOut: NonNullable<ConfigOverrides['pool']> = {};
  for (const [name, v] of Object.entries(pool ?? {})) {
    const s = object(v, `overrides.pool.${name}`);
    poolOut[name] = { minSize: optNumber(s, 'minSize', 0, 64, `overrides.pool.${name}.`), maxSize: optNumber(s, 'maxSize', 1, 256, `overrides.pool.${name}.`) };
  }
  return {
    idleShutdownMs: optNumber(o, 'idleShutdownMs', 1000, 30 * 24 * 3600_000, 'overrides.'),
    pool: pool ? poolOut : undefined,
  };
}

export function profileResolveParams(raw: unknown): ProfileResolveParams {
  const o = object(raw ?? {});
  return { fileName: optString(o, 'fileName', 4096), languageId: optString(o, 'languageId', 128), firstLine: optString(o, 'firstLine', 4096) };
}
