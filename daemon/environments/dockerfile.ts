// The generated Dockerfile of an environment: the profile's image plus the project's packages, installed as root
// during the build only. Docker's own build caches each step; the tag's hash says what went in.
import * as crypto from 'crypto';
import type { EnvRequest } from './detect';
import { MPL_BACKEND } from './mplBackend';
import * as path from 'path';
import { RUNTIME } from '../armScript';

/** warmbox's runtime in every image (its static busybox: PID 1 and its helpers). */
const RUNTIME_DIR = path.posix.dirname(RUNTIME);

export const ENV_LABEL = {
  env: 'dev.warmbox.env',
  profile: 'dev.warmbox.env.profile',
  base: 'dev.warmbox.env.base',
  project: 'dev.warmbox.env.project',
  hash: 'dev.warmbox.env.hash',
} as const;

export const ENV_REPO = 'warmbox/env';

/** Where the build keeps what it copied in (removed in the last step). */
const BUILD = '/opt/warmbox/build';

/** Index and proxy settings an installer honours, passed to the build when the daemon's environment has them. */
export const BUILD_ARGS = [
  'PIP_INDEX_URL', 'PIP_EXTRA_INDEX_URL', 'PIP_TRUSTED_HOST', 'PIP_DEFAULT_TIMEOUT',
  'npm_config_registry', 'NPM_CONFIG_REGISTRY', 'npm_config_strict_ssl',
  'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy',
];

export interface EnvPlan {
  profile: string;
  /** `warmbox/env-<profile>-<hash>` */
  tag: string;
  hash: string;
  dockerfile: string;
  /** A short name per Dockerfile instruction, in order (Docker numbers them "Step i/n"); '' for a step not worth showing. */
  steps: string[];
  /** The build context besides the Dockerfile: name → bytes. */
  files: Map<string, Buffer>;
  /** For people: what the environment adds. */
  summary: string;
}

/** Runs an installer with the user's CA bundle (when one was given) and quiet, cache-free installers. */
const WITH_CA = `#!/bin/sh
if [ -s ${BUILD}/ca.pem ]; then
  export SSL_CERT_FILE=${BUILD}/ca.pem PIP_CERT=${BUILD}/ca.pem REQUESTS_CA_BUNDLE=${BUILD}/ca.pem NODE_EXTRA_CA_CERTS=${BUILD}/ca.pem npm_config_cafile=${BUILD}/ca.pem
fi
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PIP_BREAK_SYSTEM_PACKAGES=1 PIP_ROOT_USER_ACTION=ignore PIP_PROGRESS_BAR=off
export npm_config_cache=/tmp/warmbox-npm-cache npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false npm_config_progress=false
"$@"; rc=$?
rm -rf /tmp/warmbox-npm-cache /root/.cache /root/.npm
exit $rc
`;

const APT = (pkgs: string) =>
  `command -v apt-get >/dev/null || { echo "this image has no apt-get: apt packages need a Debian or Ubuntu based image" >&2; exit 1; }; ` +
  `apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends ${pkgs} && rm -rf /var/lib/apt/lists/*`;

/**
 * The plan for one environment. `base` is the profile's image as named and its id (the hash covers the id, so a
 * rebuilt base image makes a new environment); `ca` is the user's CA bundle (not hashed: trust, not content).
 */
