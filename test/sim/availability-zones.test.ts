/** Availability Zones, launch placement and AZRebalance (availability-zones.ts), each against the AWS pages cited there. */
import { isBalanced, rebalanceMargin, rebalanceMoves, zoneCounts } from './availability-zones';
import { SimGroup } from './model';
import { buildScenario, Simulation } from './scenario';

const MIN = 60_000;

function cluster(instances: number, extra: { availabilityZones?: readonly string[]; maxSize?: number; seed?: number } = {}): Simulation {
  return buildScenario({
    seed: extra.seed ?? 11,
    groups: [{
      name: 'app',
      family: 'amazon-linux-2023',
      architecture: 'x86_64',
      instances,
      // Managed scaling and managed termination protection off on purpose: these tests drive desired capacity
      // themselves and need unprotected instances for the policy to pick (managed-scaling.test.ts covers those).
      managedScaling: false,
      protectedFromScaleIn: false,
      maxSize: extra.maxSize ?? instances + 6,
      availabilityZones: extra.availabilityZones,
    }],
    services: [{ name: 'web', desiredCount: instances * 2, minimumHealthyPercent: 50, maximumPercent: 200 }],
    timing: { bootS: 120, registerS: 20, taskStartS: 30, apiLatencyMs: 0 },
  });
}

function spread(group: SimGroup): number {
  const values = [...zoneCounts(group).values()];
  return Math.max(...values) - Math.min(...values);
}

describe('Availability Zones', () => {
  test('a group spans three zones by default and DescribeAutoScalingGroups lists them; a scenario may give its own', async () => {
    const sim = cluster(6);
    const group = sim.cloud.groups.get('app')!;
    expect(group.availabilityZones).toEqual(['us-east-1a', 'us-east-1b', 'us-east-1c']);
    const described = await sim.api.autoScaling.describeAutoScalingGroups({ AutoScalingGroupNames: ['app'] });
    expect(described.AutoScalingGroups?.[0].AvailabilityZones).toEqual(['us-east-1a', 'us-east-1b', 'us-east-1c']);
    expect([...zoneCounts(group).values()]).toEqual([2, 2, 2]);
    const two = cluster(5, { availabilityZones: ['a', 'd'] });
    expect(new Set(two.cloud.instancesOf('app').map((i) => i.availabilityZone))).toEqual(new Set(['us-east-1a', 'us-east-1d']));
    expect(spread(two.cloud.groups.get('app')!)).toBe(1);
  });

  test('each launch goes to the zone with the fewest instances', async () => {
    const sim = cluster(3);
    const group = sim.cloud.groups.get('app')!;
    sim.cloud.suspendProcesses('app', ['AZRebalance']);
    // Empty zone b by hand (with decrement, AZRebalance held): the next launches fill b first.
    const inB = sim.cloud.instancesOf('app').filter((i) => i.availabilityZone === 'us-east-1b');
    for (const i of inB) await sim.api.autoScaling.terminateInstanceInAutoScalingGroup({ InstanceId: i.id, ShouldDecrementDesiredCapacity: true });
    await sim.sleep(5 * MIN);
    expect(zoneCounts(group).get('us-east-1b')).toBe(0);
    await sim.api.autoScaling.setDesiredCapacity({ AutoScalingGroupName: 'app', DesiredCapacity: 3 });
    const launched = sim.cloud.instancesOf('app').filter((i) => i.lifecycle === 'Pending');
    expect(launched.map((i) => i.availabilityZone)).toEqual(['us-east-1b']);
    await sim.api.autoScaling.setDesiredCapacity({ AutoScalingGroupName: 'app', DesiredCapacity: 9 });
    expect([...zoneCounts(group).values()]).toEqual([3, 3, 3]);
  });

  test('balance helpers: spread of one is balanced, moves count launch-then-terminate pairs, the margin is 10% of max, at least one', () => {
    expect(isBalanced(new Map([['a', 3], ['b', 2], ['c', 3]]))).toBe(true);
    expect(isBalanced(new Map([['a', 3], ['b', 1], ['c', 3]]))).toBe(false);
    expect(rebalanceMoves(new Map([['a', 3], ['b', 3], ['c', 0]]))).toBe(2);
    expect(rebalanceMoves(new Map([['a', 4], ['b', 1], ['c', 1]]))).toBe(2);
    expect(rebalanceMargin(4)).toBe(1);
    expect(rebalanceMargin(40)).toBe(4);
    expect(rebalanceMargin(45)).toBe(5);
  });
});

