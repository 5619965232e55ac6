// Messages between the extension and the output panel's page. Shared by both sides; no `vscode` import.
import type { PoolHistoryResult, PoolStats, RunResult } from '../../daemon/protocol';

export interface RunInfo {
  runId: string;
  file: string;
  profile: string;
  selection: boolean;
  startedAt: number;
  /** Arguments given to the program (remembered per file), shown in the header. */
  args?: string[];
  /** The project the run copied (absent for an untitled editor's run), and its working directory in it. */
  root?: string;
  cwd?: string;
}

/** The program's output streams, and `stdin`: what was typed (in the terminal or the input box), echoed in place. */
export type PanelStream = 'stdout' | 'stderr' | 'stdin';

/** The run the panel shows, whole: the extension keeps it and sends it every time the page (re)loads. */
export interface RunView {
  run?: RunInfo;
  started?: { containerId: string; acquireMs: number; warm: boolean };
  result?: RunResult;
  /** The webview URI of the run's output folder (images load from it). */
  outputsBase?: string;
  /** The tail of the output, with its stream. */
  chunks: { stream: PanelStream; text: string }[];
}

export type ToPanel =
  | { type: 'begin'; run: RunInfo; clear: boolean }
  /** Everything about the run, replacing what the page shows (sent when the page says it is ready). */
  | { type: 'replay'; view: RunView }
  /** The program waits for input and the panel is where it goes: the input box takes the focus. */
  | { type: 'focusInput' }
  | { type: 'started'; runId: string; containerId: string; acquireMs: number; warm: boolean }
  | { type: 'output'; runId: string; stream: PanelStream; text: string }
  /** `outputsBase`: the webview URI of the run's output folder, for images shown inline. */
  | { type: 'exit'; result: RunResult; outputsBase?: string }
  /** After a reload the page's saved URIs may be stale: the extension sends the folder's URI again. */
  | { type: 'outputsBase'; runId: string; base: string }
  | { type: 'pool'; t: number; stats: PoolStats }
  /** The daemon's pool history (pool/history), drawn as the chart. */
  | { type: 'history'; history: PoolHistoryResult }
  | { type: 'link'; state: string; error?: string };

export type FromPanel =
  | { type: 'ready' }
  | { type: 'stdin'; text: string }
  | { type: 'eof' }
  | { type: 'stop' }
  /** A listed output file, by its relative path. */
  | { type: 'openOutput'; path: string }
  | { type: 'saveOutput'; path: string }
  /** A /work path in the output: the extension opens it only when it is a file of the run's project. */
  | { type: 'openPath'; path: string; line?: number };

/** Shown inline in the panel (svg too, always as an <img>, never inlined into the page). */
export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.gif', '.svg', '.webp'];

export function isImage(p: string): boolean {
  const lower = p.toLowerCase();
  return IMAGE_EXTENSIONS.some((e) => lower.endsWith(e));
}

/** `1.2 MB`, `34 KB`, `12 B`. */
export function formatSize(n: number): string {
  if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${n} B`;
}

/** One line for a run's end, as the panel and the notifications show it. */
export function describeOutcome(r: RunResult): string {
  const d = r.durationMs >= 1000 ? `${(r.durationMs / 1000).toFixed(2)} s` : `${r.durationMs} ms`;
  switch (r.outcome) {
    case 'exited':
      return `exited ${r.exitCode} · ${d}`;
    case 'infra-error':
      return `infra-error (${r.infraReason ?? 'error'}): ${r.message ?? ''} · ${d}`;
    default:
      // "cancelled by the user" says the outcome already: not "cancelled: cancelled by the user".
      if (r.message?.startsWith(`${r.outcome} `)) return `${r.message} · ${d}`;
      return `${r.outcome}${r.message ? `: ${r.message}` : ''} · ${d}`;
  }
}
