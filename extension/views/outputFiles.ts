// A run's output files, kept by the daemon in a folder of its own: opened read-only (a read-only file system over
// those folders, so text and images open in their usual editors), and copied into the project on request.
import * as path from 'path';
import * as vscode from 'vscode';
import type { RunOutputs } from '../../daemon/protocol';
import { isInside } from '../project/root';
import { unsafeSaveTarget } from '../project/paths';

export const OUTPUT_SCHEME = 'warmbox-output';

export interface OutputsOfRun {
  outputs: RunOutputs;
  /** The project the run copied: where Save to Workspace puts files (absent for a run of an untitled editor). */
  root?: string;
}

export class OutputFiles implements vscode.FileSystemProvider, vscode.Disposable {
  private readonly dirs = new Set<string>();
  private readonly disposables: vscode.Disposable[] = [];
  current?: OutputsOfRun;
  readonly onDidChangeFile = new vscode.EventEmitter<vscode.FileChangeEvent[]>().event;

  constructor() {
    this.disposables.push(vscode.workspace.registerFileSystemProvider(OUTPUT_SCHEME, this, { isReadonly: true, isCaseSensitive: true }));
  }

  /** The latest run's outputs: what the panel's buttons act on. */
  remember(o: OutputsOfRun): void {
    this.dirs.add(path.resolve(o.outputs.dir));
    this.current = o;
  }

  /** Opens a listed file read-only, in the editor its type calls for (text, image preview). */
  async open(rel: string): Promise<void> {
    const src = this.listed(rel);
    if (!src) return;
    await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(src).with({ scheme: OUTPUT_SCHEME }), { preview: true, viewColumn: vscode.ViewColumn.One });
  }

  /** Copies a listed file into the project at its relative path, asking before it replaces a file. */
  async saveToWorkspace(rel: string): Promise<vscode.Uri | undefined> {
    const src = this.listed(rel);
    const root = this.current?.root ?? vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file')?.uri.fsPath;
    if (!src || !root) {
      if (src) void vscode.window.showWarningMessage('warmbox: open a folder to save output files into it.');
      return undefined;
    }
    const dst = path.resolve(root, ...rel.split('/'));
    if (!isInside(root, dst) || dst === path.resolve(root)) return undefined;
    const unsafe = unsafeSaveTarget(rel);
    if (unsafe) {
      void vscode.window.showWarningMessage(`warmbox: ${rel} is not saved into the workspace: ${unsafe}. Open it to copy what you need by hand.`);
      return undefined;
    }
    const target = vscode.Uri.file(dst);
    const exists = await vscode.workspace.fs.stat(target).then(() => true, () => false);
    if (exists) {
      const pick = await vscode.window.showWarningMessage(`${rel} already exists in ${path.basename(root)}. Replace it with the run's file?`, { modal: true }, 'Replace');
      if (pick !== 'Replace') return undefined;
    }
    await vscode.workspace.fs.createDirectory(vscode.Uri.file(path.dirname(dst)));
    await vscode.workspace.fs.copy(vscode.Uri.file(src), target, { overwrite: true });
    void vscode.window.showInformationMessage(`warmbox: saved ${rel} to the workspace.`, 'Open').then((p) => p && vscode.commands.executeCommand('vscode.open', target));
    return target;
  }

  /** The daemon's copy of a file the latest run listed; anything else (a stale or forged name) is refused. */
  private listed(rel: string): string | undefined {
    const c = this.current;
    if (!c || !c.outputs.files.some((f) => f.path === rel)) return undefined;
    const abs = path.resolve(c.outputs.dir, ...rel.split('/'));
    return isInside(c.outputs.dir, abs) ? abs : undefined;
  }

  // ---- the read-only file system: only inside output folders of this window's runs ----

  private local(uri: vscode.Uri): string {
    const p = uri.with({ scheme: 'file' }).fsPath;
    if (![...this.dirs].some((d) => isInside(d, p))) throw vscode.FileSystemError.FileNotFound(uri);
    return p;
  }

  async stat(uri: vscode.Uri): Promise<vscode.FileStat> {
    const st = await vscode.workspace.fs.stat(vscode.Uri.file(this.local(uri)));
    return { ...st, permissions: vscode.FilePermission.Readonly };
  }

  readDirectory(uri: vscode.Uri): Thenable<[string, vscode.FileType][]> {
    return vscode.workspace.fs.readDirectory(vscode.Uri.file(this.local(uri)));
  }

  readFile(uri: vscode.Uri): Thenable<Uint8Array> {
    return vscode.workspace.fs.readFile(vscode.Uri.file(this.local(uri)));
  }

  watch(): vscode.Disposable {
    return new vscode.Disposable(() => undefined);
  }

  createDirectory(uri: vscode.Uri): never {
    throw vscode.FileSystemError.NoPermissions(uri);
  }
  writeFile(uri: vscode.Uri): never {
    throw vscode.FileSystemError.NoPermissions(uri);
  }
  delete(uri: vscode.Uri): never {
    throw vscode.FileSystemError.NoPermissions(uri);
  }
  rename(uri: vscode.Uri): never {
    throw vscode.FileSystemError.NoPermissions(uri);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
