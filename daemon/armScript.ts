// The program PID 1 runs in every sandbox ("armed container"), and the bytes the daemon writes to it.
//
// Two identities (see README, *Security*): PID 1 and its helpers (stdin relay, timeout, stdin drain) run as root in
// the container with only SETUID, SETGID, KILL and CHOWN; the program, its code writer and the reuse wipe run as the
// sandbox's own uid, exec'd through `nsenter -S/-G` (setgroups(0), setgid, setuid: every capability gone), under
// the container's no-new-privileges. So the program cannot signal, prlimit, ptrace or open the fds of PID 1 or
// its helpers, and kernel quotas charged per uid are the sandbox's own.
//
// The protocol: the daemon first writes `WBARM <secret>` (random, per container, only ever in PID 1's memory) and
// `WBPROJ <n>` + a tar of the project (empty for single files). PID 1 proves the interpreter runs, extracts the
// project as the program's uid, says WBREADY, then blocks on its attached stdin. A run writes
// `WBRUN <secret> <nonce> <sync> <code> <delta> <deleted> <out files> <out bytes> <backstop s> <meta>` (sizes), then the
// meta line (file, working directory, env, args as quoted shell words; for a run without a build step the code too,
// see encodeHeader), the code (when not in the meta line), a tar of what changed in the
// project since the sandbox took its copy, the paths deleted since, and then stdin in length-prefixed frames that a
// root relay copies to the program. A header without the secret ends the container. When the program ends PID 1
// kills what it left, waits until it is gone, prints RS `<nonce> <exit code> <oom kills> <out files>` on stdout
// (followed by the run's output files when asked for) and RS `<nonce>` on stderr. In reuse mode it then discards its
// stdin up to `WBSYNC <sync>` (which the daemon writes after the trailer), so stdin the program never read is never
// parsed, wipes the sandbox as the program's uid, checks it is empty, says WBWIPED, takes the project again (WBPROJ)
// and says WBREADY. The daemon ends the container on any byte outside a run.
// When the daemon goes away its end of stdin closes: PID 1 (or the relay, mid-run) sees EOF and ends the container.
// A profile that pre-starts its interpreter (prestart/script.ts) also starts one before each WBREADY and hands it the
// run's file and args through PID 1's private channel instead of starting the program.
import { hasPlaceholder, shellArg } from './languages/placeholders';
import type { IsolationMode } from './protocol';
import { PRESTART_RUN, prestartArm, type PrestartOptions } from './prestart/script';

export const READY = 'WBREADY';
/** Begins PID 1's end-of-run markers (then the run's nonce): RS, a byte no prompt ends with. */
export const END_MARK = '\x1e';
export const UNHEALTHY = 'WBUNHEALTHY';
/** After a reuse run's wipe: the daemon answers with the project to put back (WBPROJ). */
export const WIPED = 'WBWIPED';
/** warmbox's runtime in every sandbox image: a static busybox, so PID 1 depends on nothing else in the image. */
export const RUNTIME = '/opt/warmbox/busybox';
/** PID 1's tmpfs (mode 0711, files 0600): the program's stdin pipe, the sync pattern, the outputs' time stamp. */
export const PRIVATE_DIR = '/run/warmbox';

/** The build step's tmpfs (exec allowed, the program's uid): {out} is its `out` folder, compilers' caches go beside. */
export const BUILD_DIR = '/build';
/** Compiler messages PID 1 sends back (the rest is cut). */
export const COMPILE_MESSAGES_MAX = 32 * 1024;

export function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Every name under the program's writable places, dot and dot-dot names included. */
const PLACES = ['/work', '/tmp', '/dev/shm', '/dev/mqueue', BUILD_DIR];
const ALL_NAMES = PLACES.flatMap((d) => [`${d}/*`, `${d}/.[!.]*`, `${d}/..?*`]).join(' ');

export interface ArmOptions {
  command: string[];
  /** The build step (compiled languages), run by compile() before the run step. */
  compile?: string[];
  health: string[];
  isolation: IsolationMode;
  /** The sandbox's own uid (and gid) for the program. */
  uid: number;
  /** An interpreter started before each run (daemon/prestart/); absent: every run starts the program plainly. */
  prestart?: PrestartOptions;
}

