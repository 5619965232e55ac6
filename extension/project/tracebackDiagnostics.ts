// A Python traceback as diagnostics: the innermost frame in the project gets the exception (an error), every other
// frame in the project is marked as the way there. Sandbox paths map back to the project's files; frames outside it
// (the interpreter's library, a path that would leave the root, a file only the run created) are skipped.
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { Traceback } from '../traceback';
import { sandboxToLocal } from './paths';
import { isInside } from './root';

export interface RanFile {
  doc: vscode.TextDocument;
  /** As the sandbox knew it: the project-relative path, or the plain file name of a run without a project. */
  sandboxPath: string;
  /** Lines before the selection that ran (0 for a whole file). */
  lineOffset: number;
  root?: string;
  /** The working directory relative to the root ('.' for the root). */
  cwd: string;
}

export async function tracebackDiagnostics(tb: Traceback, ran: RanFile): Promise<Map<string, { uri: vscode.Uri; diagnostics: vscode.Diagnostic[] }>> {
  const located: { uri: vscode.Uri; line: number }[] = [];
  for (const f of tb.frames) {
    const loc = await locate(f.file, f.line, ran);
    if (loc && !located.some((l) => l.uri.toString() === loc.uri.toString() && l.line === loc.line)) located.push(loc);
  }
  const out = new Map<string, { uri: vscode.Uri; diagnostics: vscode.Diagnostic[] }>();
  if (!located.length) return out;
  const raised = located[located.length - 1];
  const where = (l: { uri: vscode.Uri; line: number }) => new vscode.Location(l.uri, rangeOf(l.uri, l.line));
  located.forEach((l, i) => {
    const innermost = i === located.length - 1;
    const d = new vscode.Diagnostic(
      rangeOf(l.uri, l.line),
      innermost ? tb.message : `${tb.message} (raised in ${vscode.workspace.asRelativePath(raised.uri)}:${raised.line + 1}, through this call)`,
      innermost ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Information,
    );
    d.source = 'warmbox';
    d.relatedInformation = innermost
      ? located.slice(0, -1).reverse().map((c) => new vscode.DiagnosticRelatedInformation(where(c), 'called from here'))
      : [new vscode.DiagnosticRelatedInformation(where(raised), tb.message)];
    const key = l.uri.toString();
    if (!out.has(key)) out.set(key, { uri: l.uri, diagnostics: [] });
    out.get(key)!.diagnostics.push(d);
  });
  return out;
}

async function locate(printed: string, line: number, ran: RanFile): Promise<{ uri: vscode.Uri; line: number } | undefined> {
  const ranHere = printed === `/work/${ran.sandboxPath}` || (ran.root !== undefined && sandboxToLocal(ran.root, printed, ran.cwd) === path.resolve(ran.root, ...ran.sandboxPath.split('/'))) || (!ran.root && printed === ran.sandboxPath);
  if (ranHere) return { uri: ran.doc.uri, line: Math.min(line + ran.lineOffset, ran.doc.lineCount - 1) };
  if (!ran.root) return undefined;
  const local = await projectFile(ran.root, printed, ran.cwd);
  return local ? { uri: vscode.Uri.file(local), line } : undefined;
}

/** The project file a sandbox path names, if it exists and (links resolved) stays inside the root. */
export async function projectFile(root: string, printed: string, cwd: string): Promise<string | undefined> {
  const local = sandboxToLocal(root, printed, cwd);
  if (!local) return undefined;
  try {
    const [realRoot, real] = await Promise.all([fs.promises.realpath(root), fs.promises.realpath(local)]);
    return isInside(realRoot, real) && (await fs.promises.stat(real)).isFile() ? local : undefined;
  } catch {
    return undefined;
  }
}

function rangeOf(uri: vscode.Uri, line: number): vscode.Range {
  const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  if (doc && line < doc.lineCount) {
    const l = doc.lineAt(line);
    return new vscode.Range(line, l.firstNonWhitespaceCharacterIndex, line, l.range.end.character);
  }
  // Not open: VS Code clamps the end to the line's length when it shows it.
  return new vscode.Range(line, 0, line, Number.MAX_SAFE_INTEGER);
}
