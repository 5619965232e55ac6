// The one contract between warmboxd, the CLI and the extension.
// Imported by all three; it must import neither `vscode` nor dockerode.

/** Bumped on any incompatible change; a client that sees another version asks the daemon to step down. */
export const PROTOCOL_VERSION = 3;

export const Methods = {
  hello: 'daemon/hello',
  shutdown: 'daemon/shutdown',
  log: 'daemon/log',
  configSet: 'config/set',
  runStart: 'run/start',
  runStdin: 'run/stdin',
  runCancel: 'run/cancel',
  poolStats: 'pool/stats',
  poolSubscribe: 'pool/subscribe',
  poolWant: 'pool/want',
  poolHistory: 'pool/history',
  containersList: 'containers/list',
  containersRecycle: 'containers/recycle',
  containersRemove: 'containers/remove',
  profilesList: 'profiles/list',
  profileResolve: 'profile/resolve',
  envList: 'env/list',
  envBuild: 'env/build',
  envCancel: 'env/cancel',
  envRemove: 'env/remove',
  envPrune: 'env/prune',
} as const;

/**
 * The contract itself: each method's params and result. DaemonClient.request and the daemon's handlers are typed by
 * it, so no call site states its own result type and a handler cannot answer something else.
 */
export interface MethodTypes {
  'daemon/hello': { params: HelloParams; result: HelloResult };
  'daemon/shutdown': { params: ShutdownParams; result: Ok };
  'daemon/log': { params: LogParams; result: LogResult };
  'config/set': { params: ConfigSetParams; result: Ok };
  'run/start': { params: RunStartParams; result: RunStartResult };
  'run/stdin': { params: RunStdinParams; result: Ok };
  'run/cancel': { params: RunCancelParams; result: Ok };
  'pool/stats': { params: Empty; result: PoolStats };
  'pool/subscribe': { params: PoolSubscribeParams; result: PoolChangedNotification };
  'pool/want': { params: PoolWantParams; result: PoolWantResult };
  'pool/history': { params: PoolHistoryParams; result: PoolHistoryResult };
  'containers/list': { params: Empty; result: ContainerInfo[] };
  'containers/recycle': { params: ContainerIdParams; result: RecycleResult };
  'containers/remove': { params: ContainerIdParams; result: Ok };
  'profiles/list': { params: Empty; result: ProfileInfo[] };
  'profile/resolve': { params: ProfileResolveParams; result: ProfileResolveResult };
  'env/list': { params: Empty; result: EnvInfo[] };
  'env/build': { params: EnvBuildParams; result: EnvBuildResult };
  'env/cancel': { params: EnvCancelParams; result: Ok };
  'env/remove': { params: EnvRemoveParams; result: Ok };
  'env/prune': { params: EnvPruneParams; result: EnvPruneResult };
}
export type MethodName = keyof MethodTypes;
export type ParamsOf<M extends MethodName> = MethodTypes[M]['params'];
export type ResultOf<M extends MethodName> = MethodTypes[M]['result'];
// Every name in Methods has its row above, and every row a name (a compile error otherwise).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const tableMatchesMethods: Same<MethodName, (typeof Methods)[keyof typeof Methods]> = true;
void tableMatchesMethods;

export type Empty = Record<string, never>;
export interface Ok { ok: boolean }
export interface PoolSubscribeParams { on?: boolean }
export interface RecycleResult { ok: boolean; when: 'now' | 'after-run' }

export const Notifications = {
  runStarted: 'run/started',
  runOutput: 'run/output',
  runExit: 'run/exit',
  poolChanged: 'pool/changed',
  /** An environment build began, moved to a step, printed a line, or ended (to every client). */
  envProgress: 'env/progress',
  /** Something a run's user should know before it starts: it waits for its environment, or uses the base image. */
  runNotice: 'run/notice',
  /** Sent to every client when the daemon begins a deliberate shutdown (stop, idle, signal): do not respawn it. */
  daemonExiting: 'daemon/exiting',
} as const;

