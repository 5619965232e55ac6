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