/** The shell PID 1 runs: helpers, arming, then one run after another (reuse) or one run (fresh). */
export function armScript(o: ArmOptions): string {
  return [helpers(o), compile(o), arm(o), runLoop(o)].join('\n');
}

/** Drops to the program's uid: supplementary groups cleared, then gid and uid; no capability survives. */
const dropTo = (o: ArmOptions) => `$bb nsenter -F -S ${o.uid} -G ${o.uid} --`;

function helpers(o: ArmOptions): string {
  return `bb=${RUNTIME}
# PID 1 outlives the program's signals: a handler (not an ignore) so that children still start with the defaults.
trap : TERM INT HUP QUIT USR1 USR2 ALRM PIPE
as_user() { ${dropTo(o)} "$@"; }
umask 077
# Exactly $1 bytes of PID 1's stdin to stdout, in bounded memory (stdio would read ahead, dd with fullblock does not).
# On the run's path applets go by their bare names: busybox's sh forks its own applet then, without an exec (~0.5 ms).
take() {
  b=$(($1 / 65536)); r=$(($1 % 65536))
  if [ $b -gt 0 ]; then dd bs=65536 count=$b iflag=fullblock 2>/dev/null || return 1; fi
  if [ $r -gt 0 ]; then dd bs=$r count=1 iflag=fullblock 2>/dev/null || return 1; fi
  return 0
}
# A project tar (or a delta of it) from PID 1's stdin, extracted by the program's uid: the root never writes in /work.
# tar stops at the archive's end marker: the padding after it is drained here, or take would stop short of $1 bytes.
untar() { [ "$1" -gt 0 ] || return 0; take "$1" | { as_user $bb tar -x -o -C /work; r=$?; $bb cat > /dev/null; exit $r; }; }
# A build's tar ($1 bytes) into {out}, replacing what is there, by the program's uid: at arming (the set's latest
# build) and for a cache hit. Drained as untar's is.
unbuild() { take "$1" | { as_user $bb sh -c 'rm -rf "$0" && mkdir -p "$0" && tar -x -o -C "$0"' ${BUILD_DIR}/out; r=$?; cat > /dev/null; exit $r; }; }
# The program's file from stdin, written by its uid (and its folder made); inline: the code the meta line carried.
putcode() { case $f in */*) as_user mkdir -p "/work/\${f%/*}" || return 1;; esac; as_user dd of="/work/$f" 2>/dev/null; }
inline() { [ -z "$wbin" ] || printf '%s' "$wbcode" | putcode || exit 96; }
# nsenter would run its own applet for a bare name like sh or cat: exec the image's program by its path instead.
resolve() { r=$1; case $1 in */*) return;; esac; s=$IFS; IFS=:; for d in $PATH; do [ -f "$d/$1" ] && [ -x "$d/$1" ] && { r=$d/$1; break; }; done; IFS=$s; }
of=/sys/fs/cgroup/memory.events; [ -r "$of" ] || of=/sys/fs/cgroup/memory/memory.oom_control
ooms() { o=0; [ -r "$of" ] && while read -r k v; do [ "$k" = oom_kill ] && o=$v; done < "$of"; }
# Waits until every process but PID 1 is gone (zombies aside): a killed process may still be runnable. With x, until
# each is gone or in the kernel's exit: past running any code of the program's or finishing any write (a run's end).
gone() {
  i=0; x=$1
  while :; do
    alive=0
    for p in /proc/[0-9]*; do
      [ "$p" = /proc/1 ] && continue
      [ -n "$x" ] && exiting "$p" && continue
      # (the group takes the error of a process gone meanwhile: it must not reach the run's stderr). The state is the
      # field after the name's last parenthesis: the name is the program's to choose (") Z " in it fooled a match).
      st=; { read -r -n 64 st < "$p/stat"; } 2>/dev/null || continue
      case "\${st##*) }" in Z*|X*) ;; *) alive=1 ;; esac
    done
    [ $alive = 0 ] && return 0
    i=$((i + 1)); [ $i -gt 200 ] && exit 93
    kill -9 -1 2>/dev/null
    # (x: a killed thread that was not scheduled since is looked at again soon; after ~5 ms, as without x)
    if [ -n "$x" ] && [ $i -lt 20 ]; then usleep 250; else x=; usleep 5000; fi
  done
}
# A trailer line. Early (see the run loop), the program's processes are still dying as it is written: a child's death
# (SIGCHLD, which the shell catches) cuts a write that waits for room in a full pipe (EINTR). A line this short goes
# into a pipe whole or not at all, so it is written again; stdout gone for good ends the container.
trail() { n=0; until printf "$@"; do n=$((n + 1)); [ $n -lt 100 ] || exit 0; done; }
# Whether every thread of process $1 is a zombie or has PF_EXITING (0x4 in the flags, stat's 9th field: set as the
# kernel begins its exit, after any system call it was in). A field cut short or not a number: not (yet).
exiting() {
  for tk in $1/task/[0-9]*; do
    st=; { read -r -n 128 st < "$tk/stat"; } 2>/dev/null || continue
    st=\${st##*) }
    case $st in Z*|X*) continue;; esac
    # (state ppid pgrp session tty tpgid: six fields, then the flags and a space)
    st=\${st#* * * * * * }; fl=\${st%% *}
    case $fl in ''|*[!0-9]*) return 1;; esac
    [ "$fl" != "$st" ] && [ $((fl & 4)) != 0 ] || return 1
  done
  return 0
}
# After the trailer: the files the run created or changed, framed \`F <size> <path>\` + bytes, then \`E <n> <left>\`;
# read and written by the program's uid (the program is gone by now), within $outn files and $outs bytes.
outputs() {
  as_user $bb sh -c 'cd /work || exit 1
    find . -newer "$0" -type f 2>/dev/null | {
      n=0; total=0; left=0
      while IFS= read -r p; do
        s=$(stat -c %s "$p" 2>/dev/null) || continue
        if [ $n -ge $1 ] || [ $((total + s)) -gt $2 ]; then left=$((left + 1)); continue; fi
        printf "F %s %s\\n" "$s" "\${p#./}"; head -c "$s" "$p"; n=$((n + 1)); total=$((total + s))
      done
      printf "E %s %s\\n" "$n" "$left"
    }' ${PRIVATE_DIR}/stamp "$outn" "$outs"
}
# The root relay copies stdin frames into the program's pipe; frames the program never reads die with it. A
# pre-started JVM opened that pipe at arming, against PID 1's writer (fd 6, $hold): the relay takes that writer over,
# so the JVM's reads never see a moment without one (an early end of its stdin).
relay() { (if [ -n "$hold" ]; then exec 3>&6 6>&-; else exec 3>${PRIVATE_DIR}/in; fi; frames; exec 3>&-; drain) <&4 & }
# A relay's two halves (on PID 1's stdin): the run's frames into fd 3 until the empty one (stdin's end); then what
# comes is discarded until the daemon goes away (EOF), which ends the container.
frames() { while read -r n; do [ "$n" -gt 0 ] 2>/dev/null || break; take "$n" >&3; done; }
drain() { while read -r n; do :; done; kill -9 -1; }
# The project the sandbox is armed with (an empty one for single-file runs): \`WBPROJ <tar bytes> <streams>\` and the
# tar; streams (1: merged, 2: apart) is how the set's runs took theirs lately, for an interpreter started before a run.
prepare() {
  read -r tag n wbms || exit 0
  [ "$tag" = WBPROJ ] || exit 92
  untar "$n" || exit 96; pn=$n${o.compile ? `
  # Compiled languages: the set's latest build (from the daemon's cache, made by the compiler) \`WBART <tar bytes>
  # <name>\`, put in {out} now so that a run of that same build starts it at once (wbc=have); its {name} is the
  # class a pre-started JVM is started for (prestart/java.ts).
  read -r tag n jname || exit 0
  [ "$tag" = WBART ] || exit 92
  [ "$n" -gt 0 ] || { jname=; return 0; }
  unbuild "$n" || exit 96` : ''}
}`;
}

