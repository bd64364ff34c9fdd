/**
 * Tests of the simulator's reliability behaviours: suspended processes, instance refreshes, CloudFormation
 * stacks and their tags, capacity provider managed scaling with managed termination protection, launch
 * template tags, max size and scale-in protection, and the dying process wrapper.
 */
import { dyingApi, ProcessKilled } from './dying';
import { buildScenario, GroupSpec, ServiceSpec, Simulation } from './scenario';
import { TagKey } from '../../src/shared/constants';

const MIN = 60_000;

type Extra = Partial<Parameters<typeof buildScenario>[0]>;

function sim(groups: Partial<GroupSpec>[] = [{}], services: ServiceSpec[] = [], extra: Extra = {}): Simulation {
  return buildScenario({
    seed: 5,
    groups: groups.map((g, i) => ({ name: i === 0 ? 'app' : `app${i}`, family: 'amazon-linux-2023', architecture: 'x86_64' as const, instances: 3, maxSize: 9, ...g })),
    services,
    timing: { bootS: 120, registerS: 20, taskStartS: 30, apiLatencyMs: 0 },
    ...extra,
  });
}

async function describeGroup(s: Simulation, name = 'app') {
  const out = await s.api.autoScaling.describeAutoScalingGroups({ AutoScalingGroupNames: [name] });
  return out.AutoScalingGroups![0];
}

describe('suspended processes', () => {
  test('are reported with a reason; resuming some or all removes them', async () => {
    const s = sim();
    s.cloud.suspendProcesses('app', ['Launch', 'AZRebalance']);
    expect((await describeGroup(s)).SuspendedProcesses).toEqual([
      { ProcessName: 'Launch', SuspensionReason: 'User suspended at 2026-01-01T00:00:00Z' },
      { ProcessName: 'AZRebalance', SuspensionReason: 'User suspended at 2026-01-01T00:00:00Z' },
    ]);
    s.cloud.resumeProcesses('app', ['AZRebalance']);
    expect((await describeGroup(s)).SuspendedProcesses!.map((p) => p.ProcessName)).toEqual(['Launch']);
    s.cloud.suspendProcesses('app');
    expect((await describeGroup(s)).SuspendedProcesses).toHaveLength(9);
    s.cloud.resumeProcesses('app');
    expect((await describeGroup(s)).SuspendedProcesses).toEqual([]);
    expect(() => s.cloud.suspendProcesses('app', ['Nope'])).toThrow(/unknown scaling process/);
  });

  test('Launch suspended: raising desired launches nothing until Launch resumes', async () => {
    // Desired is set by hand here; ECS managed scaling (on by default) would set it back: off for this test.
    const s = sim([{ managedScaling: false }]);
    const group = s.cloud.groups.get('app')!;
    s.cloud.suspendProcesses(group, ['Launch']);
    await s.api.autoScaling.setDesiredCapacity({ AutoScalingGroupName: 'app', DesiredCapacity: 5 });
    await s.sleep(30 * MIN);
    expect(group.desired).toBe(5);
    expect(group.instances.size).toBe(3);
    // An instance terminated without decrement is not replaced either.
    const [first] = group.instances.keys();
    await s.api.autoScaling.terminateInstanceInAutoScalingGroup({ InstanceId: first, ShouldDecrementDesiredCapacity: false });
    await s.sleep(10 * MIN);
    expect(group.instances.size).toBe(2);
    s.cloud.resumeProcesses(group, ['Launch']);
    expect(group.instances.size).toBe(5);
    await s.sleep(5 * MIN);
    expect(group.servingCount).toBe(5);
  });

  test('Terminate suspended: lowering desired terminates no InService instance; resuming scales in', async () => {
    // Desired is set by hand here; ECS managed scaling (on by default) would set it back: off for this test.
    const s = sim([{ managedScaling: false }]);
    const group = s.cloud.groups.get('app')!;
    s.cloud.suspendProcesses(group, ['Terminate']);
    await s.api.autoScaling.setDesiredCapacity({ AutoScalingGroupName: 'app', DesiredCapacity: 1 });
    await s.sleep(30 * MIN);
    expect(group.desired).toBe(1);
    expect([...group.instances.values()].map((i) => i.lifecycle)).toEqual(['InService', 'InService', 'InService']);
    s.cloud.resumeProcesses(group, ['Terminate']);
    await s.sleep(5 * MIN);
    expect(group.instances.size).toBe(1);
  });

  test('Terminate suspended: TerminateInstanceInAutoScalingGroup is refused (conservative reading), nothing changes', async () => {
    const s = sim();
    const group = s.cloud.groups.get('app')!;
    s.cloud.suspendProcesses(group, ['Terminate']);
    const [first] = group.instances.keys();
    await expect(s.api.autoScaling.terminateInstanceInAutoScalingGroup({ InstanceId: first, ShouldDecrementDesiredCapacity: true }))
      .rejects.toMatchObject({ name: 'ValidationError', $fault: 'client' });
    expect(group.desired).toBe(3);
    expect(group.instances.get(first)!.lifecycle).toBe('InService');
    s.cloud.resumeProcesses(group);
    await s.api.autoScaling.terminateInstanceInAutoScalingGroup({ InstanceId: first, ShouldDecrementDesiredCapacity: true });
    expect(group.desired).toBe(2);
  });

  test('ReplaceUnhealthy and AZRebalance suspended change nothing but the report', async () => {
    const s = sim();
    const group = s.cloud.groups.get('app')!;
    s.cloud.suspendProcesses(group, ['ReplaceUnhealthy', 'AZRebalance']);
    await s.api.autoScaling.setDesiredCapacity({ AutoScalingGroupName: 'app', DesiredCapacity: 4 });
    await s.sleep(5 * MIN);
    expect(group.servingCount).toBe(4);
  });
});

