// Typed reads of the `warmbox.*` settings the extension itself uses, and the reader behind settingsPlan.ts (which
// decides what of them reaches the daemon).
import * as vscode from 'vscode';
import { daemonWideSettings, Inspect, runSettings, RunSettingsPlan } from './settingsPlan';
import type { ConfigOverrides } from '../daemon/protocol';

export interface Settings {
  profileByLanguage: Record<string, string>;
  saveBeforeRun: boolean;
  clearOutputBeforeRun: boolean;
  dockerHost: string;
  runtime: string;
  /** From the user's own settings only: a workspace must not choose the network its builds get. */
  buildNetwork: string;
  whileBuilding: 'wait' | 'base';
  trace: 'off' | 'messages' | 'verbose';
  /** Where a run's output shows: the sandbox terminal, the warmbox tab, or both. */
  output: OutputMode;
  terminalReuse: boolean;
  /** Running a file while another run goes: cancel it first, or run side by side. */
  whileRunning: 'cancel' | 'parallel';
}

export type OutputMode = 'both' | 'terminal' | 'panel';

export function readSettings(): Settings {
  const c = vscode.workspace.getConfiguration('warmbox');
  return {
    // Restricted settings: in an untrusted workspace VS Code returns only the user's own values.
    profileByLanguage: c.get<Record<string, string>>('profileByLanguage', { python: 'python', javascript: 'node', shellscript: 'shell' }),
    saveBeforeRun: c.get<boolean>('saveBeforeRun', true),
    clearOutputBeforeRun: c.get<boolean>('clearOutputBeforeRun', true),
    dockerHost: c.get<string>('dockerHost', ''),
    // Restricted like dockerHost: in an untrusted workspace VS Code returns only the user's own value.
    runtime: c.get<string>('runtime', ''),
    buildNetwork: c.inspect<string>('buildNetwork')?.globalValue ?? '',
    whileBuilding: c.get<string>('whileBuilding', 'wait') === 'base' ? 'base' : 'wait',
    trace: c.get<'off' | 'messages' | 'verbose'>('trace.server', 'off'),
    output: oneOf(c.get<string>('output'), ['both', 'terminal', 'panel'] as const, 'both'),
    terminalReuse: c.get<boolean>('terminal.reuse', true) !== false,
    whileRunning: oneOf(c.get<string>('whileRunning'), ['cancel', 'parallel'] as const, 'cancel'),
  };
}

function oneOf<T extends string>(v: string | undefined, allowed: readonly T[], d: T): T {
  return allowed.includes(v as T) ? (v as T) : d;
}

function inspector(scope?: vscode.Uri): Inspect {
  const c = vscode.workspace.getConfiguration('warmbox', scope);
  return (key) => c.inspect(key);
}

/** The sandbox settings a run of this document carries (folder settings of its folder included). */
export function runSettingsFor(doc: vscode.TextDocument): RunSettingsPlan {
  return runSettingsAt(doc.isUntitled ? undefined : doc.uri);
}

/** The sandbox settings runs of files under this folder carry (a pool wish is shaped as they will be). */
export function runSettingsAt(scope: vscode.Uri | undefined): RunSettingsPlan {
  return runSettings(inspector(scope), vscode.workspace.isTrusted);
}

/** What this window may push with config/set: undefined for nothing. */
export function daemonWide(): ConfigOverrides | undefined {
  return daemonWideSettings(inspector(), vscode.workspace.isTrusted);
}

/** The environment a spawned daemon starts with (engine and runtime are fixed for the daemon's life). */
export function daemonEnv(s: Settings): NodeJS.ProcessEnv {
  const env = { ...process.env };
  // Not DOCKER_HOST: the setting may name a context, and the daemon reports it as the setting (see daemon/engine).
  if (s.dockerHost) env.WARMBOX_DOCKER_HOST = s.dockerHost;
  if (s.runtime) env.WARMBOX_RUNTIME = s.runtime;
  // A daemon a window starts keeps warm only what windows ask for (pool/want) and what runs use.
  env.WARMBOX_WARM = 'wanted';
  if (s.buildNetwork) env.WARMBOX_BUILD_NETWORK = s.buildNetwork;
  return env;
}

/** How a file's run uses its project: read per file, so folder settings of a multi-root window apply. */
export interface ProjectSettings {
  cwd: 'file' | 'root';
  includeUnsaved: boolean;
  exclude: string[];
  maxBytes: number;
  maxFiles: number;
  env: unknown;
  envByProfile: unknown;
  collectOutputs: boolean;
  outputsMaxBytes: number;
  outputsMaxFiles: number;
}

const MB = 1024 * 1024;

export function readProjectSettings(scope?: vscode.Uri): ProjectSettings {
  const c = vscode.workspace.getConfiguration('warmbox', scope);
  const num = (key: string, d: number) => {
    const v = c.get<number>(key, d);
    return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : d;
  };
  const exclude = c.get<unknown>('workspace.exclude', []);
  return {
    cwd: c.get<string>('cwd', 'file') === 'root' ? 'root' : 'file',
    includeUnsaved: c.get<boolean>('includeUnsaved', true) !== false,
    exclude: Array.isArray(exclude) ? exclude.filter((g): g is string => typeof g === 'string' && g.length > 0) : [],
    maxBytes: Math.round(num('workspace.maxSizeMb', 64) * MB),
    maxFiles: Math.round(num('workspace.maxFiles', 10_000)),
    env: c.get<unknown>('env', {}),
    envByProfile: c.get<unknown>('envByProfile', {}),
    collectOutputs: c.get<boolean>('outputs.collect', true) !== false,
    outputsMaxBytes: Math.round(num('outputs.maxSizeMb', 32) * MB),
    outputsMaxFiles: Math.round(num('outputs.maxFiles', 200)),
  };
}
