// Asking an endpoint who it is: Docker or Podman, which version, which runtimes it has registered.
import type Docker from 'dockerode';

export type EngineKind = 'docker' | 'podman';

export interface EngineFacts {
  kind: EngineKind;
  version: string;
  apiVersion?: string;
  /** OCI runtimes the engine knows by name (runc, runsc, crun, …), when it says. */
  runtimes?: string[];
  /** cgroup version, when the engine says (Podman's pids limit needs cgroup v2 or a pids controller). */
  cgroupVersion?: string;
  rootless?: boolean;
}

interface VersionAnswer {
  Version?: string;
  ApiVersion?: string;
  Platform?: { Name?: string };
  Components?: Array<{ Name?: string; Version?: string }>;
}

/** Podman says so in the version API: a component "Podman Engine" and a platform name with "Podman". */
export function kindOf(v: VersionAnswer): EngineKind {
  const names = [v.Platform?.Name ?? '', ...(v.Components ?? []).map((c) => c.Name ?? '')];
  return names.some((n) => /podman/i.test(n)) ? 'podman' : 'docker';
}

/** Resolves with the engine's facts or rejects with the connection's error, within `timeoutMs`. */
export async function probe(docker: Docker, timeoutMs: number): Promise<EngineFacts> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`no answer within ${timeoutMs / 1000} s`), { code: 'ETIMEDOUT' })), timeoutMs);
  });
  try {
    const v = (await Promise.race([docker.version(), late])) as VersionAnswer;
    const facts: EngineFacts = { kind: kindOf(v), version: v.Version ?? '?', apiVersion: v.ApiVersion };
    try {
      const info = (await Promise.race([docker.info(), late])) as { Runtimes?: Record<string, unknown>; CgroupVersion?: string; SecurityOptions?: string[]; Rootless?: boolean };
      if (info.Runtimes) facts.runtimes = Object.keys(info.Runtimes);
      facts.cgroupVersion = info.CgroupVersion;
      // Docker says so in its security options, Podman in a field of its own.
      facts.rootless = info.Rootless === true || (info.SecurityOptions ?? []).some((o) => o.includes('rootless'));
    } catch {
      /* the version answered: the engine is there; info is a nicety */
    }
    return facts;
  } finally {
    clearTimeout(timer);
  }
}
