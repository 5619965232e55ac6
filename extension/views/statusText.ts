// The status bar's text: pure, unit-tested.
import type { ProfileStats } from '../../daemon/protocol';

/** Readable without hovering: `python 2 warm`, `python 1 warm · 1 busy`, `python warms on first run`. */
export function statusText(p: Pick<ProfileStats, 'profile' | 'idle' | 'busy' | 'warming' | 'waiting' | 'minSize'>): string {
  const parts = [`${p.idle} warm`];
  if (p.busy) parts.push(`${p.busy} busy`);
  if (p.waiting) parts.push(`${p.waiting} waiting`);
  if (!p.idle && !p.busy && !p.warming && !p.waiting && p.minSize === 0) return `${p.profile} warms on first run`;
  return `${p.profile} ${parts.join(' · ')}`;
}
