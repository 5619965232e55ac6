// The output panel's page: streamed stdout/stderr with ANSI colours (and /work paths as links), stdin while the run
// is live, the outcome, the run's output files (images inline), and a live chart of the pool. State survives a
// reload (setState + the extension's serializer).
import { formatArgs } from '../../extension/project/args';
import { AnsiParser, ANSI_NAMES, Color, Segment } from './ansi';
import { findPathLinks, LinkHold } from './links';
import { describeOutcome, formatSize, FromPanel, isImage, PanelStream, RunView, ToPanel } from './messages';
import type { PoolHistoryResult, PoolStats, RunResult } from '../../daemon/protocol';
import { drawPoolChart } from './chart';

declare function acquireVsCodeApi(): { postMessage(m: FromPanel): void; getState(): SavedState | undefined; setState(s: SavedState): void };

/** The run (as the extension keeps it, see extension/views/panelModel.ts) and the pool's history. */
interface SavedState extends RunView {
  /** The daemon's pool history, last received (shown at once after a reload; the daemon's copy is the truth). */
  history?: PoolHistoryResult;
}

const MAX_CHARS = 1_000_000;
const SAVED_CHARS = 200_000;

const vscode = acquireVsCodeApi();
const state: SavedState = vscode.getState() ?? { chunks: [] };

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
const chart = $('chart');
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

// A path cut across two chunks is linked whole: its unfinished line waits a moment for the rest (never past
// HOLD_MS, and never behind the other stream's output, so the order stays as written).
const hold = new LinkHold();
let heldStream: PanelStream = 'stdout';
let holdTimer: ReturnType<typeof setTimeout> | undefined;
const HOLD_MS = 80;

function releaseHeld(): void {
  if (holdTimer) clearTimeout(holdTimer);
  holdTimer = undefined;
  const rest = hold.flush();
  if (!rest) return;
  queue.push({ stream: heldStream, text: rest });
  if (!frame) frame = requestAnimationFrame(flush);
}

function append(stream: PanelStream, text: string, save = true): void {
  if (hold.pending && heldStream !== stream) releaseHeld();
  heldStream = stream;
  const ready = hold.take(text);
  if (ready) queue.push({ stream, text: ready });
  if (hold.pending && !holdTimer) holdTimer = setTimeout(releaseHeld, HOLD_MS);
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
  hold.flush();
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
  legend.textContent = drawPoolChart(chart, state.history, Date.now());
}

/** The pool now: only whether Docker answers (the chart comes from the daemon's history). */
function poolSample(stats: PoolStats): void {
  link.textContent = stats.docker.reachable ? '' : `Docker is not reachable: ${stats.docker.error ?? ''}`;
  link.hidden = stats.docker.reachable;
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
      releaseHeld();
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
      releaseHeld();
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
      poolSample(m.stats);
      break;
    case 'history':
      state.history = m.history;
      drawChart();
      scheduleSave();
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
releaseHeld();
showHeader();
drawChart();
setInterval(drawChart, 5000);
let chartWidth = 0;
new ResizeObserver(() => {
  // Drawing changes the height: only a new width redraws.
  if (chart.clientWidth === chartWidth) return;
  chartWidth = chart.clientWidth;
  drawChart();
}).observe(chart);
vscode.postMessage({ type: 'ready' });
