/**
 * The planner: a pure function of (observed cluster, configuration). No I/O and no clock: the time it
 * reasons about is the observation's `observedAt`. Today it decides, per group, the target image and the
 * instances that must be replaced; the rotation engine turns that into actions.
 */
import type { PendingImage } from './rotation-types';
import { GroupSettings, isWindows, parseParameterValue, resolveGroupTarget, targetImageProblem } from '../../shared/ami-families';
import { TagKey } from '../../shared/constants';
import { ImageInfo } from '../../shared/image';
import { decodeEpoch, REPLACE_BEFORE_TAG } from '../../shared/records';
import { groupReferenceImage, overrideImageIds, ssmAliasParameter } from '../images';
import { ObservedCluster, ObservedContainerInstance, ObservedGroup } from '../model';

export interface PlanConfig {
  /** `family/arch` -> SSM parameter name. */
  readonly amiParameters: Readonly<Record<string, string>>;
  /**
   * Discovered groups must carry the cluster tag (the IAM policy lets the engine act on them only when they
   * do); groups given to the construct are named in the policy by ARN and need no tag.
   */
  readonly requireClusterTag: boolean;
  /** Per-group family and parameter (construct `groupOverrides`), by group name. */
  readonly groupOverrides?: Readonly<Record<string, GroupSettings>>;
  /** The managed group through which container instances outside every group are replaced (opt-in). */
  readonly unmanagedReplacementGroup?: string;
  /**
   * Replace instances even when they already run the target image (seed 004's FORCE): every instance
   * launched before this observation. The engine records the time on the group so later runs finish it.
   */
  readonly force: boolean;
  /**
   * An image the parameter names is adopted only once it is this old (from its CreationDate). Until then
   * the group keeps the image it launches now; unset or 0: adopted at once.
   */
  readonly minimumAmiAgeSeconds?: number;
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
  readonly familyFrom?: 'prop' | 'tag' | 'image-name';
  /** The family could not be told, so the group was refused (never guessed). */
  readonly unknownFamily?: boolean;
  readonly parameterName?: string;
  /** `group`: the group's own parameter (a golden AMI); `map`: the family map. */
  readonly parameterFrom?: 'group' | 'map';
  /** The platform of the group's image: Windows hosts get a longer readiness timeout. */
  readonly platform?: 'windows' | 'linux';
  readonly currentImageId?: string;
  readonly targetImageId?: string;
  /** The launch template or configuration must be pointed at the target image. */
  readonly updateLaunchSource: boolean;
  readonly instanceCount: number;
  readonly upToDateCount: number;
  /** Fewest running tasks first (seed 004), so the first replacements disturb the least. */
  readonly outdatedInstances: readonly OutdatedInstance[];
  /**
   * Epoch ms since when the group's outdated instances are outdated: when the target image was adopted, its
   * creation plus `minimumAmiAge` (so the outdated alarm measures the rotation, not the wait for the image).
   */
  readonly outdatedSince?: number;
  /** A newer image the parameter names, not adopted yet (`minimumAmiAge`), and why. */
  readonly pendingImage?: PendingImage;
}

export interface RotationPlan {
  readonly clusterName: string;
  readonly observedAt: number;
  readonly groups: readonly GroupPlan[];
  /** EC2 ids of container instances no managed group owns. */
  readonly unmanagedInstanceIds: readonly string[];
  /** The same instances, with whether the opt-in policy may replace each and, if not, why. */
  readonly unmanagedInstances: readonly UnmanagedInstance[];
  readonly totals: PlanTotals;
}

export interface UnmanagedInstance {
  readonly instanceId: string;
  readonly containerInstanceArn: string;
  /** ACTIVE, DRAINING, ... */
  readonly status: string;
  readonly runningTasksCount: number;
  readonly imageId?: string;
  /** The Auto Scaling group it belongs to (one the refresher does not manage), from `aws:autoscaling:groupName`. */
  readonly autoScalingGroup?: string;
  /** The opt-in policy may replace it through `unmanagedReplacementGroup`. */
  readonly replaceable: boolean;
  /** Why it is not replaceable. */
  readonly reason?: string;
}

export interface PlanTotals {
  readonly outdatedInstances: number;
  readonly upToDateInstances: number;
  readonly refusedGroups: number;
  readonly unobservedGroups: number;
  /** Refused groups whose AMI family could not be told. */
  readonly unknownFamilyGroups: number;
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

