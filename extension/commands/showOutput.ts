import * as vscode from 'vscode';
import type { Ctx } from './context';

export function register(ctx: Ctx): vscode.Disposable {
  return vscode.commands.registerCommand('warmbox.showOutput', () => ctx.panel.show(false));
}
