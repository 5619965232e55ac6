// Arguments remembered per file (workspaceState): set by "Run in Sandbox with Arguments…", reused by every plain run
// of that file until cleared with an empty input.
import * as vscode from 'vscode';

const KEY = 'warmbox.argsByFile';

export class ArgsStore {
  constructor(private readonly state: vscode.Memento) {}

  /** The text the user typed for this file ('' when none). */
  get(uri: vscode.Uri): string {
    return this.all()[uri.toString()] ?? '';
  }

  async set(uri: vscode.Uri, text: string): Promise<void> {
    const all = { ...this.all() };
    if (text.trim()) all[uri.toString()] = text;
    else delete all[uri.toString()];
    await this.state.update(KEY, all);
  }

  private all(): Record<string, string> {
    return this.state.get<Record<string, string>>(KEY, {});
  }
}
