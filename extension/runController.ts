// Runs the active editor (or its selection) in a sandbox, inside a copy of its project: output to the panel, Stop,
// stdin, output files, and diagnostics where a Python traceback points into the project. One run per window at a
// time; a new one stops the previous.
import { randomUUID } from 'crypto';
import * as path from 'path';
import { TextDecoder } from 'util';
import * as vscode from 'vscode';
import { isRpcError, type RunHandle } from '../daemon/client';
import { ErrorCodes, Methods, ProfileInfo, RunResult } from '../daemon/protocol';
import { describeOutcome, FromPanel } from '../media/src/messages';
import { REQUEST_TIMEOUT_MS, type DaemonConnection } from './connection';
import { readProjectSettings, readSettings, runSettingsFor } from './config';
import { splitArgs } from './project/args';
import type { ArgsStore } from './project/argsStore';
import { runEnv } from './project/env';
import { projectFor } from './project/runProject';
import { projectFile, tracebackDiagnostics } from './project/tracebackDiagnostics';
import { parsePythonFrames } from './traceback';
import type { OutputFiles } from './views/outputFiles';
import type { OutputPanel } from './views/outputPanel';

interface Current {
  runId: string;
  /** Set once the daemon has taken the run. */
  handle?: RunHandle;
  doc: vscode.TextDocument;
  lineOffset: number;
  /** The file as the sandbox knows it: project-relative, or the plain name of a run without a project. */
  sandboxPath: string;
  root?: string;
  cwd: string;
  profile: string;
  stderr: string;
}

export class RunController implements vscode.Disposable {
  private current?: Current;
  private readonly diagnostics = vscode.languages.createDiagnosticCollection('warmbox');
  private readonly disposables: vscode.Disposable[] = [];
  private readonly endEmitter = new vscode.EventEmitter<RunResult>();
  /** Fires when a run ends (tests wait on it). */
  readonly onDidEndRun = this.endEmitter.event;
  lastResult?: RunResult;

  /** The project of the run the panel shows: where its /work links may lead. */
  private shown?: { root: string; cwd: string };

  constructor(
    private readonly conn: DaemonConnection,
    private readonly panel: OutputPanel,
    readonly args: ArgsStore,
    readonly outputFiles: OutputFiles,
  ) {
    this.disposables.push(
      panel.onMessage((m) => this.onPanel(m)),
      panel.onRestore((saved) => {
        if (saved.run?.root) this.shown = { root: saved.run.root, cwd: saved.run.cwd ?? '.' };
        if (saved.result?.outputs) this.outputFiles.remember({ outputs: saved.result.outputs, root: saved.run?.root });
      }),
      vscode.window.onDidChangeActiveTextEditor((e) => {
        if (e && e.document.uri.scheme !== 'output') this.lastUri = e.document.uri;
      }),
    );
    this.lastUri = vscode.window.activeTextEditor?.document.uri;
    void vscode.commands.executeCommand('setContext', 'warmbox.running', false);
  }

  private lastUri?: vscode.Uri;

