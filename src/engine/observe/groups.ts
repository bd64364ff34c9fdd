/**
 * The Auto Scaling groups to observe (given, or behind the cluster's capacity providers) and what each
 * launches now.
 */
import type { AutoScalingGroup } from '@aws-sdk/client-auto-scaling';
import type { Cluster } from '@aws-sdk/client-ecs';
import { AwsApi } from '../../aws/ports';
import { chunk } from '../../shared/chunk';
import { BatchLimit } from '../../shared/constants';
import { GroupInstance, GroupObserveFailure, LaunchSource, ObservedGroup, ParameterReading } from '../model';
import { capacityProviderGroups, GroupProvider } from './cluster';
import { launchSources } from './launch-sources';
import type { TemplateSource } from './launch-templates';
import { ObserveOptions } from './options';
import { allPages, isDefined } from './pages';
import { imageIdFromValue, readParameters } from './parameters';

/** The groups of a cluster to observe, as Auto Scaling describes them, and how each came to be observed. */
export interface ClusterGroups {
  /** Group name -> the group, for those Auto Scaling found. */
  readonly asgs: ReadonlyMap<string, AutoScalingGroup>;
  /** Group name -> the capacity provider it is behind (discovered groups only, when discovery is off). */
  readonly discovered: ReadonlyMap<string, GroupProvider>;
  /** Group name -> the capacity provider it is behind, whether or not discovery is on. */
  readonly providers: ReadonlyMap<string, GroupProvider>;
  /** The groups given to the construct. */
  readonly given: ReadonlySet<string>;
  /** The groups wanted that Auto Scaling did not find. */
  readonly notFound: readonly GroupObserveFailure[];
}

/** The groups read, what could not be read of them, and the parameters their image ids name. */
export interface GroupsRead {
  readonly groups: readonly ObservedGroup[];
  readonly failures: GroupObserveFailure[];
  readonly parameters: Record<string, ParameterReading>;
  /** How many groups' launch templates were recalled from the last idle full read instead of read. */
  readonly recalled: number;
}

export async function clusterGroups(
  api: AwsApi,
  cluster: Cluster,
  options: Pick<ObserveOptions, 'groupNames' | 'discoverGroups' | 'knownCapacityProviders'>,
): Promise<ClusterGroups> {
  // The cluster's ACTIVE capacity providers' groups plus the given ones, each once.
  // Read with discovery off too: a given group behind a provider ECS scales is scaled by ECS all the same.
  const providers = await capacityProviderGroups(api, cluster.capacityProviders ?? [], options.knownCapacityProviders ?? {});
  const discovered = (options.discoverGroups ?? true) ? providers : new Map<string, GroupProvider>();
  const given = new Set(options.groupNames);
  const wanted = [...new Set([...options.groupNames, ...discovered.keys()])];

  const asgs = await describeGroups(api, wanted);
  const notFound = wanted.filter((name) => !asgs.has(name)).map((name) => ({ name, reason: `Auto Scaling group ${name} was not found` }));
  return { asgs, discovered, providers, given, notFound };
}

/** Launch sources, then the parameters behind `resolve:ssm:` image ids, then the current images. */
export async function readGroups(
  api: AwsApi,
  { asgs, discovered, providers, given, notFound }: ClusterGroups,
  remembered?: ReadonlyMap<string, TemplateSource>,
): Promise<GroupsRead> {
  const failures: GroupObserveFailure[] = [...notFound];
  const { sources, recalled } = await launchSources(api, [...asgs.values()], failures, remembered);
  const read: Record<string, ParameterReading> = await readParameters(api, [...sources.values()].map((s) => s.aliasParameter).filter(isDefined));
  const observed: ObservedGroup[] = [];
  for (const asg of asgs.values()) {
    const name = asg.AutoScalingGroupName!;
    const source = sources.get(name);
    if (!source) continue; // its failure is recorded
    const currentImageId = source.aliasParameter ? imageIdFromValue(read[source.aliasParameter]?.value) : source.literalImageId;
    observed.push(toGroup(asg, source.launchSource, currentImageId, discovered.get(name)?.name, given.has(name), providers.get(name)));
  }
  return { groups: observed, failures, parameters: read, recalled };
}

async function describeGroups(api: AwsApi, names: readonly string[]): Promise<Map<string, AutoScalingGroup>> {
  const found = new Map<string, AutoScalingGroup>();
  for (const batch of chunk(names, BatchLimit.DESCRIBE_AUTO_SCALING_GROUPS)) {
    const pages = await allPages(
      (NextToken) => api.autoScaling.describeAutoScalingGroups({ AutoScalingGroupNames: batch, NextToken }), (p) => p.NextToken);
    for (const group of pages.flatMap((p) => p.AutoScalingGroups ?? [])) found.set(group.AutoScalingGroupName!, group);
  }
  return found;
}

function toGroup(
  asg: AutoScalingGroup,
  launchSource: LaunchSource,
  currentImageId: string | undefined,
  capacityProviderName: string | undefined,
  given: boolean,
  provider?: GroupProvider,
): ObservedGroup {
  const tags: Record<string, string> = {};
  for (const tag of asg.Tags ?? []) if (tag.Key) tags[tag.Key] = tag.Value ?? '';
  const instances: GroupInstance[] = (asg.Instances ?? []).map((i) => ({
    instanceId: i.InstanceId!,
    lifecycleState: i.LifecycleState ?? 'Unknown',
    healthStatus: i.HealthStatus ?? 'Unknown',
    protectedFromScaleIn: i.ProtectedFromScaleIn ?? false,
    ...(i.AvailabilityZone ? { availabilityZone: i.AvailabilityZone } : {}),
  }));
  return {
    name: asg.AutoScalingGroupName!,
    arn: asg.AutoScalingGroupARN,
    ...(asg.AvailabilityZones && asg.AvailabilityZones.length > 0 ? { availabilityZones: [...asg.AvailabilityZones] } : {}),
    // A group both given and behind a capacity provider is 'configured': the policy names it by ARN.
    source: given || !capacityProviderName ? 'configured' : 'capacity-provider',
    capacityProviderName,
    desiredCapacity: asg.DesiredCapacity ?? 0,
    minSize: asg.MinSize ?? 0,
    maxSize: asg.MaxSize ?? 0,
    tags,
    instances,
    launchSource,
    currentImageId,
    suspendedProcesses: (asg.SuspendedProcesses ?? []).map((p) => p.ProcessName ?? '').filter((p) => p !== ''),
    ...(provider?.managedScaling ? { ecsScaled: true } : {}),
  };
}
