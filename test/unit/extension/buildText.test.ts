// What VS Code shows for an image build, and the Cancel it sends: an environment's, and a language image's first build.
import { strict as assert } from 'assert';
import { envCancelParams } from '../../../daemon/validate';
import type { EnvProgressNotification } from '../../../daemon/protocol';
import { buildText, stepMessage } from '../../../extension/environments/buildText';

describe('image build notifications', () => {
  const lang: EnvProgressNotification = { kind: 'language', root: '', profile: 'lua', image: 'warmbox/lua:2', state: 'step', label: 'apt-get install lua5.4 (over warmbox/base:2)' };
  const env: EnvProgressNotification = { root: '/home/u/proj', profile: 'python', image: 'warmbox/env-python-x:latest', state: 'step', step: 2, steps: 4, label: 'pip install -r requirements.txt' };

  it("names a language image's first build and cancels it by image, as the daemon accepts", () => {
    const t = buildText(lang);
    assert.equal(t.name, 'lua sandbox image (warmbox/lua:2, first use)');
    assert.equal(t.what, 'lua image');
    assert.deepEqual(envCancelParams(t.cancel), { root: '', profile: 'lua', image: 'warmbox/lua:2' });
    assert.equal(stepMessage(lang), 'apt-get install lua5.4 (over warmbox/base:2)');
    assert.equal(stepMessage({ ...lang, state: 'line', line: 'E: Unable to locate package x' }), 'apt-get install lua5.4 (over warmbox/base:2) — E: Unable to locate package x');
  });

  it("names a project's environment build and cancels it by project", () => {
    const t = buildText(env);
    assert.equal(t.name, 'python environment of proj');
    assert.equal(t.what, 'python env');
    assert.deepEqual(envCancelParams(t.cancel), { root: '/home/u/proj', profile: 'python' });
    assert.equal(stepMessage(env), 'step 2/4: pip install -r requirements.txt');
    assert.notEqual(buildText(env).key, buildText({ ...lang, profile: 'python' }).key);
  });
});
