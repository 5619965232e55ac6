// The output panel's page: streamed stdout/stderr with ANSI colours (and /work paths as links), stdin while the run
// is live, the outcome, the run's output files (images inline), and a live chart of the pool. State survives a
// reload (setState + the extension's serializer).
import { formatArgs } from '../../extension/project/args';
import { AnsiParser, ANSI_NAMES, Color, Segment } from './ansi';
import { findPathLinks } from './links';
import { describeOutcome, formatSize, FromPanel, isImage, PanelStream, RunView, ToPanel } from './messages';
import type { PoolStats, RunResult } from '../../daemon/protocol';

declare function acquireVsCodeApi(): { postMessage(m: FromPanel): void; getState(): SavedState | undefined; setState(s: SavedState): void };

interface Sample {
  t: number;
  warm: number;
  busy: number;
  waiting: number;
}

/** The run (as the extension keeps it, see extension/views/panelModel.ts) and the chart's samples. */
interface SavedState extends RunView {
  samples: Sample[];
}

const MAX_CHARS = 1_000_000;
const SAVED_CHARS = 200_000;
const HISTORY_MS = 5 * 60_000;

const vscode = acquireVsCodeApi();
const state: SavedState = vscode.getState() ?? { chunks: [], samples: [] };

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const out = $<HTMLPreElement>('output');
const title = $('title');
const meta = $('meta');
const outcome = $('outcome');
const stopBtn = $<HTMLButtonElement>('stop');
const input = $<HTMLInputElement>('stdin');
const sendBtn = $<HTMLButtonElement>('send');
const eofBtn = $<HTMLButtonElement>('eof');
const dropped = $('dropped');
const chart = $('chart') as unknown as SVGSVGElement;
const legend = $('legend');
const link = $('link');
const outputsBox = $('outputs');

let parsers = { stdout: new AnsiParser(), stderr: new AnsiParser(), stdin: new AnsiParser() };
let chars = 0;
let queue: { stream: PanelStream; text: string }[] = [];
let frame = 0;
let saveTimer: ReturnType<typeof setTimeout> | undefined;

function colorCss(c: Color): string {
  return 'ansi' in c ? `var(--vscode-terminal-ansi${ANSI_NAMES[c.ansi][0].toUpperCase()}${ANSI_NAMES[c.ansi].slice(1)})` : c.rgb;
}

function render(stream: PanelStream, segs: Segment[]): DocumentFragment {
  const f = document.createDocumentFragment();
  for (const s of segs) {
    const span = document.createElement('span');
    span.className = stream;
    const st = s.style;
    if (st.bold) span.classList.add('b');
    if (st.dim) span.classList.add('dim');
    if (st.italic) span.classList.add('i');
    if (st.underline) span.classList.add('u');
    const fg = st.inverse ? st.bg : st.fg;
    const bg = st.inverse ? st.fg : st.bg;
    if (fg) span.style.color = colorCss(fg);
    if (bg) span.style.backgroundColor = colorCss(bg);
    appendLinked(span, s.text);
    f.appendChild(span);
  }
  return f;
}

/** Text with its /work paths as links (text nodes only: the program's output never becomes markup). */
function appendLinked(parent: HTMLElement, text: string): void {
  let at = 0;
  for (const l of findPathLinks(text)) {
    if (l.start > at) parent.appendChild(document.createTextNode(text.slice(at, l.start)));
    const a = document.createElement('a');
    a.className = 'path';
    a.tabIndex = 0;
    a.dataset.path = l.path;
    if (l.line) a.dataset.line = String(l.line);
    a.title = 'Open the project file';
    a.textContent = text.slice(l.start, l.end);
    parent.appendChild(a);
    at = l.end;
  }
  if (at < text.length) parent.appendChild(document.createTextNode(text.slice(at)));
}

function flush(): void {
  frame = 0;
  const atBottom = out.scrollTop + out.clientHeight >= out.scrollHeight - 4;
  const f = document.createDocumentFragment();
  for (const q of queue) {
    f.appendChild(render(q.stream, parsers[q.stream].push(q.text)));
    chars += q.text.length;
  }
  queue = [];
  out.appendChild(f);
  // Long output: drop the oldest nodes so the page never holds more than MAX_CHARS.
  while (chars > MAX_CHARS && out.firstChild) {
    chars -= out.firstChild.textContent?.length ?? 0;
    out.removeChild(out.firstChild);
    dropped.hidden = false;
  }
  if (atBottom) out.scrollTop = out.scrollHeight;
}

function append(stream: PanelStream, text: string, save = true): void {
  queue.push({ stream, text });
  if (save) {
    state.chunks.push({ stream, text });
    let total = state.chunks.reduce((n, c) => n + c.text.length, 0);
    while (total > SAVED_CHARS && state.chunks.length > 1) total -= state.chunks.shift()!.text.length;
    scheduleSave();
  }
  if (!frame) frame = requestAnimationFrame(flush);
}

