// warmbox.recycleContainer, warmbox.removeContainer, warmbox.copyContainerId, warmbox.refreshContainers.
import * as vscode from 'vscode';
import { ContainerInfo, Methods, PoolChangedNotification } from '../../daemon/protocol';
import type { ContainerArg, Ctx } from './context';

async function pick(ctx: Ctx, arg: ContainerArg, verb: string): Promise<string | undefined> {
  if (arg?.kind === 'container') return arg.info.id;
  const client = await ctx.conn.ensure();
  const list = await client.request<ContainerInfo[]>(Methods.containersList);
  const chosen = await vscode.window.showQuickPick(
    list.map((c) => ({ label: c.shortId, description: `${c.profile} · ${c.state} · ${c.uses} uses`, id: c.id })),
    { placeHolder: `Container to ${verb}` },
  );
  return chosen?.id;
}

export function register(ctx: Ctx): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('warmbox.recycleContainer', async (arg: ContainerArg) => {
      const id = await pick(ctx, arg, 'recycle');
      if (!id) return;
      const client = await ctx.conn.ensure();
      const r = await client.request<{ when: string }>(Methods.containersRecycle, { id });
      if (r.when === 'after-run') void vscode.window.showInformationMessage('warmbox: the container is busy; it is replaced when its run ends.');
    }),
    vscode.commands.registerCommand('warmbox.removeContainer', async (arg: ContainerArg) => {
      const id = await pick(ctx, arg, 'remove');
      if (!id) return;
      const client = await ctx.conn.ensure();
      await client.request(Methods.containersRemove, { id });
    }),
    vscode.commands.registerCommand('warmbox.copyContainerId', async (arg: ContainerArg) => {
      const id = await pick(ctx, arg, 'copy');
      if (id) await vscode.env.clipboard.writeText(id);
    }),
    vscode.commands.registerCommand('warmbox.refreshContainers', async () => {
      const client = await ctx.conn.ensure();
      ctx.tree.update(await client.request<PoolChangedNotification>(Methods.poolSubscribe, {}));
    }),
  ];
}
