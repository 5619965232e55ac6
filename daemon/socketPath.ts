// Where a user's daemon listens, keeps its log and writes its pid.
// One folder per user that only that user may enter: the socket's permissions alone are not honoured everywhere.
import fs = require('fs');
import path = require('path');
import type * as CryptoModule from 'crypto';
import type * as OsModule from 'os';

// Loaded when first needed: a CLI process only needs the socket's path, and each module costs it time to load.
const sha1 = (s: string): string => (require('crypto') as typeof CryptoModule).createHash('sha1').update(s).digest('hex');
const os = (): typeof OsModule => require('os');

export interface RuntimePaths {
  dir: string;
  socket: string;
  log: string;
  /** Stable id of this socket; containers are labelled with it so that two daemons of one user never reap each other's. */
  scope: string;
}

function uidPart(): string {
  return typeof process.getuid === 'function' ? String(process.getuid()) : os().userInfo().username;
}

/** WARMBOX_RUNTIME_DIR overrides (tests, several daemons side by side). */
export function runtimeDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.WARMBOX_RUNTIME_DIR) return path.resolve(env.WARMBOX_RUNTIME_DIR);
  if (process.platform !== 'win32' && env.XDG_RUNTIME_DIR) return path.join(env.XDG_RUNTIME_DIR, 'warmbox');
  return path.join(os().tmpdir(), `warmbox-${uidPart()}`);
}

export function runtimePaths(env: NodeJS.ProcessEnv = process.env): RuntimePaths {
  const dir = runtimeDir(env);
  const socket = process.platform === 'win32' ? `\\\\.\\pipe\\warmbox-${os().userInfo().username}-${sha1(dir).slice(0, 8)}` : path.join(dir, 'warmboxd.sock');
  return {
    dir,
    socket,
    log: path.join(dir, 'warmboxd.log'),
    get scope() {
      return sha1(`${uidPart()}:${socket}`).slice(0, 12);
    },
  };
}

/** Creates the folder 0700, or refuses one that another user owns or others can enter. */
export function ensurePrivateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (process.platform === 'win32') return;
  const st = fs.lstatSync(dir);
  if (!st.isDirectory()) throw new Error(`${dir} is not a folder`);
  if (typeof process.getuid === 'function' && st.uid !== process.getuid()) {
    throw new Error(`${dir} belongs to uid ${st.uid}, not to you (uid ${process.getuid()}); refusing to use it`);
  }
  if ((st.mode & 0o077) !== 0) fs.chmodSync(dir, 0o700);
}
