// Connect to the user's warmboxd, or spawn it detached when none answers; handshake; runs with streamed output.
// Shared by the CLI and the extension: it imports neither `vscode` nor dockerode.
import type * as ChildProcessModule from 'child_process';
import { EventEmitter } from 'events';
import fs = require('fs');
import net = require('net');
import path = require('path');
import type { Writable } from 'stream';
// The library's client half only: its index also loads the server, which a CLI process would compile at each start.
import { JSONRPCClient } from 'json-rpc-2.0/dist/client';
import { JSONRPCErrorException } from 'json-rpc-2.0/dist/models';
import {
  ErrorCodes,
  MethodName,
  ParamsOf,
  ResultOf,
  HelloResult,
  MAX_CODE_BYTES,
  Methods,
  Notifications,
  PROTOCOL_VERSION,
  RunExitNotification,
  RunOutputNotification,
  RunResult,
  RunStartedNotification,
  RunNoticeNotification,
  RunStartParams,
} from './protocol';
import { tailFile } from './log';
import { ensurePrivateDir, runtimePaths } from './socketPath';
import { stdinWriter } from './stdinWriter';

// Loaded on first use: a CLI process that finds its daemon running never spawns, and each module costs start-up time.
const lazy = {
  childProcess: (): typeof ChildProcessModule => require('child_process'),
};

/**
 * A run id unique among this user's runs (it names the run in the protocol and the logs; it guards nothing): random
 * first, so that ids differ at a glance, then the time and the pid. Not crypto's UUID: loading that module costs a
 * CLI process milliseconds.
 */
function newRunId(): string {
  const r = () => Math.random().toString(36).slice(2, 10).padEnd(8, '0');
  return `${r()}${r()}-${Date.now().toString(36)}-${process.pid.toString(36)}`;
}

export interface ConnectOptions {
  client: string;
  /** Spawn the daemon when none answers (default true). */
  spawn?: boolean;
  /** The daemon's script (default: daemon.js beside this bundle). */
  daemonPath?: string;
  /** The Node binary to run it with (default process.execPath; in VS Code that is Electron, run as Node). */
  nodePath?: string;
  env?: NodeJS.ProcessEnv;
  /** How long to wait for a spawned daemon's socket. */
  spawnTimeoutMs?: number;
  /** How long the daemon has to answer the handshake (default 5 s): a stopped or hung daemon must not park the caller. */
  helloTimeoutMs?: number;
  /** Sees every message sent and received (the extension's trace setting). */
  trace?: (direction: 'send' | 'recv', line: string) => void;
}

export class DaemonUnavailableError extends Error {}

/** The daemon did not answer a request in time (stopped with SIGSTOP, hung, swamped). */
export class DaemonTimeoutError extends DaemonUnavailableError {}

export const HELLO_TIMEOUT_MS = 5_000;

/** A request the client refuses to send (it would break a limit the daemon enforces); says which. */
export class RequestTooLargeError extends Error {}

export interface RunHandlers {
  onStarted?(n: RunStartedNotification): void;
  onOutput?(stream: 'stdout' | 'stderr', data: Buffer): void;
  /** Before the program starts: it waits for its project's environment, or runs without it (and why). */
  onNotice?(message: string): void;
}

export interface RunHandle {
  runId: string;
  /** Resolves with the outcome; rejects only when the daemon is gone or refused the request. */
  result: Promise<RunResult>;
  /** Resolves once the sandbox has taken the bytes (or the run ended): await it before sending much more. */
  stdin(data: Buffer | string): Promise<void>;
  closeStdin(): Promise<void>;
  /** Stdin as a Writable that keeps a few requests in flight at most: pipe a stream into it; end() closes stdin. */
  stdinStream(): Writable;
  cancel(): Promise<void>;
}

interface PendingRun {
  handlers: RunHandlers;
  resolve(r: RunResult): void;
  reject(e: Error): void;
}

export function defaultDaemonPath(): string {
  const beside = path.join(__dirname, 'daemon.js');
  if (fs.existsSync(beside)) return beside;
  return path.join(__dirname, 'main.js');
}

export class DaemonClient extends EventEmitter {
  hello!: HelloResult;
  /** The daemon was started by this connect. */
  spawned = false;
  private rpc: JSONRPCClient;
  private runs = new Map<string, PendingRun>();
  private closed = false;
  trace?: (direction: 'send' | 'recv', line: string) => void;
  /** Set when the daemon announced a deliberate shutdown before the connection closed. */
  exitingReason?: string;
  /** Why the daemon closed the connection on us, when it said so (e.g. a message over its size limit). */
  private closeReason?: string;

