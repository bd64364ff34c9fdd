import { DescribeAutoScalingGroupsCommand, DescribeLaunchConfigurationsCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeInstancesCommand, DescribeLaunchTemplateVersionsCommand, Image } from '@aws-sdk/client-ec2';
import {
  DescribeCapacityProvidersCommand,
  DescribeContainerInstancesCommand,
  ListContainerInstancesCommand,
} from '@aws-sdk/client-ecs';
import { GetParametersCommand } from '@aws-sdk/client-ssm';
import { AwsApi } from '../../../src/aws/ports';
import { createSdkClients, sdkApi } from '../../../src/aws/sdk';
import { plan } from '../../../src/engine/decide/plan';
import { ClusterUnavailableError } from '../../../src/engine/observe/cluster';
import { observeCluster } from '../../../src/engine/observe/observe';
import { DEFAULT_AMI_PARAMETERS } from '../../../src/shared/ami-families';
import { REPLACE_BEFORE_TAG } from '../../../src/shared/records';
import {
  AL2023_X86_PARAM,
  amiId,
  asg,
  awsError,
  batchSizes,
  BOTTLEROCKET_ARM_PARAM,
  CLUSTER,
  CLUSTER_ARN,
  containerInstanceArn,
  createSdkMocks,
  emptyCloud,
  expectBatchLimitsRespected,
  FakeCloud,
  fakeTemplate,
  groupArn,
  installCloud,
  instanceId,
  OBSERVED_AT,
  PLAN_CONFIG,
  resetSdkMocks,
} from '../fixtures';

const mocks = createSdkMocks();
let api: AwsApi;

beforeEach(() => {
  resetSdkMocks(mocks);
  api = sdkApi(createSdkClients('us-east-1'));
});

afterAll(() => {
  mocks.ecs.restore();
  mocks.autoScaling.restore();
  mocks.ec2.restore();
  mocks.ssm.restore();
});

const X86_OLD = amiId(0xa1);
const X86_NEW = amiId(0xa2);
const ARM_OLD = amiId(0xb1);
const ARM_NEW = amiId(0xb2);

function ec2Image(id: string, name: string, architecture: string, creationDate = '2025-01-01T00:00:00.000Z'): Image {
  return { ImageId: id, Name: name, Architecture: architecture as Image['Architecture'], PlatformDetails: 'Linux/UNIX', State: 'available', CreationDate: creationDate };
}

const IMAGES: Image[] = [
  ec2Image(X86_OLD, 'al2023-ami-ecs-hvm-2023.0.20250101-kernel-6.1-x86_64', 'x86_64', '2025-01-01T00:00:00.000Z'),
  ec2Image(X86_NEW, 'al2023-ami-ecs-hvm-2023.0.20250201-kernel-6.1-x86_64', 'x86_64', '2025-02-01T00:00:00.000Z'),
  ec2Image(ARM_OLD, 'bottlerocket-aws-ecs-2-aarch64-v1.30.0-abc', 'arm64', '2025-01-05T00:00:00.000Z'),
  ec2Image(ARM_NEW, 'bottlerocket-aws-ecs-2-aarch64-v1.31.0-def', 'arm64', '2025-02-05T00:00:00.000Z'),
];

const INSTANCE_COUNT = 230;
const X86_MEMBERS = 150; // instances 1..150 in asg-x86 (1..100 on the old image), 151..230 in asg-arm

function imageOf(n: number): string {
  if (n > X86_MEMBERS) return ARM_OLD;
  return n <= 100 ? X86_OLD : X86_NEW;
}