export function planEnvironment(profile: string, base: { name: string; id: string }, req: EnvRequest, ca: Buffer = Buffer.alloc(0), project = ''): EnvPlan {
  const lines: string[] = [];
  const steps: string[] = [];
  const files = new Map<string, Buffer>();
  const add = (instr: string, label: string) => {
    lines.push(instr);
    steps.push(label);
  };
  add(`FROM ${base.id}`, `from ${base.name}`);
  add('USER root', '');
  for (const a of BUILD_ARGS) add(`ARG ${a}`, '');
  files.set('with-ca', Buffer.from(WITH_CA));
  files.set('ca.pem', ca);
  add(`COPY with-ca ca.pem ${BUILD}/`, '');

  const apt = [...req.apt];
  const needsPip = req.kind === 'python' && (req.pip.length > 0 || !!req.requirements || req.pyprojectDeps.length > 0);
  const needsNpm = req.kind === 'node' && (req.npm.length > 0 || !!req.packageJson);
  if (apt.length) add(`RUN ${APT(apt.join(' '))}`, `apt-get install ${apt.join(' ')}`);
  if (needsPip) add(`RUN python3 -m pip --version >/dev/null 2>&1 || { ${APT('python3-pip')}; }`, 'pip (from the image\'s packages)');
  if (needsNpm) add(`RUN command -v npm >/dev/null || { ${APT('npm')}; }`, 'npm (from the image\'s packages)');
  const run = (cmd: string, label: string) => add(`RUN sh ${BUILD}/with-ca ${cmd}`, label);

  const summary: string[] = [];
  if (apt.length) summary.push(`apt: ${apt.join(' ')}`);
  if (req.kind === 'python') {
    if (req.requirements) {
      for (const rel of [req.requirements.file, ...req.requirements.refs]) files.set(`project/${rel}`, req.files.get(rel)!);
      add(`COPY project/ ${BUILD}/project/`, '');
      add(`WORKDIR ${BUILD}/project`, '');
      run(`python3 -m pip install -r ${req.requirements.file}`, `pip install -r ${req.requirements.file}`);
      summary.push(`pip -r ${req.requirements.file}${req.requirements.leftOut ? ` (without ${req.requirements.leftOut.join(', ')}: the project's own code is in /work at each run)` : ''}`);
    }
    if (req.pyprojectDeps.length) {
      files.set('pyproject-requirements.txt', Buffer.from(req.pyprojectDeps.join('\n') + '\n'));
      add(`COPY pyproject-requirements.txt ${BUILD}/`, '');
      run(`python3 -m pip install -r ${BUILD}/pyproject-requirements.txt`, 'pip install (pyproject.toml [project].dependencies)');
      summary.push(`pyproject.toml: ${req.pyprojectDeps.length} ${req.pyprojectDeps.length === 1 ? 'dependency' : 'dependencies'}`);
    }
    if (req.pip.length) {
      files.set('warmbox-pip.txt', Buffer.from(req.pip.join('\n') + '\n'));
      add(`COPY warmbox-pip.txt ${BUILD}/`, '');
      run(`python3 -m pip install -r ${BUILD}/warmbox-pip.txt`, `pip install ${req.pip.join(' ')}`);
      summary.push(`pip: ${req.pip.join(' ')}`);
    }
    // plt.show() saves figures as output files; imports read bytecode compiled here (the root is read-only at run time).
    files.set('warmbox_mpl.py', Buffer.from(MPL_BACKEND));
    add(`COPY warmbox_mpl.py ${BUILD}/`, '');
    add(
      `RUN site=$(python3 -c 'import site; print(site.getsitepackages()[0])') && mkdir -p "$site" && cp ${BUILD}/warmbox_mpl.py "$site/" && ` +
        `python3 -m compileall -q -j 0 "$site" /usr/lib/python3/dist-packages >/dev/null 2>&1; python3 -m compileall -q "$site/warmbox_mpl.py"`,
      'compile Python bytecode',
    );
    add('ENV MPLBACKEND=module://warmbox_mpl MPLCONFIGDIR=/tmp/matplotlib', '');
  } else if (req.kind === 'node') {
    // Installed at / so that require() and import from anywhere under /work find them (Node walks up to /node_modules).
    if (req.packageJson) {
      files.set('project/package.json', withoutScripts(req.files.get('package.json')!));
      if (req.packageJson.lock) files.set(`project/${req.packageJson.lock}`, req.files.get(req.packageJson.lock)!);
      add(`COPY project/ /`, '');
      add('WORKDIR /', '');
      const cmd = req.packageJson.lock ? 'npm ci' : 'npm install';
      run(cmd, cmd);
      summary.push(`${cmd} (package.json${req.packageJson.lock ? ` + ${req.packageJson.lock}` : ''})`);
    }
    if (req.npm.length) {
      files.set('warmbox-npm.txt', Buffer.from(req.npm.join('\n') + '\n'));
      add(`COPY warmbox-npm.txt ${BUILD}/`, '');
      add('WORKDIR /', '');
      run(`xargs -a ${BUILD}/warmbox-npm.txt -d '\\n' npm install --no-save`, `npm install ${req.npm.join(' ')}`);
      summary.push(`npm: ${req.npm.join(' ')}`);
    }
  }
  add(`RUN rm -rf ${BUILD}`, 'clean up');
  // Installers ran as root (dependencies' own install scripts among them): warmbox's runtime, which is PID 1 in every
  // sandbox, is put back as the base image has it, whatever they did to it.
  add(`RUN rm -rf ${RUNTIME_DIR}`, '');
  add(`COPY --from=${base.id} ${RUNTIME_DIR} ${RUNTIME_DIR}`, 'warmbox\'s runtime, as the base image has it');
  add('WORKDIR /work', '');

  const hash = crypto.createHash('sha256');
  hash.update(`${base.id}\n${lines.join('\n')}\n`);
  for (const [name, bytes] of [...files].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (name === 'ca.pem') continue;
    hash.update(`${name}\n${bytes.length}\n`).update(bytes);
  }
  const h = hash.digest('hex').slice(0, 12);
  // Labels last: a changed hash does not invalidate the install steps' cache.
  const labels = { [ENV_LABEL.env]: 'true', [ENV_LABEL.profile]: profile, [ENV_LABEL.base]: base.name, [ENV_LABEL.project]: project, [ENV_LABEL.hash]: h };
  add(`LABEL ${Object.entries(labels).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ')}`, '');
  return { profile, tag: `${ENV_REPO}-${profile}-${h}:latest`, hash: h, dockerfile: lines.join('\n') + '\n', steps, files, summary: summary.join('; ') };
}

/**
 * The project's package.json for the build, without its `scripts`: npm install/ci at the root would run the project's
 * own preinstall/install/postinstall/prepare as root with the build's network. The build needs only the dependencies
 * (the lockfile does not record scripts); the packages' own install scripts still run, as with any install.
 */
function withoutScripts(pkg: Buffer): Buffer {
  const doc = JSON.parse(pkg.toString('utf8')) as unknown; // (detect() already checked it parses)
  if (!doc || typeof doc !== 'object' || Array.isArray(doc) || !('scripts' in doc)) return pkg;
  const { scripts: _dropped, ...rest } = doc as Record<string, unknown>;
  return Buffer.from(JSON.stringify(rest, null, 2) + '\n');
}
