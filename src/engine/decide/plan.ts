/**
 * The planner: a pure function of (observed cluster, configuration). No I/O and no clock: the time it
 * reasons about is the observation's `observedAt`. Today it decides, per group, the target image and the
 * instances that must be replaced; the rotation engine turns that into actions.
 */
import { isWindows } from '../../shared/ami-families';
import { TagKey } from '../../shared/constants';
import { ImageInfo } from '../../shared/image';
import { decodeEpoch, REPLACE_BEFORE_TAG } from '../../shared/records';
import { overrideImageIds, ssmAliasParameter } from '../images';
import { ObservedCluster, ObservedContainerInstance, ObservedGroup } from '../model';
import { GroupPlan, OutdatedInstance, PlanConfig, RotationPlan, UnmanagedInstance } from './plan-types';
import { PendingImage } from './rotation-types';
import { adoptedTarget, creationTime, resolvesFromParameter, resolveTarget } from './target-image';
import { outdatedWarmInstances } from './warm-pool';

export type { GroupPlan, GroupStatus, OutdatedInstance, PlanConfig, PlanTotals, RotationPlan, UnmanagedInstance } from './plan-types';

export function plan(observed: ObservedCluster, config: PlanConfig): RotationPlan {
  const groups: GroupPlan[] = [
    ...observed.groups.map((g) => planGroup(observed, g, config)),
    ...observed.groupFailures.map((f): GroupPlan => ({
      groupName: f.name,
      status: 'unobserved',
      reason: f.reason,
      updateLaunchSource: false,
      instanceCount: 0,
      upToDateCount: 0,
      outdatedInstances: [],
    })),
  ].sort((a, b) => a.groupName.localeCompare(b.groupName));

  const owned = new Set(observed.groups.flatMap((g) => g.instances.map((i) => i.instanceId)));
  const unmanagedInstances = observed.containerInstances
    .filter((c) => c.ec2InstanceId !== '' && !owned.has(c.ec2InstanceId))
    .map((c) => unmanagedInstance(observed, c, groups, config))
    .sort((a, b) => a.instanceId.localeCompare(b.instanceId));
  const unmanagedInstanceIds = unmanagedInstances.map((u) => u.instanceId);

  const since = groups.map((g) => g.outdatedSince).filter((t): t is number => t !== undefined);
  const oldest = since.length > 0 ? Math.min(...since) : undefined;
  return {
    clusterName: observed.clusterName,
    observedAt: observed.observedAt,
    groups,
    unmanagedInstanceIds,
    unmanagedInstances,
    totals: {
      outdatedInstances: sum(groups.map((g) => g.outdatedInstances.length)),
      upToDateInstances: sum(groups.map((g) => g.upToDateCount)),
      refusedGroups: groups.filter((g) => g.status === 'refused').length,
      unobservedGroups: groups.filter((g) => g.status === 'unobserved').length,
      unknownFamilyGroups: groups.filter((g) => g.unknownFamily).length,
      oldestOutdatedAgeSeconds: oldest === undefined ? 0 : Math.max(0, Math.floor((observed.observedAt - oldest) / 1000)),
    },
  };
}

/**
 * A group's plan: refused when the engine may not or cannot act on it (see `refusal`, `resolveTarget`);
 * otherwise its target image, its outdated instances, and whether its launch source must follow the target.
 */
function planGroup(observed: ObservedCluster, group: ObservedGroup, config: PlanConfig): GroupPlan {
  const base = {
    groupName: group.name,
    currentImageId: group.currentImageId,
    updateLaunchSource: false,
    instanceCount: group.instances.length,
    upToDateCount: 0,
    outdatedInstances: [],
  };
  const refuse = (reason: string, extra: Partial<GroupPlan> = {}): GroupPlan => ({ ...base, ...extra, status: 'refused', reason });
  const refused = refusal(observed, group, config);
  if (refused !== undefined) return refuse(refused);
  const resolution = resolveTarget(observed, group, config);
  if (!resolution.ok) return refuse(resolution.reason, resolution.known);
  const { known, parameterName } = resolution;

  const minimumAgeMs = (config.minimumAmiAgeSeconds ?? 0) * 1000;
  const { target, pendingImage } = adoptedTarget(observed, group, resolution.named, resolution.current, parameterName, minimumAgeMs);
  const { outdated, upToDate } = sortMembers(observed, group, config, target, pendingImage);

  // An override's own template that launches another image must follow too, or its instances come up outdated.
  const overrideBehind = overrideImageIds(group).some((id) => id !== target.imageId);
  const updateLaunchSource = (group.currentImageId !== target.imageId && !resolvesFromParameter(group, parameterName)) || overrideBehind;
  const created = creationTime(target);
  return {
    ...base,
    ...known,
    // A warm pool's instances on another image enter service at the next scale-out: the group is not up to date.
    status: outdated.length > 0 || updateLaunchSource || outdatedWarmInstances(observed, group, target.imageId).length > 0 ? 'outdated' : 'up-to-date',
    parameterName,
    targetImageId: target.imageId,
    updateLaunchSource,
    upToDateCount: upToDate,
    outdatedInstances: outdated,
    outdatedSince: outdated.length > 0 && created !== undefined ? created + minimumAgeMs : undefined,
    ...(pendingImage ? { pendingImage } : {}),
  };
}

