// The environments of the projects this daemon runs: which image a project's run uses, builds (one at a time per
// project and profile), rebuilds when a manifest changes, failures told once per change, and the image cache.
import type Docker from 'dockerode';
import * as fs from 'fs';
import * as path from 'path';
import type { EnvironmentSettings } from '../config';
import type { Logger } from '../log';
import type { Profile } from '../profiles';
import type { EnvBuildOutcome, EnvInfo, EnvProgressNotification, EnvPruneResult } from '../protocol';
import { projectLabel } from '../workspace/registry';
import { BuildCancelled, buildImage, BuildFailed } from './build';
import { detect, ManifestError, MANIFESTS } from './detect';
import { BUILD_ARGS, ENV_LABEL, ENV_REPO, EnvPlan, planEnvironment } from './dockerfile';
import { ProjectFileError, readProjectFile, unknownProfilesMessage } from './projectFile';
import { UsageStore } from './usage';

interface Build {
  plan: EnvPlan;
  abort: AbortController;
  done: Promise<EnvBuildOutcome>;
  step: string;
  /** A run was told it uses the current environment while this one builds (once per build). */
  toldRun?: boolean;
}

interface Planned {
  plan?: EnvPlan;
  /** A manifest or warmbox.json that cannot be read: told like a failed build. */
  error?: string;
  at: number;
}

interface Watch {
  watcher?: fs.FSWatcher;
  timer?: NodeJS.Timeout;
  /** The root folder's inode when the watch was set (a replaced folder has another). */
  ino?: number;
}

interface EnvState {
  root: string;
  profile: Profile;
  current?: { tag: string; hash: string };
  building?: Build;
  /** The last failure and what it failed for (a plan hash, or the manifest error's text); told once. */
  failed?: { key: string; message: string; told: boolean; build: boolean };
  planned?: Planned;
  dirty: boolean;
}

export interface EnvHooks {
  docker: Docker;
  log: Logger;
  settings(): EnvironmentSettings;
  /** The daemon's runtime folder: build logs and the usage record live there. */
  runtimeDir: string;
  progress(n: EnvProgressNotification): void;
  /** Images the pool's sandboxes run on now. */
  imagesInUse(): Set<string>;
  /** The daemon's profile names (warmbox.json naming another is told). */
  profileNames(): string[];
  /** A new environment is built: warm its set; runs move to it once this resolves (bounded by the caller). */
  warm?(root: string, profile: Profile, image: string): Promise<void>;
}

/** A plan is read again after this long even without a watcher event (wheels in subfolders, a rebuilt base image). */
const PLAN_TTL_MS = 30_000;
const REBUILD_DEBOUNCE_MS = 500;
const LINE_EVERY_MS = 250;

export class EnvironmentManager {
  private readonly states = new Map<string, EnvState>();
  private readonly watchers = new Map<string, Watch>();
  private readonly usage: UsageStore;
  private readonly logDir: string;
  /** Per root, the unknown-profile message last told to a run (told once per change of the file). */
  private readonly toldUnknown = new Map<string, string>();
  private closed = false;

  constructor(private readonly h: EnvHooks) {
    this.logDir = path.join(h.runtimeDir, 'env-builds');
    fs.mkdirSync(this.logDir, { recursive: true, mode: 0o700 });
    this.usage = new UsageStore(path.join(h.runtimeDir, 'environments.json'));
  }