/**
 * The compile phase (languages with a build step), before the run step and outside the run's timeout. The meta block
 * sets wbc: empty (nothing to build), \`build\` (run the profile's compile command as the program's uid, in the file's
 * folder, within $wbctmo seconds), \`hit\` (the daemon's build cache: $wbalen bytes of a tar of {out} follow the
 * deleted paths and are unpacked instead; no compiler runs) or \`have\` ({out} holds that build since arming). After a
 * build every process is gone before anything is read, then PID 1 writes \`WBC <nonce> <status> <message bytes> <artifact bytes> <oom kills>\` on stdout, the messages
 * and a tar of {out} (none when it fails or passes $wbamax): the daemon caches what the compiler made, before any
 * program of this run exists. Sets the placeholders' variables for the run step too.
 */
function compile(o: ArmOptions): string {
  const ccmd = o.compile ? ['"$cprog"', ...o.compile.slice(1).map(shellArg)].join(' ') : 'false';
  return `compile() {
  crc=0
  wbfile=/work/$f; wbdir=\${wbfile%/*}; wbname=\${wbfile##*/}; wbname=\${wbname%.*}; wbout=${BUILD_DIR}/out
  # have: {out} already holds this very build, put there when the sandbox was armed.
  [ -n "$wbc" ] && [ "$wbc" != have ] || return 0
  if [ "$wbc" = hit ]; then
    unbuild "$wbalen" || exit 96
    ooms
    return 0
  fi
  # The compiler starts alone: an idle pre-started interpreter dies with the build anyway, and until then compile-time
  # code (an annotation processor) could signal it or attach to it (the same uid), and it holds the container's stdout.
  kill -9 -1 2>/dev/null; gone
  as_user $bb sh -c 'rm -rf ${BUILD_DIR}/out && mkdir -p ${BUILD_DIR}/out ${BUILD_DIR}/.cache' || exit 96
  ooms; c0=$o
  $bb timeout -s KILL "$wbctmo" ${dropTo(o)} $bb sh -c 'cd "$0" && exec "$@"' "$wbdir" ${ccmd} < /dev/null > ${PRIVATE_DIR}/cmsg 2>&1 4<&- 6>&-
  crc=$?
  kill -9 -1 2>/dev/null
  gone
  ooms
  alen=0
  if [ "$crc" = 0 ]; then
    # (what the compile left at the tar's name goes first: a FIFO there blocked PID 1, a symlink cut the artifact)
    as_user $bb sh -c 'rm -rf "$0/.wbart" && cd "$0/out" && exec "$1" tar -c -f "$0/.wbart" .' ${BUILD_DIR} $bb 2>/dev/null &&
      alen=$(as_user $bb stat -c %s ${BUILD_DIR}/.wbart 2>/dev/null) || alen=0
    [ "$alen" -le "$wbamax" ] 2>/dev/null || alen=0
  fi
  mlen=$($bb stat -c %s ${PRIVATE_DIR}/cmsg 2>/dev/null) || mlen=0
  [ "$mlen" -le ${COMPILE_MESSAGES_MAX} ] || mlen=${COMPILE_MESSAGES_MAX}
  printf 'WBC %s %s %s %s %s\\n' "$nonce" "$crc" "$mlen" "$alen" "$((o - c0))"
  $bb head -c "$mlen" ${PRIVATE_DIR}/cmsg; $bb rm -f ${PRIVATE_DIR}/cmsg
  [ "$alen" -gt 0 ] && as_user $bb head -c "$alen" ${BUILD_DIR}/.wbart
  as_user $bb rm -f ${BUILD_DIR}/.wbart
  [ "$crc" = 0 ]
}`;
}

