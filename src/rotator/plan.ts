/**
 * The planner: a pure function of (observed cluster, configuration). No I/O and no clock: the time it
 * reasons about is the observation's `observedAt`. Today it decides, per group, the target image and the
 * instances that must be replaced; the rotation engine turns that into actions.
 */
import { detectFamily, parameterKey, parseParameterValue, targetImageProblem } from './ami-families';
import { TagKey } from './constants';
import { ImageInfo, ObservedCluster, ObservedGroup } from './model';
import { groupReferenceImage, ssmAliasParameter } from './observe';
import { decodeEpoch, REPLACE_BEFORE_TAG } from './state';

export interface PlanConfig {
  /** `family/arch` -> SSM parameter name. */
  readonly amiParameters: Readonly<Record<string, string>>;
  /**
   * Groups must carry the cluster tag: true when they are discovered at run time, because the IAM policy
   * then lets the engine act only on tagged groups.
   */
  readonly requireClusterTag: boolean;
  /**
   * Replace instances even when they already run the target image (seed 004's FORCE): every instance
   * launched before this observation. The engine records the time on the group so later runs finish it.
   */
  readonly force: boolean;
}

export type GroupStatus = 'up-to-date' | 'outdated' | 'refused' | 'unobserved';

export interface OutdatedInstance {
  readonly instanceId: string;
  readonly imageId?: string;
  readonly containerInstanceArn?: string;
  /** ECS's count; instances not (yet) registered count 0. */
  readonly runningTasksCount: number;
  readonly containerInstanceStatus?: string;
}

export interface GroupPlan {
  readonly groupName: string;
  readonly status: GroupStatus;
  /** Why the group is refused or unobserved. */
  readonly reason?: string;
  readonly family?: string;
  readonly architecture?: string;
  readonly familyFrom?: 'tag' | 'image-name';
  readonly parameterName?: string;
  readonly currentImageId?: string;
  readonly targetImageId?: string;
  /** The launch template or configuration must be pointed at the target image. */
  readonly updateLaunchSource: boolean;
  readonly instanceCount: number;
  readonly upToDateCount: number;
  /** Fewest running tasks first (seed 004), so the first replacements disturb the least. */
  readonly outdatedInstances: readonly OutdatedInstance[];
  /** Epoch ms since when the group's outdated instances are outdated: the target image's creation. */
  readonly outdatedSince?: number;
}

export interface RotationPlan {
  readonly clusterName: string;
  readonly observedAt: number;
  readonly groups: readonly GroupPlan[];
  /** EC2 ids of container instances no managed group owns (they are reported, never touched). */
  readonly unmanagedInstanceIds: readonly string[];
  readonly totals: PlanTotals;
}

