// Where engines differ in what a sandbox's HostConfig needs. Docker's is the reference (sandbox.ts `hostConfig`).
import type Docker from 'dockerode';
import type { EngineKind } from './probe';

/**
 * Podman (rootful) raises RLIMIT_NPROC to its own maximum in every container, which a container without
 * CAP_SYS_RESOURCE may not do ("error setting rlimit type 6: operation not permitted"). Give it a value under any
 * host's hard limit: the sandbox's pids limit. The program runs as a uid of its sandbox's own, so the per-uid count
 * is the sandbox's processes: the same bound as PidsLimit (which Podman on cgroup v1 may not enforce), and PID 1
 * (root, exempt from RLIMIT_NPROC) is not affected.
 */
export function adaptHostConfig(kind: EngineKind | undefined, hc: Docker.HostConfig): Docker.HostConfig {
  if (kind !== 'podman') return hc;
  const pids = hc.PidsLimit && hc.PidsLimit > 0 ? hc.PidsLimit : 1024;
  const ulimits = (hc.Ulimits ?? []).filter((u) => u.Name !== 'nproc');
  return { ...hc, Ulimits: [...ulimits, { Name: 'nproc', Soft: pids, Hard: pids }] };
}
