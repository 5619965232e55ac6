// The `warmbox` command: the same daemon and protocol as the extension, from a terminal.
import fs = require('fs');
import path = require('path');
import { pipeline } from 'stream';
import { DaemonClient, DaemonUnavailableError, EarlyConnection, isRpcError, RequestTooLargeError } from '../daemon/client';
import { ErrorCodes, MAX_CODE_BYTES, Methods, PoolHistoryResult, PoolStats, ContainerInfo, OutputStreams, ProfileInfo, ProfileResolveResult, RunOutputs, RunProject, RunResult, RunStartParams } from '../daemon/protocol';
import { findProjectRoot } from '../daemon/workspace/root';
import { tailFile } from '../daemon/log';
import { runtimePaths } from '../daemon/socketPath';
import { parseArgs, CliUsageError, Parsed } from './args';
import { exitCodeFor, formatAge, formatStats, formatContainers } from './format';
import { formatHistory } from './historyChart';
import { chooseStreams, sameOutput } from './streams';
import { cmdEnv, ENV_HELP, showProgress } from './env';
import { stderr, stderrMade } from './stdio';

const HELP = `warmbox — run code in warm, hardened Docker sandboxes

Usage:
  warmbox run FILE [--profile NAME] [--stdin FILE|-] [--no-stdin] [--timeout SECONDS]
                   [--isolation fresh|reuse] [--env NAME=VALUE]... [--out DIR] [--json]
                   [--root DIR] [--cwd file|root] [--exclude GLOB]... [--no-project]
                   [--streams merged|separate] [--while-building wait|base] [-- ARGS...]

  FILE runs inside a private copy of its project: --root, else the nearest folder above it
  holding .git, warmbox.json or a dependency manifest, else its own folder (secrets such as
  .env, *.pem and .git are never copied). --no-project runs the file alone. --out DIR writes
  the files the run created or changed under DIR. Where stdout and stderr are the same file
  (a terminal, 2>&1) the program's stderr joins its stdout, in the order it was written;
  where they differ (or with --json) they stay separate, byte for byte (--streams forces either).
  While the project's first environment builds (warmbox.json, requirements.txt, package.json...)
  the run waits for it, its steps on stderr; --while-building base runs at once on the
  profile's own image instead (said on stderr). Default: the daemon's whileBuilding (wait).
  warmbox stats [--json]          pool state per profile
  warmbox stats --history [--minutes N] [--json]
                                  warm/busy/waiting per profile over the last minutes
  warmbox ls [--json]             the pool's containers
  warmbox profiles [--json]       known profiles
${ENV_HELP}
  warmbox daemon start|stop|status
  warmbox logs [-n LINES]         the daemon's log

Exit status of run: the program's own, or 124 timeout, 125 warmbox/Docker error,
130 cancelled, 137 out of memory, 141 output limit reached (or our stdout closed).
A program's own 124/125/130/137/141 look the same: --json tells them apart.`;

/** Up to this, --stdin FILE goes with the run request; larger files are streamed like piped stdin. */
const UPFRONT_STDIN_BYTES = 1024 * 1024;

/** Set while a run is live: ends it before we exit because our stdout went away. */
let cancelRun: (() => Promise<unknown>) | undefined;
let stdoutGone = false;

/** Like other Unix tools under `| head`: when our stdout is closed, stop quietly (141, as for SIGPIPE). */
function onStdoutError(e: NodeJS.ErrnoException): void {
  if (e.code !== 'EPIPE') {
    stderr().write(`warmbox: cannot write the output: ${e.message}\n`);
    process.exit(125);
  }
  if (stdoutGone) return;
  stdoutGone = true;
  if (!cancelRun) process.exit(141);
  // The run ends as cancelled and cmdRun returns; a daemon that does not answer does not keep us.
  void cancelRun().catch(() => undefined);
  setTimeout(() => process.exit(141), 2000);
}

function fail(msg: string, code = 125): never {
  stderr().write(`warmbox: ${msg}\n`);
  process.exit(code);
}

async function connect(spawn = true): Promise<DaemonClient> {
  try {
    return await DaemonClient.connect({ client: 'cli', spawn });
  } catch (e) {
    if (e instanceof DaemonUnavailableError) fail(e.message, spawn ? 125 : 3);
    throw e;
  }
}

