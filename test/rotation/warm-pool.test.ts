/**
 * A group with a warm pool (test/sim/warm-pool.ts): instances prepared in the pool keep the image they were
 * launched with when the launch template changes, and every scale-out (the surge, each replacement launched
 * after a termination) draws on the pool first. The rotation refreshes the pool before it launches anything.
 */
import { DEFAULT_RETRY, retryingApi } from '../../src/aws/retry';
import { BATCH_TAG } from '../../src/shared/records';
import { buildScenario, dyingApi, GroupSpec, ProcessKilled, SimInstance, Simulation } from '../sim';
import { runInvocations, runScheduled, runToCompletion, settingsFor } from './harness';

const HOUR = 3600_000;

function warmScenario(instances: number, seed: number, poolState: 'Stopped' | 'Running' | 'Hibernated' = 'Stopped'): { sim: Simulation; spec: GroupSpec } {
  // Prepared capacity: desired + 4 warm instances (the pool shrinks as the surge raises desired, and refills after).
  const spec: GroupSpec = {
    name: 'web',
    family: 'amazon-linux-2023',
    architecture: 'x86_64',
    instances,
    maxSize: instances * 2 + 4,
    warmPool: { maxGroupPreparedCapacity: instances + 4, minSize: 1, poolState },
  };
  const sim = buildScenario({ seed, groups: [spec], services: 'auto', standaloneTasks: { count: 1, durationS: [300, 900] } });
  return { sim, spec };
}

/** The warm instances that went into service on another image than the target. */
function oldImageDrawn(drawn: readonly SimInstance[], target: string): SimInstance[] {
  return drawn.filter((i) => i.imageId !== target);
}

describe.each([
  [10, 3, 'Stopped'],
  [24, 9, 'Running'],
  [6, 17, 'Hibernated'],
] as const)('a group of %i instances with a warm pool (seed %i, pool state %s)', (instances, seed, poolState) => {
  test('the rotation ends with the group and its pool on the target image; no old-image warm instance enters service', async () => {
    const { sim, spec } = warmScenario(instances, seed, poolState);
    const group = sim.cloud.groups.get('web')!;
    const pool = group.warmPool!;
    const { old, new: target } = sim.images['amazon-linux-2023/x86_64'];
    expect([...pool.instances.values()].map((i) => i.imageId)).toEqual([old.imageId, old.imageId, old.imageId, old.imageId]);

    const result = await runToCompletion(sim.api, sim.clock, settingsFor(sim.clusterName), 24 * HOUR);
    expect(result.outcomes.filter((o) => !o.ok)).toEqual([]);
    expect(result.settled).toBe(true);

    // The group: every instance on the target, desired back where it was, no record left.
    expect(sim.cloud.imagesOf('web')).toEqual({ [target.imageId]: spec.instances });
    expect(group.desired).toBe(spec.instances);
    expect(group.tags.has(BATCH_TAG)).toBe(false);
    // Its pool: back at its size, every instance prepared from the updated template.
    const live = [...pool.instances.values()].filter((i) => !i.lifecycle.startsWith('Warmed:Terminat'));
    expect(live).toHaveLength(4);
    expect(live.map((i) => i.imageId)).toEqual(live.map(() => target.imageId));
    // The surge drew on the pool (the test would see an old-image draw), and none of what it drew was old.
    expect(pool.drawn.length).toBeGreaterThan(0);
    expect(oldImageDrawn(pool.drawn, target.imageId).map((i) => i.id)).toEqual([]);
    // The old warm instances were terminated through the group, without touching its desired capacity, and never in ECS.
    const warmTerminations = sim.recorder.calls.filter((c) => c.operation === 'autoscaling:terminateInstanceInAutoScalingGroup'
      && (c.input as { ShouldDecrementDesiredCapacity?: boolean }).ShouldDecrementDesiredCapacity === false
      && sim.cloud.instances.get((c.input as { InstanceId: string }).InstanceId)?.lifecycle === 'Warmed:Terminated');
    expect(warmTerminations).toHaveLength(4);
    expect(sim.invariants.terminationViolations).toEqual([]);
    expect(sim.invariants.servicesBelowMinimum()).toEqual([]);
    expect(sim.invariants.groupsBelow(0)).toEqual([]);
  });
});

