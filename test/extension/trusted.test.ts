// Inside a real VS Code extension host, against the real daemon and the real Docker Engine.
import { strict as assert } from 'assert';
import * as vscode from 'vscode';
import { Methods, RunResult } from '../../daemon/protocol';
import type { WarmboxApi } from '../../extension/main';
import { ws, api, until, open } from './helpers';

function nextEnd(a: WarmboxApi): Promise<RunResult> {
  return new Promise((resolve) => {
    const d = a.ctx.runs.onDidEndRun((r) => {
      d.dispose();
      resolve(r);
    });
  });
}

/** Runs a command (Run in Sandbox by default) on what is open and waits for the run's result. */
async function runToResult(a: WarmboxApi, command = 'warmbox.run'): Promise<RunResult> {
  const end = nextEnd(a);
  await vscode.commands.executeCommand(command);
  return end;
}

/** Opens a file and starts Run in Sandbox without waiting for the run to end; resolves once it runs. */
async function startRun(a: WarmboxApi, file: string): Promise<{ end: Promise<RunResult> }> {
  await open(file);
  const end = nextEnd(a);
  // The command's promise settles when the run ends: do not wait on it here.
  void vscode.commands.executeCommand('warmbox.run');
  await until(() => a.ctx.runs.running, 10_000, 'the run to start');
  // Wrapped: an async function returning the bare promise would make the caller wait for the run's end.
  return { end };
}

