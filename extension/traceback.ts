// Finds where a Python traceback points into the file that was run. No `vscode` import: unit-tested on its own.

export interface TracebackHit {
  /** 0-based line in the program that ran. */
  line: number;
  message: string;
}

const FRAME = /^\s*File "([^"]+)", line (\d+)/;

/**
 * The innermost frame of the last traceback in `stderr` that is in `fileName` (as the sandbox saw it, /work/NAME),
 * with the exception line as the message. Null when the error is elsewhere or there is no traceback.
 */
export function parsePythonTraceback(stderr: string, fileName: string): TracebackHit | null {
  const lines = stderr.split(/\r?\n/);
  // The last traceback (chained exceptions print several); a SyntaxError prints its frame with no header.
  const from = Math.max(0, lines.lastIndexOf('Traceback (most recent call last):'));
  let hit: number | null = null;
  let lastFrame = -1;
  for (let i = from; i < lines.length; i++) {
    const m = FRAME.exec(lines[i]);
    if (!m) continue;
    lastFrame = i;
    if (m[1] === `/work/${fileName}` || m[1] === fileName) hit = Number(m[2]) - 1;
  }
  if (hit === null) return null;
  const message = lines.slice(lastFrame + 1).find((l) => l.trim() !== '' && !/^\s/.test(l))?.trim() ?? 'error';
  return { line: Math.max(0, hit), message };
}
