// warmbox's pre-started JVM (daemon/prestart/java.ts): a Java agent that PID 1 starts with the JVM at arming, with
// the command line a plain start of the armed program would have plus `-javaagent:<this jar>`. The JVM runs premain
// before it loads the program's class, so the JVM's start-up (most of a Java run) is done while nobody waits; premain
// then blocks on PID 1's private channel (fd 5) until the run comes, closes it and returns. The JVM's own launcher
// then loads the class and calls its main exactly as for a plain start: the same thread, nothing of warmbox's below
// main on the stack, the same exit path. PID 1 sends the spec only for a run of the class this JVM was started for.
package dev.warmbox;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.InputStreamReader;
import java.lang.instrument.Instrumentation;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Scanner;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

public final class PrestartAgent {
  private PrestartAgent() {}

  public static void premain(String args, Instrumentation inst) {
    try {
      warm();
      FileInputStream go = new FileInputStream(descriptor(5));
      awaitSpec(go);
      go.close();
    } catch (Throwable t) {
      // Nothing to say to a run that has not come: PID 1 finds this JVM gone and starts the program plainly.
      Runtime.getRuntime().halt(97);
    }
  }

  /**
   * What most programs do first, done now: the first string concatenation, lambda, stream, format and Scanner each
   * cost milliseconds of bootstrapping. No output, no thread, no state a program can see (unnamed threads would shift
   * the program's Thread-N names).
   */
  private static void warm() throws Exception {
    long n = System.nanoTime();
    String s = "warm " + n + ' ' + (n % 7 == 0) + ' ' + 1.5;
    List<Integer> list = new ArrayList<>(List.of(3, 1, 2));
    Collections.sort(list);
    Map<String, Integer> map = new HashMap<>();
    for (int i : list) map.merge(s.substring(0, 4) + i, i, Integer::sum);
    int sum = IntStream.range(0, 8).map(x -> x * 2).filter(x -> x > 2).sum();
    String joined = list.stream().map(String::valueOf).collect(Collectors.joining(","));
    String f = String.format("%d %s %.2f %5s%n", sum, joined, 1.25, map.size());
    try (Scanner sc = new Scanner("12 ab\n3.5")) {
      sc.nextInt();
      sc.next();
      sc.nextDouble();
    }
    BufferedReader r = new BufferedReader(new InputStreamReader(new ByteArrayInputStream(f.getBytes(StandardCharsets.UTF_8))));
    r.readLine();
    StringBuilder b = new StringBuilder().append(sum).append(' ').append(f.trim());
    Integer.parseInt(String.valueOf(sum));
    Math.sqrt(b.length());
    // The encoder behind System.out, without writing a byte (no newline: nothing is flushed).
    System.out.print("");
    System.err.print("");
  }

  /** A FileDescriptor for an fd inherited from PID 1 (Java has no public way to adopt one). */
  private static FileDescriptor descriptor(int fd) throws Exception {
    Class<?> unsafeClass = Class.forName("sun.misc.Unsafe");
    Field theUnsafe = unsafeClass.getDeclaredField("theUnsafe");
    theUnsafe.setAccessible(true);
    Object unsafe = theUnsafe.get(null);
    Method offset = unsafeClass.getMethod("objectFieldOffset", Field.class);
    Method putInt = unsafeClass.getMethod("putInt", Object.class, long.class, int.class);
    FileDescriptor d = new FileDescriptor();
    putInt.invoke(unsafe, d, offset.invoke(unsafe, FileDescriptor.class.getDeclaredField("fd")), fd);
    return d;
  }

  /** The spec, `[m]<argc>\0<file>\0<arg>\0...`: PID 1 has checked it is this JVM's class and no arguments. */
  private static void awaitSpec(FileInputStream go) throws Exception {
    byte[] buf = new byte[4096];
    int have = 0;
    int parts = 0;
    int argc = -1;
    int start = 0;
    while (argc < 0 || parts < argc + 2) {
      if (have == buf.length) throw new IllegalStateException("spec too long");
      int n = go.read(buf, have, buf.length - have);
      if (n < 0) throw new IllegalStateException("channel closed");
      for (int i = have; i < have + n; i++) {
        if (buf[i] != 0) continue;
        if (parts == 0) argc = Integer.parseInt(new String(buf, start, i - start, StandardCharsets.US_ASCII).replaceFirst("^m", ""));
        parts++;
        start = i + 1;
      }
      have += n;
    }
  }
}