  /**
   * The image a project's run uses: undefined for the profile's own (nothing to install, or no environment yet and
   * the run does not wait). A first build is waited for (said through `notice`) unless `whileBuilding` is base; a
   * rebuild never holds a run: the current environment serves until the new one is built.
   */
  async imageFor(root: string, profile: Profile, o: { whileBuilding?: 'wait' | 'base'; signal: AbortSignal; notice(message: string): void }): Promise<string | undefined> {
    const st = this.state(root, profile);
    await this.stillThere(st);
    const p = await this.plan(st);
    this.tellUnknownProfiles(root, o.notice);
    if (p.error) {
      this.fail(st, p.error, p.error);
      this.tell(st, o.notice);
      return this.use(st);
    }
    if (!p.plan) return undefined;
    const plan = p.plan;
    if (st.current?.hash !== plan.hash && st.building?.plan.hash !== plan.hash) {
      if (st.failed?.key === plan.hash) {
        this.tell(st, o.notice);
        return this.use(st);
      }
      if (await this.exists(plan.tag)) st.current = { tag: plan.tag, hash: plan.hash };
      else this.startBuild(st, plan);
    }
    const name = `the ${profile.name} environment of ${projectLabel(root)}`;
    if (st.current) {
      // A rebuild holds no run; the first run meanwhile hears why a package just added is not there yet.
      const b = st.building;
      if (b && b.plan.hash !== st.current.hash && !b.toldRun) {
        b.toldRun = true;
        o.notice(`${name} is rebuilding (${b.plan.summary}; now: ${b.step}); this run uses the current one, ${st.current.tag}`);
      }
      return this.use(st);
    }
    if ((o.whileBuilding ?? this.h.settings().whileBuilding) === 'base') {
      o.notice(`${name} is building (${st.building?.step ?? 'starting'}); this run uses ${profile.image} as it is`);
      return undefined;
    }
    o.notice(`waiting for ${name} to build (${plan.summary}; now: ${st.building?.step ?? 'starting'})`);
    let b = st.building!;
    let out = await abortable(b.done, o.signal);
    // Replaced by a newer plan (a manifest saved meanwhile), not cancelled: the run waits for the one that counts.
    while (out.status === 'cancelled' && st.building && st.building !== b) {
      b = st.building;
      o.notice(`the project's packages changed meanwhile; waiting for the new build (${b.plan.summary})`);
      out = await abortable(b.done, o.signal);
    }
    if (out.status === 'cancelled') o.notice(`the build of ${name} was cancelled; this run uses ${profile.image} as it is`);
    else if (out.status !== 'built') this.tell(st, o.notice);
    return this.use(st);
  }

  /**
   * The image a project's set can warm on now, without building anything: the profile's own when there is nothing to
   * install, the environment when it is built; undefined when it is not (its first run builds it, with progress).
   */
  async readyImage(root: string, profile: Profile): Promise<{ image?: string } | undefined> {
    const st = this.state(root, profile);
    const p = await this.plan(st).catch(() => ({ error: 'unreadable' }) as Planned);
    if (p.error) return undefined;
    if (!p.plan) return {};
    if (st.current?.hash === p.plan.hash) return { image: st.current.tag };
    return (await this.exists(p.plan.tag)) ? { image: p.plan.tag } : undefined;
  }

  /** warmbox.json's `preload` for a profile (the zero-start issue imports them before a run arrives); [] when broken. */
  preloadFor(root: string, profile: string): string[] {
    try {
      return readProjectFile(root).profiles[profile]?.preload ?? [];
    } catch {
      return [];
    }
  }

  /** warmbox.json's profiles the daemon does not have, said (undefined: none, or no readable file). */
  unknownProfiles(root: string): string | undefined {
    try {
      return unknownProfilesMessage(readProjectFile(root), this.h.profileNames());
    } catch {
      return undefined; // a broken file is told as such
    }
  }

  private tellUnknownProfiles(root: string, notice: (m: string) => void): void {
    const m = this.unknownProfiles(root);
    if (m === this.toldUnknown.get(root)) return;
    if (m) this.toldUnknown.set(root, m);
    else this.toldUnknown.delete(root);
    if (m) notice(m);
  }

