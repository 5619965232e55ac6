// The daemon's log: one line per event, with the time it took where that matters. Rotated at 2 MB.
import fs = require('fs');

const MAX_BYTES = 2 * 1024 * 1024;

export interface Logger {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

export function createLogger(file: string | null, alsoStderr: boolean): Logger {
  let fd: number | null = null;
  let size = 0;
  const open = () => {
    if (!file) return;
    fd = fs.openSync(file, 'a', 0o600);
    size = fs.fstatSync(fd).size;
  };
  open();
  const write = (level: string, msg: string) => {
    const line = `${new Date().toISOString()} ${level} ${msg}\n`;
    if (alsoStderr) process.stderr.write(line);
    if (fd === null || !file) return;
    try {
      if (size > MAX_BYTES) {
        fs.closeSync(fd);
        fs.renameSync(file, file + '.1');
        open();
      }
      size += fs.writeSync(fd, line);
    } catch {
      /* a full disk must not take the daemon down */
    }
  };
  return {
    info: (m) => write('info', m),
    warn: (m) => write('warn', m),
    error: (m) => write('error', m),
  };
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

/** The last `lines` lines of a log file (at most its last 256 KiB); empty when there is none. */
export function tailFile(path: string, lines: number): string {
  try {
    const st = fs.statSync(path);
    const len = Math.min(st.size, 256 * 1024);
    const fd = fs.openSync(path, 'r');
    const buf = Buffer.alloc(len);
    fs.readSync(fd, buf, 0, len, st.size - len);
    fs.closeSync(fd);
    return buf.toString('utf8').split('\n').slice(-lines - 1).join('\n');
  } catch {
    return '';
  }
}

/** A duration as logs and messages say it: `250 ms`, `1.5 s`. */
export function fmtMs(ms: number): string {
  return ms >= 1000 ? `${+(ms / 1000).toFixed(1)} s` : `${ms} ms`;
}
