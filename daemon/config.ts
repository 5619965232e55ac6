// The one settings schema and its resolution: built-in defaults < the config file (and environment) < what a run asks
// for, where workspace-level values may only tighten. Daemon-wide values (pool sizes, idle shutdown) come by config/set.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { RUNTIME_NAME } from './engine/runtime';
import { prestartKind } from './prestart/script';
import type { ConfigOverrides, IsolationMode, SandboxSettings } from './protocol';
import { BUILD_CACHE_DEFAULT_MB } from './languages/buildCache';
import { builtinProfiles, COMPILE_TIMEOUT_MS, DEFAULT_LIMITS, Limits, POOL_DEFAULTS, Profile } from './profiles';

export interface DaemonConfig {
  pooling: boolean;
  isolation: IsolationMode;
  queueTimeoutMs: number;
  idleShutdownMs: number;
  healthIntervalMs: number;
  /** A warm set no run used for this long shrinks to zero and goes (the default sets stay). */
  setIdleMs: number;
  /** Cap on the sandboxes of all sets together. */
  maxSandboxes: number;
  /** The build cache's size cap (languages/buildCache.ts), in MB. */
  buildCacheMb: number;
  dockerHost?: string;
  /** Environment builds (daemon/environments/). */
  environments: EnvironmentSettings;
  /** Project copies: globs left out of every project (besides the built-in secrets and clutter), default caps. */
  workspace: { exclude: string[]; maxBytes?: number; maxFiles?: number };
  profiles: Map<string, Profile>;
  /** Where the file came from, for the log. */
  source: string;
}

export interface EnvironmentSettings {
  /** The build's network: `host` where the engine has no bridge; undefined: Docker's default. Runs never get one. */
  buildNetwork?: string;
  /** Default for runs that do not say: wait for a project's first environment, or use the base image meanwhile. */
  whileBuilding: 'wait' | 'base';
  /** Unused environment images kept (the most recently used); the others are removed after a build or on prune. */
  keepUnused: number;
  buildTimeoutMs: number;
}

export class ConfigError extends Error {}

/** Every limit's range: for the config file and for the values runs bring (validate.ts). */
export const LIMIT_RANGES = {
  memoryMb: [16, 65536],
  cpus: [0.05, 64],
  pids: [8, 65536],
  timeoutMs: [100, 24 * 3600_000],
  outputLimitBytes: [1024, 1 << 30],
  workspaceMb: [1, 16384],
} as const;
export type NumericLimit = keyof typeof LIMIT_RANGES;

/** Limits a run may bring (workspaceMb stays the config file's). */
export const RUN_LIMITS = ['memoryMb', 'cpus', 'pids', 'timeoutMs', 'outputLimitBytes'] as const;

export function configFilePath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.WARMBOX_CONFIG) return path.resolve(env.WARMBOX_CONFIG);
  const base = env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config');
  return path.join(base, 'warmbox', 'config.json');
}

const num = (v: unknown, what: string, min: number, max: number): number | undefined => {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    throw new ConfigError(`${what} must be a number from ${min} to ${max} (got ${JSON.stringify(v)})`);
  }
  return v;
};
const str = (v: unknown, what: string): string | undefined => {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !v) throw new ConfigError(`${what} must be a non-empty string`);
  return v;
};
const strArray = (v: unknown, what: string): string[] | undefined => {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.length === 0 || v.some((x) => typeof x !== 'string')) {
    throw new ConfigError(`${what} must be a non-empty array of strings`);
  }
  return v as string[];
};
const runtimeOf = (v: unknown, what: string): string | undefined => {
  if (v === undefined || v === '') return undefined;
  if (typeof v !== 'string' || !RUNTIME_NAME.test(v)) throw new ConfigError(`${what} must be a runtime name the engine knows, e.g. "runsc" (got ${JSON.stringify(v)})`);
  return v;
};
const isolationOf = (v: unknown, what: string): IsolationMode | undefined => {
  if (v === undefined) return undefined;
  if (v !== 'fresh' && v !== 'reuse') throw new ConfigError(`${what} must be "fresh" or "reuse"`);
  return v;
};
const obj = (v: unknown, what: string): Record<string, unknown> => {
  if (v === undefined) return {};
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new ConfigError(`${what} must be an object`);
  return v as Record<string, unknown>;
};

