// Issue 13 in VS Code: selections run dedented at their editor lines and count only when fresh; diagnostics follow
// edits and their related locations open; the window asks the daemon to warm only what it uses; a run whose
// container is removed ends cancelled. Real daemon, real engine.
import { strict as assert } from 'assert';
import * as path from 'path';
import * as vscode from 'vscode';
import { ContainerInfo, Methods, PoolStats, RunResult } from '../../daemon/protocol';
import { ws, api, until, open, runAndCollect as run } from './helpers';

describe('issue 13: selections, diagnostics, warm pool (trusted workspace)', () => {
  before(async () => {
    const a = await api();
    await until(() => a.ctx.conn.state === 'connected' && a.ctx.conn.lastPool, 30_000, 'the daemon connection');
  });

  it('a window asks the daemon to warm only the profiles of its files (Python, Go, TypeScript here; no Node, no shell)', async () => {
    const a = await api();
    const wishes = await until(() => a.ctx.conn.lastWishes, 30_000, 'the window to send its pool wishes');
    // The workspace holds .py files and, under lang/, a .ts and .go files (and a .txt no profile serves).
    assert.deepEqual(wishes.asked, ['go', 'python', 'typescript']);
    const s = await a.ctx.conn.client!.request(Methods.poolStats);
    const node = s.profiles.find((p) => p.profile === 'node')!;
    // The user's settings ask for 1 warm node sandbox: kept only once a run used node.
    assert.ok(node.minSize === 0 || node.runs > 0, `node is kept warm (minSize ${node.minSize}) with no node file and no node run`);
    // Its files are in a workspace folder: the folder's own sets are made and kept warm (runs there use them), not the
    // general ones, which serve only files outside the folders.
    assert.ok(wishes.projectSets.some((k) => k.startsWith('python@')), JSON.stringify(wishes.projectSets));
    assert.ok(s.profiles.some((p) => p.profile.startsWith('python@') && p.minSize > 0), 'the folder\'s python set is not kept warm');
    // (the general python set may be warm too: earlier tests ran untitled editors, and a set a run used stays warm a while)
  });

  it('an indented selection (lines inside a function) runs dedented; its traceback lines are the editor lines', async () => {
    const a = await api();
    const ed = await open('indented.py');
    ed.selection = new vscode.Selection(1, 0, 4, ed.document.lineAt(4).text.length);
    const { r, stdout, stderr } = await run(a, 'warmbox.runSelection');
    // The extension asks for the streams merged: the traceback follows the printed line on stdout.
    const out = stdout + stderr;
    assert.doesNotMatch(out, /IndentationError/);
    assert.match(out, /^in f\nTraceback/);
    assert.equal(r.exitCode, 1);
    assert.match(out, /line 5\b/, `the traceback should name editor line 5:\n${out}`);
    const d = a.ctx.runs.diagnosticsFor(ed.document.uri);
    assert.equal(d.length, 1);
    assert.equal(d[0].range.start.line, 4, 'the squiggle is on the line that raised');
    assert.match(d[0].message, /ZeroDivisionError/);
  });

  it('a leftover selection does not turn Run into Run Selection', async () => {
    const a = await api();
    const ed = await open('select.py');
    ed.selection = new vscode.Selection(1, 0, 1, ed.document.lineAt(1).text.length);
    const sel = await run(a, 'warmbox.runSelection');
    assert.equal(sel.stdout, 'second line only\n');
    // The selection is still there, but it was made before the last run: Run runs the file.
    const all = await run(a, 'warmbox.run');
    assert.equal(all.stdout, 'first line\nsecond line only\nthird line\n');
    ed.selection = new vscode.Selection(0, 0, 0, 0);
  });

  it('a diagnostic moves with its line and goes when its line is edited', async () => {
    const a = await api();
    const doc = (await open('traceback.py')).document;
    const { r } = await run(a);
    assert.equal(r.exitCode, 1);
    assert.equal(a.ctx.runs.diagnosticsFor(doc.uri)[0]?.range.start.line, 4);
    // Edits as typing makes them (the editor the run started from may have been replaced by the panel's opening).
    const change = async (f: (e: vscode.WorkspaceEdit) => void) => {
      const e = new vscode.WorkspaceEdit();
      f(e);
      assert.ok(await vscode.workspace.applyEdit(e));
    };
    try {
      await change((e) => e.insert(doc.uri, new vscode.Position(0, 0), '# a line above\n'));
      await until(() => a.ctx.runs.diagnosticsFor(doc.uri)[0]?.range.start.line === 5, 5000, 'the diagnostic to move down a line');
      await change((e) => e.replace(doc.uri, doc.lineAt(5).range, 'x = 1 / 1'));
      await until(() => a.ctx.runs.diagnosticsFor(doc.uri).length === 0, 5000, 'the diagnostic of the edited line to go');
    } finally {
      await vscode.window.showTextDocument(doc);
      await vscode.commands.executeCommand('workbench.action.files.revert');
    }
  });

  it("a diagnostic's related location opens the workspace file at the line; a /work path of the panel too", async () => {
    const a = await api();
    await open('proj/fail.py');
    const { r } = await run(a);
    assert.equal(r.exitCode, 1);
    const helper = vscode.Uri.file(path.join(ws(), 'proj/helper.py'));
    const raised = a.ctx.runs.diagnosticsFor(helper)[0];
    assert.ok(raised, 'no diagnostic in helper.py');
    const loc = raised.relatedInformation?.[0]?.location;
    assert.ok(loc, 'no related location');
    assert.equal(loc.uri.scheme, 'file');
    assert.equal(loc.uri.fsPath, path.join(ws(), 'proj/fail.py'));
    const ed = await vscode.window.showTextDocument(loc.uri, { selection: loc.range });
    assert.equal(ed.document.uri.fsPath, loc.uri.fsPath);
    assert.equal(ed.selection.start.line, 1);
    const opened = await a.ctx.runs.openSandboxPath('/work/proj/helper.py', 6);
    assert.equal(opened?.document.uri.fsPath, helper.fsPath);
    assert.equal(opened?.selection.active.line, 5);
  });

  it('a run whose container the user removes ends cancelled (removed), not as an error', async () => {
    const a = await api();
    await open('loop.py');
    const end = new Promise<RunResult>((resolve) => {
      const d = a.ctx.runs.onDidEndRun((r) => (d.dispose(), resolve(r)));
    });
    void vscode.commands.executeCommand('warmbox.run');
    const client = a.ctx.conn.client!;
    const busy = await until(async () => (await client.request(Methods.containersList)).find((c) => c.state === 'busy' && c.profile === 'python'), 15_000, 'the run to take a container');
    await client.request(Methods.containersRemove, { id: busy.id });
    const r = await end;
    assert.equal(r.outcome, 'cancelled');
    assert.equal(r.cancelReason, 'removed');
  });
});
