import { strict as assert } from 'assert';
import { backoffMs, planWarmups } from '../../daemon/poolPlan';

describe('pool decisions', () => {
  const base = { minSize: 2, maxSize: 5, live: 0, idle: 0, warming: 0, waiting: 0, backingOff: false };

  it('warms up to minSize, counting those already warming', () => {
    assert.equal(planWarmups(base), 2);
    assert.equal(planWarmups({ ...base, live: 1, warming: 1 }), 1);
    assert.equal(planWarmups({ ...base, live: 2, idle: 2 }), 0);
  });

  it('warms one per waiter beyond those warming, never past maxSize', () => {
    assert.equal(planWarmups({ ...base, live: 4, idle: 0, warming: 0, waiting: 3 }), 1);
    assert.equal(planWarmups({ ...base, live: 2, idle: 0, warming: 1, waiting: 3 }), 2);
    assert.equal(planWarmups({ ...base, live: 5, waiting: 9 }), 0);
    assert.equal(planWarmups({ ...base, waiting: 3, room: 1 }), 1, 'never past the cap over all sets');
  });

  it('waits while backing off after failures', () => {
    assert.equal(planWarmups({ ...base, waiting: 2, backingOff: true }), 0);
  });

  it('retries quickly while Docker is down and slowly when the image is missing', () => {
    assert.ok(backoffMs('docker-unreachable', 20) <= 2000);
    assert.ok(backoffMs('image-missing', 20) >= 10_000);
    assert.ok(backoffMs('image-missing', 1) < backoffMs('image-missing', 4));
  });
});
