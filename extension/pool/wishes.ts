// What this window asks the daemon to keep warm (`pool/want`). A file in a workspace folder runs in its project's own
// set (the folder's copy in /work), so for each folder the languages found in it (one capped search per profile) are
// asked for as that project's sets, shaped as its runs will be; the profiles' general sets are asked for only for
// editors outside the folders (untitled ones, loose files). Others warm on first use. Only a trusted window asks;
// sizes stay the user's own settings.
import * as vscode from 'vscode';
import type { PoolWantParams, ProfileInfo, ProjectWish } from '../../daemon/protocol';
import { readProjectSettings, readSettings, runSettingsAt } from '../config';
import { projectPlace } from '../project/root';

/** Folders whose files do not say what the workspace is written in. */
const NOT_THE_PROJECT = '**/{node_modules,.git,.venv,venv,__pycache__,dist,build,out,.e2e}/**';

export class WorkspaceWishes {
  /** Per workspace folder: the profiles found in its files, each with one such file (searched once per window). */
  private inFolders?: Promise<Map<string, Map<string, string>>>;
  private readonly seenInEditors = new Set<string>();

  constructor(private readonly profiles: () => Promise<ProfileInfo[]>) {}

  /** The pool wish of this window; undefined in an untrusted window (it asks for nothing). */
  async wanted(): Promise<PoolWantParams | undefined> {
    if (!vscode.workspace.isTrusted) return undefined;
    const all = await this.profiles();
    const known = (p: string) => all.some((x) => x.name === p);
    this.inFolders ??= this.search(all);
    const folders = await this.inFolders;
    const byLanguage = readSettings().profileByLanguage;
    const roots = fileFolders();
    for (const e of vscode.window.visibleTextEditors) {
      const d = e.document;
      const p = byLanguage[d.languageId] ?? all.find((x) => x.extensions.some((ext) => d.fileName.toLowerCase().endsWith(ext)))?.name;
      if (!p || !known(p)) continue;
      const place = d.uri.scheme === 'file' && !d.isUntitled ? projectPlace(d.uri.fsPath, roots) : undefined;
      const found = place && folders.get(place.root);
      if (place && found) {
        if (!found.has(p)) found.set(p, place.file);
      } else this.seenInEditors.add(p);
    }
    const projects: ProjectWish[] = [];
    for (const [root, found] of folders) {
      if (!found.size) continue;
      const uri = vscode.Uri.file(root);
      const s = readProjectSettings(uri);
      const [first] = found.values();
      const project: ProjectWish['project'] = { root, file: first, cwd: s.cwd, maxBytes: s.maxBytes, maxFiles: s.maxFiles };
      if (s.exclude.length) project.exclude = s.exclude;
      projects.push({ project, profiles: [...found.keys()].filter(known).sort(), ...runSettingsAt(uri) });
    }
    return { profiles: [...this.seenInEditors].filter(known).sort(), projects };
  }

  private async search(all: ProfileInfo[]): Promise<Map<string, Map<string, string>>> {
    const found = new Map<string, Map<string, string>>();
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      if (folder.uri.scheme !== 'file') continue;
      const mine = new Map<string, string>();
      found.set(folder.uri.fsPath, mine);
      await Promise.all(
        all.map(async (p) => {
          if (!p.extensions.length) return;
          const glob = new vscode.RelativePattern(folder, `**/*{${p.extensions.join(',')}}`);
          const hit = await vscode.workspace.findFiles(glob, NOT_THE_PROJECT, 1).then((r) => r[0], () => undefined);
          if (hit) mine.set(p.name, projectPlace(hit.fsPath, [folder.uri.fsPath]).file);
        }),
      );
    }
    return found;
  }
}

/** The workspace's folders on disk. */
function fileFolders(): string[] {
  return (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
}

/** Every profile a wish names (what the window asks to keep warm, in general or for its folders). */
export function wishedProfiles(w: PoolWantParams): string[] {
  return [...new Set([...w.profiles, ...(w.projects ?? []).flatMap((p) => p.profiles)])].sort();
}
