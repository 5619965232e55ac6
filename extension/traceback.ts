// Reads Python tracebacks: where the error was raised and the frames that led there. No `vscode` import: unit-tested
// on its own.

export interface TracebackHit {
  /** 0-based line in the program that ran. */
  line: number;
  message: string;
}

export interface TracebackFrame {
  /** The path as the sandbox printed it (`/work/app/helper.py`, or relative to the working directory). */
  file: string;
  /** 0-based. */
  line: number;
}

export interface Traceback {
  /** Outermost first, as Python prints them; the last one raised. */
  frames: TracebackFrame[];
  /** The exception line, e.g. `ZeroDivisionError: division by zero`. */
  message: string;
}

const FRAME = /^\s*File "([^"]+)", line (\d+)/;

/**
 * The last traceback in `stderr` (chained exceptions print several; a SyntaxError prints its frame with no header),
 * or null when there is none.
 */
export function parsePythonFrames(stderr: string): Traceback | null {
  const lines = stderr.split(/\r?\n/);
  const from = Math.max(0, lines.lastIndexOf('Traceback (most recent call last):'));
  const frames: TracebackFrame[] = [];
  let lastFrame = -1;
  for (let i = from; i < lines.length; i++) {
    const m = FRAME.exec(lines[i]);
    if (!m) continue;
    lastFrame = i;
    frames.push({ file: m[1], line: Math.max(0, Number(m[2]) - 1) });
  }
  if (!frames.length) return null;
  const message = lines.slice(lastFrame + 1).find((l) => l.trim() !== '' && !/^\s/.test(l))?.trim() ?? 'error';
  return { frames, message };
}

/**
 * The innermost frame of the last traceback in `stderr` that is in `fileName` (as the sandbox saw it, /work/NAME),
 * with the exception line as the message. Null when the error is elsewhere or there is no traceback.
 */
export function parsePythonTraceback(stderr: string, fileName: string): TracebackHit | null {
  const tb = parsePythonFrames(stderr);
  const hit = tb?.frames.filter((f) => f.file === `/work/${fileName}` || f.file === fileName).pop();
  return tb && hit ? { line: hit.line, message: tb.message } : null;
}
