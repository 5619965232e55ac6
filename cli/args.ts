// A small argument parser: --flag, --option VALUE / --option=VALUE, positionals, and `--` before the program's args.
export class CliUsageError extends Error {}

export interface Parsed {
  positional: string[];
  flags: Record<string, boolean>;
  options: Record<string, string | undefined>;
  /** Options that may be given again and again (`--env A=1 --env B=2`). */
  lists: Record<string, string[]>;
  /** After `--`: passed to the program. */
  rest: string[];
}

export function parseArgs(argv: string[], spec: { flags: string[]; options: string[]; lists?: string[] }): Parsed {
  const out: Parsed = { positional: [], flags: {}, options: {}, lists: {}, rest: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      out.rest = argv.slice(i + 1);
      break;
    }
    const m = /^--?([a-z][a-z-]*)(?:=(.*))?$/.exec(a);
    if (!m || a === '-') {
      out.positional.push(a);
      continue;
    }
    const [, name, inline] = m;
    if (spec.flags.includes(name)) {
      if (inline !== undefined) throw new CliUsageError(`--${name} takes no value`);
      out.flags[name] = true;
    } else if (spec.options.includes(name) || spec.lists?.includes(name)) {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new CliUsageError(`--${name} needs a value`);
      if (spec.lists?.includes(name)) (out.lists[name] ??= []).push(v);
      else out.options[name] = v;
    } else {
      throw new CliUsageError(`unknown option ${a}`);
    }
  }
  return out;
}
