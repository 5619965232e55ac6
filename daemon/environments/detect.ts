// What a project asks to have installed for one profile: its manifests at the root plus warmbox.json's lists.
import * as fs from 'fs';
import * as path from 'path';
import { parse as parseToml } from 'smol-toml';
import { isInside } from '../workspace/root';
import { jsonError, PROJECT_FILE, ProjectFile } from './projectFile';

/** The files at a root whose change may change an environment (watched for rebuilds). */
export const MANIFESTS = [PROJECT_FILE, 'requirements.txt', 'pyproject.toml', 'package.json', 'package-lock.json', 'npm-shrinkwrap.json'];

export type EnvKind = 'python' | 'node' | 'other';

/** Python manifests serve a profile that runs python, npm ones a profile that runs node; apt serves any. */
export function kindOf(command: string[]): EnvKind {
  const exe = path.posix.basename(command[0] ?? '');
  if (/^python(3(\.\d+)?)?$/.test(exe)) return 'python';
  if (exe === 'node' || exe === 'nodejs') return 'node';
  return 'other';
}

export interface EnvRequest {
  kind: EnvKind;
  apt: string[];
  pip: string[];
  npm: string[];
  preload: string[];
  /** requirements.txt and what it refers to (other requirement files, local wheels and archives), root-relative. */
  requirements?: { file: string; refs: string[]; leftOut?: string[] };
  /** pyproject.toml's [project].dependencies. */
  pyprojectDeps: string[];
  /** package.json and its lockfile (npm ci with one, npm install without). */
  packageJson?: { lock?: string };
  /** Root-relative files the build needs, with their bytes (hashed and sent as the build context). */
  files: Map<string, Buffer>;
}

export class ManifestError extends Error {}

/** Undefined when the project asks for nothing for this profile (its runs use the profile's image as it is). */
export function detect(root: string, profile: { name: string; command: string[] }, pf: ProjectFile): EnvRequest | undefined {
  const kind = kindOf(profile.command);
  const lists = pf.profiles[profile.name] ?? { apt: [], pip: [], npm: [], preload: [] };
  const req: EnvRequest = { kind, apt: lists.apt, pip: [], npm: [], preload: lists.preload, pyprojectDeps: [], files: new Map() };
  const read = (rel: string) => {
    const abs = path.join(root, rel);
    if (!isInside(root, abs)) throw new ManifestError(`${rel} is outside the project root ${root}`);
    try {
      const b = fs.readFileSync(abs);
      req.files.set(rel.split(path.sep).join('/'), b);
      return b;
    } catch (e) {
      throw new ManifestError(`cannot read ${rel}: ${(e as Error).message}`);
    }
  };
  const exists = (rel: string) => fs.existsSync(path.join(root, rel));

  if (kind === 'python') {
    req.pip = lists.pip;
    if (exists('requirements.txt')) {
      const leftOut: string[] = [];
      req.requirements = { file: 'requirements.txt', refs: requirementRefs(root, 'requirements.txt', read, leftOut, req.files) };
      if (leftOut.length) req.requirements.leftOut = leftOut;
    }
    if (exists('pyproject.toml')) {
      const text = read('pyproject.toml').toString('utf8');
      req.files.delete('pyproject.toml'); // only its dependency list goes to the build
      let doc: Record<string, unknown>;
      try {
        doc = parseToml(text) as Record<string, unknown>;
      } catch (e) {
        throw new ManifestError(`pyproject.toml: ${(e as Error).message.split('\n')[0]}`);
      }
      const deps = (doc.project as { dependencies?: unknown } | undefined)?.dependencies;
      if (deps !== undefined && (!Array.isArray(deps) || deps.some((d) => typeof d !== 'string'))) {
        throw new ManifestError('pyproject.toml: [project].dependencies must be an array of strings');
      }
      req.pyprojectDeps = (deps as string[] | undefined) ?? [];
    }
  } else if (kind === 'node') {
    req.npm = lists.npm;
    if (exists('package.json')) {
      const pkg = read('package.json');
      try {
        JSON.parse(pkg.toString('utf8'));
      } catch (e) {
        throw new ManifestError(`package.json is not valid JSON: ${jsonError(pkg.toString('utf8'), e as Error)}`);
      }
      const lock = ['npm-shrinkwrap.json', 'package-lock.json'].find(exists);
      if (lock) read(lock);
      req.packageJson = { lock };
    }
  }
  const nothing = !req.apt.length && !req.pip.length && !req.npm.length && !req.requirements && !req.pyprojectDeps.length && !req.packageJson;
  return nothing ? undefined : req;
}

/** `.`, `-e .`, `--editable=./`: the project itself (its folder holds the requirements file). */
const SELF = /^(?:(?:-e|--editable)(?:\s+|=))?\.\/?$/;

/**
 * Lines of a requirements file that name files: `-r other.txt`, `-c c.txt`, `./wheels/x.whl`, `dist/x.tar.gz`. A line
 * installing the project itself (`-e .`) is left out of the build's copy (into `leftOut`): the build has the
 * requirement files, not the project, and a run has the project's code in /work anyway.
 */
function requirementRefs(root: string, file: string, read: (rel: string) => Buffer, leftOut: string[], files: Map<string, Buffer>, seen = new Set<string>()): string[] {
  if (seen.has(file)) return [];
  seen.add(file);
  const refs: string[] = [];
  const dir = path.posix.dirname(file);
  const kept: string[] = [];
  const lines = read(file).toString('utf8').split(/\r?\n/);
  for (const raw of lines) {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (dir === '.' && SELF.test(line)) {
      leftOut.push(line);
      continue;
    }
    kept.push(raw);
    if (!line) continue;
    const inc = /^(-r|--requirement|-c|--constraint)[\s=]+(\S+)$/.exec(line);
    if (inc) {
      const rel = path.posix.normalize(path.posix.join(dir, inc[2]));
      refs.push(rel, ...requirementRefs(root, rel, read, leftOut, files, seen));
      continue;
    }
    if (line.startsWith('-')) continue;
    const spec = line.split(/\s*[;\s]/)[0];
    if (/^(\.{1,2}\/|\/)|\.(whl|tar\.gz|zip)$/i.test(spec) && !/^[a-z+]+:\/\//i.test(spec)) {
      // pip reads paths in a requirements file from its working directory: the build runs it from the root's copy.
      const rel = path.posix.normalize(spec);
      if (path.posix.isAbsolute(rel) || rel.startsWith('../')) throw new ManifestError(`${file}: ${spec} is outside the project; environments are built from the project's own files`);
      read(rel);
      refs.push(rel);
    }
  }
  if (kept.length < lines.length) files.set(file, Buffer.from(kept.join('\n')));
  return refs;
}
