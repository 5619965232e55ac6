// A profile's argv as shell words for PID 1: `{file}` `{dir}` `{name}` `{out}` anywhere inside an argument become
// PID 1's variables (set per run by the compile phase), everything else is quoted literally.

/** The shell variable each placeholder stands for (see compile() in armScript.ts). */
export const PLACEHOLDER_VARS: Record<string, string> = { file: 'wbfile', dir: 'wbdir', name: 'wbname', out: 'wbout' };

const PLACEHOLDER = /\{(file|dir|name|out)\}/g;

export function hasPlaceholder(arg: string): boolean {
  return new RegExp(PLACEHOLDER.source).test(arg);
}

/** One argument as a double-quoted shell word: placeholders expand, nothing else does ($, `, \ and " escaped). */
export function shellArg(arg: string): string {
  if (arg === '{file}') return '"/work/$f"';
  let out = '';
  let last = 0;
  for (const m of arg.matchAll(PLACEHOLDER)) {
    out += escape(arg.slice(last, m.index)) + `\${${PLACEHOLDER_VARS[m[1]]}}`;
    last = m.index! + m[0].length;
  }
  return `"${out}${escape(arg.slice(last))}"`;
}

function escape(s: string): string {
  return s.replace(/[\\$`"]/g, (c) => `\\${c}`);
}

/** The same substitution on the daemon's side (for messages and tests): values by placeholder name. */
export function expand(arg: string, values: Record<'file' | 'dir' | 'name' | 'out', string>): string {
  return arg.replace(PLACEHOLDER, (_m, k: 'file' | 'dir' | 'name' | 'out') => values[k]);
}

/** `{name}` of a file as PID 1 makes it (its base name, then the shortest `.*` suffix cut): no last extension. */
export function placeholderName(file: string): string {
  return file.replace(/^.*\//, '').replace(/\.[^.]*$/, '');
}
