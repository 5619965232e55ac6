// Built-in profiles and the user's additions from the config file.
import type { IsolationMode, ProfileInfo } from './protocol';

export const IMAGE_VERSION = 2;

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
  /** argv; `{file}` stands for the program's path inside the sandbox. */
  command: string[];
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
  /** OCI runtime for its containers (e.g. gVisor's `runsc`); absent: the engine's default. */
  runtime?: string;
  /** Modules to import before a run arrives: a project's warmbox.json `preload` (used by the zero-start work). */
  preload?: string[];
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

type BuiltinSpec = Pick<Profile, 'name' | 'command' | 'fileName' | 'extensions' | 'health' | 'env'>;

const BUILTINS: BuiltinSpec[] = [
  {
    name: 'python',
    command: ['python3', '{file}'],
    fileName: 'main.py',
    extensions: ['.py'],
    health: ['python3', '-c', 'print("HEALTH_OK")'],
    env: { PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1' },
  },
  {
    name: 'node',
    command: ['node', '{file}'],
    fileName: 'main.js',
    extensions: ['.js', '.mjs', '.cjs'],
    health: ['node', '-e', 'console.log("HEALTH_OK")'],
    env: {},
  },
  {
    name: 'shell',
    command: ['sh', '{file}'],
    fileName: 'main.sh',
    extensions: ['.sh'],
    health: ['sh', '-c', 'echo HEALTH_OK'],
    env: {},
  },
];

export function builtinProfiles(): Profile[] {
  return BUILTINS.map((b) => ({
    ...b,
    image: `warmbox/${b.name}:${IMAGE_VERSION}`,
    ...POOL_DEFAULTS,
    isolation: 'fresh',
    limits: { ...DEFAULT_LIMITS },
    builtin: true,
  }));
}

export function profileForFile(profiles: Iterable<Profile>, file: string): Profile | undefined {
  const lower = file.toLowerCase();
  for (const p of profiles) if (p.extensions.some((e) => lower.endsWith(e))) return p;
  return undefined;
}

export function profileInfo(p: Profile): ProfileInfo {
  return { name: p.name, image: p.image, fileName: p.fileName, command: p.command, extensions: p.extensions, builtin: p.builtin };
}

/** A file name safe to write in the workspace and to quote in a shell. */
export function safeFileName(name: string | undefined, fallback: string): string {
  if (!name) return fallback;
  const base = name.replace(/^.*[\\/]/, '');
  return /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(base) ? base : fallback;
}
