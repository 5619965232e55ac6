// Our stderr, made when first written to. Node makes process.stderr on first use (for a pipe, a socket and its
// modules): a run that prints nothing there does not pay for it. Its errors (a reader gone) are ignored.
let made = false;

export function stderr(): NodeJS.WriteStream {
  if (!made) {
    made = true;
    process.stderr.on('error', () => undefined);
  }
  return process.stderr;
}

/** Whether stderr() was called (then it may hold output to flush before we exit). */
export function stderrMade(): boolean {
  return made;
}