function scheduleSave(): void {
  if (saveTimer) return;
  saveTimer = setTimeout(() => {
    saveTimer = undefined;
    vscode.setState(state);
  }, 300);
}

function clearOutput(): void {
  out.textContent = '';
  chars = 0;
  queue = [];
  dropped.hidden = true;
  parsers = { stdout: new AnsiParser(), stderr: new AnsiParser(), stdin: new AnsiParser() };
  state.chunks = [];
}

function showHeader(): void {
  const r = state.run;
  if (!r) {
    title.textContent = 'No run yet';
    meta.textContent = 'Run a file with "warmbox: Run in Sandbox" (Ctrl+Alt+Enter).';
    outcome.textContent = '';
    setLive(false);
    return;
  }
  title.textContent = `${r.file}${r.selection ? ' (selection)' : ''}${r.args?.length ? ` ${formatArgs(r.args)}` : ''}`;
  title.title = r.args?.length ? `arguments: ${formatArgs(r.args)} (warmbox: Run in Sandbox with Arguments… changes or clears them)` : '';
  const s = state.started;
  meta.textContent = [
    `profile ${r.profile}`,
    s ? `container ${s.containerId.slice(0, 12)}` : 'waiting for a sandbox…',
    s ? `acquired in ${s.acquireMs} ms (${s.warm ? 'warm' : 'cold'})` : '',
  ]
    .filter(Boolean)
    .join(' · ');
  const res = state.result;
  outcome.className = res ? `pill ${res.outcome === 'exited' && res.exitCode === 0 ? 'ok' : 'bad'}` : 'pill running';
  outcome.textContent = res ? describeOutcome(res) : 'running';
  setLive(!res);
  showOutputs();
}

/** The run's output files: path, size, Open and Save to Workspace, images inline; and how many stayed behind. */
function showOutputs(): void {
  const o = state.result?.outputs;
  outputsBox.textContent = '';
  outputsBox.hidden = !o || (!o.files.length && !o.left);
  if (!o || outputsBox.hidden) return;
  const head = document.createElement('div');
  head.className = 'outputs-head';
  head.textContent = `Output files (${o.files.length})`;
  if (o.left) {
    const left = document.createElement('span');
    left.className = 'left';
    left.textContent = ` · ${o.left} more left in the sandbox: over the caps (warmbox.outputs.maxSizeMb / maxFiles)`;
    head.appendChild(left);
  }
  outputsBox.appendChild(head);
  const list = document.createElement('ul');
  for (const f of o.files) {
    const li = document.createElement('li');
    li.dataset.path = f.path;
    const name = document.createElement('span');
    name.className = 'file';
    name.textContent = f.path;
    const size = document.createElement('span');
    size.className = 'size';
    size.textContent = formatSize(f.size);
    const open = button('Open', 'Open the file read-only', () => vscode.postMessage({ type: 'openOutput', path: f.path }));
    open.classList.add('open');
    const save = button('Save to Workspace', 'Copy it into the project at this path', () => vscode.postMessage({ type: 'saveOutput', path: f.path }));
    save.classList.add('secondary', 'save');
    save.hidden = !state.run?.root;
    li.append(name, size, open, save);
    if (isImage(f.path) && state.outputsBase) {
      const img = document.createElement('img');
      img.alt = f.path;
      img.src = `${state.outputsBase}/${f.path.split('/').map(encodeURIComponent).join('/')}`;
      li.appendChild(img);
    }
    list.appendChild(li);
  }
  outputsBox.appendChild(list);
}

function button(label: string, tip: string, onClick: () => void): HTMLButtonElement {
  const b = document.createElement('button');
  b.textContent = label;
  b.title = tip;
  b.addEventListener('click', onClick);
  return b;
}

function setLive(live: boolean): void {
  stopBtn.disabled = !live;
  input.disabled = !live;
  sendBtn.disabled = !live;
  eofBtn.disabled = !live;
}

