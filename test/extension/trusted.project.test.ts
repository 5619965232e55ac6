// Issue 9 in VS Code: runs see their project (neighbour imports, data files, unsaved editors), get arguments and
// environment, bring files back, and tracebacks mark the project's files. Real daemon, real engine.
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { ws, api, open, runAndCollect as run } from './helpers';

describe('warmbox in VS Code: project runs', () => {
  const cfg = () => vscode.workspace.getConfiguration('warmbox');

  before(async () => {
    const a = await api();
    const end = Date.now() + 30_000;
    while (a.ctx.conn.state !== 'connected' && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  });

  it('runs main.py inside its project: it imports helper.py and reads data/x.csv from its own folder', async () => {
    const a = await api();
    await open('proj/main.py');
    const { r, stdout, stderr } = await run(a);
    assert.equal(r.exitCode, 0, stderr);
    assert.equal(stdout, "hello ada args=[] env=- cwd=/work/proj\n");
  });

  it('warmbox.cwd "root" runs it from the project root', async () => {
    const a = await api();
    await cfg().update('cwd', 'root', vscode.ConfigurationTarget.Workspace);
    try {
      await open('proj/main.py');
      const { r, stdout } = await run(a);
      // From the root, data/x.csv is not where main.py looks for it (the traceback: stderr comes merged, in order).
      assert.equal(r.exitCode, 1);
      assert.match(stdout, /FileNotFoundError: .*data\/x\.csv/);
    } finally {
      await cfg().update('cwd', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });

  it('sees the unsaved text of another editor of the project, and leaves the file on disk alone', async () => {
    const a = await api();
    const helper = await open('proj/helper.py');
    const onDisk = fs.readFileSync(helper.document.uri.fsPath, 'utf8');
    await helper.edit((e) => e.replace(new vscode.Range(1, 0, 1, helper.document.lineAt(1).text.length), '    return "hi (unsaved) " + name'));
    assert.ok(helper.document.isDirty);
    try {
      await open('proj/main.py');
      const { r, stdout, stderr } = await run(a);
      assert.equal(r.exitCode, 0, stderr);
      assert.match(stdout, /^hi \(unsaved\) ada /);
      assert.equal(fs.readFileSync(helper.document.uri.fsPath, 'utf8'), onDisk, `files.autoSave=${vscode.workspace.getConfiguration('files').get('autoSave')} dirty=${helper.document.isDirty}`);
      await cfg().update('includeUnsaved', false, vscode.ConfigurationTarget.Workspace);
      const saved = await run(a);
      assert.match(saved.stdout, /^hello ada /, 'warmbox.includeUnsaved false: the file on disk');
    } finally {
      await cfg().update('includeUnsaved', undefined, vscode.ConfigurationTarget.Workspace);
      await vscode.window.showTextDocument(helper.document);
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    }
  });

  it('Run with Arguments remembers them for the file: shown in the panel, reused by Run, cleared by an empty input', async () => {
    const a = await api();
    await open('proj/main.py');
    const first = await run(a, 'warmbox.runWithArgs', undefined, `--n 3 "two words" 'it''s'`);
    assert.match(first.stdout, /args=\['--n', '3', 'two words', 'its'\]/);
    const begin = first.sent.find((m) => m.type === 'begin');
    assert.deepEqual(begin?.type === 'begin' && begin.run.args, ['--n', '3', 'two words', 'its']);
    const again = await run(a);
    assert.match(again.stdout, /args=\['--n', '3', 'two words', 'its'\]/, 'a plain run reuses the arguments');
    // Another file has none of them.
    await open('hello.py');
    const other = await run(a);
    const otherBegin = other.sent.find((m) => m.type === 'begin');
    assert.equal(otherBegin?.type === 'begin' && otherBegin.run.args, undefined);
    await open('proj/main.py');
    const cleared = await run(a, 'warmbox.runWithArgs', undefined, '');
    assert.match(cleared.stdout, /args=\[\]/);
    assert.match((await run(a)).stdout, /args=\[\]/);
  });

  it('passes warmbox.env, with warmbox.envByProfile over it for the run\'s profile', async () => {
    const a = await api();
    await open('proj/main.py');
    try {
      await cfg().update('env', { WB_GREETING: 'from-env' }, vscode.ConfigurationTarget.Workspace);
      assert.match((await run(a)).stdout, /env=from-env /);
      await cfg().update('envByProfile', { python: { WB_GREETING: 'python-only' }, node: { WB_GREETING: 'node' } }, vscode.ConfigurationTarget.Workspace);
      assert.match((await run(a)).stdout, /env=python-only /);
    } finally {
      await cfg().update('env', undefined, vscode.ConfigurationTarget.Workspace);
      await cfg().update('envByProfile', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });

  it('an exception raised in helper.py marks helper.py at its line, and the call in fail.py', async () => {
    const a = await api();
    const ed = await open('proj/fail.py');
    const { r } = await run(a);
    assert.equal(r.exitCode, 1);
    const helper = vscode.Uri.file(path.join(ws(), 'proj/helper.py'));
    const inHelper = a.ctx.runs.diagnosticsFor(helper);
    assert.equal(inHelper.length, 1, 'helper.py has no diagnostic');
    assert.equal(inHelper[0].range.start.line, 5);
    assert.equal(inHelper[0].severity, vscode.DiagnosticSeverity.Error);
    assert.match(inHelper[0].message, /ZeroDivisionError: division by zero/);
    const inFail = a.ctx.runs.diagnosticsFor(ed.document.uri);
    assert.equal(inFail.length, 1);
    assert.equal(inFail[0].range.start.line, 1);
    assert.match(inFail[0].message, /raised in proj\/helper\.py:6/);
    // The panel's /work links open project files at their line, and nothing outside the project.
    const opened = await a.ctx.runs.openSandboxPath('/work/proj/helper.py', 6);
    assert.equal(opened?.document.uri.fsPath, helper.fsPath);
    assert.equal(opened?.selection.active.line, 5);
    assert.equal(await a.ctx.runs.openSandboxPath('/work/../etc/passwd', 1), undefined);
    assert.equal(await a.ctx.runs.openSandboxPath('/work/proj/../../../etc/passwd'), undefined);
    assert.equal(await a.ctx.runs.openSandboxPath('/usr/lib/python3.11/os.py'), undefined);
  });

  it('a program writing an image: the result lists it, the panel gets its folder, Save to Workspace copies it', async () => {
    const a = await api();
    await open('proj/plot.py');
    const { r, sent } = await run(a);
    assert.equal(r.exitCode, 0);
    assert.ok(r.outputs, 'no outputs in the result');
    const png = r.outputs.files.find((f) => f.path === 'proj/plot.png');
    assert.ok(png, `listed: ${JSON.stringify(r.outputs.files)}`);
    const kept = fs.readFileSync(path.join(r.outputs.dir, 'proj/plot.png'));
    assert.equal(kept.length, png.size);
    assert.equal(kept.subarray(1, 4).toString(), 'PNG');
    const exit = sent.find((m) => m.type === 'exit');
    assert.ok(exit?.type === 'exit' && exit.outputsBase, 'the panel got no URI for the output folder');
    const target = path.join(ws(), 'proj/plot.png');
    assert.equal(fs.existsSync(target), false, 'the run wrote into the workspace');
    try {
      const saved = await a.ctx.runs.outputFiles.saveToWorkspace('proj/plot.png');
      assert.equal(saved?.fsPath, target);
      assert.deepEqual(fs.readFileSync(target), kept);
      assert.equal(await a.ctx.runs.outputFiles.saveToWorkspace('../escape.png'), undefined, 'an unlisted name is refused');
    } finally {
      fs.rmSync(target, { force: true });
    }
    // Open: the daemon's copy, read-only.
    await a.ctx.runs.outputFiles.open('proj/plot.png');
    const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
    assert.match(String((tab?.input as { uri?: vscode.Uri })?.uri), /^warmbox-output:/);
  });

  it('a project over its cap is refused with the daemon\'s message naming its largest folders', async () => {
    const a = await api();
    const shown: string[] = [];
    const w = vscode.window as unknown as { showErrorMessage: (...x: unknown[]) => Thenable<unknown> };
    const orig = w.showErrorMessage;
    w.showErrorMessage = (...x: unknown[]) => {
      shown.push(String(x[0]));
      return Promise.resolve(undefined);
    };
    await cfg().update('workspace.maxFiles', 3, vscode.ConfigurationTarget.Workspace);
    try {
      const ed = await open('proj/main.py');
      const before = a.ctx.runs.lastResult;
      const r = await a.ctx.runs.run(ed, false);
      assert.equal(r, undefined);
      assert.equal(a.ctx.runs.lastResult, before);
      assert.equal(shown.length, 1, `messages: ${JSON.stringify(shown)}`);
      assert.match(shown[0], /too large to copy into a sandbox .*largest folders: .*proj\//);
    } finally {
      w.showErrorMessage = orig;
      await cfg().update('workspace.maxFiles', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });

  it('the containers view gives two warm sets of the same name distinct ids (VS Code refuses repeated ids)', async () => {
    const a = await api();
    const live = a.ctx.conn.lastPool!;
    const set = live.stats.profiles.find((p) => p.profile === 'python')!;
    const twice = {
      // (each with a sandbox: the view lists sets that have some, whatever the live pool holds now)
      stats: { ...live.stats, profiles: [{ ...set, profile: 'python@ws', idle: 1 }, { ...set, profile: 'python@ws', idle: 1 }] },
      containers: [{ id: 'c1', shortId: 'c1', profile: 'python', pool: 'python@ws', state: 'idle' as const, uses: 0, createdAt: 0, ageMs: 0 }],
    };
    a.ctx.tree.update(twice);
    try {
      const ids = a.ctx.tree.getChildren().map((n) => a.ctx.tree.getTreeItem(n).id);
      assert.equal(new Set(ids).size, 2, `ids: ${ids.join(', ')}`);
      // A container names its set only by name: it is listed once, not under both.
      const containers = a.ctx.tree.getChildren().flatMap((n) => a.ctx.tree.getChildren(n)).map((n) => a.ctx.tree.getTreeItem(n).id);
      assert.equal(new Set(containers).size, containers.length, `container ids: ${containers.join(', ')}`);
    } finally {
      a.ctx.tree.update(a.ctx.conn.lastPool);
    }
  });

  it('an untitled editor still runs alone, with no project', async () => {
    const a = await api();
    const doc = await vscode.workspace.openTextDocument({ language: 'python', content: 'import os\nprint(sorted(os.listdir(".")))\n' });
    await vscode.window.showTextDocument(doc);
    const { r, stdout, sent } = await run(a);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    assert.equal(r.exitCode, 0);
    assert.doesNotMatch(stdout, /proj/);
    const begin = sent.find((m) => m.type === 'begin');
    assert.equal(begin?.type === 'begin' && begin.run.root, undefined);
  });
});
