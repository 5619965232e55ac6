// In a workspace the user has not trusted, warmbox runs nothing.
import { strict as assert } from 'assert';
import * as path from 'path';
import * as vscode from 'vscode';
import type { WarmboxApi } from '../../extension/main';

describe('warmbox in VS Code (untrusted workspace)', () => {
  it('refuses to run code and says why', async () => {
    assert.equal(vscode.workspace.isTrusted, false, 'this suite needs an untrusted workspace');
    const ext = vscode.extensions.getExtension<WarmboxApi>('warmbox.warmbox')!;
    const a = ext.isActive ? ext.exports : await ext.activate();
    const doc = await vscode.workspace.openTextDocument(path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, 'hello.py'));
    const ed = await vscode.window.showTextDocument(doc);
    const r = await a.ctx.runs.run(ed, false);
    assert.equal(r, undefined);
    assert.equal(a.ctx.runs.running, false);
    assert.equal(a.ctx.runs.lastResult, undefined, 'nothing may have run');
  });
});
