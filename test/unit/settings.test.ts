// Settings of one window must never change another's sandboxes: what the extension sends (settingsPlan), how the
// daemon resolves a run's profile from it (workspace values only tighten) and how it keys its warm sets.
import { strict as assert } from 'assert';
import { buildConfig, resolveProfile } from '../../daemon/config';
import { poolKey, setLabel } from '../../daemon/poolManager';
import { configSetParams, runStartParams } from '../../daemon/validate';
import { daemonWideSettings, Inspected, runSettings } from '../../extension/settingsPlan';

const inspectFrom = (values: Record<string, Inspected>) => (key: string) => values[key] ?? {};

describe('settings: what the extension sends', () => {
  it('sends nothing at all from an untrusted window', () => {
    const i = inspectFrom({ memoryMb: { globalValue: 512, workspaceValue: 65536 }, network: { workspaceValue: true }, pool: { globalValue: { python: { minSize: 1 } } } });
    assert.deepEqual(runSettings(i, false), {});
    assert.equal(daemonWideSettings(i, false), undefined);
  });

  it('sends only values set explicitly: defaults are the daemon\'s', () => {
    assert.deepEqual(runSettings(inspectFrom({}), true), {});
    assert.equal(daemonWideSettings(inspectFrom({}), true), undefined);
    // inspect() also reports defaultValue; it must not be sent
    const i = (k: string) => ({ defaultValue: k === 'memoryMb' ? 256 : undefined }) as Inspected;
    assert.deepEqual(runSettings(i, true), {});
  });

  it('splits user values from workspace values, converting units', () => {
    const plan = runSettings(
      inspectFrom({
        memoryMb: { globalValue: 1024, workspaceValue: 65536 },
        timeoutSeconds: { workspaceValue: 2.5 },
        outputLimitKb: { globalValue: 8 },
        network: { workspaceValue: true },
        isolation: { workspaceValue: 'reuse', workspaceFolderValue: 'fresh' },
        pids: { workspaceValue: 64, workspaceFolderValue: 4096 },
      }),
      true,
    );
    assert.deepEqual(plan.settings, { memoryMb: 1024, outputLimitBytes: 8192 });
    assert.deepEqual(plan.workspaceSettings, { memoryMb: 65536, timeoutMs: 2500, network: true, isolation: 'fresh', pids: 64 });
  });

  it('leaves out values of the wrong type', () => {
    const plan = runSettings(inspectFrom({ memoryMb: { globalValue: 'lots' }, network: { globalValue: 'yes' }, isolation: { workspaceValue: 'shared' } }), true);
    assert.deepEqual(plan, {});
  });

  it('pushes pool sizes and idle shutdown only from the user\'s own settings', () => {
    const i = inspectFrom({
      pool: { globalValue: { python: { minSize: 1, maxSize: 3 } }, workspaceValue: { python: { minSize: 60, maxSize: 256 } } },
      'daemon.idleShutdownMinutes': { workspaceValue: 10080 },
    });
    assert.deepEqual(daemonWideSettings(i, true), { pool: { python: { minSize: 1, maxSize: 3 } } });
    assert.deepEqual(daemonWideSettings(inspectFrom({ 'daemon.idleShutdownMinutes': { globalValue: 2 } }), true), { idleShutdownMs: 120_000 });
  });
});

