// The daemon's watchdog: a second small process that outlives a SIGKILLed daemon and removes what it left.
// Running sandboxes end themselves when the daemon's end of their stdin closes, but a container whose create was still
// in flight when the daemon died is left "Created" (never started, so AutoRemove never fires): the watchdog removes it.
import { spawn } from 'child_process';
import * as path from 'path';
import * as fs from 'fs';
import type { Writable } from 'stream';
import type { Engine } from './engine';
import { WATCHDOG_ENV } from './engine/endpoint';

const GRACE_MS = 3000;
const SWEEP_TIMEOUT_MS = 60_000;
export const WATCHDOG_FLAG = '--watchdog';

/** Started by the daemon; its stdin is the daemon's lifeline. */
export function startWatchdog(script: string, instanceId: string, logPath: string, engine: Engine): { release(): void } {
  const log = fs.openSync(logPath, 'a', 0o600);
  const child = spawn(process.execPath, [script, WATCHDOG_FLAG], {
    detached: true,
    stdio: ['pipe', log, log],
    // The very endpoint the daemon chose (not a new resolution: the setting or a context may change meanwhile).
    env: { ...process.env, WARMBOX_WATCH_INSTANCE: instanceId, [WATCHDOG_ENV]: JSON.stringify({ endpoint: engine.endpoint, ssh: engine.ssh }) },
    windowsHide: true,
  });
  fs.closeSync(log);
  child.unref();
  (child.stdin as Writable & { unref?: () => void }).on('error', () => undefined);
  // The pipe must not keep the daemon's event loop alive on its own.
  (child.stdin as unknown as { _handle?: { unref?: () => void } })._handle?.unref?.();
  return {
    /** A clean shutdown: the daemon removed its containers itself. */
    release: () => child.stdin?.end('bye\n'),
  };
}

/** The watchdog process: wait for the lifeline to close; unless told "bye", remove the instance's containers. */
export function runWatchdog(coreFile: string): void {
  const instance = process.env.WARMBOX_WATCH_INSTANCE;
  if (!instance) process.exit(2);
  let bye = false;
  process.stdin.on('data', (d: Buffer) => {
    if (d.toString().includes('bye')) bye = true;
  });
  process.stdin.on('error', () => undefined);
  process.stdin.on('end', () => {
    if (bye) process.exit(0);
    // Creates still in flight at Docker land within moments: look after they have.
    setTimeout(() => void sweep(coreFile, instance), GRACE_MS);
  });
}

async function sweep(coreFile: string, instance: string): Promise<void> {
  const stamp = () => new Date().toISOString();
  // A hung engine must not keep this process for good.
  setTimeout(() => {
    process.stderr.write(`${stamp()} error watchdog: Docker did not answer within ${SWEEP_TIMEOUT_MS / 1000} s; containers of daemon ${instance} may be left\n`);
    process.exit(1);
  }, SWEEP_TIMEOUT_MS).unref();
  try {
    const { engineFromEnv } = require(path.join(__dirname, coreFile)) as { engineFromEnv: typeof import('./engine').engineFromEnv };
    const docker = engineFromEnv();
    const list = await docker.listContainers({ all: true, filters: { label: [`dev.warmbox.instance=${instance}`] } });
    await Promise.all(list.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
    if (list.length) process.stderr.write(`${stamp()} warn watchdog: daemon ${instance} died without shutting down; removed ${list.length} container(s) it left\n`);
  } catch (e) {
    process.stderr.write(`${stamp()} error watchdog: ${(e as Error).message}\n`);
  }
  process.exit(0);
}
