/**
 * The simulator's warm pools (warm-pool.ts): PutWarmPool sizing, the Warmed:* lifecycle, instances keeping the
 * AMI they were prepared with after a launch template change, scale-out drawing on the pool first, scale-in
 * returning instances with ReuseOnScaleIn, terminating warm instances, and the API's limits.
 */
import { simAwsApi } from './api';
import { SimGroup } from './model';
import { buildScenario, Simulation } from './scenario';

const MIN = 60_000;

function sim(instances = 4, maxSize = 10, extra: { mixedInstancesPolicy?: boolean; managedScaling?: false } = {}): Simulation {
  return buildScenario({
    seed: 11,
    groups: [{ name: 'app', family: 'amazon-linux-2023', architecture: 'x86_64', instances, maxSize, ...extra }],
    services: [{ name: 'web', desiredCount: instances * 2, minimumHealthyPercent: 100, maximumPercent: 200 }],
    timing: { bootS: 120, registerS: 20, taskStartS: 30, apiLatencyMs: 0 },
  });
}

function group(s: Simulation): SimGroup {
  return s.cloud.groups.get('app')!;
}

function warm(s: Simulation) {
  return [...(group(s).warmPool?.instances.values() ?? [])];
}

/** The group's launch template gets a version on the newer image, and the group uses it. */
async function newTemplateVersion(s: Simulation): Promise<string> {
  const g = group(s);
  const newImage = s.images['amazon-linux-2023/x86_64'].new.imageId;
  const created = await s.api.ec2.createLaunchTemplateVersion({ LaunchTemplateId: g.launchTemplate!.id, SourceVersion: '1', LaunchTemplateData: { ImageId: newImage } });
  await s.api.autoScaling.updateAutoScalingGroup({
    AutoScalingGroupName: 'app', LaunchTemplate: { LaunchTemplateId: g.launchTemplate!.id, Version: String(created.LaunchTemplateVersion!.VersionNumber) },
  });
  return newImage;
}

