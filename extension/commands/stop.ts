import * as vscode from 'vscode';
import type { Ctx } from './context';

/** warmbox.stop: cancels the window's run; its sandbox is destroyed. */
export function register(ctx: Ctx): vscode.Disposable {
  return vscode.commands.registerCommand('warmbox.stop', () => ctx.runs.stop());
}