/** Two capacity providers (plus Fargate) whose groups differ in architecture, and 230 container instances. */
function twoArchitectureCloud(): FakeCloud {
  const ids = Array.from({ length: INSTANCE_COUNT }, (_, i) => instanceId(i + 1));
  const member = (id: string) => ({
    InstanceId: id, AvailabilityZone: 'us-east-1a', LifecycleState: 'InService' as const, HealthStatus: 'Healthy', ProtectedFromScaleIn: false,
  });
  return {
    ...emptyCloud(),
    clusterCapacityProviders: ['cp-x86', 'FARGATE', 'cp-arm', 'FARGATE_SPOT'],
    capacityProviders: [
      { name: 'cp-x86', status: 'ACTIVE', autoScalingGroupProvider: { autoScalingGroupArn: groupArn('asg-x86') } },
      { name: 'cp-arm', status: 'ACTIVE', autoScalingGroupProvider: { autoScalingGroupArn: groupArn('asg-arm') } },
    ],
    groups: [
      asg('asg-x86', {
        MinSize: 0,
        MaxSize: 200,
        DesiredCapacity: X86_MEMBERS,
        LaunchTemplate: { LaunchTemplateId: 'lt-x86', LaunchTemplateName: 'ecs-x86', Version: '7' },
        Instances: ids.slice(0, X86_MEMBERS).map(member),
        Tags: [{ Key: 'team', Value: 'web' }],
      }),
      asg('asg-arm', {
        MinSize: 0,
        MaxSize: 100,
        DesiredCapacity: INSTANCE_COUNT - X86_MEMBERS,
        MixedInstancesPolicy: {
          LaunchTemplate: {
            LaunchTemplateSpecification: { LaunchTemplateName: 'ecs-arm', Version: '$Default' },
            Overrides: [{ InstanceType: 'c7g.large' }, { InstanceType: 'm7g.large' }],
          },
        },
        Instances: ids.slice(X86_MEMBERS).map(member),
      }),
    ],
    templates: [
      // pinned to 7 while a newer version 8 exists
      fakeTemplate('lt-x86', 'ecs-x86', { 6: X86_OLD, 7: X86_OLD, 8: X86_NEW }, 8),
      // $Default is 4, not the latest
      fakeTemplate('lt-arm', 'ecs-arm', { 3: ARM_OLD, 4: ARM_OLD, 5: ARM_NEW }, 4),
    ],
    parameters: { [AL2023_X86_PARAM]: X86_NEW, [BOTTLEROCKET_ARM_PARAM]: ARM_NEW },
    images: IMAGES,
    containerInstances: ids.map((id, i) => ({
      containerInstanceArn: containerInstanceArn(id),
      ec2InstanceId: id,
      status: 'ACTIVE',
      agentConnected: true,
      runningTasksCount: i % 7,
      pendingTasksCount: 0,
      attributes: [{ name: 'ecs.ami-id', value: imageOf(i + 1) }],
      registeredAt: new Date('2025-01-10T00:00:00.000Z'),
    })),
    instances: ids.map((id, i) => ({ InstanceId: id, ImageId: imageOf(i + 1), State: { Name: 'running' }, Tags: [] })),
  };
}

/** Given groups alone (no discovery) unless told otherwise, so each test reads only what it names. */
function observe(groupNames: string[] = [], discoverGroups = groupNames.length === 0) {
  return observeCluster(api, { clusterName: CLUSTER, groupNames, discoverGroups, amiParameters: DEFAULT_AMI_PARAMETERS, now: OBSERVED_AT });
}

