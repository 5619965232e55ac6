import { strict as assert } from 'assert';
import { execFileSync } from 'child_process';
import { armScript } from '../../../daemon/armScript';
import { buildConfig } from '../../../daemon/config';
import { prestartOf } from '../../../daemon/prestart/options';
import { prestartKind } from '../../../daemon/prestart/script';

describe('pre-started interpreters: profiles and the arm script', () => {
  it('pre-starts the built-in python and node, not shell; a user profile only when it asks', () => {
    const c = buildConfig({ profiles: { ruby: { image: 'ruby:3', command: ['ruby', '{file}'] }, py2: { image: 'p', command: ['python3', '{file}'] } } }, {});
    assert.deepEqual(prestartOf(c.profiles.get('python')!), { kind: 'python', preload: [] });
    assert.deepEqual(prestartOf(c.profiles.get('node')!), { kind: 'node', preload: [] });
    assert.equal(prestartOf(c.profiles.get('shell')!), undefined);
    assert.equal(prestartOf(c.profiles.get('ruby')!), undefined);
    assert.equal(prestartOf(c.profiles.get('py2')!), undefined);
    const on = buildConfig({ profiles: { py2: { image: 'p', command: ['/usr/bin/python3.11', '-X', 'dev', '{file}'], prestart: true, preload: ['numpy', 'os.path'] } } }, {});
    assert.deepEqual(prestartOf(on.profiles.get('py2')!), { kind: 'python', preload: ['numpy', 'os.path'] });
  });

  it('turns off for a built-in on request, or when its command changes', () => {
    assert.equal(prestartOf(buildConfig({ profiles: { python: { prestart: false } } }, {}).profiles.get('python')!), undefined);
    assert.equal(prestartOf(buildConfig({ profiles: { node: { command: ['node', '--inspect', '{file}'] } } }, {}).profiles.get('node')!), undefined);
  });

  it('refuses what it cannot pre-start, naming the field', () => {
    assert.throws(() => buildConfig({ profiles: { r: { image: 'r', command: ['ruby', '{file}'], prestart: true } } }, {}), /profiles.r.prestart needs a python3 or node command ending in "\{file\}", or a java command ending in "\{name\}"/);
    assert.throws(() => buildConfig({ profiles: { python: { prestart: 'yes' } } }, {}), /profiles.python.prestart must be true or false/);
    assert.throws(() => buildConfig({ profiles: { python: { preload: ['os; rm -rf /'] } } }, {}), /profiles.python.preload: "os; rm -rf \/" is not a module name/);
    assert.equal(prestartKind(['python3', '{file}', 'extra']), undefined);
    assert.equal(prestartKind(['sh', '{file}']), undefined);
    // Java: what PID 1 knows at arming only ({out}, the armed build's {name}).
    assert.equal(prestartKind(['java', '-cp', '{out}', '{name}']), 'java');
    assert.equal(prestartKind(['/usr/lib/jvm/bin/java', '-Xss8m', '-cp', '{out}:{out}/lib/*', '{name}']), 'java');
    assert.equal(prestartKind(['java', '-cp', '{dir}', '{name}']), undefined);
    assert.equal(prestartKind(['java', '{file}']), undefined);
    // Node: the program, or a build's output (TypeScript); options are fixed at arming, so no placeholder there.
    assert.equal(prestartKind(['node', '--enable-source-maps', '{out}/{name}.js']), 'node');
    assert.equal(prestartKind(['node', '--require', '{dir}/x.js', '{file}']), undefined);
    assert.equal(prestartKind(['node', '{dir}/{name}.js']), undefined);
    assert.equal(prestartKind(['python3', '{out}/{name}.py']), undefined);
  });

  it('pre-starts the built-in java for its armed build: the JVM with the agent, its stdin against PID 1\'s writer', () => {
    const c = buildConfig({}, {});
    const java = c.profiles.get('java')!;
    assert.deepEqual(prestartOf(java), { kind: 'java', preload: [] });
    const s = armScript({ command: java.command, compile: java.compile, health: java.health, uid: 20001, isolation: 'reuse', prestart: prestartOf(java) });
    assert.match(s, /"\$prog" '-XX:\+UseSerialGC' .* '-cp' '\/build\/out' -javaagent:\/opt\/warmbox\/java\/prestart\.jar "\$jname" < \/run\/warmbox\/in 4<&- 6<&-/);
    // Only an argument-less run of the class the JVM was started for goes to it.
    assert.match(s, /\[ "\$1" = 0 \] && \[ "\$wbname" = "\$jname" \]/);
    assert.match(s, /read -r tag n jname/);
    execFileSync('sh', ['-n', '-c', s]);
  });

  it('arms an interpreter only for a profile that pre-starts, and again after each reuse wipe', () => {
    const base = { command: ['python3', '{file}'], health: ['python3', '-c', 'print("HEALTH_OK")'], uid: 20001 };
    const plain = armScript({ ...base, isolation: 'reuse' });
    assert.doesNotMatch(plain, /pstart|prestart/);
    const fresh = armScript({ ...base, isolation: 'fresh', prestart: { kind: 'python', preload: ['json'] } });
    assert.equal(fresh.match(/^pstart$/gm)?.length, 1);
    assert.match(fresh, /if pready \$#; then\n {4}prun "\$@"\n {2}elif inline; relay; \[ "\$cwd" = \. \]/);
    const reuse = armScript({ ...base, isolation: 'reuse', prestart: { kind: 'python', preload: [] } });
    assert.match(reuse, /prepare\n {2}pstart\n {2}ooms\n {2}echo WBREADY/);
    for (const s of [fresh, reuse, armScript({ ...base, command: ['node', '{file}'], isolation: 'reuse', prestart: { kind: 'node', preload: ['lodash'] } })]) execFileSync('sh', ['-n', '-c', s]);
  });
});