function arm(o: ArmOptions): string {
  const health = ['"$hprog"', ...o.health.slice(1).map(shQuote)].join(' ');
  return `read -r tag secret || exit 0
[ "$tag" = WBARM ] && [ -n "$secret" ] || exit 92
# /work is the program's: PID 1 keeps it as its working directory (inherited by the program) but cannot enter it.
cd /work && $bb chmod 0700 /work && $bb chown ${o.uid}:${o.uid} /work || exit 97
resolve ${shQuote(o.command[0])}; prog=$r
${o.compile ? `resolve ${shQuote(o.compile[0])}; cprog=$r
$bb chmod 0700 ${BUILD_DIR} && $bb chown ${o.uid}:${o.uid} ${BUILD_DIR} || exit 97
` : ''}resolve ${shQuote(o.health[0])}; hprog=$r
h=$(as_user ${health} 2>&1)
case "$h" in *HEALTH_OK*) ;; *) printf '${UNHEALTHY} %.300s\\n' "$h" | $bb tr '\\n' ' '; echo; exit 3;; esac
prepare
$bb mkfifo -m 600 ${PRIVATE_DIR}/in || exit 94
# A background job's stdin would be /dev/null: keep ours on fd 4 for the stdin relay.
exec 4<&0${o.prestart ? `\n${prestartArm(o.prestart, o.command, dropTo(o), o.uid)}` : ''}
ooms
echo ${READY}`;
}

