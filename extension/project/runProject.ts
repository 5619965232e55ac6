// The project part of a run for one document: root, file, cwd, unsaved overlays, excludes and caps, from settings.
import * as vscode from 'vscode';
import type { RunProject } from '../../daemon/protocol';
import type { ProjectSettings } from '../config';
import { selectOverlays } from './overlays';
import { projectPlace } from './root';

export interface ProjectPlan {
  project: RunProject;
  /** Dirty editors not sent (over the overlay budget). */
  skipped: string[];
}

/** Undefined for documents that are not files on disk (untitled, virtual): those run alone, as before. */
export function projectFor(doc: vscode.TextDocument, s: ProjectSettings): ProjectPlan | undefined {
  if (doc.isUntitled || doc.uri.scheme !== 'file') return undefined;
  const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
  const { root, file } = projectPlace(doc.uri.fsPath, folders);
  const others = s.includeUnsaved
    ? vscode.workspace.textDocuments.filter((d) => d.uri.scheme === 'file' && d.isDirty).map((d) => ({ fsPath: d.uri.fsPath, isDirty: d.isDirty, text: d.getText() }))
    : [];
  const { overlays, skipped } = selectOverlays(root, doc.uri.fsPath, others);
  const project: RunProject = { root, file, cwd: s.cwd, maxBytes: s.maxBytes, maxFiles: s.maxFiles };
  if (Object.keys(overlays).length) project.overlays = overlays;
  if (s.exclude.length) project.exclude = s.exclude;
  return { project, skipped };
}