test('a group up to date with an outdated warm pool (its template changed by someone else): the engine refreshes the pool and nothing else', async () => {
  const { sim } = warmScenario(4, 5);
  const group = sim.cloud.groups.get('web')!;
  const first = await runToCompletion(sim.api, sim.clock, settingsFor(sim.clusterName), 24 * HOUR);
  expect(first.settled).toBe(true);
  const target = sim.images['amazon-linux-2023/x86_64'].new.imageId;
  // Someone points the template back at the old image and the pool re-prepares one instance from it.
  const old = sim.images['amazon-linux-2023/x86_64'].old.imageId;
  const template = sim.cloud.templates.get(group.launchTemplate!.id)!;
  const latest = template.versions.get(template.latestVersion)!;
  latest.data.ImageId = old;
  const [victim] = [...group.warmPool!.instances.values()];
  await sim.api.autoScaling.terminateInstanceInAutoScalingGroup({ InstanceId: victim.id, ShouldDecrementDesiredCapacity: false });
  latest.data.ImageId = target;
  const stale = [...group.warmPool!.instances.values()].filter((i) => i.imageId === old);
  expect(stale).toHaveLength(1);

  const calls = sim.recorder.calls.length;
  const second = await runToCompletion(sim.api, sim.clock, settingsFor(sim.clusterName), 6 * HOUR);
  expect(second.settled).toBe(true);
  // Apart from reads and the lease (an item in the lease table), one write: the stale warm instance's termination.
  const writes = sim.recorder.calls.slice(calls).filter((c) => !/:(describe|list|get)/i.test(c.operation) && !/^dynamodb:(put|update|delete)Item$/.test(c.operation));
  expect(writes.map((c) => [c.operation, (c.input as { InstanceId?: string }).InstanceId])).toEqual([
    ['autoscaling:terminateInstanceInAutoScalingGroup', stale[0].id],
  ]);
  expect([...group.warmPool!.instances.values()].filter((i) => !i.lifecycle.startsWith('Warmed:Terminat')).every((i) => i.imageId === target)).toBe(true);
});

test('killed after every write of a warm-pool rotation, the next runs complete it: group and pool on the target, no old-image draw', async () => {
  const run = (sim: Simulation, api = sim.api) => runInvocations({
    api, clock: sim.clock, settings: settingsFor(sim.clusterName), budgetMs: 24 * HOUR, periodMs: 5 * 60_000, maxVirtualMs: 24 * HOUR,
  });
  const reference = warmScenario(3, 21).sim;
  const counting = dyingApi(reference.api, { afterWrites: Number.MAX_SAFE_INTEGER });
  await run(reference, counting.api);
  const total = counting.writes();
  expect(total).toBeGreaterThan(10);
  for (let k = 1; k <= total; k++) {
    const { sim } = warmScenario(3, 21);
    const killed = run(sim, dyingApi(sim.api, { afterWrites: k }).api);
    // The last write is the lease's release: a process killed after it has nothing left to do.
    if (k < total) await expect(killed).rejects.toThrow(ProcessKilled);
    else await killed;
    const resumed = await runScheduled(sim, settingsFor(sim.clusterName), 24 * HOUR);
    expect({ k, settled: resumed.settled }).toEqual({ k, settled: true });
    const target = sim.images['amazon-linux-2023/x86_64'].new.imageId;
    const pool = sim.cloud.groups.get('web')!.warmPool!;
    const live = [...pool.instances.values()].filter((i) => !i.lifecycle.startsWith('Warmed:Terminat'));
    expect({ k, images: sim.cloud.imagesOf('web'), pool: live.map((i) => i.imageId), oldDrawn: oldImageDrawn(pool.drawn, target).length })
      .toEqual({ k, images: { [target]: 3 }, pool: live.map(() => target), oldDrawn: 0 });
    expect({ k, violations: sim.invariants.terminationViolations }).toEqual({ k, violations: [] });
  }
}, 300_000);

test('throttling and 5xx on DescribeWarmPool and on the warm terminations are retried; the rotation completes the same', async () => {
  const { sim } = warmScenario(6, 13);
  for (const operation of ['autoscaling:describeWarmPool', 'autoscaling:terminateInstanceInAutoScalingGroup']) sim.faults.throttle(operation, 3).serverError(operation, 2);
  const api = retryingApi(sim.api, { ...DEFAULT_RETRY, sleep: (ms) => sim.clock.sleep(ms), random: sim.random });
  const result = await runToCompletion(api, sim.clock, settingsFor(sim.clusterName), 24 * HOUR);
  expect(result.outcomes.filter((o) => !o.ok)).toEqual([]);
  expect(result.settled).toBe(true);
  const errors = sim.recorder.errors();
  for (const operation of ['autoscaling:describeWarmPool', 'autoscaling:terminateInstanceInAutoScalingGroup']) {
    const failures = Object.entries(errors).filter(([key]) => key.startsWith(`${operation} `)).reduce((n, [, count]) => n + count, 0);
    expect({ operation, failures }).toEqual({ operation, failures: 5 });
  }
  const target = sim.images['amazon-linux-2023/x86_64'].new.imageId;
  expect(sim.cloud.imagesOf('web')).toEqual({ [target]: 6 });
  expect(oldImageDrawn(sim.cloud.groups.get('web')!.warmPool!.drawn, target)).toEqual([]);
});
