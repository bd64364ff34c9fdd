/**
 * ECS managed scaling (target tracking on CapacityProviderReservation) and managed termination protection,
 * as managed-scaling.ts models them from the ECS developer guide.
 */
import { SCALE_IN_DATAPOINTS } from './managed-scaling';
import { buildScenario, GroupSpec, ServiceSpec, Simulation } from './scenario';

const MIN = 60_000;
const web: ServiceSpec = { name: 'web', desiredCount: 6, minimumHealthyPercent: 100, maximumPercent: 200 };
const logs: ServiceSpec = { name: 'logs', desiredCount: 0, minimumHealthyPercent: 0, maximumPercent: 100, daemon: true, deregistrationDelayS: 0 };

function sim(group: Partial<GroupSpec> = {}, services: ServiceSpec[] = [web], slots = 2): Simulation {
  return buildScenario({
    seed: 5,
    groups: [{ name: 'app', family: 'amazon-linux-2023', architecture: 'x86_64', instances: 3, maxSize: 9, ...group }],
    services,
    taskSlotsPerInstance: slots,
    timing: { bootS: 120, registerS: 20, taskStartS: 30, apiLatencyMs: 0 },
  });
}

describe('the scenario builds CDK\'s AsgCapacityProvider default', () => {
  test('managed scaling ENABLED at target 100, MTP ENABLED, new instances protected; DescribeCapacityProviders says so', async () => {
    const s = sim();
    const group = s.cloud.groups.get('app')!;
    expect(group.managedScaling).toMatchObject({ targetCapacityPercent: 100, managedTerminationProtection: true, periodS: 60 });
    expect(group.newInstancesProtectedFromScaleIn).toBe(true);
    const provider = (await s.api.ecs.describeCapacityProviders({ capacityProviders: ['app-cp'] })).capacityProviders![0];
    expect(provider.autoScalingGroupProvider).toMatchObject({ managedScaling: { status: 'ENABLED', targetCapacity: 100 }, managedTerminationProtection: 'ENABLED' });
  });

  test('MTP on a group whose new instances are not protected is refused, as ECS refuses it', () => {
    const s = sim({ managedScaling: false, protectedFromScaleIn: false });
    expect(() => s.cloud.enableManagedScaling('app')).toThrow(/NewInstancesProtectedFromScaleIn/);
    expect(() => s.cloud.enableManagedScaling('app', { managedTerminationProtection: false })).not.toThrow();
  });
});

describe('CapacityProviderReservation = M / N x 100', () => {
  test('M counts instances running a non-daemon task plus what unplaced tasks need; N the running instances', async () => {
    const s = sim({ instances: 4 }, [web, logs]);
    await s.sleep(61_000);
    const scaling = s.cloud.groups.get('app')!.managedScaling!;
    // 6 tasks on 4 instances of 2 slots: every instance runs one (spread 2/2/1/1), daemons ignored.
    expect(scaling.datapoints.at(-1)).toMatchObject({ needed: 4, running: 4, value: 100 });
    s.services[0].desired = 12; // 4 more than 4 x 2 slots hold: 2 more instances needed
    s.cloud.markService(s.services[0]);
    s.cloud.settle();
    await s.sleep(MIN);
    expect(scaling.datapoints.at(-1)!.needed).toBe(6);
  });

  test('N = 0 with tasks waiting publishes 200; N = 0 and M = 0 publishes 100', async () => {
    const s = sim({ instances: 0, minSize: 0 }, [{ ...web, desiredCount: 0 }]);
    const scaling = s.cloud.groups.get('app')!.managedScaling!;
    await s.sleep(61_000);
    expect(scaling.datapoints.at(-1)).toMatchObject({ needed: 0, running: 0, value: 100 });
    s.services[0].desired = 3;
    s.cloud.markService(s.services[0]);
    s.cloud.settle();
    await s.sleep(MIN);
    expect(scaling.datapoints.at(-1)).toMatchObject({ running: 0, value: 200 });
    expect(s.cloud.groups.get('app')!.desired).toBe(2); // 3 tasks / 2 slots
  });
});

