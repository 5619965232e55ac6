// Keeps a run's diagnostics true while the user edits: a mark on a line that changed goes (the line it described is
// gone), marks below a change move with their lines. Pure (line numbers only): unit-tested without `vscode`.

export interface LineSpan {
  /** 0-based, inclusive. */
  startLine: number;
  endLine: number;
}

export interface LineEdit {
  /** The replaced range's lines (0-based, inclusive). */
  startLine: number;
  endLine: number;
  /** Newlines in the inserted text. */
  insertedLines: number;
}

/**
 * Where each span is after the edits (applied in order, as VS Code reports them), or null once an edit touched its
 * lines. Spans above an edit stay; spans below it move by the lines it added or removed.
 */
export function shiftSpans(spans: LineSpan[], edits: LineEdit[]): (LineSpan | null)[] {
  let out: (LineSpan | null)[] = spans.map((s) => ({ ...s }));
  // VS Code gives a change event's edits each against the document before the event, last first: apply bottom-up.
  const ordered = [...edits].sort((a, b) => b.startLine - a.startLine);
  for (const e of ordered) {
    const delta = e.insertedLines - (e.endLine - e.startLine);
    out = out.map((s) => {
      if (!s) return s;
      if (s.endLine < e.startLine) return s;
      if (s.startLine > e.endLine) return { startLine: s.startLine + delta, endLine: s.endLine + delta };
      return null;
    });
  }
  return out;
}

/** Newlines in a text (\r\n counted once). */
export function lineBreaks(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}