describe('AZRebalance', () => {
  test('after terminations with decrement empty a zone, Auto Scaling launches first, then terminates undrained instances the policy picks', async () => {
    const sim = cluster(6);
    const group = sim.cloud.groups.get('app')!;
    const inC = sim.cloud.instancesOf('app').filter((i) => i.availabilityZone === 'us-east-1c');
    for (const i of inC) await sim.api.autoScaling.terminateInstanceInAutoScalingGroup({ InstanceId: i.id, ShouldDecrementDesiredCapacity: true });
    // (2, 2, 0) is one move from balanced. Launch first: one instance goes to zone c while a and b keep theirs.
    const launched = sim.cloud.instancesOf('app').filter((i) => i.lifecycle === 'Pending');
    expect(launched.map((i) => i.availabilityZone)).toEqual(['us-east-1c']);
    expect(sim.cloud.instancesOf('app').filter((i) => i.lifecycle === 'Terminating' && i.availabilityZone !== 'us-east-1c')).toHaveLength(0);
    expect(group.desired).toBe(4);
    await sim.sleep(10 * MIN);
    // Then terminate: one from a or b (the zones with the most), with its tasks: nobody drained it.
    expect(zoneCounts(group).get('us-east-1c')).toBe(1);
    expect(spread(group)).toBe(1);
    expect(sim.cloud.instancesOf('app').filter((i) => !i.lifecycle.startsWith('Terminat'))).toHaveLength(4);
    const rebalanced = sim.invariants.terminationViolations.filter((v) => !inC.some((i) => i.id === v.instanceId));
    expect(rebalanced).toHaveLength(1);
    expect(['us-east-1a', 'us-east-1b']).toContain(sim.cloud.instances.get(rebalanced[0].instanceId)!.availabilityZone);
    expect(group.activities.filter((a) => a.description.includes('AZ rebalance'))).toHaveLength(1);
  });

  test('suspended: nothing moves; resumed: the group rebalances at once', async () => {
    const sim = cluster(6);
    const group = sim.cloud.groups.get('app')!;
    sim.cloud.suspendProcesses('app', ['AZRebalance']);
    for (const i of sim.cloud.instancesOf('app').filter((x) => x.availabilityZone === 'us-east-1a')) {
      await sim.api.autoScaling.terminateInstanceInAutoScalingGroup({ InstanceId: i.id, ShouldDecrementDesiredCapacity: true });
    }
    await sim.sleep(10 * MIN);
    expect([...zoneCounts(group).values()]).toEqual([0, 2, 2]);
    const before = new Set(sim.cloud.instancesOf('app').map((i) => i.id));
    await sim.api.autoScaling.resumeProcesses({ AutoScalingGroupName: 'app', ScalingProcesses: ['AZRebalance'] });
    await sim.sleep(10 * MIN);
    // One move: a launch into a, then one of b's or c's goes.
    expect(zoneCounts(group).get('us-east-1a')).toBe(1);
    expect(spread(group)).toBe(1);
    const gone = [...before].filter((id) => !group.instances.has(id) || group.instances.get(id)!.lifecycle.startsWith('Terminat'));
    expect(gone).toHaveLength(1);
    expect(group.desired).toBe(4);
  });

  test('with Launch suspended AZRebalance does nothing; with Terminate suspended it launches and the group stays above desired', async () => {
    const sim = cluster(6, { maxSize: 6 });
    const group = sim.cloud.groups.get('app')!;
    sim.cloud.suspendProcesses('app', ['AZRebalance', 'Launch']);
    for (const i of sim.cloud.instancesOf('app').filter((x) => x.availabilityZone === 'us-east-1b')) {
      await sim.api.autoScaling.terminateInstanceInAutoScalingGroup({ InstanceId: i.id, ShouldDecrementDesiredCapacity: true });
    }
    await sim.sleep(10 * MIN);
    sim.cloud.resumeProcesses('app', ['AZRebalance']);
    await sim.sleep(10 * MIN);
    expect([...zoneCounts(group).values()]).toEqual([2, 0, 2]);
    sim.cloud.suspendProcesses('app', ['Terminate']);
    sim.cloud.resumeProcesses('app', ['Launch']);
    await sim.sleep(10 * MIN);
    // The move's launch happens; its paired termination waits for Terminate: one instance above desired.
    expect([...zoneCounts(group).values()]).toEqual([2, 1, 2]);
    expect(group.desired).toBe(4);
    sim.cloud.resumeProcesses('app', ['Terminate']);
    await sim.sleep(10 * MIN);
    expect(sim.cloud.instancesOf('app').filter((i) => !i.lifecycle.startsWith('Terminat'))).toHaveLength(4);
    expect(spread(group)).toBeLessThanOrEqual(1);
  });

  test('at the maximum size, rebalancing launches no more than the 10% margin above it, and still balances', async () => {
    const sim = cluster(9, { maxSize: 9 });
    const group = sim.cloud.groups.get('app')!;
    sim.cloud.suspendProcesses('app', ['AZRebalance']);
    for (const i of sim.cloud.instancesOf('app').filter((x) => x.availabilityZone === 'us-east-1a')) {
      await sim.api.autoScaling.terminateInstanceInAutoScalingGroup({ InstanceId: i.id, ShouldDecrementDesiredCapacity: true });
    }
    await sim.api.autoScaling.updateAutoScalingGroup({ AutoScalingGroupName: 'app', MaxSize: 6 });
    await sim.sleep(10 * MIN);
    expect([...zoneCounts(group).values()]).toEqual([0, 3, 3]);
    sim.cloud.resumeProcesses('app', ['AZRebalance']);
    let peak = 0;
    for (let t = 0; t < 30; t++) {
      peak = Math.max(peak, [...zoneCounts(group).values()].reduce((a, b) => a + b, 0));
      await sim.sleep(MIN);
    }
    expect(peak).toBe(6 + rebalanceMargin(6));
    expect([...zoneCounts(group).values()]).toEqual([2, 2, 2]);
  });
});