/** Largest program a run may carry (UTF-8 bytes of `code`); also the most stdin given up front. Clients check first. */
export const MAX_CODE_BYTES = 8 * 1024 * 1024;
/** Largest message (one line) the daemon reads; past it the connection gets a MessageTooLarge error and is closed. */
export const MAX_MESSAGE_BYTES = 32 * 1024 * 1024;

/** JSON-RPC error codes of our own (the -32000..-32099 server range). */
export const ErrorCodes = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  UnknownProfile: -32001,
  UnknownRun: -32002,
  UnknownContainer: -32003,
  ShuttingDown: -32004,
  MessageTooLarge: -32005,
  DockerUnreachable: -32010,
} as const;

export type IsolationMode = 'fresh' | 'reuse';

// ---- daemon ----

export interface HelloParams {
  client: string; // 'cli' | 'vscode' | 'bench' | 'test' …
  protocolVersion: number;
}
export interface HelloResult {
  daemonVersion: string;
  protocolVersion: number;
  pid: number;
  instanceId: string;
  socketPath: string;
  logPath: string;
  startedAt: number;
  boundInMs: number;
}

export interface LogParams { lines?: number }
export interface LogResult { path: string; text: string }

/**
 * What is truly daemon-wide, pushed with `config/set` (the extension sends only values the user set explicitly, from
 * the user's own settings): the default sets' sizes and the idle shutdown. Limits never travel this way: they come
 * with each run (`RunStartParams.settings`), so one window's settings never change another's sandboxes.
 */
export interface ConfigOverrides {
  pool?: Record<string, { minSize?: number; maxSize?: number }>;
  idleShutdownMs?: number;
}
export interface ConfigSetParams { overrides: ConfigOverrides }

// ---- runs ----

export interface RunStartParams {
  /** Chosen by the client so it knows the id before any notification (1-64 of A-Z a-z 0-9 _ -); made up when absent. */
  runId?: string;
  /** Absent: the profile whose extensions match `fileName` (the CLI saves a round trip that way). */
  profile?: string;
  /** The program's source text. */
  code: string;
  /** Shown in tracebacks; a plain file name (no folders), default from the profile. */
  fileName?: string;
  args?: string[];
  /** Bytes given up front, base64. */
  stdin?: string;
  /** Keep stdin open for `run/stdin` after the up-front bytes (default false: EOF follows them). */
  stdinOpen?: boolean;
  /** The caller's own choice (CLI flags); same layer as `settings`. */
  timeoutMs?: number;
  isolation?: IsolationMode;
  /** The user's own values (the extension's user settings, explicitly set only): over the daemon's config file. */
  settings?: SandboxSettings;
  /** Values from a workspace (VS Code workspace or folder settings): applied only where they tighten. */
  workspaceSettings?: SandboxSettings;
  /** Run the file inside a copy of its project (absent: the file alone, as `fileName` in /work). */
  project?: RunProject;
  /** Variables for this run, over the profile's own (names: letters, digits, _). */
  env?: Record<string, string>;
  /** Send back the files the run created or changed in its copy (see RunResult.outputs). */
  outputs?: OutputRequest;
  /**
   * `merged`: the program's stderr is its stdout (one pipe, as in a terminal), so output arrives in the order it was
   * written, all as `stdout`. `separate` (default): two streams, byte-exact, but Docker carries them on two pipes, so
   * their relative order is lost.
   */
  streams?: OutputStreams;
  /** While the project's first environment builds: wait for it (default) or run on the profile's image as it is. */
  whileBuilding?: 'wait' | 'base';
}

export type OutputStreams = 'separate' | 'merged';

export interface RunProject {
  /** The project's folder on the daemon's machine (absolute). */
  root: string;
  /** The file to run, relative to the root (posix separators); its text is `code`, whatever is on disk. */
  file: string;
  /** The program's working directory: the file's folder (default) or the project root. */
  cwd?: 'file' | 'root';
  /** Unsaved editor text of other files, by path relative to the root. */
  overlays?: Record<string, string>;
  /** Globs (relative to the root) left out besides the built-in secrets and clutter. */
  exclude?: string[];
  /** Caps of the copy (defaults 64 MB, 10,000 files); over them the run is refused, never cut. */
  maxBytes?: number;
  maxFiles?: number;
}

