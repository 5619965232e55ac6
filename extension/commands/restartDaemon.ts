import * as vscode from 'vscode';
import type { Ctx } from './context';

/** warmbox.restartDaemon: stops warmboxd (removing its containers) and starts a new one. */
export function register(ctx: Ctx): vscode.Disposable {
  return vscode.commands.registerCommand('warmbox.restartDaemon', () =>
    vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'warmbox: restarting the sandbox daemon' }, async () => {
      ctx.conn.revive();
      try {
        await ctx.conn.restartDaemon();
      } catch (e) {
        void vscode.window.showErrorMessage(`warmbox: the daemon did not start: ${(e as Error).message}`, 'Show log').then((p) => p && vscode.commands.executeCommand('warmbox.showLog'));
      }
    }),
  );
}