  private constructor(private readonly socket: net.Socket) {
    super();
    this.rpc = new JSONRPCClient((req) => {
      if (this.closed) throw new DaemonUnavailableError('the connection to warmboxd is closed');
      const line = JSON.stringify(req);
      this.trace?.('send', line);
      socket.write(line + '\n');
    });
    let buf = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      buf += d;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line) this.onMessage(line);
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => this.onClose());
  }

  /** Connects to the daemon (spawning it if needed) and checks its protocol version; replaces a daemon that speaks another. */
  static async connect(opts: ConnectOptions): Promise<DaemonClient> {
    const env = opts.env ?? process.env;
    const paths = runtimePaths(env);
    let client = await DaemonClient.tryConnect(paths.socket);
    let spawned = false;
    if (!client) {
      if (opts.spawn === false) throw new DaemonUnavailableError(`warmboxd is not running (no answer on ${paths.socket}); start it with \`warmbox daemon start\``);
      client = await DaemonClient.spawnAndConnect(opts, paths);
      spawned = true;
    }
    await client.handshake(opts, spawned, paths);
    if (client.hello.protocolVersion !== PROTOCOL_VERSION) {
      // A daemon of another version: ask it to step down, wait for its socket to go, start ours.
      await client.request(Methods.shutdown, { reason: `protocol ${client.hello.protocolVersion} replaced by ${PROTOCOL_VERSION}` }).catch(() => undefined);
      client.close();
      await waitFor(async () => !(await DaemonClient.tryConnect(paths.socket).then((c) => (c?.close(), !!c))), 15_000);
      if (opts.spawn === false) throw new DaemonUnavailableError('warmboxd spoke another protocol version and was stopped');
      client = await DaemonClient.spawnAndConnect(opts, paths);
      await client.handshake(opts, true, paths);
    }
    return client;
  }

  /**
   * For a caller whose first request is a run (the CLI): starts connecting and writes the hello into the connecting
   * socket, and returns at once, so that the caller reads its arguments and the program meanwhile. The run then goes
   * out without waiting for the hello's answer (see EarlyConnection). Never throws: no daemon listening, and the run
   * connects as usual.
   */
  static early(opts: ConnectOptions): EarlyConnection {
    const paths = runtimePaths(opts.env ?? process.env);
    const socket = net.connect(paths.socket);
    const client = new DaemonClient(socket);
    // Node sends what is written into a connecting socket once connected, or drops it with the socket.
    const hello = client.sayHello(opts);
    hello.catch(() => undefined);
    const connected = new Promise<boolean>((resolve) => {
      socket.once('connect', () => resolve(true));
      socket.once('error', () => resolve(false));
    });
    return new EarlyConnection(opts, paths, client, connected, hello);
  }

  /** The hello request; its answer is checked by handshake(). */
  private sayHello(opts: ConnectOptions): Promise<HelloResult> {
    this.trace = opts.trace;
    return this.request(Methods.hello, { client: opts.client, protocolVersion: PROTOCOL_VERSION }, opts.helloTimeoutMs ?? HELLO_TIMEOUT_MS);
  }

  /** A daemon that accepts the connection but never answers (stopped, hung) is named, and the connection closed. */
  /** @internal (connect and EarlyConnection) */
  async handshake(opts: ConnectOptions, spawned: boolean, paths: ReturnType<typeof runtimePaths>, answer = this.sayHello(opts)): Promise<void> {
    this.spawned = spawned;
    const ms = opts.helloTimeoutMs ?? HELLO_TIMEOUT_MS;
    try {
      this.hello = await answer;
    } catch (e) {
      this.close();
      if (!(e instanceof DaemonTimeoutError)) throw e;
      throw new DaemonTimeoutError(
        `warmboxd accepted the connection on ${paths.socket} but did not answer within ${ms / 1000} s: it may be stopped or hung. ` +
          `See ${paths.log}; \`warmbox daemon stop\` or ending its process lets a new one start.`,
      );
    }
  }

  private static tryConnect(socketPath: string): Promise<DaemonClient | null> {
    return new Promise((resolve) => {
      const s = net.connect(socketPath);
      s.once('connect', () => {
        s.removeAllListeners('error');
        resolve(new DaemonClient(s));
      });
      s.once('error', () => resolve(null));
    });
  }

  private static async spawnAndConnect(opts: ConnectOptions, paths: ReturnType<typeof runtimePaths>): Promise<DaemonClient> {
    ensurePrivateDir(paths.dir);
    const daemonPath = opts.daemonPath ?? defaultDaemonPath();
    const out = fs.openSync(paths.log, 'a', 0o600);
    const env: NodeJS.ProcessEnv = { ...(opts.env ?? process.env), ELECTRON_RUN_AS_NODE: '1' };
    // Node reads and parses that CA bundle before running any script (~40 ms here); the daemon talks TLS only to a
    // tcp:// Docker host, which brings its own certificates (DOCKER_CERT_PATH). The CLI's launcher set it aside.
    const ca = env.NODE_EXTRA_CA_CERTS ?? env.WARMBOX_NODE_EXTRA_CA_CERTS;
    delete env.NODE_EXTRA_CA_CERTS;
    delete env.WARMBOX_NODE_EXTRA_CA_CERTS;
    if (ca && /^tcp:|^https:/.test(env.DOCKER_HOST ?? '')) env.NODE_EXTRA_CA_CERTS = ca;
    const child = lazy.childProcess().spawn(opts.nodePath ?? process.execPath, [daemonPath], {
      detached: true,
      stdio: ['ignore', out, out],
      env,
      windowsHide: true,
    });
    fs.closeSync(out);
    let exited: number | null = null;
    child.once('exit', (code) => (exited = code ?? 1));
    child.unref();
    const deadline = Date.now() + (opts.spawnTimeoutMs ?? 10_000);
    while (Date.now() < deadline) {
      const c = await DaemonClient.tryConnect(paths.socket);
      if (c) return c;
      if (exited !== null && exited !== 0) break;
      await sleep(exited === 0 ? 50 : 10);
    }
    const tail = tailFile(paths.log, 5).trim();
    throw new DaemonUnavailableError(`warmboxd did not start (see ${paths.log})${tail ? `:\n${tail}` : ''}`);
  }

  /** A request; with `timeoutMs`, a daemon that does not answer in time gives a DaemonTimeoutError. */
  request<M extends MethodName>(method: M, params?: ParamsOf<M>, timeoutMs?: number): Promise<ResultOf<M>> {
    const answer = Promise.resolve(this.rpc.request(method, params ?? {}));
    if (!timeoutMs) return answer;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new DaemonTimeoutError(`warmboxd did not answer ${method} within ${timeoutMs / 1000} s`)), timeoutMs);
    });
    return Promise.race([answer, late]).finally(() => clearTimeout(timer));
  }

  /** Starts a run; output and the result come back through the handle. */
  async run(params: RunStartParams, handlers: RunHandlers = {}): Promise<RunHandle> {
    // Checked here: sent anyway, the daemon would refuse it, or close the connection on a line that long.
    const codeBytes = Buffer.byteLength(params.code);
    if (codeBytes > MAX_CODE_BYTES) {
      throw new RequestTooLargeError(`the program is ${mib(codeBytes)}; warmbox runs programs of at most ${mib(MAX_CODE_BYTES)}`);
    }
    const stdinBytes = params.stdin ? Math.floor((params.stdin.length * 3) / 4) : 0;
    if (stdinBytes > MAX_CODE_BYTES) {
      throw new RequestTooLargeError(`stdin given up front is ${mib(stdinBytes)}; at most ${mib(MAX_CODE_BYTES)} (stream larger input instead)`);
    }
    const runId = params.runId ?? newRunId();
    let resolve!: (r: RunResult) => void;
    let reject!: (e: Error) => void;
    const result = new Promise<RunResult>((res, rej) => ((resolve = res), (reject = rej)));
    result.catch(() => undefined);
    this.runs.set(runId, { handlers, resolve, reject });
    try {
      await this.request(Methods.runStart, { ...params, runId });
    } catch (e) {
      this.runs.delete(runId);
      throw e;
    }
    const stdin = async (data: Buffer | string) => {
      await this.request(Methods.runStdin, { runId, data: Buffer.from(data).toString('base64') });
    };
    const closeStdin = async () => {
      await this.request(Methods.runStdin, { runId, eof: true });
    };
    return {
      runId,
      result,
      stdin,
      closeStdin,
      stdinStream: () => stdinWriter({ data: stdin, eof: closeStdin }),
      cancel: async () => {
        await this.request(Methods.runCancel, { runId });
      },
    };
  }

  close(): void {
    this.closed = true;
    this.socket.end();
    this.socket.destroy();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Stops reading from the daemon (our consumer is full): the daemon then holds our runs' output in their sandboxes. */
  pauseIncoming(): void {
    this.socket.pause();
  }

  resumeIncoming(): void {
    this.socket.resume();
  }

  private onMessage(line: string): void {
    this.trace?.('recv', line);
    let msg: { id?: unknown; method?: string; params?: unknown };
    try {
      msg = JSON.parse(line);
    } catch {
      return;
    }
    if (msg.method && msg.id === undefined) {
      this.onNotification(msg.method, msg.params);
      return;
    }
    // The daemon is closing the connection on a line over its limit and says why: pass that on to every request.
    const error = (msg as { error?: { code?: number; message?: string } }).error;
    if (msg.id === null && error?.code === ErrorCodes.MessageTooLarge) {
      this.closeReason = `warmboxd closed the connection: ${error.message ?? 'error'}`;
      this.socket.destroy();
      return;
    }
    this.rpc.receive(msg as Parameters<JSONRPCClient['receive']>[0]);
  }

  private onNotification(method: string, params: unknown): void {
    if (method === Notifications.runOutput) {
      const n = params as RunOutputNotification;
      this.runs.get(n.runId)?.handlers.onOutput?.(n.stream, Buffer.from(n.data, 'base64'));
    } else if (method === Notifications.runStarted) {
      const n = params as RunStartedNotification;
      this.runs.get(n.runId)?.handlers.onStarted?.(n);
    } else if (method === Notifications.runNotice) {
      const n = params as RunNoticeNotification;
      this.runs.get(n.runId)?.handlers.onNotice?.(n.message);
    } else if (method === Notifications.daemonExiting) {
      this.exitingReason = (params as { reason?: string })?.reason ?? 'stopped';
    } else if (method === Notifications.runExit) {
      const n = params as RunExitNotification;
      const r = this.runs.get(n.result.runId);
      if (r) {
        this.runs.delete(n.result.runId);
        r.resolve(n.result);
      }
    }
    this.emit('notification', method, params);
  }

  private onClose(): void {
    const wasClosed = this.closed;
    this.closed = true;
    this.rpc.rejectAllPendingRequests(this.closeReason ?? 'the connection to warmboxd closed');
    for (const r of this.runs.values()) r.reject(new DaemonUnavailableError(this.closeReason ?? 'warmboxd went away before the run ended'));
    this.runs.clear();
    this.emit('close', wasClosed);
  }
}

