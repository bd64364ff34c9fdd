/**
 * One test per documented per-call and per-resource limit of the calls the engine makes: the simulator refuses a
 * call beyond each limit with the error AWS names, and lets the call at the limit through. The pages are cited at the code (api.ts).
 */
import { simAwsApi } from './api';
import { buildScenario, Simulation } from './scenario';
import { observeCluster } from '../../src/engine/observe/observe';
import { DEFAULT_AMI_PARAMETERS } from '../../src/shared/ami-families';
import { BatchLimit } from '../../src/shared/constants';

function sim(instances = 12, groups = 1): Simulation {
  return buildScenario({
    seed: 11,
    groups: Array.from({ length: groups }, (_, i) => ({
      name: groups === 1 ? 'app' : `g${i}`, family: 'amazon-linux-2023' as const, architecture: 'x86_64' as const, instances,
    })),
    services: [],
    timing: { apiLatencyMs: 0 },
  });
}

async function refused(promise: Promise<unknown>, name: string, message?: RegExp): Promise<void> {
  await expect(promise).rejects.toMatchObject({ name, $fault: 'client' });
  if (message) await expect(promise).rejects.toThrow(message);
}

const names = (n: number) => Array.from({ length: n }, (_, i) => `g${i}`);

describe('per-call limits', () => {
  test('DescribeAutoScalingGroups: 50 names unless MaxRecords is set, then as many as MaxRecords (at most 100)', async () => {
    const s = sim(1);
    await refused(s.api.autoScaling.describeAutoScalingGroups({ AutoScalingGroupNames: names(51) }), 'ValidationError', /cannot exceed 50/);
    await expect(s.api.autoScaling.describeAutoScalingGroups({ AutoScalingGroupNames: names(50) })).resolves.toBeDefined();
    await expect(s.api.autoScaling.describeAutoScalingGroups({ AutoScalingGroupNames: names(100), MaxRecords: 100 })).resolves.toBeDefined();
    await refused(s.api.autoScaling.describeAutoScalingGroups({ AutoScalingGroupNames: names(61), MaxRecords: 60 }), 'ValidationError');
    await refused(s.api.autoScaling.describeAutoScalingGroups({ AutoScalingGroupNames: names(101), MaxRecords: 100 }), 'ValidationError');
    await refused(s.api.autoScaling.describeAutoScalingGroups({ MaxRecords: 101 }), 'ValidationError');
  });

  test('the engine observes a cluster of 120 given groups in calls of at most 50 names', async () => {
    const s = sim(1, 120);
    const observed = await observeCluster(s.api, {
      clusterName: s.clusterName, groupNames: names(120), amiParameters: DEFAULT_AMI_PARAMETERS, now: s.clock.now(),
    });
    expect(observed.groupFailures).toEqual([]);
    expect(observed.groups).toHaveLength(120);
    expect(BatchLimit.DESCRIBE_AUTO_SCALING_GROUPS).toBe(50);
    expect(s.recorder.maxBatch('autoscaling:describeAutoScalingGroups')).toBe(50);
    expect(s.recorder.calls.filter((c) => c.error !== undefined)).toEqual([]);
  });

  test('ECS: UpdateContainerInstancesState 10, DescribeContainerInstances 100, ListContainerInstances 100 a page, DescribeTasks 100, DescribeServices 10, PutAttributes 10', async () => {
    const s = sim(120);
    const cluster = s.clusterName;
    const arns = s.cloud.containerInstanceOrder.map((c) => c.arn);
    await refused(s.api.ecs.updateContainerInstancesState({ cluster, containerInstances: arns.slice(0, 11), status: 'DRAINING' }), 'InvalidParameterException');
    await expect(s.api.ecs.updateContainerInstancesState({ cluster, containerInstances: arns.slice(0, 10), status: 'ACTIVE' })).resolves.toBeDefined();
    await refused(s.api.ecs.describeContainerInstances({ cluster, containerInstances: arns.slice(0, 101) }), 'InvalidParameterException');
    await refused(s.api.ecs.listContainerInstances({ cluster, maxResults: 101 }), 'InvalidParameterException');
    const page = await s.api.ecs.listContainerInstances({ cluster, maxResults: 100 });
    expect(page.containerInstanceArns).toHaveLength(100);
    expect(page.nextToken).toBeDefined();
    const tasks = Array.from({ length: 101 }, (_, i) => `arn:aws:ecs:us-east-1:123456789012:task/${cluster}/t${i}`);
    await refused(s.api.ecs.describeTasks({ cluster, tasks }), 'InvalidParameterException');
    await refused(s.api.ecs.listTasks({ cluster, maxResults: 101 }), 'InvalidParameterException');
    await refused(s.api.ecs.describeServices({ cluster, services: names(11) }), 'InvalidParameterException');
    const attributes = arns.slice(0, 11).map((targetId) => ({ name: 'ecs-ami-refresher.phase', value: 'replacing', targetId }));
    await refused(s.api.ecs.putAttributes({ cluster, attributes }), 'InvalidParameterException');
    await expect(s.api.ecs.putAttributes({ cluster, attributes: attributes.slice(0, 10) })).resolves.toBeDefined();
  });

  test('SSM GetParameters 10 names; EC2 DeleteLaunchTemplateVersions 200, DescribeLaunchTemplateVersions 200 a page, filter values; DetachInstances 20', async () => {
    const s = sim(2);
    await refused(s.api.ssm.getParameters({ Names: Array.from({ length: 11 }, (_, i) => `/p/${i}`) }), 'ValidationException');
    const template = [...s.cloud.templates.values()][0];
    await refused(s.api.ec2.deleteLaunchTemplateVersions({
      LaunchTemplateId: template.id, Versions: Array.from({ length: 201 }, (_, i) => String(i + 2)),
    }), 'InvalidParameterValue');
    await refused(s.api.ec2.describeLaunchTemplateVersions({ LaunchTemplateId: template.id, MaxResults: 201 }), 'InvalidParameterValue');
    await refused(s.api.ec2.describeInstances({ Filters: [{ Name: 'instance-id', Values: Array.from({ length: 1001 }, (_, i) => `i-${i}`) }] }),
      'FilterLimitExceeded');
    const ids = [...s.cloud.groups.get('app')!.instances.keys()];
    await refused(simAwsApi(s.api).notEngine.detachInstances({
      AutoScalingGroupName: 'app', InstanceIds: Array.from({ length: 21 }, (_, i) => ids[i % ids.length]), ShouldDecrementDesiredCapacity: false,
    }), 'ValidationError');
  });
});

