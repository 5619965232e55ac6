// The pre-started Python interpreter's launcher: started by PID 1 as the sandbox's uid at arming, it imports the
// profile's preload modules, blocks on the private channel (fd 5) until a run's spec arrives, then makes itself look
// like `python3 /work/<file> <args>` and runs the program in its own __main__ (see README, *Pre-started interpreters*).
// Its argv: the preload modules. The spec: `[m]<argc>\0<file>\0<arg>\0...` (file relative to /work; m: stderr into stdout).
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
    # What exists now (the interpreter's start, the preloaded modules) lives as long as the program: frozen, the
    # collector never walks it again, nor does Python's finalization at exit, which was most of an exit's cost with
    # numpy preloaded (22 -> 6 ms measured in its image; a print: 4 -> 3 ms). gc leaves sys.modules as it found it.
    had_gc = 'gc' in sys.modules
    __import__('gc').freeze()
    if not had_gc:
        del sys.modules['gc']
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
        if len(parts) > 2 and len(parts) - 1 >= int(parts[0].lstrip(b'm')) + 2:
            break
    os.close(5)
    argc = int(parts[0].lstrip(b'm'))
    if parts[0].startswith(b'm'):
        # The run's streams merged: stderr is stdout, as a plain start under 2>&1.
        os.dup2(1, 2)
    path = '/work/' + os.fsdecode(parts[1])
    args = [os.fsdecode(a) for a in parts[2:2 + argc]]
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
    # The program's stdin: the FIFO PID 1's relay feeds (blocks until the relay opens it, as a plain start's would).
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
    try:
        with io.open(path, 'rb') as fh:
            src = fh.read()
        code = compile(src, path, 'exec', dont_inherit=True)
        del src, fh
        exec(code, g)
    except SystemExit:
        raise
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
_wb()
`;