function limitsFrom(raw: Record<string, unknown>, base: Limits, where: string): Limits {
  const network = raw.network;
  if (network !== undefined && typeof network !== 'boolean') throw new ConfigError(`${where}.network must be true or false`);
  const out: Limits = { ...base, network: (network as boolean | undefined) ?? base.network };
  for (const k of Object.keys(LIMIT_RANGES) as NumericLimit[]) {
    const [min, max] = LIMIT_RANGES[k];
    out[k] = num(raw[k], `${where}.${k}`, min, max) ?? base[k];
  }
  return out;
}

/**
 * The profile one run gets: the base (defaults < config file), then the user's own values as given, then
 * workspace-level values only where they tighten — less memory, CPU, processes, time or output; network off;
 * isolation fresh. A workspace can never loosen what the user has not.
 */
export function resolveProfile(base: Profile, user: SandboxSettings = {}, workspace: SandboxSettings = {}): Profile {
  const limits = { ...base.limits };
  let isolation = base.isolation;
  for (const k of RUN_LIMITS) {
    const u = user[k];
    if (u !== undefined) limits[k] = u;
    const w = workspace[k];
    if (w !== undefined) limits[k] = Math.min(limits[k], w);
  }
  if (user.network !== undefined) limits.network = user.network;
  if (workspace.network === false) limits.network = false;
  if (user.isolation) isolation = user.isolation;
  if (workspace.isolation === 'fresh') isolation = 'fresh';
  return { ...base, isolation, limits };
}

/** `prestart` (a user's profile: off unless asked; a built-in's own can be turned off) and `preload`. */
function prestartOf(p: Record<string, unknown>, name: string, command: string[], base: Profile | undefined): Pick<Profile, 'prestart' | 'preload'> {
  if (p.prestart !== undefined && typeof p.prestart !== 'boolean') throw new ConfigError(`profiles.${name}.prestart must be true or false`);
  const prestart = (p.prestart as boolean | undefined) ?? (base?.prestart === true && p.command === undefined);
  if (prestart && !prestartKind(command)) {
    throw new ConfigError(`profiles.${name}.prestart needs a python3 or node command ending in "{file}", or a java command ending in "{name}" (got ${JSON.stringify(command)})`);
  }
  const preload = (p.preload === undefined ? undefined : strArray(p.preload, `profiles.${name}.preload`)) ?? base?.preload ?? [];
  for (const m of preload) {
    if (!/^[A-Za-z0-9@_][A-Za-z0-9@_./-]{0,199}$/.test(m)) throw new ConfigError(`profiles.${name}.preload: "${m}" is not a module name`);
  }
  return { prestart, preload };
}

