// The socket and one JSON-RPC peer per connection: one JSON message per line, in both directions.
import * as fs from 'fs';
import * as net from 'net';
import { createJSONRPCErrorResponse, JSONRPCServer } from 'json-rpc-2.0';
import { ErrorCodes, MAX_CODE_BYTES, MAX_MESSAGE_BYTES } from './protocol';
import type { Logger } from './log';

export { MAX_MESSAGE_BYTES };

/** Past this much queued for a client, its runs' output is held (their programs block in write()) until it drains. */
const CLIENT_HIGH_WATER = 256 * 1024;
/** A client's requests not answered yet, in bytes, past which we stop reading it until some are answered. */
const MAX_UNANSWERED_BYTES = 8 * 1024 * 1024;
const MiB = 1024 * 1024;

export class Conn {
  client = '?';
  subscribed = false;
  closed = false;
  private onCloseFns: (() => void)[] = [];

  constructor(
    readonly id: number,
    private readonly socket: net.Socket,
  ) {}

  /** False when the client has more queued than its high-water mark: the caller should hold its source. */
  send(msg: unknown): boolean {
    if (this.closed) return true;
    return this.socket.write(JSON.stringify(msg) + '\n');
  }

  notify(method: string, params: unknown): boolean {
    return this.send({ jsonrpc: '2.0', method, params });
  }

  /** After send() said false: calls `fn` on the socket's 'drain'. Returns a function that cancels the call. */
  whenDrained(fn: () => void): () => void {
    // One listener for all of this client's held runs (there may be more than EventEmitter's warning limit).
    if (!this.drainWaiters.size) this.socket.once('drain', this.onDrain);
    this.drainWaiters.add(fn);
    return () => {
      this.drainWaiters.delete(fn);
      if (!this.drainWaiters.size) this.socket.off('drain', this.onDrain);
    };
  }

  private readonly drainWaiters = new Set<() => void>();
  private readonly onDrain = (): void => {
    const fns = [...this.drainWaiters];
    this.drainWaiters.clear();
    for (const fn of fns) fn();
  };

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
  const server = net.createServer({ highWaterMark: CLIENT_HIGH_WATER }, (socket) => {
    const conn = new Conn(nextId++, socket);
    hooks.onConnect(conn);
    let parts: Buffer[] = [];
    let size = 0;
    let unanswered = 0;
    let discarding = false;
    socket.on('data', (chunk: Buffer) => {
      if (discarding) return;
      let start = 0;
      let nl: number;
      while ((nl = chunk.indexOf(0x0a, start)) >= 0) {
        parts.push(chunk.subarray(start, nl));
        const line = parts.length === 1 ? parts[0] : Buffer.concat(parts);
        parts = [];
        size = 0;
        start = nl + 1;
        if (!line.length) continue;
        // run/stdin is answered only once the sandbox took the bytes: a client that sends without waiting for
        // answers is simply not read further until they come.
        unanswered += line.length;
        if (unanswered > MAX_UNANSWERED_BYTES) socket.pause();
        void handleLine(line.toString('utf8'), conn, rpc).finally(() => {
          unanswered -= line.length;
          if (unanswered <= MAX_UNANSWERED_BYTES && socket.isPaused() && !conn.closed) socket.resume();
        });
      }
      if (start < chunk.length) {
        parts.push(chunk.subarray(start));
        size += chunk.length - start;
        if (size > MAX_MESSAGE_BYTES) {
          // Said before closing, so the client can tell why. We stop reading: a client still sending gets EPIPE.
          const msg = `message larger than ${MAX_MESSAGE_BYTES / MiB} MiB (a program may be at most ${MAX_CODE_BYTES / MiB} MiB); closing the connection`;
          log.info(`client ${conn.id} (${conn.client}): ${msg}`);
          conn.send(createJSONRPCErrorResponse(null, ErrorCodes.MessageTooLarge, msg));
          parts = [];
          size = 0;
          discarding = true;
          socket.pause();
          conn.close();
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
