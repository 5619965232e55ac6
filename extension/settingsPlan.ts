// Which of the window's `warmbox.*` settings reach the daemon, and how: pure (no `vscode`), so it is unit-tested.
// Only values set explicitly count (VS Code's defaults are the daemon's to choose). A run carries the values that
// shape its sandbox; the user's own (global) values as given, workspace and folder values only to tighten (the daemon
// enforces that). The daemon-wide part (pool sizes, idle shutdown) comes from the user's own settings only. An
// untrusted workspace sends nothing.
import type { ConfigOverrides, IsolationMode, SandboxSettings } from '../daemon/protocol';

/** What `WorkspaceConfiguration.inspect()` tells of one setting (the fields used here). */
export interface Inspected {
  globalValue?: unknown;
  workspaceValue?: unknown;
  workspaceFolderValue?: unknown;
}
export type Inspect = (key: string) => Inspected | undefined;

const number = (scale: number) => (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? Math.round(v * scale * 1000) / 1000 : undefined);
const isolation = (v: unknown): IsolationMode | undefined => (v === 'fresh' || v === 'reuse' ? v : undefined);
const bool = (v: unknown) => (typeof v === 'boolean' ? v : undefined);

/** Setting (under `warmbox.`) → the run field it becomes. A value of the wrong type is left out, not sent. */
const RUN_SETTINGS: Record<string, { field: keyof SandboxSettings; convert(v: unknown): SandboxSettings[keyof SandboxSettings] | undefined }> = {
  isolation: { field: 'isolation', convert: isolation },
  timeoutSeconds: { field: 'timeoutMs', convert: (v) => { const ms = number(1000)(v); return ms === undefined ? undefined : Math.round(ms); } },
  memoryMb: { field: 'memoryMb', convert: number(1) },
  cpus: { field: 'cpus', convert: number(1) },
  pids: { field: 'pids', convert: number(1) },
  network: { field: 'network', convert: bool },
  outputLimitKb: { field: 'outputLimitBytes', convert: number(1024) },
};
export const RUN_SETTING_KEYS = Object.keys(RUN_SETTINGS);

/** Two workspace-level values for one field (workspace, folder): the tighter wins, since both may only tighten. */
function tighter(a: SandboxSettings[keyof SandboxSettings], b: SandboxSettings[keyof SandboxSettings]) {
  if (a === undefined) return b;
  if (b === undefined) return a;
  if (typeof a === 'number' && typeof b === 'number') return Math.min(a, b);
  if (typeof a === 'boolean' && typeof b === 'boolean') return a && b;
  return a === 'fresh' || b === 'fresh' ? 'fresh' : a;
}

export interface RunSettingsPlan {
  settings?: SandboxSettings;
  workspaceSettings?: SandboxSettings;
}

/** What a run request carries: explicitly set values only, split by who set them; nothing from an untrusted window. */
export function runSettings(inspect: Inspect, trusted: boolean): RunSettingsPlan {
  if (!trusted) return {};
  const user: Record<string, unknown> = {};
  const ws: Record<string, unknown> = {};
  for (const [key, { field, convert }] of Object.entries(RUN_SETTINGS)) {
    const i = inspect(key);
    if (!i) continue;
    const g = convert(i.globalValue);
    if (g !== undefined) user[field] = g;
    const w = tighter(convert(i.workspaceValue), convert(i.workspaceFolderValue));
    if (w !== undefined) ws[field] = w;
  }
  const plan: RunSettingsPlan = {};
  if (Object.keys(user).length) plan.settings = user as SandboxSettings;
  if (Object.keys(ws).length) plan.workspaceSettings = ws as SandboxSettings;
  return plan;
}

/**
 * The daemon-wide part, for `config/set`: pool sizes of the default sets and the idle shutdown — only from the user's
 * own settings, only when set. Undefined when there is nothing to send (then nothing is sent).
 */
export function daemonWideSettings(inspect: Inspect, trusted: boolean): ConfigOverrides | undefined {
  if (!trusted) return undefined;
  const out: ConfigOverrides = {};
  const pool = inspect('pool')?.globalValue;
  if (pool && typeof pool === 'object' && !Array.isArray(pool)) {
    const sizes: NonNullable<ConfigOverrides['pool']> = {};
    for (const [name, v] of Object.entries(pool as Record<string, unknown>)) {
      if (!v || typeof v !== 'object') continue;
      const s = v as Record<string, unknown>;
      const size: { minSize?: number; maxSize?: number } = {};
      if (typeof s.minSize === 'number') size.minSize = s.minSize;
      if (typeof s.maxSize === 'number') size.maxSize = s.maxSize;
      sizes[name] = size;
    }
    out.pool = sizes;
  }
  const idle = number(60_000)(inspect('daemon.idleShutdownMinutes')?.globalValue);
  if (idle !== undefined) out.idleShutdownMs = Math.round(idle);
  return Object.keys(out).length ? out : undefined;
}