export interface OutputRequest {
  /** Defaults 32 MB and 200 files; files past them stay behind and are counted in `left`. */
  maxBytes?: number;
  maxFiles?: number;
}

export interface RunOutputs {
  /** A folder on the daemon's machine holding the files under their relative paths (kept for the daemon's life). */
  dir: string;
  files: { path: string; size: number }[];
  /** Files created or changed but not sent back: over the count or byte cap. */
  left: number;
}

/**
 * What shapes a run's sandbox. Every field is optional: absent means the daemon's own value (defaults < config file).
 * The daemon resolves the profile per run and keys its warm sets by the result (see README, *The pool*).
 */
export interface SandboxSettings {
  isolation?: IsolationMode;
  memoryMb?: number;
  cpus?: number;
  pids?: number;
  network?: boolean;
  /** Per run (no container depends on it). */
  timeoutMs?: number;
  /** Per run (no container depends on it). */
  outputLimitBytes?: number;
}
export interface RunStartResult { runId: string }

/**
 * Answered only once the sandbox has taken the bytes (or the run ended): a client keeps a few requests unanswered at
 * most (the CLI: 4), so input a program does not read waits at its source. A client that does not wait is not read
 * further past 8 MiB of unanswered requests.
 */
export interface RunStdinParams {
  runId: string;
  /** base64 */
  data?: string;
  eof?: boolean;
}
export interface RunCancelParams { runId: string }

export type RunOutcome = 'exited' | 'timeout' | 'oom' | 'output-limit' | 'cancelled' | 'compile-error' | 'infra-error';

/** The build step of a compiled language (see README, *Languages*). */
export interface CompileInfo {
  /** The build cache had it: no compiler ran. */
  cached: boolean;
  /** The sandbox held this very build since it was armed (its set's latest): nothing was sent before the program. */
  armed?: boolean;
  /** How long the compile step took (0 for a cache hit). */
  ms: number;
  /** The compiler's exit status (when it ran). */
  status?: number;
  /** What the compiler printed (up to 32 KiB; also streamed as stderr). Parsed by the extension into diagnostics. */
  messages?: string;
}

/** Why an infra-error happened, for clients that react to it. */
export type InfraReason =
  | 'docker-unreachable'
  | 'image-missing'
  /** The language's image was built for this run and the build failed (the message names the step). */
  | 'image-build'
  | 'image-unsupported'
  | 'runtime-missing'
  | 'workspace'
  | 'pool-capacity'
  | 'container-lost'
  | 'client-gone'
  | 'shutting-down'
  | 'docker-error';

/** Why a `cancelled` run was cancelled: its client's Stop (`run/cancel`), or its container removed by the user. */
export type CancelReason = 'stop' | 'removed';

export interface RunResult {
  runId: string;
  outcome: RunOutcome;
  /** The program's exit code, when it exited (also set for timeout/oom when known). */
  exitCode: number | null;
  /** Readable sentence for anything but `exited`. */
  message?: string;
  infraReason?: InfraReason;
  cancelReason?: CancelReason;
  profile: string;
  containerId: string | null;
  /** True when a warm pooled container served the run, false for a per-run (cold) container. */
  warm: boolean;
  isolation: IsolationMode;
  acquireMs: number;
  /** Request → exit status. */
  durationMs: number;
  stdoutBytes: number;
  stderrBytes: number;
  truncated: boolean;
  /** Set when the run's stderr went into its stdout (`streams: 'merged'`): `stderrBytes` is then 0. */
  merged?: boolean;
  /** When the run asked for them and the program exited. */
  outputs?: RunOutputs;
  /** Profiles with a build step: what it did (a failed build is the outcome `compile-error`). */
  compile?: CompileInfo;
}