function runLoop(o: ArmOptions): string {
  const cmd = [hasPlaceholder(o.command[0]) ? shellArg(o.command[0]) : '"$prog"', ...o.command.slice(1).map(shellArg)].join(' ');
  const run = `$bb timeout -s KILL "$tmo" ${dropTo(o)}`;
  return `while :; do
  # The header, then the meta line (f, cwd, env, args as shell words), the code, a delta tar, paths deleted since.
  read -r tag sec nonce sync clen dlen xlen outn outs tmo mlen || exit 0
  [ "$tag" = WBRUN ] && [ "$sec" = "$secret" ] || exit 92
  # eo: where the program's stderr goes (1 when the run asked for its streams merged, in the order written).
  f=; cwd=.; wbenv=; eo=2; wbin=; wbcode=; early=; set --
  # One line (newlines inside words are written \$'\\n'): read by the shell itself, no process to start. But its read
  # takes a byte per system call: a long line (large args or env, up to tens of MB) goes through dd instead.
  if [ "$mlen" -gt ${META_READ_MAX} ]; then meta=$(take "$mlen") || exit 92; else read -r meta || exit 92; fi
  eval "$meta"
  [ -n "$f" ] || exit 92
  # The program's file, written by its uid (busybox's nsenter runs its own dd for the bare name). Code that came in the
  # meta line (wbin) is written only when the program starts: a pre-started interpreter writes it itself (no process).
  [ -n "$wbin" ] || take "$clen" | putcode || exit 96
  untar "$dlen" || exit 96
  if [ "$xlen" -gt 0 ]; then take "$xlen" | as_user $bb sh -c 'while IFS= read -r p; do rm -rf "/work/$p"; done' || exit 96; fi
  # A failed build ends the run here: no program, the trailer carries the compiler's status.
  compile || { printf '\\036%s %s 0 0\\n' "$nonce" "$crc"; printf '\\036%s\\n' "$nonce" >&2${o.isolation === 'reuse' ? reset(o) : '\n    exit 0'}
    continue; }
  # The OOM kills so far, read as the sandbox said it was ready (a build step's read them since; an idle interpreter
  # that died meanwhile has them read again, in pready): not on the run's path.
  o0=$o
  # Files newer than this stamp may be the run's outputs. busybox find compares whole seconds, so the stamp is a
  # second old: what is merely unchanged in that second the daemon drops by content. The clock is the container's (the
  # shell's own EPOCHSECONDS, no process), the one the program's files get: a daemon's clock ahead of the engine's (a
  # desktop VM, a remote engine) would hide them.
  [ "$outn" -gt 0 ] && touch -d "@$((EPOCHSECONDS - 1))" ${PRIVATE_DIR}/stamp
  # (relay first, then the plain start: the program's open of its stdin waits for the relay's)
  ${o.prestart ? PRESTART_RUN : 'if'} inline; relay; [ "$cwd" = . ] && [ -z "$wbenv" ]; then
    ${run} ${cmd} "$@" < ${PRIVATE_DIR}/in 4<&- 2>&$eo
  else
    ([ -z "$wbenv" ] || eval "export $wbenv"; exec ${run} $bb sh -c 'cd "$0" && exec "$@"' "/work/$cwd" ${cmd} "$@") < ${PRIVATE_DIR}/in 4<&- 2>&$eo
  fi
  rc=$?
  kill -9 -1 2>/dev/null
  # (early: a pre-started interpreter said its status before the kernel tore it down, see saidEnd; its teardown and what
  # else was killed are waited for after the trailer, unless output files are to be read. The root helpers, PID 1's
  # children, are waited for as they end; the program's processes are looked at.)
  if [ -n "$early" ] && [ "$outn" = 0 ]; then wait "$hp" 2>/dev/null; gone x; else wait; gone; early=; fi
  # stderr's end marker first when no output files follow (whose reading could still say something there): it goes
  # through the engine's copy of its own pipe while PID 1 reads the OOM kills and writes the trailer, and the daemon,
  # which needs both, no longer waits for the later of two one after the other.
  [ "$outn" -gt 0 ] || trail '\\036%s\\n' "$nonce" >&2
  ooms
  # No newline before the nonce: the program's last line stays as it wrote it (the nonce alone is unguessable).
  # The marker starts with \\036 (RS), which prompts never end with: the daemon holds back only a tail that could
  # begin the marker, so a prompt ending in a hex digit would otherwise wait unseen until the program writes again.
  trail '\\036%s %s %s %s\\n' "$nonce" "$rc" "$((o - o0))" "$outn"
  [ "$outn" -gt 0 ] && { outputs || exit 96; trail '\\036%s\\n' "$nonce" >&2; }
  [ -z "$early" ] || { wait 2>/dev/null; gone; }${o.isolation === 'reuse' ? reset(o) : '\n  exit 0'}
done
`;
}

