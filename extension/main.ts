// activate/deactivate only: construct, register, dispose. Nothing here waits on the daemon or Docker.
import * as path from 'path';
import * as vscode from 'vscode';
import * as containerActions from './commands/containerActions';
import type { Ctx } from './commands/context';
import * as restartDaemon from './commands/restartDaemon';
import * as run from './commands/run';
import * as runSelection from './commands/runSelection';
import * as runWithArgs from './commands/runWithArgs';
import * as showLog from './commands/showLog';
import * as showOutput from './commands/showOutput';
import * as stop from './commands/stop';
import { daemonEnv, daemonWide, readSettings } from './config';
import { DaemonConnection, REQUEST_TIMEOUT_MS } from './connection';
import { Methods, type ProfileInfo } from '../daemon/protocol';
import { WorkspaceWishes } from './pool/wishes';
import { BuildProgress } from './environments/buildProgress';
import { EnvironmentsTree } from './environments/envTree';
import { ArgsStore } from './project/argsStore';
import { projectPlace } from './project/root';
import { RunnableEditor } from './languages/runnable';
import { RunController } from './runController';
import { registerTerminalLinks } from './terminal/links';
import { SandboxTerminals } from './terminal/sandboxTerminal';
import { ContainersTree } from './views/containersTree';
import { OutputFiles } from './views/outputFiles';
import { OutputPanel } from './views/outputPanel';
import { PoolStatusBar } from './views/statusBar';
import type { StatusFocus } from './views/statusText';
import { PoolHistoryFeed } from './views/poolHistoryFeed';

export interface WarmboxApi {
  ctx: Ctx;
  activatedInMs: number;
  /** Whether the editor-title ▶ shows for the active editor (the context key's value). */
  runnable: RunnableEditor;
}

export function activate(context: vscode.ExtensionContext): WarmboxApi {
  const t0 = performance.now();
  const log = vscode.window.createOutputChannel('warmbox', { log: true });
  const conn = new DaemonConnection(context.extensionPath, log, () => {
    const s = readSettings();
    return { daemonWide: daemonWide(), env: daemonEnv(s), trace: s.trace };
  });
  const panel = new OutputPanel(context.extensionUri);
  const outputFiles = new OutputFiles();
  const terminals = new SandboxTerminals();
  const runs = new RunController(conn, panel, new ArgsStore(context.workspaceState), outputFiles, terminals);
  const tree = new ContainersTree();
  const status = new PoolStatusBar();
  const wishes = new WorkspaceWishes(async () => (await conn.ensure()).request(Methods.profilesList, {}, REQUEST_TIMEOUT_MS));
  conn.wishes = () => wishes.wanted();
  const treeView = vscode.window.createTreeView('warmbox.containers', { treeDataProvider: tree });
  tree.attach(treeView);
  const ctx: Ctx = { conn, runs, panel, tree };
  const environments = new EnvironmentsTree(conn);

  // The status bar is about the active editor: its profile (as the daemon resolves it: c, go…) and its project.
  const statusFocus = (): StatusFocus => {
    const doc = vscode.window.activeTextEditor?.document;
    const resolved = doc && runnableEditor.current?.uri === doc.uri.toString() ? runnableEditor.current.profile : undefined;
    const profile = resolved ?? (doc && readSettings().profileByLanguage[doc.languageId]) ?? 'python';
    const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
    // No editor: a window on one folder is about that folder (its files run in its sets, which the window keeps warm).
    if (!doc) return folders.length === 1 ? { profile, root: folders[0] } : { profile };
    if (doc.isUntitled || doc.uri.scheme !== 'file') return { profile };
    return { profile, root: projectPlace(doc.uri.fsPath, folders).root };
  };
  const refreshStatus = () => status.update(conn.state, conn.lastPool, statusFocus(), conn.lastError);
  const runnableEditor = new RunnableEditor(conn, () => refreshStatus());
  const runnable = () => runnableEditor.update();

  context.subscriptions.push(
    log,
    conn,
    runnableEditor,
    panel,
    outputFiles,
    terminals,
    runs,
    new PoolHistoryFeed(conn, panel),
    registerTerminalLinks(terminals, (project, printed, line) => runs.openSandboxPath(printed, line, project)),
    tree,
    status,
    treeView,
    environments,
    vscode.window.registerTreeDataProvider('warmbox.environments', environments),
    new BuildProgress(conn),
    run.register(ctx),
    runSelection.register(ctx),
    runWithArgs.register(ctx),
    stop.register(ctx),
    showOutput.register(ctx),
    restartDaemon.register(ctx),
    showLog.register(ctx),
    ...containerActions.register(ctx),
    conn.onPoolChanged((n) => {
      tree.update(n);
      refreshStatus();
      panel.post({ type: 'pool', t: Date.now(), stats: n.stats });
    }),
    conn.onDidChangeState((s) => {
      refreshStatus();
      if (s !== 'connected') tree.update(undefined);
      panel.post({ type: 'link', state: s, error: conn.lastError });
    }),
    vscode.window.onDidChangeActiveTextEditor(() => {
      refreshStatus();
      runnable();
      // An editor of another language warms its profile (sent only when the wishes changed).
      void conn.pushWishes();
    }),
    // A shebang typed into a new file, or a language picked for it, can make it runnable.
    vscode.workspace.onDidChangeTextDocument((e) => e.document === vscode.window.activeTextEditor?.document && e.contentChanges.some((c) => c.range.start.line === 0) && runnable()),
    vscode.workspace.onDidOpenTextDocument((d) => d === vscode.window.activeTextEditor?.document && runnable()),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration('warmbox')) return;
      if (e.affectsConfiguration('warmbox.dockerHost') || e.affectsConfiguration('warmbox.runtime') || e.affectsConfiguration('warmbox.buildNetwork')) {
        void vscode.window.showInformationMessage('warmbox: the Docker host and runtime are used when the daemon starts.', 'Restart daemon').then((p) => p && vscode.commands.executeCommand('warmbox.restartDaemon'));
      }
      // Sandbox settings travel with each run; only the daemon-wide ones are pushed.
      if (e.affectsConfiguration('warmbox.pool') || e.affectsConfiguration('warmbox.daemon.idleShutdownMinutes')) void conn.pushSettings();
      runnable();
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => {
      runnable();
      void conn.pushWishes();
      void conn.pushSettings();
    }),
  );
  runnable();
  conn.start();
  const activatedInMs = performance.now() - t0;
  log.info(`activated in ${activatedInMs.toFixed(1)} ms`);
  return { ctx, activatedInMs, runnable: runnableEditor };
}

export function deactivate(): void {
  // The subscriptions close the connection; the daemon and its warm pool stay for the next window.
}
