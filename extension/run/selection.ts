// What a selection runs as: its lines dedented (Python: an indented block inside a function must run) and moved down
// by blank lines to where they sit in the editor, so a traceback's line numbers are the editor's own (in the
// diagnostics, the panel's links and the terminal alike). Pure: no `vscode` import, unit-tested.

export interface SelectedText {
  /** The selected text as the editor gives it. */
  text: string;
  /** 0-based line of the selection's start in the editor. */
  startLine: number;
  /** What precedes the selection on its first line (only its whitespace-ness matters). */
  before: string;
  /** Remove the lines' common indentation (Python). */
  dedent: boolean;
}

/** The program a selection runs as: `startLine` blank lines, then its lines (dedented when asked). */
export function selectionProgram(s: SelectedText): string {
  let lines = s.text.split('\n');
  if (s.dedent) lines = dedentLines(lines, /^[ \t]*$/.test(s.before) ? s.before : undefined);
  return '\n'.repeat(s.startLine) + lines.join('\n');
}

/**
 * Removes the indentation all non-blank lines share. `firstIndent` is the whitespace before the selection on its
 * first line (the selection began inside the indentation or at its end), undefined when the first line is a fragment
 * of a longer line (then it keeps its text and does not count).
 */
export function dedentLines(lines: string[], firstIndent: string | undefined): string[] {
  const full = lines.map((l, i) => (i === 0 ? (firstIndent === undefined ? undefined : firstIndent + l) : l));
  let common: string | undefined;
  for (const l of full) {
    if (l === undefined || /^\s*$/.test(l)) continue;
    const ind = /^[ \t]*/.exec(l)![0];
    if (common === undefined) common = ind;
    else {
      let k = 0;
      while (k < common.length && k < ind.length && common[k] === ind[k]) k++;
      common = common.slice(0, k);
    }
  }
  const n = common?.length ?? 0;
  return full.map((l, i) => {
    if (l === undefined) return lines[i];
    // Blank lines may be shorter than the indentation: they lose what they have of it.
    return l.slice(Math.min(n, /^[ \t]*/.exec(l)![0].length));
  });
}

/**
 * When a selection counts for ▶ / Ctrl+Alt+Enter: only when it is not the one the file had when it last ran (a
 * leftover selection, made for an earlier run, never turns Run into Run Selection). *Run Selection* always runs it.
 * Keyed by the document's URI string; a selection is its range as text (`l:c-l:c`).
 */
export class SelectionRule {
  private atLastRun = new Map<string, string>();

  /** Whether Run (not Run Selection) runs the selection. */
  counts(doc: string, selection: string | undefined): boolean {
    return selection !== undefined && this.atLastRun.get(doc) !== selection;
  }

  /** The document ran with this selection (undefined: none). */
  ran(doc: string, selection: string | undefined): void {
    if (selection === undefined) this.atLastRun.delete(doc);
    else this.atLastRun.set(doc, selection);
  }

  closed(doc: string): void {
    this.atLastRun.delete(doc);
  }
}