/** After a reuse run: discard unread stdin, wipe as the program's uid, check, then take the project again. */
function reset(o: ArmOptions): string {
  return `
  # Stdin the program never read is discarded, never parsed: up to the sync line the daemon sends after the trailer.
  printf 'WBSYNC %s\\n' "$sync" > ${PRIVATE_DIR}/sync
  $bb grep -qxF -f ${PRIVATE_DIR}/sync || exit 0
  # The wipe runs as the program's uid: it owns everything the program made, and nothing else is writable.
  as_user $bb sh -c '
    $0 chmod -R u+rwx /work 2>/dev/null
    $0 rm -rf ${ALL_NAMES} 2>/dev/null
    for x in ${ALL_NAMES}; do [ -e "$x" ] || [ -L "$x" ] && exit 95; done
    # System V objects cannot be removed with the tools at hand: a sandbox that made any is not reused.
    for t in shm msg sem; do [ -r /proc/sysvipc/$t ] || continue; [ "$($0 wc -l < /proc/sysvipc/$t)" -le 1 ] || exit 95; done
    exit 0' $bb || exit 95
  echo ${WIPED}
  prepare${o.prestart ? '\n  pstart' : ''}
  ooms
  echo ${READY}`;
}

/** The container's command: warmbox's own shell as PID 1. */
export function containerCmd(script: string): string[] {
  return [RUNTIME, 'sh', '-c', script];
}

/** The first line PID 1 reads: the container's secret, required in every run header after it. */
export function encodeArm(secret: string): Buffer {
  return Buffer.from(`WBARM ${secret}\n`);
}

export interface RunHeader {
  secret: string;
  nonce: string;
  /** Ends the discarded stdin after a reuse run. */
  sync: string;
  /** The file to run, relative to /work (posix separators), and the working directory ('.' is /work). */
  file: string;
  cwd: string;
  /** Variables for this run only, over the profile's and the image's. */
  env: Record<string, string>;
  code: Buffer;
  /** Project files changed since the sandbox was armed (a tar), and paths deleted since. */
  delta?: Buffer;
  deleted?: string[];
  args: string[];
  /** Send back the files the run created or changed, within these caps (absent: none). */
  outputs?: { maxFiles: number; maxBytes: number };
  /** The in-container backstop, in whole seconds; the daemon's own timer fires first. */
  backstopS: number;
  /** The program's stderr goes into its stdout (one pipe: the order as written). */
  merged?: boolean;
  /** The compile phase (see compile()): build with the profile's command, or unpack a cached artifact. */
  build?: BuildStep;
}

export type BuildStep =
  | { mode: 'build'; timeoutS: number; maxArtifactBytes: number }
  | { mode: 'hit'; artifact: Buffer }
  | { mode: 'have' };

/** The longest meta line PID 1's shell reads itself (a byte per system call); a longer one is taken by dd. */
export const META_READ_MAX = 1024;

/** The largest code sent in the meta line (a shell word PID 1 evaluates); longer code follows the meta as bytes. */
export const INLINE_CODE_MAX = 64 * 1024;

