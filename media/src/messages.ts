// Messages between the extension and the output panel's page. Shared by both sides; no `vscode` import.
import type { PoolStats, RunResult } from '../../daemon/protocol';

export interface RunInfo {
  runId: string;
  file: string;
  profile: string;
  selection: boolean;
  startedAt: number;
}

export type ToPanel =
  | { type: 'begin'; run: RunInfo; clear: boolean }
  | { type: 'started'; runId: string; containerId: string; acquireMs: number; warm: boolean }
  | { type: 'output'; runId: string; stream: 'stdout' | 'stderr'; text: string }
  | { type: 'exit'; result: RunResult }
  | { type: 'pool'; t: number; stats: PoolStats }
  | { type: 'link'; state: string; error?: string };

export type FromPanel = { type: 'ready' } | { type: 'stdin'; text: string } | { type: 'eof' } | { type: 'stop' };

/** One line for a run's end, as the panel and the notifications show it. */
export function describeOutcome(r: RunResult): string {
  const d = r.durationMs >= 1000 ? `${(r.durationMs / 1000).toFixed(2)} s` : `${r.durationMs} ms`;
  switch (r.outcome) {
    case 'exited':
      return `exited ${r.exitCode} · ${d}`;
    case 'infra-error':
      return `infra-error (${r.infraReason ?? 'error'}): ${r.message ?? ''} · ${d}`;
    default:
      return `${r.outcome}${r.message ? `: ${r.message}` : ''} · ${d}`;
  }
}