export interface RunStartedNotification {
  runId: string;
  profile: string;
  containerId: string;
  warm: boolean;
  acquireMs: number;
}
export interface RunOutputNotification {
  runId: string;
  stream: 'stdout' | 'stderr';
  /** base64: output is passed on byte-exact. */
  data: string;
}
export interface RunExitNotification { result: RunResult }

// ---- pool ----

export type ContainerState = 'warming' | 'idle' | 'busy' | 'recycling' | 'unhealthy';

export interface ContainerInfo {
  id: string;
  shortId: string;
  profile: string;
  /** The warm set it belongs to (see `ProfileStats.profile`). */
  pool: string;
  state: ContainerState;
  uses: number;
  createdAt: number;
  ageMs: number;
  runId?: string;
}

/** One warm set: sandboxes of one shape (profile, image, isolation, limits). */
export interface ProfileStats {
  /** The set's name: the profile's alone for its default set, else `profile:` and what differs, e.g. `python:reuse,memoryMb=512`. */
  profile: string;
  /** The profile it runs. */
  name: string;
  /** The default set of its profile: kept warm at minSize; the others shrink to zero when no run uses them. */
  isDefault: boolean;
  limits: { memoryMb: number; cpus: number; pids: number; network: boolean };
  image: string;
  isolation: IsolationMode;
  minSize: number;
  maxSize: number;
  warming: number;
  idle: number;
  busy: number;
  waiting: number;
  runs: number;
  coldRuns: number;
  failures: number;
  replaced: number;
  /** A project's set: the project's root folder on the daemon's machine, as its runs name it. */
  projectRoot?: string;
  /** Latest warm-up error, if the profile cannot warm. */
  lastError?: string;
}

export interface PoolStats {
  pooling: boolean;
  docker: { reachable: boolean; error?: string; version?: string } & Partial<EngineInfo>;
  profiles: ProfileStats[];
  /** Sandboxes of all sets, and the cap on them (`maxSandboxes`). */
  sandboxes: number;
  maxSandboxes: number;
  activeRuns: number;
  clients: number;
  uptimeMs: number;
}

/** Which engine the daemon uses and how it found it (README: *Where is my Docker?*). */
export interface EngineInfo {
  kind: 'docker' | 'podman';
  /** unix:///var/run/docker.sock, tcp://…, ssh://… */
  host: string;
  /** The layer that chose it: "DOCKER_HOST", "context colima (current context in ~/.docker/config.json)", "default socket (Docker)", … */
  source: string;
  context?: string;
  /** OCI runtimes the engine has registered, when it says. */
  runtimes?: string[];
  /** The runtime sandboxes ask for by default (warmbox.runtime / config "runtime"); absent: the engine's default. */
  runtime?: string;
}

export interface PoolChangedNotification {
  stats: PoolStats;
  containers: ContainerInfo[];
}

export interface ContainerIdParams { id: string }

/**
 * The profiles this client wants kept warm (the languages of a window's workspace), replacing what it asked before;
 * dropped when it disconnects. Until some client asks, every default set is kept warm; after, only the wished ones
 * and those a run used within `setIdleMs` (others warm on first use). Wishes of all clients add up: one window's
 * wishes never make another's sets go cold. Sizes stay the user's (`config/set`).
 */
export interface PoolWantParams {
  /** Profiles whose default sets (single files, untitled editors) to keep warm. */
  profiles: string[];
  /** Projects whose sets to keep warm: a file in a workspace folder runs in its project's own set (see ProjectWish). */
  projects?: ProjectWish[];
}

/**
 * A window's wish for one project: keep warm the sets its runs of these profiles will use, shaped as those runs will
 * be (the project's root and copy options, the sandbox settings). A project whose environment is not built yet is
 * not built for a wish: its first run builds it.
 */
export interface ProjectWish {
  /** As a run sends it; `file` is any file of the project. */
  project: RunProject;
  profiles: string[];
  settings?: RunStartParams['settings'];
  workspaceSettings?: RunStartParams['workspaceSettings'];
}
export interface PoolWantResult {
  /** The default sets kept warm now, for any client. */
  wanted: string[];
  /** Names asked for that are not profiles (ignored). */
  unknown: string[];
  /** The project sets kept warm for this client (pool/stats names), made now if they were not there. */
  projectSets: string[];
}