describe('instance refreshes', () => {
  test('Pending -> InProgress -> Successful over the duration; only one at a time', async () => {
    const s = sim();
    const id = s.cloud.startInstanceRefresh('app', { durationS: 600 });
    const status = async () => (await s.api.autoScaling.describeInstanceRefreshes({ AutoScalingGroupName: 'app' })).InstanceRefreshes![0];
    expect(await status()).toMatchObject({ InstanceRefreshId: id, AutoScalingGroupName: 'app', Status: 'Pending', PercentageComplete: 0 });
    expect(() => s.cloud.startInstanceRefresh('app', { durationS: 60 })).toThrow(expect.objectContaining({ name: 'InstanceRefreshInProgress' }));
    await s.sleep(31_000);
    expect((await status()).Status).toBe('InProgress');
    await s.sleep(300_000);
    expect((await status()).PercentageComplete).toBeGreaterThan(0);
    await s.sleep(300_000);
    const done = await status();
    expect(done).toMatchObject({ Status: 'Successful', PercentageComplete: 100 });
    expect(done.EndTime!.getTime() - done.StartTime!.getTime()).toBe(600_000);
    // Instances are not replaced.
    expect(s.cloud.groups.get('app')!.instances.size).toBe(3);
  });

  test('newest first; InstanceRefreshIds, MaxRecords and NextToken are honoured; other groups see none', async () => {
    const s = sim([{}, {}]);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push(s.cloud.startInstanceRefresh('app', { durationS: 60, outcome: i === 1 ? 'Failed' : 'Successful' }));
      await s.sleep(2 * MIN);
    }
    const all = await s.api.autoScaling.describeInstanceRefreshes({ AutoScalingGroupName: 'app' });
    expect(all.InstanceRefreshes!.map((r) => r.InstanceRefreshId)).toEqual([...ids].reverse());
    expect(all.InstanceRefreshes!.map((r) => r.Status)).toEqual(['Successful', 'Failed', 'Successful']);
    expect(all.NextToken).toBeUndefined();
    const first = await s.api.autoScaling.describeInstanceRefreshes({ AutoScalingGroupName: 'app', MaxRecords: 2 });
    expect(first.InstanceRefreshes!.map((r) => r.InstanceRefreshId)).toEqual([ids[2], ids[1]]);
    const second = await s.api.autoScaling.describeInstanceRefreshes({ AutoScalingGroupName: 'app', MaxRecords: 2, NextToken: first.NextToken });
    expect(second.InstanceRefreshes!.map((r) => r.InstanceRefreshId)).toEqual([ids[0]]);
    expect(second.NextToken).toBeUndefined();
    const one = await s.api.autoScaling.describeInstanceRefreshes({ AutoScalingGroupName: 'app', InstanceRefreshIds: [ids[0]] });
    expect(one.InstanceRefreshes!.map((r) => r.InstanceRefreshId)).toEqual([ids[0]]);
    expect((await s.api.autoScaling.describeInstanceRefreshes({ AutoScalingGroupName: 'app1' })).InstanceRefreshes).toEqual([]);
    await expect(s.api.autoScaling.describeInstanceRefreshes({ AutoScalingGroupName: 'app', MaxRecords: 101 })).rejects.toMatchObject({ name: 'ValidationError' });
    await expect(s.api.autoScaling.describeInstanceRefreshes({ AutoScalingGroupName: 'app', NextToken: 'garbage' })).rejects.toMatchObject({ name: 'InvalidNextToken' });
  });

  test('refreshes older than six weeks are no longer listed; a cancelled one goes Cancelling -> Cancelled', async () => {
    const s = sim();
    s.cloud.startInstanceRefresh('app', { durationS: 60 });
    await s.sleep(43 * 24 * 60 * MIN);
    expect((await s.api.autoScaling.describeInstanceRefreshes({ AutoScalingGroupName: 'app' })).InstanceRefreshes).toEqual([]);
    s.cloud.startInstanceRefresh('app', { durationS: 600 });
    await s.sleep(MIN);
    s.cloud.cancelInstanceRefresh('app');
    const status = async () => (await s.api.autoScaling.describeInstanceRefreshes({ AutoScalingGroupName: 'app' })).InstanceRefreshes![0].Status;
    expect(await status()).toBe('Cancelling');
    await s.sleep(MIN);
    expect(await status()).toBe('Cancelled');
    await s.sleep(20 * MIN); // the original end passes: it stays Cancelled
    expect(await status()).toBe('Cancelled');
  });
});

