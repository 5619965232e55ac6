// The status bar's text: pure, unit-tested.
import type { ProfileStats } from '../../daemon/protocol';

type Counts = Pick<ProfileStats, 'profile' | 'idle' | 'busy' | 'warming' | 'waiting' | 'minSize'>;

/** Readable without hovering: `python 2 warm`, `python 1 warm · 1 busy`, `python warms on first run`. */
export function statusText(p: Counts): string {
  const parts = [`${p.idle} warm`];
  if (p.busy) parts.push(`${p.busy} busy`);
  if (p.waiting) parts.push(`${p.waiting} waiting`);
  if (!p.idle && !p.busy && !p.warming && !p.waiting && p.minSize === 0) return `${p.profile} warms on first run`;
  return `${p.profile} ${parts.join(' · ')}`;
}

/** What the status bar is about: the active editor's profile and the project its runs copy. */
export interface StatusFocus {
  profile: string;
  /** The project's root folder, as its runs name it (each project set says its own); absent for an untitled editor. */
  root?: string;
}

/**
 * The sandboxes that would serve the next run of the focused editor, added up under the profile's name: a file in a
 * project runs in that project's sets (`python@proj`, also `python:…@proj`), never in the profile's default set, so
 * the default set's warm sandboxes are not shown for it (they would promise a warm run that comes cold). Sets are
 * matched by the project's root, not by the label in their name (two folders of one name are two projects). A project
 * with no set yet, or a profile with no set at all, warms on its first run. No editor, or an untitled one: the
 * profile's default set.
 */
export function statusCounts(profiles: ProfileStats[], focus: StatusFocus): Counts & { lastError?: string } {
  const sets = focus.root
    ? profiles.filter((x) => x.name === focus.profile && x.projectRoot === focus.root)
    : profiles.filter((x) => x.name === focus.profile && x.isDefault && !x.profile.includes('@'));
  const sum = (k: 'idle' | 'busy' | 'warming' | 'waiting') => sets.reduce((n, x) => n + x[k], 0);
  return {
    profile: focus.profile,
    idle: sum('idle'),
    busy: sum('busy'),
    warming: sum('warming'),
    waiting: sum('waiting'),
    minSize: sets.reduce((n, x) => n + x.minSize, 0),
    lastError: sets.find((x) => x.lastError)?.lastError,
  };
}

/**
 * The tooltip's table: the sets that hold or await a sandbox, and the focused profile's; the profiles with nothing
 * (every language the daemon knows, thirteen of them) are only counted, not listed as rows of zeros.
 */
export function tooltipSets(profiles: ProfileStats[], focus: StatusFocus): { rows: ProfileStats[]; idle: string[] } {
  const rows = profiles.filter((x) => x.idle + x.busy + x.warming + x.waiting > 0 || x.name === focus.profile || x.lastError);
  const idle = [...new Set(profiles.filter((x) => !rows.includes(x)).map((x) => x.name))];
  return { rows, idle };
}
