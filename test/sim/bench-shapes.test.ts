/** What the benchmark needs of the simulator: per-instance task loads, and DetachInstances (seed 004's call). */
import { buildScenario, simAwsApi } from './index';
import { benchScenario, runCase } from '../../bench/measure';

const group = (instances: number) => ({ name: 'web', family: 'amazon-linux-2023', architecture: 'x86_64' as const, instances });

describe('tasksPerInstance', () => {
  test('every instance runs a drawn number of tasks within the range, daemons included, and the services fill exactly those draws', () => {
    const sim = buildScenario({ seed: 3, groups: [group(60)], services: 'auto', standaloneTasks: { count: 0, durationS: 60 }, tasksPerInstance: [4, 20] });
    const loads = sim.cloud.registeredContainerInstances().map((ci) => ci.tasks.size);
    expect(loads).toHaveLength(60);
    expect(Math.min(...loads)).toBeGreaterThanOrEqual(4);
    expect(Math.max(...loads)).toBeLessThanOrEqual(20);
    // Drawn, not spread evenly.
    expect(new Set(loads).size).toBeGreaterThan(8);
    const replica = [...sim.cloud.services.values()].filter((s) => !s.daemon);
    const daemons = [...sim.cloud.services.values()].filter((s) => s.daemon);
    expect(replica.reduce((n, s) => n + s.desired, 0) + 60 * daemons.length).toBe(loads.reduce((a, b) => a + b, 0));
    expect(replica.every((s) => s.runningCount === s.desired)).toBe(true);
    expect(new Set(replica.map((s) => s.minimumHealthyPercent))).toEqual(new Set([50, 100]));
    expect(replica.every((s) => s.maximumPercent === 200)).toBe(true);
    // Room for the range's maximum on every instance, replacements included.
    expect(sim.cloud.maxTasksPerInstance).toBe(20 - daemons.length);
  });

  test('needs the auto services', () => {
    expect(() => buildScenario({ seed: 3, groups: [group(2)], services: [], tasksPerInstance: [4, 20] })).toThrow(/auto/);
  });
});

describe('DetachInstances', () => {
  test('without decrement, the group forgets the instance (which keeps running, in the cluster) and launches a replacement', async () => {
    const sim = buildScenario({ seed: 3, groups: [group(3)], services: [] });
    const api = simAwsApi(sim.api);
    const [first] = sim.cloud.instancesOf('web');
    await api.notEngine.detachInstances({ AutoScalingGroupName: 'web', InstanceIds: [first.id], ShouldDecrementDesiredCapacity: false });
    const g = sim.cloud.groups.get('web')!;
    expect(g.desired).toBe(3);
    expect(g.instances.has(first.id)).toBe(false);
    expect(first.state).toBe('running');
    expect(first.lifecycle).toBe('Detached');
    expect(first.tags.has('aws:autoscaling:groupName')).toBe(false);
    expect(first.ci!.status).toBe('ACTIVE');
    expect([...g.instances.values()].filter((i) => i.lifecycle === 'Pending')).toHaveLength(1);
    expect(sim.invariants.groups.get('web')!.lowestServing).toBe(2);
  });

  test('with decrement, desired capacity drops and nothing is launched; the minimum size holds', async () => {
    const sim = buildScenario({ seed: 3, groups: [{ ...group(2), minSize: 1 }], services: [] });
    const api = simAwsApi(sim.api);
    const [a, b] = sim.cloud.instancesOf('web');
    await api.notEngine.detachInstances({ AutoScalingGroupName: 'web', InstanceIds: [a.id], ShouldDecrementDesiredCapacity: true });
    expect(sim.cloud.groups.get('web')!.desired).toBe(1);
    expect(sim.cloud.instancesOf('web').map((i) => i.id)).toEqual([b.id]);
    await expect(api.notEngine.detachInstances({ AutoScalingGroupName: 'web', InstanceIds: [b.id], ShouldDecrementDesiredCapacity: true }))
      .rejects.toThrow(/min size/);
  });

  test('at most 20 ids, InService instances of the named group only', async () => {
    const sim = buildScenario({ seed: 3, groups: [group(2)], services: [] });
    const api = simAwsApi(sim.api);
    const ids = Array.from({ length: 21 }, (_, i) => `i-${i}`);
    await expect(api.notEngine.detachInstances({ AutoScalingGroupName: 'web', InstanceIds: ids, ShouldDecrementDesiredCapacity: false })).rejects.toThrow(/20/);
    await expect(api.notEngine.detachInstances({ AutoScalingGroupName: 'web', InstanceIds: ['i-nope'], ShouldDecrementDesiredCapacity: false }))
      .rejects.toThrow(/not part/);
    const [first] = sim.cloud.instancesOf('web');
    await api.autoScaling.terminateInstanceInAutoScalingGroup({ InstanceId: first.id, ShouldDecrementDesiredCapacity: false });
    await expect(api.notEngine.detachInstances({ AutoScalingGroupName: 'web', InstanceIds: [first.id], ShouldDecrementDesiredCapacity: false }))
      .rejects.toThrow(/InService/);
  });
});

describe('the cdk-defaults benchmark scenario', () => {
  test('turns on what a default AsgCapacityProvider has: managed scaling at 100% with managed termination protection, on every group', () => {
    const sim = benchScenario({ scenario: 'cdk-defaults', instances: 12, groups: 1, seed: 1, policy: 'engine' });
    const web = sim.cloud.groups.get('web')!;
    expect(web.managedScaling).toMatchObject({ targetCapacityPercent: 100, managedTerminationProtection: true });
    expect(web.newInstancesProtectedFromScaleIn).toBe(true);
    expect(sim.cloud.capacityProviders.get('web-cp')).toMatchObject({ managedTerminationProtection: 'ENABLED', managedScaling: { status: 'ENABLED', targetCapacity: 100 } });
    // The plain scenario has none of it.
    expect(benchScenario({ instances: 12, groups: 1, seed: 1, policy: 'engine' }).cloud.groups.get('web')!.managedScaling).toBeUndefined();
  });

  test('its rows carry azSpread (largest minus smallest live instances per AZ); plain rows do not', async () => {
    const row = await runCase({ scenario: 'cdk-defaults', instances: 10, groups: 1, seed: 1, policy: 'engine' });
    expect(row.scenario).toBe('cdk-defaults, N=10, 1 group');
    expect(row.completed).toBe(true);
    expect(Number.isInteger(row.azSpread)).toBe(true);
    expect(row.azSpread).toBeGreaterThanOrEqual(0);
    expect(row.azSpread).toBeLessThanOrEqual(10);
    const plain = await runCase({ instances: 10, groups: 1, seed: 1, policy: 'engine' });
    expect(plain.azSpread).toBeUndefined();
    expect('azSpread' in JSON.parse(JSON.stringify(plain))).toBe(false);
  }, 60_000);
});
