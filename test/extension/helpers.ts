// What every extension-host suite needs: the workspace folder, the extension's API, waiting for a condition, opening a file.
import { strict as assert } from 'assert';
import * as path from 'path';
import * as vscode from 'vscode';
import type { WarmboxApi } from '../../extension/main';

export const ws = (): string => vscode.workspace.workspaceFolders![0].uri.fsPath;

export async function api(): Promise<WarmboxApi> {
  const ext = vscode.extensions.getExtension<WarmboxApi>('warmbox.warmbox');
  assert.ok(ext, 'the extension is not loaded');
  return ext.isActive ? ext.exports : await ext.activate();
}

/** Polls `f` until it gives something truthy (never a fixed sleep); fails naming `what` after `ms`. */
export async function until<T>(f: () => T | undefined | false | Promise<T | undefined | false>, ms: number, what: string): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Opens a workspace file in an editor. */
export async function open(name: string): Promise<vscode.TextEditor> {
  const doc = await vscode.workspace.openTextDocument(path.join(ws(), name));
  return vscode.window.showTextDocument(doc);
}
