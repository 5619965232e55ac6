// Which profile serves a file: the one place that decides it (daemon method `profile/resolve`, used by the CLI and
// the extension). Order: the file's extension, then VS Code's language id, then a shebang on the first line
// (`#!/usr/bin/env python3`, `#!/bin/bash`): the same file gets the same profile from every client.
import type { Profile } from '../profiles';
import type { ProfileResolveParams, ProfileResolveResult } from '../protocol';

export function resolveProfileFor(profiles: Iterable<Profile>, q: ProfileResolveParams): ProfileResolveResult {
  const list = [...profiles];
  const base = (q.fileName ?? '').replace(/^.*[\\/]/, '').toLowerCase();
  if (base) {
    // The longest matching extension wins (`.d.ts` over `.ts` when a profile names it).
    let best: { p: Profile; len: number } | undefined;
    for (const p of list) for (const e of p.extensions) if (base.endsWith(e.toLowerCase()) && (!best || e.length > best.len)) best = { p, len: e.length };
    if (best) return { profile: best.p.name, by: 'extension' };
  }
  if (q.languageId) {
    const p = list.find((x) => x.languageIds.includes(q.languageId!));
    if (p) return { profile: p.name, by: 'languageId' };
  }
  const interp = shebangInterpreter(q.firstLine);
  if (interp) {
    const bare = interp.replace(/[0-9.]+$/, '');
    const p = list.find((x) => x.shebangs.includes(interp)) ?? list.find((x) => x.shebangs.includes(bare));
    if (p) return { profile: p.name, by: 'shebang' };
  }
  const what = [q.fileName && `"${base}"`, q.languageId && `language "${q.languageId}"`, interp && `shebang "${interp}"`].filter(Boolean).join(', ') || 'nothing given';
  return { error: `no profile serves ${what} (known: ${list.map((p) => p.name).join(', ')}); pass one explicitly or add one to the config file` };
}

/** `#!/usr/bin/env -S python3 -u` → python3; `#!/bin/bash -e` → bash. */
export function shebangInterpreter(line: string | undefined): string | undefined {
  const m = /^#!\s*(\S+)(.*)$/.exec(line ?? '');
  if (!m) return undefined;
  let cmd = m[1].replace(/^.*\//, '');
  if (cmd === 'env') {
    const words = m[2].trim().split(/\s+/).filter((w) => w && !w.startsWith('-') && !w.includes('='));
    cmd = (words[0] ?? '').replace(/^.*\//, '');
  }
  return cmd || undefined;
}
