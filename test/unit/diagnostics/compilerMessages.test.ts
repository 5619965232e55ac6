import { strict as assert } from 'assert';
import { parseCompilerMessages, parseRuntimeTrace } from '../../../extension/diagnostics/compilerMessages';

// Real output of the warmbox images' compilers (captured from runs), so the formats are the ones users get.
describe('compiler messages', () => {
  it('reads gcc/g++ (errors and warnings; the "In function" line is not one)', () => {
    const m = parseCompilerMessages("/work/main.c: In function ‘main’:\n/work/main.c:4:3: error: expected ‘,’ or ‘;’ before ‘return’\n    4 |   return undefined_name;\n      |   ^~~~~~\n/work/x.h:2:5: warning: unused variable ‘y’ [-Wunused-variable]\n");
    assert.deepEqual(m, [
      { file: '/work/main.c', line: 3, col: 2, severity: 'error', message: 'expected ‘,’ or ‘;’ before ‘return’' },
      { file: '/work/x.h', line: 1, col: 4, severity: 'warning', message: 'unused variable ‘y’ [-Wunused-variable]' },
    ]);
  });

  it('reads go', () => {
    assert.deepEqual(parseCompilerMessages('# command-line-arguments\n./main.go:3:15: undefined: undefinedName\n'), [
      { file: './main.go', line: 2, col: 14, severity: 'error', message: 'undefined: undefinedName' },
    ]);
  });

  it('reads rustc', () => {
    const text = "error[E0425]: cannot find function `undefined_name` in this scope\n --> /work/main.rs:3:5\n  |\n3 |     undefined_name(x);\n  |     ^^^^^^^^^^^^^^ not found in this scope\n\nerror: aborting due to previous error\n\nFor more information about this error, try `rustc --explain E0425`.\n";
    assert.deepEqual(parseCompilerMessages(text), [{ file: '/work/main.rs', line: 2, col: 4, severity: 'error', message: 'cannot find function `undefined_name` in this scope' }]);
  });

  it('reads javac, the column from the caret', () => {
    const text = '/work/Main.java:3: error: cannot find symbol\n    undefinedName();\n    ^\n  symbol:   method undefinedName()\n  location: class Main\n1 error\n';
    assert.deepEqual(parseCompilerMessages(text), [{ file: '/work/Main.java', line: 2, col: 4, severity: 'error', message: 'cannot find symbol; symbol:   method undefinedName(); location: class Main' }]);
  });

  it('reads esbuild (the TypeScript transpiler) and tsc', () => {
    const text = '✘ [ERROR] Unexpected ";"\n\n    main.ts:3:10:\n      3 │ const c = ;\n        ╵           ^\n\n';
    assert.deepEqual(parseCompilerMessages(text), [{ file: 'main.ts', line: 2, col: 9, severity: 'error', message: 'Unexpected ";"' }]);
    assert.deepEqual(parseCompilerMessages("src/a.ts(4,7): error TS2322: Type 'string' is not assignable to type 'number'.\n"), [
      { file: 'src/a.ts', line: 3, col: 6, severity: 'error', message: "TS2322: Type 'string' is not assignable to type 'number'." },
    ]);
  });

  it('finds nothing in ordinary output', () => {
    assert.deepEqual(parseCompilerMessages('hello\nworld: 3\n'), []);
  });
});

describe('runtime stack traces', () => {
  it('reads Node/TypeScript frames, outermost first, skipping node internals', () => {
    const err = '/work/r.js:2\n  throw new Error("boom");\n  ^\n\nError: boom\n    at f (/work/r.js:2:9)\n    at Object.<anonymous> (/work/r.js:4:1)\n    at Module._compile (node:internal/modules/cjs/loader:1364:14)\n\nNode.js v18.20.4';
    assert.deepEqual(parseRuntimeTrace('node', err), { frames: [{ file: '/work/r.js', line: 3 }, { file: '/work/r.js', line: 1 }], message: 'Error: boom' });
  });
  it('reads Ruby', () => {
    const err = "/work/r.rb:2:in `f': boom (RuntimeError)\n\tfrom /work/r.rb:4:in `<main>'\n";
    assert.deepEqual(parseRuntimeTrace('ruby', err), { frames: [{ file: '/work/r.rb', line: 3 }, { file: '/work/r.rb', line: 1 }], message: 'boom (RuntimeError)' });
  });
  it('reads PHP', () => {
    const err = 'PHP Fatal error:  Uncaught Exception: boom in /work/r.php:3\nStack trace:\n#0 /work/r.php(5): f()\n#1 {main}\n  thrown in /work/r.php on line 3\n';
    assert.deepEqual(parseRuntimeTrace('php', err), { frames: [{ file: '/work/r.php', line: 4 }, { file: '/work/r.php', line: 2 }], message: 'Uncaught Exception: boom' });
  });
  it('reads Java (bare file names)', () => {
    const err = 'Exception in thread "main" java.lang.RuntimeException: boom\n\tat Main.f(Main.java:2)\n\tat Main.main(Main.java:4)\n';
    assert.deepEqual(parseRuntimeTrace('java', err), { frames: [{ file: 'Main.java', line: 3 }, { file: 'Main.java', line: 1 }], message: 'java.lang.RuntimeException: boom' });
  });
  it('says null for a profile without a reader or no frames', () => {
    assert.equal(parseRuntimeTrace('lua', 'x'), null);
    assert.equal(parseRuntimeTrace('node', 'just text'), null);
  });
});