/** `conn`: the connection main() began first; it connects while we read the arguments and the program. */
async function cmdRun(argv: string[], conn: EarlyConnection): Promise<number> {
  const a = parseArgs(argv, {
    flags: ['json', 'no-stdin', 'no-project'],
    options: ['profile', 'stdin', 'timeout', 'isolation', 'root', 'cwd', 'out', 'streams', 'while-building'],
    lists: ['env', 'exclude'],
  });
  const file = a.positional[0];
  if (!file) throw new CliUsageError('run needs a FILE (e.g. warmbox run examples/hello.py)');
  let code: string;
  try {
    // Checked before reading: a file that large is not a program warmbox will run.
    const size = fs.statSync(file).size;
    if (size > MAX_CODE_BYTES) fail(`${file} is ${mib(size)}; warmbox runs programs of at most ${mib(MAX_CODE_BYTES)}`, 2);
    code = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    fail(err.code === 'ENOENT' ? `file not found: ${file}` : `cannot read ${file}: ${err.message}`, 2);
  }
  let timeoutMs: number | undefined;
  if (a.options.timeout !== undefined) {
    const s = Number(a.options.timeout);
    if (!Number.isFinite(s) || s <= 0) throw new CliUsageError('--timeout takes a number of seconds');
    timeoutMs = Math.round(s * 1000);
  }
  const isolation = a.options.isolation;
  if (isolation !== undefined && isolation !== 'fresh' && isolation !== 'reuse') throw new CliUsageError('--isolation is fresh or reuse');
  const whileBuilding = a.options['while-building'];
  if (whileBuilding !== undefined && whileBuilding !== 'wait' && whileBuilding !== 'base') throw new CliUsageError(`--while-building is wait or base (got "${whileBuilding}")`);
  const project = a.flags['no-project'] ? undefined : projectOf(file, a);
  const env = envOf(a.lists.env ?? []);
  let streams: OutputStreams;
  try {
    streams = chooseStreams(a.options.streams, !!a.flags.json, sameOutput);
  } catch (e) {
    throw new CliUsageError((e as Error).message);
  }

  // Without --profile the daemon chooses it (extension, then a shebang): no round trip before the run.
  const profile = a.options.profile;

  let stdinBytes: Buffer | undefined;
  let stdinSource: NodeJS.ReadableStream | undefined;
  let ourStdin = false;
  if (a.options.stdin !== undefined && a.options.stdin !== '-') {
    try {
      const f = a.options.stdin;
      if (fs.statSync(f).size <= UPFRONT_STDIN_BYTES) stdinBytes = fs.readFileSync(f);
      else stdinSource = fs.createReadStream(f);
    } catch {
      fail(`cannot read stdin file ${a.options.stdin}`, 2);
    }
  } else if (!a.flags['no-stdin']) {
    stdinSource = process.stdin;
    ourStdin = true;
  }

  const json = !!a.flags.json;
  let outputHeld = false;
  // While the run waits for its project's environment, that build's steps go to stderr.
  let stopProgress: (() => void) | undefined;
  let handle;
  try {
    const starting = conn.run(
      {
        profile,
        code,
        fileName: path.basename(file),
        args: a.rest,
        stdin: stdinBytes?.toString('base64'),
        stdinOpen: !!stdinSource,
        timeoutMs,
        isolation: isolation as 'fresh' | 'reuse' | undefined,
        project,
        env,
        outputs: a.options.out !== undefined ? {} : undefined,
        streams,
        whileBuilding: whileBuilding as RunStartParams['whileBuilding'],
      },
      {
        onNotice: (message) => {
          if (!json) stderr().write(`warmbox: ${message}\n`);
          if (!json && project && !stopProgress && message.startsWith('waiting for')) stopProgress = showProgress(conn.client, project.root);
        },
        onStarted: () => stopProgress?.(),
        onOutput: (stream, data) => {
          if (json || stdoutGone) return;
          const out = stream === 'stdout' ? process.stdout : stderr();
          // Where our output is slower than the program (an async pipe), stop reading the daemon: it holds the
          // program's output in its sandbox until we catch up.
          if (!out.write(data) && !outputHeld && !out.destroyed) {
            outputHeld = true;
            conn.client.pauseIncoming();
            out.once('drain', () => {
              outputHeld = false;
              conn.client.resumeIncoming();
            });
          }
        },
      },
    );
    // While the daemon starts the run: our stdout (the stream is created on first use).
    process.stdout.on('error', onStdoutError);
    handle = await starting;
  } catch (e) {
    if (e instanceof RequestTooLargeError) fail(e.message, 2);
    if (isRpcError(e) && (e.code === ErrorCodes.UnknownProfile || e.code === ErrorCodes.InvalidParams)) fail(e.message.replace('; name one', '; pass --profile'), 2);
    if (isRpcError(e)) fail(e.message);
    throw e;
  }
  const client = conn.client;
  const run = handle;
  cancelRun = () => {
    client.resumeIncoming(); // the answer and the run's end must get through
    return run.cancel();
  };
  if (stdinSource) {
    // A few requests in flight at most: when the program does not read, our source waits (and so does its writer).
    // An error here (the run ended, stdin unreadable) only stops the forwarding: the run's result decides our exit.
    pipeline(stdinSource, handle.stdinStream(), () => undefined);
  }
  let interrupted = 0;
  process.on('SIGINT', () => {
    if (interrupted++) process.exit(130);
    void handle.cancel().catch(() => undefined);
  });

  let result: RunResult;
  try {
    result = await handle.result;
  } catch (e) {
    fail((e as Error).message);
  }
  if (stdoutGone) return 141;
  // Touched only when forwarded: creating process.stdin loads modules (fs streams, readline) a run never needs.
  if (ourStdin) process.stdin.pause();
  await flush(process.stdout);
  if (a.options.out !== undefined && result.outputs) {
    const n = copyOutputs(result.outputs, a.options.out);
    if (!json) stderr().write(`warmbox: ${n} output file(s) written to ${a.options.out}${result.outputs.left ? ` (${result.outputs.left} more over the caps, left behind)` : ''}\n`);
  }
  if (json) process.stdout.write(JSON.stringify(result) + '\n');
  else if (result.outcome !== 'exited') stderr().write(`warmbox: ${result.outcome}: ${result.message ?? ''}\n`);
  await flush(process.stdout);
  if (stderrMade()) await flush(process.stderr);
  client.close();
  return exitCodeFor(result);
}

