// Diagnostics for the languages beyond Python: a failed build's compiler messages (outcome compile-error) on their
// files, lines and columns; a runtime stack trace (Node, TypeScript, Ruby, PHP, Java) through the traceback marks.
// Relative paths are the compiler's, from the file's folder (the compile step runs there).
import * as path from 'path';
import * as vscode from 'vscode';
import type { RunResult } from '../../daemon/protocol';
import { projectFile, RanFile, tracebackDiagnostics } from '../project/tracebackDiagnostics';
import { parseCompilerMessages, parseRuntimeTrace } from './compilerMessages';

type Marks = Map<string, { uri: vscode.Uri; diagnostics: vscode.Diagnostic[] }>;

export async function languageDiagnostics(profile: string, r: RunResult, stderr: string, ran: RanFile): Promise<Marks> {
  const dir = path.posix.join('/work', path.posix.dirname(ran.sandboxPath));
  const abs = (p: string) => (p.startsWith('/') ? p : path.posix.join(dir, p));
  if (r.outcome === 'compile-error' && r.compile?.messages) {
    const out: Marks = new Map();
    for (const m of parseCompilerMessages(r.compile.messages)) {
      const uri = await locate(abs(m.file), ran);
      if (!uri) continue;
      const line = uri.toString() === ran.doc.uri.toString() ? m.line + ran.lineOffset : m.line;
      const d = new vscode.Diagnostic(new vscode.Range(line, m.col, line, m.col + 1), m.message, m.severity === 'error' ? vscode.DiagnosticSeverity.Error : m.severity === 'warning' ? vscode.DiagnosticSeverity.Warning : vscode.DiagnosticSeverity.Information);
      d.source = `warmbox (${profile})`;
      const key = uri.toString();
      if (!out.has(key)) out.set(key, { uri, diagnostics: [] });
      out.get(key)!.diagnostics.push(d);
    }
    return out;
  }
  if (r.outcome !== 'exited' || r.exitCode === 0) return new Map();
  const tb = parseRuntimeTrace(profile, stderr);
  if (!tb) return new Map();
  return tracebackDiagnostics({ ...tb, frames: tb.frames.map((f) => ({ ...f, file: abs(f.file) })) }, ran);
}

async function locate(printed: string, ran: RanFile): Promise<vscode.Uri | undefined> {
  if (printed === path.posix.join('/work', ran.sandboxPath)) return ran.doc.uri;
  if (!ran.root) return undefined;
  const local = await projectFile(ran.root, printed, '.');
  return local ? vscode.Uri.file(local) : undefined;
}
