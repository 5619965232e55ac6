// The one output panel (a webview): reused for every run, restored after a reload by its serializer. The run it shows
// is kept here (PanelModel) and sent whole whenever the page loads, so a run while it was hidden is never lost.
import * as crypto from 'crypto';
import * as path from 'path';
import * as vscode from 'vscode';
import { runtimeDir } from '../../daemon/socketPath';
import type { RunOutputs, RunResult } from '../../daemon/protocol';
import type { FromPanel, RunInfo, RunView, ToPanel } from '../../media/src/messages';
import { PanelModel } from './panelModel';
import { isInside } from '../project/root';

/** What the page saved and the serializer hands back after a reload (the fields the extension reads). */
export interface RestoredPanel {
  run?: RunInfo;
  result?: RunResult;
}

export const PANEL_VIEW_TYPE = 'warmbox.output';

export class OutputPanel implements vscode.Disposable, vscode.WebviewPanelSerializer {
  private panel?: vscode.WebviewPanel;
  /** The page has loaded and said so, and has not been hidden since. */
  private ready = false;
  private readonly model = new PanelModel();
  private readonly messageEmitter = new vscode.EventEmitter<FromPanel>();
  readonly onMessage = this.messageEmitter.event;
  private readonly restoreEmitter = new vscode.EventEmitter<RestoredPanel>();
  /** Fires when the panel comes back after a reload, with the run it showed. */
  readonly onRestore = this.restoreEmitter.event;
  private readonly disposables: vscode.Disposable[] = [];
  /**
   * Folders the page may load files from besides media/: the daemon keeps output files under its runtime folder's
   * `outputs/` (one folder per run). Set when the panel is made, since changing a webview's options reloads its page.
   */
  private outputRoots: string[];

  constructor(private readonly extensionUri: vscode.Uri, env: NodeJS.ProcessEnv = process.env) {
    this.outputRoots = [path.join(runtimeDir(env), 'outputs')];
    this.disposables.push(vscode.window.registerWebviewPanelSerializer(PANEL_VIEW_TYPE, this));
  }

