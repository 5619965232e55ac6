// Finds sandbox paths (/work/...) in a run's output, with a line number when one follows, so the panel can make them
// links. No DOM and no `vscode` here: unit-tested in Node. The extension decides what a link may open.

export interface PathLink {
  start: number;
  end: number;
  path: string;
  /** 1-based, when the text says it (`", line 7` as Python prints, or `:7`). */
  line?: number;
}

// A path under /work, then optionally `", line N` (Python) or `:N` (most tools, Node's stack traces).
const LINK = /\/work(?:\/[\w.@+\-~%]+)+(?:(?=", line \d)", line (\d+)|:(\d+))?/g;

export function findPathLinks(text: string): PathLink[] {
  const out: PathLink[] = [];
  for (const m of text.matchAll(LINK)) {
    const lineText = m[1] ?? m[2];
    const start = m.index!;
    // Only the path itself is the link's text when Python's `", line N` follows; the rest stays as printed.
    const path = m[0].replace(/(", line \d+|:\d+)$/, '');
    out.push({ start, end: start + (m[1] ? path.length : m[0].length), path, line: lineText ? Number(lineText) : undefined });
  }
  return out;
}

/**
 * Output arrives in chunks that may cut a path in two (`File "/wo` + `rk/app.py", line 3`): the unfinished last line
 * is held back while it may still be (the start of) a path, so the link is found whole. `take` gives what can be
 * shown now; `flush` the rest (the caller calls it after a short quiet, and when the run ends, so a prompt shows).
 */
export class LinkHold {
  private held = '';

  take(text: string): string {
    const all = this.held + text;
    const nl = all.lastIndexOf('\n');
    const tail = all.slice(nl + 1);
    if (mayContinuePath(tail)) {
      this.held = tail;
      return all.slice(0, nl + 1);
    }
    this.held = '';
    return all;
  }

  /** Whether something is held back. */
  get pending(): boolean {
    return this.held !== '';
  }

  flush(): string {
    const h = this.held;
    this.held = '';
    return h;
  }
}

/** An unfinished line holding a /work path (or ending in the beginning of one) may still grow its link. */
function mayContinuePath(tail: string): boolean {
  if (tail.includes('/work')) return true;
  for (const p of ['/', '/w', '/wo', '/wor']) if (tail.endsWith(p)) return true;
  return false;
}