/** Builds the config from a parsed file (or {}), the environment and client overrides. Throws ConfigError with the field named. */
export function buildConfig(file: unknown, env: NodeJS.ProcessEnv, overrides: ConfigOverrides = {}, source = 'defaults'): DaemonConfig {
  const raw = obj(file, 'config');
  const limits = limitsFrom(obj(raw.limits, 'limits'), DEFAULT_LIMITS, 'limits');
  const isolation = isolationOf(raw.isolation, 'isolation') ?? 'fresh';
  // The setting warmbox.runtime (WARMBOX_RUNTIME) over the file's top-level "runtime"; a profile's own wins for it.
  const runtime = runtimeOf(env.WARMBOX_RUNTIME, 'WARMBOX_RUNTIME (setting warmbox.runtime)') ?? runtimeOf(raw.runtime, 'runtime');
  const profiles = new Map<string, Profile>();
  for (const p of builtinProfiles()) profiles.set(p.name, { ...p, isolation, limits: { ...limits }, runtime });

  for (const [name, value] of Object.entries(obj(raw.profiles, 'profiles'))) {
    if (!/^[a-z][a-z0-9-]{0,31}$/.test(name)) throw new ConfigError(`profile name "${name}" must be lower-case letters, digits and dashes`);
    const p = obj(value, `profiles.${name}`);
    const base = profiles.get(name);
    const image = str(p.image, `profiles.${name}.image`) ?? base?.image;
    const command = strArray(p.command, `profiles.${name}.command`) ?? base?.command;
    if (!image || !command) throw new ConfigError(`profiles.${name} needs "image" and "command" (e.g. ["ruby", "{file}"])`);
    const fileName = str(p.fileName, `profiles.${name}.fileName`) ?? base?.fileName ?? 'main';
    const envRaw = obj(p.env, `profiles.${name}.env`);
    for (const [k, v] of Object.entries(envRaw)) {
      if (typeof v !== 'string') throw new ConfigError(`profiles.${name}.env.${k} must be a string`);
    }
    profiles.set(name, {
      name,
      image,
      command,
      compile: strArray(p.compile, `profiles.${name}.compile`) ?? base?.compile,
      compileTimeoutMs: num(p.compileTimeoutMs, `profiles.${name}.compileTimeoutMs`, 1000, 3600_000) ?? base?.compileTimeoutMs ?? COMPILE_TIMEOUT_MS,
      fileName,
      extensions: strArray(p.extensions, `profiles.${name}.extensions`) ?? base?.extensions ?? [],
      languageIds: strArray(p.languageIds, `profiles.${name}.languageIds`) ?? base?.languageIds ?? [],
      shebangs: strArray(p.shebangs, `profiles.${name}.shebangs`) ?? base?.shebangs ?? [],
      warmOnUse: base?.warmOnUse ?? false,
      health: strArray(p.health, `profiles.${name}.health`) ?? base?.health ?? ['sh', '-c', 'echo HEALTH_OK'],
      env: { ...(base?.env ?? {}), ...(envRaw as Record<string, string>) },
      minSize: num(p.minSize, `profiles.${name}.minSize`, 0, 64) ?? base?.minSize ?? POOL_DEFAULTS.minSize,
      maxSize: num(p.maxSize, `profiles.${name}.maxSize`, 1, 256) ?? base?.maxSize ?? POOL_DEFAULTS.maxSize,
      maxAgeMs: num(p.maxAgeMs, `profiles.${name}.maxAgeMs`, 1000, 7 * 24 * 3600_000) ?? base?.maxAgeMs ?? POOL_DEFAULTS.maxAgeMs,
      maxUses: num(p.maxUses, `profiles.${name}.maxUses`, 1, 1_000_000) ?? base?.maxUses ?? POOL_DEFAULTS.maxUses,
      isolation: isolationOf(p.isolation, `profiles.${name}.isolation`) ?? isolation,
      limits: limitsFrom(obj(p.limits, `profiles.${name}.limits`), limits, `profiles.${name}.limits`),
      runtime: runtimeOf(p.runtime, `profiles.${name}.runtime`) ?? base?.runtime ?? runtime,
      ...prestartOf(p, name, command, base),
      builtin: base?.builtin ?? false,
    });
  }

  for (const [name, size] of Object.entries(overrides.pool ?? {})) {
    const p = profiles.get(name);
    if (!p) continue;
    p.minSize = num(size.minSize, `pool.${name}.minSize`, 0, 64) ?? p.minSize;
    p.maxSize = num(size.maxSize, `pool.${name}.maxSize`, 1, 256) ?? p.maxSize;
  }
  for (const p of profiles.values()) {
    if (p.minSize > p.maxSize) throw new ConfigError(`profile ${p.name}: minSize (${p.minSize}) is larger than maxSize (${p.maxSize})`);
  }

  // WARMBOX_POOL=off: every run gets its own container (the fallback path), same results.
  const poolEnv = env.WARMBOX_POOL?.toLowerCase();
  const poolingRaw = raw.pooling;
  if (poolingRaw !== undefined && typeof poolingRaw !== 'boolean') throw new ConfigError('pooling must be true or false');
  const pooling = poolEnv === 'off' || poolEnv === '0' || poolEnv === 'false' ? false : (poolingRaw as boolean | undefined) ?? true;

  // Across all warm sets (default sets, projects, environments): the least recently used sets give way first.
  const maxSandboxes = num(raw.maxSandboxes, 'maxSandboxes', 1, 1024) ?? 12;
  // Sets warm only while in use (the built-in languages beyond python/node/shell) do not all warm at once.
  const warm = [...profiles.values()].reduce((n, p) => n + (p.warmOnUse ? 0 : p.minSize), 0);
  if (pooling && warm > maxSandboxes) throw new ConfigError(`maxSandboxes (${maxSandboxes}) is smaller than the profiles' minSize together (${warm})`);

  return {
    pooling,
    isolation,
    queueTimeoutMs: num(raw.queueTimeoutMs, 'queueTimeoutMs', 100, 3600_000) ?? 30_000,
    idleShutdownMs:
      overrides.idleShutdownMs ??
      num(env.WARMBOX_IDLE_MS ? Number(env.WARMBOX_IDLE_MS) : undefined, 'WARMBOX_IDLE_MS', 1000, 30 * 24 * 3600_000) ??
      num(raw.idleShutdownMs, 'idleShutdownMs', 1000, 30 * 24 * 3600_000) ??
      15 * 60_000,
    healthIntervalMs: num(raw.healthIntervalMs, 'healthIntervalMs', 1000, 3600_000) ?? 60_000,
    setIdleMs: num(raw.setIdleMs, 'setIdleMs', 1000, 7 * 24 * 3600_000) ?? 5 * 60_000,
    maxSandboxes,
    buildCacheMb: num(raw.buildCacheMb, 'buildCacheMb', 1, 1024 * 1024) ?? BUILD_CACHE_DEFAULT_MB,
    dockerHost: str(raw.dockerHost, 'dockerHost'),
    workspace: workspaceFrom(obj(raw.workspace, 'workspace')),
    environments: environmentsFrom(raw, env),
    profiles,
    source,
  };
}

