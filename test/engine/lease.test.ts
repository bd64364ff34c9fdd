/**
 * The lease of one run (RunLease) against the simulator: taken before the first write, renewed only past
 * half its time, given up when overwritten, released at the end.
 */
import { LEASE_TTL_MS, RunLease } from '../../src/engine/lease';
import { decodeLease, encodeLease, LEASE_TAG } from '../../src/shared/records';
import { twoGroups } from '../cli/cli-harness';

function setUp() {
  const sim = twoGroups();
  const cluster = sim.cloud.clusters.get('prod')!;
  const tags = () => Object.fromEntries(cluster.tags);
  const lease = new RunLease(sim.api, 'lambda:run-1', () => sim.clock.now());
  sim.recorder.clear();
  return { sim, cluster, tags, lease };
}

describe('RunLease', () => {
  test('taken once, renewed only once half its time has passed, released at the end', async () => {
    const { sim, cluster, tags, lease } = setUp();
    const takenAt = sim.clock.now();
    expect(await lease.holdFor(cluster.arn, tags())).toBeUndefined();
    // The simulated calls take time of their own: the lease runs from when it was written.
    const taken = decodeLease(cluster.tags.get(LEASE_TAG))!;
    expect(taken.owner).toBe('lambda:run-1');
    expect(taken.expiresAt - takenAt).toBeGreaterThanOrEqual(LEASE_TTL_MS);
    expect(taken.expiresAt - takenAt).toBeLessThan(LEASE_TTL_MS + 1_000);
    expect(sim.recorder.count('ecs:tagResource')).toBe(1);

    await sim.sleep(LEASE_TTL_MS / 2 - 1_000);
    expect(await lease.holdFor(cluster.arn, tags())).toBeUndefined();
    expect(sim.recorder.count('ecs:tagResource')).toBe(1);

    await sim.sleep(2_000);
    expect(await lease.holdFor(cluster.arn, tags())).toBeUndefined();
    expect(sim.recorder.count('ecs:tagResource')).toBe(2);

    await lease.release();
    expect(cluster.tags.has(LEASE_TAG)).toBe(false);
  });

  test('another owner\'s live lease: named, nothing written, nothing released', async () => {
    const { sim, cluster, tags, lease } = setUp();
    const other = { owner: 'cli:laptop:42', expiresAt: sim.clock.now() + 60_000 };
    cluster.tags.set(LEASE_TAG, encodeLease(other));
    expect(await lease.holdFor(cluster.arn, tags())).toEqual(other);
    await lease.release();
    expect(sim.recorder.count('ecs:tagResource') + sim.recorder.count('ecs:untagResource')).toBe(0);
    expect(decodeLease(cluster.tags.get(LEASE_TAG))).toEqual(other);
  });

  test('overwritten by another owner: taken again only through acquisition, which backs off from a live lease', async () => {
    const { sim, cluster, tags, lease } = setUp();
    expect(await lease.holdFor(cluster.arn, tags())).toBeUndefined();
    const other = { owner: 'cli:laptop:42', expiresAt: sim.clock.now() + 60_000 };
    cluster.tags.set(LEASE_TAG, encodeLease(other));
    expect(await lease.holdFor(cluster.arn, tags())).toEqual(other);
    // Its own lease is gone, so the run's end leaves the other owner's in place.
    await lease.release();
    expect(decodeLease(cluster.tags.get(LEASE_TAG))).toEqual(other);
  });
});
