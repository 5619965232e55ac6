// What the sandbox terminal does with keys and text, without `vscode` (unit-tested in Node): a line editor with echo
// (the program's stdin is a pipe, not a tty, so the terminal itself must echo and edit, as a cooked tty would), the
// newline translation a terminal needs, and the outcome line that ends each run.
import { describeOutcome } from '../../media/src/messages';
import type { RunResult } from '../../daemon/protocol';

export interface InputEffects {
  /** What to write back to the terminal. */
  echo: string;
  /** Complete lines (with their newline) or, on Ctrl+D, the partial line, in order, for the program's stdin. */
  send: string[];
  /** Ctrl+D: stdin ends (after `send`). */
  eof: boolean;
  /** Ctrl+C: the run is stopped. */
  interrupt: boolean;
}

/** One line being typed: printable keys echo, Backspace edits, Ctrl+U clears, Enter sends, Ctrl+D ends, Ctrl+C stops. */
export class LineInput {
  private line = '';

  get pending(): string {
    return this.line;
  }

  reset(): void {
    this.line = '';
  }

  handle(data: string): InputEffects {
    const fx: InputEffects = { echo: '', send: [], eof: false, interrupt: false };
    const chars = Array.from(data);
    for (let i = 0; i < chars.length; i++) {
      const ch = chars[i];
      if (ch === '\r' || ch === '\n') {
        // A paste may carry \r\n: one line end.
        if (ch === '\r' && chars[i + 1] === '\n') i++;
        fx.send.push(this.line + '\n');
        fx.echo += '\r\n';
        this.line = '';
      } else if (ch === '\x7f' || ch === '\b') {
        if (this.line) {
          this.line = Array.from(this.line).slice(0, -1).join('');
          fx.echo += '\b \b';
        }
      } else if (ch === '\x15') {
        fx.echo += '\b \b'.repeat(Array.from(this.line).length);
        this.line = '';
      } else if (ch === '\x03') {
        fx.echo += '^C\r\n';
        fx.interrupt = true;
        this.line = '';
        return fx;
      } else if (ch === '\x04') {
        if (this.line) fx.send.push(this.line);
        this.line = '';
        fx.eof = true;
        return fx;
      } else if (ch === '\x1b') {
        // Arrow keys and other escape sequences: no history or cursor movement here; skipped whole.
        if (chars[i + 1] === '[' || chars[i + 1] === 'O') {
          i += 2;
          while (i < chars.length && !/[@-~]/.test(chars[i])) i++;
        }
      } else if (ch === '\t' || ch >= ' ') {
        this.line += ch;
        fx.echo += ch;
      }
    }
    return fx;
  }
}

/** A terminal needs \r\n: lone \n become \r\n; \r\n and ANSI sequences pass as they are. */
export function toTerminal(text: string): string {
  return text.replace(/\r?\n/g, '\r\n');
}

/** The dim line that ends a run in the terminal: outcome, duration, warm or cold, in the outcome's colour. */
export function outcomeLine(r: RunResult): string {
  const ok = r.outcome === 'exited' && r.exitCode === 0;
  const colour = ok ? '\x1b[32m' : r.outcome === 'cancelled' ? '\x1b[33m' : '\x1b[31m';
  const where = r.containerId ? ` · ${r.warm ? 'warm' : 'cold'}` : '';
  return `${colour}■ ${describeOutcome(r)}${where}\x1b[0m`;
}

/**
 * The rule for "the program waits for input": its last output is a prompt (text after the last newline) and nothing
 * more came for PROMPT_QUIET_MS while the run is live. Programs that read without a prompt, or print their prompt with a
 * newline, are not detected: the terminal is there for them to click into.
 */
export const PROMPT_QUIET_MS = 300;

export function endsInPrompt(text: string): boolean {
  // Colour resets after the last newline are not a prompt.
  const t = text.replace(/(\x1b\[[0-9;]*m)+$/, '');
  return t.length > 0 && !t.endsWith('\n');
}
