// Built-in profiles and the user's additions from the config file.
import { LANGUAGES } from './languages/builtins';
import type { IsolationMode, ProfileInfo } from './protocol';

export const IMAGE_VERSION = 2;
/** Images whose recipe changed since IMAGE_VERSION (java: the pre-started JVM's agent); images/build.sh's image_version. */
export const IMAGE_VERSIONS: Readonly<Record<string, number>> = { java: 3 };

/** The version (tag) of a built-in language's image. */
export function imageVersion(name: string): number {
  return IMAGE_VERSIONS[name] ?? IMAGE_VERSION;
}

/** The name of a built-in language's image. */
export function builtinImage(name: string): string {
  return `warmbox/${name}:${imageVersion(name)}`;
}

export interface Limits {
  memoryMb: number;
  cpus: number;
  pids: number;
  timeoutMs: number;
  outputLimitBytes: number;
  workspaceMb: number;
  network: boolean;
}

export interface Profile {
  name: string;
  image: string;
  /** argv; `{file}` `{dir}` `{name}` `{out}` anywhere inside an argument (see languages/builtins.ts). */
  command: string[];
  /** The build step before `command` (compiled languages); its failure is the outcome `compile-error`. */
  compile?: string[];
  /** The compile step's own time limit (memory as the run's); not counted in the run's timeout. */
  compileTimeoutMs: number;
  /** VS Code language ids and shebang interpreters this profile serves (see languages/resolve.ts). */
  languageIds: string[];
  shebangs: string[];
  /** Kept warm (minSize) only while in use, like a non-default set: thirteen idle languages would crowd the machine. */
  warmOnUse: boolean;
  fileName: string;
  extensions: string[];
  /** Must print HEALTH_OK: proves the interpreter runs, not just the container. */
  health: string[];
  env: Record<string, string>;
  minSize: number;
  maxSize: number;
  maxAgeMs: number;
  maxUses: number;
  isolation: IsolationMode;
  limits: Limits;
  /** Start the interpreter before each run (python and node commands only; see daemon/prestart/). */
  prestart: boolean;
  /** Modules a pre-started interpreter imports before the run arrives. */
  preload: string[];
  /** OCI runtime for its containers (e.g. gVisor's `runsc`); absent: the engine's default. */
  runtime?: string;
  builtin: boolean;
}

export const DEFAULT_LIMITS: Limits = {
  memoryMb: 256,
  cpus: 1,
  pids: 128,
  timeoutMs: 30_000,
  outputLimitBytes: 4 * 1024 * 1024,
  workspaceMb: 64,
  network: false,
};

export const POOL_DEFAULTS = { minSize: 2, maxSize: 5, maxAgeMs: 30 * 60_000, maxUses: 50 };

export const COMPILE_TIMEOUT_MS = 30_000;

type BuiltinSpec = Pick<Profile, 'name' | 'command' | 'fileName' | 'extensions' | 'health' | 'env' | 'languageIds' | 'shebangs'> & { compile?: string[]; prestart?: boolean };

const BUILTINS: BuiltinSpec[] = [
  {
    name: 'python',
    command: ['python3', '{file}'],
    fileName: 'main.py',
    extensions: ['.py'],
    languageIds: ['python'],
    shebangs: ['python3', 'python'],
    health: ['python3', '-c', 'print("HEALTH_OK")'],
    env: { PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1' },
    prestart: true,
  },
  {
    name: 'node',
    command: ['node', '{file}'],
    fileName: 'main.js',
    extensions: ['.js', '.mjs', '.cjs'],
    languageIds: ['javascript'],
    shebangs: ['node', 'nodejs'],
    health: ['node', '-e', 'console.log("HEALTH_OK")'],
    env: {},
    prestart: true,
  },
  {
    name: 'shell',
    command: ['sh', '{file}'],
    fileName: 'main.sh',
    extensions: ['.sh'],
    languageIds: ['shellscript'],
    shebangs: ['sh', 'bash', 'dash', 'ash'],
    health: ['sh', '-c', 'echo HEALTH_OK'],
    env: {},
    prestart: false,
  },
];

export function builtinProfiles(): Profile[] {
  const always = new Set(BUILTINS.map((b) => b.name));
  return [...BUILTINS, ...LANGUAGES].map((b) => ({
    ...b,
    prestart: 'prestart' in b && b.prestart === true,
    preload: [],
    image: builtinImage(b.name),
    compileTimeoutMs: COMPILE_TIMEOUT_MS,
    warmOnUse: !always.has(b.name),
    ...POOL_DEFAULTS,
    isolation: 'fresh',
    limits: { ...DEFAULT_LIMITS },
    builtin: true,
  }));
}

export function profileInfo(p: Profile): ProfileInfo {
  return { name: p.name, image: p.image, fileName: p.fileName, command: p.command, compile: p.compile, extensions: p.extensions, languageIds: p.languageIds, shebangs: p.shebangs, builtin: p.builtin };
}

/** A file name safe to write in the workspace and to quote in a shell. */
export function safeFileName(name: string | undefined, fallback: string): string {
  if (!name) return fallback;
  const base = name.replace(/^.*[\\/]/, '');
  return /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(base) ? base : fallback;
}
