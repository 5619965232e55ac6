// Everything heavy (dockerode, the pool, the run path), loaded only after the socket is bound.
import { JSONRPCErrorException, JSONRPCServer } from 'json-rpc-2.0';
import { handle } from './handlers';
import { ConfigError, DaemonConfig, loadConfig } from './config';
import { closeEngine, engineFromEnv, engineLine, openEngine } from './engine';
import { startWatchdog } from './watchdog';

/** For the watchdog (which loads this bundle): the engine the daemon chose. */
export { engineFromEnv };
import type { Logger } from './log';
import { PoolManager } from './poolManager';
import { profileInfo } from './profiles';
import {
  ConfigOverrides,
  ErrorCodes,
  Methods,
  Notifications,
  PoolChangedNotification,
  PoolHistoryResult,
  PoolWantResult,
  RunStartParams,
  RunStartResult,
} from './protocol';
import { PoolHistory } from './pool/history';
import { Builds, ResolvedRunParams, RunManager, RunRequestError } from './runs';
import { BuildCache } from './languages/buildCache';
import { ImageIds } from './languages/imageIds';
import { resolveProfileFor } from './languages/resolve';
import type { ProfileResolveResult } from './protocol';
import type Docker from 'dockerode';
import type { Conn } from './server';
import * as v from './validate';
import * as path from 'path';
import { checkProject } from './workspace/check';
import { EnvironmentManager } from './environments/manager';

export interface CoreContext {
  rpc: JSONRPCServer<Conn>;
  log: Logger;
  logPath: string;
  instanceId: string;
  scope: string;
  conns: Set<Conn>;
  /** Called whenever "no clients and no runs" may have changed. */
  activityChanged(): void;
}

export interface Core {
  activeRuns(): number;
  idleShutdownMs(): number;
  disconnect(c: Conn): void;
  shutdown(reason: string): Promise<void>;
}

const POOL_NOTIFY_DEBOUNCE_MS = 250;

/** The build cache (languages/buildCache.ts); without it compiled languages still run, compiling every time. */
function openBuilds(dir: string, mb: number, docker: Docker, log: Logger): Builds | undefined {
  try {
    const cache = new BuildCache(dir, mb * 1024 * 1024, log);
    log.info(`build cache: ${cache.count} artifact(s), ${Math.round(cache.bytes / 1e6)} MB in ${dir} (cap ${mb} MB)`);
    return { cache, images: new ImageIds(docker) };
  } catch (e) {
    log.warn(`build cache: ${dir} cannot be used (${(e as Error).message}); compiled programs are built on every run`);
    return undefined;
  }
}

