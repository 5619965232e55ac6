// What the CLI prints: tables for people, exit codes for scripts.
import type { ContainerInfo, HelloResult, PoolStats, RunResult } from '../daemon/protocol';

export function exitCodeFor(r: RunResult): number {
  switch (r.outcome) {
    case 'exited':
      return r.exitCode ?? 0;
    case 'timeout':
      return 124;
    case 'cancelled':
      return 130;
    case 'oom':
      return 137;
    case 'output-limit':
      return 141;
    case 'compile-error':
      return 126;
    default:
      return 125;
  }
}

export function formatAge(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd()).join('\n') + '\n';
}

export function formatStats(s: PoolStats, hello?: HelloResult): string {
  const docker = s.docker.reachable ? `${s.docker.kind ?? 'docker'} ${s.docker.version ?? ''}`.trim() : `docker UNREACHABLE: ${s.docker.error ?? ''}`;
  const head = `pool ${s.pooling ? 'on' : 'off (a container per run)'} · ${docker} · ${s.activeRuns} run(s) active · ${s.clients} client(s)${hello ? ` · daemon pid ${hello.pid}` : ''}\n`;
  const rows = [['PROFILE', 'ISOLATION', 'IDLE', 'BUSY', 'WARMING', 'WAITING', 'MIN/MAX', 'RUNS', 'COLD', 'REPLACED', 'IMAGE']];
  for (const p of s.profiles) {
    rows.push([p.profile, p.isolation, String(p.idle), String(p.busy), String(p.warming), String(p.waiting), `${p.minSize}/${p.maxSize}`, String(p.runs), String(p.coldRuns), String(p.replaced), p.image]);
  }
  const errors = s.profiles.filter((p) => p.lastError).map((p) => `  ${p.profile}: ${p.lastError}\n`).join('');
  return head + engineLine(s) + table(rows) + (errors ? `problems:\n${errors}` : '');
}

/** Which engine and how it was found: "engine unix:///var/run/docker.sock · default socket (Docker) · runtime runsc". */
export function engineLine(s: PoolStats): string {
  const d = s.docker;
  if (!d.host) return '';
  const parts = [`engine ${d.host}`, d.source ?? ''];
  parts.push(`runtime ${d.runtime ?? 'default'}${d.runtimes?.length ? ` (engine has ${d.runtimes.join(', ')})` : ''}`);
  return parts.filter(Boolean).join(' · ') + '\n';
}

export function formatContainers(list: ContainerInfo[]): string {
  if (!list.length) return 'no containers\n';
  const rows = [['CONTAINER', 'PROFILE', 'STATE', 'USES', 'AGE', 'RUN']];
  for (const c of list) rows.push([c.shortId, c.profile, c.state, String(c.uses), formatAge(c.ageMs), c.runId?.slice(0, 8) ?? '']);
  return table(rows);
}