describe('target tracking: scale-out at once, scale-in after 15 one-minute datapoints below target', () => {
  test('a raise of desired by hand reads as idle capacity: scaled back in on the 15th low datapoint, not before', async () => {
    const s = sim();
    const group = s.cloud.groups.get('app')!;
    await s.api.autoScaling.setDesiredCapacity({ AutoScalingGroupName: 'app', DesiredCapacity: 6 });
    await s.sleep(5 * MIN); // the three extra instances boot and register, empty
    expect(group.instances.size).toBe(6);
    const lowSince = group.managedScaling!.datapoints.findIndex((p) => p.value < 100);
    expect(lowSince).toBeGreaterThanOrEqual(0);
    // Just before the 15th low datapoint: still 6.
    await s.sleep((SCALE_IN_DATAPOINTS - group.managedScaling!.lowStreak - 1) * MIN);
    expect(group.desired).toBe(6);
    await s.sleep(MIN);
    expect(group.desired).toBe(3);
    await s.sleep(5 * MIN);
    // The empty ones went; those running tasks were protected and stayed (MTP).
    expect(group.instances.size).toBe(3);
    expect(s.invariants.terminationViolations).toEqual([]);
    expect(s.services[0].runningCount).toBe(6);
  });

  test('a MinSize above what the tasks need holds the scale-in (cluster auto scaling never changes MinSize)', async () => {
    const s = sim();
    const group = s.cloud.groups.get('app')!;
    await s.api.autoScaling.updateAutoScalingGroup({ AutoScalingGroupName: 'app', MinSize: 6 });
    expect(group.desired).toBe(6); // desired follows a MinSize above it
    await s.sleep(30 * MIN);
    expect(group.desired).toBe(6);
    expect(group.minSize).toBe(6);
    expect(group.instances.size).toBe(6);
  });

  test('unplaceable tasks scale out on the first high datapoint, bounded by max size and a lower target keeps spare', async () => {
    const s = sim({ maxSize: 5 });
    const group = s.cloud.groups.get('app')!;
    await s.sleep(6 * MIN); // past the seeded instances' warm-up
    s.services[0].desired = 10;
    s.cloud.markService(s.services[0]);
    s.cloud.settle();
    await s.sleep(MIN);
    expect(group.desired).toBe(5);
    await s.sleep(10 * MIN);
    expect(s.services[0].runningCount).toBe(10);
    s.cloud.enableManagedScaling('app', { targetCapacityPercent: 50 });
    expect(s.cloud.managedDesired(group)).toBe(5); // 5 needed / 50% = 10, capped at max 5
  });
});

describe('managed termination protection', () => {
  test('protects instances running non-daemon tasks before placing them, unprotects empty ones each minute', async () => {
    const s = sim({ instances: 4 }, [web, logs]);
    const group = s.cloud.groups.get('app')!;
    await s.sleep(61_000);
    expect([...group.instances.values()].every((i) => i.protectedFromScaleIn)).toBe(true);
    // Drain one instance with a single task: the task moves, the next minute unprotects it.
    const victim = [...group.instances.values()].find((i) => i.ci!.nonDaemonAlive === 1)!;
    await s.api.ecs.updateContainerInstancesState({ cluster: s.clusterName, containerInstances: [victim.ci!.arn], status: 'DRAINING' });
    await s.sleep(3 * MIN);
    expect(victim.ci!.nonDaemonAlive).toBe(0);
    expect(victim.protectedFromScaleIn).toBe(false);
    // Its daemon task does not protect it; the task that moved protected its new instance first.
    const others = [...group.instances.values()].filter((i) => i !== victim);
    expect(others.every((i) => i.protectedFromScaleIn)).toBe(true);
  });

  test('without MTP, ECS leaves protection alone', async () => {
    const s = sim({ managedScaling: { managedTerminationProtection: false } });
    await s.sleep(61_000);
    expect([...s.cloud.groups.get('app')!.instances.values()].some((i) => i.protectedFromScaleIn)).toBe(false);
  });
});
