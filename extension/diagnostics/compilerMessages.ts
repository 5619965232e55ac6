// Compiler messages and runtime stack traces of the built-in languages, read into file/line/column records. No
// `vscode` import: unit-tested on its own (test/unit/diagnostics/compilerMessages.test.ts). Paths are as the sandbox
// printed them: absolute (/work/...) or relative to the compiler's working directory (the file's folder).
import type { Traceback } from '../traceback';

export interface CompilerMessage {
  file: string;
  /** 0-based. */
  line: number;
  /** 0-based; 0 when the compiler gives none. */
  col: number;
  severity: 'error' | 'warning' | 'info';
  message: string;
}

const severityOf = (s: string): CompilerMessage['severity'] => (/error/i.test(s) ? 'error' : /warn/i.test(s) ? 'warning' : 'info');
const at = (file: string, line: string, col: string | undefined, severity: CompilerMessage['severity'], message: string): CompilerMessage => ({
  file,
  line: Math.max(0, Number(line) - 1),
  col: col ? Math.max(0, Number(col) - 1) : 0,
  severity,
  message: message.trim(),
});

/** gcc/g++ and go: `file:line:col: [error|warning|note:] message`. */
const GCC = /^(.+?):(\d+):(\d+): (fatal error|error|warning|note): (.*)$/;
const GO = /^(\S+\.go):(\d+):(\d+): (.*)$/;
/** rustc: `error[E0425]: message` then ` --> file:line:col`. */
const RUST_HEAD = /^(error|warning)(?:\[\w+\])?: (.*)$/;
const RUST_AT = /^\s*--> (.+?):(\d+):(\d+)$/;
/** javac: `file:line: error: message`, the source line, then a caret under the column. */
const JAVAC = /^(.+?\.java):(\d+): (error|warning): (.*)$/;
/** esbuild: `✘ [ERROR] message` (or ▲ [WARNING]), a blank line, then `    file:line:col:`. */
const ESBUILD_HEAD = /^\s*(?:✘|▲|X)?\s*\[(ERROR|WARNING)\] (.*)$/;
const ESBUILD_AT = /^\s+(\S+?):(\d+):(\d+):\s*$/;
/** tsc: `file(line,col): error TS1005: message` or `file:line:col - error TS...: message`. */
const TSC = /^(.+?)\((\d+),(\d+)\): (error|warning) (TS\d+: .*)$/;
const TSC_PRETTY = /^(.+?):(\d+):(\d+) - (error|warning) (TS\d+: .*)$/;

export function parseCompilerMessages(text: string): CompilerMessage[] {
  const lines = text.split(/\r?\n/);
  const out: CompilerMessage[] = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    let m: RegExpExecArray | null;
    if ((m = GCC.exec(l))) {
      out.push(at(m[1], m[2], m[3], severityOf(m[4]), m[5]));
    } else if ((m = TSC.exec(l)) || (m = TSC_PRETTY.exec(l))) {
      out.push(at(m[1], m[2], m[3], severityOf(m[4]), m[5]));
    } else if ((m = JAVAC.exec(l))) {
      // The caret line (two below) gives the column.
      const caret = lines[i + 2]?.indexOf('^') ?? -1;
      const detail = lines.slice(i + 3, i + 5).filter((x) => /^\s+(symbol|location):/.test(x)).map((x) => x.trim());
      out.push(at(m[1], m[2], caret >= 0 ? String(caret + 1) : undefined, severityOf(m[3]), [m[4], ...detail].join('; ')));
    } else if ((m = RUST_HEAD.exec(l))) {
      const loc = lines.slice(i + 1, i + 4).map((x) => RUST_AT.exec(x)).find(Boolean);
      if (loc) out.push(at(loc[1], loc[2], loc[3], severityOf(m[1]), m[2]));
    } else if ((m = ESBUILD_HEAD.exec(l))) {
      const loc = lines.slice(i + 1, i + 4).map((x) => ESBUILD_AT.exec(x)).find(Boolean);
      if (loc) out.push(at(loc[1], loc[2], loc[3], severityOf(m[1]), m[2]));
    } else if ((m = GO.exec(l))) {
      out.push(at(m[1], m[2], m[3], 'error', m[4]));
    }
  }
  return out;
}

/**
 * A runtime stack trace as a Traceback (outermost frame first, like Python's), for Node/TypeScript, Ruby, PHP and
 * Java; null when there is none. Java prints bare file names (`Main.java:4`): they are returned as such.
 */
export function parseRuntimeTrace(profile: string, stderr: string): Traceback | null {
  const lines = stderr.split(/\r?\n/);
  const frames: { file: string; line: number }[] = [];
  let message = '';
  const push = (file: string, line: string) => frames.push({ file, line: Math.max(0, Number(line) - 1) });
  if (profile === 'node' || profile === 'typescript') {
    for (const l of lines) {
      const m = /^\s+at (?:.*? \()?((?:\/|\.)[^():]+):(\d+):(\d+)\)?$/.exec(l);
      if (m) push(m[1], m[2]);
      else if (!message && /^\w*(Error|Exception)\b.*:/.test(l)) message = l.trim();
    }
  } else if (profile === 'ruby') {
    for (const l of lines) {
      const m = /^(?:\s*from )?(\/[^:]+):(\d+):in [`'](.*?)'(?:: (.*))?$/.exec(l);
      if (m) {
        push(m[1], m[2]);
        if (m[4] && !message) message = m[4].trim();
      }
    }
  } else if (profile === 'php') {
    for (const l of lines) {
      let m = /^(?:PHP )?(?:Fatal error|Warning|Parse error):\s+(.*?) in (\/\S+?)(?::| on line )(\d+)$/.exec(l);
      if (m) {
        if (!message) message = m[1];
        push(m[2], m[3]);
        continue;
      }
      m = /^#\d+ (\/\S+?)\((\d+)\):/.exec(l);
      if (m) push(m[1], m[2]);
    }
  } else if (profile === 'java') {
    for (const l of lines) {
      const m = /^\s+at [\w$.<>]+\(([\w$]+\.java):(\d+)\)$/.exec(l);
      if (m) push(m[1], m[2]);
      else if (!message && /^Exception in thread|^\S+(Exception|Error)\b/.test(l)) message = l.replace(/^Exception in thread "[^"]*" /, '').trim();
    }
  } else {
    return null;
  }
  if (!frames.length) return null;
  // Printed innermost first; a Traceback lists the outermost first.
  return { frames: dedupe(frames).reverse(), message: message || 'error' };
}

function dedupe(frames: { file: string; line: number }[]): { file: string; line: number }[] {
  return frames.filter((f, i) => frames.findIndex((g) => g.file === f.file && g.line === f.line) === i);
}
