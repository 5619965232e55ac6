// The run experience inside a real extension host (issue 13): the order as written in what the panel keeps, runs while
// another goes (`warmbox.whileRunning`), and the context that puts Stop on the running editor only. The UI session
// (test/e2e/terminal.js) drives the same through keys and the terminal as a person does.
import { strict as assert } from 'assert';
import * as vscode from 'vscode';
import type { RunResult } from '../../daemon/protocol';
import type { WarmboxApi } from '../../extension/main';
import { ws, api, until, open } from './helpers';

/** Starts Run in Sandbox on a file; resolves once the run is live, with its result to come. */
async function start(a: WarmboxApi, name: string): Promise<{ uri: string; end: Promise<RunResult | undefined> }> {
  const ed = await open(name);
  const uri = ed.document.uri.toString();
  const end = a.ctx.runs.run(ed, false);
  await until(() => a.ctx.runs.runningFiles.includes(uri), 15_000, `${name} to run`);
  return { uri, end };
}

describe('run experience (trusted workspace)', () => {
  it('stdout and stderr reach the panel in the order the program wrote them, no newline moved', async () => {
    const a = await api();
    const ed = await open('order.py');
    const r = await a.ctx.runs.run(ed, false);
    assert.equal(r?.outcome, 'exited');
    assert.equal(r?.merged, true);
    assert.equal(a.ctx.panel.view.chunks.map((c) => c.text).join(''), 'out 1\nerr 1\nout 2\nerr 2\nout 3\n');
  });

  it('whileRunning "cancel" (default): running another file cancels the run that goes', async () => {
    const a = await api();
    const terminals = () => vscode.window.terminals.filter((t) => t.name.startsWith('warmbox')).length;
    const loop = await start(a, 'loop.py');
    const before = terminals();
    const hello = await a.ctx.runs.run(await open('hello.py'), false);
    assert.equal(hello?.outcome, 'exited');
    assert.equal((await loop.end)?.outcome, 'cancelled');
    assert.deepEqual(a.ctx.runs.runningFiles, []);
    // The cancelled run's terminal was free again in time: reused, not a new one per run.
    assert.equal(terminals(), before);
  });

  it('whileRunning "parallel": two files run side by side, each in its own terminal; Stop names its file', async () => {
    const a = await api();
    const cfg = vscode.workspace.getConfiguration('warmbox');
    await cfg.update('whileRunning', 'parallel', vscode.ConfigurationTarget.Workspace);
    try {
      const loop = await start(a, 'loop.py');
      const helloEd = await open('hello.py');
      const hello = await a.ctx.runs.run(helloEd, false);
      assert.equal(hello?.outcome, 'exited');
      // The loop still runs, and only its file carries the running context (the editor title's Stop).
      assert.deepEqual(a.ctx.runs.runningFiles, [loop.uri]);
      const names = vscode.window.terminals.map((t) => t.name).filter((n) => n.startsWith('warmbox'));
      assert.ok(names.length >= 2, `terminals: ${names.join(', ')}`);
      // Stop on hello.py's editor (nothing runs there) would stop every run; the title button passes the file.
      await vscode.commands.executeCommand('warmbox.stop', vscode.Uri.parse(loop.uri));
      assert.equal((await loop.end)?.outcome, 'cancelled');
    } finally {
      await cfg.update('whileRunning', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });

  it('running a file that is running restarts it', async () => {
    const a = await api();
    const first = await start(a, 'loop.py');
    const second = a.ctx.runs.run(await open('loop.py'), false);
    assert.equal((await first.end)?.outcome, 'cancelled');
    await until(() => a.ctx.runs.runningFiles.includes(first.uri), 15_000, 'the second run');
    await vscode.commands.executeCommand('warmbox.stop');
    assert.equal((await second)?.outcome, 'cancelled');
  });
});