  /** Builds (or finds built) the environments of a project, for `warmbox env build` and Rebuild. */
  async build(root: string, profiles: Profile[], o: { noCache?: boolean } = {}): Promise<EnvBuildOutcome[]> {
    const out: EnvBuildOutcome[] = [];
    for (const profile of profiles) {
      const t0 = Date.now();
      const st = this.state(root, profile);
      st.dirty = true;
      const p = await this.plan(st);
      if (p.error) {
        out.push({ profile: profile.name, status: 'failed', message: p.error, durationMs: Date.now() - t0 });
        continue;
      }
      if (!p.plan) {
        out.push({ profile: profile.name, status: 'nothing', durationMs: Date.now() - t0 });
        continue;
      }
      const plan = p.plan;
      if (!o.noCache && st.building?.plan.hash !== plan.hash && (await this.exists(plan.tag))) {
        st.current = { tag: plan.tag, hash: plan.hash };
        st.failed = undefined;
        out.push({ profile: profile.name, status: 'cached', image: plan.tag, summary: plan.summary, durationMs: Date.now() - t0 });
        continue;
      }
      // Asked for (warmbox env build, Rebuild): a retry, so a failure again is news again (a network that was down).
      if (st.failed?.key === plan.hash) st.failed = undefined;
      if (st.building?.plan.hash !== plan.hash || o.noCache) this.startBuild(st, plan, o.noCache);
      const r = await st.building!.done;
      if (r.status === 'failed' && st.failed) st.failed.told = true; // the caller shows it
      out.push({ ...r, durationMs: Date.now() - t0 });
    }
    return out;
  }

  cancel(root: string, profile: string): boolean {
    const st = this.states.get(key(root, profile));
    if (!st?.building) return false;
    st.building.abort.abort();
    return true;
  }

  /** Environment images on the engine, most recently used first. */
  async list(): Promise<EnvInfo[]> {
    const [images, containers] = await Promise.all([
      this.h.docker.listImages({ filters: { label: [`${ENV_LABEL.env}=true`] } }),
      this.h.docker.listContainers({ all: true }),
    ]);
    const current = new Set([...this.states.values()].flatMap((s) => (s.current ? [s.current.tag] : [])));
    const live = this.h.imagesInUse();
    const usedIds = new Set(containers.map((c) => c.ImageID));
    const usedNames = new Set(containers.map((c) => c.Image));
    const out: EnvInfo[] = [];
    for (const img of images) {
      const tag = (img.RepoTags ?? []).find((t) => t.startsWith(`${ENV_REPO}-`));
      if (!tag) continue;
      const u = this.usage.get(tag);
      const labels = img.Labels ?? {};
      out.push({
        image: tag,
        id: img.Id,
        profile: labels[ENV_LABEL.profile] ?? '?',
        project: u?.project ?? (labels[ENV_LABEL.project] || undefined),
        base: labels[ENV_LABEL.base],
        sizeBytes: img.Size,
        createdAt: img.Created * 1000,
        lastUsedAt: u?.lastUsedAt,
        inUse: current.has(tag) || live.has(tag) || usedIds.has(img.Id) || usedNames.has(tag),
      });
    }
    return out.sort((a, b) => (b.lastUsedAt ?? b.createdAt) - (a.lastUsedAt ?? a.createdAt));
  }

  /** Removes one environment image; one in use is refused with who uses it. */
  async remove(image: string): Promise<void> {
    const e = (await this.list()).find((x) => x.image === image || x.image === `${image}:latest` || x.id === image);
    if (!e) throw new Error(`no warmbox environment image ${image} (see warmbox env ls)`);
    if (e.inUse) throw new Error(`${e.image} is in use${e.project ? ` by ${e.project}` : ''}: its runs and warm sandboxes need it`);
    await this.h.docker.getImage(e.image).remove();
    this.usage.forget(e.image);
    this.h.log.info(`environment ${e.image} removed`);
  }

  /** Keeps the `keep` most recently used unused images (of one project, with `project`); never touches one in use. */
  async prune(keep = this.h.settings().keepUnused, project?: string): Promise<EnvPruneResult> {
    const all = (await this.list()).filter((e) => !project || e.project === project);
    const unused = all.filter((e) => !e.inUse);
    const removed: string[] = [];
    for (const e of unused.slice(keep)) {
      try {
        await this.h.docker.getImage(e.image).remove();
        this.usage.forget(e.image);
        removed.push(e.image);
      } catch (err) {
        this.h.log.warn(`prune: ${e.image} stays: ${(err as Error).message}`);
      }
    }
    if (removed.length) this.h.log.info(`pruned ${removed.length} unused environment image(s): ${removed.join(', ')}`);
    return { removed, kept: all.map((e) => e.image).filter((i) => !removed.includes(i)) };
  }