  if (config.requireClusterTag && group.source !== 'configured' && group.tags[TagKey.CLUSTER] !== observed.clusterName) {
    return refuse(
      `group ${group.name} is not tagged ${TagKey.CLUSTER}=${observed.clusterName}; the refresher's IAM policy only lets it act on ` +
      'groups with that tag (tag the group, or give it to the construct in autoScalingGroups)',
    );
  }
  if (group.launchSource.kind === 'none') {
    return refuse(`group ${group.name} has neither a launch template nor a launch configuration`);
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
  const resolved = resolveGroupTarget(current, group.tags[TagKey.AMI_FAMILY], config.groupOverrides?.[group.name], config.amiParameters);
  const platform = current ? (isWindows(current) ? 'windows' as const : 'linux' as const) : undefined;
  if (!resolved.ok) {
    const { family, architecture, familyFrom, unknownFamily } = resolved;
    return refuse(resolved.reason, { family, architecture, familyFrom, platform, unknownFamily: unknownFamily || undefined });
  }
  const { parameterName, parameterFrom } = resolved;
  const known = { family: resolved.family, architecture: resolved.architecture, familyFrom: resolved.familyFrom, platform, parameterFrom };
  const reading = observed.parameters[parameterName];
  if (reading?.error) return refuse(`SSM parameter ${parameterName} could not be read: ${reading.error}`, { ...known, parameterName });
  const parsed = parseParameterValue(parameterName, reading?.value);
  if (!parsed.ok) return refuse(parsed.reason, { ...known, parameterName });

  const named = observed.images[parsed.imageId];
  const problem = targetImageProblem(named, parsed.imageId, current!, parameterName)
    ?? deprecationProblem(named!, observed.observedAt, parameterName)
    ?? overrideTemplatesProblem(observed, group, parameterName, resolved.architecture, config);
  if (problem) return refuse(problem, { ...known, parameterName, targetImageId: parsed.imageId });
  const minimumAgeMs = (config.minimumAmiAgeSeconds ?? 0) * 1000;
  const { target, pendingImage } = adoptedTarget(observed, group, named!, current!, parameterName, minimumAgeMs);

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

  // An override's own template that launches another image must follow too, or its instances come up outdated.
  const overrideBehind = overrideImageIds(group).some((id) => id !== target.imageId);
  const updateLaunchSource = (group.currentImageId !== target.imageId && !resolvesFromParameter(group, parameterName)) || overrideBehind;
  const created = creationTime(target);
  return {
    ...base,
    ...known,
    status: outdated.length > 0 || updateLaunchSource ? 'outdated' : 'up-to-date',
    parameterName,
    targetImageId: target.imageId,
    updateLaunchSource,
    upToDateCount: upToDate,
    outdatedInstances: outdated,
    outdatedSince: outdated.length > 0 && created !== undefined ? created + minimumAgeMs : undefined,
    ...(pendingImage ? { pendingImage } : {}),
  };
}

/**
 * The image the group rotates to. The parameter's image once it is at least `minimumAgeMs` old (from its
 * CreationDate; an image without one cannot be aged, so it waits). Before that, the group keeps the image it
 * launches now, if that one is usable, and stragglers still rotate to it; otherwise (it is the young image
 * itself, set by a deploy, or unusable) the target stays the young image and nothing new starts towards it.
 */
function adoptedTarget(
  observed: ObservedCluster,
  group: ObservedGroup,
  named: ImageInfo,
  current: ImageInfo,
  parameterName: string,
  minimumAgeMs: number,
): { readonly target: ImageInfo; readonly pendingImage?: PendingImage } {
  if (minimumAgeMs <= 0) return { target: named };
  const created = creationTime(named);
  const adoptedAt = created === undefined ? undefined : created + minimumAgeMs;
  if (adoptedAt !== undefined && adoptedAt <= observed.observedAt) return { target: named };
  const age = humanAge(minimumAgeMs);
  const reason = created === undefined
    ? `image ${named.imageId} named by SSM parameter ${parameterName} has no creation date, so its age cannot be told (minimumAmiAge ${age}); it is not adopted`
    : `image ${named.imageId} was published at ${isoSeconds(created)}; adopted from ${isoSeconds(adoptedAt!)} (minimumAmiAge ${age})`;
  const kept = group.currentImageId !== undefined && group.currentImageId !== named.imageId ? observed.images[group.currentImageId] : undefined;
  const usable = kept !== undefined && targetImageProblem(kept, kept.imageId, current, parameterName) === undefined
    && deprecationProblem(kept, observed.observedAt, parameterName) === undefined;
  return usable
    ? { target: kept!, pendingImage: { imageId: named.imageId, reason, holdsNewWork: false } }
    : { target: named, pendingImage: { imageId: named.imageId, reason, holdsNewWork: true } };
}

function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** `3 days`, `12 hours`, `90 minutes`. */
function humanAge(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s % 86400 === 0) return `${s / 86400} day${s === 86400 ? '' : 's'}`;
  if (s % 3600 === 0) return `${s / 3600} hour${s === 3600 ? '' : 's'}`;
  if (s % 60 === 0) return `${s / 60} minute${s === 60 ? '' : 's'}`;
  return `${s} seconds`;
}

/**
 * The launch templates of a mixed instances policy's overrides must launch what the group's own template
 * launches: the same parameter's image (a literal image of the same family and architecture, or
 * `resolve:ssm:` of that very parameter). An override template for another architecture or family would need
 * a target of its own; such a group is refused with the template named, never rotated to a wrong image.
 */
function overrideTemplatesProblem(
  observed: ObservedCluster,
  group: ObservedGroup,
  parameterName: string,
  architecture: string | undefined,
  config: PlanConfig,
): string | undefined {
  if (group.launchSource.kind !== 'launch-template') return undefined;
  for (const o of group.launchSource.overrides ?? []) {
    const t = o.template;
    if (!t) continue;
    const name = `launch template ${t.launchTemplateName ?? t.launchTemplateId} (version ${t.version}) of an override of group ${group.name}'s mixed instances policy`;
    const alias = ssmAliasParameter(t.imageIdExpression);
    if (alias !== undefined) {
      if (alias !== parameterName) return `${name} resolves its image from SSM parameter ${alias}, not from the group's ${parameterName}`;
      continue;
    }
    if (!t.imageIdExpression || t.resolvedVersion === undefined) return `${name} names no image, or its version could not be resolved`;
    const image = observed.images[t.imageIdExpression];
    const resolved = resolveGroupTarget(image, group.tags[TagKey.AMI_FAMILY], config.groupOverrides?.[group.name], config.amiParameters);
    if (!image || !resolved.ok || resolved.parameterName !== parameterName || image.architecture !== architecture) {
      return `${name} launches image ${t.imageIdExpression} (${image?.architecture ?? 'unknown architecture'}), which does not follow the group's ` +
        `parameter ${parameterName} (${architecture ?? 'unknown architecture'}); the refresher rotates a mixed instances policy whose ` +
        'templates all follow one parameter';
    }
  }
  return undefined;
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
