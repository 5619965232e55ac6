// What to tell a person when an engine does not answer: what was tried, why each failed, and the likeliest fix.
import * as fs from 'fs';
import { describe, Endpoint, parseHost } from './endpoint';

export interface Attempt {
  endpoint: Endpoint;
  /** Why it failed, short: "no such socket", "connection refused", "permission denied", an ssh message, … */
  why: string;
}

/** A connection error in a few words. */
export function shortReason(err: unknown): string {
  const e = err as { code?: string; message?: string };
  switch (e?.code) {
    case 'ENOENT':
      return 'no such socket';
    case 'ECONNREFUSED':
      return /^ssh:/.test(e.message ?? '') ? e.message! : 'connection refused (nothing listens there)';
    case 'EACCES':
      return 'permission denied';
    case 'ETIMEDOUT':
      return e.message ?? 'timed out';
    default:
      return (e?.message ?? String(err)).split('\n')[0].slice(0, 200);
  }
}

/** The sentence most likely to bring this endpoint up (ends with "try again."). */
export function startHint(ep: Endpoint, why = '', platform = process.platform): string {
  let p;
  try {
    p = parseHost(ep.host);
  } catch {
    return 'Fix the Docker host setting and try again.';
  }
  if (/permission denied/.test(why)) {
    return p.path?.includes('podman') ? "Check the socket's permissions and try again." : 'Add yourself to the docker group (`sudo usermod -aG docker $USER`, then log in again) and try again.';
  }
  if (p.transport === 'ssh') return `Check that \`ssh ${p.user ? `${p.user}@` : ''}${p.hostname} docker version\` works in a terminal (host key known, key in your agent) and try again.`;
  if (p.transport === 'tcp') return `Check that the engine listens at ${ep.host}${ep.tls ? ' and that the TLS certificates match it' : ''}, and try again.`;
  const where = p.path ?? '';
  let how = 'e.g. `sudo systemctl start docker`, or open Docker Desktop';
  if (where.includes('.colima')) how = '`colima start`';
  else if (where.includes('.rd/')) how = 'open Rancher Desktop';
  else if (where.includes('.orbstack')) how = 'open OrbStack';
  else if (where.includes('podman')) how = where.startsWith('/run/podman') ? '`sudo systemctl start podman.socket`' : '`systemctl --user start podman.socket`';
  else if (where.includes('/.docker/') || platform === 'darwin' || platform === 'win32') how = 'open Docker Desktop';
  else if (/\/run\/user\/\d+\/docker\.sock$/.test(where)) how = '`systemctl --user start docker` for rootless Docker';
  return `Start it (${how}) and try again.`;
}

/** Among failed defaults, the fix for the engine that seems installed; else what to install or start. */
export function likeliestFix(attempts: Attempt[], platform = process.platform, exists = fs.existsSync): string {
  const perm = attempts.find((a) => a.why === 'permission denied');
  if (perm) return startHint(perm.endpoint, perm.why, platform);
  const present = attempts.find((a) => a.why !== 'no such socket');
  if (present) return startHint(present.endpoint, present.why, platform);
  if (platform === 'darwin') return 'Start Docker Desktop, `colima start` or `podman machine start` (or pick a context: `docker context use NAME`) and try again.';
  if (platform === 'win32') return 'Start Docker Desktop or `podman machine start` (or pick a context: `docker context use NAME`) and try again.';
  if (exists('/usr/bin/dockerd') || exists('/usr/sbin/dockerd')) return 'Start Docker (`sudo systemctl start docker`) and try again.';
  if (exists('/usr/bin/podman')) return 'Start Podman\'s socket (`systemctl --user start podman.socket`) and try again.';
  return 'Install Docker (`sudo apt-get install docker.io` on Debian/Ubuntu; `npm run demo` offers to) or Podman, or point `warmbox.dockerHost` or a Docker context at an engine, and try again.';
}

/** The full message when no engine answered. */
export function noEngineMessage(attempts: Attempt[], chosen: boolean, platform = process.platform): string {
  if (chosen && attempts.length === 1) {
    const a = attempts[0];
    return `Docker is not reachable at ${describe(a.endpoint)} (${a.endpoint.source}: ${a.why}). ${startHint(a.endpoint, a.why, platform)}`;
  }
  const lines = attempts.map((a) => `  ${describe(a.endpoint)} (${a.endpoint.source}): ${a.why}`);
  return `No Docker Engine answered. Tried:\n${lines.join('\n')}\n${likeliestFix(attempts, platform)}`;
}
