// A sandbox's processes seen from the host (tests run where the engine runs): memory, and whether a program is
// blocked writing its output.
import { execFileSync } from 'child_process';
import * as fs from 'fs';

const read = (file: string): string => {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
};

export function rssMb(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(read(`/proc/${pid}/status`))?.[1] ?? NaN) / 1024;
}

export function childPids(pid: number): number[] {
  return read(`/proc/${pid}/task/${pid}/children`).trim().split(/\s+/).filter(Boolean).map(Number);
}

export function cmdline(pid: number): string {
  return read(`/proc/${pid}/cmdline`).replace(/\0/g, ' ');
}

/** Every descendant of a host pid. */
export function descendants(pid: number): number[] {
  return childPids(pid).flatMap((c) => [c, ...descendants(c)]);
}

/** The host pid of a container's PID 1. */
export function containerPid(id: string): number {
  return Number(execFileSync('docker', ['inspect', '-f', '{{.State.Pid}}', id], { encoding: 'utf8' }).trim());
}

/** Is a process of this container running `command` (by name or path) asleep in write() on a full pipe? */
export function blockedInWrite(hostPid: number, command: string): boolean {
  const named = (p: number) => (cmdline(p).split(' ')[0].split('/').pop() ?? '') === command;
  return descendants(hostPid).some((p) => named(p) && /pipe_write$/.test(read(`/proc/${p}/wchan`).trim()));
}
