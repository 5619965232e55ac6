// What every command gets: the pieces built in activate().
import type { DaemonConnection } from '../connection';
import type { RunController } from '../runController';
import type { OutputPanel } from '../views/outputPanel';
import type { ContainersTree } from '../views/containersTree';

export interface Ctx {
  conn: DaemonConnection;
  runs: RunController;
  panel: OutputPanel;
  tree: ContainersTree;
}

/** A tree item's container id, or the one picked from a list when run from the palette. */
export type ContainerArg = { kind: 'container'; info: { id: string; shortId: string; state?: string } } | undefined;
