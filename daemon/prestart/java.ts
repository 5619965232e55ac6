// The pre-started JVM (built-in java profile). Java cannot be handed a program after it started the way Python and
// Node are (no exec of another file in-process, no dup2, no chdir), but its agents run before the main class loads:
// PID 1 starts the JVM with the command line a plain start of the sandbox's armed build would have (the same flags,
// `-cp {out}`, the class named after the file) plus `-javaagent:` warmbox's agent (images/java/prestart/, in the
// image), whose premain warms the JVM up and blocks on PID 1's private channel until the run comes. The JVM's launcher
// then loads the class and calls main as for a plain start: the same thread, no frame of warmbox's below main,
// the same exit status and uncaught-exception text. So only a run of that very class (the set's armed build, no
// arguments, in /work, without run-specific variables) goes to it; any other starts plainly.
// Its stdin is the run's FIFO from the start (Java has no dup2): PID 1 holds a writer on fd 6 so that the JVM's open
// does not wait and its reads block rather than end; the run's relay takes that writer over (see relay in armScript).
import { expand } from '../languages/placeholders';

/** The agent's jar in the java image (images/java/prestart/build.sh). */
export const JAVA_AGENT = '/opt/warmbox/java/prestart.jar';

/** `java <flags> -cp {out} {name}` and nothing PID 1 cannot know at arming ({file}, {dir}). */
export function javaPrestartable(command: string[]): boolean {
  const base = command[0].replace(/^.*\//, '');
  const middle = command.slice(1, -1);
  return base === 'java' && command[command.length - 1] === '{name}' && middle.every((a) => !/\{(file|dir|name)\}/.test(a));
}

/** The JVM's arguments before its main class, with {out} as PID 1 will have it. */
export function javaOptions(command: string[], out: string): string[] {
  return command.slice(1, -1).map((a) => expand(a, { file: '', dir: '', name: '', out }));
}
