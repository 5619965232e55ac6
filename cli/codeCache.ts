// Runs the CLI's bundle through V8's code cache. Node compiles a script's source at every start, and each function
// again on its first call: for a `warmbox run` that is milliseconds of its few tens. The cache keeps V8's compiled
// code of the bundle, top level and every function a run called, and the next start takes it instead of compiling.
//
// The cache can only help or be ignored, never change what runs: V8 refuses data of another V8 version or other
// flags (we then write it anew); data of another build of the bundle is never offered (its key names the bundle's
// size, mtime, ctime and inode, as V8 itself compares lengths only: npm installs every file with one fixed mtime, and
// a write always moves ctime, which no program can set back); it is read only from a folder that only this user can write
// (data V8 accepts is code it runs); any trouble reading or writing it and the bundle is compiled as usual.
import fs = require('fs');
import path = require('path');
import type * as VmModule from 'vm';

/** The cache's file: one per set of Node options, which V8 compares (a CLI started as `node cli.js` and by its sh line). */
export function cacheFileName(execArgv: string[] = process.execArgv): string {
  const tag = execArgv.join(' ').replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 80);
  return tag ? `cli.${tag}.v8cache` : 'cli.v8cache';
}

/** Node's CommonJS wrapper, on the source's first line so that line numbers stay the file's. */
const WRAP_START = '(function (exports, require, module, __filename, __dirname) { ';
const WRAP_END = '\n})';

export interface CodeCacheOptions {
  /** Where the cache lives (the user's private runtime folder); undefined: no cache. */
  dir: string | undefined;
  /** A run's functions are what the cache is for: the data of another command is replaced after a run. */
  isRun: boolean;
}

/** What became of the cache, for tests: found none, V8 took it or refused it; written anew at exit. */
export interface CacheReport {
  found: 'none' | 'used' | 'rejected';
  written: boolean;
}

/** Runs `file` (a CommonJS bundle with no requires of its own files) as Node would, with its compiled code cached. */
export function runWithCodeCache(file: string, opts: CodeCacheOptions, report?: (r: CacheReport) => void): void {
  const vm = require('vm') as typeof VmModule;
  const source = fs.readFileSync(file, 'utf8');
  const st = fs.statSync(file);
  const key = `${st.size}:${Math.round(st.mtimeMs)}:${Math.round(st.ctimeMs)}:${st.ino}`;
  const cacheFile = opts.dir !== undefined ? path.join(opts.dir, cacheFileName()) : undefined;
  const cached = cacheFile && privateDir(opts.dir as string) ? readCache(cacheFile, key) : undefined;
  const script = new vm.Script(WRAP_START + source + WRAP_END, { filename: file, columnOffset: -WRAP_START.length, cachedData: cached?.data });
  const r: CacheReport = { found: !cached ? 'none' : script.cachedDataRejected ? 'rejected' : 'used', written: false };
  // Written at exit: by then V8 holds the code of every function this command called, and the data carries it (and
  // the folder exists when this run was the one that started the daemon).
  if (cacheFile && (r.found !== 'used' || (opts.isRun && !cached?.fromRun))) {
    process.once('exit', () => {
      if (privateDir(opts.dir as string)) r.written = writeCache(cacheFile, key, opts.isRun, script.createCachedData());
      report?.(r);
    });
  } else if (report) {
    process.once('exit', () => report(r));
  }
  // Our own require: the bundle requires Node's modules only (`module`'s createRequire would load the ES module loader).
  const module = { exports: {}, filename: file, id: '.', loaded: false, require };
  (script.runInThisContext() as (...a: unknown[]) => void).call(module.exports, module.exports, require, module, file, path.dirname(file));
}

/** The cache's first line: "warmbox-cli <key> <run|other>", then V8's data. */
function readCache(file: string, key: string): { data: Buffer; fromRun: boolean } | undefined {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch {
    return undefined;
  }
  const nl = buf.indexOf(10);
  if (nl < 0 || nl > 200) return undefined;
  const [magic, k, from] = buf.subarray(0, nl).toString('latin1').split(' ');
  if (magic !== 'warmbox-cli' || k !== key) return undefined;
  return { data: buf.subarray(nl + 1), fromRun: from === 'run' };
}

function writeCache(file: string, key: string, fromRun: boolean, data: Buffer): boolean {
  // Written aside and renamed: two CLIs ending together each leave a whole file.
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, Buffer.concat([Buffer.from(`warmbox-cli ${key} ${fromRun ? 'run' : 'other'}\n`, 'latin1'), data]), { mode: 0o600 });
    fs.renameSync(tmp, file);
    return true;
  } catch {
    try {
      fs.unlinkSync(tmp);
    } catch {
      // nothing was written
    }
    return false;
  }
}

/** A folder (not a link) of this user that no one else may write to: what is read from it is code V8 will run. */
export function privateDir(dir: string): boolean {
  if (process.platform === 'win32' || typeof process.getuid !== 'function') return false;
  try {
    const st = fs.lstatSync(dir);
    return st.isDirectory() && st.uid === process.getuid() && (st.mode & 0o022) === 0;
  } catch {
    return false;
  }
}
