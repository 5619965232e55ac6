// The pre-started Node interpreter's launcher, loaded with `node -r <this> <placeholder> <preload...>` by PID 1 as the
// sandbox's uid at arming. Node's bootstrap runs it before the main module: it requires the preload modules; when Node
// then asks for the main module, it blocks on the private channel (fd 5) until a run's spec arrives, makes process.argv, process.execArgv and stdin those of
// `node /work/<file> <args>`, and hands Node's own Module.runMain the program's path, so the program is loaded by
// the same code (CommonJS or ES module) with the same frames below it as a plain start.
// The spec: `[c][m]<argc>\0<file>\0<arg>\0...[<code>\0]` (file relative to /work, or a build output's absolute path:
// TypeScript's; c: the code follows, for the launcher to write to the file; m: a merged run, which PID 1 sends only to
// an interpreter it started with fd 2 on fd 1). (No backticks or dollar-brace: a template string.)
export const NODE_LAUNCHER = String.raw`'use strict';
(function () {
  // Workers run the -r modules too: only the main thread takes a run.
  if (!require('worker_threads').isMainThread) return;
  const fs = require('fs');
  const path = require('path');
  const Module = require('module');
  const me = __filename;
  for (const m of process.argv.slice(2)) {
    try { require(m); } catch (e) {}
  }
  // Node makes stdout and stderr on first use, for a pipe as a net.Socket: loading net is most of the first
  // console.log's cost, so it is loaded now while nobody waits. (Making the streams themselves would also open
  // libuv's reserve fd, which a program listing its fds would see; loading the module opens nothing.)
  require('net');
  // The first console.log then still compiles its path (the socket's and the stream's constructors, the console's
  // formatting and writing): ~1.5 of its 3 ms. Run once here, on a socket without a handle and a console writing
  // nowhere: nothing of it is left but garbage (no fd, handle or listener).
  (function warm() {
    new (require('net').Socket)().destroy();
    const { Writable } = require('stream');
    const w = new Writable({ write(c, e, cb) { cb(); } });
    // (colorMode false: 'auto' opened a file descriptor the program would find open)
    const c = new console.Console({ stdout: w, stderr: w, colorMode: false });
    c.log('x'); c.log('%s %d', 'x', 1); c.log({ a: [1] }); c.error(new Error('x').message);
  })();
  // The first calls of the fs functions a run makes compile them (~1 ms): made once now, on /dev/null, /work (there
  // already) and nothing else.
  (function warmFs() {
    fs.mkdirSync('/work', { recursive: true });
    fs.writeFileSync('/dev/null', Buffer.alloc(1));
    const fd = fs.openSync('/dev/null', fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
    fs.writeSync(fd, '0\n');
    fs.closeSync(fd);
    fs.closeSync(fs.openSync('/dev/null', 'r'));
    path.resolve('/work', 'x/y.js');
  })();
  // The exit: once Node has emitted 'exit' to nobody (no listener of the program's or Node's own: a listener could
  // leave work for later) and no uncaught error is on its way out (its report is printed after 'exit'), the status is
  // said to PID 1 (done, a FIFO the sandbox's gid may write) and the process ends itself with SIGINT (Node leaves it
  // at its default unless the program listens for it; PID 1's shell reports no SIGINT death on stderr), skipping
  // Node's teardown (5-6 ms: the platform's threads, OpenSSL, static destructors). stdout and stderr are written
  // synchronously on Linux (pipes and files), so nothing is left to flush. Anything failing: Node exits as usual.
  const emit = process.emit;
  let fatal = false;
  process.emit = function emit_(type) {
    if (type === 'uncaughtExceptionMonitor') fatal = true;
    const had = emit.apply(this, arguments);
    // (process._exiting: Node's own 'exit', from process.exit() or the loop's end; one the program emits is an event
    // like any other, after which it goes on)
    if (type === 'exit' && !had && !fatal && process._exiting === true && process.listenerCount('SIGINT') === 0) {
      try {
        const fd = fs.openSync('/run/warmbox/done', fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
        fs.writeSync(fd, ((process.exitCode | 0) & 255) + '\n');
        process.kill(process.pid, 'SIGINT');
      } catch (e) {}
    }
    return had;
  };
  Object.defineProperty(process.emit, 'name', { value: 'emit' });
  delete require.cache[me];
  for (const k of Object.keys(Module._pathCache)) if (Module._pathCache[k] === me) delete Module._pathCache[k];
  // run_main_module calls Module.runMain(<placeholder>) once Node is done starting (its ESM loader made, the bootstrap
  // marked complete: 2-3 ms after the preload modules, once made while a run waited): the run's spec is awaited there.
  // The first look-up puts Node's own function back and returns it bound to the program's path (a bound call adds no
  // frame to a stack trace).
  const desc = Object.getOwnPropertyDescriptor(Module, 'runMain');
  Object.defineProperty(Module, 'runMain', {
    configurable: true,
    enumerable: desc.enumerable,
    get() {
      Object.defineProperty(Module, 'runMain', desc);
      const file = takeRun();
      // Node resets the RegExp statics (RegExp.lastMatch...) before the program runs; the launcher used them since.
      RegExp.prototype.exec.call(/^/, '');
      return desc.value.bind(Module, file);
    },
  });
  // Blocks on the channel until the spec comes; writes the program's file, sets argv and stdin; returns the path.
  function takeRun() {
    // The spec's first field: flags (c: the program's code follows its args; m: merged streams), then the arg count.
    const flags = (b) => b.toString().replace(/[0-9]+$/, '');
    const count = (b) => Number(b.toString().replace(/^[a-z]*/, ''));
    let data = Buffer.alloc(0);
    let parts = [];
    const chunk = Buffer.allocUnsafe(65536);
    for (;;) {
      const n = fs.readSync(5, chunk, 0, chunk.length, null);
      if (n === 0) process.reallyExit(0);
      data = Buffer.concat([data, chunk.subarray(0, n)]);
      parts = [];
      let s = 0;
      for (let i = 0; i < data.length; i++) if (data[i] === 0) { parts.push(data.subarray(s, i)); s = i + 1; }
      if (parts.length >= 2 && parts.length >= count(parts[0]) + 2 + (flags(parts[0]).includes('c') ? 1 : 0)) break;
    }
    fs.closeSync(5);
    const argc = count(parts[0]);
    const file = path.resolve('/work', parts[1].toString());
    if (flags(parts[0]).includes('c')) {
      // The program's file is ours to write (PID 1 started no process for it), as the sandbox's uid with PID 1's
      // umask, like its own writer; a file that cannot be written ends the run as that writer's failure would.
      try {
        // (PID 1 made /work)
        if (path.dirname(file) !== '/work') fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, parts[2 + argc]);
      } catch (e) {
        fs.writeSync(2, 'warmbox: cannot write the program file ' + file + ': ' + e.message + '\n');
        process.reallyExit(96);
      }
    }
    const argv0 = process.argv[0];
    process.argv.length = 0;
    process.argv.push(argv0, file, ...parts.slice(2, 2 + argc).map(String));
    // execArgv: the profile's own options, as a plain start has them; the launcher's -r goes.
    const r = process.execArgv.lastIndexOf(me);
    if (r > 0 && process.execArgv[r - 1] === '-r') process.execArgv.splice(r - 1, 2);
    // The program's stdin on fd 0: the FIFO the run's relay feeds (it holds a writer from arming: the open does not
    // wait); Node has no dup2, but open takes the lowest free descriptor.
    fs.closeSync(0);
    fs.openSync('/run/warmbox/in', 'r');
    return file;
  }
})();
`;