describe('settings: the daemon resolves a run\'s profile', () => {
  const base = buildConfig({}, {}).profiles.get('python')!;

  it('applies the user\'s own values as given, loosening included', () => {
    const p = resolveProfile(base, { memoryMb: 2048, network: true, isolation: 'reuse', timeoutMs: 120_000 });
    assert.equal(p.limits.memoryMb, 2048);
    assert.equal(p.limits.network, true);
    assert.equal(p.isolation, 'reuse');
    assert.equal(p.limits.timeoutMs, 120_000);
  });

  it('lets workspace values tighten but never loosen', () => {
    const loose = resolveProfile(base, {}, { memoryMb: 65536, pids: 65536, cpus: 64, timeoutMs: 86_400_000, outputLimitBytes: 1 << 30, network: true, isolation: 'reuse' });
    assert.deepEqual(loose.limits, base.limits);
    assert.equal(loose.isolation, 'fresh');
    assert.equal(poolKey(loose), poolKey(base), 'a loosening workspace gets the default set');
    const tight = resolveProfile(base, {}, { memoryMb: 64, pids: 16, cpus: 0.5, timeoutMs: 1000, outputLimitBytes: 2048 });
    assert.deepEqual(tight.limits, { ...base.limits, memoryMb: 64, pids: 16, cpus: 0.5, timeoutMs: 1000, outputLimitBytes: 2048 });
  });

  it('lets a workspace turn network off and isolation to fresh over the user\'s choice', () => {
    const p = resolveProfile(base, { network: true, isolation: 'reuse' }, { network: false, isolation: 'fresh' });
    assert.equal(p.limits.network, false);
    assert.equal(p.isolation, 'fresh');
    const q = resolveProfile(base, { memoryMb: 1024 }, { memoryMb: 4096 });
    assert.equal(q.limits.memoryMb, 1024, 'a workspace value above the user\'s own stays at the user\'s');
  });

  it('keys sets by what shapes a container, not by per-run timeout or output cap', () => {
    assert.equal(poolKey(resolveProfile(base, { timeoutMs: 1000, outputLimitBytes: 4096 })), poolKey(base));
    assert.notEqual(poolKey(resolveProfile(base, { memoryMb: 512 })), poolKey(base));
    assert.notEqual(poolKey(resolveProfile(base, { isolation: 'reuse' })), poolKey(base));
    assert.notEqual(poolKey(resolveProfile(base, { network: true })), poolKey(base));
    assert.equal(setLabel(base, base), 'python');
    assert.equal(setLabel(resolveProfile(base, { isolation: 'reuse', memoryMb: 512, network: true }), base), 'python:reuse,memoryMb=512,network');
  });
});

describe('settings: what the daemon accepts', () => {
  it('takes sandbox settings with a run, naming a bad field', () => {
    const p = runStartParams({ profile: 'python', code: '', settings: { memoryMb: 512 }, workspaceSettings: { network: false } });
    assert.deepEqual(p.settings, { memoryMb: 512 });
    assert.deepEqual(p.workspaceSettings, { network: false });
    assert.throws(() => runStartParams({ profile: 'python', code: '', settings: { memoryMb: 1 } }), /settings\.memoryMb must be a number from 16 to 65536/);
    assert.throws(() => runStartParams({ profile: 'python', code: '', workspaceSettings: { network: 'on' } }), /workspaceSettings\.network must be true or false/);
    assert.throws(() => runStartParams({ profile: 'python', code: '', settings: { privileged: true } }), /settings\.privileged is not a sandbox setting/);
  });

  it('refuses limits in config/set: they are not daemon-wide', () => {
    assert.throws(() => configSetParams({ overrides: { memoryMb: 65536 } }), /overrides\.memoryMb is not daemon-wide/);
    assert.throws(() => configSetParams({ overrides: { network: true } }), /overrides\.network is not daemon-wide/);
    assert.deepEqual(configSetParams({ overrides: { pool: { python: { minSize: 1 } }, idleShutdownMs: 60_000 } }), { pool: { python: { minSize: 1, maxSize: undefined } }, idleShutdownMs: 60_000 });
  });

  it('bounds the total: maxSandboxes below the warm minimum is named', () => {
    assert.throws(() => buildConfig({ maxSandboxes: 3 }, {}), /maxSandboxes \(3\) is smaller than the profiles' minSize together \(6\)/);
    assert.equal(buildConfig({}, {}).maxSandboxes, 12);
  });
});
