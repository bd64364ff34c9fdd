/** The default termination policy (termination-policy.ts) against "Configure termination policies for Amazon EC2 Auto Scaling". */
import { zoneCounts } from './availability-zones';
import { Random } from './random';
import { buildScenario, Simulation } from './scenario';
import { configurationAge, toNextBillingHour } from './termination-policy';

const MIN = 60_000;

function cluster(instances: number, seed = 21): Simulation {
  return buildScenario({
    seed,
    groups: [{
      name: 'app',
      family: 'amazon-linux-2023',
      architecture: 'x86_64',
      instances,
      // Managed scaling and managed termination protection off on purpose: these tests drive desired capacity
      // themselves and need unprotected instances for the policy to pick (managed-scaling.test.ts covers those).
      managedScaling: false,
      protectedFromScaleIn: false,
      maxSize: instances + 6,
    }],
    services: [],
    timing: { bootS: 120, registerS: 20, taskStartS: 30, apiLatencyMs: 0 },
  });
}

describe('default termination policy', () => {
  test('scale-in takes from the zone with the most instances first, keeping the group balanced', async () => {
    const sim = cluster(9);
    const group = sim.cloud.groups.get('app')!;
    sim.cloud.suspendProcesses('app', ['AZRebalance']);
    // Unbalance by hand: (3, 3, 3) -> (3, 3, 1).
    for (const i of sim.cloud.instancesOf('app').filter((x) => x.availabilityZone === 'us-east-1c').slice(0, 2)) {
      await sim.api.autoScaling.terminateInstanceInAutoScalingGroup({ InstanceId: i.id, ShouldDecrementDesiredCapacity: true });
    }
    await sim.api.autoScaling.setDesiredCapacity({ AutoScalingGroupName: 'app', DesiredCapacity: 5 });
    await sim.sleep(10 * MIN);
    expect([...zoneCounts(group).values()]).toEqual([2, 2, 1]);
    await sim.api.autoScaling.updateAutoScalingGroup({ AutoScalingGroupName: 'app', MaxSize: 3 });
    await sim.sleep(10 * MIN);
    expect([...zoneCounts(group).values()]).toEqual([1, 1, 1]);
  });

  test('within the zone, an instance of an older launch template version goes before a newer one, whatever its age', async () => {
    const sim = cluster(3);
    const group = sim.cloud.groups.get('app')!;
    const lt = group.launchTemplate!;
    const created = await sim.api.ec2.createLaunchTemplateVersion({ LaunchTemplateId: lt.id, SourceVersion: '1', LaunchTemplateData: {} });
    const version = String(created.LaunchTemplateVersion!.VersionNumber);
    await sim.api.autoScaling.updateAutoScalingGroup({ AutoScalingGroupName: 'app', LaunchTemplate: { LaunchTemplateId: lt.id, Version: version }, DesiredCapacity: 6 });
    await sim.sleep(10 * MIN);
    const fresh = sim.cloud.instancesOf('app').filter((i) => i.templateVersion === version);
    expect(fresh).toHaveLength(3);
    // Every zone holds one of each; scaling in by 3 takes the three version-1 instances.
    await sim.api.autoScaling.setDesiredCapacity({ AutoScalingGroupName: 'app', DesiredCapacity: 3 });
    const leaving = sim.cloud.instancesOf('app').filter((i) => i.lifecycle.startsWith('Terminat'));
    expect(leaving.map((i) => i.templateVersion)).toEqual(['1', '1', '1']);
    expect([...zoneCounts(group).values()]).toEqual([1, 1, 1]);
  });

  test('zone balance comes before the configuration: an unbalanced zone loses a current instance before a balanced zone loses an old one', async () => {
    const sim = cluster(3);
    const group = sim.cloud.groups.get('app')!;
    sim.cloud.suspendProcesses('app', ['AZRebalance']);
    const lt = group.launchTemplate!;
    const created = await sim.api.ec2.createLaunchTemplateVersion({ LaunchTemplateId: lt.id, SourceVersion: '1', LaunchTemplateData: {} });
    const version = String(created.LaunchTemplateVersion!.VersionNumber);
    await sim.api.autoScaling.updateAutoScalingGroup({ AutoScalingGroupName: 'app', LaunchTemplate: { LaunchTemplateId: lt.id, Version: version }, DesiredCapacity: 6 });
    await sim.sleep(10 * MIN);
    // Setup shortcut (no API moves an instance between zones): every current instance in zone a, the old ones in
    // b and c: (3 current, 2 old, 1 old).
    const place = (id: string, zone: string) => { (sim.cloud.instances.get(id) as { availabilityZone: string }).availabilityZone = zone; };
    const all = sim.cloud.instancesOf('app');
    all.filter((i) => i.templateVersion === version).forEach((i) => place(i.id, 'us-east-1a'));
    all.filter((i) => i.templateVersion === '1').forEach((i, k) => place(i.id, k < 2 ? 'us-east-1b' : 'us-east-1c'));
    expect([...zoneCounts(group).values()]).toEqual([3, 2, 1]);
    await sim.api.autoScaling.setDesiredCapacity({ AutoScalingGroupName: 'app', DesiredCapacity: 5 });
    const leaving = sim.cloud.instancesOf('app').filter((i) => i.lifecycle.startsWith('Terminat'));
    expect(leaving.map((i) => [i.availabilityZone, i.templateVersion])).toEqual([['us-east-1a', version]]);
  });

  test('protected instances are never picked; a zone with only protected instances is passed over', async () => {
    const sim = cluster(6);
    const group = sim.cloud.groups.get('app')!;
    for (const i of sim.cloud.instancesOf('app').filter((x) => x.availabilityZone === 'us-east-1a')) {
      i.protectedFromScaleIn = true; // as SetInstanceProtection would (the simulator's API layer has no such call)
    }
    await sim.api.autoScaling.setDesiredCapacity({ AutoScalingGroupName: 'app', DesiredCapacity: 4 });
    const leaving = sim.cloud.instancesOf('app').filter((i) => i.lifecycle.startsWith('Terminat'));
    expect(leaving).toHaveLength(2);
    expect(leaving.every((i) => i.availabilityZone !== 'us-east-1a')).toBe(true);
    expect(zoneCounts(group).get('us-east-1a')).toBe(2);
  });

  test('configuration age orders a launch configuration, another template, then versions of the current one; billing hour is the next full hour', () => {
    const sim = cluster(1);
    const group = sim.cloud.groups.get('app')!;
    const [instance] = sim.cloud.instancesOf('app');
    const ctx = { now: sim.clock.now(), random: new Random(1), launchConfigurations: sim.cloud.launchConfigurations };
    const asIf = (over: Partial<typeof instance>) => configurationAge(group, { ...instance, ...over }, ctx);
    expect(asIf({ templateId: undefined, launchConfigurationName: 'old-lc' })).toBeLessThan(asIf({ templateId: 'lt-other' }));
    expect(asIf({ templateId: 'lt-other' })).toBeLessThan(asIf({ templateVersion: '1' }));
    expect(asIf({ templateVersion: '1' })).toBeLessThan(asIf({ templateVersion: '2' }));
    const launched = { ...instance, launchTime: ctx.now - 50 * MIN };
    expect(toNextBillingHour(launched, ctx.now)).toBe(10 * MIN);
    expect(toNextBillingHour({ ...instance, launchTime: ctx.now - 70 * MIN }, ctx.now)).toBe(50 * MIN);
  });
});