export interface PlanTotals {
  readonly outdatedInstances: number;
  readonly upToDateInstances: number;
  readonly refusedGroups: number;
  readonly unobservedGroups: number;
  /** 0 when nothing is outdated. */
  readonly oldestOutdatedAgeSeconds: number;
}

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
  const unmanagedInstanceIds = observed.containerInstances
    .map((c) => c.ec2InstanceId)
    .filter((id) => id !== '' && !owned.has(id))
    .sort();

  const since = groups.map((g) => g.outdatedSince).filter((t): t is number => t !== undefined);
  const oldest = since.length > 0 ? Math.min(...since) : undefined;
  return {
    clusterName: observed.clusterName,
    observedAt: observed.observedAt,
    groups,
    unmanagedInstanceIds,
    totals: {
      outdatedInstances: sum(groups.map((g) => g.outdatedInstances.length)),
      upToDateInstances: sum(groups.map((g) => g.upToDateCount)),
      refusedGroups: groups.filter((g) => g.status === 'refused').length,
      unobservedGroups: groups.filter((g) => g.status === 'unobserved').length,
      oldestOutdatedAgeSeconds: oldest === undefined ? 0 : Math.max(0, Math.floor((observed.observedAt - oldest) / 1000)),
    },
  };
}

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

  if (config.requireClusterTag && group.tags[TagKey.CLUSTER] !== observed.clusterName) {
    return refuse(
      `group ${group.name} is not tagged ${TagKey.CLUSTER}=${observed.clusterName}; the refresher's IAM policy only lets it act on ` +
      'groups with that tag (tag the group, or give it to the construct in autoScalingGroups)',
    );
  }
  if (group.launchSource.kind === 'none') {
    return refuse(`group ${group.name} has neither a launch template nor a launch configuration`);
  }
  if (group.launchSource.kind === 'launch-template' && (group.launchSource.overrideTemplates?.length ?? 0) > 0) {
    // Replacements launched from an override's own template would boot its image, be outdated again, and be
    // replaced again, forever: such groups are refused until every template of the policy can be followed.
    return refuse(
      `the mixed instances policy of group ${group.name} has overrides with their own launch templates ` +
      `(${group.launchSource.overrideTemplates!.join(', ')}); the refresher rotates groups whose instances all launch from one template`,
    );
  }
  if (!group.currentImageId) {
    const expression = group.launchSource.kind === 'launch-template' ? group.launchSource.imageIdExpression : undefined;
    const alias = ssmAliasParameter(expression);
    const error = alias ? observed.parameters[alias]?.error : undefined;
    return refuse(alias
      ? `the image of group ${group.name} is resolved at launch from SSM parameter ${alias}, which could not be read` +
        `${error ? ` (${error})` : ''}; it must be one of the refresher's amiParameters, which its role may read`
      : `the launch source of group ${group.name} names no image`);
  }

  const current = groupReferenceImage(group, observed.instances, observed.images);
  const detection = detectFamily(current, group.tags[TagKey.AMI_FAMILY]);
  if (!detection.ok) return refuse(detection.reason);
  const known = { family: detection.family, architecture: detection.architecture, familyFrom: detection.from };

  const key = parameterKey(detection.family, detection.architecture);
  const parameterName = config.amiParameters[key];
  if (!parameterName) {
    return refuse(`no AMI parameter is configured for '${key}'; add it to amiParameters`, known);
  }
  const reading = observed.parameters[parameterName];
  if (reading?.error) return refuse(`SSM parameter ${parameterName} could not be read: ${reading.error}`, { ...known, parameterName });
  const parsed = parseParameterValue(parameterName, reading?.value);
  if (!parsed.ok) return refuse(parsed.reason, { ...known, parameterName });

  const target = observed.images[parsed.imageId];
  const problem = targetImageProblem(target, parsed.imageId, current!, parameterName)
    ?? deprecationProblem(target!, observed.observedAt, parameterName);
  if (problem) return refuse(problem, { ...known, parameterName, targetImageId: parsed.imageId });

  // A forced replacement (this run's, or one a previous run recorded on the group) covers every instance
  // launched before it; one whose launch time is unknown is counted as launched before.
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
    if (imageId === parsed.imageId && !launchedBefore(member.instanceId)) {
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

  const updateLaunchSource = group.currentImageId !== parsed.imageId && !resolvesFromParameter(group, parameterName);
  return {
    ...base,
    ...known,
    status: outdated.length > 0 || updateLaunchSource ? 'outdated' : 'up-to-date',
    parameterName,
    targetImageId: parsed.imageId,
    updateLaunchSource,
    upToDateCount: upToDate,
    outdatedInstances: outdated,
    outdatedSince: outdated.length > 0 ? creationTime(target!) : undefined,
  };
}

/**
 * A template whose image is `resolve:ssm:` of the very parameter we follow needs no new version. Only the
 * bare name counts: `name:3` or `name:label` stays on that version when the parameter moves, so instances
 * launched from it would boot the old image again.
 */
function resolvesFromParameter(group: ObservedGroup, parameterName: string): boolean {
  if (group.launchSource.kind !== 'launch-template') return false;
  return ssmAliasParameter(group.launchSource.imageIdExpression) === parameterName;
}

function deprecationProblem(target: ImageInfo, now: number, parameterName: string): string | undefined {
  if (!target.deprecationTime) return undefined;
  const at = Date.parse(target.deprecationTime);
  if (Number.isNaN(at) || at > now) return undefined;
  return `image ${target.imageId} named by SSM parameter ${parameterName} was deprecated at ${target.deprecationTime}`;
}

function creationTime(image: ImageInfo): number | undefined {
  if (!image.creationDate) return undefined;
  const at = Date.parse(image.creationDate);
  return Number.isNaN(at) ? undefined : at;
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
