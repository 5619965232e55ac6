// The program PID 1 runs in every sandbox ("armed container"), and the bytes the daemon writes to it.
//
// Two identities (see README, *Security*): PID 1 and its helpers (stdin relay, timeout, stdin drain) run as root in
// the container with only SETUID, SETGID, KILL and CHOWN; the program, its code writer and the reuse wipe run as the
// sandbox's own uid, exec'd through `nsenter -S/-G` (setgroups(0), setgid, setuid: every capability gone), under
// the container's no-new-privileges. So the program cannot signal, prlimit, ptrace or open the fds of PID 1 or
// its helpers, and kernel quotas charged per uid are the sandbox's own.
//
// The protocol: the daemon first writes `WBARM <secret>` (random, per container, only ever in PID 1's memory).
// PID 1 proves the interpreter runs, says WBREADY, then blocks on its attached stdin. A run writes
// `WBRUN <secret> <nonce> <sync> <file> <code bytes> <arg bytes> <backstop s>`, the code, the args, then stdin in
// length-prefixed frames that a root relay copies to the program. A header without the secret ends the container.
// When the program ends PID 1 kills what it left, waits until it is gone, and prints `\n<nonce> <exit code> <oom
// kills>` on stdout and `\n<nonce>` on stderr. In reuse mode it then discards its stdin up to `WBSYNC <sync>` (which
// the daemon writes after the trailer), so stdin the program never read is never parsed, wipes the sandbox as the
// program's uid, checks it is empty and says WBREADY again. The daemon ends the container on any byte outside a run.
// When the daemon goes away its end of stdin closes: PID 1 (or the relay, mid-run) sees EOF and ends the container.
import type { IsolationMode } from './protocol';

export const READY = 'WBREADY';
export const UNHEALTHY = 'WBUNHEALTHY';
/** warmbox's runtime in every sandbox image: a static busybox, so PID 1 depends on nothing else in the image. */
export const RUNTIME = '/opt/warmbox/busybox';
/** A tmpfs only PID 1 (root) can enter: the program's stdin pipe and the sync pattern live here. */
export const PRIVATE_DIR = '/run/warmbox';

export function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Exact byte count from stdin: `head -c` reads ahead through stdio, dd with fullblock does not. */
const take = (n: string) => `$bb dd bs=${n} count=1 iflag=fullblock 2>/dev/null`;

/** Every name under the program's writable places, dot and dot-dot names included. */
const PLACES = ['/work', '/tmp', '/dev/shm', '/dev/mqueue'];
const ALL_NAMES = PLACES.flatMap((d) => [`${d}/*`, `${d}/.[!.]*`, `${d}/..?*`]).join(' ');

export interface ArmOptions {
  command: string[];
  health: string[];
  isolation: IsolationMode;
  /** The sandbox's own uid (and gid) for the program. */
  uid: number;
}

