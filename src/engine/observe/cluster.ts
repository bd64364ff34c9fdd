/** The ECS cluster itself, and the groups of its capacity providers. */
import type { Cluster } from '@aws-sdk/client-ecs';
import { AwsApi } from '../../aws/ports';
import { chunk } from '../../shared/chunk';
import { BatchLimit } from '../../shared/constants';
import { GroupObserveFailure, ObservedCluster, ObservedGroup } from '../model';
import { allPages } from './pages';

/** The cluster itself cannot be read or is not ACTIVE: nothing can be decided. */
export class ClusterUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ClusterUnavailableError';
  }
}

export async function describeCluster(api: AwsApi, clusterName: string): Promise<Cluster> {
  const response = await api.ecs.describeClusters({ clusters: [clusterName], include: ['TAGS'] });
  const cluster = response.clusters?.[0];
  if (!cluster) {
    const failure = response.failures?.[0];
    throw new ClusterUnavailableError(
      `ECS cluster '${clusterName}' was not found (${failure?.reason ?? 'no cluster returned'}); check the cluster name and region`,
    );
  }
  if (cluster.status !== 'ACTIVE') {
    throw new ClusterUnavailableError(`ECS cluster '${clusterName}' is ${cluster.status}; only an ACTIVE cluster is refreshed`);
  }
  return cluster;
}

/**
 * A group's capacity provider as the engine needs it. Managed scaling ENABLED: ECS's target tracking policy
 * owns the group's desired capacity. (Managed termination protection is ECS's to apply; the MinSize hold does
 * not depend on it, so it is not kept.)
 */
export interface GroupProvider {
  readonly name: string;
  readonly managedScaling: boolean;
}

/**
 * Group name -> its capacity provider, for the cluster's ACTIVE Auto Scaling group providers. A provider
 * the construct named needs no call (one associated with the cluster is ACTIVE, ECS refuses to delete one in
 * use, and its group is fixed at creation); its managed scaling is then not read, and taken as ENABLED (CDK's
 * default): the batch then holds its surge through MinSize, which is harmless where ECS does not scale the
 * group (MinSize is restored when the batch ends). The others are described, and say which they have.
 */
export async function capacityProviderGroups(
  api: AwsApi,
  providerNames: readonly string[],
  known: Readonly<Record<string, string>>,
): Promise<Map<string, GroupProvider>> {
  const groups = new Map<string, GroupProvider>();
  for (const name of providerNames) if (known[name]) groups.set(known[name], { name, managedScaling: true });
  // Fargate providers are associated by name but are not Auto Scaling group providers.
  const names = providerNames.filter((n) => n !== 'FARGATE' && n !== 'FARGATE_SPOT' && !known[n]);
  for (const batch of chunk(names, BatchLimit.DESCRIBE_CAPACITY_PROVIDERS)) {
    const pages = await allPages((nextToken) => api.ecs.describeCapacityProviders({ capacityProviders: batch, nextToken }), (p) => p.nextToken);
    for (const provider of pages.flatMap((p) => p.capacityProviders ?? [])) {
      const asg = provider.autoScalingGroupProvider;
      if (provider.status !== 'ACTIVE' || !asg?.autoScalingGroupArn) continue;
      groups.set(groupNameFromArnOrName(asg.autoScalingGroupArn), { name: provider.name!, managedScaling: asg.managedScaling?.status === 'ENABLED' });
    }
  }
  return groups;
}

/** `arn:aws:autoscaling:...:autoScalingGroup:uuid:autoScalingGroupName/NAME` -> NAME; a plain name as is. */
export function groupNameFromArnOrName(arnOrName: string): string {
  const marker = ':autoScalingGroupName/';
  const at = arnOrName.indexOf(marker);
  return at >= 0 ? arnOrName.slice(at + marker.length) : arnOrName;
}

/** The observation of `cluster` at `now`: what every observation carries, and what it read. */
export function observation(
  cluster: Cluster,
  now: number,
  groups: readonly ObservedGroup[],
  groupFailures: readonly GroupObserveFailure[],
  read: Pick<ObservedCluster, 'containerInstances' | 'instances' | 'images' | 'parameters' | 'launchConfigurations' | 'services' | 'idle'>,
): ObservedCluster {
  return {
    clusterName: cluster.clusterName!,
    clusterArn: cluster.clusterArn!,
    clusterTags: clusterTagsOf(cluster),
    observedAt: now,
    groups,
    groupFailures,
    ...read,
  };
}

function clusterTagsOf(cluster: Cluster): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const tag of cluster.tags ?? []) if (tag.key) tags[tag.key] = tag.value ?? '';
  return tags;
}
