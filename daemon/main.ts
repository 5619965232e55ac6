// warmboxd: bind the socket first (clients connect within milliseconds of the spawn), then load the pool.
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { createJSONRPCErrorResponse, JSONRPCErrorException, JSONRPCServer } from 'json-rpc-2.0';
import { handle } from './handlers';
import type { Core, startCore as StartCore } from './core';
import { createLogger, tailFile } from './log';
import { ErrorCodes, HelloResult, Methods, Notifications, PROTOCOL_VERSION, ShutdownParams } from './protocol';
import { bindSocket, Conn } from './server';
import { ensurePrivateDir, runtimePaths } from './socketPath';
import { helloParams } from './validate';
import { runWatchdog, WATCHDOG_FLAG } from './watchdog';
import { DAEMON_VERSION } from './version';

const LIGHT_METHODS = new Set<string>([Methods.hello, Methods.shutdown, Methods.log]);

async function main(): Promise<void> {
  if (process.argv.includes(WATCHDOG_FLAG)) {
    runWatchdog(coreFile());
    return;
  }
  const foreground = process.argv.includes('--foreground');
  const paths = runtimePaths();
  ensurePrivateDir(paths.dir);
  const log = createLogger(paths.log, foreground);
  const instanceId = crypto.randomBytes(6).toString('hex');
  const startedAt = Date.now();
  const conns = new Set<Conn>();
  // The library would print every thrown error as "unexpected" with its stack: the middleware below logs instead.
  const rpc = new JSONRPCServer<Conn>({ errorListener: () => undefined });
  // The core bundle has its own copy of json-rpc-2.0, so its exceptions fail `instanceof`: go by their code.
  rpc.mapErrorToJSONRPCErrorResponse = (id, error: { code?: unknown; message?: string; data?: unknown }) =>
    createJSONRPCErrorResponse(id, typeof error?.code === 'number' ? error.code : -32603, error?.message ?? 'internal error', error?.data);
  let core: Core | undefined;
  let coreFailed: Error | undefined;
  let shuttingDown = false;
  let boundInMs = 0;
  const coreReady: Promise<Core> = new Promise((resolve, reject) => {
    resolveCore = resolve;
    rejectCore = reject;
  });
  coreReady.catch(() => undefined);

  // A refusal (bad params, unknown run, …) carries a code and is one line; anything else is a bug and keeps its stack.
  rpc.applyMiddleware(async (next, request, conn) => {
    const t0 = Date.now();
    try {
      return await next(request, conn);
    } catch (e) {
      const err = e as { code?: unknown; message?: string; stack?: string } | undefined;
      const who = `client ${conn.id} (${conn.client}): ${request.method}`;
      if (typeof err?.code === 'number') log.info(`${who} refused: ${err.message}`);
      else log.error(`${who} failed after ${Date.now() - t0} ms: ${err?.stack ?? String(e)}`);
      throw e;
    }
  });

  // Requests other than hello/shutdown/log wait until the pool is loaded (a few tens of ms after the bind).
  rpc.applyMiddleware(async (next, request, conn) => {
    if (!LIGHT_METHODS.has(request.method)) {
      if (shuttingDown) throw new JSONRPCErrorException('warmbox is shutting down', ErrorCodes.ShuttingDown);
      if (coreFailed) throw new JSONRPCErrorException(`the daemon failed to start: ${coreFailed.message}`, ErrorCodes.DockerUnreachable);
      await coreReady;
    }
    return next(request, conn);
  });

  handle(rpc, Methods.hello, (raw, conn): HelloResult => {
    const p = helloParams(raw);
    conn.client = p.client;
    return {
      daemonVersion: DAEMON_VERSION,
      protocolVersion: PROTOCOL_VERSION,
      pid: process.pid,
      instanceId,
      socketPath: paths.socket,
      logPath: paths.log,
      startedAt,
      boundInMs,
    };
  });
  handle(rpc, Methods.shutdown, (raw, conn) => {
    const reason = (raw as ShutdownParams | undefined)?.reason ?? `asked by ${conn.client}`;
    setImmediate(() => void shutdown(reason, 0));
    return { ok: true };
  });
  handle(rpc, Methods.log, (raw) => {
    const lines = Math.min(Math.max(Number((raw as { lines?: number } | undefined)?.lines ?? 50), 1), 5000);
    return { path: paths.log, text: tailFile(paths.log, lines) };
  });

  let idleTimer: NodeJS.Timeout | undefined;
  const activityChanged = () => {
    if (idleTimer) clearTimeout(idleTimer);
    idleTimer = undefined;
    if (!core || shuttingDown || conns.size > 0 || core.activeRuns() > 0) return;
    const ms = core.idleShutdownMs();
    idleTimer = setTimeout(() => void shutdown(`idle for ${Math.round(ms / 1000)} s with no clients`, 0), ms);
  };

  const server = await bindSocket(
    paths.socket,
    rpc,
    {
      onConnect: (c) => {
        conns.add(c);
        activityChanged();
      },
      onDisconnect: (c) => {
        conns.delete(c);
        core?.disconnect(c);
        activityChanged();
      },
    },
    log,
  );
  if (!server) {
    log.info(`another daemon already serves ${paths.socket}; exiting`);
    if (foreground) process.stderr.write(`warmboxd: another daemon already serves ${paths.socket}\n`);
    process.exit(0);
  }
  boundInMs = Math.round(process.uptime() * 1000);
  log.info(`warmboxd ${DAEMON_VERSION} (pid ${process.pid}, instance ${instanceId}) bound socket in ${boundInMs} ms: ${paths.socket}`);
  const socketIno = process.platform === 'win32' ? 0 : fs.statSync(paths.socket).ino;

  async function shutdown(reason: string, code: number): Promise<void> {
    if (shuttingDown) return;
    shuttingDown = true;
    const t0 = Date.now();
    log.info(`shutting down: ${reason}`);
    for (const c of conns) c.notify(Notifications.daemonExiting, { reason });
    server!.close();
    try {
      if (core) await core.shutdown(reason);
      else await coreReady.then((c) => c.shutdown(reason)).catch(() => undefined);
    } catch (e) {
      log.error(`shutdown: ${(e as Error).message}`);
    }
    for (const c of conns) c.close();
    try {
      if (process.platform !== 'win32' && fs.statSync(paths.socket).ino === socketIno) fs.unlinkSync(paths.socket);
    } catch {
      /* already gone */
    }
    log.info(`stopped in ${Date.now() - t0} ms`);
    setTimeout(() => process.exit(code), 50);
  }

  process.on('SIGTERM', () => void shutdown('SIGTERM', 0));
  process.on('SIGINT', () => void shutdown('SIGINT', 0));
  process.on('SIGHUP', () => undefined);
  process.on('uncaughtException', (e) => {
    log.error(`uncaught: ${e.stack ?? e.message}`);
    void shutdown('internal error', 1);
  });
  process.on('unhandledRejection', (e) => log.error(`unhandled rejection: ${(e as Error)?.stack ?? String(e)}`));

  // If another daemon replaced our socket (a race on a stale one) or it was deleted, step down: clients find the other.
  if (process.platform !== 'win32') {
    setInterval(() => {
      let ino = -1;
      try {
        ino = fs.statSync(paths.socket).ino;
      } catch {
        /* gone */
      }
      if (ino !== socketIno) void shutdown('socket was replaced or removed', 0);
    }, 3000).unref();
  }

  try {
    const t0 = Date.now();
    const { startCore } = require(path.join(__dirname, coreFile())) as { startCore: typeof StartCore };
    const loadedMs = Date.now() - t0;
    core = await startCore({ rpc, log, logPath: paths.log, instanceId, scope: paths.scope, conns, activityChanged });
    log.info(`pool loaded in ${loadedMs} ms; ready ${Math.round(process.uptime() * 1000)} ms after spawn`);
    resolveCore!(core);
    activityChanged();
  } catch (e) {
    coreFailed = e as Error;
    rejectCore!(coreFailed);
    log.error(`could not start: ${(e as Error).stack ?? e}`);
    await shutdown('start-up failed', 1);
  }
}

let resolveCore: ((c: Core) => void) | undefined;
let rejectCore: ((e: Error) => void) | undefined;

/** dist/daemon.js loads dist/daemonCore.js; when run from tsc's output it is ./core.js. */
function coreFile(): string {
  return fs.existsSync(path.join(__dirname, 'daemonCore.js')) ? 'daemonCore.js' : 'core.js';
}

main().catch((e) => {
  process.stderr.write(`warmboxd: ${(e as Error).message}\n`);
  process.exit(1);
});