  /** The text editor the user was last in, if it is still visible. */
  lastEditor(): vscode.TextEditor | undefined {
    const u = this.lastUri?.toString();
    return vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === u);
  }

  get running(): boolean {
    return !!this.current;
  }

  /** The profile for a document: the language mapping first, then the daemon's profiles by file extension. */
  async profileFor(doc: vscode.TextDocument): Promise<string | undefined> {
    const byLang = readSettings().profileByLanguage[doc.languageId];
    if (byLang) return byLang;
    const client = await this.conn.ensure();
    const profiles = await client.request<ProfileInfo[]>(Methods.profilesList, {}, REQUEST_TIMEOUT_MS);
    const name = doc.fileName.toLowerCase();
    return profiles.find((p) => p.extensions.some((e) => name.endsWith(e)))?.name;
  }

  async run(editor: vscode.TextEditor | undefined, selectionOnly: boolean): Promise<RunResult | undefined> {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage('warmbox: running code is disabled in an untrusted workspace. Trust the workspace to run it in a sandbox.', 'Manage Workspace Trust').then((p) => {
        if (p) void vscode.commands.executeCommand('workbench.trust.manage');
      });
      return undefined;
    }
    if (!editor) {
      void vscode.window.showInformationMessage('warmbox: open a file to run it in a sandbox.');
      return undefined;
    }
    const doc = editor.document;
    const settings = readSettings();
    const sel = editor.selection;
    const useSelection = selectionOnly || !sel.isEmpty;
    if (selectionOnly && sel.isEmpty) {
      void vscode.window.showInformationMessage('warmbox: select some code to run.');
      return undefined;
    }
    let client;
    try {
      client = await this.conn.ensure();
    } catch (e) {
      void this.offerRestart(`warmbox: the sandbox daemon is not available: ${(e as Error).message}`);
      return undefined;
    }
    const profile = await this.profileFor(doc);
    if (!profile) {
      void vscode.window.showWarningMessage(
        `warmbox: no sandbox profile runs ${doc.languageId} files. Map the language in the "warmbox.profileByLanguage" setting.`,
        'Open Settings',
      ).then((p) => p && vscode.commands.executeCommand('workbench.action.openSettings', 'warmbox.profileByLanguage'));
      return undefined;
    }
    const ps = readProjectSettings(doc.isUntitled ? undefined : doc.uri);
    const env = runEnv(profile, ps.env, ps.envByProfile);
    if (env.invalid.length) {
      void vscode.window.showErrorMessage(
        `warmbox: ${env.invalid.map((n) => JSON.stringify(n)).join(', ')} ${env.invalid.length > 1 ? 'are not variable names' : 'is not a variable name'} (letters, digits and _, not first a digit). Fix "warmbox.env" or "warmbox.envByProfile".`,
        'Open Settings',
      ).then((p) => p && vscode.commands.executeCommand('workbench.action.openSettings', 'warmbox.env'));
      return undefined;
    }
    let args: string[];
    try {
      args = splitArgs(this.args.get(doc.uri));
    } catch (e) {
      void vscode.window.showErrorMessage(`warmbox: the arguments remembered for this file do not parse (${(e as Error).message}). Change them with "Run in Sandbox with Arguments…".`);
      return undefined;
    }
    // Saved files are saved first when asked; unsaved and untitled ones run from what the editor holds.
    if (settings.saveBeforeRun && doc.isDirty && !doc.isUntitled) await doc.save();
    const code = useSelection ? doc.getText(sel) : doc.getText();
    const fileName = doc.isUntitled ? undefined : path.basename(doc.fileName);
    // After the save: a saved file is not an overlay of itself, and other dirty editors are read as they are now.
    const plan = projectFor(doc, ps);
    if (plan?.skipped.length) this.conn.log.warn(`unsaved text of ${plan.skipped.join(', ')} was not sent (over the size budget); the saved files are used`);
    const project = plan?.project;
    const cwd = project ? (project.cwd === 'root' ? '.' : path.posix.dirname(project.file)) : '.';

    if (this.current) await this.stop();
    this.diagnostics.clear();

    const decoders = { stdout: new TextDecoder('utf-8'), stderr: new TextDecoder('utf-8') };
    const runId = randomUUID();
    const current: Current = { runId, doc, lineOffset: useSelection ? sel.start.line : 0, sandboxPath: project?.file ?? fileName ?? 'main.py', root: project?.root, cwd, profile, stderr: '' };
    this.current = current;
    this.shown = project ? { root: project.root, cwd } : undefined;
    this.panel.post({
      type: 'begin',
      run: {
        runId, file: doc.isUntitled ? doc.uri.path : vscode.workspace.asRelativePath(doc.uri), profile, selection: useSelection, startedAt: Date.now(),
        args: args.length ? args : undefined, root: project?.root, cwd: project ? cwd : undefined,
      },
      clear: settings.clearOutputBeforeRun,
    });
    this.panel.show(true);
    let handle: RunHandle;
    try {
      handle = await client.run(
        // Only the sandbox settings set explicitly, the workspace's only to tighten: this window's sandboxes, no other's.
        {
          runId, profile, code, fileName, stdinOpen: true, ...runSettingsFor(doc),
          args: args.length ? args : undefined,
          project,
          env: Object.keys(env.env).length ? env.env : undefined,
          outputs: ps.collectOutputs ? { maxBytes: ps.outputsMaxBytes, maxFiles: ps.outputsMaxFiles } : undefined,
          whileBuilding: project ? settings.whileBuilding : undefined,
        },
        {
          // The run waits for its project's environment, or runs without it: said in the panel, dimmed, before any output.
          onNotice: (message) => this.panel.post({ type: 'output', runId, stream: 'stdout', text: `\x1b[2m[warmbox] ${message.replace(/\n/g, '\n[warmbox] ')}\x1b[0m\n` }),
          onStarted: (n) => this.panel.post({ type: 'started', runId: n.runId, containerId: n.containerId, acquireMs: n.acquireMs, warm: n.warm }),
          onOutput: (stream, data) => {
            const text = decoders[stream].decode(data, { stream: true });
            if (stream === 'stderr' && current.stderr.length < 256 * 1024) current.stderr += text;
            if (text) this.panel.post({ type: 'output', runId, stream, text });
          },
        },
      );
    } catch (e) {
      if (this.current === current) this.current = undefined;
      this.refused(e, !!project);
      return undefined;
    }
    current.handle = handle;
    void vscode.commands.executeCommand('setContext', 'warmbox.running', true);

    let result: RunResult;
    try {
      result = await handle.result;
    } catch (e) {
      result = {
        runId: handle.runId, outcome: 'infra-error', exitCode: null, message: (e as Error).message, infraReason: 'shutting-down', profile,
        containerId: null, warm: false, isolation: 'fresh', acquireMs: 0, durationMs: 0, stdoutBytes: 0, stderrBytes: 0, truncated: false,
      };
    }
    for (const stream of ['stdout', 'stderr'] as const) {
      const rest = decoders[stream].decode();
      if (rest) this.panel.post({ type: 'output', runId: handle.runId, stream, text: rest });
    }
    if (result.outputs) this.outputFiles.remember({ outputs: result.outputs, root: project?.root });
    this.panel.post({ type: 'exit', result, outputsBase: result.outputs && this.panel.outputsBase(result.outputs) });
    if (this.current === current) {
      this.current = undefined;
      void vscode.commands.executeCommand('setContext', 'warmbox.running', false);
    }
    await this.markTraceback(current, result);
    if (result.outcome === 'infra-error' && result.infraReason !== 'client-gone') {
      void this.offerRestart(`warmbox: ${describeOutcome(result)}`);
    }
    this.lastResult = result;
    this.endEmitter.fire(result);
    return result;
  }

  async stop(): Promise<void> {
    const c = this.current;
    if (!c?.handle) return;
    await c.handle.cancel().catch(() => undefined);
  }

  /** Every frame of a Python traceback that points into the project, mapped back to its file. */
  private async markTraceback(c: Current, r: RunResult): Promise<void> {
    if (c.profile !== 'python' || r.outcome !== 'exited' || r.exitCode === 0) return;
    const tb = parsePythonFrames(c.stderr);
    if (!tb) return;
    const marks = await tracebackDiagnostics(tb, { doc: c.doc, sandboxPath: c.sandboxPath, lineOffset: c.lineOffset, root: c.root, cwd: c.cwd });
    // A newer run may have started (and cleared) meanwhile.
    if (this.current && this.current !== c) return;
    for (const { uri, diagnostics } of marks.values()) this.diagnostics.set(uri, diagnostics);
  }

  /** run/start refused: a project over its caps names its largest folders; the action opens the settings. */
  private refused(e: unknown, withProject: boolean): void {
    const message = (e as Error).message;
    if (withProject && isRpcError(e) && e.code === ErrorCodes.InvalidParams) {
      void vscode.window.showErrorMessage(`warmbox: ${message}`, 'Open Settings').then((p) => p && vscode.commands.executeCommand('workbench.action.openSettings', 'warmbox.workspace'));
    } else {
      void vscode.window.showErrorMessage(`warmbox: ${message}`);
    }
  }

  /** A /work path clicked in the panel: opened only when it is an existing file inside the shown run's project. */
  async openSandboxPath(printed: string, line?: number): Promise<vscode.TextEditor | undefined> {
    const s = this.shown;
    const local = s && (await projectFile(s.root, printed, s.cwd));
    if (!local) return undefined;
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(local));
    const at = line && line > 0 ? new vscode.Position(Math.min(line - 1, doc.lineCount - 1), 0) : undefined;
    return vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.One, selection: at && new vscode.Range(at, at) });
  }

  private onPanel(m: FromPanel): void {
    const c = this.current;
    if (m.type === 'stop') void this.stop();
    else if (m.type === 'openOutput') void this.outputFiles.open(m.path);
    else if (m.type === 'saveOutput') void this.outputFiles.saveToWorkspace(m.path);
    else if (m.type === 'openPath') void this.openSandboxPath(m.path, m.line);
    // Typed lines are small: not awaited (the daemon answers once the program's sandbox took them); sent in order.
    else if (m.type === 'stdin' && c?.handle) void c.handle.stdin(m.text).catch(() => undefined);
    else if (m.type === 'eof' && c?.handle) void c.handle.closeStdin().catch(() => undefined);
  }

  private async offerRestart(message: string): Promise<void> {
    const pick = await vscode.window.showErrorMessage(message, 'Restart daemon', 'Show log');
    if (pick === 'Restart daemon') await vscode.commands.executeCommand('warmbox.restartDaemon');
    if (pick === 'Show log') await vscode.commands.executeCommand('warmbox.showLog');
  }

  /** Diagnostics currently shown (tests read them). */
  diagnosticsFor(uri: vscode.Uri): readonly vscode.Diagnostic[] {
    return this.diagnostics.get(uri) ?? [];
  }

  dispose(): void {
    void this.stop();
    this.diagnostics.dispose();
    this.endEmitter.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
