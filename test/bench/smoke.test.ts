/**
 * The benchmark's smallest scenario (N = 10, one group, seed 1) for the engine's and the seed's policies, as
 * CI's smoke test: invariants and counts, and virtual-clock figures (deterministic for a fixed seed), never
 * wall-clock times.
 */
import { Row, runCase } from '../../bench/measure';

const rows = new Map<string, Row>();

beforeAll(async () => {
  for (const policy of ['engine', 'engine-b1', 'engine-cordon', 'seed'] as const) {
    rows.set(policy, await runCase({ instances: 10, groups: 1, seed: 1, policy }));
  }
  for (const policy of ['engine', 'engine-cordon', 'seed'] as const) rows.set(`${policy}, two groups`, await runCase({ instances: 10, groups: 2, seed: 1, policy }));
});

const row = (policy: string) => rows.get(policy)!;

describe.each(['engine', 'engine-b1', 'engine-cordon'])('%s', (policy) => {
  test('every instance replaced; none terminated with a task alive; capacity and services never below their floor', () => {
    const r = row(policy);
    expect(r.placementTies).toBe('uniform');
    expect(r.completed).toBe(true);
    expect(r.instancesTerminatedWithTasks).toBe(0);
    expect(r.tasksKilled).toBe(0);
    expect(r.capacityShortfall).toBe(0);
    expect(r.servicesBelowMinimum).toBe(0);
    expect(r.minRunningPct).toBeGreaterThanOrEqual(50);
  });

  test('within 10% of the bound L + ⌈N/B⌉·D computed from the run\'s own boot and drain times', () => {
    const r = row(policy);
    expect(r.perGroup[0].budget).toBe(1);
    expect(r.perGroup[0].meanBootS).toBeGreaterThanOrEqual(130);
    expect(r.perGroup[0].meanDrainS).toBeGreaterThan(0);
    expect(r.boundS).toBe(r.perGroup[0].boundS);
    expect(r.makespanS).toBeGreaterThanOrEqual(r.boundS * 0.9);
    expect(r.ratio).toBeLessThanOrEqual(1.10);
  });

  test('the second floor: the last standalone task on an old instance ends on its own before that instance goes', () => {
    const r = row(policy);
    // N = 10 runs one standalone task (5% of the instances), of 5-50 minutes.
    expect(r.standaloneEndS).toBeGreaterThanOrEqual(300);
    expect(r.standaloneEndS).toBeLessThanOrEqual(3000);
    expect(r.makespanS).toBeGreaterThanOrEqual(r.standaloneEndS);
    expect(r.floorRatio).toBe(Math.round((r.makespanS / Math.max(r.boundS, r.standaloneEndS)) * 100) / 100);
    expect(r.floorRatio).toBeLessThanOrEqual(r.ratio);
  });

  test('calls: batched within each API\'s limit; an idle run ≤ 6 calls; one observation ≤ 8 + 3·⌈N/100⌉', () => {
    const r = row(policy);
    const limits: Record<string, number> = {
      'ecs:describeContainerInstances': 100,
      'ecs:updateContainerInstancesState': 10,
      'ecs:putAttributes': 10,
      'autoscaling:describeAutoScalingGroups': 100,
      'ssm:getParameters': 10,
      'ecs:describeServices': 10,
      'ecs:describeTasks': 100,
    };
    for (const [op, limit] of Object.entries(limits)) expect(r.largestBatch[op] ?? 0).toBeLessThanOrEqual(limit);
    expect(r.idleRunCalls).toBeLessThanOrEqual(6);
    expect(r.observeCalls).toBeLessThanOrEqual(8 + 3 * Math.ceil(10 / 100));
    expect(r.apiCallsPerInstance).toBeLessThan(400);
    expect(r.invocations).toBeGreaterThan(1);
  });
});

test('task moves: once each with the cordon constraint, one group or two; with the defaults, seed 1\'s one group within 1.05', () => {
  expect(row('engine-cordon').taskMovesPerTask).toBe(1);
  expect(row('engine-cordon, two groups').taskMovesPerTask).toBe(1);
  expect(row('engine').taskMovesPerTask).toBeLessThanOrEqual(1.05);
});

test('the seed baseline replaces every instance one at a time, a group\'s instance short while each drains, with a 2 s poll\'s worth of calls', () => {
  const r = row('seed');
  expect(r.completed).toBe(true);
  expect(r.perGroup[0].budget).toBe(1);
  // Detached before its replacement serves.
  expect(r.capacityShortfall).toBe(1);
  expect(r.largestBatch['autoscaling:detachInstances']).toBe(1);
  expect(r.largestBatch['ec2:terminateInstances']).toBe(1);
  expect(r.idleRunCalls).toBeUndefined();
});

test('one group, one instance at a time for both: the engine keeps the group\'s capacity where the seed gives an instance up, '
  + 'and takes at most one boot longer (it waits for the first replacement, the seed does not)', () => {
  expect(row('engine').capacityShortfall).toBe(0);
  expect(row('seed').capacityShortfall).toBeGreaterThan(0);
  expect(row('engine').makespanS).toBeLessThanOrEqual(row('seed').makespanS + row('engine').perGroup[0].meanBootS);
});

test('two groups: the engine rotates them side by side and beats the seed, which rotates one after the other, by a third', () => {
  const engine = row('engine, two groups');
  const seed = row('seed, two groups');
  expect(engine.completed && seed.completed).toBe(true);
  expect(engine.ratio).toBeLessThanOrEqual(1.10);
  expect(engine.makespanS).toBeLessThan(seed.makespanS * 0.7);
  expect(engine.capacityShortfall).toBe(0);
  expect(engine.tasksKilled + seed.tasksKilled).toBe(0);
  // Two groups on two launch templates: their default versions are confirmed in one call.
  expect(engine.idleRunCalls).toBeLessThanOrEqual(6);
});
