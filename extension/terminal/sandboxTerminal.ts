// The sandbox terminal: a Pseudoterminal in VS Code's bottom panel that shows runs as they go (output as it arrives,
// typed input echoed and sent line by line, Ctrl+C stops, Ctrl+D ends input) and ends each with its outcome line.
// SandboxTerminals hands them out: one reused, or one per run (setting), and a new one when the reused one is busy.
import * as vscode from 'vscode';
import { LineInput, toTerminal } from './lineInput';

/** What the terminal asks of the run it shows. */
export interface TerminalRun {
  stdin(text: string): void;
  eof(): void;
  interrupt(): void;
}

export class SandboxTerminal implements vscode.Pseudoterminal {
  private readonly writeEmitter = new vscode.EventEmitter<string>();
  readonly onDidWrite = this.writeEmitter.event;
  private readonly closeEmitter = new vscode.EventEmitter<void>();
  readonly onDidClose = this.closeEmitter.event;
  readonly terminal: vscode.Terminal;
  /** The project of the last run shown here: where its /work links lead. */
  project?: { root: string; cwd: string };
  private opened = false;
  /** Writes before VS Code opened the terminal would be dropped: kept until open(). */
  private early: string[] = [];
  private readonly input = new LineInput();
  private run?: TerminalRun;
  private tail = '';
  /** Keys typed while nothing runs were swallowed without a word: one hint per idle spell says why. */
  private hinted = false;
  closed = false;

  constructor(name: string) {
    this.terminal = vscode.window.createTerminal({ name, pty: this, iconPath: new vscode.ThemeIcon('vm') });
  }

  get busy(): boolean {
    return !!this.run;
  }

  open(): void {
    this.opened = true;
    for (const s of this.early.splice(0)) this.writeEmitter.fire(s);
  }

  /** The user closed the terminal: a run still going in it is stopped. */
  close(): void {
    this.closed = true;
    const r = this.run;
    this.run = undefined;
    r?.interrupt();
  }

  handleInput(data: string): void {
    const r = this.run;
    if (!r) return this.idleHint();
    const fx = this.input.handle(data);
    if (fx.echo) this.write(fx.echo);
    for (const line of fx.send) r.stdin(line);
    if (fx.eof) r.eof();
    if (fx.interrupt) r.interrupt();
  }

  private idleHint(): void {
    if (this.hinted) return;
    this.hinted = true;
    const key = process.platform === 'darwin' ? 'Cmd+Alt+Enter' : 'Ctrl+Alt+Enter';
    this.write(`\x1b[2mNothing runs here now: ▶ in an editor's title (${key}) runs its file, and what you type here goes to it.\x1b[0m\r\n`);
  }

  /** A run starts here: a header line (after clearing, when asked), then its output. */
  begin(run: TerminalRun, header: string, clear: boolean, project?: { root: string; cwd: string }): void {
    this.run = run;
    this.hinted = false;
    this.project = project;
    this.input.reset();
    this.tail = '';
    this.write(`${clear ? '\x1b[2J\x1b[3J\x1b[H' : ''}\x1b[2m${header}\x1b[0m\r\n`);
  }

  output(text: string): void {
    if (!text) return;
    this.write(toTerminal(text));
    this.tail = text.slice(-1);
  }

  /** The run ended: its outcome line, on a line of its own. */
  end(line: string): void {
    this.run = undefined;
    const typed = this.input.pending;
    this.input.reset();
    const fresh = !this.tail || this.tail.endsWith('\n');
    this.write(`${typed || !fresh ? '\r\n' : ''}${line}\r\n`);
    this.tail = '';
  }

  private write(s: string): void {
    if (this.closed) return;
    if (this.opened) this.writeEmitter.fire(s);
    else this.early.push(s);
  }

  dispose(): void {
    this.terminal.dispose();
    this.writeEmitter.dispose();
    this.closeEmitter.dispose();
  }
}

/** The window's sandbox terminals. */
export class SandboxTerminals implements vscode.Disposable {
  private readonly all: SandboxTerminal[] = [];
  private readonly disposables: vscode.Disposable[] = [];

  constructor() {
    this.disposables.push(
      vscode.window.onDidCloseTerminal((t) => {
        const i = this.all.findIndex((s) => s.terminal === t);
        if (i >= 0) this.all.splice(i, 1)[0].close();
      }),
    );
  }

  /** A terminal for a new run: the reused one when it is free (and reuse is on), otherwise a new one. */
  forRun(file: string, reuse: boolean): SandboxTerminal {
    if (reuse) {
      const free = this.all.find((s) => !s.busy && !s.closed);
      if (free) return free;
    }
    const t = new SandboxTerminal(reuse && !this.all.length ? 'warmbox' : `warmbox: ${file}`);
    this.all.push(t);
    return t;
  }

  of(terminal: vscode.Terminal): SandboxTerminal | undefined {
    return this.all.find((s) => s.terminal === terminal);
  }

  dispose(): void {
    for (const t of this.all.splice(0)) t.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
