// What the Environments view shows of one environment image (extension/environments/envTree.ts): pure, so the
// wording is tested without VS Code.
import type { EnvInfo } from '../../daemon/protocol';

export interface EnvRow {
  label: string;
  description: string;
  tooltip: string;
  contextValue: string;
}

export function envRow(e: EnvInfo, now: number): EnvRow {
  // The tag's hash tells apart a project's images of one profile (each build of changed manifests makes one).
  const hash = /-([0-9a-f]{12})(:|$)/.exec(e.image)?.[1];
  const used = e.lastUsedAt ? `used ${ago(now - e.lastUsedAt)} ago` : 'not used yet';
  const description = `${hash ? `${hash} · ` : ''}${Math.round(e.sizeBytes / 1e6)} MB · ${ago(now - e.createdAt)} old · ${used}${e.inUse ? ' · in use' : ''}`;
  return {
    label: e.project ? `${e.profile} · ${e.project.split(/[\\/]/).pop()}` : e.image,
    description,
    tooltip:
      `\`${e.image}\`\n\nprofile **${e.profile}** on \`${e.base ?? '?'}\`${e.project ? `\n\nproject \`${e.project}\`` : ''}\n\n${description}` +
      (e.inUse ? '\n\nIn use: a project runs on it, so it is never removed.' : ''),
    contextValue: e.project ? `environment.${e.inUse ? 'inUse' : 'unused'}.project` : `environment.${e.inUse ? 'inUse' : 'unused'}`,
  };
}

export function ago(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}
