// What every extension-host suite needs: the workspace folder, the extension's API, waiting for a condition, opening a file.
import { strict as assert } from 'assert';
import * as path from 'path';
import * as vscode from 'vscode';
import type { RunResult } from '../../daemon/protocol';
import type { WarmboxApi } from '../../extension/main';
import type { ToPanel } from '../../media/src/messages';

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

/** Runs a command and collects what the panel was sent during it (its output) and the run's result. */
export async function runAndCollect(a: WarmboxApi, command = 'warmbox.run', ...args: unknown[]): Promise<{ r: RunResult; stdout: string; stderr: string; sent: ToPanel[] }> {
  const sent: ToPanel[] = [];
  const panel = a.ctx.panel as unknown as { post(m: ToPanel): void };
  const post = panel.post;
  panel.post = function (m: ToPanel) {
    sent.push(m);
    return post.call(this, m);
  };
  try {
    const end = new Promise<RunResult>((resolve) => {
      const d = a.ctx.runs.onDidEndRun((r) => (d.dispose(), resolve(r)));
    });
    await vscode.commands.executeCommand(command, ...args);
    const r = await end;
    const text = (s: string) => sent.map((m) => (m.type === 'output' && m.stream === s ? m.text : '')).join('');
    return { r, stdout: text('stdout'), stderr: text('stderr'), sent };
  } finally {
    panel.post = post;
  }
}