describe('warm pools', () => {
  test('the pool keeps max size (or MaxGroupPreparedCapacity) minus desired, at least MinSize', async () => {
    const s = sim(4, 10);
    const api = simAwsApi(s.api);
    await api.notEngine.putWarmPool({ AutoScalingGroupName: 'app' });
    expect(warm(s)).toHaveLength(6);
    await api.notEngine.putWarmPool({ AutoScalingGroupName: 'app', MaxGroupPreparedCapacity: 6 });
    await s.sleep(5 * MIN);
    expect(warm(s).filter((i) => !i.lifecycle.startsWith('Warmed:Terminat'))).toHaveLength(2);
    await api.notEngine.putWarmPool({ AutoScalingGroupName: 'app', MaxGroupPreparedCapacity: 3, MinSize: 3 });
    await s.sleep(5 * MIN);
    expect(warm(s)).toHaveLength(3);
    // -1 removes the value: back to max size minus desired.
    await api.notEngine.putWarmPool({ AutoScalingGroupName: 'app', MaxGroupPreparedCapacity: -1, MinSize: 0 });
    expect(warm(s)).toHaveLength(6);
    const described = await s.api.autoScaling.describeAutoScalingGroups({ AutoScalingGroupNames: ['app'] });
    expect(described.AutoScalingGroups![0].WarmPoolSize).toBe(6);
    expect(described.AutoScalingGroups![0].WarmPoolConfiguration).toMatchObject({ MinSize: 0, PoolState: 'Stopped' });
  });

  test.each([
    ['Stopped', 'Warmed:Stopped', 'stopped'],
    ['Running', 'Warmed:Running', 'running'],
    ['Hibernated', 'Warmed:Hibernated', 'stopped'],
  ] as const)('pool state %s: Warmed:Pending, then %s (EC2 %s); never in the group, never registered in ECS', async (poolState, lifecycle, ec2) => {
    const s = sim(2, 4);
    await simAwsApi(s.api).notEngine.putWarmPool({ AutoScalingGroupName: 'app', PoolState: poolState });
    expect(warm(s).map((i) => i.lifecycle)).toEqual(['Warmed:Pending', 'Warmed:Pending']);
    await s.sleep(3 * MIN);
    expect(warm(s).map((i) => [i.lifecycle, i.state])).toEqual([[lifecycle, ec2], [lifecycle, ec2]]);
    expect(warm(s).every((i) => i.ci === undefined)).toBe(true);
    const asg = (await s.api.autoScaling.describeAutoScalingGroups({ AutoScalingGroupNames: ['app'] })).AutoScalingGroups![0];
    expect(asg.Instances!.map((i) => i.InstanceId).sort()).toEqual([...group(s).instances.keys()].sort());
    const pool = await s.api.autoScaling.describeWarmPool({ AutoScalingGroupName: 'app' });
    expect(pool.Instances!.map((i) => i.LifecycleState)).toEqual([lifecycle, lifecycle]);
    const ec2Described = await s.api.ec2.describeInstances({ InstanceIds: warm(s).map((i) => i.id) });
    expect(ec2Described.Reservations!.map((r) => r.Instances![0].State!.Name)).toEqual([ec2, ec2]);
  });

  test('after a launch template change, warm instances keep their AMI and a scale-out puts them in service first', async () => {
    const s = sim(2, 4);
    const oldImage = s.images['amazon-linux-2023/x86_64'].old.imageId;
    await simAwsApi(s.api).notEngine.putWarmPool({ AutoScalingGroupName: 'app' });
    await s.sleep(3 * MIN);
    const prepared = warm(s).map((i) => i.id);
    const newImage = await newTemplateVersion(s);
    await s.sleep(MIN);
    expect(warm(s).map((i) => i.imageId)).toEqual([oldImage, oldImage]);

    await s.api.autoScaling.setDesiredCapacity({ AutoScalingGroupName: 'app', DesiredCapacity: 3 });
    const drawn = group(s).warmPool!.drawn;
    expect(drawn.map((i) => i.id)).toEqual([prepared[0]]);
    expect(group(s).instances.get(prepared[0])!.lifecycle).toBe('Pending');
    expect(await s.runUntil(() => drawn[0].ci?.status === 'ACTIVE', { timeoutMs: 5 * MIN })).toBe(true);
    // It entered service on the old AMI, and registered only once out of the pool.
    expect(drawn[0].ci!.attributes.get('ecs.ami-id')).toBe(oldImage);
    expect(drawn[0].ci!.registeredAt).toBeGreaterThan(s.clock.now() - 5 * MIN);
    // The pool is back at max - desired = 1: the instance left from before, nothing new (the size shrank with desired).
    expect(warm(s).map((i) => i.id)).toEqual([prepared[1]]);

    // Desired back down: the pool grows again, from the template as it is now.
    await s.api.autoScaling.setDesiredCapacity({ AutoScalingGroupName: 'app', DesiredCapacity: 2 });
    expect(warm(s).map((i) => i.imageId).sort()).toEqual([newImage, oldImage].sort());
  });

  test('a scale-out beyond the pool launches the rest cold; ready warm instances go before those still Warmed:Pending', async () => {
    const s = sim(2, 6);
    const api = simAwsApi(s.api);
    await api.notEngine.putWarmPool({ AutoScalingGroupName: 'app', MaxGroupPreparedCapacity: 4 });
    await s.sleep(3 * MIN);
    const ready = warm(s).map((i) => i.id);
    expect(ready).toHaveLength(2);
    await api.notEngine.putWarmPool({ AutoScalingGroupName: 'app', MaxGroupPreparedCapacity: 5 });
    const booting = warm(s).find((i) => i.lifecycle === 'Warmed:Pending')!;
    await s.api.autoScaling.setDesiredCapacity({ AutoScalingGroupName: 'app', DesiredCapacity: 6 });
    expect(group(s).warmPool!.drawn.map((i) => i.id)).toEqual([...ready, booting.id]);
    expect(group(s).instances.size).toBe(6);
    expect(warm(s)).toHaveLength(0);
  });

  test('terminating a warm instance: without decrement it goes Warmed:Terminating -> Warmed:Terminated and the pool re-prepares from the current template', async () => {
    const s = sim(2, 3);
    await simAwsApi(s.api).notEngine.putWarmPool({ AutoScalingGroupName: 'app' });
    await s.sleep(3 * MIN);
    const [old] = warm(s);
    const newImage = await newTemplateVersion(s);
    await expect(s.api.autoScaling.terminateInstanceInAutoScalingGroup({ InstanceId: old.id, ShouldDecrementDesiredCapacity: true }))
      .rejects.toMatchObject({ name: 'ValidationError' });
    expect(old.lifecycle).toBe('Warmed:Stopped');
    await s.api.autoScaling.terminateInstanceInAutoScalingGroup({ InstanceId: old.id, ShouldDecrementDesiredCapacity: false });
    expect(old.lifecycle).toBe('Warmed:Terminating');
    expect(group(s).desired).toBe(2);
    // Leaving, it no longer counts: its replacement is launched into the pool at once, on the new image.
    const fresh = warm(s).find((i) => i.id !== old.id)!;
    expect(fresh.imageId).toBe(newImage);
    expect(fresh.lifecycle).toBe('Warmed:Pending');
    await s.sleep(MIN);
    expect(old.lifecycle).toBe('Warmed:Terminated');
    expect(old.state).toBe('terminated');
    expect(warm(s).map((i) => i.id)).toEqual([fresh.id]);
  });

  test('ReuseOnScaleIn: the scale-in victim stops into the pool, its tasks die, its container instance stays registered and reconnects when drawn', async () => {
    // Managed scaling off: this test scales the group in by hand to see where the victim goes, which ECS
    // would undo, and managed termination protection would keep every instance that runs a task.
    const s = sim(3, 4, { managedScaling: false });
    await simAwsApi(s.api).notEngine.putWarmPool({ AutoScalingGroupName: 'app', MaxGroupPreparedCapacity: 3, InstanceReusePolicy: { ReuseOnScaleIn: true } });
    await s.sleep(MIN);
    const tasksBefore = new Map([...group(s).instances.values()].map((i) => [i.id, i.ci!.tasks.size]));
    await s.api.autoScaling.setDesiredCapacity({ AutoScalingGroupName: 'app', DesiredCapacity: 2 });
    const returned = warm(s);
    expect(returned).toHaveLength(1);
    const victim = returned[0];
    expect(victim.lifecycle).toBe('Warmed:Pending');
    expect(victim.ci!.tasks.size).toBe(0);
    expect(victim.ci!.agentConnected).toBe(false);
    expect(victim.ci!.status).toBe('ACTIVE');
    expect(tasksBefore.get(victim.id)).toBeGreaterThan(0);
    expect(s.invariants.terminationViolations.map((v) => v.instanceId)).toEqual([victim.id]);
    await s.sleep(MIN);
    expect(victim.lifecycle).toBe('Warmed:Stopped');
    await s.api.autoScaling.setDesiredCapacity({ AutoScalingGroupName: 'app', DesiredCapacity: 3 });
    expect(await s.runUntil(() => victim.ci!.agentConnected && victim.lifecycle === 'InService', { timeoutMs: 5 * MIN })).toBe(true);
    expect(s.cloud.registeredContainerInstances().filter((c) => c.instance === victim)).toHaveLength(1);
  });

  test('no launches into the pool while Launch is suspended', async () => {
    const s = sim(2, 5);
    s.cloud.suspendProcesses('app', ['Launch']);
    await simAwsApi(s.api).notEngine.putWarmPool({ AutoScalingGroupName: 'app' });
    expect(warm(s)).toHaveLength(0);
    s.cloud.resumeProcesses('app', ['Launch']);
    expect(warm(s)).toHaveLength(3);
  });

  test('PutWarmPool refuses a mixed instances group and bad values; DescribeWarmPool pages at most 50', async () => {
    const mixed = sim(2, 4, { mixedInstancesPolicy: true });
    await expect(simAwsApi(mixed.api).notEngine.putWarmPool({ AutoScalingGroupName: 'app' })).rejects.toMatchObject({ name: 'ValidationError' });
    const s = sim(2, 62);
    const api = simAwsApi(s.api);
    await expect(api.notEngine.putWarmPool({ AutoScalingGroupName: 'app', MinSize: -1 })).rejects.toMatchObject({ name: 'ValidationError' });
    await expect(api.notEngine.putWarmPool({ AutoScalingGroupName: 'app', MaxGroupPreparedCapacity: -2 })).rejects.toMatchObject({ name: 'ValidationError' });
    await api.notEngine.putWarmPool({ AutoScalingGroupName: 'app' });
    await expect(s.api.autoScaling.describeWarmPool({ AutoScalingGroupName: 'app', MaxRecords: 51 })).rejects.toMatchObject({ name: 'ValidationError' });
    const first = await s.api.autoScaling.describeWarmPool({ AutoScalingGroupName: 'app' });
    expect(first.Instances).toHaveLength(50);
    const second = await s.api.autoScaling.describeWarmPool({ AutoScalingGroupName: 'app', NextToken: first.NextToken });
    expect(second.Instances).toHaveLength(10);
    expect(second.NextToken).toBeUndefined();
    const none = sim(2, 4);
    expect(await none.api.autoScaling.describeWarmPool({ AutoScalingGroupName: 'app' })).toMatchObject({ Instances: [] });
  });
});
