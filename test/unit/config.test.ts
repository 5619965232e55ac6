import { strict as assert } from 'assert';
import { buildConfig, ConfigError } from '../../daemon/config';
import { safeFileName } from '../../daemon/profiles';
import { resolveProfileFor } from '../../daemon/languages/resolve';

describe('config', () => {
  it('has the thirteen built-in languages with hardened defaults', () => {
    const c = buildConfig({}, {});
    assert.deepEqual([...c.profiles.keys()], ['python', 'node', 'shell', 'typescript', 'c', 'cpp', 'go', 'rust', 'java', 'ruby', 'php', 'perl', 'lua']);
    // Only python, node and shell are kept warm from the start; the others once used.
    assert.deepEqual([...c.profiles.values()].filter((p) => !p.warmOnUse).map((p) => p.name), ['python', 'node', 'shell']);
    const py = c.profiles.get('python')!;
    assert.equal(py.minSize, 2);
    assert.equal(py.maxSize, 5);
    assert.equal(py.isolation, 'fresh');
    assert.equal(py.limits.network, false);
    assert.ok(py.limits.timeoutMs > 0 && py.limits.outputLimitBytes > 0 && py.limits.pids > 0);
    assert.equal(c.pooling, true);
  });

  it('adds user profiles and applies overrides', () => {
    const c = buildConfig(
      { profiles: { myruby: { image: 'ruby:3', command: ['ruby', '{file}'], extensions: ['.rbx'], minSize: 0 } }, limits: { memoryMb: 512 } },
      { WARMBOX_POOL: 'off' },
      { pool: { python: { minSize: 1, maxSize: 3 } }, idleShutdownMs: 5000 },
    );
    const rb = c.profiles.get('myruby')!;
    assert.equal(rb.limits.memoryMb, 512);
    assert.equal(c.idleShutdownMs, 5000);
    assert.equal(c.profiles.get('python')!.maxSize, 3);
    assert.equal(c.pooling, false);
    assert.deepEqual(resolveProfileFor(c.profiles.values(), { fileName: '/x/y/Script.RBX' }), { profile: 'myruby', by: 'extension' });
    assert.deepEqual(resolveProfileFor(c.profiles.values(), { fileName: '/x/y/Script.RB' }), { profile: 'ruby', by: 'extension' });
  });

  it('names the field that is wrong', () => {
    assert.throws(() => buildConfig({ limits: { memoryMb: 'lots' } }, {}), (e: Error) => e instanceof ConfigError && /limits.memoryMb must be a number/.test(e.message));
    assert.throws(() => buildConfig({ profiles: { Bad_Name: {} } }, {}), /profile name "Bad_Name"/);
    assert.throws(() => buildConfig({ profiles: { r: { image: 'x' } } }, {}), /profiles.r needs "image" and "command"/);
    assert.throws(() => buildConfig({ profiles: { python: { minSize: 6, maxSize: 2 } } }, {}), /minSize \(6\) is larger than maxSize \(2\)/);
    assert.throws(() => buildConfig({ isolation: 'shared' }, {}), /isolation must be "fresh" or "reuse"/);
  });

  it('keeps file names safe for the workspace', () => {
    assert.equal(safeFileName('/home/me/proj/app.py', 'main.py'), 'app.py');
    assert.equal(safeFileName('C:\\x\\y.mjs', 'main.js'), 'y.mjs');
    assert.equal(safeFileName('../../etc/passwd', 'main.py'), 'passwd');
    assert.equal(safeFileName('a b;rm.py', 'main.py'), 'main.py');
    assert.equal(safeFileName('.hidden', 'main.py'), 'main.py');
    assert.equal(safeFileName(undefined, 'main.py'), 'main.py');
  });
});
