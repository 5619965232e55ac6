// The VS Code extension's entry: construct, register, dispose. The extension proper is built in its own issue.
import * as vscode from 'vscode';

export function activate(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('warmbox.showOutput', () => vscode.window.showInformationMessage('warmbox: the output panel arrives with the extension issue.')),
  );
}

export function deactivate(): void {}
