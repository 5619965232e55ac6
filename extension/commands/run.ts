import * as vscode from 'vscode';
import type { Ctx } from './context';

/** warmbox.run: the active file, or its selection when there is one. */
export function register(ctx: Ctx): vscode.Disposable {
  return vscode.commands.registerCommand('warmbox.run', (uri?: vscode.Uri) => {
    // With the output panel focused there is no active text editor: run the one the user was last in.
    const editor = vscode.window.activeTextEditor ?? ctx.runs.lastEditor();
    // From the editor title menu VS Code passes the file; run that editor when it is not the active one.
    const target = uri && editor?.document.uri.toString() !== uri.toString() ? vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === uri.toString()) : editor;
    return ctx.runs.run(target ?? editor, false);
  });
}
