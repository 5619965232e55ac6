// The editor-title ▶ for every language a profile serves: the daemon answers which profile runs the active editor
// (profile/resolve: extension, language id, shebang), over the user's own warmbox.profileByLanguage mapping.
import * as vscode from 'vscode';
import { Methods, ProfileResolveResult } from '../../daemon/protocol';
import { readSettings } from '../config';
import { REQUEST_TIMEOUT_MS, type DaemonConnection } from '../connection';

export const RUNNABLE_KEY = 'warmbox.runnableEditor';

/** What to ask the daemon about a document (also used to pick the profile of a run). */
export function resolveQuery(doc: vscode.TextDocument): { fileName?: string; languageId: string; firstLine: string } {
  return { fileName: doc.isUntitled ? undefined : doc.fileName, languageId: doc.languageId, firstLine: doc.lineCount ? doc.lineAt(0).text.slice(0, 4096) : '' };
}

/** The profile for a document: the user's language mapping first, then the daemon's answer. */
export async function profileFor(conn: DaemonConnection, doc: vscode.TextDocument): Promise<ProfileResolveResult> {
  const byLang = readSettings().profileByLanguage[doc.languageId];
  if (byLang) return { profile: byLang, by: 'languageId' };
  const client = await conn.ensure();
  return client.request(Methods.profileResolve, resolveQuery(doc), REQUEST_TIMEOUT_MS);
}

export class RunnableEditor implements vscode.Disposable {
  private seq = 0;
  /** The key's value for the active editor, as last set (tests read it: VS Code has no API to read a context key). */
  current?: { uri: string; runnable: boolean; profile?: string };
  private readonly subs: vscode.Disposable[];

  /** `onResolved`: the active editor's profile is known (the status bar shows that profile's sandboxes). */
  constructor(private readonly conn: DaemonConnection, private readonly onResolved: () => void = () => undefined) {
    this.subs = [conn.onDidChangeState((s) => s === 'connected' && this.update())];
  }

  /** Sets the context key for the active editor; while the daemon is not there, only the user's mapping counts. */
  update(): void {
    const doc = vscode.window.activeTextEditor?.document;
    const seq = ++this.seq;
    const set = (on: boolean, profile?: string): void => {
      if (seq !== this.seq) return;
      this.current = doc && { uri: doc.uri.toString(), runnable: on, profile };
      void vscode.commands.executeCommand('setContext', RUNNABLE_KEY, on);
      this.onResolved();
    };
    if (!doc) return void set(false);
    const mapped = readSettings().profileByLanguage[doc.languageId];
    if (mapped) return void set(true, mapped);
    // An untitled editor gets ▶ whatever its language: running it offers *Pick a language…* when no profile serves it.
    if (doc.isUntitled) return void set(true);
    if (this.conn.state !== 'connected') return void set(false);
    profileFor(this.conn, doc).then(
      (r) => set(!('error' in r), 'error' in r ? undefined : r.profile),
      () => set(false),
    );
  }

  dispose(): void {
    for (const s of this.subs) s.dispose();
  }
}