/**
 * A connection opened before its caller was ready (DaemonClient.early), whose first request is a run. The run is sent
 * without waiting for the hello's answer: one round trip fewer, as the daemon takes requests in any order. Until that
 * answer says the daemon speaks our protocol, the run's notifications are held; a daemon speaking another gets the run
 * cancelled, its notifications dropped, and is replaced as by connect(), where the run starts again. No daemon
 * listening: connect() as usual (it spawns one).
 */
export class EarlyConnection {
  constructor(
    private readonly opts: ConnectOptions,
    private readonly paths: ReturnType<typeof runtimePaths>,
    /** The connection the run goes out on (another one after a fallback): set before any of its handlers is called. */
    public client: DaemonClient,
    /** Resolves true once connected, false when no daemon listens (the socket failed: what was written is dropped). */
    private readonly connected: Promise<boolean>,
    private readonly hello: Promise<HelloResult>,
  ) {}

  /** Writes the run at once (before this returns), behind the hello; resolves once the daemon took it. */
  async run(params: RunStartParams, handlers: RunHandlers = {}): Promise<RunHandle> {
    const usual = async () => {
      this.client = await DaemonClient.connect(this.opts);
      return this.client.run(params, handlers);
    };
    const first = this.client;
    const held = holdHandlers(handlers);
    const started = first.run(params, held.handlers);
    started.catch(() => undefined);
    if (!(await this.connected)) {
      held.drop();
      first.close();
      return usual();
    }
    await first.handshake(this.opts, false, this.paths, this.hello);
    if (first.hello.protocolVersion === PROTOCOL_VERSION) {
      held.release();
      return started;
    }
    held.drop();
    await started.then((h) => h.cancel()).catch(() => undefined);
    first.close();
    return usual();
  }
}

/** Handlers whose calls wait until release() (then pass through, in order) or are dropped by drop(). */
export function holdHandlers(h: RunHandlers): { handlers: RunHandlers; release(): void; drop(): void } {
  let queue: (() => void)[] | undefined = [];
  let dropped = false;
  const call = (f: () => void) => {
    if (dropped) return;
    if (queue) queue.push(f);
    else f();
  };
  return {
    handlers: {
      onStarted: (n) => call(() => h.onStarted?.(n)),
      onOutput: (stream, data) => call(() => h.onOutput?.(stream, data)),
      onNotice: (message) => call(() => h.onNotice?.(message)),
    },
    release: () => {
      const q = queue ?? [];
      queue = undefined;
      for (const f of q) f();
    },
    drop: () => {
      dropped = true;
      queue = undefined;
    },
  };
}

export function isRpcError(e: unknown): e is JSONRPCErrorException {
  return e instanceof JSONRPCErrorException || (typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'number');
}

function mib(n: number): string {
  return `${+(n / 1024 / 1024).toFixed(1)} MiB`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function waitFor(cond: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await cond()) return;
    await sleep(50);
  }
}