/** The run's project: --root, else the nearest folder that looks like a project root (see findProjectRoot). */
function projectOf(file: string, a: Parsed): RunProject {
  const root = path.resolve(a.options.root ?? findProjectRoot(file));
  const rel = path.relative(root, path.resolve(file));
  if (!rel || rel.startsWith('..') || path.isAbsolute(rel)) fail(`${file} is not inside --root ${root}`, 2);
  const cwd = a.options.cwd;
  if (cwd !== undefined && cwd !== 'file' && cwd !== 'root') throw new CliUsageError('--cwd is file or root');
  return { root, file: rel.split(path.sep).join('/'), cwd: cwd as RunProject['cwd'], exclude: a.lists.exclude };
}

function envOf(pairs: string[]): Record<string, string> | undefined {
  if (!pairs.length) return undefined;
  const env: Record<string, string> = {};
  for (const kv of pairs) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new CliUsageError(`--env takes NAME=VALUE (got "${kv}")`);
    env[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  return env;
}

/** Copies a run's output files (kept by the daemon) under DIR with their relative paths. */
function copyOutputs(o: RunOutputs, dir: string): number {
  for (const f of o.files) {
    const to = path.join(dir, f.path);
    fs.mkdirSync(path.dirname(to), { recursive: true });
    // Written afresh (not copied): the user's umask decides the mode, not the daemon's private 0600.
    fs.writeFileSync(to, fs.readFileSync(path.join(o.dir, f.path)));
  }
  return o.files.length;
}

function mib(n: number): string {
  return `${+(n / 1024 / 1024).toFixed(1)} MiB`;
}

function flush(s: NodeJS.WriteStream): Promise<void> {
  return new Promise((r) => s.write('', () => r()));
}

async function cmdStats(argv: string[]): Promise<number> {
  const a = parseArgs(argv, { flags: ['json', 'history'], options: ['minutes'] });
  const minutes = a.options.minutes === undefined ? 10 : Number(a.options.minutes);
  if (!Number.isFinite(minutes) || minutes < 1 || minutes > 15) throw new CliUsageError('--minutes must be a number from 1 to 15 (the daemon keeps 15 minutes)');
  const client = await connect();
  if (a.flags.history) {
    const h = await client.request(Methods.poolHistory, {});
    process.stdout.write(a.flags.json ? JSON.stringify(h, null, 2) + '\n' : formatHistory(h, Date.now(), minutes));
    client.close();
    return 0;
  }
  const stats = await client.request(Methods.poolStats);
  process.stdout.write(a.flags.json ? JSON.stringify(stats, null, 2) + '\n' : formatStats(stats, client.hello));
  client.close();
  return 0;
}

async function cmdLs(argv: string[]): Promise<number> {
  const a = parseArgs(argv, { flags: ['json'], options: [] });
  const client = await connect();
  const list = await client.request(Methods.containersList);
  process.stdout.write(a.flags.json ? JSON.stringify(list, null, 2) + '\n' : formatContainers(list));
  client.close();
  return 0;
}

async function cmdProfiles(argv: string[]): Promise<number> {
  const a = parseArgs(argv, { flags: ['json'], options: [] });
  const client = await connect();
  const list = await client.request(Methods.profilesList);
  if (a.flags.json) process.stdout.write(JSON.stringify(list, null, 2) + '\n');
  else for (const p of list) process.stdout.write(`${p.name.padEnd(10)} ${p.image.padEnd(22)} ${p.extensions.join(' ').padEnd(14)} ${p.compile ? `${p.compile.join(' ')} && ` : ''}${p.command.join(' ')}\n`);
  client.close();
  return 0;
}

async function cmdDaemon(argv: string[]): Promise<number> {
  const sub = argv[0];
  if (sub === 'start') {
    const c = await connect(true);
    process.stdout.write(`warmboxd ${c.hello.daemonVersion} ${c.spawned ? 'started' : 'already running'} (pid ${c.hello.pid}, socket ${c.hello.socketPath})\n`);
    c.close();
    return 0;
  }
  if (sub === 'status') {
    const c = await connect(false);
    const stats = await c.request(Methods.poolStats);
    process.stdout.write(`warmboxd ${c.hello.daemonVersion} running (pid ${c.hello.pid}, up ${formatAge(Date.now() - c.hello.startedAt)}, socket ${c.hello.socketPath}, log ${c.hello.logPath})\n`);
    process.stdout.write(formatStats(stats, c.hello));
    c.close();
    return 0;
  }
  if (sub === 'stop') {
    let c: DaemonClient;
    try {
      c = await DaemonClient.connect({ client: 'cli', spawn: false });
    } catch {
      process.stdout.write('warmboxd is not running\n');
      return 0;
    }
    const pid = c.hello.pid;
    const closed = new Promise<void>((r) => c.once('close', () => r()));
    await c.request(Methods.shutdown, { reason: 'warmbox daemon stop' });
    await Promise.race([closed, new Promise((r) => setTimeout(r, 15_000))]);
    process.stdout.write(`warmboxd (pid ${pid}) stopped; its containers are removed\n`);
    return 0;
  }
  throw new CliUsageError('daemon takes start, stop or status');
}

function cmdLogs(argv: string[]): number {
  const a = parseArgs(argv, { flags: [], options: ['n'] });
  const n = Number(a.options.n ?? 50);
  const file = runtimePaths().log;
  const text = tailFile(file, Number.isFinite(n) && n > 0 ? n : 50);
  if (!text) fail(`no daemon log yet (${file})`, 1);
  process.stdout.write(text.trimEnd() + '\n');
  return 0;
}

async function main(): Promise<void> {
  const [cmd, ...rest] = process.argv.slice(2);
  // A run connects before anything else, and sets up its stdout once its request is out (see cmdRun).
  const early = cmd === 'run' ? DaemonClient.early({ client: 'cli' }) : undefined;
  if (!early) process.stdout.on('error', onStdoutError);
  let code: number;
  try {
    switch (cmd) {
      case 'run':
        code = await cmdRun(rest, early!);
        break;
      case 'stats':
        code = await cmdStats(rest);
        break;
      case 'ls':
        code = await cmdLs(rest);
        break;
      case 'profiles':
        code = await cmdProfiles(rest);
        break;
      case 'env':
        code = await cmdEnv(rest, () => connect());
        break;
      case 'daemon':
        code = await cmdDaemon(rest);
        break;
      case 'logs':
        code = cmdLogs(rest);
        break;
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(HELP + '\n');
        code = cmd === undefined ? 2 : 0;
        break;
      default:
        throw new CliUsageError(`unknown command "${cmd}"`);
    }
  } catch (e) {
    if (e instanceof CliUsageError) fail(`${e.message}\n\n${HELP}`, 2);
    if (e instanceof DaemonUnavailableError) fail(e.message);
    if (isRpcError(e)) fail(e.message);
    fail((e as Error).stack ?? String(e));
  }
  process.exit(stdoutGone ? 141 : code);
}

void main();