export function armScript(o: ArmOptions): string {
  const asUser = `$bb nsenter -F -S ${o.uid} -G ${o.uid} --`;
  const cmd = ['"$prog"', ...o.command.slice(1).map((a) => (a === '{file}' ? '"/work/$f"' : shQuote(a)))].join(' ');
  const health = ['"$hprog"', ...o.health.slice(1).map(shQuote)].join(' ');
  const afterRun =
    o.isolation === 'reuse'
      ? `
  # Stdin the program never read is discarded, never parsed: up to the sync line the daemon sends after the trailer.
  printf 'WBSYNC %s\\n' "$sync" > ${PRIVATE_DIR}/sync
  $bb grep -qxF -f ${PRIVATE_DIR}/sync || exit 0
  # The wipe runs as the program's uid: it owns everything the program made, and nothing else is writable.
  ${asUser} $bb sh -c '
    $0 chmod -R u+rwx /work 2>/dev/null
    $0 rm -rf ${ALL_NAMES} 2>/dev/null
    for x in ${ALL_NAMES}; do [ -e "$x" ] || [ -L "$x" ] && exit 95; done
    # System V objects cannot be removed with the tools at hand: a sandbox that made any is not reused.
    for t in shm msg sem; do [ -r /proc/sysvipc/$t ] || continue; [ "$($0 wc -l < /proc/sysvipc/$t)" -le 1 ] || exit 95; done
    exit 0' $bb || exit 95
  echo ${READY}`
      : `
  exit 0`;
  return `bb=${RUNTIME}
# PID 1 outlives the program's signals: a handler (not an ignore) so that children still start with the defaults.
trap : TERM INT HUP QUIT USR1 USR2 ALRM PIPE
read -r tag secret || exit 0
[ "$tag" = WBARM ] && [ -n "$secret" ] || exit 92
cd /work && $bb chmod 0700 /work && $bb chown ${o.uid}:${o.uid} /work || exit 97
# nsenter would run its own applet for a bare name like sh or cat: exec the image's program by its path instead.
resolve() { r=$1; case $1 in */*) return;; esac; s=$IFS; IFS=:; for d in $PATH; do [ -f "$d/$1" ] && [ -x "$d/$1" ] && { r=$d/$1; break; }; done; IFS=$s; }
resolve ${shQuote(o.command[0])}; prog=$r
resolve ${shQuote(o.health[0])}; hprog=$r
h=$(${asUser} ${health} 2>&1)
case "$h" in *HEALTH_OK*) ;; *) printf '${UNHEALTHY} %.300s\\n' "$h" | $bb tr '\\n' ' '; echo; exit 3;; esac
of=/sys/fs/cgroup/memory.events; [ -r "$of" ] || of=/sys/fs/cgroup/memory/memory.oom_control
ooms() { o=0; [ -r "$of" ] && while read -r k v; do [ "$k" = oom_kill ] && o=$v; done < "$of"; }
# Waits until every process but PID 1 is gone (zombies aside): a killed process may still be runnable.
gone() {
  i=0
  while :; do
    alive=0
    for p in /proc/[0-9]*; do
      [ "$p" = /proc/1 ] && continue
      st=; read -r st < "$p/stat" 2>/dev/null || continue
      case "$st" in *") Z "*|*") X "*) ;; *) alive=1 ;; esac
    done
    [ $alive = 0 ] && return 0
    i=$((i + 1)); [ $i -gt 200 ] && exit 93
    $bb kill -9 -1 2>/dev/null; $bb usleep 5000
  done
}
$bb mkfifo -m 600 ${PRIVATE_DIR}/in || exit 94
# A background job's stdin would be /dev/null: keep ours on fd 4 for the stdin relay.
exec 4<&0
echo ${READY}
while :; do
  read -r tag sec nonce sync f clen alen tmo || exit 0
  [ "$tag" = WBRUN ] && [ "$sec" = "$secret" ] || exit 92
  if [ "$clen" -gt 0 ]; then ${asUser} ${take('"$clen"')} of="/work/$f" || exit 96; else ${asUser} $bb touch "/work/$f" || exit 96; fi
  set --
  if [ "$alen" -gt 0 ]; then eval "set -- $(${take('"$alen"')})"; fi
  (exec 3>${PRIVATE_DIR}/in; while read -r n; do [ "$n" -gt 0 ] 2>/dev/null || break; ${take('"$n"')} >&3; done; exec 3>&-; while read -r n; do :; done; $bb kill -9 -1) <&4 &
  ooms; o0=$o
  $bb timeout -s KILL "$tmo" ${asUser} ${cmd} "$@" < ${PRIVATE_DIR}/in 4<&-
  rc=$?
  $bb kill -9 -1 2>/dev/null
  wait
  gone
  ooms
  printf '\\n%s %s %s\\n' "$nonce" "$rc" "$((o - o0))"
  printf '\\n%s\\n' "$nonce" >&2${afterRun}
done
`;
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
  fileName: string;
  code: Buffer;
  args: string[];
  /** The in-container backstop, in whole seconds; the daemon's own timer fires first. */
  backstopS: number;
}

export function encodeHeader(h: RunHeader): Buffer {
  const args = h.args.length ? Buffer.from(h.args.map(shQuote).join(' ')) : Buffer.alloc(0);
  const line = `WBRUN ${h.secret} ${h.nonce} ${h.sync} ${h.fileName} ${h.code.length} ${args.length} ${h.backstopS}\n`;
  return Buffer.concat([Buffer.from(line), h.code, args]);
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
