// File:line links in the sandbox terminals: /work paths (Python tracebacks, Node stacks, compilers' `file:line`)
// open the project file they name, at the line; only existing files inside the run's project (projectFile decides).
import * as vscode from 'vscode';
import { findPathLinks } from '../../media/src/links';
import type { SandboxTerminals } from './sandboxTerminal';

interface SandboxLink extends vscode.TerminalLink {
  path: string;
  line?: number;
  project: { root: string; cwd: string };
}

export function registerTerminalLinks(
  terminals: SandboxTerminals,
  open: (project: { root: string; cwd: string }, printed: string, line?: number) => Promise<unknown>,
): vscode.Disposable {
  const provider: vscode.TerminalLinkProvider<SandboxLink> = {
    provideTerminalLinks(context) {
      const project = terminals.of(context.terminal)?.project;
      if (!project) return [];
      return findPathLinks(context.line).map((l) => ({
        startIndex: l.start,
        length: l.end - l.start,
        tooltip: 'Open the project file',
        path: l.path,
        line: l.line,
        project,
      }));
    },
    async handleTerminalLink(link) {
      await open(link.project, link.path, link.line);
    },
  };
  return vscode.window.registerTerminalLinkProvider(provider);
}
