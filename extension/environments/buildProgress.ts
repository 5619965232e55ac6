// An image build as VS Code shows it — a project's environment, or a language's sandbox image on its first use (kind
// 'language'): a cancellable progress notification with the current step, a status bar item while it builds (a click
// opens the build log), and a failure told once with the failing step and the log.
import * as vscode from 'vscode';
import type { EnvCancelParams, EnvProgressNotification } from '../../daemon/protocol';
import { Methods, Notifications } from '../../daemon/protocol';
import type { DaemonConnection } from '../connection';
import { buildText, stepMessage } from './buildText';

interface Shown {
  report(message: string): void;
  end(): void;
}

export class BuildProgress implements vscode.Disposable {
  private readonly shown = new Map<string, Shown>();
  private readonly status = vscode.window.createStatusBarItem('warmbox.environmentBuild', vscode.StatusBarAlignment.Left, 99);
  /** The log of the latest build, for Show Build Log. */
  lastLog?: string;
  private readonly subs: vscode.Disposable[] = [];

  constructor(private readonly conn: DaemonConnection) {
    this.status.name = 'warmbox environment build';
    this.status.command = 'warmbox.showBuildLog';
    this.subs.push(
      conn.onNotification(({ method, params }) => {
        if (method === Notifications.envProgress) this.on(params as EnvProgressNotification);
      }),
      vscode.commands.registerCommand('warmbox.showBuildLog', () => this.showLog()),
    );
  }

  private on(n: EnvProgressNotification): void {
    const { key, name, what, cancel } = buildText(n);
    if (n.logPath) this.lastLog = n.logPath;
    if (n.state === 'building') {
      this.shown.get(key)?.end();
      this.open(key, name, what, cancel, n);
    } else if (n.state === 'step' || n.state === 'line') {
      this.shown.get(key)?.report(stepMessage(n));
      this.status.text = `$(sync~spin) ${what}: ${n.label}`;
    } else {
      this.shown.get(key)?.end();
      this.shown.delete(key);
      if (n.state === 'failed') {
        // Sent once per change by the daemon (a broken manifest, a failed step), not on every run. A failed build is
        // not tried again by runs: Retry asks for it (a network that was down, a mirror that failed).
        const actions = n.logPath ? ['Retry', 'Show Build Log'] : [];
        void vscode.window.showErrorMessage(`warmbox: ${n.message ?? `the ${name} failed to build`}`, ...actions).then((a) => {
          if (a === 'Show Build Log') void this.showLog(n.logPath);
          if (a === 'Retry') void this.conn.ensure().then((c) => c.request(Methods.envBuild, { root: n.root, profile: n.profile })).catch((e: Error) => void vscode.window.showErrorMessage(`warmbox: ${e.message}`));
        });
      }
    }
    this.refreshStatus();
  }

  private open(key: string, name: string, what: string, cancel: EnvCancelParams, n: EnvProgressNotification): void {
    let report: (m: string) => void = () => undefined;
    let end!: () => void;
    const done = new Promise<void>((r) => (end = r));
    this.shown.set(key, { report: (m) => report(m), end });
    this.status.text = `$(sync~spin) ${what} building`;
    this.status.tooltip = `warmbox: building the ${name} (${n.summary ?? ''}). Click for the build log.`;
    void vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `warmbox: building the ${name}`, cancellable: true },
      (progress, token) => {
        report = (message) => progress.report({ message });
        progress.report({ message: n.summary });
        token.onCancellationRequested(() => {
          void this.conn.ensure().then((c) => c.request(Methods.envCancel, cancel)).catch(() => undefined);
        });
        return done;
      },
    );
  }

  private refreshStatus(): void {
    if (this.shown.size) this.status.show();
    else this.status.hide();
  }

  private async showLog(file = this.lastLog): Promise<void> {
    if (!file) {
      void vscode.window.showInformationMessage('warmbox: no environment build yet in this session.');
      return;
    }
    try {
      await vscode.window.showTextDocument(vscode.Uri.file(file), { preview: true });
    } catch (e) {
      void vscode.window.showErrorMessage(`warmbox: cannot open the build log ${file}: ${(e as Error).message}`);
    }
  }

  dispose(): void {
    for (const s of this.shown.values()) s.end();
    this.shown.clear();
    this.status.dispose();
    for (const d of this.subs) d.dispose();
  }
}
