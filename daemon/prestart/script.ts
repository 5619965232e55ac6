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
// stdout, in the order written) has Python's launcher point fd 2 at fd 1 before the program starts; Node's and
// Java's interpreters start with fd 2 as the set's runs lately wanted it, and a run that wants the other starts
// plainly (see sameStreams). Java's JVM is started for the sandbox's armed build only (java.ts).
import { BUILD_DIR, PRIVATE_DIR, shQuote } from '../armScript';
import { hasPlaceholder, shellArg } from '../languages/placeholders';
import { JAVA_AGENT, javaOptions, javaPrestartable } from './java';
import { NODE_LAUNCHER } from './node';
import { PYTHON_LAUNCHER } from './python';

export type PrestartKind = 'python' | 'node' | 'java';

export interface PrestartOptions {
  kind: PrestartKind;
  /** Modules the interpreter imports before the run arrives. */
  preload: string[];
}

// (Functions, not constants: armScript.ts imports this module and this one imports armScript's names.)
const go = () => `${PRIVATE_DIR}/go`;
/** Never written: the backstop waits on it with a timeout instead of starting sleep (a process, on the run's path). */
const tick = () => `${PRIVATE_DIR}/tick`;
/** Node's exit status, said by its launcher before it ends itself (see node.ts): writable by the sandbox's gid. */
const done = () => `${PRIVATE_DIR}/done`;
/** Node's main-module argument at start-up: never loaded (the launcher hands Node the program's path instead). */
const placeholder = () => `${PRIVATE_DIR}/main`;

/**
 * Which launcher a profile's command can use: a python interpreter with `{file}` last, node with `{file}` or a build
 * output (`{out}/{name}.js`: TypeScript) last, java; else none. Options before it are fixed at arming: no placeholder.
 */
export function prestartKind(command: string[]): PrestartKind | undefined {
  if (javaPrestartable(command)) return 'java';
  const last = command[command.length - 1];
  if (command.length < 2 || command.slice(1, -1).some(hasPlaceholder)) return undefined;
  const base = command[0].replace(/^.*\//, '');
  if (/^python3(\.\d+)?$/.test(base)) return last === '{file}' ? 'python' : undefined;
  if (base === 'node' || base === 'nodejs') return last === '{file}' || /^\{out\}\/[^{}]*\{name\}[^{}]*$/.test(last) ? 'node' : undefined;
  return undefined;
}

/**
 * The spec PID 1 writes: `[c][m]<argc>\0<program>\0<arg>\0...[<code>\0]`. The program is the file relative to /work
 * (`{file}`) or a build output's absolute path. Code that came in the meta line (wbin: no NUL in it) goes with it
 * when the program is `{file}`, for the interpreter to write; otherwise PID 1 writes it first.
 */
function spec(command: string[]): string {
  const last = command[command.length - 1];
  if (last !== '{file}') return `inline; printf '%s\\0' "$pm$#" ${shellArg(last)} "$@" 1<>${go()}`;
  return `if [ -n "$wbin" ]; then printf '%s\\0' "c$pm$#" "$f" "$@" "$wbcode"; else printf '%s\\0' "$pm$#" "$f" "$@"; fi 1<>${go()}`;
}

/**
 * Arming: the launcher's file, the channel, the stdin FIFO readable by the sandbox's gid (the pre-started
 * interpreter opens its own stdin when the run comes), and `pstart`, which starts an interpreter (pid in $ip). `drop` is the
 * command prefix that drops to the sandbox's uid; `uid` its uid. Runs after the stdin FIFO exists and fd 4 is set.
 */
export function prestartArm(p: PrestartOptions, command: string[], drop: string, uid: number): string {
  const java = p.kind === 'java';
  // Python points its fd 2 at fd 1 for a merged run (os.dup2). Node and Java have no dup2 and cannot reopen the
  // engine's pipe as the sandbox's uid: their interpreter starts with fd 2 as the set's runs lately wanted it
  // (WBPROJ's streams: VS Code's runs are merged), and a run that wants the other starts plainly.
  const sameStreams = p.kind === 'python' ? '' : ' && [ "$eo" = "$ieo" ]';
  // Java: only a run of the class the JVM was started for, with no arguments ($1: the run's count).
  const sameProgram = java ? ' && [ "$1" = 0 ] && [ "$wbname" = "$jname" ]' : '';
  return `# Pre-started interpreters (daemon/prestart/script.ts).
# The stdin FIFO: written by the root relay (owner), read by the sandbox's gid (the interpreter opens it itself).
$bb chown 0:${uid} ${PRIVATE_DIR}/in && $bb chmod 0640 ${PRIVATE_DIR}/in || exit 94
${java ? '' : `printf '%s' ${shQuote(p.kind === 'python' ? PYTHON_LAUNCHER : NODE_LAUNCHER)} > ${launcherFile(p.kind)} && $bb chmod 0644 ${launcherFile(p.kind)} && `}$bb mkfifo -m 600 ${go()} ${tick()} || exit 94${p.kind === 'node' ? `
$bb mkfifo -m 600 ${done()} && $bb chown 0:${uid} ${done()} && $bb chmod 0620 ${done()} || exit 94` : ''}
# The channel is opened before the fork, so the interpreter holds it from its first instant: opened in the child, a
# spec written before the child got there (a reuse sandbox says ready at once) was dropped with the FIFO's last
# opener, and the interpreter waited for it until the timeout.
pstart() {
  ieo=2${p.kind === 'python' ? '' : '; [ "$wbms" = 1 ] && ieo=1'}${speaksAtStart(p.kind)}
  ${java ? startJava(p, command, drop) : `exec 5<>${go()}; ${drop} "$prog" ${launcherArgv(p, command).join(' ')} < /dev/null 4<&- 2>&$ieo & ip=$!; exec 5<&-`}
}
# Java's stdin writer (fd 6), held until the run's relay has it: released when the JVM does not take the run.
release() { [ -z "$hold" ] || { exec 6>&-; hold=; }; }
# Whether the run can go to the interpreter; if not, the idle one goes.
pready() {
  [ -n "$ip" ] || { release; return 1; }
  # (alive: a zombie, one that died waiting, would pass kill -0; the state follows the name's last parenthesis)
  st=; { read -r -n 64 st < /proc/$ip/stat; } 2>/dev/null
  case "\${st##*) }" in ''|Z*|X*) ;; *) [ "$cwd" = . ] && [ -z "$wbenv" ]${sameStreams}${sameProgram} && return 0;; esac
  # (silent: the idle interpreter PID 1 ends is none of the run's business; ash would say "Killed" on its stderr)
  kill -9 "$ip" 2>/dev/null; wait "$ip" 2>/dev/null; ip=; release; return 1
}
# The stdin relay, then the spec, and the root backstop (the plain start's timeout) while the interpreter takes it.
# (The relay first: the interpreter's open of its stdin then finds the writer already there instead of waiting.)
prun() {
  # (flags before the count: c, the code follows the args (its file is the interpreter's to write); m, the run asked
  # for stderr merged into stdout)
  pm=; [ "$eo" = 1 ] && pm=m
  relay${p.kind === 'node' ? `
  exec 7<>${done()}` : ''}
  ${spec(command)}
  release
  (read -t "$tmo" _ 0<>${tick()}; kill -9 "$ip") 2>/dev/null &
  wait "$ip"; r=$?; ip=${p.kind === 'node' ? `
  # Node's launcher says the status its exit would have had, then ends itself with SIGINT (a death the shell does not
  # report, as it reports others like a plain start's): its own teardown (5-6 ms) is not the program's. (Only a number
  # up to 255 counts; a program could say one too, as it could exit with it.)
  if [ "$r" = 130 ]; then s=; read -r -t 0.005 s <&7; case $s in ''|*[!0-9]*) ;; *) [ "$s" -le 255 ] && r=$s;; esac; fi
  exec 7<&-` : ''}
  return $r
}
pstart`;
}

