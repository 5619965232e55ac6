import { strict as assert } from 'assert';
import type { ContainerInfo, PoolChangedNotification, ProfileStats } from '../../../daemon/protocol';
import { findPathLinks, LinkHold } from '../../../media/src/links';
import { age, containerRows, RedrawGate, viewSignature } from '../../../extension/views/containerRows';
import { statusCounts, statusText, tooltipSets } from '../../../extension/views/statusText';

const set = (over: Partial<ProfileStats> = {}): ProfileStats => ({
  profile: 'python', name: 'python', isDefault: true, limits: { memoryMb: 256, cpus: 1, pids: 128, network: false }, image: 'warmbox/python:2',
  isolation: 'fresh', minSize: 2, maxSize: 5, warming: 0, idle: 2, busy: 0, waiting: 0, runs: 0, coldRuns: 0, failures: 0, replaced: 0, ...over,
});
const box = (id: string, createdAt: number, state: ContainerInfo['state'] = 'idle', uses = 0): ContainerInfo => ({ id, shortId: id.slice(0, 12), profile: 'python', pool: 'python', state, uses, createdAt, ageMs: 0 });
const data = (containers: ContainerInfo[], s = set()): PoolChangedNotification => ({ stats: { profiles: [s] } as PoolChangedNotification['stats'], containers });

describe('the containers view', () => {
  it('keeps rows in creation order whatever their state (the row under the mouse stays)', () => {
    const d = data([box('b', 2000, 'busy'), box('a', 1000), box('c', 3000)]);
    assert.deepEqual(containerRows(d, set(), 5000).map((r) => r.info.id), ['a', 'b', 'c']);
  });

  it('shows uses only for a reuse set', () => {
    assert.doesNotMatch(containerRows(data([box('a', 0)]), set(), 1000)[0].description, /use/);
    assert.match(containerRows(data([box('a', 0, 'idle', 3)]), set({ isolation: 'reuse' }), 1000)[0].description, /3 uses/);
  });

  it('ages are coarse, so a tick redraws only when the text changes', () => {
    assert.equal(age(3000), 'new');
    assert.equal(age(14_000), '10s');
    assert.equal(age(19_000), '10s');
    assert.equal(age(125_000), '2m');
    const d = data([box('a', 0)]);
    assert.equal(viewSignature(d, 11_000), viewSignature(d, 19_000));
    assert.notEqual(viewSignature(d, 11_000), viewSignature(d, 21_000));
  });

  it('redraws at most once per interval and only when the signature changed', () => {
    let sig = 'a';
    let t = 0;
    let redraws = 0;
    const timers: { fn: () => void; ms: number }[] = [];
    const gate = new RedrawGate(1000, () => sig, () => redraws++, () => t, { set: (fn, ms) => timers.push({ fn, ms }), clear: () => undefined });
    const fire = () => timers.shift()!.fn();
    gate.poke();
    gate.poke();
    assert.equal(timers.length, 1, 'pokes while one is pending are one');
    assert.equal(timers[0].ms, 0, 'the first redraw is at once');
    fire();
    assert.equal(redraws, 1);
    t = 200;
    gate.poke(); // same signature
    assert.equal(timers[0].ms, 800, 'the next redraw waits for the interval');
    fire();
    assert.equal(redraws, 1, 'a notification that changes nothing shown must not redraw');
    sig = 'b';
    for (let i = 0; i < 20; i++) gate.poke();
    assert.equal(timers.length, 1);
    fire();
    assert.equal(redraws, 2, 'a burst of changes is one redraw');
  });
});

describe('the status bar text', () => {
  it('reads without hovering', () => {
    assert.equal(statusText(set()), 'python 2 warm');
    assert.equal(statusText(set({ idle: 1, busy: 1 })), 'python 1 warm · 1 busy');
    assert.equal(statusText(set({ idle: 0, minSize: 0 })), 'python warms on first run');
  });

  // Seen in a walk: a C file showed "python 2 warm", and a project's first run came cold under "python 2 warm".
  it("is about the editor's profile and the sets that serve its project, never another profile's", () => {
    const sets = [
      set(),
      set({ profile: 'node', name: 'node', idle: 1 }),
      set({ profile: 'python@proj', name: 'python', isDefault: false, idle: 1, busy: 1, projectRoot: '/w/proj' }),
      set({ profile: 'python:reuse@proj', name: 'python', isDefault: false, idle: 1, minSize: 0, projectRoot: '/w/proj' }),
      set({ profile: 'python@other', name: 'python', isDefault: false, idle: 2, projectRoot: '/w/other' }),
      // Another folder of the same name: another project, whatever its label says.
      set({ profile: 'python@proj', name: 'python', isDefault: false, idle: 4, projectRoot: '/elsewhere/proj' }),
    ];
    assert.equal(statusText(statusCounts(sets, { profile: 'python', root: '/w/proj' })), 'python 2 warm · 1 busy');
    assert.equal(statusText(statusCounts(sets, { profile: 'python', root: '/elsewhere/proj' })), 'python 4 warm');
    assert.equal(statusText(statusCounts(sets, { profile: 'python' })), 'python 2 warm');
    // A profile with no set yet, and a project whose set is not made yet: the first run starts them.
    assert.equal(statusText(statusCounts(sets, { profile: 'c', root: '/w/proj' })), 'c warms on first run');
    assert.equal(statusText(statusCounts(sets, { profile: 'node', root: '/w/proj' })), 'node warms on first run');
    assert.equal(statusText(statusCounts(sets, { profile: 'node' })), 'node 1 warm');
  });

  it('its tooltip lists the sets that hold sandboxes and the focused profile, and only names the thirteen others', () => {
    const zero = { idle: 0, minSize: 0 };
    const sets = [set(), set({ profile: 'lua', name: 'lua', ...zero }), set({ profile: 'c', name: 'c', ...zero }), set({ profile: 'php', name: 'php', ...zero, lastError: 'no image' })];
    const t = tooltipSets(sets, { profile: 'c', root: '/w/proj' });
    assert.deepEqual(t.rows.map((x) => x.profile), ['python', 'c', 'php']);
    assert.deepEqual(t.idle, ['lua']);
  });
});

describe('panel links across output chunks', () => {
  const render = (chunks: string[]) => {
    const h = new LinkHold();
    const shown = chunks.map((c) => h.take(c));
    shown.push(h.flush());
    return shown;
  };

  it('a path cut in two chunks is linked whole, with its line', () => {
    const shown = render(['Traceback:\n  File "/wo', 'rk/boom.py", line 3, in <module>\n']);
    const text = shown.join('');
    assert.equal(text, 'Traceback:\n  File "/work/boom.py", line 3, in <module>\n');
    // Each piece the panel renders holds whole links only.
    const links = shown.flatMap((s) => findPathLinks(s));
    assert.deepEqual(links.map((l) => [l.path, l.line]), [['/work/boom.py', 3]]);
  });

  it('a cut inside the line number is held too', () => {
    const shown = render(['  File "/work/app/x.py", li', 'ne 12\n']);
    assert.deepEqual(shown.flatMap((s) => findPathLinks(s)).map((l) => [l.path, l.line]), [['/work/app/x.py', 12]]);
  });

  it('output without paths is not held (a prompt shows at once)', () => {
    const h = new LinkHold();
    assert.equal(h.take('name? '), 'name? ');
    assert.equal(h.pending, false);
  });
});