describe('CloudFormation', () => {
  test('DescribeStacks by name or stack id; unknown is a ValidationError; a deleted stack is found by id only', async () => {
    const s = sim();
    const id = s.cloud.addStack('infra');
    expect(id).toMatch(/^arn:aws:cloudformation:us-east-1:123456789012:stack\/infra\/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/);
    const byName = await s.api.cloudFormation.describeStacks({ StackName: 'infra' });
    expect(byName.Stacks).toEqual([expect.objectContaining({ StackName: 'infra', StackId: id, StackStatus: 'CREATE_COMPLETE', CreationTime: new Date(s.clock.now()) })]);
    expect((await s.api.cloudFormation.describeStacks({ StackName: id })).Stacks![0].StackName).toBe('infra');
    s.cloud.setStackStatus('infra', 'UPDATE_IN_PROGRESS');
    expect((await s.api.cloudFormation.describeStacks({ StackName: 'infra' })).Stacks![0].StackStatus).toBe('UPDATE_IN_PROGRESS');
    await expect(s.api.cloudFormation.describeStacks({ StackName: 'nope' }))
      .rejects.toMatchObject({ name: 'ValidationError', message: 'Stack with id nope does not exist', $metadata: { httpStatusCode: 400 } });
    s.cloud.setStackStatus('infra', 'DELETE_COMPLETE');
    await expect(s.api.cloudFormation.describeStacks({ StackName: 'infra' })).rejects.toMatchObject({ name: 'ValidationError' });
    expect((await s.api.cloudFormation.describeStacks({ StackName: id })).Stacks![0].StackStatus).toBe('DELETE_COMPLETE');
    // A new stack of the same name is another stack.
    const again = s.cloud.addStack('infra', 'CREATE_IN_PROGRESS');
    expect(again).not.toBe(id);
    expect((await s.api.cloudFormation.describeStacks({})).Stacks!.map((st) => st.StackId)).toEqual([again]);
  });

  test('a group a stack created carries the aws:cloudformation tags, propagated to its instances; they cannot be changed', async () => {
    const s = sim([{ stack: 'cluster-stack' }, { stack: 'cluster-stack' }]);
    const stackId = s.cloud.liveStack('cluster-stack')!.id;
    const group = await describeGroup(s);
    const tags = Object.fromEntries(group.Tags!.map((t) => [t.Key, t]));
    expect(tags['aws:cloudformation:stack-name']).toMatchObject({ Value: 'cluster-stack', PropagateAtLaunch: true, ResourceId: 'app' });
    expect(tags['aws:cloudformation:stack-id']).toMatchObject({ Value: stackId });
    expect(tags['aws:cloudformation:logical-id'].Value).toMatch(/^[A-Za-z0-9]+$/);
    // Both groups in the one stack; seeded and newly launched instances carry the tags.
    expect(s.cloud.groups.get('app1')!.tags.get('aws:cloudformation:stack-id')!.value).toBe(stackId);
    for (const i of s.cloud.instancesOf('app')) expect(i.tags.get('aws:cloudformation:stack-name')).toBe('cluster-stack');
    await s.api.autoScaling.setDesiredCapacity({ AutoScalingGroupName: 'app', DesiredCapacity: 4 });
    expect(s.cloud.instancesOf('app')[3].tags.get('aws:cloudformation:stack-id')).toBe(stackId);
    const filtered = await s.api.ec2.describeInstances({ Filters: [{ Name: 'tag:aws:cloudformation:stack-name', Values: ['cluster-stack'] }] });
    expect(filtered.Reservations).toHaveLength(7);
    await expect(s.api.autoScaling.createOrUpdateTags({
      Tags: [{ ResourceId: 'app', ResourceType: 'auto-scaling-group', Key: 'aws:cloudformation:stack-name', Value: 'x', PropagateAtLaunch: true }],
    })).rejects.toMatchObject({ name: 'ValidationError' });
    await expect(s.api.autoScaling.deleteTags({ Tags: [{ ResourceId: 'app', ResourceType: 'auto-scaling-group', Key: 'AWS:cloudformation:stack-id' }] }))
      .rejects.toMatchObject({ name: 'ValidationError' });
    expect(s.cloud.groups.get('app')!.tags.get('aws:cloudformation:stack-name')!.value).toBe('cluster-stack');
  });

  test('aws: tags do not count toward the 50-tag limit', async () => {
    const s = sim([{ stack: 'st' }]);
    const group = s.cloud.groups.get('app')!;
    const user = [...group.tags.keys()].filter((k) => !k.startsWith('aws:')).length;
    const more = Array.from({ length: 50 - user }, (_, i) => ({ ResourceId: 'app', ResourceType: 'auto-scaling-group', Key: `k${i}`, Value: 'v', PropagateAtLaunch: false }));
    await s.api.autoScaling.createOrUpdateTags({ Tags: more });
    expect(group.tags.size).toBe(53);
    await expect(s.api.autoScaling.createOrUpdateTags({ Tags: [{ ResourceId: 'app', ResourceType: 'auto-scaling-group', Key: 'one-more', Value: 'v' }] }))
      .rejects.toMatchObject({ name: 'LimitExceeded' });
  });
});