describe('warmbox in VS Code (trusted workspace)', () => {
  it('activates cheaply and connects to the daemon in the background', async () => {
    const a = await api();
    assert.ok(a.activatedInMs < 1000, `activate() took ${a.activatedInMs} ms`);
    console.log(`activate() took ${a.activatedInMs.toFixed(1)} ms`);
    await until(() => a.ctx.conn.state === 'connected' && a.ctx.conn.lastPool, 30_000, 'the daemon connection');
    const cmds = await vscode.commands.getCommands(true);
    for (const c of ['warmbox.run', 'warmbox.runSelection', 'warmbox.stop', 'warmbox.showOutput', 'warmbox.restartDaemon', 'warmbox.showLog', 'warmbox.recycleContainer', 'warmbox.removeContainer', 'warmbox.refreshContainers']) {
      assert.ok(cmds.includes(c), `${c} is not registered`);
    }
  });

  it('Run in Sandbox runs the file and returns its outcome', async () => {
    const a = await api();
    await open('hello.py');
    const r = await runToResult(a);
    assert.equal(r.outcome, 'exited');
    assert.equal(r.exitCode, 0);
    assert.ok(r.stdoutBytes > 0);
    assert.equal(r.profile, 'python');
  });

  it('runs only the selection when there is one', async () => {
    const a = await api();
    const ed = await open('select.py');
    ed.selection = new vscode.Selection(1, 0, 1, ed.document.lineAt(1).text.length);
    const r = await runToResult(a, 'warmbox.runSelection');
    assert.equal(r.outcome, 'exited');
    assert.equal(r.stdoutBytes, 'second line only\n'.length);
    ed.selection = new vscode.Selection(0, 0, 0, 0);
  });

  it('runs an unsaved buffer from its contents', async () => {
    const a = await api();
    const doc = await vscode.workspace.openTextDocument({ language: 'python', content: 'print("from an untitled buffer")\n' });
    await vscode.window.showTextDocument(doc);
    const r = await runToResult(a);
    assert.equal(r.exitCode, 0);
    assert.equal(r.stdoutBytes, 'from an untitled buffer\n'.length);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it('passes stdin sent from the panel to the live run', async () => {
    const a = await api();
    const { end } = await startRun(a, 'stdin.py');
    // What the panel's input box sends (the UI test types into the box itself).
    (a.ctx.panel as unknown as { messageEmitter: vscode.EventEmitter<unknown> }).messageEmitter.fire({ type: 'stdin', text: 'warm\n' });
    (a.ctx.panel as unknown as { messageEmitter: vscode.EventEmitter<unknown> }).messageEmitter.fire({ type: 'eof' });
    const r = await end;
    assert.equal(r.outcome, 'exited');
    assert.equal(r.stdoutBytes, 'you said: WARM\n'.length);
  });

  it('Stop ends a while True run within a second', async () => {
    const a = await api();
    const { end } = await startRun(a, 'loop.py');
    await new Promise((r) => setTimeout(r, 800));
    const t0 = Date.now();
    await vscode.commands.executeCommand('warmbox.stop');
    const r = await end;
    const ms = Date.now() - t0;
    assert.equal(r.outcome, 'cancelled');
    assert.ok(ms < 1000, `stop took ${ms} ms`);
  });

  it('puts a diagnostic where a Python traceback points into the file, and clears it on the next run', async () => {
    const a = await api();
    const ed = await open('traceback.py');
    const r = await runToResult(a);
    assert.equal(r.exitCode, 1);
    const diags = a.ctx.runs.diagnosticsFor(ed.document.uri);
    assert.equal(diags.length, 1);
    assert.equal(diags[0].range.start.line, 4);
    assert.match(diags[0].message, /ZeroDivisionError: division by zero/);
    await open('hello.py');
    await runToResult(a);
    assert.equal(a.ctx.runs.diagnosticsFor(ed.document.uri).length, 0);
  });

  it('the tree shows the pool by profile, with a context value per state', async () => {
    const a = await api();
    const profiles = await until(() => {
      const p = a.ctx.tree.getChildren();
      return p.some((n) => n.kind === 'profile' && n.stats.profile === 'python' && n.stats.idle > 0) && p;
    }, 20_000, 'a warm python sandbox in the tree');
    const py = profiles.find((n) => n.kind === 'profile' && n.stats.profile === 'python')!;
    const kids = a.ctx.tree.getChildren(py);
    assert.ok(kids.length > 0);
    const item = a.ctx.tree.getTreeItem(kids[0]);
    assert.match(String(item.contextValue), /^container\.(idle|busy|warming|recycling|unhealthy)$/);
    // Fresh sandboxes serve one run each: no use count (only reuse sets show one).
    assert.match(String(item.description), /^(idle|busy|warming|recycling|unhealthy) · (new|\d+s|\d+m)/);
  });

  it('respawns a daemon killed under it, and the next run works', async () => {
    const a = await api();
    const pid = a.ctx.conn.client!.hello.pid;
    process.kill(pid, 'SIGKILL');
    await until(() => a.ctx.conn.state === 'connected' && a.ctx.conn.client && a.ctx.conn.client.hello.pid !== pid, 30_000, 'a new daemon');
    await open('hello.py');
    const r = await runToResult(a);
    assert.equal(r.outcome, 'exited');
    assert.equal(r.exitCode, 0);
  });

  it('does not respawn a daemon stopped on purpose until a run needs it', async () => {
    const a = await api();
    const pid = a.ctx.conn.client!.hello.pid;
    await a.ctx.conn.client!.request(Methods.shutdown, { reason: 'test: stopped on purpose' });
    await until(() => a.ctx.conn.state === 'down', 15_000, 'the link to notice the stop');
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(a.ctx.conn.state, 'down', 'the extension respawned a daemon that was stopped on purpose');
    assert.match(a.ctx.conn.lastError ?? '', /the daemon stopped \(test: stopped on purpose\)/);
    await open('hello.py');
    const r = await runToResult(a);
    assert.equal(r.exitCode, 0);
    assert.notEqual(a.ctx.conn.client!.hello.pid, pid);
  });

  it('sends only settings set explicitly: no defaults, no limits by config/set', async () => {
    const a = await api();
    await until(() => a.ctx.conn.state === 'connected', 30_000, 'the daemon connection');
    // The e2e user settings set warmbox.pool and nothing daemon-wide else: that is all config/set may carry.
    assert.ok(a.ctx.conn.pushed.length > 0, 'the user\'s pool sizes were not pushed');
    for (const p of a.ctx.conn.pushed) assert.deepEqual(Object.keys(p), ['pool'], `pushed ${JSON.stringify(p)}`);
  });

  it('workspace settings tighten this window\'s sandboxes but never loosen them; the user\'s own setting does', async () => {
    const a = await api();
    const cfg = () => vscode.workspace.getConfiguration('warmbox');
    // The program's exit status is its memory limit in 16 MB steps (256 MB → 16).
    const doc = await vscode.workspace.openTextDocument({ language: 'python', content: 'import sys\nsys.exit(int(open("/sys/fs/cgroup/memory/memory.limit_in_bytes").read()) // (16 << 20) % 256)\n' });
    const ed = await vscode.window.showTextDocument(doc);
    const memory = async () => {
      const r = await a.ctx.runs.run(ed, false);
      assert.ok(r, 'the run did not start');
      assert.equal(r.outcome, 'exited', r.message);
      return r.exitCode! * 16;
    };
    try {
      assert.equal(await memory(), 256, 'defaults');
      await cfg().update('memoryMb', 65536, vscode.ConfigurationTarget.Workspace);
      assert.equal(await memory(), 256, 'a workspace value must not loosen');
      await cfg().update('memoryMb', 128, vscode.ConfigurationTarget.Workspace);
      assert.equal(await memory(), 128, 'a workspace value may tighten');
      await cfg().update('memoryMb', undefined, vscode.ConfigurationTarget.Workspace);
      await cfg().update('memoryMb', 512, vscode.ConfigurationTarget.Global);
      assert.equal(await memory(), 512, 'the user\'s own setting loosens');
    } finally {
      await cfg().update('memoryMb', undefined, vscode.ConfigurationTarget.Workspace);
      await cfg().update('memoryMb', undefined, vscode.ConfigurationTarget.Global);
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    }
    const stats = await a.ctx.conn.client!.request(Methods.poolStats);
    assert.equal(stats.profiles.find((p) => p.profile === 'python')?.limits.memoryMb, 256, 'the default python set must keep its limits');
  });

  it('a stopped daemon does not park the connection: ensure() fails within the handshake timeout', async () => {
    const a = await api();
    await until(() => a.ctx.conn.state === 'connected', 30_000, 'the daemon connection');
    const pid = a.ctx.conn.client!.hello.pid;
    process.kill(pid, 'SIGSTOP');
    let error = '';
    const t0 = Date.now();
    try {
      a.ctx.conn.client!.close();
      await a.ctx.conn.ensure().then(
        () => (error = 'connected'),
        (e: Error) => (error = e.message),
      );
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    const ms = Date.now() - t0;
    assert.match(error, /did not answer within 5 s/);
    assert.ok(ms < 8000, `ensure() took ${ms} ms`);
    await until(() => a.ctx.conn.state === 'connected' && a.ctx.conn.client?.hello.pid === pid, 30_000, 'the link back to the same daemon');
  });

  it('a workspace timeout reaches the next run without a restart', async () => {
    const a = await api();
    const cfg = vscode.workspace.getConfiguration('warmbox');
    await cfg.update('timeoutSeconds', 1, vscode.ConfigurationTarget.Workspace);
    try {
      await open('loop.py');
      const r = await runToResult(a);
      assert.equal(r.outcome, 'timeout');
    } finally {
      await cfg.update('timeoutSeconds', undefined, vscode.ConfigurationTarget.Workspace);
    }
    const stats = await a.ctx.conn.client!.request(Methods.poolStats);
    assert.ok(stats.profiles.length >= 3);
  });

  after(async () => {
    // Leave a finished run in the panel for the screenshot.
    const a = await api();
    await open('hello.py');
    await runToResult(a);
  });
});