function drawChart(): void {
  const now = Date.now();
  const samples = state.samples.filter((s) => now - s.t <= HISTORY_MS);
  const w = 300;
  const h = 60;
  const max = Math.max(1, ...samples.map((s) => Math.max(s.warm, s.busy, s.waiting)));
  const x = (t: number) => ((t - (now - HISTORY_MS)) / HISTORY_MS) * w;
  const y = (v: number) => h - (v / max) * (h - 4) - 2;
  const line = (key: 'warm' | 'busy' | 'waiting') => {
    if (!samples.length) return '';
    let d = '';
    let prev: number | undefined;
    for (const s of samples) {
      const px = x(s.t).toFixed(1);
      if (prev !== undefined) d += ` L${px},${y(prev).toFixed(1)}`;
      d += `${d ? ' L' : 'M'}${px},${y(s[key]).toFixed(1)}`;
      prev = s[key];
    }
    return `${d} L${w},${y(prev!).toFixed(1)}`;
  };
  chart.innerHTML = '';
  const ns = 'http://www.w3.org/2000/svg';
  for (const key of ['warm', 'busy', 'waiting'] as const) {
    const p = document.createElementNS(ns, 'path');
    p.setAttribute('d', line(key));
    p.setAttribute('class', `series ${key}`);
    chart.appendChild(p);
  }
  const last = samples[samples.length - 1];
  legend.textContent = last ? `warm ${last.warm} · busy ${last.busy} · waiting ${last.waiting} (max ${max}, last 5 min)` : 'no pool data yet';
}

function poolSample(t: number, stats: PoolStats): void {
  const sum = (k: 'idle' | 'busy' | 'waiting') => stats.profiles.reduce((n, p) => n + p[k], 0);
  state.samples.push({ t, warm: sum('idle'), busy: sum('busy'), waiting: sum('waiting') });
  const cut = Date.now() - HISTORY_MS - 10_000;
  while (state.samples.length && state.samples[0].t < cut) state.samples.shift();
  link.textContent = stats.docker.reachable ? '' : `Docker is not reachable: ${stats.docker.error ?? ''}`;
  link.hidden = stats.docker.reachable;
  drawChart();
  scheduleSave();
}

window.addEventListener('message', (ev: MessageEvent<ToPanel>) => {
  const m = ev.data;
  switch (m.type) {
    case 'begin':
      if (m.clear) clearOutput();
      else if (state.run) append('stdout', '\n', true);
      state.run = m.run;
      state.started = undefined;
      state.result = undefined;
      state.outputsBase = undefined;
      showHeader();
      // Never input.focus() here: focusing inside the webview takes the focus from the editor the user ran from.
      scheduleSave();
      break;
    case 'replay':
      // The extension's view of the run wins over what this page saved: runs may have happened while it was hidden.
      clearOutput();
      state.run = m.view.run;
      state.started = m.view.started;
      state.result = m.view.result;
      state.outputsBase = m.view.outputsBase;
      for (const c of m.view.chunks) append(c.stream, c.text);
      showHeader();
      scheduleSave();
      break;
    case 'focusInput':
      if (!input.disabled) input.focus();
      break;
    case 'started':
      if (state.run?.runId !== m.runId) return;
      state.started = { containerId: m.containerId, acquireMs: m.acquireMs, warm: m.warm };
      showHeader();
      scheduleSave();
      break;
    case 'output':
      if (state.run?.runId !== m.runId) return;
      append(m.stream, m.text);
      break;
    case 'exit':
      if (state.run?.runId !== m.result.runId) return;
      state.result = m.result;
      state.outputsBase = m.outputsBase;
      showHeader();
      scheduleSave();
      break;
    case 'outputsBase':
      if (state.run?.runId !== m.runId) return;
      state.outputsBase = m.base;
      showOutputs();
      scheduleSave();
      break;
    case 'pool':
      poolSample(m.t, m.stats);
      break;
    case 'link':
      link.hidden = m.state === 'connected';
      link.textContent = m.state === 'connected' ? '' : `daemon ${m.state}${m.error ? `: ${m.error}` : ''}`;
      break;
  }
});

function sendInput(): void {
  // The extension echoes it into the output (as it does for what is typed in the terminal).
  vscode.postMessage({ type: 'stdin', text: input.value + '\n' });
  input.value = '';
}

stopBtn.addEventListener('click', () => vscode.postMessage({ type: 'stop' }));
const openLink = (e: Event) => {
  const a = (e.target as HTMLElement).closest<HTMLElement>('a.path');
  if (!a?.dataset.path) return;
  e.preventDefault();
  vscode.postMessage({ type: 'openPath', path: a.dataset.path, line: a.dataset.line ? Number(a.dataset.line) : undefined });
};
out.addEventListener('click', openLink);
out.addEventListener('keydown', (e) => {
  if (e.key === 'Enter') openLink(e);
});
sendBtn.addEventListener('click', sendInput);
eofBtn.addEventListener('click', () => vscode.postMessage({ type: 'eof' }));
input.addEventListener('keydown', (e) => {
  if (e.key === 'Enter') sendInput();
  if (e.key === 'd' && e.ctrlKey) {
    e.preventDefault();
    vscode.postMessage({ type: 'eof' });
  }
});

// Restore what was there before a reload.
for (const c of state.chunks) append(c.stream, c.text, false);
showHeader();
drawChart();
setInterval(drawChart, 5000);
vscode.postMessage({ type: 'ready' });