function environmentsFrom(raw: Record<string, unknown>, env: NodeJS.ProcessEnv): EnvironmentSettings {
  const net = str(env.WARMBOX_BUILD_NETWORK || undefined, 'WARMBOX_BUILD_NETWORK (setting warmbox.buildNetwork)') ?? str(raw.buildNetwork, 'buildNetwork');
  if (net !== undefined && !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(net)) throw new ConfigError(`buildNetwork must be a Docker network name such as "host" (got ${JSON.stringify(net)})`);
  const wb = raw.whileBuilding;
  if (wb !== undefined && wb !== 'wait' && wb !== 'base') throw new ConfigError('whileBuilding must be "wait" or "base"');
  return {
    buildNetwork: net === 'default' ? undefined : net,
    whileBuilding: (wb as 'wait' | 'base' | undefined) ?? 'wait',
    keepUnused: num(raw.keepEnvironments, 'keepEnvironments', 0, 1000) ?? 5,
    buildTimeoutMs: (num(raw.buildTimeoutMinutes, 'buildTimeoutMinutes', 1, 24 * 60) ?? 30) * 60_000,
  };
}

function workspaceFrom(w: Record<string, unknown>): DaemonConfig['workspace'] {
  const mb = num(w.maxSizeMb, 'workspace.maxSizeMb', 1, 4096);
  return {
    exclude: (w.exclude === undefined ? undefined : strArray(w.exclude, 'workspace.exclude')) ?? [],
    maxBytes: mb === undefined ? undefined : mb * 1024 * 1024,
    maxFiles: num(w.maxFiles, 'workspace.maxFiles', 1, 1_000_000),
  };
}

/** Reads the config file; a missing file is fine, a broken one is a ConfigError naming the file. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: ConfigOverrides = {}): DaemonConfig {
  const file = configFilePath(env);
  let parsed: unknown = {};
  let source = 'defaults';
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
    source = file;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code !== 'ENOENT') throw new ConfigError(`${file}: ${err.message}`);
  }
  try {
    return buildConfig(parsed, env, overrides, source);
  } catch (e) {
    if (e instanceof ConfigError && source !== 'defaults') throw new ConfigError(`${file}: ${e.message}`);
    throw e;
  }
}
