// Runs the active editor (or its selection) in a sandbox, inside a copy of its project: output to the sandbox terminal
// and the panel, Stop, stdin, output files, and diagnostics where a Python traceback points into the project. A new
// run cancels the window's others first (`warmbox.whileRunning`: or only a run of the same file, side by side).
// Focus stays in the editor unless the program waits for input (see PROMPT_QUIET_MS): then the terminal (or the
// panel's input box) takes it, and gives it back to the editor when the run ends.
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
import { lineBreaks, shiftSpans } from './run/diagnosticShift';
import { SelectionRule, selectionProgram } from './run/selection';
import { parsePythonFrames } from './traceback';
import { endsInPrompt, outcomeLine, PROMPT_QUIET_MS } from './terminal/lineInput';
import type { SandboxTerminal, SandboxTerminals } from './terminal/sandboxTerminal';
import { languageDiagnostics } from './diagnostics/languageDiagnostics';
import { profileFor } from './languages/runnable';
import type { OutputFiles } from './views/outputFiles';
import type { OutputPanel } from './views/outputPanel';

/** How long a run may wait for its sandbox before the terminal says one is starting (a warm one answers in ms). */
const SLOW_START_MS = 400;

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
  /** The output (stdout and stderr merged, as the run asks for them) up to 256 KB: where tracebacks are read. */
  text: string;
  terminal?: SandboxTerminal;
  /** Typed before the daemon took the run: sent once it has. */
  early: (string | null)[];
  /** The terminal or the panel took the focus for input: the editor gets it back when the run ends. */
  tookFocus?: boolean;
  cancelled?: boolean;
  /** The end of the output so far, and the timer that says a prompt waits (see PROMPT_QUIET_MS). */
  tail: string;
  quiet?: NodeJS.Timeout;
  /** Later runs have higher numbers. */
  seq: number;
  /** Resolves once the run has ended and its terminal is free. */
  done: Promise<void>;
  ended(): void;
}

