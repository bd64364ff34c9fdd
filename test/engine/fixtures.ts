/**
 * Fixture builders for the rotator tests: plain model objects for the planner, and a small in-memory
 * cloud served through aws-sdk-client-mock for `observeCluster` over the real SDK adapter.
 */
import {
  AutoScalingClient,
  AutoScalingGroup,
  DescribeAutoScalingGroupsCommand,
  DescribeInstanceRefreshesCommand,
  DescribeLaunchConfigurationsCommand,
  LaunchConfiguration,
} from '@aws-sdk/client-auto-scaling';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeLaunchTemplateVersionsCommand,
  EC2Client,
  Image,
  Instance,
  LaunchTemplateVersion,
} from '@aws-sdk/client-ec2';
import {
  CapacityProvider,
  ContainerInstance,
  DescribeCapacityProvidersCommand,
  DescribeClustersCommand,
  DescribeContainerInstancesCommand,
  ECSClient,
  ListContainerInstancesCommand,
} from '@aws-sdk/client-ecs';
import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { AwsStub, mockClient } from 'aws-sdk-client-mock';
import { PlanConfig } from '../../src/engine/decide/plan';
import { GroupInstance, LaunchSource, ObservedCluster, ObservedContainerInstance, ObservedGroup, ObservedInstance, ParameterReading } from '../../src/engine/model';
import { DEFAULT_AMI_PARAMETERS } from '../../src/shared/ami-families';
import { BatchLimit, TagKey } from '../../src/shared/constants';
import { ImageInfo } from '../../src/shared/image';

// ---------------------------------------------------------------------------------------------------------------
// Ids and names
// ---------------------------------------------------------------------------------------------------------------

/** A well-formed 17-hex-digit AMI id, distinct per `n`. */
export function amiId(n: number): string {
  return `ami-${n.toString(16).padStart(17, '0')}`;
}

/** A well-formed EC2 instance id, distinct per `n`. */
export function instanceId(n: number): string {
  return `i-${n.toString(16).padStart(17, '0')}`;
}

export const CLUSTER = 'prod';
export const CLUSTER_ARN = `arn:aws:ecs:us-east-1:123456789012:cluster/${CLUSTER}`;
export const OBSERVED_AT = Date.parse('2025-03-01T00:00:00.000Z');

export const AL2023_X86_PARAM = DEFAULT_AMI_PARAMETERS['amazon-linux-2023/x86_64'];
export const AL2023_ARM_PARAM = DEFAULT_AMI_PARAMETERS['amazon-linux-2023/arm64'];
export const BOTTLEROCKET_ARM_PARAM = DEFAULT_AMI_PARAMETERS['bottlerocket-ecs-2/arm64'];

export function containerInstanceArn(id: string): string {
  return `arn:aws:ecs:us-east-1:123456789012:container-instance/${CLUSTER}/${id.replace(/^i-/, 'ci')}`;
}

/** An Auto Scaling group as DescribeAutoScalingGroups returns it, with its required fields filled. */
export function asg(name: string, rest: Partial<AutoScalingGroup> = {}): AutoScalingGroup {
  return {
    AutoScalingGroupName: name,
    AutoScalingGroupARN: groupArn(name),
    MinSize: 0,
    MaxSize: 10,
    DesiredCapacity: 0,
    DefaultCooldown: 300,
    AvailabilityZones: ['us-east-1a', 'us-east-1b'],
    HealthCheckType: 'EC2',
    CreatedTime: new Date('2024-01-01T00:00:00.000Z'),
    ...rest,
  };
}