/** Why the engine may not or cannot act on the group at all, before its image is looked at. */
function refusal(observed: ObservedCluster, group: ObservedGroup, config: PlanConfig): string | undefined {
  if (config.requireClusterTag && group.source !== 'configured' && group.tags[TagKey.CLUSTER] !== observed.clusterName) {
    return `group ${group.name} is not tagged ${TagKey.CLUSTER}=${observed.clusterName}; the refresher's IAM policy only lets it act on ` +
      'groups with that tag (tag the group, or give it to the construct in autoScalingGroups)';
  }
  if (group.launchSource.kind === 'none') {
    return `group ${group.name} has neither a launch template nor a launch configuration`;
  }
  if (!group.currentImageId) {
    const expression = group.launchSource.kind === 'launch-template' ? group.launchSource.imageIdExpression : undefined;
    const alias = ssmAliasParameter(expression);
    const error = alias ? observed.parameters[alias]?.error : undefined;
    return alias
      ? `the image of group ${group.name} is resolved at launch from SSM parameter ${alias}, which could not be read` +
        `${error ? ` (${error})` : ''}; it must be one of the refresher's amiParameters, which its role may read`
      : `the launch source of group ${group.name} names no image`;
  }
  return undefined;
}

/**
 * The group's members on the target (up to date) and the others (outdated), fewest running tasks first
 * (as the AWS for Industries updater orders them), so the first replacements disturb the least. A forced replacement (this run's, or one a previous
 * run recorded on the group) covers every instance launched before it; one whose launch time is unknown is
 * counted as launched before.
 */
function sortMembers(
  observed: ObservedCluster,
  group: ObservedGroup,
  config: PlanConfig,
  target: ImageInfo,
  pendingImage: PendingImage | undefined,
): { readonly outdated: OutdatedInstance[]; readonly upToDate: number } {
  const replaceBefore = decodeEpoch(group.tags[REPLACE_BEFORE_TAG]) ?? (config.force ? observed.observedAt : undefined);
  const launchedBefore = (id: string) => {
    if (replaceBefore === undefined) return false;
    const launched = Date.parse(observed.instances[id]?.launchTime ?? '');
    return Number.isNaN(launched) || launched < replaceBefore;
  };

  const byInstance = new Map(observed.containerInstances.map((c) => [c.ec2InstanceId, c]));
  const outdated: OutdatedInstance[] = [];
  let upToDate = 0;
  for (const member of group.instances) {
    const container = byInstance.get(member.instanceId);
    const imageId = observed.instances[member.instanceId]?.imageId ?? container?.amiIdAttribute;
    // An instance already on the image that waits for its age is not taken back to the kept one: it is ahead.
    const onTarget = imageId === target.imageId || (pendingImage !== undefined && imageId === pendingImage.imageId);
    if (onTarget && !launchedBefore(member.instanceId)) {
      upToDate++;
      continue;
    }
    outdated.push({
      instanceId: member.instanceId,
      imageId,
      containerInstanceArn: container?.containerInstanceArn,
      runningTasksCount: container?.runningTasksCount ?? 0,
      containerInstanceStatus: container?.status,
    });
  }
  outdated.sort((a, b) => a.runningTasksCount - b.runningTasksCount || a.instanceId.localeCompare(b.instanceId));
  return { outdated, upToDate };
}


/**
 * Whether the opt-in policy may replace an instance outside every managed group, and why not. The policy
 * terminates it with ec2:TerminateInstances, so it must be in no Auto Scaling group at all, carry the cluster
 * tag (the IAM condition), run in the cluster, and match the replacement group's architecture and platform
 * (tasks placed on it must fit the replacement).
 */
function unmanagedInstance(
  observed: ObservedCluster,
  container: ObservedContainerInstance,
  groups: readonly GroupPlan[],
  config: PlanConfig,
): UnmanagedInstance {
  const instance = observed.instances[container.ec2InstanceId];
  const autoScalingGroup = instance?.tags['aws:autoscaling:groupName'];
  const base = {
    instanceId: container.ec2InstanceId,
    containerInstanceArn: container.containerInstanceArn,
    status: container.status,
    runningTasksCount: container.runningTasksCount,
    imageId: instance?.imageId ?? container.amiIdAttribute,
    autoScalingGroup,
  };
  const not = (reason: string): UnmanagedInstance => ({ ...base, replaceable: false, reason });
  const through = config.unmanagedReplacementGroup;
  if (!through) return not('no replacement group is configured (replaceUnmanagedInstancesThrough); it is only reported');
  if (!instance) return not('it is not an EC2 instance this account can describe (an external instance?); only EC2 instances are replaced');
  if (autoScalingGroup !== undefined) {
    return not(`it belongs to Auto Scaling group ${autoScalingGroup}, which this refresher does not manage; it is never terminated outside its group`);
  }
  if (instance.tags[TagKey.CLUSTER] !== observed.clusterName) {
    return not(`it is not tagged ${TagKey.CLUSTER}=${observed.clusterName}; the refresher may terminate only instances carrying that tag`);
  }
  if (instance.state !== 'running') return not(`it is ${instance.state}`);
  if (container.status !== 'ACTIVE' && container.status !== 'DRAINING') return not(`its container instance is ${container.status}`);
  const group = groups.find((g) => g.groupName === through);
  if (!group || group.status === 'refused' || group.status === 'unobserved' || !group.architecture) {
    return not(`replacement group ${through} is not a managed group ready to rotate${group?.reason ? ` (${group.reason})` : ''}`);
  }
  const image = observed.images[instance.imageId];
  if (image?.architecture !== group.architecture) {
    return not(`it runs ${image?.architecture ?? 'an unknown architecture'}, replacement group ${through} launches ${group.architecture}`);
  }
  if ((isWindows(image) ? 'windows' : 'linux') !== group.platform) {
    return not(`it runs platform '${image.platformDetails ?? 'unknown'}', replacement group ${through} launches ${group.platform}`);
  }
  return { ...base, replaceable: true };
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
