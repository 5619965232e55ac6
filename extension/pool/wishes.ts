// Which profiles this window asks the daemon to keep warm (`pool/want`): those of the languages in its workspace (a
// file of the profile's extensions, found with one capped search per profile) and of the editors it shows. Others
// warm on first use. Only a trusted window asks; sizes stay the user's own settings.
import * as vscode from 'vscode';
import type { ProfileInfo } from '../../daemon/protocol';
import { readSettings } from '../config';

/** Folders whose files do not say what the workspace is written in. */
const NOT_THE_PROJECT = '**/{node_modules,.git,.venv,venv,__pycache__,dist,build,out,.e2e}/**';

export class WorkspaceWishes {
  /** Profiles found in the workspace's files (searched once per window). */
  private inFiles?: Promise<Set<string>>;
  private readonly seenInEditors = new Set<string>();

  constructor(private readonly profiles: () => Promise<ProfileInfo[]>) {}

  /** The profiles to keep warm for this window, sorted; undefined in an untrusted window (it asks for nothing). */
  async wanted(): Promise<string[] | undefined> {
    if (!vscode.workspace.isTrusted) return undefined;
    const all = await this.profiles();
    this.inFiles ??= this.search(all);
    const out = new Set(await this.inFiles);
    const byLanguage = readSettings().profileByLanguage;
    for (const e of vscode.window.visibleTextEditors) {
      const p = byLanguage[e.document.languageId] ?? all.find((x) => x.extensions.some((ext) => e.document.fileName.toLowerCase().endsWith(ext)))?.name;
      if (p) this.seenInEditors.add(p);
    }
    for (const p of this.seenInEditors) out.add(p);
    return [...out].filter((p) => all.some((x) => x.name === p)).sort();
  }

  private async search(all: ProfileInfo[]): Promise<Set<string>> {
    const found = new Set<string>();
    if (!vscode.workspace.workspaceFolders?.length) return found;
    await Promise.all(
      all.map(async (p) => {
        if (!p.extensions.length) return;
        const glob = `**/*{${p.extensions.join(',')}}`;
        const hit = await vscode.workspace.findFiles(glob, NOT_THE_PROJECT, 1).then((r) => r.length > 0, () => false);
        if (hit) found.add(p.name);
      }),
    );
    return found;
  }
}