  show(preserveFocus = true): void {
    if (this.panel) {
      this.panel.reveal(undefined, preserveFocus);
      return;
    }
    const panel = vscode.window.createWebviewPanel(
      PANEL_VIEW_TYPE,
      'warmbox',
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus },
      this.options(),
    );
    this.attach(panel);
  }

  /**
   * The run's messages update the view the extension keeps, and go to the page only while it is live; a page that
   * (re)loads — shown again after being hidden, or after a reload — is sent the whole view (see PanelModel). Pool and
   * link samples are not kept: a hidden page misses them.
   */
  post(m: ToPanel): void {
    this.model.apply(m);
    if (this.panel && this.ready) void this.panel.webview.postMessage(m);
  }

  /** The view of the run, as the page shows it once it is visible. */
  get view(): RunView {
    return this.model.current;
  }

  get visible(): boolean {
    return !!this.panel?.visible;
  }

  /** The page has the focus (the user is in it). */
  get active(): boolean {
    return !!this.panel?.active;
  }

  /** Sends the page the whole run; its output folder's URI made anew for this page. */
  private replay(panel: vscode.WebviewPanel): void {
    const view = { ...this.model.current };
    const outputs = view.result?.outputs;
    if (outputs && typeof outputs.dir === 'string' && path.isAbsolute(outputs.dir)) {
      if (!this.outputRoots.some((r) => isInside(r, outputs.dir))) {
        // Changing the roots reloads the page, which asks again.
        this.allow(outputs.dir);
        panel.webview.options = this.options();
        return;
      }
      view.outputsBase = panel.webview.asWebviewUri(vscode.Uri.file(outputs.dir)).toString();
    }
    void panel.webview.postMessage({ type: 'replay', view } satisfies ToPanel);
  }

  async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    const saved = (state && typeof state === 'object' ? state : {}) as RestoredPanel;
    const outputs = saved.result?.outputs;
    if (outputs && typeof outputs.dir === 'string' && path.isAbsolute(outputs.dir)) this.allow(outputs.dir);
    panel.webview.options = this.options();
    // This extension host starts with no view: the page's saved one is it (unless a run began meanwhile).
    if (!this.model.current.run) this.model.restore(saved as Partial<RunView>);
    this.attach(panel);
    if (outputs && saved.run) this.restoreEmitter.fire(saved);
  }

  /**
   * The webview URI of a run's output folder, when the panel is open (otherwise the page gets it when it loads). A
   * folder outside the known roots (a daemon with another runtime folder) is added, which reloads the page.
   */
  outputsBase(o: RunOutputs): string | undefined {
    if (!this.panel) return undefined;
    if (!this.outputRoots.some((r) => isInside(r, o.dir))) {
      this.allow(o.dir);
      this.panel.webview.options = this.options();
    }
    return this.panel.webview.asWebviewUri(vscode.Uri.file(o.dir)).toString();
  }

  private allow(dir: string): void {
    if (!this.outputRoots.some((r) => isInside(r, dir))) this.outputRoots.push(path.dirname(dir));
  }

  private options(): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true,
      retainContextWhenHidden: false,
      localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'media'), ...this.outputRoots.map((r) => vscode.Uri.file(r))],
    };
  }

  private attach(panel: vscode.WebviewPanel): void {
    this.panel = panel;
    this.ready = false;
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'warmbox.svg');
    panel.webview.html = this.html(panel.webview);
    panel.webview.onDidReceiveMessage(
      (m: FromPanel) => {
        if (m.type === 'ready' && this.panel === panel) {
          this.ready = true;
          this.replay(panel);
        }
        this.messageEmitter.fire(m);
      },
      undefined,
      this.disposables,
    );
    panel.onDidChangeViewState(
      () => {
        if (this.panel !== panel) return;
        // Hidden, the page is gone (its context is not retained): nothing posted now would arrive.
        if (!panel.visible) this.ready = false;
        // Shown again: the page reloads and says ready; should it have been kept instead, it gets the view now.
        else this.replay(panel);
      },
      undefined,
      this.disposables,
    );
    panel.onDidDispose(() => {
      if (this.panel === panel) {
        this.panel = undefined;
        this.ready = false;
      }
    });
  }

  private html(webview: vscode.Webview): string {
    const nonce = crypto.randomBytes(16).toString('base64');
    const media = (f: string) => webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'media', f));
    const csp = [
      "default-src 'none'",
      `style-src ${webview.cspSource}`,
      `img-src ${webview.cspSource} data:`,
      `font-src ${webview.cspSource}`,
      `script-src 'nonce-${nonce}'`,
    ].join('; ');
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link href="${media('panel.css')}" rel="stylesheet">
<title>warmbox</title>
</head>
<body>
<header>
  <span id="title">No run yet</span>
  <span id="outcome" class="pill"></span>
  <span id="meta"></span>
  <button id="stop" title="Stop the run (warmbox: Stop Sandbox Run)">Stop</button>
</header>
<div id="link" hidden></div>
<div id="dropped" hidden>… earlier output was dropped to keep the editor responsive</div>
<pre id="output" aria-live="polite"></pre>
<section id="outputs" aria-label="output files" hidden></section>
<div class="inputrow">
  <input id="stdin" type="text" placeholder="stdin: type a line and press Enter (Ctrl+D ends input)" aria-label="standard input">
  <button id="send">Send</button>
  <button id="eof" class="secondary" title="Close the program's stdin">EOF</button>
</div>
<footer>
  <div class="chart-head"><span class="chart-title">Pool</span><span class="key warm"></span>warm<span class="key busy"></span>busy<span class="key waiting"></span>waiting <span id="legend"></span></div>
  <div id="chart" role="img" aria-label="pool per profile over the last minutes"></div>
</footer>
<script nonce="${nonce}" src="${media('panel.js')}"></script>
</body>
</html>`;
  }

  dispose(): void {
    this.panel?.dispose();
    this.messageEmitter.dispose();
    this.restoreEmitter.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