export function groupArn(name: string): string {
  return `arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b:autoScalingGroupName/${name}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Model builders (for the planner)
// ---------------------------------------------------------------------------------------------------------------

export function al2023Image(imageId: string, overrides: Partial<ImageInfo> = {}): ImageInfo {
  const arch = overrides.architecture ?? 'x86_64';
  return {
    imageId,
    name: `al2023-ami-ecs-hvm-2023.0.20250101-kernel-6.1-${arch}`,
    architecture: arch,
    platformDetails: 'Linux/UNIX',
    state: 'available',
    creationDate: '2025-01-01T00:00:00.000Z',
    ...overrides,
  };
}

export function bottlerocketImage(imageId: string, overrides: Partial<ImageInfo> = {}): ImageInfo {
  const arch = overrides.architecture ?? 'arm64';
  return {
    imageId,
    name: `bottlerocket-aws-ecs-2-${arch === 'arm64' ? 'aarch64' : 'x86_64'}-v1.30.0-abc`,
    architecture: arch,
    platformDetails: 'Linux/UNIX',
    state: 'available',
    creationDate: '2025-01-01T00:00:00.000Z',
    ...overrides,
  };
}

export function windowsImage(imageId: string, overrides: Partial<ImageInfo> = {}): ImageInfo {
  return {
    imageId,
    name: 'Windows_Server-2022-English-Full-ECS_Optimized-2025.01.15',
    architecture: 'x86_64',
    platformDetails: 'Windows',
    state: 'available',
    creationDate: '2025-01-15T00:00:00.000Z',
    ...overrides,
  };
}

export function templateSource(overrides: Partial<Extract<LaunchSource, { kind: 'launch-template' }>> = {}): LaunchSource {
  return {
    kind: 'launch-template',
    launchTemplateId: 'lt-0123456789abcdef0',
    launchTemplateName: 'web',
    version: '3',
    resolvedVersion: 3,
    mixedInstancesPolicy: false,
    ...overrides,
  };
}

/** A member of a group, as the planner sees it across the group, EC2 and ECS. */
export interface MemberSpec {
  readonly id: string;
  /** The image EC2 reports; absent: the instance is not described by EC2. */
  readonly imageId?: string;
  /** Running tasks in ECS; absent: not registered as a container instance. */
  readonly tasks?: number;
  /** The `ecs.ami-id` attribute of its container instance. */
  readonly amiAttribute?: string;
}

export interface GroupSpec {
  readonly name: string;
  readonly currentImageId?: string;
  readonly launchSource?: LaunchSource;
  readonly tags?: Record<string, string>;
  readonly members?: readonly MemberSpec[];
  /** Default `capacity-provider` (discovered at run time, the common case); `configured` when given to the construct. */
  readonly source?: ObservedGroup['source'];
}

export function groupInstance(id: string): GroupInstance {
  return { instanceId: id, lifecycleState: 'InService', healthStatus: 'Healthy', protectedFromScaleIn: false };
}

export function observedGroup(spec: GroupSpec): ObservedGroup {
  const members = spec.members ?? [];
  return {
    name: spec.name,
    arn: groupArn(spec.name),
    source: spec.source ?? 'capacity-provider',
    desiredCapacity: members.length,
    minSize: 0,
    maxSize: members.length + 2,
    tags: spec.tags ?? {},
    instances: members.map((m) => groupInstance(m.id)),
    launchSource: spec.launchSource ?? templateSource(),
    currentImageId: spec.currentImageId,
    // Read, and none: the engine deregisters what it terminates empty (termination-waits.ts).
    lifecycleHooks: [],
  };
}

export function containerInstance(id: string, tasks: number, amiAttribute?: string): ObservedContainerInstance {
  return {
    containerInstanceArn: containerInstanceArn(id),
    ec2InstanceId: id,
    status: 'ACTIVE',
    agentConnected: true,
    runningTasksCount: tasks,
    pendingTasksCount: 0,
    amiIdAttribute: amiAttribute,
    registeredAt: '2025-01-02T00:00:00.000Z',
  };
}

export function ec2Instance(id: string, imageId: string): ObservedInstance {
  return { instanceId: id, imageId, state: 'running', launchTime: '2025-01-02T00:00:00.000Z', tags: {} };
}

export interface ClusterSpec {
  readonly groups: readonly GroupSpec[];
  readonly images?: readonly ImageInfo[];
  /** Parameter name -> value; `undefined` value: SSM reported the name invalid. */
  readonly parameters?: Readonly<Record<string, string | undefined>>;
  /** Container instances no group owns (EC2 id -> running tasks). */
  readonly strangers?: Readonly<Record<string, number>>;
  readonly groupFailures?: ObservedCluster['groupFailures'];
  readonly observedAt?: number;
}

/** An observation assembled from group specs: members become group instances, EC2 instances and container instances. */
export function observedCluster(spec: ClusterSpec): ObservedCluster {
  const instances: Record<string, ObservedInstance> = {};
  const containers: ObservedContainerInstance[] = [];
  for (const member of spec.groups.flatMap((g) => g.members ?? [])) {
    if (member.imageId !== undefined) instances[member.id] = ec2Instance(member.id, member.imageId);
    if (member.tasks !== undefined) containers.push(containerInstance(member.id, member.tasks, member.amiAttribute));
  }
  for (const [id, tasks] of Object.entries(spec.strangers ?? {})) containers.push(containerInstance(id, tasks));
  const parameters: Record<string, ParameterReading> = {};
  for (const [name, value] of Object.entries(spec.parameters ?? {})) {
    parameters[name] = value === undefined ? { name } : { name, value };
  }
  return {
    clusterName: CLUSTER,
    clusterArn: CLUSTER_ARN,
    observedAt: spec.observedAt ?? OBSERVED_AT,
    groups: spec.groups.map(observedGroup),
    groupFailures: spec.groupFailures ?? [],
    containerInstances: containers,
    instances,
    images: Object.fromEntries((spec.images ?? []).map((i) => [i.imageId, i])),
    parameters,
  };
}

export const OLD_AMI = amiId(0x1001);
export const NEW_AMI = amiId(0x2002);

/**
 * The usual single-group case: group `web` (AL2023 x86_64, launch template on OLD_AMI), the default
 * AL2023 x86_64 parameter naming NEW_AMI. Override any part.
 */
export function webCluster(overrides: Partial<ClusterSpec> & { group?: Partial<GroupSpec> } = {}): ObservedCluster {
  const { group, ...rest } = overrides;
  return observedCluster({
    images: [al2023Image(OLD_AMI, { creationDate: '2024-12-01T00:00:00.000Z' }), al2023Image(NEW_AMI)],
    parameters: { [AL2023_X86_PARAM]: NEW_AMI },
    ...rest,
    groups: [{
      name: 'web',
      currentImageId: OLD_AMI,
      members: [
        { id: instanceId(1), imageId: OLD_AMI, tasks: 5 },
        { id: instanceId(2), imageId: NEW_AMI, tasks: 2 },
      ],
      ...group,
    }],
  });
}

export const PLAN_CONFIG: PlanConfig = { amiParameters: DEFAULT_AMI_PARAMETERS, requireClusterTag: false, force: false };

export function clusterTag(cluster = CLUSTER): Record<string, string> {
  return { [TagKey.CLUSTER]: cluster };
}

// ---------------------------------------------------------------------------------------------------------------
// A small cloud behind aws-sdk-client-mock (for observeCluster over the real adapter)
// ---------------------------------------------------------------------------------------------------------------

export interface SdkMocks {
  readonly ecs: AwsStub<any, any, any>;
  readonly autoScaling: AwsStub<any, any, any>;
  readonly ec2: AwsStub<any, any, any>;
  readonly ssm: AwsStub<any, any, any>;
  readonly cloudFormation: AwsStub<any, any, any>;
}

export function createSdkMocks(): SdkMocks {
  return {
    ecs: mockClient(ECSClient),
    autoScaling: mockClient(AutoScalingClient),
    ec2: mockClient(EC2Client),
    ssm: mockClient(SSMClient),
    cloudFormation: mockClient(CloudFormationClient),
  };
}

export function resetSdkMocks(mocks: SdkMocks): void {
  mocks.ecs.reset();
  mocks.autoScaling.reset();
  mocks.ec2.reset();
  mocks.ssm.reset();
  mocks.cloudFormation.reset();
}

export interface FakeCloud {
  clusterStatus?: string;
  /** False: DescribeClusters reports the cluster MISSING. */
  clusterExists?: boolean;
  clusterCapacityProviders: string[];
  capacityProviders: CapacityProvider[];
  groups: AutoScalingGroup[];
  launchConfigurations: LaunchConfiguration[];
  /** Launch templates, or an error DescribeLaunchTemplateVersions rejects with for that template. */
  templates: Array<FakeTemplate | { readonly id: string; readonly name?: string; readonly error: Error }>;
  parameters: Record<string, string>;
  images: Image[];
  containerInstances: ContainerInstance[];
  instances: Instance[];
  /** Page sizes the fake uses for the paginated calls (small, so pagination is exercised). */
  pageSize?: { capacityProviders?: number; instances?: number; images?: number };
}

export interface FakeTemplate {
  readonly id: string;
  readonly name: string;
  readonly defaultVersion: number;
  /** Version number -> the image id as written in that version. */
  readonly versions: Readonly<Record<number, string>>;
}

/** A template whose versions 1..n all carry `imageId` unless given; the default is the last one. */
export function fakeTemplate(id: string, name: string, versions: Record<number, string>, defaultVersion?: number): FakeTemplate {
  const numbers = Object.keys(versions).map(Number);
  return { id, name, versions, defaultVersion: defaultVersion ?? Math.max(...numbers) };
}

export function emptyCloud(): FakeCloud {
  return {
    clusterCapacityProviders: [],
    capacityProviders: [],
    groups: [],
    launchConfigurations: [],
    templates: [],
    parameters: {},
    images: [],
    containerInstances: [],
    instances: [],
  };
}

/** An AWS-like service error. */
export function awsError(name: string, message: string, httpStatusCode = 400): Error {
  return Object.assign(new Error(message), { name, $fault: 'client', $metadata: { httpStatusCode } });
}

function page<T>(items: readonly T[], token: string | undefined, size: number): { items: T[]; next?: string } {
  const start = token ? Number(token) : 0;
  const end = start + size;
  return { items: items.slice(start, end), next: end < items.length ? String(end) : undefined };
}

/**
 * The limits AWS documents for each API (API references: DescribeCapacityProviders, ListContainerInstances,
 * DescribeContainerInstances, DescribeAutoScalingGroups, DescribeLaunchConfigurations, GetParameters; EC2
 * filters take at most 200 values). Independent of the engine's own constants, so the fake rejects what AWS would.
 */
export const AWS_LIMITS = {
  describeCapacityProviders: 100,
  listContainerInstancesPage: 100,
  describeContainerInstances: 100,
  describeAutoScalingGroups: 100,
  describeLaunchConfigurations: 50,
  getParameters: 10,
  ec2FilterValues: 200,
} as const;

function limit(api: string, count: number, max: number): void {
  if (count > max) throw awsError('ValidationException', `${api}: ${count} items exceed the limit of ${max}`);
}

/**
 * Serves the cloud through the mocks, with AWS's limits enforced (an over-sized batch is rejected as AWS
 * would) and AWS's pagination (tokens are offsets).
 */
export function installCloud(mocks: SdkMocks, cloud: FakeCloud): void {
  const sizes = { capacityProviders: 1, instances: 40, images: 2, ...cloud.pageSize };

  mocks.ecs.on(DescribeClustersCommand).callsFake((input: { clusters: string[] }) => {
    const name = input.clusters[0];
    if (cloud.clusterExists === false) {
      return { clusters: [], failures: [{ arn: `arn:aws:ecs:us-east-1:123456789012:cluster/${name}`, reason: 'MISSING' }] };
    }
    return {
      clusters: [{
        clusterName: name,
        clusterArn: `arn:aws:ecs:us-east-1:123456789012:cluster/${name}`,
        status: cloud.clusterStatus ?? 'ACTIVE',
        capacityProviders: cloud.clusterCapacityProviders,
      }],
      failures: [],
    };
  });
  mocks.ecs.on(DescribeCapacityProvidersCommand).callsFake((input: { capacityProviders: string[]; nextToken?: string }) => {
    limit('DescribeCapacityProviders', input.capacityProviders.length, AWS_LIMITS.describeCapacityProviders);
    const matching = cloud.capacityProviders.filter((p) => input.capacityProviders.includes(p.name!));
    const p = page(matching, input.nextToken, sizes.capacityProviders);
    return { capacityProviders: p.items, nextToken: p.next };
  });
  mocks.ecs.on(ListContainerInstancesCommand).callsFake((input: { maxResults?: number; nextToken?: string }) => {
    limit('ListContainerInstances', input.maxResults ?? 100, AWS_LIMITS.listContainerInstancesPage);
    const p = page(cloud.containerInstances, input.nextToken, input.maxResults ?? 100);
    return { containerInstanceArns: p.items.map((c) => c.containerInstanceArn!), nextToken: p.next };
  });
  mocks.ecs.on(DescribeContainerInstancesCommand).callsFake((input: { containerInstances: string[] }) => {
    limit('DescribeContainerInstances', input.containerInstances.length, AWS_LIMITS.describeContainerInstances);
    const wanted = new Set(input.containerInstances);
    return { containerInstances: cloud.containerInstances.filter((c) => wanted.has(c.containerInstanceArn!)), failures: [] };
  });

  mocks.autoScaling.on(DescribeAutoScalingGroupsCommand).callsFake((input: { AutoScalingGroupNames: string[]; NextToken?: string }) => {
    limit('DescribeAutoScalingGroups', input.AutoScalingGroupNames.length, AWS_LIMITS.describeAutoScalingGroups);
    const matching = cloud.groups.filter((g) => input.AutoScalingGroupNames.includes(g.AutoScalingGroupName!));
    const p = page(matching, input.NextToken, 50);
    return { AutoScalingGroups: p.items, NextToken: p.next };
  });
  type DescribeInput = { LaunchConfigurationNames?: string[]; MaxRecords?: number; NextToken?: string };
  mocks.autoScaling.on(DescribeLaunchConfigurationsCommand).callsFake((input: DescribeInput) => {
    if (input.LaunchConfigurationNames === undefined) {
      // The whole region's list, a page of MaxRecords (at most 100) at a time.
      const size = input.MaxRecords ?? 50;
      limit('DescribeLaunchConfigurations MaxRecords', size, 100);
      const from = Number(input.NextToken ?? 0);
      const next = from + size < cloud.launchConfigurations.length ? String(from + size) : undefined;
      return { LaunchConfigurations: cloud.launchConfigurations.slice(from, from + size), NextToken: next };
    }
    limit('DescribeLaunchConfigurations', input.LaunchConfigurationNames.length, AWS_LIMITS.describeLaunchConfigurations);
    return { LaunchConfigurations: cloud.launchConfigurations.filter((lc) => input.LaunchConfigurationNames!.includes(lc.LaunchConfigurationName!)) };
  });

  mocks.ec2.on(DescribeLaunchTemplateVersionsCommand).callsFake(
    async (input: { LaunchTemplateId?: string; LaunchTemplateName?: string; Versions?: string[] }) => {
      // As EC2: the template by id or by name, each requested version resolved ($Latest, $Default, a number).
      const template = cloud.templates.find((t) => (input.LaunchTemplateId ? t.id === input.LaunchTemplateId : t.name === input.LaunchTemplateName));
      if (!template) throw awsError('InvalidLaunchTemplateId.NotFound', `launch template ${input.LaunchTemplateId ?? input.LaunchTemplateName} does not exist`);
      if ('error' in template) throw template.error;
      const numbers = Object.keys(template.versions).map(Number);
      const wanted = new Set<number>();
      for (const v of input.Versions ?? []) {
        const n = v === '$Latest' ? Math.max(...numbers) : v === '$Default' ? template.defaultVersion : Number(v);
        if (n in template.versions) wanted.add(n);
      }
      const versions: LaunchTemplateVersion[] = [...wanted].sort((a, b) => b - a).map((n) => ({
        LaunchTemplateId: template.id,
        LaunchTemplateName: template.name,
        VersionNumber: n,
        DefaultVersion: n === template.defaultVersion,
        LaunchTemplateData: { ImageId: template.versions[n] },
      }));
      return { LaunchTemplateVersions: versions };
    });
  mocks.ec2.on(DescribeInstancesCommand).callsFake((input: { Filters: Array<{ Name: string; Values: string[] }>; NextToken?: string }) => {
    const values = input.Filters.find((f) => f.Name === 'instance-id')?.Values ?? [];
    limit('DescribeInstances filter', values.length, AWS_LIMITS.ec2FilterValues);
    const p = page(cloud.instances.filter((i) => values.includes(i.InstanceId!)), input.NextToken, sizes.instances);
    return { Reservations: p.items.map((i) => ({ Instances: [i] })), NextToken: p.next };
  });
  mocks.ec2.on(DescribeImagesCommand).callsFake((input: { Filters: Array<{ Name: string; Values: string[] }>; NextToken?: string }) => {
    const values = input.Filters.find((f) => f.Name === 'image-id')?.Values ?? [];
    limit('DescribeImages filter', values.length, AWS_LIMITS.ec2FilterValues);
    const p = page(cloud.images.filter((i) => values.includes(i.ImageId!)), input.NextToken, sizes.images);
    return { Images: p.items, NextToken: p.next };
  });

  // No instance refresh was ever started, and the groups belong to no stack.
  mocks.autoScaling.on(DescribeInstanceRefreshesCommand).resolves({ InstanceRefreshes: [] });
  mocks.cloudFormation.on(DescribeStacksCommand).rejects(awsError('ValidationError', 'Stack does not exist'));

  mocks.ssm.on(GetParametersCommand).callsFake((input: { Names: string[] }) => {
    limit('GetParameters', input.Names.length, AWS_LIMITS.getParameters);
    const found = input.Names.filter((n) => n in cloud.parameters);
    return {
      Parameters: found.map((n) => ({ Name: n, Value: cloud.parameters[n], Type: 'String', Version: 1 })),
      InvalidParameters: input.Names.filter((n) => !(n in cloud.parameters)),
    };
  });
}

/** The batch size of every call of each multi-id API, by API. */
export function batchSizes(mocks: SdkMocks): Record<string, number[]> {
  const sizes = (stub: AwsStub<any, any, any>, command: any, pick: (input: any) => number) =>
    stub.commandCalls(command).map((call) => pick(call.args[0].input));
  const filterValues = (input: { Filters?: Array<{ Values?: string[] }> }) => Math.max(0, ...(input.Filters ?? []).map((f) => f.Values?.length ?? 0));
  return {
    describeCapacityProviders: sizes(mocks.ecs, DescribeCapacityProvidersCommand, (i) => i.capacityProviders.length),
    listContainerInstancesPage: sizes(mocks.ecs, ListContainerInstancesCommand, (i) => i.maxResults),
    describeContainerInstances: sizes(mocks.ecs, DescribeContainerInstancesCommand, (i) => i.containerInstances.length),
    describeAutoScalingGroups: sizes(mocks.autoScaling, DescribeAutoScalingGroupsCommand, (i) => i.AutoScalingGroupNames.length),
    describeLaunchConfigurations: sizes(mocks.autoScaling, DescribeLaunchConfigurationsCommand, (i) => i.LaunchConfigurationNames.length),
    getParameters: sizes(mocks.ssm, GetParametersCommand, (i) => i.Names.length),
    describeInstancesFilterValues: sizes(mocks.ec2, DescribeInstancesCommand, filterValues),
    describeImagesFilterValues: sizes(mocks.ec2, DescribeImagesCommand, filterValues),
  };
}

/** The documented limit of each API in `batchSizes`. */
export const LIMITS: Record<string, number> = {
  describeCapacityProviders: BatchLimit.DESCRIBE_CAPACITY_PROVIDERS,
  listContainerInstancesPage: BatchLimit.LIST_CONTAINER_INSTANCES_PAGE,
  describeContainerInstances: BatchLimit.DESCRIBE_CONTAINER_INSTANCES,
  describeAutoScalingGroups: BatchLimit.DESCRIBE_AUTO_SCALING_GROUPS,
  describeLaunchConfigurations: BatchLimit.DESCRIBE_LAUNCH_CONFIGURATIONS,
  getParameters: BatchLimit.SSM_GET_PARAMETERS,
  describeInstancesFilterValues: BatchLimit.EC2_FILTER_VALUES,
  describeImagesFilterValues: BatchLimit.EC2_FILTER_VALUES,
};

/** Every batch of every API call within its limit, and no empty batch (a wasted or malformed call). */
export function expectBatchLimitsRespected(mocks: SdkMocks): void {
  for (const [api, sizes] of Object.entries(batchSizes(mocks))) {
    for (const size of sizes) {
      expect({ api, size, withinLimit: size >= 1 && size <= LIMITS[api] }).toEqual({ api, size, withinLimit: true });
    }
  }
}