/**
 * An interpreter that would speak as it starts (for the environment's variables or the project's files) is not
 * started: at arming its words come outside a run, which ends the sandbox, and so on for each one after it. Its runs
 * start plainly and get those words as they would anyway. Only a project's sandbox ($pn: its size) has such files.
 */
function speaksAtStart(kind: PrestartKind): string {
  const user = (test: string) => `{ [ "$pn" = 0 ] || as_user $bb sh -c ${shQuote(test)}; } || return 0`;
  // The JVM: "Picked up ..." for these variables, a warning for these files in its working directory.
  if (kind === 'java') return `\n  [ -z "$JAVA_TOOL_OPTIONS$JDK_JAVA_OPTIONS$_JAVA_OPTIONS" ] && ${user('[ ! -e .hotspotrc ] && [ ! -e .hotspot_compiler ]')}`;
  // Python: these variables print as it starts; the user site (HOME is /work) runs its .pth files and *customize.
  const site = '"$HOME"/.local/lib/python3*/site-packages';
  if (kind === 'python') return `\n  [ -z "$PYTHONVERBOSE$PYTHONPROFILEIMPORTTIME$PYTHONMALLOCSTATS" ] && ${user(`for f in ${site}/*.pth ${site}/*customize*; do [ -e "$f" ] && exit 1; done; exit 0`)}`;
  // Node: NODE_DEBUG traces its start; extra CA certificates it cannot read are a warning.
  return `\n  [ -z "$NODE_DEBUG" ] && { [ -z "$NODE_EXTRA_CA_CERTS" ] || [ -r "$NODE_EXTRA_CA_CERTS" ]; } || return 0`;
}

const launcherFile = (kind: PrestartKind) => `${PRIVATE_DIR}/prestart.${kind === 'python' ? 'py' : 'js'}`;

/** Python's and Node's argv after the interpreter: the profile's options, the launcher, the preload modules. */
function launcherArgv(p: PrestartOptions, command: string[]): string[] {
  const opts = command.slice(1, -1).map(shQuote);
  const preload = p.preload.map(shQuote);
  const file = launcherFile(p.kind);
  return p.kind === 'python' ? [...opts, file, ...preload] : [...opts, '-r', file, placeholder(), ...preload];
}

/**
 * The JVM for the armed build ($jname, from WBART; none armed: no JVM), its stdin the run's FIFO: PID 1 first takes a
 * writer (fd 6) so that the open does not wait for the relay. An image without the agent (an older warmbox/java)
 * starts every program plainly.
 */
function startJava(p: PrestartOptions, command: string[], drop: string): string {
  const opts = javaOptions(command, `${BUILD_DIR}/out`).map(shQuote);
  return `[ -n "$jname" ] && [ -f ${JAVA_AGENT} ] || return 0
  exec 6<>${PRIVATE_DIR}/in; hold=1
  exec 5<>${go()}; ${drop} "$prog" ${opts.join(' ')} -javaagent:${JAVA_AGENT} "$jname" < ${PRIVATE_DIR}/in 4<&- 6<&- 2>&$ieo & ip=$!; exec 5<&-`;
}

/** The run step's first choice (the plain start follows as `elif`). */
export const PRESTART_RUN = 'if pready $#; then\n    prun "$@"\n  elif';
