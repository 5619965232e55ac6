// Which streams a run asks for: where our stdout and stderr are one file (a terminal, `2>&1`), the program's output
// arrives merged, in the order it was written; where they go to different places, separate and byte-exact.
import fs = require('fs');
import type { OutputStreams } from '../daemon/protocol';

/** True when fds 1 and 2 are the same open file or device (then a reader sees one stream anyway). */
export function sameOutput(): boolean {
  try {
    const a = fs.fstatSync(1);
    const b = fs.fstatSync(2);
    return a.dev === b.dev && a.ino === b.ino && a.rdev === b.rdev;
  } catch {
    return false;
  }
}

/** `--streams` when given; `--json` keeps them apart (only counts are printed); otherwise as our fds say. */
export function chooseStreams(option: string | undefined, json: boolean, same: () => boolean): OutputStreams {
  if (option !== undefined) {
    if (option !== 'merged' && option !== 'separate') throw new Error(`--streams must be "merged" or "separate", not "${option}"`);
    return option;
  }
  if (json) return 'separate';
  return same() ? 'merged' : 'separate';
}
