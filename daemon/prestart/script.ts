// PID 1's part for pre-started interpreters (see armScript.ts for the rest of the protocol).
//
// At arming, and after each reuse wipe, PID 1 starts the profile's interpreter as the sandbox's uid with a launcher
// (python.ts, node.ts) that preloads modules and blocks on fd 5: PID 1's private channel `/run/warmbox/go`, a FIFO
// owned by root with mode 0600 in root's 0711 tmpfs that only PID 1 opens (read-write, so neither end blocks on
// open) and hands to the interpreter, which closes it before the program runs. The program can neither open it nor
// find it open, so only PID 1 says which file runs with which arguments. When the run comes and asks nothing a
// running interpreter cannot give (a working directory other than /work, run-specific variables: PYTHON*, NODE_OPTIONS
// and the like are read at start-up), PID 1 writes the spec there and waits for the interpreter as it would wait for
// a plain start, under the same backstop; otherwise it kills the idle interpreter and starts the program plainly.
// Either way everything is killed after the run, as before. A run that asks for its streams merged (stderr into
// stdout, in the order written) has Python's launcher point fd 2 at fd 1 before the program starts; Node's such
// runs start plainly (see sameStreams).
import { PRIVATE_DIR, shQuote } from '../armScript';
import { NODE_LAUNCHER } from './node';
import { PYTHON_LAUNCHER } from './python';

export type PrestartKind = 'python' | 'node';

export interface PrestartOptions {
  kind: PrestartKind;
  /** Modules the interpreter imports before the run arrives. */
  preload: string[];
}

// (Functions, not constants: armScript.ts imports this module and this one imports armScript's names.)
const go = () => `${PRIVATE_DIR}/go`;
/** Node's main-module argument at start-up: never loaded (the launcher hands Node the program's path instead). */
const placeholder = () => `${PRIVATE_DIR}/main`;

/** Which launcher a profile's command can use: a python or node interpreter with `{file}` last; else none. */
export function prestartKind(command: string[]): PrestartKind | undefined {
  if (command.length < 2 || command[command.length - 1] !== '{file}') return undefined;
  const base = command[0].replace(/^.*\//, '');
  if (/^python3(\.\d+)?$/.test(base)) return 'python';
  if (base === 'node' || base === 'nodejs') return 'node';
  return undefined;
}

/**
 * Arming: the launcher's file, the channel, the stdin FIFO readable by the sandbox's gid (the pre-started
 * interpreter opens its own stdin when the run comes), and `pstart`, which starts an interpreter (pid in $ip). `drop` is the
 * command prefix that drops to the sandbox's uid; `uid` its uid. Runs after the stdin FIFO exists and fd 4 is set.
 */
export function prestartArm(p: PrestartOptions, command: string[], drop: string, uid: number): string {
  const file = `${PRIVATE_DIR}/prestart.${p.kind === 'python' ? 'py' : 'js'}`;
  // Python points its fd 2 at fd 1 for a merged run (os.dup2). Node has no dup2 and cannot reopen the engine's pipe
  // as the sandbox's uid: its interpreter starts with fd 2 as the set's runs lately wanted it (WBPROJ's streams:
  // VS Code's runs are merged), and a run that wants the other starts plainly.
  const node = p.kind === 'node';
  const sameStreams = node ? ' && [ "$eo" = "$ieo" ]' : '';
  const opts = command.slice(1, -1).map(shQuote);
  const preload = p.preload.map(shQuote);
  const argv = p.kind === 'python' ? [...opts, file, ...preload] : [...opts, '-r', file, placeholder(), ...preload];
  const src = p.kind === 'python' ? PYTHON_LAUNCHER : NODE_LAUNCHER;
  return `# Pre-started interpreters (daemon/prestart/script.ts).
# The stdin FIFO: written by the root relay (owner), read by the sandbox's gid (the interpreter opens it itself).
$bb chown 0:${uid} ${PRIVATE_DIR}/in && $bb chmod 0640 ${PRIVATE_DIR}/in || exit 94
printf '%s' ${shQuote(src)} > ${file} && $bb chmod 0644 ${file} && $bb mkfifo -m 600 ${go()} || exit 94
# The channel is opened before the fork, so the interpreter holds it from its first instant: opened in the child, a
# spec written before the child got there (a reuse sandbox says ready at once) was dropped with the FIFO's last
# opener, and the interpreter waited for it until the timeout.
pstart() {
  ieo=2${node ? '; [ "$wbms" = 1 ] && ieo=1' : ''}
  exec 5<>${go()}; ${drop} "$prog" ${argv.join(' ')} < /dev/null 4<&- 2>&$ieo & ip=$!; exec 5<&-
}
# Whether the run can go to the interpreter; if not, the idle one goes.
pready() {
  [ -n "$ip" ] || return 1
  # (alive: a zombie, one that died waiting, would pass kill -0)
  st=; { read -r st < /proc/$ip/stat; } 2>/dev/null
  case "$st" in ''|*") Z "*) ;; *) [ "$cwd" = . ] && [ -z "$wbenv" ]${sameStreams} && return 0;; esac
  # (silent: the idle interpreter PID 1 ends is none of the run's business; ash would say "Killed" on its stderr)
  kill -9 "$ip" 2>/dev/null; wait "$ip" 2>/dev/null; ip=; return 1
}
# The spec, then the stdin relay and the root watchdog (the plain start's backstop) while the interpreter takes it.
prun() {
  # (an m before the count: the run asked for stderr merged into stdout)
  pm=; [ "$eo" = 1 ] && pm=m
  printf '%s\\0' "$pm$#" "$f" "$@" 1<>${go()}
  relay
  (sleep "$tmo"; kill -9 "$ip") 2>/dev/null &
  wait "$ip"; r=$?; ip=; return $r
}
pstart`;
}

/** The run step's first choice (the plain start follows as `elif`). */
export const PRESTART_RUN = 'if pready; then\n    prun "$@"\n  elif';