  close(): void {
    this.closed = true;
    for (const st of this.states.values()) st.building?.abort.abort();
    for (const w of this.watchers.values()) {
      w.watcher?.close();
      if (w.timer) clearTimeout(w.timer);
    }
    this.watchers.clear();
    this.usage.flush();
  }

  private state(root: string, profile: Profile): EnvState {
    const k = key(root, profile.name);
    let st = this.states.get(k);
    if (!st) {
      st = { root, profile, dirty: true };
      this.states.set(k, st);
      this.watch(root);
    } else if (st.profile.image !== profile.image) {
      st.profile = profile;
      st.dirty = true;
    }
    return st;
  }

  private use(st: EnvState): string | undefined {
    if (st.current) this.usage.touch(st.current.tag, st.root);
    return st.current?.tag;
  }

  /** What the project asks for now (cached until a manifest changes or PLAN_TTL_MS passes). */
  private async plan(st: EnvState): Promise<Planned> {
    this.rewatchIfReplaced(st.root);
    if (st.planned && !st.dirty && Date.now() - st.planned.at < PLAN_TTL_MS) return st.planned;
    st.dirty = false;
    const at = Date.now();
    let planned: Planned;
    try {
      const req = detect(st.root, st.profile, readProjectFile(st.root));
      if (!req) planned = { at };
      else {
        const base = await this.h.docker.getImage(st.profile.image).inspect().catch(() => undefined);
        // A missing base image: the pool says how to build it; nothing to plan on.
        planned = base ? { plan: planEnvironment(st.profile.name, { name: st.profile.image, id: base.Id }, req, caBundle(), st.root), at } : { at };
      }
    } catch (e) {
      if (!(e instanceof ProjectFileError || e instanceof ManifestError)) throw e;
      planned = { error: `${st.profile.name} environment of ${projectLabel(st.root)}: ${e.message}`, at };
    }
    st.planned = planned;
    return planned;
  }

  /** Records a failure and tells every client, once per change (the same failure again is not news). */
  private fail(st: EnvState, failKey: string, message: string, build?: { image: string; logPath: string }): void {
    if (st.failed?.key === failKey) return;
    st.failed = { key: failKey, message, told: false, build: !!build };
    this.h.progress({ root: st.root, profile: st.profile.name, image: '', ...build, state: 'failed', message });
  }

  /** A failure is told to one run, once per change; every client hears it once through env/progress. */
  private tell(st: EnvState, notice: (m: string) => void): void {
    if (!st.failed || st.failed.told) return;
    st.failed.told = true;
    const uses = st.current ? `this run uses the previous environment ${st.current.tag}` : `this run uses ${st.profile.image} as it is`;
    // A failed build is not tried again by runs (each would wait for it): a changed manifest or an asked-for build is.
    const retry = st.failed.build ? `; a change to the manifests builds it again, and so does \`warmbox env build ${st.root}\` (VS Code: Retry on the failure's notification)` : '';
    notice(`${st.failed.message}\n${uses}${retry}`);
  }

  /**
   * An environment removed behind the daemon's back (`docker image prune -a`, `docker rmi`, another daemon's prune)
   * is built again, not handed to the pool to fail. Looked at only while no warm set runs on it: the engine does not
   * remove an image its containers use, and a run on a warm sandbox pays nothing.
   */
  private async stillThere(st: EnvState): Promise<void> {
    const cur = st.current;
    if (!cur || this.h.imagesInUse().has(cur.tag) || (await this.exists(cur.tag))) return;
    if (st.current !== cur) return;
    this.h.log.warn(`environment ${cur.tag} of ${st.profile.name}@${projectLabel(st.root)} is gone from the engine (removed outside warmbox); building it again`);
    st.current = undefined;
  }

  private async exists(tag: string): Promise<boolean> {
    return this.h.docker
      .getImage(tag)
      .inspect()
      .then(() => true)
      .catch(() => false);
  }