describe('observeCluster over the SDK adapter', () => {
  describe('a cluster with two capacity providers of different architectures and 230 container instances', () => {
    test('discovers both groups from the capacity providers, never describing Fargate', async () => {
      installCloud(mocks, twoArchitectureCloud());
      const observed = await observe();

      const described = mocks.ecs.commandCalls(DescribeCapacityProvidersCommand).flatMap((c) => c.args[0].input.capacityProviders ?? []);
      expect(new Set(described)).toEqual(new Set(['cp-x86', 'cp-arm']));
      // one provider per page in the fake: the second page must have been asked for
      expect(mocks.ecs).toHaveReceivedCommandWith(DescribeCapacityProvidersCommand, { nextToken: '1' });

      expect(observed.groupFailures).toEqual([]);
      expect(observed.groups.map((g) => [g.name, g.source, g.capacityProviderName])).toEqual([
        ['asg-x86', 'capacity-provider', 'cp-x86'],
        ['asg-arm', 'capacity-provider', 'cp-arm'],
      ]);
    });

    test('reads the pinned x86_64 template and the $Default arm64 template of a mixed instances policy', async () => {
      installCloud(mocks, twoArchitectureCloud());
      const observed = await observe();
      const byName = Object.fromEntries(observed.groups.map((g) => [g.name, g]));

      expect(byName['asg-x86'].launchSource).toMatchObject({
        kind: 'launch-template',
        launchTemplateId: 'lt-x86',
        launchTemplateName: 'ecs-x86',
        version: '7',
        resolvedVersion: 7,
        mixedInstancesPolicy: false,
        imageIdExpression: X86_OLD,
      });
      expect(byName['asg-x86'].currentImageId).toBe(X86_OLD);
      expect(byName['asg-x86'].tags).toEqual({ team: 'web' });
      expect(byName['asg-x86'].instances).toHaveLength(X86_MEMBERS);

      expect(byName['asg-arm'].launchSource).toMatchObject({
        kind: 'launch-template',
        launchTemplateId: 'lt-arm',
        launchTemplateName: 'ecs-arm',
        version: '$Default',
        resolvedVersion: 4,
        mixedInstancesPolicy: true,
        imageIdExpression: ARM_OLD,
      });
      expect(byName['asg-arm'].currentImageId).toBe(ARM_OLD);
      expect(mocks.ec2).toHaveReceivedCommandWith(DescribeLaunchTemplateVersionsCommand, { LaunchTemplateId: 'lt-x86', Versions: expect.arrayContaining(['7']) });
      expect(mocks.ec2).toHaveReceivedCommandWith(DescribeLaunchTemplateVersionsCommand, {
        LaunchTemplateName: 'ecs-arm',
        Versions: expect.arrayContaining(['$Default']),
      });
    });

    test('lists container instances to the last page and describes them in batches of at most 100', async () => {
      installCloud(mocks, twoArchitectureCloud());
      const observed = await observe();

      const lists = mocks.ecs.commandCalls(ListContainerInstancesCommand).map((c) => c.args[0].input);
      expect(lists).toEqual([
        { cluster: CLUSTER_ARN, maxResults: 100, nextToken: undefined },
        { cluster: CLUSTER_ARN, maxResults: 100, nextToken: '100' },
        { cluster: CLUSTER_ARN, maxResults: 100, nextToken: '200' },
      ]);
      const describes = mocks.ecs.commandCalls(DescribeContainerInstancesCommand).map((c) => c.args[0].input);
      expect(describes.map((d) => d.containerInstances?.length)).toEqual([100, 100, 30]);
      expect(describes.every((d) => d.cluster === CLUSTER_ARN)).toBe(true);

      expect(observed.containerInstances).toHaveLength(INSTANCE_COUNT);
      const expectedArns = Array.from({ length: INSTANCE_COUNT }, (_, i) => containerInstanceArn(instanceId(i + 1)));
      expect(new Set(observed.containerInstances.map((c) => c.containerInstanceArn))).toEqual(new Set(expectedArns));
      expect(observed.containerInstances[0]).toEqual({
        containerInstanceArn: containerInstanceArn(instanceId(1)),
        ec2InstanceId: instanceId(1),
        status: 'ACTIVE',
        agentConnected: true,
        runningTasksCount: 0,
        pendingTasksCount: 0,
        amiIdAttribute: X86_OLD,
        registeredAt: '2025-01-10T00:00:00.000Z',
      });
    });

    test('reads a registered instance\'s image from its agent\'s attribute: no DescribeInstances at all', async () => {
      installCloud(mocks, twoArchitectureCloud());
      const observed = await observe();
      expect(mocks.ec2.commandCalls(DescribeInstancesCommand)).toHaveLength(0);
      expect(observed.instances[instanceId(150)]).toEqual({
        instanceId: instanceId(150), imageId: X86_NEW, state: 'running', launchTime: '2025-01-10T00:00:00.000Z', tags: {},
      });
    });

    test('describes the members whose launch time matters to a forced run (registered after its time)', async () => {
      const cloud = twoArchitectureCloud();
      const forcedAt = Date.parse('2025-01-09T00:00:00.000Z');
      installCloud(mocks, {
        ...cloud,
        groups: cloud.groups.map((g) => (g.AutoScalingGroupName === 'asg-x86' ? { ...g, Tags: [...g.Tags ?? [], { Key: REPLACE_BEFORE_TAG, Value: String(forcedAt) }] } : g)),
      });
      const observed = await observe();
      const described = mocks.ec2.commandCalls(DescribeInstancesCommand).flatMap((c) => c.args[0].input.Filters?.[0]?.Values ?? []);
      expect(new Set(described).size).toBe(X86_MEMBERS);
      expect(observed.instances[instanceId(1)].launchTime).not.toBe('2025-01-10T00:00:00.000Z');
    });

    test('describes every instance (agents that report no image) and every image involved, within each API limit', async () => {
      const cloud = twoArchitectureCloud();
      installCloud(mocks, { ...cloud, containerInstances: cloud.containerInstances.map((c) => ({ ...c, attributes: [] })) });
      const observed = await observe();

      expect(Object.keys(observed.instances)).toHaveLength(INSTANCE_COUNT);
      expect(observed.instances[instanceId(1)].imageId).toBe(X86_OLD);
      expect(observed.instances[instanceId(150)].imageId).toBe(X86_NEW);
      expect(observed.instances[instanceId(230)].imageId).toBe(ARM_OLD);
      expect(Object.keys(observed.images).sort()).toEqual([X86_OLD, X86_NEW, ARM_OLD, ARM_NEW].sort());
      expect(observed.images[ARM_OLD]).toEqual({
        imageId: ARM_OLD,
        name: 'bottlerocket-aws-ecs-2-aarch64-v1.30.0-abc',
        architecture: 'arm64',
        platformDetails: 'Linux/UNIX',
        state: 'available',
        creationDate: '2025-01-05T00:00:00.000Z',
        deprecationTime: undefined,
      });
      expect(observed.parameters).toEqual({
        [AL2023_X86_PARAM]: { name: AL2023_X86_PARAM, value: X86_NEW },
        [BOTTLEROCKET_ARM_PARAM]: { name: BOTTLEROCKET_ARM_PARAM, value: ARM_NEW },
      });

      const sizes = batchSizes(mocks);
      expect(sizes.describeInstancesFilterValues.filter((s, i, all) => i === 0 || s !== all[i - 1])).toEqual([100, 30]);
      expect(sizes.describeAutoScalingGroups).toEqual([2]);
      expect(sizes.getParameters).toEqual([2]);
      expectBatchLimitsRespected(mocks);
    });

    test('is what the planner needs: each group against its own architecture\'s target', async () => {
      installCloud(mocks, twoArchitectureCloud());
      const result = plan(await observe(), PLAN_CONFIG);
      expect(result.groups.map((g) => ({
        name: g.groupName,
        family: g.family,
        architecture: g.architecture,
        target: g.targetImageId,
        outdated: g.outdatedInstances.length,
        upToDate: g.upToDateCount,
      }))).toEqual([
        { name: 'asg-arm', family: 'bottlerocket-ecs-2', architecture: 'arm64', target: ARM_NEW, outdated: 80, upToDate: 0 },
        { name: 'asg-x86', family: 'amazon-linux-2023', architecture: 'x86_64', target: X86_NEW, outdated: 100, upToDate: 50 },
      ]);
    });
  });

  test('120 configured groups on 12 resolve:ssm templates: groups, parameters and templates are each read in limited batches, once', async () => {
    const golden = (k: number) => `/golden/app-${k}`;
    const cloud: FakeCloud = {
      ...emptyCloud(),
      groups: Array.from({ length: 120 }, (_, i) => asg(`app-${String(i).padStart(3, '0')}`, {
        LaunchTemplate: { LaunchTemplateName: `lt-${i % 12}`, Version: '$Latest' },
      })),
      templates: Array.from({ length: 12 }, (_, k) => fakeTemplate(`lt-id-${k}`, `lt-${k}`, { 1: X86_OLD, 2: `resolve:ssm:${golden(k)}` })),
      parameters: {
        ...Object.fromEntries(Array.from({ length: 12 }, (_, k) => [golden(k), amiId(0x100 + k)])),
        [AL2023_X86_PARAM]: X86_NEW,
      },
      images: [
        ...Array.from({ length: 12 }, (_, k) => ec2Image(amiId(0x100 + k), `al2023-ami-ecs-hvm-2023.0.2025010${k % 10}-kernel-6.1-x86_64`, 'x86_64')),
        IMAGES[1],
      ],
    };
    installCloud(mocks, cloud);
    const names = cloud.groups.map((g) => g.AutoScalingGroupName!);
    const observed = await observe(names);

    expect(observed.groupFailures).toEqual([]);
    expect(observed.groups).toHaveLength(120);
    expect(observed.groups.every((g) => g.source === 'configured')).toBe(true);
    expect(observed.groups.find((g) => g.name === 'app-013')?.currentImageId).toBe(amiId(0x101));

    const sizes = batchSizes(mocks);
    // 50 names a call (the API's limit without MaxRecords), one page each: 50, 50, 20
    expect(sizes.describeAutoScalingGroups).toEqual([50, 50, 20]);
    expect(mocks.autoScaling).not.toHaveReceivedCommandWith(DescribeAutoScalingGroupsCommand, { NextToken: '50' });
    // 12 template parameters (10 + 2), then the one AL2023 x86_64 target parameter
    expect(sizes.getParameters).toEqual([10, 2, 1]);
    expect(mocks.ec2).toHaveReceivedCommandTimes(DescribeLaunchTemplateVersionsCommand, 12);
    expectBatchLimitsRespected(mocks);
  });

  test('a launch-configuration group takes its image from the configuration', async () => {
    installCloud(mocks, {
      ...emptyCloud(),
      groups: [asg('legacy', { LaunchConfigurationName: 'legacy-lc-v3' })],
      launchConfigurations: [
        { LaunchConfigurationName: 'legacy-lc-v3', ImageId: X86_OLD, InstanceType: 'm5.large', CreatedTime: new Date('2024-01-01T00:00:00.000Z') },
        // Copies this engine made, for this cluster and for another one, among 150 others (two pages of 100).
        ...Array.from({ length: 150 }, (_, i) => ({ LaunchConfigurationName: `other-${i}`, ImageId: X86_OLD, InstanceType: 'm5.large', CreatedTime: new Date(0) })),
        { LaunchConfigurationName: `ecs-ami-refresher.${CLUSTER}.${X86_OLD}.legacy-lc-v3`, ImageId: X86_OLD, InstanceType: 'm5.large', CreatedTime: new Date(0) },
        { LaunchConfigurationName: `ecs-ami-refresher.${CLUSTER}-2.${X86_OLD}.legacy-lc-v3`, ImageId: X86_OLD, InstanceType: 'm5.large', CreatedTime: new Date(0) },
      ],
      parameters: { [AL2023_X86_PARAM]: X86_NEW },
      images: IMAGES,
    });
    const observed = await observe(['legacy']);

    expect(observed.groups).toHaveLength(1);
    expect(observed.groups[0].launchSource).toEqual({ kind: 'launch-configuration', launchConfigurationName: 'legacy-lc-v3' });
    expect(observed.groups[0].currentImageId).toBe(X86_OLD);
    expect(mocks.autoScaling).toHaveReceivedCommandWith(DescribeLaunchConfigurationsCommand, { LaunchConfigurationNames: ['legacy-lc-v3'] });
    expect(mocks.ec2).not.toHaveReceivedCommand(DescribeLaunchTemplateVersionsCommand);
    expect(observed.parameters[AL2023_X86_PARAM]).toEqual({ name: AL2023_X86_PARAM, value: X86_NEW });
    // The engine's own copies for this cluster, listed to the last page, so unused ones can be deleted.
    expect(observed.launchConfigurations).toEqual([`ecs-ami-refresher.${CLUSTER}.${X86_OLD}.legacy-lc-v3`]);
    expect(mocks.autoScaling).toHaveReceivedCommandTimes(DescribeLaunchConfigurationsCommand, 3);
  });

  test('a template with resolve:ssm:/my/param: the parameter is read and the current image comes from it', async () => {
    const golden = amiId(0xc0ffee);
    installCloud(mocks, {
      ...emptyCloud(),
      groups: [asg('golden', { LaunchTemplate: { LaunchTemplateId: 'lt-golden', Version: '$Latest' } })],
      templates: [fakeTemplate('lt-golden', 'golden', { 9: 'resolve:ssm:/my/param' })],
      parameters: { '/my/param': golden, [AL2023_X86_PARAM]: X86_NEW },
      images: [ec2Image(golden, 'al2023-ami-ecs-hvm-2023.0.20250110-kernel-6.1-x86_64', 'x86_64'), ...IMAGES],
    });
    const observed = await observe(['golden']);

    const group = observed.groups[0];
    expect(group.launchSource).toMatchObject({ kind: 'launch-template', imageIdExpression: 'resolve:ssm:/my/param', resolvedVersion: 9 });
    expect(group.currentImageId).toBe(golden);
    expect(observed.parameters['/my/param']).toEqual({ name: '/my/param', value: golden });
    expect(observed.images[golden]?.name).toBe('al2023-ami-ecs-hvm-2023.0.20250110-kernel-6.1-x86_64');
    const reads = mocks.ssm.commandCalls(GetParametersCommand).map((c) => c.args[0].input.Names);
    expect(reads).toEqual([['/my/param'], [AL2023_X86_PARAM]]);
    // The alias must be seen as written, not resolved by EC2.
    const templateInputs = mocks.ec2.commandCalls(DescribeLaunchTemplateVersionsCommand).map((c) => c.args[0].input);
    expect(templateInputs.every((i) => !i.ResolveAlias)).toBe(true);
  });

  test('given groups plus the capacity providers\' groups, each once: given ones are \'configured\', a given provider group keeps its provider', async () => {
    const cloud = twoArchitectureCloud();
    cloud.groups.push(asg('asg-loose', { LaunchTemplate: { LaunchTemplateId: 'lt-x86', Version: '7' } }));
    installCloud(mocks, cloud);
    const observed = await observe(['asg-loose', 'asg-x86'], true);

    expect(observed.groupFailures).toEqual([]);
    expect(observed.groups.map((g) => [g.name, g.source, g.capacityProviderName]).sort()).toEqual([
      ['asg-arm', 'capacity-provider', 'cp-arm'],
      ['asg-loose', 'configured', undefined],
      ['asg-x86', 'configured', 'cp-x86'],
    ]);
    // Each group described once, in one call.
    const described = mocks.autoScaling.commandCalls(DescribeAutoScalingGroupsCommand).flatMap((c) => c.args[0].input.AutoScalingGroupNames ?? []);
    expect([...described].sort()).toEqual(['asg-arm', 'asg-loose', 'asg-x86']);
  });

  test('a group that does not exist is recorded in groupFailures, and the others are still observed', async () => {
    const cloud = twoArchitectureCloud();
    installCloud(mocks, cloud);
    const observed = await observe(['asg-x86', 'ghost']);

    expect(observed.groups.map((g) => g.name)).toEqual(['asg-x86']);
    expect(observed.groupFailures).toEqual([{ name: 'ghost', reason: expect.stringContaining('ghost') }]);
    expect(observed.groupFailures[0].reason).toMatch(/not found/);
    // Discovery off adds no group, but the providers are still read: a given group ECS scales is held
    // through MinSize during a batch (decide/batch-hold.ts).
    expect(observed.groups.map((g) => g.capacityProviderName)).toEqual([undefined]);
    expect(mocks.ecs).toHaveReceivedCommand(DescribeCapacityProvidersCommand);
  });

  test('a failing DescribeLaunchTemplateVersions is a failure of that group only', async () => {
    const cloud = twoArchitectureCloud();
    cloud.groups.push(asg('broken', { LaunchTemplate: { LaunchTemplateId: 'lt-broken', Version: '$Latest' } }));
    cloud.templates.push({ id: 'lt-broken', error: awsError('UnauthorizedOperation', 'You are not authorized to perform this operation.', 403) });
    installCloud(mocks, cloud);
    const observed = await observe(['asg-x86', 'broken']);

    expect(observed.groups.map((g) => g.name)).toEqual(['asg-x86']);
    expect(observed.groupFailures).toHaveLength(1);
    expect(observed.groupFailures[0].name).toBe('broken');
    expect(observed.groupFailures[0].reason).toContain('lt-broken');
    expect(observed.groupFailures[0].reason).toContain('UnauthorizedOperation');
  });

  test('a template version that does not exist is a failure of that group', async () => {
    const cloud = twoArchitectureCloud();
    cloud.templates[0] = fakeTemplate('lt-x86', 'ecs-x86', { 8: X86_NEW });
    installCloud(mocks, cloud);
    const observed = await observe(['asg-x86']);

    expect(observed.groups).toEqual([]);
    expect(observed.groupFailures).toEqual([{ name: 'asg-x86', reason: 'launch template lt-x86 has no version 7' }]);
  });

  test.each([
    ['does not exist', { clusterExists: false }, /ECS cluster 'prod' was not found \(MISSING\)/],
    ['is INACTIVE', { clusterStatus: 'INACTIVE' }, /ECS cluster 'prod' is INACTIVE/],
  ])('a cluster that %s throws ClusterUnavailableError naming it, before reading anything else', async (_, change, message) => {
    installCloud(mocks, { ...twoArchitectureCloud(), ...change });
    const error = await observe().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ClusterUnavailableError);
    expect((error as Error).message).toMatch(message);
    expect(mocks.ecs).not.toHaveReceivedCommand(ListContainerInstancesCommand);
    expect(mocks.autoScaling).not.toHaveReceivedCommand(DescribeAutoScalingGroupsCommand);
  });
});
