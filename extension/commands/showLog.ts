import * as fs from 'fs';
import * as vscode from 'vscode';
import { runtimePaths } from '../../daemon/socketPath';
import type { Ctx } from './context';

/** warmbox.showLog: the daemon's own log file, and this window's channel. */
export function register(ctx: Ctx): vscode.Disposable {
  return vscode.commands.registerCommand('warmbox.showLog', async () => {
    const file = ctx.conn.client?.hello.logPath ?? runtimePaths().log;
    if (!fs.existsSync(file)) {
      ctx.conn.log.show(true);
      return;
    }
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
    await vscode.window.showTextDocument(doc, { preview: true });
  });
}
