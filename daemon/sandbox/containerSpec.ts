// What a sandbox container is made of: its labels and the engine's HostConfig with warmbox's hardening.
import type Docker from 'dockerode';
import { BUILD_DIR, PRIVATE_DIR } from '../armScript';
import type { Profile } from '../profiles';

export const LABEL = {
  managed: 'dev.warmbox.managed',
  instance: 'dev.warmbox.instance',
  scope: 'dev.warmbox.scope',
  profile: 'dev.warmbox.profile',
  isolation: 'dev.warmbox.isolation',
} as const;

/**
 * Docker's HostConfig for a sandbox: the hardening defaults, loosened only by the profile's limits.
 * PID 1 is root in the container with four capabilities (SETUID/SETGID to drop to the program's uid, KILL to end
 * the program's processes, CHOWN to give it /work); the program itself has none (see armScript.ts).
 */
export function hostConfig(profile: Profile): Docker.HostConfig {
  const l = profile.limits;
  const mem = Math.round(l.memoryMb * 1024 * 1024);
  return {
    AutoRemove: true,
    ...(profile.runtime ? { Runtime: profile.runtime } : {}),
    NetworkMode: l.network ? 'default' : 'none',
    ReadonlyRootfs: true,
    Tmpfs: {
      '/work': `rw,nosuid,nodev,exec,size=${l.workspaceMb}m,mode=0700`,
      '/tmp': `rw,nosuid,nodev,noexec,size=${l.workspaceMb}m,mode=1777`,
      [PRIVATE_DIR]: 'rw,nosuid,nodev,noexec,size=64k,mode=0711',
      // Build outputs must execute (/tmp may not): a tmpfs of their own, the program's uid's (PID 1 chowns it), off
      // the read-only root. Only profiles with a build step get it; its pages count against the memory limit.
      ...(profile.compile ? { [BUILD_DIR]: `rw,nosuid,nodev,exec,size=${Math.max(l.workspaceMb, 512)}m,mode=0700` } : {}),
    },
    CapDrop: ['ALL'],
    CapAdd: ['SETUID', 'SETGID', 'KILL', 'CHOWN'],
    SecurityOpt: ['no-new-privileges:true'],
    // Output reaches the daemon through attach only: nothing a program prints is written to the host's disk.
    LogConfig: { Type: 'none', Config: {} },
    PidsLimit: l.pids,
    Memory: mem,
    MemorySwap: mem,
    NanoCpus: Math.round(l.cpus * 1e9),
    ShmSize: 16 * 1024 * 1024,
    IpcMode: 'private',
    OomScoreAdj: 500,
    Ulimits: [
      { Name: 'nofile', Soft: 1024, Hard: 1024 },
      { Name: 'core', Soft: 0, Hard: 0 },
    ],
  };
}

