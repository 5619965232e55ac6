// The daemon's log: one line per event, with the time it took where that matters. Rotated at 2 MB.
import * as fs from 'fs';

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
