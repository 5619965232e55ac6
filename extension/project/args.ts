// Program arguments typed by a person, split like a POSIX shell would (quotes and backslashes, no expansion).
// No `vscode` import: unit-tested on its own.

export class ArgsSyntaxError extends Error {}

/** "a 'b c' \"d\\\"e\" f\\ g" → ['a', 'b c', 'd"e', 'f g']. Throws ArgsSyntaxError on an unclosed quote. */
export function splitArgs(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else cur += c;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      // Inside double quotes a backslash escapes only what the shell lets it escape.
      else if (c === '\\' && i + 1 < text.length && '"\\$`'.includes(text[i + 1])) cur += text[++i];
      else cur += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === '\\') {
      if (i + 1 < text.length) cur += text[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (quote) throw new ArgsSyntaxError(`unclosed ${quote === '"' ? 'double' : 'single'} quote`);
  if (inWord) out.push(cur);
  return out;
}

/** The arguments as one line a person can read and splitArgs gives back unchanged. */
export function formatArgs(args: readonly string[]): string {
  return args.map((a) => (a !== '' && /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}
