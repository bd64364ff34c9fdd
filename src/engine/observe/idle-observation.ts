/** The idle shortcut: a cluster with nothing to do, confirmed with a few calls whatever its size. */
import type { Cluster } from '@aws-sdk/client-ecs';
import { AwsApi } from '../../aws/ports';
import { BatchLimit } from '../../shared/constants';
import { describeError } from '../../shared/describe-error';
import { ImageInfo } from '../../shared/image';
import { CORDON_ATTRIBUTE, GROUP_RECORD_TAGS, PHASE_ATTRIBUTE } from '../../shared/records';
import { overrideImageIds } from '../images';
import { GroupObserveFailure, ObservedCluster, ObservedGroup, ObservedInstance, ParameterReading } from '../model';
import { observation } from './cluster';
import type { FullReads } from './full-reads';
import { ImageCache, imagesOf } from './image-cache';
import { ObserveOptions } from './options';
import { groupTarget, imageIdFromValue, readParameters } from './parameters';

/**
 * The observation of a cluster with nothing to do, confirmed without reading its container instances one by
 * one; undefined (read everything) as soon as anything may need more. It holds when:
 * - no group has a rotation, force or other engine record on it, each is on a launch template, and each
 *   launches its target image already (its overrides too);
 * - the groups' targets are one image per CPU architecture, so an instance on any of them runs its own
 *   group's (an instance cannot boot an image of another architecture);
 * - every member is InService and ECS counts as many registered (ACTIVE or DRAINING) container instances
 *   as the groups have members (DescribeClusters, `registeredContainerInstancesCount`);
 * - ECS lists no container instance without an image attribute, on another image, or carrying the engine's
 *   phase or cordon attribute (ListContainerInstances with a cluster query language filter), and none
 *   DRAINING.
 * Each member is then reported on its group's target, with no container instance read. What the counts
 * cannot tell apart (an instance outside every group registered while a member never did) is seen by the
 * next full read (`FullReads`).
 */
export async function idleObservation(
  api: AwsApi,
  cluster: Cluster,
  groups: readonly ObservedGroup[],
  groupFailures: readonly GroupObserveFailure[],
  /** The parameters read so far; those read here are added, so a full read that follows reads none again. */
  parameters: Record<string, ParameterReading>,
  options: ObserveOptions,
  cache: ImageCache,
): Promise<ObservedCluster | undefined> {
  const members = groups.reduce((n, g) => n + g.instances.length, 0);
  if (!settled(cluster, groups, groupFailures, members)) return undefined;

  const images = await imagesOf(api, groups.flatMap((g) => [g.currentImageId!, ...overrideImageIds(g)]), options.now, cache, new Set());
  const parameterNames: string[] = [];
  for (const group of groups) {
    const target = groupTarget(group, {}, images, options);
    if (!target.ok) return undefined;
    parameterNames.push(target.parameterName);
  }
  Object.assign(parameters, await readParameters(api, parameterNames.filter((n) => !(n in parameters))));

  const onTargets = membersOnTargets(groups, parameterNames.map((name) => imageIdFromValue(parameters[name]?.value)), images);
  if (!onTargets) return undefined;
  if (!(await noStrays(api, cluster.clusterArn!, onTargets.targets, options.fullReads!))) return undefined;
  return observation(cluster, options.now, groups, groupFailures, {
    containerInstances: [],
    instances: onTargets.instances,
    images,
    parameters,
    idle: { registeredContainerInstances: members },
  });
}

/**
 * No group failed to read, ECS counts as many registered container instances as the groups have members,
 * and every group is on a launch template with a known image, has no engine record, and all its members InService.
 */
function settled(cluster: Cluster, groups: readonly ObservedGroup[], groupFailures: readonly GroupObserveFailure[], members: number): boolean {
  return groupFailures.length === 0 && cluster.registeredContainerInstancesCount === members
    && groups.every((g) => g.launchSource.kind === 'launch-template' && g.currentImageId !== undefined
      && GROUP_RECORD_TAGS.every((key) => g.tags[key] === undefined) && g.instances.every((i) => i.lifecycleState === 'InService'));
}

/**
 * Each group's members reported on its target (`targets[i]` is the image of `groups[i]`'s parameter), and
 * the targets, one per CPU architecture; undefined when a group or an override is not on its target, a
 * target is unknown, or two targets share an architecture.
 */
function membersOnTargets(
  groups: readonly ObservedGroup[],
  targets: ReadonlyArray<string | undefined>,
  images: Readonly<Record<string, ImageInfo>>,
): { readonly instances: Record<string, ObservedInstance>; readonly targets: string[] } | undefined {
  const targetByArchitecture = new Map<string, string>();
  const instances: Record<string, ObservedInstance> = {};
  for (const [i, group] of groups.entries()) {
    const target = targets[i];
    const architecture = target === undefined ? undefined : images[target]?.architecture;
    if (target === undefined || architecture === undefined || group.currentImageId !== target
      || overrideImageIds(group).some((id) => id !== target) || (targetByArchitecture.get(architecture) ?? target) !== target) return undefined;
    targetByArchitecture.set(architecture, target);
    for (const member of group.instances) instances[member.instanceId] = { instanceId: member.instanceId, imageId: target, state: 'running', tags: {} };
  }
  return { instances, targets: [...new Set(targetByArchitecture.values())] };
}

/** ECS's answers to a request it will never accept as sent (API reference, ListContainerInstances, Errors). */
const QUERY_REFUSED = new Set(['InvalidParameterException', 'ClientException', 'AccessDeniedException']);

/** ECS lists no container instance off the targets or marked by the engine, and none DRAINING. */
async function noStrays(api: AwsApi, clusterArn: string, targets: readonly string[], fullReads: FullReads): Promise<boolean> {
  try {
    if (!(await noContainerInstances(api, clusterArn, { filter: strayFilter(targets) }))) return false;
    if (!(await noContainerInstances(api, clusterArn, { status: 'DRAINING' }))) return false;
    return true;
  } catch (error) {
    // A saving, never a reason to fail: read everything now, and from now on in this process if ECS refused
    // the query itself (anything else, a throttle or an outage, may pass).
    if (QUERY_REFUSED.has((error as { name?: string }).name ?? '')) fullReads.refused = describeError(error);
    return false;
  }
}

/**
 * The cluster query language expression for container instances an idle cluster has none of: no image
 * attribute, an image other than the targets, or the engine's phase or cordon attribute on them
 * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/cluster-query-language.html).
 */
export function strayFilter(targets: readonly string[]): string {
  return `attribute:ecs.ami-id !exists or attribute:ecs.ami-id not_in [${targets.join(', ')}]`
    + ` or attribute:${PHASE_ATTRIBUTE} exists or attribute:${CORDON_ATTRIBUTE} exists`;
}

/**
 * True when ECS lists no container instance for the query. Pages are followed while they come back empty
 * with a token, in case ECS filters each page after cutting it; the first instance listed ends the search.
 */
async function noContainerInstances(api: AwsApi, clusterArn: string, query: { readonly filter?: string; readonly status?: 'DRAINING' }): Promise<boolean> {
  let nextToken: string | undefined;
  do {
    const page = await api.ecs.listContainerInstances({
      cluster: clusterArn, ...query, maxResults: BatchLimit.LIST_CONTAINER_INSTANCES_PAGE, nextToken,
    });
    if ((page.containerInstanceArns ?? []).length > 0) return false;
    nextToken = page.nextToken;
  } while (nextToken);
  return true;
}
