// warmbox.json, the project file at a project's root: its one reader. The workspace copy takes `exclude` from here,
// the environments their package lists, the zero-start preload its `preload`. schemas/warmbox.schema.json says the same
// for editors; test/unit/environments/projectFile.test.ts keeps the two in step.
import * as fs from 'fs';
import * as path from 'path';

export const PROJECT_FILE = 'warmbox.json';

export interface ProfilePackages {
  /** Debian/Ubuntu packages installed into the profile's image. */
  apt: string[];
  /** pip requirement specifiers (`rich==13.7.1`). */
  pip: string[];
  /** npm package specs (`lodash@4`). */
  npm: string[];
  /** Modules to import before a run arrives (carried to the resolved profile; see the zero-start issue). */
  preload: string[];
}

export interface ProjectFile {
  exclude: string[];
  profiles: Record<string, ProfilePackages>;
}

export class ProjectFileError extends Error {}

export const EMPTY_PROJECT_FILE: ProjectFile = { exclude: [], profiles: {} };

const LISTS = ['apt', 'pip', 'npm', 'preload'] as const;
/** What each list may hold: package names and specifiers, never shell syntax (they end up in RUN lines). */
export const ITEM_PATTERNS: Record<(typeof LISTS)[number], RegExp> = {
  apt: /^[a-z0-9][a-z0-9+.-]*(:[a-z0-9-]+)?(=[A-Za-z0-9.+~:-]+)?$/,
  pip: /^[A-Za-z0-9][A-Za-z0-9._\-[\],<>=!~ ;"'()@:/+]*$/,
  npm: /^(@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*(@[A-Za-z0-9.^~<>=*|+ -]+)?$/,
  preload: /^[A-Za-z_@][A-Za-z0-9_./@-]*$/,
};
const HINT: Record<(typeof LISTS)[number], string> = {
  apt: 'a Debian package name, e.g. "python3-numpy"',
  pip: 'a pip requirement, e.g. "rich==13.7.1"',
  npm: 'an npm package spec, e.g. "lodash@4"',
  preload: 'a module name, e.g. "numpy"',
};

/** Checks a parsed warmbox.json; every error names the field (`profiles.python.apt[1]`). */
export function parseProjectFile(raw: unknown): ProjectFile {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new ProjectFileError('the file must hold a JSON object');
  const o = raw as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (k !== 'exclude' && k !== 'profiles' && k !== '$schema') throw new ProjectFileError(`"${k}" is not a warmbox.json field (known: exclude, profiles)`);
  }
  const exclude = strings(o.exclude, 'exclude', /^[^\0\n]+$/, 'a glob relative to the project root');
  const profiles: Record<string, ProfilePackages> = {};
  if (o.profiles !== undefined) {
    if (!o.profiles || typeof o.profiles !== 'object' || Array.isArray(o.profiles)) throw new ProjectFileError('profiles must be an object: profile name → { apt, pip, npm, preload }');
    for (const [name, v] of Object.entries(o.profiles as Record<string, unknown>)) {
      const where = `profiles.${name}`;
      if (!/^[a-z][a-z0-9-]{0,31}$/.test(name)) throw new ProjectFileError(`${where}: a profile name is lower-case letters, digits and dashes`);
      if (!v || typeof v !== 'object' || Array.isArray(v)) throw new ProjectFileError(`${where} must be an object with apt, pip, npm or preload`);
      const p = v as Record<string, unknown>;
      for (const k of Object.keys(p)) {
        if (!(LISTS as readonly string[]).includes(k)) throw new ProjectFileError(`${where}.${k} is not a profile field (known: ${LISTS.join(', ')})`);
      }
      const out = {} as ProfilePackages;
      for (const l of LISTS) out[l] = strings(p[l], `${where}.${l}`, ITEM_PATTERNS[l], HINT[l]);
      profiles[name] = out;
    }
  }
  return { exclude, profiles };
}

function strings(v: unknown, where: string, item: RegExp, hint: string): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new ProjectFileError(`${where} must be an array of strings`);
  if (v.length > 500) throw new ProjectFileError(`${where} has more than 500 entries`);
  v.forEach((x, i) => {
    if (typeof x !== 'string') throw new ProjectFileError(`${where}[${i}] must be a string`);
    if (x.length > 300 || !item.test(x)) throw new ProjectFileError(`${where}[${i}] ${JSON.stringify(x.slice(0, 100))} is not ${hint}`);
  });
  return [...v] as string[];
}

/** JSON.parse's complaint with the line and column where it is (Node says `at position 41`: no editor shows that). */
export function jsonError(text: string, e: Error): string {
  const m = /^(.*?) in JSON at position (\d+)/.exec(e.message);
  if (!m) return e.message;
  const before = text.slice(0, Number(m[2]));
  return `${m[1]} at line ${before.split('\n').length}, column ${before.length - before.lastIndexOf('\n')}`;
}

/**
 * Profiles warmbox.json lists that the daemon does not have (`"pyton"`): their packages would be installed nowhere,
 * silently. Told, not refused: a team's file may list a profile one member's config adds (a custom `zig`).
 */
export function unknownProfilesMessage(pf: ProjectFile, known: string[]): string | undefined {
  const unknown = Object.keys(pf.profiles).filter((p) => !known.includes(p));
  if (!unknown.length) return undefined;
  const names = unknown.map((p) => `profiles.${p}`).join(', ');
  return `${PROJECT_FILE}: ${names} ${unknown.length > 1 ? 'name no profiles' : 'names no profile'} warmbox knows (known: ${known.join(', ')}): ${unknown.length > 1 ? 'their' : 'its'} packages are installed nowhere`;
}

/**
 * The project file of `root`: empty when there is none; a ProjectFileError naming the file and field when it is
 * broken (the caller decides whether that refuses a run or only an environment build).
 */
export function readProjectFile(root: string): ProjectFile {
  const file = path.join(root, PROJECT_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return EMPTY_PROJECT_FILE;
    throw new ProjectFileError(`${file}: ${(e as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ProjectFileError(`${file} is not valid JSON: ${jsonError(text, e as Error)}`);
  }
  try {
    return parseProjectFile(raw);
  } catch (e) {
    throw new ProjectFileError(`${file}: ${(e as Error).message}`);
  }
}