export class RunController implements vscode.Disposable {
  /** The window's live runs, oldest first. */
  private readonly live = new Map<string, Current>();
  private seq = 0;
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
    private readonly terminals: SandboxTerminals,
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
      vscode.workspace.onDidCloseTextDocument((d) => this.selections.closed(d.uri.toString())),
      vscode.workspace.onDidChangeTextDocument((e) => this.editDiagnostics(e)),
    );
    this.lastUri = vscode.window.activeTextEditor?.document.uri;
    this.updateContext();
  }

  private lastUri?: vscode.Uri;
  private readonly selections = new SelectionRule();

  /** The text editor the user was last in, if it is still visible. */
  lastEditor(): vscode.TextEditor | undefined {
    const u = this.lastUri?.toString();
    return vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === u);
  }

  get running(): boolean {
    return this.live.size > 0;
  }

  /** The files with a live run (tests read it; the editor title's Stop follows it). */
  get runningFiles(): string[] {
    return [...new Set([...this.live.values()].map((c) => c.doc.uri.toString()))];
  }

  /**
   * `warmbox.running` (any run) and `warmbox.runningFiles` (`resourcePath in warmbox.runningFiles`: Stop on that
   * editor). Paths, not URIs: in a remote window the workbench's `resource` is a vscode-remote URI while the extension
   * sees file URIs; `resourcePath` is the path both agree on (the fsPath for local files).
   */
  private updateContext(): void {
    const paths = [...this.live.values()].flatMap((c) => [c.doc.uri.fsPath, c.doc.uri.path]);
    void vscode.commands.executeCommand('setContext', 'warmbox.running', this.live.size > 0);
    void vscode.commands.executeCommand('setContext', 'warmbox.runningFiles', [...new Set(paths)]);
  }

  /** The profile for a document: the one picked for it, then the user's mapping and the daemon's answer (languages/runnable.ts). */
  async profileFor(doc: vscode.TextDocument): Promise<string | undefined> {
    const picked = this.picked.get(doc.uri.toString());
    if (picked) return picked;
    const r = await profileFor(this.conn, doc);
    return 'error' in r ? undefined : r.profile;
  }

  /** Profiles picked for documents no profile matches (an untitled plain-text editor), for this window's life. */
  private readonly picked = new Map<string, string>();

  /** No profile matches the document: *Pick a language…* from the daemon's profiles; remembered for the document. */
  private async pickProfile(doc: vscode.TextDocument): Promise<string | undefined> {
    const client = await this.conn.ensure();
    const profiles = await client.request(Methods.profilesList, {}, REQUEST_TIMEOUT_MS);
    const settings = { label: '$(gear) Map the language in settings…', profile: '' };
    const items = [
      ...profiles.map((p) => ({ label: p.name, description: p.extensions.join(' '), detail: p.image, profile: p.name })),
      { label: '', kind: vscode.QuickPickItemKind.Separator, profile: '' },
      settings,
    ];
    const chosen = await vscode.window.showQuickPick(items, {
      title: 'warmbox: Pick a language…',
      placeHolder: `Which sandbox runs this ${doc.isUntitled ? 'untitled ' : ''}${doc.languageId} editor?`,
    });
    if (chosen === settings) void vscode.commands.executeCommand('workbench.action.openSettings', 'warmbox.profileByLanguage');
    if (!chosen?.profile) return undefined;
    this.picked.set(doc.uri.toString(), chosen.profile);
    return chosen.profile;
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
    // A selection counts for Run only when made since the file last ran (README: *Running a selection*).
    const selKey = sel.isEmpty ? undefined : `${sel.start.line}:${sel.start.character}-${sel.end.line}:${sel.end.character}`;
    const useSelection = selectionOnly || this.selections.counts(doc.uri.toString(), selKey);
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
    const profile = (await this.profileFor(doc)) ?? (await this.pickProfile(doc));
    if (!profile) return undefined;
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
    // A selection runs where it sits (its traceback lines are the editor's), Python's dedented.
    const code = useSelection
      ? selectionProgram({ text: doc.getText(sel), startLine: sel.start.line, before: doc.lineAt(sel.start.line).text.slice(0, sel.start.character), dedent: profile === 'python' })
      : doc.getText();
    this.selections.ran(doc.uri.toString(), selKey);
    const fileName = doc.isUntitled ? undefined : path.basename(doc.fileName);
    // After the save: a saved file is not an overlay of itself, and other dirty editors are read as they are now.
    const plan = projectFor(doc, ps);
    if (plan?.skipped.length) this.conn.log.warn(`unsaved text of ${plan.skipped.join(', ')} was not sent (over the size budget); the saved files are used`);
    const project = plan?.project;
    const cwd = project ? (project.cwd === 'root' ? '.' : path.posix.dirname(project.file)) : '.';

    // The window's other runs end first (or, side by side, only this file's own).
    const uri = doc.uri.toString();
    const before = [...this.live.values()].filter((c) => settings.whileRunning === 'cancel' || c.doc.uri.toString() === uri);
    // Waited for until they have ended (a second at most), so the reused terminal is free again and their outcome
    // lines come before this run's header.
    await Promise.all(before.map((c) => this.stopRun(c).then(() => Promise.race([c.done, new Promise((r) => setTimeout(r, 1000))]))));
    this.diagnostics.clear();

    const decoders = { stdout: new TextDecoder('utf-8'), stderr: new TextDecoder('utf-8') };
    const runId = randomUUID();
    const current: Current = {
      runId, doc, lineOffset: 0, sandboxPath: project?.file ?? fileName ?? 'main.py', root: project?.root, cwd, profile, text: '', early: [],
      tail: '', seq: ++this.seq, done: Promise.resolve(), ended: () => undefined,
    };
    current.done = new Promise<void>((r) => (current.ended = r));
    this.live.set(runId, current);
    this.updateContext();
    this.shown = project ? { root: project.root, cwd } : undefined;
    const shownName = doc.isUntitled ? doc.uri.path : vscode.workspace.asRelativePath(doc.uri);
    this.panel.post({
      type: 'begin',
      run: { runId, file: shownName, profile, selection: useSelection, startedAt: Date.now(), args: args.length ? args : undefined, root: project?.root, cwd: project ? cwd : undefined },
      clear: settings.clearOutputBeforeRun,
    });
    // Shown without taking the focus: the user stays in the editor (see waitingForInput for the exception).
    if (settings.output !== 'terminal') this.panel.show(true);
    if (settings.output !== 'panel') {
      const t = this.terminals.forRun(path.basename(shownName), settings.terminalReuse);
      current.terminal = t;
      const header = `▶ ${shownName}${useSelection ? ' (selection)' : ''}${args.length ? ` ${args.join(' ')}` : ''} · ${profile}`;
      t.begin(
        { stdin: (text) => this.sendStdin(current, text), eof: () => this.sendStdin(current, null), interrupt: () => void this.stopRun(current) },
        header,
        settings.clearOutputBeforeRun,
        project ? { root: project.root, cwd } : undefined,
      );
      t.terminal.show(true);
    }
    // A run that finds no warm sandbox waits for one to start (a second or two): the terminal says so rather than
    // showing nothing under its header. Notices (an environment building) and the run's start end the wait.
    const slowStart = setTimeout(() => current.terminal?.output(`\x1b[2m[warmbox] no warm sandbox for this run: starting one…\x1b[0m\n`), SLOW_START_MS);
    let handle: RunHandle;
    try {
      handle = await client.run(
        // Only the sandbox settings set explicitly, the workspace's only to tighten: this window's sandboxes, no other's.
        {
          // Merged: the terminal and the panel show stdout and stderr in the order the program wrote them.
          runId, profile, code, fileName, stdinOpen: true, streams: 'merged', ...runSettingsFor(doc),
          args: args.length ? args : undefined,
          project,
          env: Object.keys(env.env).length ? env.env : undefined,
          outputs: ps.collectOutputs ? { maxBytes: ps.outputsMaxBytes, maxFiles: ps.outputsMaxFiles } : undefined,
          whileBuilding: project ? settings.whileBuilding : undefined,
        },
        {
          // The run waits for its project's environment, or runs without it: said in the panel, dimmed, before any output.
          onNotice: (message) => {
            clearTimeout(slowStart);
            const text = `\x1b[2m[warmbox] ${message.replace(/\n/g, '\n[warmbox] ')}\x1b[0m\n`;
            this.panel.post({ type: 'output', runId, stream: 'stdout', text });
            current.terminal?.output(text);
          },
          onStarted: (n) => {
            clearTimeout(slowStart);
            this.panel.post({ type: 'started', runId: n.runId, containerId: n.containerId, acquireMs: n.acquireMs, warm: n.warm });
          },
          onOutput: (stream, data) => this.output(current, stream, decoders[stream].decode(data, { stream: true })),
        },
      );
    } catch (e) {
      clearTimeout(slowStart);
      this.live.delete(runId);
      this.updateContext();
      current.terminal?.end(`\x1b[31m■ not started: ${(e as Error).message}\x1b[0m`);
      current.ended();
      this.refused(e, !!project);
      return undefined;
    }
    current.handle = handle;
    for (const x of current.early.splice(0)) this.sendStdin(current, x);
    // Stopped (Ctrl+C, another run) before the daemon answered.
    if (current.cancelled) void handle.cancel().catch(() => undefined);

    let result: RunResult;
    try {
      result = await handle.result.finally(() => clearTimeout(slowStart));
    } catch (e) {
      result = {
        runId: handle.runId, outcome: 'infra-error', exitCode: null, message: (e as Error).message, infraReason: 'shutting-down', profile,
        containerId: null, warm: false, isolation: 'fresh', acquireMs: 0, durationMs: 0, stdoutBytes: 0, stderrBytes: 0, truncated: false,
      };
    }
    for (const stream of ['stdout', 'stderr'] as const) this.output(current, stream, decoders[stream].decode());
    if (result.outputs) this.outputFiles.remember({ outputs: result.outputs, root: project?.root });
    // Files and images show in the panel: it opens for them (without the focus) even where the terminal is the output.
    if (result.outputs?.files.length && settings.output === 'terminal') this.panel.show(true);
    this.panel.post({ type: 'exit', result, outputsBase: result.outputs && this.panel.outputsBase(result.outputs) });
    current.terminal?.end(outcomeLine(result));
    current.ended();
    this.live.delete(runId);
    if (current.quiet) clearTimeout(current.quiet);
    this.updateContext();
    if (current.tookFocus) this.focusBack(current);
    await this.markTraceback(current, result);
    // A language image's failed first build is told once, by its build notification (with Show Build Log).
    if (result.outcome === 'infra-error' && result.infraReason !== 'client-gone' && result.infraReason !== 'image-build') {
      void this.offerRestart(`warmbox: ${describeOutcome(result)}`);
    }
    this.lastResult = result;
    this.endEmitter.fire(result);
    return result;
  }

  /** Stops the run of `uri` (the editor title's Stop), else of the active editor, else every run of the window. */
  async stop(uri?: vscode.Uri): Promise<void> {
    const file = (uri ?? vscode.window.activeTextEditor?.document.uri)?.toString();
    const all = [...this.live.values()];
    const mine = all.filter((c) => c.doc.uri.toString() === file);
    await Promise.all((mine.length ? mine : all).map((c) => this.stopRun(c)));
  }

  private async stopRun(c: Current): Promise<void> {
    c.cancelled = true;
    if (c.handle) await c.handle.cancel().catch(() => undefined);
  }

  private output(c: Current, stream: 'stdout' | 'stderr', text: string): void {
    if (!text) return;
    if (c.text.length < 256 * 1024) c.text += text;
    this.panel.post({ type: 'output', runId: c.runId, stream, text });
    c.terminal?.output(text);
    c.tail = (c.tail + text).slice(-200);
    if (c.quiet) clearTimeout(c.quiet);
    c.quiet = endsInPrompt(c.tail) && !c.tookFocus ? setTimeout(() => this.waitingForInput(c), PROMPT_QUIET_MS) : undefined;
  }

  /** Stdin typed in the terminal; null ends it. Typed lines are small: not awaited, sent in order. */
  private sendStdin(c: Current, text: string | null): void {
    // The panel's transcript shows what was typed where it was typed, as a terminal does.
    if (text) this.panel.post({ type: 'output', runId: c.runId, stream: 'stdin', text });
    if (!c.handle) {
      c.early.push(text);
      return;
    }
    if (text === null) void c.handle.closeStdin().catch(() => undefined);
    else void c.handle.stdin(text).catch(() => undefined);
  }

  /**
   * The program shows a prompt and waits (its output ends without a newline and nothing more came for
   * PROMPT_QUIET_MS): where its input goes takes the focus from the editor — the only time a run takes it.
   */
  private waitingForInput(c: Current): void {
    if (!this.live.has(c.runId) || c.tookFocus) return;
    // Only from the editor the run came from: a user typing in the panel's input box (or anywhere else) keeps the focus.
    if (vscode.window.activeTextEditor?.document !== c.doc || this.panel.active) return;
    c.tookFocus = true;
    if (c.terminal) c.terminal.terminal.show(false);
    else {
      this.panel.show(false);
      this.panel.post({ type: 'focusInput' });
    }
  }

  /** After a run that took the focus for input: back to the editor it ran from, if it is still open. */
  private focusBack(c: Current): void {
    const ed = vscode.window.visibleTextEditors.find((e) => e.document === c.doc);
    if (ed) void vscode.window.showTextDocument(ed.document, { viewColumn: ed.viewColumn, preserveFocus: false, preview: false });
  }

  /** Compiler messages and stack traces (every frame that points into the project), mapped back to their files. */
  private async markTraceback(c: Current, r: RunResult): Promise<void> {
    if (c.profile !== 'python') {
      const marks = await languageDiagnostics(c.profile, r, c.text, { doc: c.doc, sandboxPath: c.sandboxPath, lineOffset: c.lineOffset, root: c.root, cwd: c.cwd });
      if ([...this.live.values()].some((o) => o.seq > c.seq)) return;
      for (const { uri, diagnostics } of marks.values()) this.diagnostics.set(uri, diagnostics);
      return;
    }
    if (r.outcome !== 'exited' || r.exitCode === 0) return;
    const tb = parsePythonFrames(c.text);
    if (!tb) return;
    const marks = await tracebackDiagnostics(tb, { doc: c.doc, sandboxPath: c.sandboxPath, lineOffset: c.lineOffset, root: c.root, cwd: c.cwd });
    // A newer run may have started (and cleared) meanwhile.
    if ([...this.live.values()].some((o) => o.seq > c.seq)) return;
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

  /**
   * A /work path clicked in the panel (the shown run's project) or a terminal (its run's): opened only when it is an
   * existing file inside that project.
   */
  async openSandboxPath(printed: string, line?: number, project = this.shown): Promise<vscode.TextEditor | undefined> {
    const s = project;
    const local = s && (await projectFile(s.root, printed, s.cwd));
    if (!local) return undefined;
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(local));
    const at = line && line > 0 ? new vscode.Position(Math.min(line - 1, doc.lineCount - 1), 0) : undefined;
    return vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.One, selection: at && new vscode.Range(at, at) });
  }

  private onPanel(m: FromPanel): void {
    // The panel shows the newest run: its input and Stop are that run's.
    const c = [...this.live.values()].pop();
    if (m.type === 'stop') void (c && this.stopRun(c));
    else if (m.type === 'openOutput') void this.outputFiles.open(m.path);
    else if (m.type === 'saveOutput') void this.outputFiles.saveToWorkspace(m.path);
    else if (m.type === 'openPath') void this.openSandboxPath(m.path, m.line);
    // Typed lines are small: not awaited (the daemon answers once the program's sandbox took them); sent in order.
    else if (m.type === 'stdin' && c) this.sendStdin(c, m.text);
    else if (m.type === 'eof' && c) this.sendStdin(c, null);
  }

  private async offerRestart(message: string): Promise<void> {
    const pick = await vscode.window.showErrorMessage(message, 'Restart daemon', 'Show log');
    if (pick === 'Restart daemon') await vscode.commands.executeCommand('warmbox.restartDaemon');
    if (pick === 'Show log') await vscode.commands.executeCommand('warmbox.showLog');
  }

  /** An edit drops the marks on the lines it changed and moves those below it with their lines. */
  private editDiagnostics(e: vscode.TextDocumentChangeEvent): void {
    const old = this.diagnostics.get(e.document.uri);
    if (!old?.length || !e.contentChanges.length) return;
    const edits = e.contentChanges.map((c) => ({ startLine: c.range.start.line, endLine: c.range.end.line, insertedLines: lineBreaks(c.text) }));
    const moved = shiftSpans(old.map((d) => ({ startLine: d.range.start.line, endLine: d.range.end.line })), edits);
    const next: vscode.Diagnostic[] = [];
    old.forEach((d, i) => {
      const m = moved[i];
      if (!m) return;
      const shifted = new vscode.Diagnostic(new vscode.Range(m.startLine, d.range.start.character, m.endLine, d.range.end.character), d.message, d.severity);
      shifted.source = d.source;
      shifted.relatedInformation = d.relatedInformation;
      next.push(shifted);
    });
    this.diagnostics.set(e.document.uri, next);
  }

  /** Diagnostics currently shown (tests read them). */
  diagnosticsFor(uri: vscode.Uri): readonly vscode.Diagnostic[] {
    return this.diagnostics.get(uri) ?? [];
  }

  dispose(): void {
    for (const c of this.live.values()) void this.stopRun(c);
    this.diagnostics.dispose();
    this.endEmitter.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
