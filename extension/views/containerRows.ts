// What the containers view shows, as plain rows: pure (no `vscode`), so what makes it redraw is unit-tested. Rows
// keep their order (creation) whatever their state, so the row under the mouse stays the same container; only a
// change in what the rows say redraws the view.
import type { ContainerInfo, PoolChangedNotification, ProfileStats } from '../../daemon/protocol';

export interface ContainerRow {
  info: ContainerInfo;
  /** `busy · 3 uses · 2m`: uses only in a reuse set (a fresh sandbox serves one run). */
  description: string;
}

/** A set's containers, oldest first. */
export function containerRows(data: PoolChangedNotification, set: ProfileStats, now: number): ContainerRow[] {
  return data.containers
    .filter((c) => c.pool === set.profile)
    .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1))
    .map((info) => ({ info, description: describe(info, set.isolation === 'reuse', now) }));
}

function describe(c: ContainerInfo, reuse: boolean, now: number): string {
  const uses = reuse ? ` · ${c.uses} use${c.uses === 1 ? '' : 's'}` : '';
  return `${c.state}${uses} · ${age(now - c.createdAt)}`;
}

/** Coarse on purpose: the view redraws when this text changes (every 10 s at most for young containers). */
export function age(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 10) return 'new';
  if (s < 60) return `${Math.floor(s / 10) * 10}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
}

/** The sets the view lists: those with sandboxes or waiters, or kept warm. */
export function shownSets(data: PoolChangedNotification): ProfileStats[] {
  return data.stats.profiles.filter((p) => p.idle + p.busy + p.warming + p.waiting > 0 || p.minSize > 0);
}

export function setDescription(s: ProfileStats): string {
  return `${s.idle} warm · ${s.busy} busy${s.warming ? ` · ${s.warming} warming` : ''}${s.waiting ? ` · ${s.waiting} waiting` : ''} · max ${s.maxSize}`;
}

/** Everything the view would show: equal signatures need no redraw. */
export function viewSignature(data: PoolChangedNotification | undefined, now: number): string {
  if (!data) return '';
  return JSON.stringify(
    shownSets(data).map((s) => [s.profile, setDescription(s), s.lastError ?? '', containerRows(data, s, now).map((r) => [r.info.id, r.description])]),
  );
}

/**
 * At most one redraw per `minMs`, and only when the signature changed: notifications come in bursts while a run
 * goes, and each redraw under the mouse moves what the user is about to click.
 */
export class RedrawGate {
  private last = -Infinity;
  private shown = '';
  private timer?: unknown;

  constructor(
    private readonly minMs: number,
    private readonly signature: () => string,
    private readonly redraw: () => void,
    private readonly now: () => number = Date.now,
    private readonly clock: { set(fn: () => void, ms: number): unknown; clear(h: unknown): void } = {
      set: (fn, ms) => setTimeout(fn, ms),
      clear: (h) => clearTimeout(h as NodeJS.Timeout),
    },
  ) {}

  /** Something may have changed. */
  poke(): void {
    if (this.timer) return;
    const wait = Math.max(0, this.last + this.minMs - this.now());
    this.timer = this.clock.set(() => {
      this.timer = undefined;
      const sig = this.signature();
      if (sig === this.shown) return;
      this.shown = sig;
      this.last = this.now();
      this.redraw();
    }, wait);
  }

  dispose(): void {
    if (this.timer) this.clock.clear(this.timer);
  }
}
