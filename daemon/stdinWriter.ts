// A run's stdin as a Writable over run/stdin requests. The daemon answers a request only once the sandbox has taken
// its bytes, so keeping at most `window` requests unanswered makes a source that outruns the program wait (pipe() and
// pipeline() pause it) instead of piling up in the client or the daemon.
import { Writable } from 'stream';

/** Bytes per request at most (the daemon takes up to 4 MiB of base64 per run/stdin). */
export const STDIN_REQUEST_BYTES = 1024 * 1024;

export interface StdinSender {
  data(bytes: Buffer): Promise<void>;
  eof(): Promise<void>;
}

export function stdinWriter(send: StdinSender, window = 4): Writable {
  let inFlight = 0;
  /** The callback of the write that filled the window: called when a request is answered. */
  let blocked: ((err?: Error | null) => void) | undefined;

  const answered = (err?: Error) => {
    inFlight--;
    const cb = blocked;
    if (err) {
      blocked = undefined;
      if (cb) cb(err);
      else w.destroy(err);
    } else if (cb && inFlight < window) {
      blocked = undefined;
      cb();
    }
  };

  const w = new Writable({
    highWaterMark: 64 * 1024,
    write(chunk: Buffer, _enc, cb) {
      for (let at = 0; at < chunk.length; at += STDIN_REQUEST_BYTES) {
        inFlight++;
        send.data(chunk.subarray(at, at + STDIN_REQUEST_BYTES)).then(() => answered(), answered);
      }
      if (inFlight < window) cb();
      else blocked = cb;
    },
    final(cb) {
      // Requests go out in order, so EOF follows every byte written before it.
      send.eof().then(() => cb(), cb);
    },
  });
  return w;
}
