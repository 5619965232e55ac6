// The pool chart of the output panel: warm/busy/waiting per profile over the last minutes, one row per profile,
// drawn from the daemon's history (pool/history) so it is the same in every window and survives the tab closing.
// Sized to the panel (redrawn on resize). Theme colours only (panel.css).
import type { PoolCounts, PoolHistoryResult } from '../../daemon/protocol';
import { chartProfiles, chartSpanMs, spanLabel } from './chartData';

const SERIES: (keyof PoolCounts)[] = ['warm', 'busy', 'waiting'];
const ROW_H = 54;
const NS = 'http://www.w3.org/2000/svg';

/** Draws into `box` (emptied first), ending now. */
export function drawPoolChart(box: HTMLElement, h: PoolHistoryResult | undefined, now: number): string {
  box.textContent = '';
  if (!h || !h.samples.length) return 'no pool data yet';
  const span = chartSpanMs(h, now);
  const from = now - span;
  const profiles = chartProfiles(h, from);
  if (!profiles.length) return `no sandboxes in the last ${spanLabel(span)}`;
  // The label and the numbers beside the chart take about 110 px.
  const width = Math.max(120, Math.floor(box.clientWidth || 300) - 110);
  const x = (t: number) => Math.max(0, Math.min(width, ((t - from) / span) * width));
  const samples = h.samples.filter((s) => s.t + h.intervalMs > from);
  let summary: string[] = [];
  for (const p of profiles) {
    const max = Math.max(1, ...samples.map((s) => Math.max(...SERIES.map((k) => s.profiles[p]?.[k] ?? 0))));
    const row = document.createElement('div');
    row.className = 'chart-row';
    const label = document.createElement('span');
    label.className = 'chart-label';
    const last = samples[samples.length - 1]?.profiles[p] ?? { warm: 0, busy: 0, waiting: 0 };
    label.textContent = p;
    label.title = `${p}: now ${last.warm} warm · ${last.busy} busy · ${last.waiting} waiting (most ${max})`;
    const svg = document.createElementNS(NS, 'svg');
    svg.setAttribute('width', String(width));
    svg.setAttribute('height', String(ROW_H));
    svg.setAttribute('viewBox', `0 0 ${width} ${ROW_H}`);
    svg.setAttribute('class', 'chart-svg');
    // The top 14 px hold the labels.
    const y = (v: number) => ROW_H - 3 - (v / max) * (ROW_H - 17);
    const grid = document.createElementNS(NS, 'text');
    grid.setAttribute('x', String(width - 2));
    grid.setAttribute('y', '10');
    grid.setAttribute('text-anchor', 'end');
    grid.setAttribute('class', 'chart-max');
    grid.textContent = `max ${max}`;
    svg.appendChild(grid);
    const ago = document.createElementNS(NS, 'text');
    ago.setAttribute('x', '2');
    ago.setAttribute('y', '10');
    ago.setAttribute('class', 'chart-max');
    ago.textContent = `−${spanLabel(span)}`;
    svg.appendChild(ago);
    for (const k of SERIES) {
      let d = '';
      let prev: number | undefined;
      for (const s of samples) {
        const v = s.profiles[p]?.[k] ?? 0;
        const px = x(s.t).toFixed(1);
        // Steps: a count holds until the next interval.
        d += prev === undefined ? `M${px},${y(v).toFixed(1)}` : ` L${px},${y(prev).toFixed(1)} L${px},${y(v).toFixed(1)}`;
        prev = v;
      }
      if (prev !== undefined) d += ` L${x(now).toFixed(1)},${y(prev).toFixed(1)}`;
      const path = document.createElementNS(NS, 'path');
      path.setAttribute('d', d);
      path.setAttribute('class', `series ${k}`);
      svg.appendChild(path);
    }
    const nowText = document.createElement('span');
    nowText.className = 'chart-now';
    nowText.textContent = `${last.warm}/${last.busy}/${last.waiting}`;
    row.append(label, svg, nowText);
    box.appendChild(row);
    summary.push(`${p} ${last.warm} warm · ${last.busy} busy${last.waiting ? ` · ${last.waiting} waiting` : ''}`);
  }
  return `${summary.join('; ')} — last ${spanLabel(span)}, kept by the daemon (warm/busy/waiting now at the right)`;
}