describe('launch template tags', () => {
  test("each group's template carries the cluster tag (not an untagged group's); a stack's template its aws: tags", async () => {
    const s = sim([{ stack: 'st' }, { untagged: true }]);
    const template = (name: string) => s.cloud.groups.get(name)!.launchTemplate!.id;
    expect(s.cloud.launchTemplateTags(template('app'))).toMatchObject({ [TagKey.CLUSTER]: s.clusterName, 'aws:cloudformation:stack-name': 'st' });
    expect(s.cloud.launchTemplateTags(template('app1'))).toEqual({});
    // DescribeLaunchTemplateVersions does not return resource tags.
    const versions = await s.api.ec2.describeLaunchTemplateVersions({ LaunchTemplateId: template('app'), Versions: ['$Default'] });
    expect(JSON.stringify(versions)).not.toContain(TagKey.CLUSTER);
    expect(() => s.cloud.launchTemplateTags('lt-nope')).toThrow();
  });
});

describe('max size and scale-in protection', () => {
  test('SetDesiredCapacity above max is a ValidationError in AWS wording; UpdateAutoScalingGroup raises MaxSize and DesiredCapacity together', async () => {
    const s = sim([{ maxSize: 3 }]);
    await expect(s.api.autoScaling.setDesiredCapacity({ AutoScalingGroupName: 'app', DesiredCapacity: 4 }))
      .rejects.toMatchObject({ name: 'ValidationError', message: 'New SetDesiredCapacity value 4 is above max value 3 for the AutoScalingGroup.' });
    await s.api.autoScaling.updateAutoScalingGroup({ AutoScalingGroupName: 'app', MaxSize: 5, DesiredCapacity: 5 });
    const group = s.cloud.groups.get('app')!;
    expect([group.maxSize, group.desired, group.instances.size]).toEqual([5, 5, 5]);
    await expect(s.api.autoScaling.updateAutoScalingGroup({ AutoScalingGroupName: 'app', DesiredCapacity: 6 })).rejects.toMatchObject({ name: 'ValidationError' });
    // Lowering MaxSize below desired (without DesiredCapacity) lowers desired with it.
    await s.api.autoScaling.updateAutoScalingGroup({ AutoScalingGroupName: 'app', MaxSize: 4 });
    expect(group.desired).toBe(4);
  });

  test('TerminateInstanceInAutoScalingGroup terminates a protected instance; scale-in does not', async () => {
    // Protection is set by hand here; ECS's managed termination protection would reset it: off for this test.
    const s = sim([{ protectedFromScaleIn: true, managedScaling: false }]);
    const group = s.cloud.groups.get('app')!;
    expect([...group.instances.values()].every((i) => i.protectedFromScaleIn)).toBe(true);
    await s.api.autoScaling.setDesiredCapacity({ AutoScalingGroupName: 'app', DesiredCapacity: 2 });
    await s.sleep(10 * MIN);
    expect(group.instances.size).toBe(3); // desired decremented, nothing terminated
    const [first] = group.instances.keys();
    await s.api.autoScaling.terminateInstanceInAutoScalingGroup({ InstanceId: first, ShouldDecrementDesiredCapacity: true });
    await s.sleep(10 * MIN);
    expect(group.instances.has(first)).toBe(false);
    expect(group.desired).toBe(1);
  });
});

