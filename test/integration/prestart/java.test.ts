// The pre-started JVM (daemon/prestart/java.ts) against a plain start of the same build in the same image: each case
// runs in the built-in java profile until it lands in a sandbox armed with its build (where the JVM waits for it),
// and in a copy of the profile that starts every program plainly; stdout, stderr, exit status and outcome must match
// byte for byte, in both isolation modes.
import { strict as assert } from 'assert';
import type { IsolationMode, RunStartParams } from '../../../daemon/protocol';
import { runToEnd, TestDaemon } from '../../helpers/daemon';
import { type EquivalenceCase as Case, runUntil, shown, startWithPlainCopy } from '../../helpers/prestartCompiled';

const main = (body: string, extra = '') => `import java.io.*;\nimport java.util.*;\n\npublic class Main {\n${extra}  public static void main(String[] args) throws Exception {\n${body}\n  }\n}\n`;

const CASES: Case[] = [
  {
    name: 'properties, class path, command, environment, thread and stack',
    code: main(
      '    for (String k : new String[] { "java.class.path", "sun.java.command", "user.dir", "user.home", "java.home", "file.encoding", "stdout.encoding", "sun.jnu.encoding", "java.library.path" }) System.out.println(k + "=" + System.getProperty(k));\n' +
        '    TreeMap<String, String> env = new TreeMap<>(System.getenv()); env.remove("HOSTNAME"); System.out.println(env);\n' +
        '    System.out.println(Thread.currentThread().getName() + " " + Thread.currentThread().getThreadGroup().getName() + " " + Arrays.toString(new Throwable().getStackTrace()));\n' +
        '    System.out.println(args.length + " " + (System.console() == null) + " " + Main.class.getClassLoader().getName() + " " + Runtime.getRuntime().availableProcessors());',
    ),
  },
  { name: 'a caught exception, printed', code: main('    try { Integer.parseInt("x"); } catch (NumberFormatException e) { e.printStackTrace(); }\n    System.out.println("after");') },
  { name: 'an uncaught exception with a cause', code: main('    System.out.println("before");\n    f();', '  static void f() { try { int z = 0; System.out.println(1 / z); } catch (ArithmeticException e) { throw new IllegalStateException("bad", e); } }\n') },
  { name: 'System.exit(n) and a shutdown hook', code: main('    Runtime.getRuntime().addShutdownHook(new Thread(() -> System.out.println("hook")));\n    System.out.println("bye");\n    System.exit(3);') },
  { name: 'a static initializer that fails', code: main('    System.out.println("never");', '  static int x = Integer.parseInt("nope");\n') },
  { name: 'stdin text, line by line', stdin: 'one\ntwo\r\nthree', code: main('    BufferedReader r = new BufferedReader(new InputStreamReader(System.in));\n    for (String l; (l = r.readLine()) != null; ) System.out.println("[" + l + "]");') },
  { name: 'stdin numbers (Scanner)', stdin: '1 2 3\n4\n', code: main('    Scanner s = new Scanner(System.in);\n    long t = 0;\n    while (s.hasNextInt()) t += s.nextInt();\n    System.out.println(t);') },
  { name: 'stdin binary', stdin: Buffer.from(Array.from({ length: 256 }, (_, i) => i)), code: main('    byte[] d = System.in.readAllBytes();\n    boolean same = d.length == 256;\n    for (int i = 0; same && i < 256; i++) same = (d[i] & 0xff) == i;\n    System.out.println(d.length + " " + same);') },
  { name: 'stdin EOF at once', code: main('    System.out.println(System.in.read() + " " + System.in.available());') },
  { name: 'a thread that outlives main', code: main('    Thread t = new Thread(() -> { try { Thread.sleep(200); } catch (InterruptedException e) { } System.out.println(Thread.currentThread().getName() + " done"); });\n    t.start();\n    System.out.println("main returns");') },
  { name: 'no main method', code: 'public class Main {\n  static void run() {}\n}\n' },
  { name: 'a class named after its file', fileName: 'Greeter.java', code: 'public class Greeter {\n  public static void main(String[] a) {\n    System.out.println("hi from " + Greeter.class.getName() + " " + System.getProperty("sun.java.command"));\n  }\n}\n' },
  { name: 'streams merged: stderr into stdout, in the order written', streams: 'merged', code: main('    System.out.println("out 1");\n    System.err.println("err 1");\n    System.out.println("out 2");\n    throw new RuntimeException("boom");') },
  { name: 'arguments (a plain start: the JVM waits only for an argument-less run)', args: ['a b', "it's", ''], code: main('    System.out.println(Arrays.toString(args) + " " + System.getProperty("sun.java.command"));') },
  // A program's own class named like the agent's: the JVM still takes the agent from its jar (the boot class path).
  { name: "a program with a class named like warmbox's agent", code: 'package dev.warmbox;\npublic class Main { public static void main(String[] a) { System.out.println("main"); } }\nclass PrestartAgent { public static void premain(String s, java.lang.instrument.Instrumentation i) { System.out.println("the program ran at arming"); } }\n' },
  { name: 'a large output', code: main('    StringBuilder b = new StringBuilder();\n    for (int i = 0; i < 20000; i++) b.append(i).append(\'\\n\');\n    System.out.print(b);') },
];

function params(profile: string, c: Case, isolation: IsolationMode): RunStartParams {
  return { profile, code: c.code, fileName: c.fileName ?? 'Main.java', args: c.args ?? [], isolation, stdin: c.stdin === undefined ? undefined : Buffer.from(c.stdin).toString('base64'), streams: c.streams };
}

describe('pre-started JVM: equivalence with a plain start (real engine)', function () {
  this.timeout(180_000);
  let d: TestDaemon;

  before(async () => {
    d = await startWithPlainCopy('java', 'javaplain');
  });
  after(async () => {
    await d?.stop();
  });

  /** c in the java profile, in a sandbox armed with its build (where the JVM waits for it). */
  const armedRun = (c: Case, isolation: IsolationMode) => runUntil(d, () => params('java', c, isolation), (r) => r.result.compile?.armed === true, `"${c.name}" landed in a sandbox armed with its build`);

  for (const isolation of ['fresh', 'reuse'] as const) {
    describe(`${isolation} sandboxes`, () => {
      it('the built-in profile really runs an armed build in the pre-started JVM; the plain profile and a run with arguments do not', async () => {
        const probe = main('    System.out.println(new String(java.nio.file.Files.readAllBytes(java.nio.file.Paths.get("/proc/self/cmdline"))).contains("-javaagent:"));');
        const c: Case = { name: 'probe', code: probe };
        assert.equal((await armedRun(c, isolation)).stdout.toString(), 'true\n');
        assert.equal((await runToEnd(d.client, params('javaplain', c, isolation))).stdout.toString(), 'false\n');
        const withArgs = await runToEnd(d.client, params('java', { ...c, args: ['x'] }, isolation));
        assert.equal(withArgs.result.compile?.armed, true, 'the run with arguments was not served by an armed sandbox');
        assert.equal(withArgs.stdout.toString(), 'false\n');
      });
      for (const c of CASES) {
        it(c.name, async () => {
          const a = await armedRun(c, isolation);
          const b = await runToEnd(d.client, params('javaplain', c, isolation));
          assert.deepEqual(shown(a), shown(b));
          assert.notEqual(a.result.outcome, 'infra-error');
        });
      }
    });
  }
});