  private startBuild(st: EnvState, plan: EnvPlan, noCache = false): void {
    if (st.building) st.building.abort.abort(); // an older plan: the newer one wins
    const abort = new AbortController();
    const s = this.h.settings();
    const logPath = path.join(this.logDir, `${plan.tag.replace(/[/:]/g, '_')}.log`);
    const logFile = fs.createWriteStream(logPath, { mode: 0o600 });
    logFile.on('error', () => undefined);
    const base = { root: st.root, profile: st.profile.name, image: plan.tag, logPath };
    const t0 = Date.now();
    const buildArgs: Record<string, string> = {};
    for (const a of BUILD_ARGS) if (process.env[a]) buildArgs[a] = process.env[a]!;
    this.h.log.info(`environment ${plan.tag} for ${st.profile.name}@${projectLabel(st.root)}: building (${plan.summary}; network ${s.buildNetwork ?? 'default'})`);
    this.h.progress({ ...base, state: 'building', summary: plan.summary, steps: plan.steps.length });
    let lastLineAt = 0;
    const b: Build = {
      plan,
      abort,
      step: 'starting',
      done: Promise.resolve({ profile: st.profile.name, status: 'failed', durationMs: 0 } as EnvBuildOutcome),
    };
    b.done = buildImage(this.h.docker, plan, {
      network: s.buildNetwork,
      buildArgs,
      noCache,
      signal: abort.signal,
      timeoutMs: s.buildTimeoutMs,
      onLog: (l) => logFile.write(l + '\n'),
      onProgress: (p) => {
        b.step = `step ${p.step}/${p.steps}: ${p.label}`;
        if (p.line === undefined) return this.h.progress({ ...base, state: 'step', step: p.step, steps: p.steps, label: p.label });
        const now = Date.now();
        if (now - lastLineAt < LINE_EVERY_MS) return;
        lastLineAt = now;
        this.h.progress({ ...base, state: 'line', step: p.step, steps: p.steps, label: p.label, line: p.line.slice(0, 300) });
      },
    }).then(
      async (): Promise<EnvBuildOutcome> => {
        const ms = Date.now() - t0;
        // Runs keep the current environment until the new one's set has a warm sandbox.
        if (st.current && this.h.warm) await this.h.warm(st.root, st.profile, plan.tag).catch(() => undefined);
        st.current = { tag: plan.tag, hash: plan.hash };
        st.failed = undefined;
        this.usage.touch(plan.tag, st.root);
        this.h.log.info(`environment ${plan.tag} built in ${(ms / 1000).toFixed(1)} s`);
        this.h.progress({ ...base, state: 'built', summary: plan.summary, message: `built in ${(ms / 1000).toFixed(1)} s` });
        if (!this.closed) void this.prune().catch((e: Error) => this.h.log.warn(`prune after a build: ${e.message}`));
        return { profile: st.profile.name, status: 'built', image: plan.tag, summary: plan.summary, durationMs: ms };
      },
      (e: Error): EnvBuildOutcome => {
        const ms = Date.now() - t0;
        if (e instanceof BuildCancelled) {
          const replaced = st.building !== b;
          this.h.log.info(`environment ${plan.tag}: build ${replaced ? 'replaced by a newer plan' : 'cancelled'} after ${(ms / 1000).toFixed(1)} s`);
          // A replaced build's end is not news: the newer one's progress is on screen (and would be closed by it).
          if (!replaced) this.h.progress({ ...base, state: 'cancelled', message: e.message });
          return { profile: st.profile.name, status: 'cancelled', image: plan.tag, message: e.message, durationMs: ms };
        }
        const lines = e instanceof BuildFailed && e.lastLines.length ? `\n${e.lastLines.map((l) => `  ${l}`).join('\n')}` : '';
        const message = `the ${st.profile.name} environment of ${projectLabel(st.root)} failed to build: ${e.message}${lines}`;
        this.h.log.warn(`environment ${plan.tag}: ${e.message} (after ${(ms / 1000).toFixed(1)} s; log ${logPath})`);
        this.fail(st, plan.hash, message, { image: plan.tag, logPath });
        return { profile: st.profile.name, status: 'failed', image: plan.tag, message, durationMs: ms };
      },
    );
    void b.done.finally(() => {
      if (st.building === b) st.building = undefined;
      logFile.end();
    });
    st.building = b;
  }