// Managed scaling and managed termination protection have their own tests: managed-scaling.test.ts.
describe('desired capacity set by someone else', () => {
  test('setDesiredExternally changes desired directly, validated like SetDesiredCapacity', async () => {
    const s = sim();
    const group = s.cloud.groups.get('app')!;
    s.cloud.setDesiredExternally('app', 5);
    expect(group.instances.size).toBe(5);
    expect(() => s.cloud.setDesiredExternally('app', 10)).toThrow(/above max value 9/);
  });
});

describe('dyingApi', () => {
  const write = (s: Simulation, api = s.api) => api.autoScaling.setDesiredCapacity({ AutoScalingGroupName: 'app', DesiredCapacity: s.cloud.groups.get('app')!.desired + 1 });
  const read = (api: Simulation['api']) => api.autoScaling.describeAutoScalingGroups({ AutoScalingGroupNames: ['app'] });

  test('afterWrites: k writes land, then every call throws ProcessKilled and reaches nothing', async () => {
    const s = sim();
    const dying = dyingApi(s.api, { afterWrites: 2 });
    await write(s, dying.api);
    await read(dying.api);
    await write(s, dying.api);
    await expect(read(dying.api)).rejects.toBeInstanceOf(ProcessKilled);
    await expect(write(s, dying.api)).rejects.toMatchObject({ name: 'ProcessKilled' });
    expect(s.cloud.groups.get('app')!.desired).toBe(5);
    expect(dying.writes()).toBe(2);
    expect(dying.killed()).toMatchObject({ operation: 'autoScaling.describeAutoScalingGroups', call: 4, landed: false });
    expect(s.recorder.count('autoscaling:setDesiredCapacity')).toBe(2);
  });

  test('atWrite with lands: the killing write takes effect, its response is lost; without: it never lands', async () => {
    for (const lands of [true, false]) {
      const s = sim();
      const dying = dyingApi(s.api, { atWrite: 2, lands });
      await read(dying.api);
      await write(s, dying.api);
      await expect(write(s, dying.api)).rejects.toBeInstanceOf(ProcessKilled);
      expect({ lands, desired: s.cloud.groups.get('app')!.desired }).toEqual({ lands, desired: lands ? 5 : 4 });
      expect(dying.killed()!.landed).toBe(lands);
    }
  });

  test('atCall and atTime pick the killing call by position or virtual time', async () => {
    const s = sim();
    const byCall = dyingApi(s.api, { atCall: 2 });
    await read(byCall.api);
    await expect(read(byCall.api)).rejects.toBeInstanceOf(ProcessKilled);
    expect(byCall.calls()).toBe(2);

    const byTime = dyingApi(s.api, { atTime: s.clock.now() + MIN, clock: s.clock, lands: true });
    await write(s, byTime.api);
    await s.sleep(MIN);
    const before = s.cloud.groups.get('app')!.desired;
    await expect(write(s, byTime.api)).rejects.toBeInstanceOf(ProcessKilled);
    expect(s.cloud.groups.get('app')!.desired).toBe(before + 1);
    expect(() => dyingApi(s.api, {})).toThrow(/exactly one/);
    expect(() => dyingApi(s.api, { atTime: 1 })).toThrow(/clock/);
  });
});
