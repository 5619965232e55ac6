// The pre-started Python interpreter's launcher: started by PID 1 as the sandbox's uid at arming, it imports the
// profile's preload modules, blocks on the private channel (fd 5) until a run's spec arrives, then makes itself look
// like `python3 /work/<file> <args>` and runs the program in its own __main__ (see README, *Pre-started interpreters*).
// Its argv: the preload modules. The spec: `[c][m]<argc>\0<file>\0<arg>\0...[<code>\0]` (file relative to /work; c: the
// code follows, for the launcher to write to the file; m: stderr into stdout).
// (Kept free of backticks and dollar-brace: it is a template string.)
export const PYTHON_LAUNCHER = String.raw`import sys
def _wb():
    import sys, os, io, _signal
    me = __file__
    g = globals()
    del g['_wb'], g['sys']
    # A background job of PID 1's shell starts with SIGINT and SIGQUIT ignored; a plain start has the defaults.
    _signal.signal(_signal.SIGINT, _signal.default_int_handler)
    _signal.signal(_signal.SIGQUIT, _signal.SIG_DFL)
    here = sys.path[0]
    mods = sys.argv[1:]
    safe = sys.flags.safe_path
    if mods:
        # Preloading never imports from the project, and whatever a module prints on import goes nowhere.
        if not safe:
            del sys.path[0]
        s1, s2 = os.dup(1), os.dup(2)
        n = os.open(os.devnull, os.O_WRONLY)
        os.dup2(n, 1)
        os.dup2(n, 2)
        os.close(n)
        for m in mods:
            try:
                __import__(m)
            except BaseException:
                pass
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except BaseException:
            pass
        os.dup2(s1, 1)
        os.dup2(s2, 2)
        os.close(s1)
        os.close(s2)
        if not safe:
            sys.path.insert(0, here)
    # The compiler's first use sets up its syntax tree types (1.4 ms in the image, then 20-70 us a program): done now.
    compile('', me, 'exec', dont_inherit=True)
    # What exists now (the interpreter's start, the preloaded modules) lives as long as the program: frozen, the
    # collector never walks it again, nor does Python's finalization at exit, which was most of an exit's cost with
    # numpy preloaded (22 -> 6 ms measured in its image; a print: 4 -> 3 ms). gc leaves sys.modules as it found it.
    had_gc = 'gc' in sys.modules
    gcm = __import__('gc')
    gcm.freeze()
    if not had_gc:
        del sys.modules['gc']
    # (for leave(), below: what was loaded before the run, and whether C's stdio buffers, as Python set it up)
    before = frozenset(sys.modules)
    cbuf = not getattr(sys.__stdout__, 'write_through', False)
    # (by id, not a reference: an original stream the program lets go is destroyed, and flushed, when it lets go)
    std = (id(sys.__stdout__), id(sys.__stderr__))
    # The program's __main__ is made after that, with the same names in the same order: a frozen one would outlive
    # the collection at exit, and its objects' finalizers would run after sys.stdout is gone (their output lost).
    main = type(sys)('__main__')
    main.__dict__.update(g)
    sys.modules['__main__'] = main
    g = main.__dict__
    data = b''
    while True:
        chunk = os.read(5, 65536)
        if not chunk:
            os._exit(0)
        data += chunk
        parts = data.split(b'\0')
        flags = parts[0].rstrip(b'0123456789')
        if len(parts) > 2 and len(parts) - 1 >= int(parts[0][len(flags):]) + 2 + (b'c' in flags):
            break
    os.close(5)
    argc = int(parts[0][len(flags):])
    if b'm' in flags:
        # The run's streams merged: stderr is stdout, as a plain start under 2>&1.
        os.dup2(1, 2)
    path = '/work/' + os.fsdecode(parts[1])
    args = [os.fsdecode(a) for a in parts[2:2 + argc]]
    src = None
    if b'c' in flags:
        # The program's file is ours to write (PID 1 started no process for it), as the sandbox's uid with PID 1's
        # umask, like its own writer; a file that cannot be written ends the run as that writer's failure would.
        src = parts[2 + argc]
        try:
            d = os.path.dirname(path)
            if d != '/work':
                os.makedirs(d, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
            try:
                view = memoryview(src)
                while view:
                    view = view[os.write(fd, view):]
            finally:
                os.close(fd)
        except OSError as e:
            os.write(2, ('warmbox: cannot write the program file ' + path + ': ' + str(e.strerror) + '\n').encode())
            os._exit(96)
    # sys.path[0] as Python computes it for a script: one readlink, then realpath, then the directory.
    p0 = path
    try:
        link = os.readlink(p0)
        p0 = link if link.startswith('/') else os.path.join(os.path.dirname(p0), link)
    except OSError:
        pass
    p0 = os.path.dirname(os.path.realpath(p0))
    if not safe:
        sys.path[0] = p0
        sys.path_importer_cache.pop(here, None)
    # A preloaded module the project shadows (a file or package of the same name next to the program) is dropped.
    for m in mods:
        top = m.split('.')[0]
        if any(os.path.exists(os.path.join(p0, top + x)) for x in ('.py', '', '.pyc')) and top in sys.modules:
            for k in [k for k in sys.modules if k == top or k.startswith(top + '.')]:
                del sys.modules[k]
    orig = list(sys.orig_argv)
    i = orig.index(me) if me in orig else len(orig)
    sys.orig_argv = orig[:i] + [path] + args
    sys.argv = [path] + args
    # The program's stdin: the FIFO the run's relay feeds (it holds a writer from arming: the open does not wait).
    fd = os.open('/run/warmbox/in', os.O_RDONLY)
    if fd != 0:
        os.dup2(fd, 0)
        os.close(fd)
    old = sys.stdin
    buf = io.open(0, 'rb', -1, closefd=False)
    buf.raw.name = '<stdin>'
    new = io.TextIOWrapper(buf, old.encoding, old.errors, '\n', old.line_buffering, old.write_through)
    new.mode = 'r'
    sys.stdin = sys.__stdin__ = new
    g['__file__'] = path
    g['__loader__'] = sys.modules['_frozen_importlib_external'].SourceFileLoader('__main__', path)
    raw = buf.raw

    def leave(status):
        # A plain start's exit, without the part nothing can see: Python joins the threads, runs the atexit
        # functions and flushes stdout and stderr, then tears down its modules and objects (most of an exit's time:
        # 5-7 ms with numpy loaded, even frozen). That teardown is seen only through finalizers (__del__, io objects
        # flushing, generators' finally, weakref callbacks) and C libraries' buffered stdio: if the program left any
        # of them, or anything the check cannot tell, the launcher returns and Python exits as usual.
        if sys.flags.inspect or os.environ.get('PYTHONINSPECT'):
            return
        th = sys.modules.get('threading')
        if th is not None:
            th._shutdown()
        tc = sys.modules['_thread']._count
        if tc():
            return
        ax = sys.modules.get('atexit')
        if ax is not None:
            ax._run_exitfuncs()
        if tc():
            return
        # C code may have written through C's stdio, which only exit() flushes: unbuffered with -u or PYTHONUNBUFFERED
        # (the built-in profile's), else ctypes or a C extension the program loaded could have.
        if cbuf:
            if '_ctypes' in sys.modules:
                return
            mt = type(sys)
            for name, m in list(sys.modules.items()):
                if name not in before:
                    f = m.__dict__.get('__file__') if type(m) is mt else None
                    if type(m) is not mt or type(f) is not str and f is not None or f and not f.endswith('.py'):
                        return
        objs = gcm.get_objects()
        if len(objs) > 50000:
            return
        # (the types' own dicts and MRO, read without attribute look-ups a metaclass could answer)
        mro = type.__dict__['__mro__'].__get__
        dct = type.__dict__['__dict__'].__get__
        wref = sys.modules['_weakref']
        cb = wref.ReferenceType.__dict__['__callback__'].__get__
        proxies = (id(wref.ProxyType), id(wref.CallableProxyType))
        mine = (id(new), id(buf), id(raw))
        known = {}
        for o in objs:
            t = type(o)
            ok = known.get(id(t))
            if ok is None:
                ok = known[id(t)] = id(t) not in proxies and not any('__del__' in dct(k) for k in mro(t))
            if not ok and id(o) not in mine or ok and issubclass(t, wref.ReferenceType) and cb(o) is not None:
                return
        objs = o = None
        # The interpreter's own streams are frozen, out of the scan: replaced or set to None, they still hold text the
        # teardown would flush when it destroys them.
        if sys.stdout is not sys.__stdout__ or sys.stderr is not sys.__stderr__ or (id(sys.__stdout__), id(sys.__stderr__)) != std:
            return
        for f in (sys.stdout, sys.stderr):
            if f is not None and type(f) is not io.TextIOWrapper:
                return
        for f in (sys.stdout, sys.stderr):
            if f is not None and not f.closed:
                f.flush()
        # The status, for PID 1 (see saidEnd in script.ts): the run ends there, not after the kernel's teardown.
        try:
            os.write(os.open('/run/warmbox/done', os.O_WRONLY | os.O_NONBLOCK), b'%d\n' % (status & 255))
        except OSError:
            pass
        os._exit(status)

    left = None
    try:
        if src is None:
            with io.open(path, 'rb') as fh:
                src = fh.read()
            del fh
        if b'\0' in src:
            # compile() refuses a NUL anywhere, while the interpreter's file tokenizer reads up to it: such a program
            # gets a plain start, this very process made the interpreter the profile names (same argv, fds, pid).
            os.set_inheritable(0, True)
            os.execv(sys.executable, sys.orig_argv)
        code = compile(src, path, 'exec', dont_inherit=True)
        del src
        exec(code, g)
    except SystemExit as e:
        left = e
    except BaseException as e:
        tb = e.__traceback__
        # The launcher's own frames are not the program's: a plain start's traceback begins at the program.
        while tb is not None and tb.tb_frame.f_code.co_filename == me:
            tb = tb.tb_next
        e.__traceback__ = tb
        sys.last_type, sys.last_value, sys.last_traceback = type(e), e, tb
        sys.excepthook(type(e), e, tb)
        if isinstance(e, KeyboardInterrupt):
            # As Python does: exit handlers, then die of SIGINT.
            import atexit
            atexit._run_exitfuncs()
            for s in (sys.stdout, sys.stderr):
                try:
                    s.flush()
                except BaseException:
                    pass
            _signal.signal(_signal.SIGINT, _signal.SIG_DFL)
            os.kill(os.getpid(), _signal.SIGINT)
        raise SystemExit(1)
    # (outside any handler, as a plain start's exit runs: the program ended, or called sys.exit with a number)
    c = 0 if left is None else left.code if type(left) is SystemExit else ''
    c = 0 if c is None else c
    if type(c) is int and -2147483648 <= c <= 2147483647:
        try:
            leave(c)
        except BaseException:
            pass
    if left is not None:
        raise left
_wb()
`;