  /** Manifests live at the root: a watch of the root folder alone sees their changes (and is cheap). */
  private watch(root: string): void {
    if (this.watchers.has(root)) return;
    const entry: Watch = { ino: fs.statSync(root, { throwIfNoEntry: false })?.ino };
    this.watchers.set(root, entry);
    try {
      entry.watcher = fs.watch(root, (_ev, name) => {
        if (name && !MANIFESTS.includes(name.toString())) return;
        if (entry.timer) clearTimeout(entry.timer);
        entry.timer = setTimeout(() => void this.changed(root), REBUILD_DEBOUNCE_MS);
        entry.timer.unref();
      });
      entry.watcher.on('error', () => this.unwatch(root, entry));
    } catch {
      /* no watcher: plans are read again after PLAN_TTL_MS */
    }
  }

  /**
   * A watch follows the folder it was set on: once the root is removed and made again (`rm -rf` and a new clone, a
   * tool that replaces the folder) or moved away, it sees nothing more, and saves would never rebuild. Looked at on
   * each plan: a root that is not the folder watched is watched again, and everything about it is read afresh.
   */
  private rewatchIfReplaced(root: string): void {
    const w = this.watchers.get(root);
    if (w && fs.statSync(root, { throwIfNoEntry: false })?.ino === w.ino) return;
    if (w) {
      this.h.log.info(`${projectLabel(root)}: the project folder was replaced; watching the new one`);
      this.unwatch(root, w);
    }
    this.watch(root); // (and one that ended on an error is set again)
  }

  private unwatch(root: string, w: Watch): void {
    w.watcher?.close();
    if (w.timer) clearTimeout(w.timer);
    if (this.watchers.get(root) === w) this.watchers.delete(root);
    for (const st of this.states.values()) if (st.root === root) st.dirty = true;
  }

  /** A manifest changed: rebuild what it changes; runs keep the current environment until the new one is built. */
  private async changed(root: string): Promise<void> {
    if (this.closed) return;
    for (const st of this.states.values()) {
      if (st.root !== root) continue;
      st.dirty = true;
      try {
        const p = await this.plan(st);
        if (p.error) {
          this.fail(st, p.error, p.error);
          continue;
        }
        if (!p.plan || p.plan.hash === st.current?.hash || p.plan.hash === st.building?.plan.hash || p.plan.hash === st.failed?.key) continue;
        this.h.log.info(`${st.profile.name}@${projectLabel(root)}: a manifest changed; rebuilding`);
        if (await this.exists(p.plan.tag)) st.current = { tag: p.plan.tag, hash: p.plan.hash };
        else this.startBuild(st, p.plan);
      } catch (e) {
        this.h.log.warn(`environment check of ${root}: ${(e as Error).message}`);
      }
    }
  }
}

function key(root: string, profile: string): string {
  return `${root}\0${profile}`;
}

/** The user's CA bundles (those their tools are told about), for installers behind a TLS-inspecting proxy. */
function caBundle(env: NodeJS.ProcessEnv = process.env): Buffer {
  const files = [...new Set(['npm_config_cafile', 'PIP_CERT', 'SSL_CERT_FILE', 'REQUESTS_CA_BUNDLE', 'NODE_EXTRA_CA_CERTS'].map((k) => env[k]).filter((f): f is string => !!f))];
  const parts: Buffer[] = [];
  for (const f of files) {
    try {
      parts.push(fs.readFileSync(f), Buffer.from('\n'));
    } catch {
      /* a variable naming a missing file: the installer would fail the same way without us */
    }
  }
  return Buffer.concat(parts);
}

function abortable<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new BuildCancelled('cancelled'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new BuildCancelled('cancelled while waiting for the environment'));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