describe('per-resource limits on what the engine writes', () => {
  test('ECS: 10 custom attributes per container instance (AttributeLimitExceededException); attribute values 128 characters of a set', async () => {
    const s = sim(1);
    const cluster = s.clusterName;
    const [ci] = s.cloud.containerInstanceOrder;
    for (let i = 0; i < 10; i++) await s.api.ecs.putAttributes({ cluster, attributes: [{ name: `custom.${i}`, value: 'x', targetId: ci.arn }] });
    await refused(s.api.ecs.putAttributes({ cluster, attributes: [{ name: 'ecs-ami-refresher.phase', value: 'replacing', targetId: ci.arn }] }),
      'AttributeLimitExceededException', /10 custom attributes/);
    // Overwriting one that is there is not a new attribute.
    await expect(s.api.ecs.putAttributes({ cluster, attributes: [{ name: 'custom.0', value: 'y', targetId: ci.arn }] })).resolves.toBeDefined();
    await refused(s.api.ecs.putAttributes({ cluster, attributes: [{ name: 'custom.0', value: 'x'.repeat(129), targetId: ci.arn }] }), 'InvalidParameterException');
    await refused(s.api.ecs.putAttributes({ cluster, attributes: [{ name: 'custom.0', value: 'a=b', targetId: ci.arn }] }), 'InvalidParameterException');
  });

  test('ECS: 50 tags per resource; tag values 256 characters of letters, digits, spaces and _ . : / = + - @', async () => {
    const s = sim(1);
    const resourceArn = s.cloud.cluster.arn;
    await refused(s.api.ecs.tagResource({ resourceArn, tags: [{ key: 'k', value: 'x'.repeat(257) }] }), 'InvalidParameterException');
    await refused(s.api.ecs.tagResource({ resourceArn, tags: [{ key: 'k', value: 'a,b' }] }), 'InvalidParameterException');
    const existing = s.cloud.cluster.tags.size;
    const tags = Array.from({ length: 50 - existing }, (_, i) => ({ key: `t${i}`, value: 'v' }));
    await s.api.ecs.tagResource({ resourceArn, tags });
    await refused(s.api.ecs.tagResource({ resourceArn, tags: [{ key: 'one-more', value: 'v' }] }), 'InvalidParameterException');
  });

  test('Auto Scaling: 50 user tags per group (LimitExceeded); keys 128 and values 256 characters (ValidationError)', async () => {
    const s = sim(1);
    const group = s.cloud.groups.get('app')!;
    const user = [...group.tags.keys()].filter((k) => !k.toLowerCase().startsWith('aws:')).length;
    const tag = (Key: string, Value = 'v') => ({ ResourceId: 'app', ResourceType: 'auto-scaling-group', Key, Value, PropagateAtLaunch: false });
    await refused(s.api.autoScaling.createOrUpdateTags({ Tags: [tag('k'.repeat(129))] }), 'ValidationError');
    await refused(s.api.autoScaling.createOrUpdateTags({ Tags: [tag('k', 'v'.repeat(257))] }), 'ValidationError');
    await s.api.autoScaling.createOrUpdateTags({ Tags: Array.from({ length: 50 - user }, (_, i) => tag(`t${i}`)) });
    await refused(s.api.autoScaling.createOrUpdateTags({ Tags: [tag('one-more')] }), 'LimitExceeded');
    await expect(s.api.autoScaling.createOrUpdateTags({ Tags: [tag('t0', 'changed')] })).resolves.toBeDefined();
  });

  test('EC2: 10,000 versions per launch template', async () => {
    const s = sim(1);
    const template = [...s.cloud.templates.values()][0];
    const source = template.versions.get(template.latestVersion)!;
    for (let n = template.latestVersion + 1; template.versions.size < 10_000; n++) {
      template.versions.set(n, { ...source, number: n });
      template.latestVersion = n;
    }
    await refused(s.api.ec2.createLaunchTemplateVersion({ LaunchTemplateId: template.id, SourceVersion: '$Latest', LaunchTemplateData: {} }),
      'LaunchTemplateVersionLimitExceeded', /10000 versions per launch template/);
    template.versions.delete(2);
    await expect(s.api.ec2.createLaunchTemplateVersion({ LaunchTemplateId: template.id, SourceVersion: '$Latest', LaunchTemplateData: {} })).resolves.toBeDefined();
  });
});
