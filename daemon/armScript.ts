// The program PID 1 runs in every sandbox ("armed container"), and the bytes a run writes to it.
//
// PID 1 proves the interpreter runs, says WBREADY, then blocks on its attached stdin. A run writes a header line
// (a fresh random nonce, the file name, sizes), the code, the args, then stdin in length-prefixed frames.
// PID 1 runs the program, kills whatever it left, and prints `\n<nonce> <exit code> <oom kills>` on stdout and
// `\n<nonce>` on stderr: the daemon learns the exit status the moment the program ends, without waiting for
// Docker's own exit event, and knows both streams are complete. Only PID 1 knows the nonce (it arrives on stdin and
// PID 1 is non-dumpable, see images/build.sh), so the program cannot fake its own end.
// When the daemon goes away its end of stdin closes: PID 1 (or the stdin relay, mid-run) sees EOF and ends the
// container, which AutoRemove then deletes. No container outlives its daemon.
import type { IsolationMode } from './protocol';

export const READY = 'WBREADY';
export const UNHEALTHY = 'WBUNHEALTHY';
/** PID 1's execute-only shell in warmbox images; other images fall back to /bin/sh. */
export const PRIVATE_SHELL = '/opt/warmbox/sh';

export function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Exact byte count from stdin: busybox `head -c` reads ahead through stdio, dd with fullblock does not. */
const take = (n: string) => `dd bs=${n} count=1 iflag=fullblock 2>/dev/null`;

export function armScript(opts: { command: string[]; health: string[]; isolation: IsolationMode; backstopSlackS?: number }): string {
  const cmd = opts.command.map((a) => (a === '{file}' ? '"/work/$f"' : shQuote(a))).join(' ');
  const health = opts.health.map(shQuote).join(' ');
  const wipe =
    opts.isolation === 'reuse'
      ? `
  # A killed process may still be runnable, and one blocked reading our stdin would take a byte of the next run
  # when it wakes: wait until every process but PID 1 is gone (zombies aside) before saying we are ready.
  wait
  i=0
  while :; do
    alive=0
    for p in /proc/[0-9]*; do
      [ "$p" = /proc/1 ] && continue
      st=; read -r st < "$p/stat" 2>/dev/null || continue
      case "$st" in *") Z "*|*") X "*) ;; *) alive=1 ;; esac
    done
    [ $alive = 0 ] && break
    i=$((i + 1)); [ $i -gt 100 ] && exit 93
    kill -9 -1 2>/dev/null; sleep 0.01
  done
  cd /work || exit 95
  chmod -R u+rwx /work /tmp /dev/shm 2>/dev/null
  rm -rf /work/* /work/.[!.]* /work/..?* /tmp/* /tmp/.[!.]* /tmp/..?* /dev/shm/* /dev/shm/.[!.]* /dev/mqueue/* 2>/dev/null
  for x in /work/* /work/.[!.]* /tmp/* /tmp/.[!.]* /dev/shm/*; do [ -e "$x" ] || [ -L "$x" ] && exit 95; done
  mkfifo -m 600 /tmp/.wbin || exit 94
  echo ${READY}`
      : `
  exit 0`;
  return `cd /work || exit 97
# PID 1 outlives the program's signals: a handler (not an ignore) so that children still start with the defaults.
trap : TERM INT HUP QUIT USR1 USR2 ALRM PIPE
h=$(${health} 2>&1)
case "$h" in *HEALTH_OK*) ;; *) printf '${UNHEALTHY} %.300s\\n' "$h" | tr '\\n' ' '; echo; exit 3;; esac
of=/sys/fs/cgroup/memory.events; [ -r "$of" ] || of=/sys/fs/cgroup/memory/memory.oom_control
ooms() { o=0; [ -r "$of" ] && while read -r k v; do [ "$k" = oom_kill ] && o=$v; done < "$of"; }
mkfifo -m 600 /tmp/.wbin || exit 94
# A background job's stdin would be /dev/null: keep ours on fd 4 for the stdin relay.
exec 4<&0
echo ${READY}
while :; do
  read -r tag nonce f clen alen tmo || exit 0
  [ "$tag" = WBRUN ] || continue
  if [ "$clen" -gt 0 ]; then ${take('"$clen"')} > "/work/$f" || exit 96; else : > "/work/$f"; fi
  set --
  if [ "$alen" -gt 0 ]; then eval "set -- $(${take('"$alen"')})"; fi
  (exec 3>/tmp/.wbin; while read -r n; do [ "$n" -gt 0 ] 2>/dev/null || break; ${take('"$n"')} >&3; done; exec 3>&-; while read -r n; do :; done; kill -9 -1) <&4 &
  ooms; o0=$o
  timeout -s KILL "$tmo" ${cmd} "$@" < /tmp/.wbin 4<&-
  rc=$?
  kill -9 -1 2>/dev/null
  ooms
  printf '\\n%s %s %s\\n' "$nonce" "$rc" "$((o - o0))"
  printf '\\n%s\\n' "$nonce" >&2${wipe}
done
`;
}

/** The container's command: PID 1 becomes the execute-only shell when the image has one. */
export function containerCmd(script: string): string[] {
  return ['/bin/sh', '-c', `[ -x ${PRIVATE_SHELL} ] && exec ${PRIVATE_SHELL} -c "$1"; exec /bin/sh -c "$1"`, 'warmbox', script];
}

export interface RunHeader {
  nonce: string;
  fileName: string;
  code: Buffer;
  args: string[];
  /** The in-container backstop, in whole seconds; the daemon's own timer fires first. */
  backstopS: number;
}

export function encodeHeader(h: RunHeader): Buffer {
  const args = h.args.length ? Buffer.from(h.args.map(shQuote).join(' ')) : Buffer.alloc(0);
  const line = `\nWBRUN ${h.nonce} ${h.fileName} ${h.code.length} ${args.length} ${h.backstopS}\n`;
  return Buffer.concat([Buffer.from(line), h.code, args]);
}

/** One stdin frame; an empty frame is EOF. */
export function encodeStdin(data: Buffer | null): Buffer {
  if (!data || data.length === 0) return Buffer.from('0\n');
  return Buffer.concat([Buffer.from(`${data.length}\n`), data]);
}
