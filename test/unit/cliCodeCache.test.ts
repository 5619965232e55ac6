// The CLI's code cache (cli/codeCache.ts), each case in a Node process of its own: the cache is written as it exits.
import { strict as assert } from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cacheFileName, CacheReport } from '../../cli/codeCache';

const MODULE = path.join(__dirname, '../../cli/codeCache.js');

/** A bundle that prints what a CommonJS module sees, then calls a function (compiled lazily, so the cache holds it after a run). */
const BUNDLE = `"use strict";
function later(x) { return x.map((s) => s.toUpperCase()).join("+"); }
process.stdout.write(JSON.stringify({ file: __filename, dir: __dirname, req: typeof require, exp: module.exports === exports, self: this === exports, argv: process.argv.slice(2), out: later(["a", "b"]) }) + "\\n");
`;

describe('CLI code cache', () => {
  let dir: string;
  let cacheDir: string;
  let bundle: string;

  /** Runs the bundle through runWithCodeCache in a new process; its stdout's first line is the bundle's, the last the cache report. */
  const run = (isRun = true, args: string[] = ['x', '--y'], nodeOptions: string[] = []) => {
    // A file, as dist/cli.js is: the bundle then sees the argv a program sees.
    const launcher = path.join(dir, 'launch.js');
    fs.writeFileSync(launcher, `require(${JSON.stringify(MODULE)}).runWithCodeCache(${JSON.stringify(bundle)}, { dir: ${JSON.stringify(cacheDir)}, isRun: ${isRun} }, (r) => process.stdout.write(JSON.stringify(r) + "\\n"))`);
    const r = spawnSync(process.execPath, [...nodeOptions, launcher, ...args], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const [seen, report] = r.stdout.trim().split('\n');
    return { seen: JSON.parse(seen) as Record<string, unknown>, report: JSON.parse(report) as CacheReport };
  };
  const cacheFile = () => path.join(cacheDir, cacheFileName([]));

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wbcache-'));
    cacheDir = path.join(dir, 'rt');
    fs.mkdirSync(cacheDir, { mode: 0o700 });
    bundle = path.join(dir, 'bundle.js');
    fs.writeFileSync(bundle, BUNDLE);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('runs the bundle as Node runs a CommonJS file: its own __filename, __dirname, require, module, this, argv', () => {
    const { seen } = run();
    assert.deepEqual(seen, { file: bundle, dir, req: 'function', exp: true, self: true, argv: ['x', '--y'], out: 'A+B' });
    const direct = spawnSync(process.execPath, [bundle, 'x', '--y'], { encoding: 'utf8' });
    assert.deepEqual(JSON.parse(direct.stdout), seen);
  });

  it('writes the cache at the first run, and the next run takes it without writing again', () => {
    const first = run();
    assert.deepEqual(first.report, { found: 'none', written: true });
    assert.equal(fs.statSync(cacheFile()).mode & 0o777, 0o600);
    assert.match(fs.readFileSync(cacheFile()).subarray(0, 60).toString('latin1'), /^warmbox-cli \d+:\d+:\d+:\d+ run\n/);
    const second = run();
    assert.deepEqual(second.report, { found: 'used', written: false });
    assert.deepEqual(second.seen, first.seen);
  });

  it('a new bundle of the same size and mtime (npm installs every file with one fixed mtime) runs its own code, not the cached one', () => {
    const first = run();
    assert.equal(first.seen.out, 'A+B');
    const st = fs.statSync(bundle);
    // An upgrade: same length (V8 compares only that), the same mtime npm gives every file it installs.
    fs.writeFileSync(bundle, BUNDLE.replace('toUpperCase', 'toLowerCase'));
    fs.utimesSync(bundle, st.atime, st.mtime);
    assert.equal(fs.statSync(bundle).size, st.size);
    const second = run();
    assert.equal(second.seen.out, 'a+b');
  });

  it('a cache written by another command is taken, and replaced by the next run', () => {
    assert.deepEqual(run(false).report, { found: 'none', written: true });
    assert.deepEqual(run(false).report, { found: 'used', written: false });
    assert.deepEqual(run(true).report, { found: 'used', written: true });
    assert.deepEqual(run(true).report, { found: 'used', written: false });
  });

  it('keeps one cache per set of Node options (V8 refuses data made under other flags): no rewriting when they alternate', () => {
    assert.equal(cacheFileName([]), 'cli.v8cache');
    assert.equal(cacheFileName(['--no-rehash-snapshot']), 'cli.no-rehash-snapshot.v8cache');
    assert.deepEqual(run().report, { found: 'none', written: true });
    assert.deepEqual(run(true, [], ['--no-rehash-snapshot']).report, { found: 'none', written: true });
    assert.deepEqual(run().report, { found: 'used', written: false });
    const flagged = run(true, ['x', '--y'], ['--no-rehash-snapshot']);
    assert.deepEqual(flagged.report, { found: 'used', written: false });
    assert.equal(flagged.seen.out, 'A+B');
    assert.ok(fs.existsSync(path.join(cacheDir, 'cli.no-rehash-snapshot.v8cache')));
  });

  it('data V8 refuses (another V8, or damaged) only costs the compile: the bundle runs and the cache is written anew', () => {
    run();
    const f = fs.readFileSync(cacheFile());
    const nl = f.indexOf(10);
    fs.writeFileSync(cacheFile(), Buffer.concat([f.subarray(0, nl + 1), Buffer.alloc(f.length - nl - 1, 0x5a)]));
    const r = run();
    assert.deepEqual(r.report, { found: 'rejected', written: true });
    assert.equal(r.seen.out, 'A+B');
    assert.deepEqual(run().report, { found: 'used', written: false });
  });

  it('another build of the bundle never gets the old data, even of the same length', () => {
    run();
    // Same length, other code: V8 compares lengths only, so the key (size, mtime, ctime, inode) must keep the old data away.
    fs.writeFileSync(bundle, BUNDLE.replace('toUpperCase', 'toLowerCase'));
    fs.utimesSync(bundle, new Date(), new Date(Date.now() + 5000));
    const r = run();
    assert.deepEqual(r.report, { found: 'none', written: true });
    assert.equal(r.seen.out, 'a+b');
  });

  it('a folder others may write to (or a link to one) is neither read nor written', () => {
    run();
    fs.chmodSync(cacheDir, 0o777);
    const open = run();
    assert.deepEqual(open.report, { found: 'none', written: false });
    assert.equal(open.seen.out, 'A+B');
    fs.chmodSync(cacheDir, 0o700);
    const link = path.join(dir, 'link');
    fs.symlinkSync(cacheDir, link);
    cacheDir = link;
    assert.deepEqual(run().report, { found: 'none', written: false });
  });

  it('a folder made during the run (the run started the daemon, which makes it) gets the cache at exit', () => {
    cacheDir = path.join(dir, 'later');
    fs.writeFileSync(bundle, `require("fs").mkdirSync(${JSON.stringify(cacheDir)}, { mode: 0o700 });\n${BUNDLE}`);
    assert.deepEqual(run().report, { found: 'none', written: true });
    assert.ok(fs.existsSync(cacheFile()));
  });

  it('no folder (it does not exist yet): runs without a cache', () => {
    cacheDir = path.join(dir, 'missing');
    const r = run();
    assert.deepEqual(r.report, { found: 'none', written: false });
    assert.equal(r.seen.out, 'A+B');
    assert.ok(!fs.existsSync(cacheDir));
  });
});
