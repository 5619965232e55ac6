import * as vscode from 'vscode';
import type { Ctx } from './context';

/** warmbox.runSelection: only the selected code. */
export function register(ctx: Ctx): vscode.Disposable {
  return vscode.commands.registerCommand('warmbox.runSelection', () => ctx.runs.run(vscode.window.activeTextEditor ?? ctx.runs.lastEditor(), true));
}
