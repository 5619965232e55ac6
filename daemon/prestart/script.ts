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
/** Never written: Java's backstop waits on it with a timeout instead of starting sleep (a process, on the run's path). */
const tick = () => `${PRIVATE_DIR}/tick`;
/** The exit status, said by Python's and Node's launchers as they end (see saidEnd): writable by the sandbox's gid. */
const done = () => `${PRIVATE_DIR}/done`;
/** The run's timeout and nonce, for the run's helper forked with the interpreter (root's; see helper()). */
const gate = () => `${PRIVATE_DIR}/gate`;
/** The stdin relay's release, by the run's helper (root's; see helper()). */
const rgo = () => `${PRIVATE_DIR}/rgo`;
/** The status the helper read on done, for PID 1 (root's). */
const said = () => `${PRIVATE_DIR}/said`;
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
${java ? '' : `printf '%s' ${shQuote(p.kind === 'python' ? PYTHON_LAUNCHER : NODE_LAUNCHER)} > ${launcherFile(p.kind)} && $bb chmod 0644 ${launcherFile(p.kind)} && `}$bb mkfifo -m 600 ${go()} ${java ? tick() : `${done()} ${gate()} ${rgo()}`} || exit 94${java ? '' : `
$bb chown 0:${uid} ${done()} && $bb chmod 0620 ${done()} || exit 94`}
# The channel is opened before the fork, so the interpreter holds it from its first instant: opened in the child, a
# spec written before the child got there (a reuse sandbox says ready at once) was dropped with the FIFO's last
# opener, and the interpreter waited for it until the timeout.
pstart() {
  ieo=2${p.kind === 'python' ? '' : '; [ "$wbms" = 1 ] && ieo=1'}; hp=${speaksAtStart(p.kind)}
  ${java ? startJava(p, command, drop) : `exec 5<>${go()}; ${drop} "$prog" ${launcherArgv(p, command).join(' ')} < /dev/null 4<&- 2>&$ieo & ip=$!; exec 5<&-
  exec 8<>${gate()} 9<>${rgo()} 6<>${PRIVATE_DIR}/in; helper; exec 8<&- 9<&- 6>&-`}
}${java ? '' : `
${helper()}`}
# Java's stdin writer (fd 6), held until the run's relay has it: released when the JVM does not take the run.
release() { [ -z "$hold" ] || { exec 6>&-; hold=; }; }
# Whether the run can go to the interpreter; if not, the idle one goes.
pready() {
  [ -n "$ip" ] || { release; return 1; }
  # (alive: a zombie, one that died waiting, would pass kill -0; the state follows the name's last parenthesis)
  st=; { read -r -n 64 st < /proc/$ip/stat; } 2>/dev/null
  case "\${st##*) }" in ''|Z*|X*) ;; *) [ "$cwd" = . ] && [ -z "$wbenv" ]${sameStreams}${sameProgram} && return 0;; esac
  # (silent: the idle interpreter PID 1 ends is none of the run's business; ash would say "Killed" on its stderr. All
  # there is: the interpreter, its helper and the helper's relay, whose writer of the stdin FIFO would keep a plain
  # start's stdin from ever ending.)
  kill -9 -1 2>/dev/null; wait "$ip" $hp 2>/dev/null; ip=; hp=; release; ooms; o0=$o; return 1
}
# The stdin relay and the root backstop (the plain start's timeout), then the spec: Python and Node release their run's
# helper, the backstop, which releases the relay forked with it; Java's are forked here (the relay first: the JVM's
# reads then find its frames sooner).
prun() {
  # (flags before the count: c, the code follows the args (its file is the interpreter's to write); m, the run asked
  # for stderr merged into stdout)
  pm=; [ "$eo" = 1 ] && pm=m
  ${java ? 'relay' : `: > ${said()}; printf '%s %s\\n' "$tmo" "$nonce" 1<>${gate()}`}
  ${spec(command)}
  release
  ${!java ? saidEnd() : `(read -t "$tmo" _ 0<>${tick()}; kill -9 "$ip") 2>/dev/null &
  wait "$ip"; r=$?; ip=`}
  return $r
}
pstart`;
}

/**
 * The end of a run in a pre-started Python or Node. Their launchers say the status their exit would have had on
 * \`done\` as they end without their interpreter's teardown (Python: os._exit after what a plain exit does first, see
 * python.ts; Node: SIGINT, a death the shell does not report as it reports others like a plain start's, see node.ts).
 * The kernel's teardown of the process (Node's 50 MB and threads: 2-6 ms; Python's ~1 ms) is not the program's
 * either: the run's helper, the backstop, which reads \`done\` (within the run's timeout, or it kills the interpreter),
 * writes a status it read to \`said\` (root's) and wakes PID 1's wait with USR1 (only root can signal PID 1). PID 1
 * then takes the run as ended (early): it kills every process and prints the trailer once none can run the program's
 * code any more (gone x), and waits for the teardown after it. A status is a number up to 255 on a line of its own; anything else
 * there is skipped. A program that writes one itself ends its run with it, as its own exit would (without its
 * handlers): the channel is the program's way out, never a way into PID 1 or another run. When Node died of SIGINT
 * before the backstop woke PID 1, PID 1 ends the backstop through \`done\` with the run's nonce (which the program
 * cannot know) and waits for it: the status it may have taken is not lost.
 */
function saidEnd(): string {
  return `wait "$ip"; r=$?
  s=; read -r s < ${said()}
  # (not woken, but dead of SIGINT: the launcher's line may be on its way; what the backstop takes is in said once it
  # is gone)
  if [ -z "$s" ] && [ "$r" = 130 ]; then trail '\\n%s\\n' "$nonce" 1<>${done()}; wait "$hp"; s=; read -r s < ${said()}; fi
  [ -n "$s" ] && { r=$s; early=1; }
  ip=`;
}

/**
 * The run's root helper and its stdin relay, forked with the interpreter (off the run's path: a fork is 0.2-0.3 ms,
 * more when the CPUs are busy). The helper waits on \`gate\` for the run's timeout and nonce, then releases the relay
 * (\`rgo\`) and is the run's backstop on \`done\` (see saidEnd); PID 1 kills the relay with the rest when woken. Those
 * FIFOs are root's, open in the helper from its fork (what PID 1 writes stays there until it is read, however late
 * the helper is scheduled) and in PID 1 only around that fork and while it writes: no process of the program's can
 * hold them. From its fork the helper also holds the reader of \`done\` (a launcher's open of it fails without one).
 *
 * The relay holds a writer of the program's stdin FIFO from its fork (PID 1's fd 6, handed on; the helper lets go of
 * its copy before it takes a run): the interpreter's open of its stdin returns at once, and a read waits, as on a plain
 * start, for what the relay copies or for its end. That writer is open read-write (so that no open waited for a
 * reader), a reader itself: at the end of stdin the relay first takes a write-only one, then drops it, and lets go of
 * the last writer only once a write-only open found the program's reader (copied bytes not read yet stay in the
 * FIFO meanwhile, and a reader that comes later still finds a writer, then the end).
 */
function helper(): string {
  return `helper() {
  (exec 7<>${done()}
    (exec 3>&6 6>&- 7<&- 8<&-; read -r _ <&9 || exit 0; exec 9<&-
      frames
      exec 5>${PRIVATE_DIR}/in 3>&-; exec 3>${PRIVATE_DIR}/in; exec 3>&- 5>&-
      drain) <&4 &
    exec 6>&-
    read -r tmo nonce <&8 || exit 0; exec 8<&-
    echo >&9; exec 9<&-
    e=$((EPOCHSECONDS + tmo))
    while w=$((e - EPOCHSECONDS)); [ $w -gt 0 ] && read -r -n 40 -t $w s <&7; do
      [ "$s" = "$nonce" ] && exit 0
      case $s in ''|*[!0-9]*) continue;; esac
      [ "$s" -le 255 ] || continue
      echo "$s" > ${said()}; kill -USR1 1; exit 0
    done 2>/dev/null
    kill -9 "$ip" 2>/dev/null) &
  hp=$!
}`;
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
