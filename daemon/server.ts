// The socket and one JSON-RPC peer per connection: one JSON message per line, in both directions.
import * as fs from 'fs';
import * as net from 'net';
import { createJSONRPCErrorResponse, JSONRPCServer } from 'json-rpc-2.0';
import { ErrorCodes } from './protocol';
import type { Logger } from './log';

/** One line may carry a whole program; past this the connection is answered with an error and closed. */
export const MAX_MESSAGE_BYTES = 32 * 1024 * 1024;

export class Conn {
  client = '?';
  subscribed = false;
  closed = false;
  private onCloseFns: (() => void)[] = [];

  constructor(
    readonly id: number,
    private readonly socket: net.Socket,
  ) {}

  send(msg: unknown): void {
    if (this.closed) return;
    this.socket.write(JSON.stringify(msg) + '\n');
  }

  notify(method: string, params: unknown): void {
    this.send({ jsonrpc: '2.0', method, params });
  }

  onClose(fn: () => void): void {
    this.onCloseFns.push(fn);
  }

  close(): void {
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 500).unref();
  }

  /** @internal */
  closedNow(): void {
    if (this.closed) return;
    this.closed = true;
    for (const fn of this.onCloseFns) fn();
  }
}

export interface ServerHooks {
  onConnect(c: Conn): void;
  onDisconnect(c: Conn): void;
}

/**
 * Binds the socket (replacing a stale one), resolving with the server, or with null when another daemon already
 * answers there: that one keeps serving and this one should exit.
 */
export async function bindSocket(socketPath: string, rpc: JSONRPCServer<Conn>, hooks: ServerHooks, log: Logger): Promise<net.Server | null> {
  let nextId = 1;
  const server = net.createServer((socket) => {
    const conn = new Conn(nextId++, socket);
    hooks.onConnect(conn);
    let parts: Buffer[] = [];
    let size = 0;
    socket.on('data', (chunk: Buffer) => {
      let start = 0;
      let nl: number;
      while ((nl = chunk.indexOf(0x0a, start)) >= 0) {
        parts.push(chunk.subarray(start, nl));
        const line = parts.length === 1 ? parts[0] : Buffer.concat(parts);
        parts = [];
        size = 0;
        start = nl + 1;
        if (line.length) void handleLine(line.toString('utf8'), conn, rpc);
      }
      if (start < chunk.length) {
        parts.push(chunk.subarray(start));
        size += chunk.length - start;
        if (size > MAX_MESSAGE_BYTES) {
          conn.send(createJSONRPCErrorResponse(null, ErrorCodes.MessageTooLarge, `message larger than ${MAX_MESSAGE_BYTES} bytes; closing the connection`));
          parts = [];
          size = 0;
          socket.destroy();
        }
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      conn.closedNow();
      hooks.onDisconnect(conn);
    });
  });

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const onError = (e: Error) => {
        server.off('listening', onListening);
        reject(e);
      };
      const onListening = () => {
        server.off('error', onError);
        resolve();
      };
      server.once('error', onError);
      server.once('listening', onListening);
      server.listen(socketPath);
    });

  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await listen();
      if (process.platform !== 'win32') fs.chmodSync(socketPath, 0o600);
      return server;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
      if (await answers(socketPath)) return null;
      if (process.platform === 'win32') return null;
      log.info(`replacing stale socket ${socketPath}`);
      try {
        fs.unlinkSync(socketPath);
      } catch {
        /* someone else removed it */
      }
    }
  }
  return (await answers(socketPath)) ? null : Promise.reject(new Error(`cannot bind ${socketPath}`));
}

/** Is a live daemon listening there? */
export function answers(socketPath: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(socketPath);
    const done = (ok: boolean) => {
      clearTimeout(t);
      s.destroy();
      resolve(ok);
    };
    const t = setTimeout(() => done(false), timeoutMs);
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

async function handleLine(line: string, conn: Conn, rpc: JSONRPCServer<Conn>): Promise<void> {
  let response: unknown;
  try {
    response = await rpc.receiveJSON(line, conn);
  } catch (e) {
    response = createJSONRPCErrorResponse(null, -32603, `internal error: ${(e as Error).message}`);
  }
  if (response) conn.send(response);
}
