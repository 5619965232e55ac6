// warmbox.recycleContainer, warmbox.removeContainer, warmbox.copyContainerId, warmbox.refreshContainers.
import * as vscode from 'vscode';
import { ContainerInfo, Methods, PoolChangedNotification } from '../../daemon/protocol';
import type { ContainerArg, Ctx } from './context';

async function pick(ctx: Ctx, arg: ContainerArg, verb: string): Promise<string | undefined> {
  if (arg?.kind === 'container') return arg.info.id;
  const client = await ctx.conn.ensure();
  const list = await client.request(Methods.containersList);
  const chosen = await vscode.window.showQuickPick(
    list.map((c) => ({ label: c.shortId, description: `${c.profile} · ${c.state}`, id: c.id })),
    { placeHolder: `Container to ${verb}` },
  );
  return chosen?.id;
}

/** Remove kills a run that is going: asked first (modal), unless the user said not to ask again (a user setting). */
async function confirmRemove(arg: ContainerArg): Promise<boolean> {
  if (vscode.workspace.getConfiguration('warmbox').inspect<boolean>('confirmRemove')?.globalValue === false) return true;
  const info = arg?.kind === 'container' ? arg.info : undefined;
  const busy = info?.state === 'busy';
  const pick = await vscode.window.showWarningMessage(
    `Remove sandbox container ${info?.shortId ?? ''}?`.replace(' ?', '?'),
    { modal: true, detail: busy ? 'A run is using it: the run is cancelled.' : 'The pool warms another one when it needs it.' },
    'Remove',
    "Remove, don't ask again",
  );
  if (pick === "Remove, don't ask again") await vscode.workspace.getConfiguration('warmbox').update('confirmRemove', false, vscode.ConfigurationTarget.Global);
  return !!pick;
}

export function register(ctx: Ctx): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('warmbox.recycleContainer', async (arg: ContainerArg) => {
      const id = await pick(ctx, arg, 'recycle');
      if (!id) return;
      const client = await ctx.conn.ensure();
      const r = await client.request(Methods.containersRecycle, { id });
      if (r.when === 'after-run') void vscode.window.showInformationMessage('warmbox: the container is busy; it is replaced when its run ends.');
    }),
    vscode.commands.registerCommand('warmbox.removeContainer', async (arg: ContainerArg) => {
      const id = await pick(ctx, arg, 'remove');
      if (!id || !(await confirmRemove(arg))) return;
      const client = await ctx.conn.ensure();
      await client.request(Methods.containersRemove, { id });
    }),
    vscode.commands.registerCommand('warmbox.copyContainerId', async (arg: ContainerArg) => {
      const id = await pick(ctx, arg, 'copy');
      if (id) await vscode.env.clipboard.writeText(id);
    }),
    vscode.commands.registerCommand('warmbox.refreshContainers', async () => {
      const client = await ctx.conn.ensure();
      ctx.tree.update(await client.request(Methods.poolSubscribe, {}));
    }),
  ];
}
