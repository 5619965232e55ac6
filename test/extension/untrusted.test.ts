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

  it('pushes nothing to the shared daemon, even when its settings change', async () => {
    const ext = vscode.extensions.getExtension<WarmboxApi>('warmbox.warmbox')!;
    const a = ext.isActive ? ext.exports : await ext.activate();
    const end = Date.now() + 30_000;
    while (a.ctx.conn.state !== 'connected' && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    assert.equal(a.ctx.conn.state, 'connected');
    assert.deepEqual(a.ctx.conn.pushed, [], 'an untrusted window pushed settings');
    // The workspace's own settings (this folder's .vscode/settings.json) ask for more; a change must not push either
    // (pushSettings is what a configuration change calls).
    await vscode.workspace.getConfiguration('warmbox').update('pids', 65536, vscode.ConfigurationTarget.Workspace);
    await a.ctx.conn.pushSettings();
    try {
      const stats = await a.ctx.conn.client!.request('pool/stats');
      const py = stats.profiles.find((p) => p.profile === 'python')!;
      assert.deepEqual(a.ctx.conn.pushed, [], 'an untrusted window pushed settings after a change');
      assert.notEqual(py.minSize, 30, 'the workspace\'s pool size reached the daemon');
      assert.equal(py.limits.memoryMb, 256);
      assert.equal(py.limits.network, false);
      assert.equal(py.isolation, 'fresh');
    } finally {
      await vscode.workspace.getConfiguration('warmbox').update('pids', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });
});
