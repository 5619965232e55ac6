// What the warmbox tab shows, kept by the extension: a hidden webview is destroyed (retainContextWhenHidden is off,
// to keep memory low) and messages posted to it are lost, so the page is sent this whole view every time it (re)loads
// instead. No `vscode` import: unit-tested in Node. The page applies the same messages the same way (media/src/panel.ts).
import type { PanelStream, RunView, ToPanel } from '../../media/src/messages';

/** The page trims its own output the same way; the tail is what a reload can show. */
export const KEPT_CHARS = 200_000;

export class PanelModel {
  private view: RunView = { chunks: [] };
  private chars = 0;

  /** Applies a message the page would get; false for those that are not about the run (pool, link). */
  apply(m: ToPanel): boolean {
    const v = this.view;
    switch (m.type) {
      case 'begin':
        if (m.clear) this.clear();
        else if (v.run) this.append('stdout', '\n');
        v.run = m.run;
        v.started = undefined;
        v.result = undefined;
        v.outputsBase = undefined;
        return true;
      case 'started':
        if (v.run?.runId === m.runId) v.started = { containerId: m.containerId, acquireMs: m.acquireMs, warm: m.warm };
        return true;
      case 'output':
        if (v.run?.runId === m.runId) this.append(m.stream, m.text);
        return true;
      case 'exit':
        if (v.run?.runId === m.result.runId) {
          v.result = m.result;
          v.outputsBase = m.outputsBase;
        }
        return true;
      case 'outputsBase':
        if (v.run?.runId === m.runId) v.outputsBase = m.base;
        return true;
      default:
        return false;
    }
  }

  /** After a window reload: what the page saved (the extension host that kept the view is gone). */
  restore(saved: Partial<RunView>): void {
    this.view = {
      run: saved.run,
      started: saved.started,
      result: saved.result,
      outputsBase: saved.outputsBase,
      chunks: Array.isArray(saved.chunks) ? saved.chunks.filter((c) => c && typeof c.text === 'string') : [],
    };
    this.chars = this.view.chunks.reduce((n, c) => n + c.text.length, 0);
  }

  get current(): RunView {
    return this.view;
  }

  private clear(): void {
    this.view.chunks = [];
    this.chars = 0;
  }

  private append(stream: PanelStream, text: string): void {
    const chunks = this.view.chunks;
    const last = chunks[chunks.length - 1];
    // Consecutive text of one stream is one chunk: a long run is not thousands of tiny messages on replay.
    if (last && last.stream === stream && last.text.length < 16_384) last.text += text;
    else chunks.push({ stream, text });
    this.chars += text.length;
    while (this.chars > KEPT_CHARS && chunks.length > 1) this.chars -= chunks.shift()!.text.length;
    if (this.chars > KEPT_CHARS && chunks.length === 1) {
      chunks[0].text = chunks[0].text.slice(-KEPT_CHARS);
      this.chars = chunks[0].text.length;
    }
  }
}
