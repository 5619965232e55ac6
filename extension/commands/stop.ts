import * as vscode from 'vscode';
import type { Ctx } from './context';

/** warmbox.stop: cancels the run of the editor it was given (title button) or in front, else the window's runs. */
export function register(ctx: Ctx): vscode.Disposable {
  return vscode.commands.registerCommand('warmbox.stop', (uri?: unknown) => ctx.runs.stop(uri instanceof vscode.Uri ? uri : undefined));
}
