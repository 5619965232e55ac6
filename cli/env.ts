// `warmbox env ls | build [DIR] | prune | rm IMAGE`: the project environments' image cache, from a terminal.
import fs = require('fs');
import path = require('path');
import type { DaemonClient } from '../daemon/client';
import { EnvBuildResult, EnvInfo, EnvProgressNotification, EnvPruneResult, Methods, Notifications } from '../daemon/protocol';
import { findProjectRoot } from '../daemon/workspace/root';
import { CliUsageError, parseArgs } from './args';
import { formatAge } from './format';
import { stderr } from './stdio';

export const ENV_HELP = `  warmbox env ls [--json]         environment images: size, age, last use, project, in use
  warmbox env build [DIR] [--profile NAME] [--no-cache] [--json]
                                  build DIR's environments now (DIR: the project of the
                                  current folder); steps on stderr
  warmbox env prune [--keep N] [--project DIR]
                                  remove unused environment images but the N last used (5)
  warmbox env rm IMAGE            remove one unused environment image`;

/** Prints a build's steps on stderr as they come (the installer's lines only with `lines`). */
export function showProgress(client: DaemonClient, root: string, lines = false): () => void {
  const on = (method: string, params: unknown) => {
    if (method !== Notifications.envProgress) return;
    const n = params as EnvProgressNotification;
    if (n.root !== root) return;
    const who = `warmbox: [${n.profile} environment]`;
    if (n.state === 'building') stderr().write(`${who} building ${n.image} (${n.summary})\n`);
    else if (n.state === 'step') stderr().write(`${who} step ${n.step}/${n.steps}: ${n.label}\n`);
    else if (n.state === 'line' && lines) stderr().write(`${who}   ${n.line}\n`);
    else if (n.state === 'built') stderr().write(`${who} ${n.image} ${n.message ?? 'built'}\n`);
    else if (n.state === 'cancelled') stderr().write(`${who} cancelled\n`);
  };
  client.on('notification', on);
  return () => client.off('notification', on);
}

function mb(n: number): string {
  return `${Math.round(n / 1e6)} MB`;
}

export async function cmdEnv(argv: string[], client: () => Promise<DaemonClient>): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'ls') {
    const a = parseArgs(rest, { flags: ['json'], options: [] });
    const c = await client();
    const list = await c.request(Methods.envList);
    c.close();
    if (a.flags.json) {
      process.stdout.write(JSON.stringify(list, null, 2) + '\n');
      return 0;
    }
    if (!list.length) {
      process.stdout.write('no environment images (a project with a manifest or warmbox.json gets one on its first run)\n');
      return 0;
    }
    const now = Date.now();
    const rows = [['IMAGE', 'PROFILE', 'SIZE', 'AGE', 'LAST USED', 'IN USE', 'PROJECT']];
    for (const e of list) rows.push([e.image, e.profile, mb(e.sizeBytes), formatAge(now - e.createdAt), e.lastUsedAt ? `${formatAge(now - e.lastUsedAt)} ago` : '-', e.inUse ? 'yes' : 'no', e.project ?? '-']);
    const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
    process.stdout.write(rows.map((r) => r.map((x, i) => (i === r.length - 1 ? x : x.padEnd(widths[i]))).join('  ')).join('\n') + '\n');
    return 0;
  }
  if (sub === 'build') {
    const a = parseArgs(rest, { flags: ['json', 'no-cache'], options: ['profile'] });
    const dir = a.positional[0];
    // findProjectRoot takes a file: a name in the current folder makes the search start there.
    const root = dir ? path.resolve(dir) : findProjectRoot(path.join(process.cwd(), 'warmbox-env-build'));
    if (!fs.statSync(root, { throwIfNoEntry: false })?.isDirectory()) {
      stderr().write(`warmbox: ${dir} is not a folder: env build takes a project's folder (its root)\n`);
      return 2;
    }
    const c = await client();
    const stop = showProgress(c, root, true);
    const r = await c.request(Methods.envBuild, { root, profile: a.options.profile, noCache: a.flags['no-cache'] || undefined });
    stop();
    c.close();
    if (a.flags.json) process.stdout.write(JSON.stringify(r, null, 2) + '\n');
    for (const w of r.warnings ?? []) process.stderr.write(`warmbox: ${w}\n`);
    let failed = 0;
    // Thirteen profiles: one with nothing to install is named only when asked for by name.
    const byName = !!a.options.profile;
    if (!a.flags.json && !byName && r.builds.every((b) => b.status === 'nothing')) {
      process.stdout.write(`nothing to install: ${root} has no manifest or warmbox.json packages for any profile\n`);
    }
    for (const b of r.builds) {
      if (b.status === 'failed') failed++;
      if (a.flags.json || (b.status === 'nothing' && !byName)) continue;
      if (b.status === 'nothing') process.stdout.write(`${b.profile}: nothing to install\n`);
      else if (b.status === 'failed') stderr().write(`warmbox: ${b.message}\n`);
      else process.stdout.write(`${b.profile}: ${b.image} ${b.status}${b.status === 'built' ? ` in ${(b.durationMs / 1000).toFixed(1)} s` : ''} (${b.summary ?? ''})\n`);
    }
    return failed ? 1 : 0;
  }
  if (sub === 'prune') {
    const a = parseArgs(rest, { flags: ['json'], options: ['keep', 'project'] });
    const keep = a.options.keep === undefined ? undefined : Number(a.options.keep);
    if (keep !== undefined && !(Number.isInteger(keep) && keep >= 0)) throw new CliUsageError('--keep takes a count (0 or more)');
    const c = await client();
    const r = await c.request(Methods.envPrune, { keep, project: a.options.project ? path.resolve(a.options.project) : undefined });
    c.close();
    if (a.flags.json) process.stdout.write(JSON.stringify(r, null, 2) + '\n');
    else process.stdout.write(r.removed.length ? `removed ${r.removed.join(', ')}; ${r.kept.length} kept\n` : `nothing to remove; ${r.kept.length} kept\n`);
    return 0;
  }
  if (sub === 'rm') {
    const image = rest[0];
    if (!image) throw new CliUsageError('env rm needs an IMAGE (see warmbox env ls)');
    const c = await client();
    await c.request(Methods.envRemove, { image });
    c.close();
    process.stdout.write(`removed ${image}\n`);
    return 0;
  }
  throw new CliUsageError('env takes ls, build, prune or rm');
}
