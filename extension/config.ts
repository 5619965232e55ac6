// Typed reads of the `warmbox.*` settings, and what of them the daemon must know.
import * as vscode from 'vscode';
import type { ConfigOverrides, IsolationMode } from '../daemon/protocol';

export interface Settings {
  profileByLanguage: Record<string, string>;
  pool: Record<string, { minSize?: number; maxSize?: number }>;
  isolation: IsolationMode;
  timeoutMs: number;
  memoryMb: number;
  cpus: number;
  pids: number;
  network: boolean;
  outputLimitBytes: number;
  saveBeforeRun: boolean;
  clearOutputBeforeRun: boolean;
  dockerHost: string;
  runtime: string;
  idleShutdownMs: number;
  trace: 'off' | 'messages' | 'verbose';
}

export function readSettings(): Settings {
  const c = vscode.workspace.getConfiguration('warmbox');
  return {
    profileByLanguage: c.get<Record<string, string>>('profileByLanguage', { python: 'python', javascript: 'node', shellscript: 'shell' }),
    pool: c.get('pool', {}),
    isolation: c.get<IsolationMode>('isolation', 'fresh') === 'reuse' ? 'reuse' : 'fresh',
    timeoutMs: Math.round(c.get<number>('timeoutSeconds', 30) * 1000),
    memoryMb: c.get<number>('memoryMb', 256),
    cpus: c.get<number>('cpus', 1),
    pids: c.get<number>('pids', 128),
    // Restricted settings: in an untrusted workspace VS Code returns only the user's own values.
    network: c.get<boolean>('network', false),
    outputLimitBytes: c.get<number>('outputLimitKb', 4096) * 1024,
    saveBeforeRun: c.get<boolean>('saveBeforeRun', true),
    clearOutputBeforeRun: c.get<boolean>('clearOutputBeforeRun', true),
    dockerHost: c.get<string>('dockerHost', ''),
    runtime: c.get<string>('runtime', ''),
    idleShutdownMs: Math.round(c.get<number>('daemon.idleShutdownMinutes', 15) * 60_000),
    trace: c.get<'off' | 'messages' | 'verbose'>('trace.server', 'off'),
  };
}

/** The part of the settings the daemon applies to its sandboxes. */
export function daemonOverrides(s: Settings): ConfigOverrides {
  return {
    isolation: s.isolation,
    timeoutMs: s.timeoutMs,
    memoryMb: s.memoryMb,
    cpus: s.cpus,
    pids: s.pids,
    network: s.network,
    outputLimitBytes: s.outputLimitBytes,
    pool: s.pool,
    idleShutdownMs: s.idleShutdownMs,
  };
}

/** The environment a spawned daemon starts with (engine and runtime are fixed for the daemon's life). */
export function daemonEnv(s: Settings): NodeJS.ProcessEnv {
  const env = { ...process.env };
  // Not DOCKER_HOST: the setting may name a context, and the daemon reports it as the setting (see daemon/engine).
  if (s.dockerHost) env.WARMBOX_DOCKER_HOST = s.dockerHost;
  if (s.runtime) env.WARMBOX_RUNTIME = s.runtime;
  return env;
}