/** Environment names a shell can export. */
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * A shell word on one line: single quotes, or for words with line breaks \$'...' (which busybox's sh reads), so the
 * meta block is one line PID 1 reads without starting a process.
 */
export function shWord(s: string): string {
  if (!/[\n\r]/.test(s)) return shQuote(s);
  return `$'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n').replace(/\r/g, '\\r')}'`;
}

export function encodeHeader(h: RunHeader): Buffer {
  const env = Object.entries(h.env).map(([k, v]) => shWord(`${k}=${v}`)).join(' ');
  // Shell words PID 1 evaluates: every value is quoted, names are checked by the daemon before they get here.
  const b = h.build;
  const build =
    b?.mode === 'build' ? `wbc=build; wbctmo=${b.timeoutS}; wbamax=${b.maxArtifactBytes}; wbalen=0` : b?.mode === 'hit' ? `wbc=hit; wbalen=${b.artifact.length}` : b ? 'wbc=have; wbalen=0' : 'wbc=; wbalen=0';
  // A run without a build step carries its code in the meta line (as a shell word: it may hold no NUL): PID 1 then
  // starts no process to write it, and a pre-started interpreter writes the file itself (prestart/script.ts).
  const inline = !b && h.code.length <= INLINE_CODE_MAX && !h.code.includes(0);
  const code = inline ? ` wbin=1; wbcode=${shWord(h.code.toString('utf8'))};` : '';
  const meta = Buffer.from(`f=${shWord(h.file)}; cwd=${shWord(h.cwd)}; wbenv=${shWord(env)}; ${build};${h.merged ? ' eo=1;' : ''}${code} set -- ${h.args.map(shWord).join(' ')}\n`);
  const delta = h.delta ?? Buffer.alloc(0);
  const deleted = h.deleted?.length ? Buffer.from(h.deleted.map((p) => `${p}\n`).join('')) : Buffer.alloc(0);
  const out = h.outputs ?? { maxFiles: 0, maxBytes: 0 };
  const body = inline ? Buffer.alloc(0) : h.code;
  const line = `WBRUN ${h.secret} ${h.nonce} ${h.sync} ${body.length} ${delta.length} ${deleted.length} ${out.maxFiles} ${out.maxBytes} ${h.backstopS} ${meta.length}\n`;
  const artifact = b?.mode === 'hit' ? b.artifact : Buffer.alloc(0);
  return Buffer.concat([Buffer.from(line), meta, body, delta, deleted, artifact]);
}

/** The project a sandbox holds before any run (empty for single-file runs): at arming and after each reuse wipe. */
export function encodeProject(tar: { pieces: Buffer[]; size: number } | null, merged = false): Buffer[] {
  const streams = merged ? 1 : 2;
  return tar && tar.size ? [Buffer.from(`WBPROJ ${tar.size} ${streams}\n`), ...tar.pieces] : [Buffer.from(`WBPROJ 0 ${streams}\n`)];
}

/** A set's latest build, which its sandboxes are armed with: the cache key, a tar of {out}, the file's {name}. */
export interface ArmedBuild {
  key: string;
  artifact: Buffer;
  name: string;
}

/** A compiled language's sandbox, after its project: the build it holds in {out} from arming (none: an empty one). */
export function encodeBuild(build: Pick<ArmedBuild, 'artifact' | 'name'> | undefined): Buffer[] {
  // (the name only as a plain Java-style identifier: PID 1 reads it as one word)
  const name = build && /^[A-Za-z_$][\w$]{0,200}$/.test(build.name) ? ` ${build.name}` : '';
  return build?.artifact.length ? [Buffer.from(`WBART ${build.artifact.length}${name}\n`), build.artifact] : [Buffer.from('WBART 0\n')];
}

/** After a reuse run's trailer: PID 1 discards stdin up to and including this line. */
export function encodeSync(sync: string): Buffer {
  return Buffer.from(`\nWBSYNC ${sync}\n`);
}

/** One stdin frame; an empty frame is EOF. */
export function encodeStdin(data: Buffer | null): Buffer {
  if (!data || data.length === 0) return Buffer.from('0\n');
  return Buffer.concat([Buffer.from(`${data.length}\n`), data]);
}
