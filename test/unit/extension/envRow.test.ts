import { strict as assert } from 'assert';
import type { EnvInfo } from '../../../daemon/protocol';
import { envRow } from '../../../extension/environments/envRow';

const env = (over: Partial<EnvInfo> = {}): EnvInfo => ({
  image: 'warmbox/env-python-3a0b97ababd8:latest', id: 'sha256:1', profile: 'python', project: '/home/u/proj', base: 'warmbox/python:2',
  sizeBytes: 232e6, createdAt: 0, inUse: false, ...over,
});

describe('the Environments view', () => {
  it('tells apart two images of one project and profile (each changed manifest builds one)', () => {
    const a = envRow(env(), 120_000);
    const b = envRow(env({ image: 'warmbox/env-python-6eb3fc445e40:latest', id: 'sha256:2' }), 120_000);
    assert.equal(a.label, 'python · proj');
    assert.equal(a.label, b.label);
    assert.notEqual(a.description, b.description);
    assert.equal(a.description, '3a0b97ababd8 · 232 MB · 2m old · not used yet');
  });

  it('says in use, and offers Rebuild for a project\'s image and Remove for an unused one', () => {
    const r = envRow(env({ inUse: true, lastUsedAt: 110_000 }), 120_000);
    assert.equal(r.description, '3a0b97ababd8 · 232 MB · 2m old · used 10s ago · in use');
    assert.equal(r.contextValue, 'environment.inUse.project');
    assert.match(r.tooltip, /never removed/);
    assert.equal(envRow(env({ project: undefined }), 0).contextValue, 'environment.unused');
  });
});
