/**
 * AWS reads -> model. Every list is paginated to its end and every multi-id call is batched to its API's
 * limit (constants.ts). Failures that concern one group are recorded against that group, so one bad group
 * never hides the others; failures that concern the whole cluster throw.
 *
 * This file holds the order of the reads; each read lives with the others of its kind in this folder.
 */
import type { Cluster } from '@aws-sdk/client-ecs';
import { AwsApi } from '../../aws/ports';
import { ImageInfo } from '../../shared/image';
import { overrideImageIds } from '../images';
import { ObservedCluster, ObservedGroup, ObservedInstance, ParameterReading } from '../model';
import { describeCluster, observation } from './cluster';
import { describeContainerInstances, withLiveTasks } from './container-instances';
import { GroupActivity, groupActivity } from './group-activity';
import { clusterGroups, GroupsRead, readGroups } from './groups';
import { idleObservation } from './idle-observation';
import { ImageCache, imagesOf } from './image-cache';
import { instancesOf } from './instances';
import { engineLaunchConfigurations } from './launch-sources';
import { ObserveOptions } from './options';
import { isDefined } from './pages';
import { groupTarget, imageIdFromValue, readParameters } from './parameters';
import { readWorkloads } from './workload';

// What the other layers use of the observation, importable from here as before the split.
export { ClusterUnavailableError } from './cluster';
export { FULL_READ_INTERVAL_MS, FullReads } from './full-reads';
export { ImageCache } from './image-cache';
export { readMarkCandidates } from './mark-candidates';
export type { ObserveOptions, WorkloadOptions } from './options';

export async function observeCluster(api: AwsApi, options: ObserveOptions): Promise<ObservedCluster> {
  const cluster = await describeCluster(api, options.clusterName);
  const cache = options.imageCache ?? new ImageCache();
  const membership = await clusterGroups(api, cluster, options);
  let read = await readGroups(api, membership, options.force ? undefined : options.fullReads?.templates(options.clusterName, options.now));

  if (options.fullReads?.trusts(options.clusterName, options.now, read.groups) && !options.force) {
    const idle = await idleObservation(api, cluster, read.groups, read.failures, read.parameters, options, cache);
    if (idle) return idle;
  }
  if (read.recalled) {
    // Readings recalled from the idle read served the idle check only: a full read reads every template, its
    // $Latest version too (a rotation looks there for a version this engine made before). The parameters the
    // idle check read are kept.
    const kept = read.parameters;
    const again = await readGroups(api, membership);
    read = { ...again, parameters: { ...kept, ...again.parameters } };
  }
  return fullObservation(api, cluster, read, options, cache);
}

/**
 * Every container instance and what the groups need beside their launch sources: the workload the
 * policies look at, the instances, the images they run and are to run, and what else is changing a group.
 */
async function fullObservation(
  api: AwsApi,
  cluster: Cluster,
  read: GroupsRead,
  options: ObserveOptions,
  cache: ImageCache,
): Promise<ObservedCluster> {
  const clusterArn = cluster.clusterArn!;
  const parameters = read.parameters;
  const described = await withLiveTasks(api, clusterArn, await describeContainerInstances(api, clusterArn));
  const { containerInstances, services } = await readWorkloads(api, clusterArn, read.groups, described, options);
  const instances = await instancesOf(api, read.groups, containerInstances, options.describeUnmanagedInstances ?? false);

  // Images: what the groups run, to know their family; then the targets their parameters name.
  const images: Record<string, ImageInfo> = await imagesOf(api, runningImages(read.groups, instances), options.now, cache, new Set());

  // The parameters of the families the groups turn out to be (or the groups' own parameters).
  const targetOf = (g: ObservedGroup) => groupTarget(g, instances, images, options);
  const targetParameterNames = read.groups.map((g) => {
    const target = targetOf(g);
    return target.ok ? target.parameterName : undefined;
  }).filter(isDefined);
  Object.assign(parameters, await readParameters(api, targetParameterNames.filter((n) => !(n in parameters))));

  const activity = await groupActivity(api, read.groups, instances, parameters, targetOf, options.force ?? false);
  const groups = read.groups.map((g) => {
    const extra = activity.get(g.name);
    return extra ? { ...g, instanceRefresh: extra.instanceRefresh, stack: extra.stack, lifecycleHooks: extra.lifecycleHooks } : g;
  });
  Object.assign(images, await targetImages(api, parameters, activity, images, options.now, cache));

  // The copies this engine made, so those no group uses any more are deleted; read only while a group uses
  // a launch configuration (an idle launch-template cluster pays nothing).
  const launchConfigurations = groups.some((g) => g.launchSource.kind === 'launch-configuration')
    ? await engineLaunchConfigurations(api, cluster.clusterName!)
    : undefined;

  return observation(cluster, options.now, groups, read.failures, {
    containerInstances,
    instances,
    images,
    parameters,
    ...(launchConfigurations ? { launchConfigurations } : {}),
    ...(services ? { services } : {}),
  });
}

/** The images the groups launch (their overrides' too) and their instances run. */
function runningImages(groups: readonly ObservedGroup[], instances: Readonly<Record<string, ObservedInstance>>): string[] {
  return [
    ...groups.map((g) => g.currentImageId).filter(isDefined),
    ...groups.flatMap(overrideImageIds),
    ...Object.values(instances).map((i) => i.imageId),
  ];
}

/**
 * The images the parameters name that `known` lacks, or that a group may act on this round: those are read
 * afresh (their state decides whether the group may); one that every instance already runs is taken from the cache.
 */
async function targetImages(
  api: AwsApi,
  parameters: Readonly<Record<string, ParameterReading>>,
  activity: ReadonlyMap<string, GroupActivity>,
  known: Readonly<Record<string, ImageInfo>>,
  now: number,
  cache: ImageCache,
): Promise<Record<string, ImageInfo>> {
  const targets = new Set(Object.values(parameters).map((r) => imageIdFromValue(r.value)).filter(isDefined));
  const fresh = new Set([...activity.values()].map((a) => a.targetImageId).filter(isDefined));
  return imagesOf(api, [...targets].filter((id) => fresh.has(id) || !(id in known)), now, cache, fresh);
}