export async function startCore(ctx: CoreContext): Promise<Core> {
  const { rpc, log } = ctx;
  let overrides: ConfigOverrides = {};
  let config: DaemonConfig;
  try {
    config = loadConfig(process.env, overrides);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    log.error(`config: ${e.message}; using the built-in defaults`);
    config = loadConfig({ ...process.env, WARMBOX_CONFIG: '/nonexistent/warmbox.json' }, overrides);
  }
  // Methods are looked up before the middleware waits for the core: register them before the first await.
  const tEngine = Date.now();
  const opening = openEngine({ configHost: config.dockerHost, ssh: { controlDir: path.dirname(ctx.logPath) } });
  let pools!: PoolManager;
  let runs!: RunManager;
  let envs!: EnvironmentManager;
  const broadcast = (method: string, params: unknown) => {
    for (const c of ctx.conns) c.notify(method, params);
  };

  // Kept here, not by the windows: every window and the CLI read the same pool history (pool/history).
  const history = new PoolHistory();
  const recordHistory = () => pools && history.record(pools.stats(runs?.active ?? 0, ctx.conns.size).profiles);
  const historyTick = setInterval(recordHistory, history.intervalMs);
  historyTick.unref();

  let notifyTimer: NodeJS.Timeout | undefined;
  const poolChanged = () => {
    if (notifyTimer) return;
    notifyTimer = setTimeout(() => {
      notifyTimer = undefined;
      recordHistory();
      const subs = [...ctx.conns].filter((c) => c.subscribed);
      if (!subs.length) return;
      const n: PoolChangedNotification = { stats: pools.stats(runs.active, ctx.conns.size), containers: pools.containers() };
      for (const c of subs) c.notify(Notifications.poolChanged, n);
    }, POOL_NOTIFY_DEBOUNCE_MS);
  };

  handle(rpc, Methods.runStart, async (raw, conn): Promise<RunStartResult> => {
    const params = v.runStartParams(raw);
    // A project that cannot be copied (missing, over its caps) is refused here, with the reason, before any run.
    if (params.project) await checkProject(pools.projects, params.project);
    try {
      const { id: runId, dispatched } = runs.start(params, conn.id, {
        started: (n) => void conn.notify(Notifications.runStarted, n),
        output: (runId, stream, data) => conn.notify(Notifications.runOutput, { runId, stream, data: data.toString('base64') }),
        exit: (result) => void conn.notify(Notifications.runExit, { result }),
        notice: (runId, message) => void conn.notify(Notifications.runNotice, { runId, message }),
        whenDrained: (fn) => conn.whenDrained(fn),
      }, params.runId);
      await dispatched;
      return { runId };
    } catch (e) {
      if (e instanceof RunRequestError) {
        throw new JSONRPCErrorException(e.message, e.code === 'unknown-profile' ? ErrorCodes.UnknownProfile : ErrorCodes.InvalidParams);
      }
      throw e;
    }
  });
  // Answered once the sandbox took the bytes (or the run ended): the client's window of unanswered requests is its
  // backpressure.
  handle(rpc, Methods.runStdin, async (raw) => {
    const p = v.runStdinParams(raw);
    // Both writes are issued at once (in order); only the answer waits.
    const taken: Promise<boolean>[] = [];
    if (p.data) taken.push(runs.stdin(p.runId, Buffer.from(p.data, 'base64')));
    if (p.eof) taken.push(runs.stdin(p.runId, null));
    const ok = (await Promise.all(taken)).every(Boolean);
    if (!ok) throw new JSONRPCErrorException(`no live run ${p.runId}`, ErrorCodes.UnknownRun);
    return { ok: true };
  });
  handle(rpc, Methods.runCancel, (raw) => {
    const runId = v.runIdParam(raw);
    if (!runs.cancel(runId)) throw new JSONRPCErrorException(`no live run ${runId}`, ErrorCodes.UnknownRun);
    return { ok: true };
  });
  handle(rpc, Methods.poolStats, () => pools.stats(runs.active, ctx.conns.size));
  handle(rpc, Methods.poolSubscribe, (raw, conn): PoolChangedNotification => {
    const on = !(raw && typeof raw === 'object' && (raw as { on?: unknown }).on === false);
    conn.subscribed = on;
    return { stats: pools.stats(runs.active, ctx.conns.size), containers: pools.containers() };
  });
  handle(rpc, Methods.poolWant, async (raw, conn): Promise<PoolWantResult> => {
    const { profiles, projects = [] } = v.poolWantParams(raw);
    const asked = [...profiles, ...projects.flatMap((w) => w.profiles)];
    const unknown = [...new Set(asked.filter((p) => !config.profiles.has(p)))];
    const wanted = pools.setWishes(conn.id, profiles.filter((p) => config.profiles.has(p)));
    // Project sets: shaped as the project's runs will be, on the image they would get now (never built for a wish).
    const shapes: Parameters<typeof pools.pinSets>[1] = [];
    for (const w of projects) {
      for (const name of w.profiles) {
        const shape = { profile: name, project: w.project, settings: w.settings, workspaceSettings: w.workspaceSettings };
        const profile = config.profiles.has(name) ? pools.resolve(shape) : undefined;
        if (!profile) continue;
        const ready = await envs.readyImage(w.project.root, profile);
        if (ready) shapes.push({ shape, env: { image: ready.image, preload: envs.preloadFor(w.project.root, name) } });
      }
    }
    const sets = pools.pinSets(conn.id, shapes);
    log.info(`client ${conn.id} (${conn.client}) wants ${profiles.join(', ') || 'nothing'} warm${sets.length ? ` and the sets ${sets.join(', ')}` : ''}; kept warm: ${wanted.join(', ') || 'none'}`);
    return { wanted, unknown, projectSets: sets };
  });
  handle(rpc, Methods.poolHistory, (raw): PoolHistoryResult => {
    recordHistory();
    return history.read(v.poolHistoryParams(raw).since);
  });
  handle(rpc, Methods.containersList, () => pools.containers());
  handle(rpc, Methods.containersRecycle, (raw) => {
    const id = v.containerIdParam(raw);
    const found = pools.findSandbox(id);
    if (!found) throw new JSONRPCErrorException(`no warmbox container ${id}`, ErrorCodes.UnknownContainer);
    const sb = found.sandbox;
    if (sb.state === 'busy') {
      sb.recycleRequested = true;
      return { ok: true, when: 'after-run' };
    }
    sb.state = 'recycling';
    void sb.destroy('recycled on request');
    return { ok: true, when: 'now' };
  });
  handle(rpc, Methods.containersRemove, async (raw) => {
    const id = v.containerIdParam(raw);
    const found = pools.findSandbox(id);
    if (!found) throw new JSONRPCErrorException(`no warmbox container ${id}`, ErrorCodes.UnknownContainer);
    const sb = found.sandbox;
    // Its run ends as the user's own doing (cancelled, reason removed), not as a lost container.
    if (sb.state === 'busy' && sb.runId) runs.cancel(sb.runId, 'its container was removed by the user', 'removed');
    if (sb.state === 'idle') sb.state = 'recycling';
    await sb.destroy('removed on request');
    return { ok: true };
  });
  handle(rpc, Methods.profilesList, () => [...config.profiles.values()].map(profileInfo));
  handle(rpc, Methods.profileResolve, (raw): ProfileResolveResult => resolveProfileFor(config.profiles.values(), v.profileResolveParams(raw)));
  handle(rpc, Methods.envList, () => envs.list());
  handle(rpc, Methods.envBuild, async (raw) => {
    const p = v.envBuildParams(raw);
    const profiles = p.profile ? [config.profiles.get(p.profile)] : [...config.profiles.values()];
    if (profiles.some((x) => !x)) throw new JSONRPCErrorException(`unknown profile "${p.profile}" (known: ${[...config.profiles.keys()].join(', ')})`, ErrorCodes.UnknownProfile);
    try {
      const builds = await envs.build(p.root, profiles.map((x) => x!), { noCache: p.noCache });
      const unknown = envs.unknownProfiles(p.root);
      return unknown ? { builds, warnings: [unknown] } : { builds };
    } catch (e) {
      throw v.invalid((e as Error).message);
    }
  });
  handle(rpc, Methods.envCancel, (raw) => {
    const p = v.envCancelParams(raw);
    return { ok: p.image ? pools.images.cancel(p.image) : envs.cancel(p.root, p.profile) };
  });
  handle(rpc, Methods.envRemove, async (raw) => {
    const p = v.envRemoveParams(raw);
    try {
      await envs.remove(p.image);
    } catch (e) {
      throw v.invalid((e as Error).message);
    }
    return { ok: true };
  });
  handle(rpc, Methods.envPrune, (raw) => {
    const p = v.envPruneParams(raw);
    return envs.prune(p.keep, p.project);
  });
  handle(rpc, Methods.configSet, (raw) => {
    const next = v.configSetParams(raw);
    const merged: ConfigOverrides = { ...overrides, ...Object.fromEntries(Object.entries(next).filter(([, x]) => x !== undefined)) };
    try {
      config = loadConfig(process.env, merged);
    } catch (e) {
      if (e instanceof ConfigError) throw v.invalid(e.message);
      throw e;
    }
    overrides = merged;
    pools.reconfigure(config);
    log.info(`settings updated by a client: ${JSON.stringify(next)}`);
    return { ok: true };
  });

  const engine = await opening;
  const { docker, where } = engine;
  for (const n of engine.resolution.notes) log.info(`engine: ${n}`);
  if (engine.facts) {
    const passed = engine.attempts.map((a) => `${a.endpoint.host}: ${a.why}`).join('; ');
    log.info(`engine: ${engineLine(engine)} answered in ${Date.now() - tEngine} ms${passed ? ` (before it: ${passed})` : ''}`);
  } else log.warn(`engine: ${engine.error} (${Date.now() - tEngine} ms)`);
  // Before the first container is created: a SIGKILLed daemon must still leave nothing behind.
  const watchdog = startWatchdog(process.argv[1], ctx.instanceId, ctx.logPath, engine);
  log.info(`config from ${config.source}; profiles ${[...config.profiles.keys()].join(', ')}; docker at ${where}`);

  pools = new PoolManager(config, docker, where, { instance: ctx.instanceId, scope: ctx.scope }, log, poolChanged, {
    logDir: path.join(path.dirname(ctx.logPath), 'image-builds'),
    progress: (n) => broadcast(Notifications.envProgress, n),
  });
  const defaultRuntime = config.profiles.values().next().value?.runtime;
  pools.engineInfo = {
    kind: engine.facts?.kind,
    host: engine.endpoint.host,
    source: engine.endpoint.source,
    context: engine.endpoint.context,
    runtimes: engine.facts?.runtimes,
    runtime: defaultRuntime,
  };
  pools.startError = engine.error;
  // Started by a VS Code window: warm only what the windows ask for (pool/want) and what runs use.
  if (process.env.WARMBOX_WARM === 'wanted') pools.warmOnlyWanted();
  envs = new EnvironmentManager({
    docker,
    log,
    settings: () => config.environments,
    runtimeDir: path.dirname(ctx.logPath),
    progress: (n) => broadcast(Notifications.envProgress, n),
    imagesInUse: () => pools.imagesInUse(),
    profileNames: () => [...config.profiles.keys()],
    // A rebuilt environment's set warms before runs move to it (the shape of the project's last run).
    warm: async (root, profile, image) => {
      const params = lastRun.get(`${root}\0${profile.name}`);
      const target = params && pools.forRun(params, { image, preload: envs.preloadFor(root, profile.name) });
      if (!target || target.pool.profile.minSize === 0) return;
      const t0 = Date.now();
      while (Date.now() - t0 < 60_000 && !target.pool.stats().idle && !target.pool.stats().lastError) await new Promise((r) => setTimeout(r, 250));
      log.info(`environment ${image}: its set ${target.pool.key} ${target.pool.stats().idle ? 'is warm' : 'is not warm yet'} after ${Date.now() - t0} ms; runs move to it`);
    },
  });
  /** The last run's shape per project and profile: what a rebuilt environment's set is warmed for. */
  const lastRun = new Map<string, ResolvedRunParams>();
  runs = new RunManager(
    pools,
    log,
    () => {
      ctx.activityChanged();
      poolChanged();
    },
    path.join(path.dirname(ctx.logPath), 'outputs'),
    openBuilds(path.join(path.dirname(ctx.logPath), 'build-cache'), config.buildCacheMb, docker, log),
    async (params, signal, notice) => {
      const profile = params.project && pools.resolve(params);
      if (!profile) return undefined;
      lastRun.set(`${params.project!.root}\0${profile.name}`, { ...params, code: '', stdin: undefined, project: { ...params.project!, overlays: undefined } });
      const image = await envs.imageFor(params.project!.root, profile, { whileBuilding: params.whileBuilding, signal, notice });
      return { image, preload: envs.preloadFor(params.project!.root, profile.name) };
    },
  );

  await pools.start();

  return {
    activeRuns: () => runs.active,
    idleShutdownMs: () => config.idleShutdownMs,
    disconnect: (c) => {
      pools.dropWishes(c.id);
      const n = runs.cancelClient(c.id);
      if (n) log.info(`client ${c.id} (${c.client}) went away; cancelled ${n} run(s)`);
      poolChanged();
    },
    shutdown: async (reason) => {
      const t0 = Date.now();
      clearInterval(historyTick);
      runs.cancelAll(`warmbox is shutting down (${reason})`);
      const n = pools.containers().length;
      envs.close();
      await pools.close(`daemon shutting down: ${reason}`);
      watchdog.release();
      closeEngine(engine);
      log.info(`removed ${n} container(s) in ${Date.now() - t0} ms`);
    },
  };
}