export interface PoolHistoryParams {
  /** Only samples newer than this (ms since the epoch); absent: all the daemon keeps. */
  since?: number;
}
/** Per profile (its sets added up), the most seen during one sample's interval. */
export interface PoolCounts { warm: number; busy: number; waiting: number }
export interface PoolHistorySample {
  /** The interval's start (ms since the epoch). */
  t: number;
  profiles: Record<string, PoolCounts>;
}
/** The pool over the last minutes, kept by the daemon so every window and the CLI see the same. */
export interface PoolHistoryResult {
  intervalMs: number;
  /** How far back the daemon keeps samples. */
  spanMs: number;
  /** Oldest first; the last one is the interval going on now. */
  samples: PoolHistorySample[];
}

export interface ProfileInfo {
  name: string;
  image: string;
  fileName: string;
  command: string[];
  compile?: string[];
  extensions: string[];
  languageIds: string[];
  shebangs: string[];
  builtin: boolean;
}

/** Which profile runs a file (daemon/languages/resolve.ts): extension, then VS Code's language id, then a shebang. */
export interface ProfileResolveParams {
  /** The file's name or path. */
  fileName?: string;
  /** VS Code's language id of the document, when there is one. */
  languageId?: string;
  /** The file's first line (for `#!` lines). */
  firstLine?: string;
}
export type ProfileResolveResult = { profile: string; by: 'extension' | 'languageId' | 'shebang' } | { error: string };

export interface ShutdownParams { reason?: string }
export interface DaemonExitingNotification { reason: string }

// ---- environments ----

/** One environment image (`warmbox/env-<profile>-<hash>`). */
export interface EnvInfo {
  image: string;
  id: string;
  profile: string;
  /** The project it was built for (the last one, when several share it). */
  project?: string;
  /** The profile's image it builds on. */
  base?: string;
  sizeBytes: number;
  createdAt: number;
  /** Last run on it (this machine's daemons), if known. */
  lastUsedAt?: number;
  /** A project's current environment or a container's image: never pruned or removed. */
  inUse: boolean;
}

export interface EnvBuildParams {
  /** The project root (absolute). */
  root: string;
  /** One profile; absent: every profile the project asks packages for. */
  profile?: string;
  /** Build every step again, without Docker's layer cache (a fresh look at the indexes). */
  noCache?: boolean;
}
export interface EnvBuildOutcome {
  profile: string;
  status: 'built' | 'cached' | 'nothing' | 'failed' | 'cancelled';
  image?: string;
  summary?: string;
  message?: string;
  durationMs: number;
}
export interface EnvBuildResult {
  builds: EnvBuildOutcome[];
  /** What the build could not act on but the user should know (warmbox.json naming a profile warmbox does not have). */
  warnings?: string[];
}
/** `image`: a warmbox language image's first build (its env/progress has kind 'language' and root ''). */
export interface EnvCancelParams { root: string; profile: string; image?: string }
export interface EnvRemoveParams { image: string }
export interface EnvPruneParams {
  /** How many unused environment images to keep (default: the daemon's, 5). */
  keep?: number;
  /** Only the images of this project root. */
  project?: string;
}
export interface EnvPruneResult { removed: string[]; kept: string[] }

export interface EnvProgressNotification {
  /** 'language': warmbox's own image for a language's first use (root is ''); absent: a project's environment. */
  kind?: 'environment' | 'language';
  root: string;
  profile: string;
  image: string;
  state: 'building' | 'step' | 'line' | 'built' | 'failed' | 'cancelled';
  step?: number;
  steps?: number;
  /** The current step's short name, e.g. `pip install -r requirements.txt`. */
  label?: string;
  line?: string;
  /** The end: for `failed`, the failing step and the installer's last lines. */
  message?: string;
  /** The full build log on the daemon's machine. */
  logPath?: string;
  summary?: string;
}

export interface RunNoticeNotification {
  runId: string;
  message: string;
}
