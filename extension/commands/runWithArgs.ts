import * as path from 'path';
import * as vscode from 'vscode';
import { splitArgs } from '../project/args';
import type { Ctx } from './context';

/**
 * warmbox.runWithArgs: asks for the program's arguments (prefilled with the ones remembered for this file), remembers
 * them, and runs. An empty input clears them. A string second argument (a keybinding's `args`, tests) skips the box.
 */
export function register(ctx: Ctx): vscode.Disposable {
  return vscode.commands.registerCommand('warmbox.runWithArgs', async (uri?: vscode.Uri, given?: unknown) => {
    const last = vscode.window.activeTextEditor ?? ctx.runs.lastEditor();
    const editor = uri instanceof vscode.Uri ? vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === uri.toString()) ?? last : last;
    if (!editor) {
      void vscode.window.showInformationMessage('warmbox: open a file to run it in a sandbox.');
      return undefined;
    }
    // Nothing runs in an untrusted workspace: run() says so, without asking for arguments first.
    if (!vscode.workspace.isTrusted) return ctx.runs.run(editor, false);
    const doc = editor.document;
    const text =
      typeof given === 'string'
        ? given
        : await vscode.window.showInputBox({
            title: `warmbox: arguments for ${path.basename(doc.fileName)}`,
            prompt: 'Split like a shell does ("quotes" keep words together); remembered for this file and reused by Run in Sandbox. Empty clears them.',
            placeHolder: 'e.g. --count 3 "two words"',
            value: ctx.runs.args.get(doc.uri),
            ignoreFocusOut: true,
            validateInput: (v) => {
              try {
                splitArgs(v);
                return undefined;
              } catch (e) {
                return (e as Error).message;
              }
            },
          });
    if (text === undefined) return undefined;
    splitArgs(text);
    await ctx.runs.args.set(doc.uri, text);
    return ctx.runs.run(editor, false);
  });
}
