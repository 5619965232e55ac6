// Issue 10 inside a real VS Code extension host: the editor-title ▶ shows for a TypeScript and a Go file (the daemon
// chose their profiles), both run, and a Go compile error lands in the Problems panel on its line.
import { strict as assert } from 'assert';
import * as vscode from 'vscode';
import type { RunResult } from '../../daemon/protocol';
import type { WarmboxApi } from '../../extension/main';
import { ws, api, until, open } from './helpers';

async function run(a: WarmboxApi): Promise<RunResult> {
  const end = new Promise<RunResult>((resolve) => {
    const d = a.ctx.runs.onDidEndRun((r) => {
      d.dispose();
      resolve(r);
    });
  });
  await vscode.commands.executeCommand('warmbox.run');
  return end;
}

/** The ▶'s context key for the active editor, once the daemon answered for it. */
async function runnable(a: WarmboxApi, e: vscode.TextEditor): Promise<boolean> {
  const c = await until(() => a.runnable.current?.uri === e.document.uri.toString() && a.runnable.current, 30_000, 'the ▶ context key');
  return c.runnable;
}

describe('warmbox in VS Code: languages beyond Python', () => {
  before(async () => {
    const a = await api();
    await until(() => a.ctx.conn.state === 'connected', 30_000, 'the daemon connection');
  });

  it('shows ▶ for a TypeScript file and runs it with the typescript profile', async () => {
    const a = await api();
    assert.equal(await runnable(a, await open('lang/notes.txt')), false);
    assert.equal(await runnable(a, await open('lang/t.ts')), true);
    const r = await run(a);
    assert.equal(r.profile, 'typescript');
    assert.equal(r.outcome, 'exited', r.message);
    assert.equal(r.exitCode, 0);
  });

  it('shows ▶ for a Go file and runs it with the go profile', async () => {
    const a = await api();
    assert.equal(await runnable(a, await open('lang/m.go')), true);
    const r = await run(a);
    assert.equal(r.profile, 'go');
    assert.equal(r.outcome, 'exited', r.message);
  });

  it('puts a Go compile error in the Problems panel on its line, and clears it on the next run', async () => {
    const a = await api();
    const e = await open('lang/broken.go');
    const r = await run(a);
    assert.equal(r.outcome, 'compile-error', r.message);
    const d = await until(() => vscode.languages.getDiagnostics(e.document.uri).find((x) => x.source?.startsWith('warmbox')), 10_000, 'the compile diagnostic');
    assert.equal(d.range.start.line, 3);
    assert.match(d.message, /undefined: undefinedName/);
    await open('lang/m.go');
    await run(a);
    assert.equal(vscode.languages.getDiagnostics(e.document.uri).filter((x) => x.source?.startsWith('warmbox')).length, 0);
  });
});
