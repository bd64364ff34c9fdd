/**
 * AWS reads -> model. Every list is paginated to its end and every multi-id call is batched to its API's
 * limit (constants.ts). Failures that concern one group are recorded against that group, so one bad group
 * never hides the others; failures that concern the whole cluster throw.
 */
import type { AutoScalingGroup, LaunchConfiguration } from '@aws-sdk/client-auto-scaling';
import type { Filter, Image, Instance, LaunchTemplateVersion } from '@aws-sdk/client-ec2';
import type { Cluster, ContainerInstance } from '@aws-sdk/client-ecs';
import { AwsApi } from '../../aws/ports';
import { GroupSettings, resolveGroupTarget } from '../../shared/ami-families';
import { chunk } from '../../shared/chunk';
import { BatchLimit, TagKey } from '../../shared/constants';
import { describeError } from '../../shared/describe-error';
import { ImageInfo } from '../../shared/image';
import { isEngineLaunchConfiguration } from '../../shared/launch-configuration-names';
import {
  Batch,
  BATCH_TAG,
  CORDON_ATTRIBUTE,
  decodeBatch,
  decodeEpoch,
  decodePhase,
  GROUP_RECORD_TAGS,
  PHASE_ATTRIBUTE,
  REPLACE_BEFORE_TAG,
  VERSION_DESCRIPTION_PREFIX,
} from '../../shared/records';
import { budgetFor, MaxUnavailableSetting } from '../budget';
import { groupReferenceImage, overrideImageIds, ssmAliasParameter } from '../images';
import { GroupInstance, GroupObserveFailure, LaunchSource, MixedOverride, ObservedCluster, ObservedContainerInstance, ObservedGroup, ObservedInstance, ObservedService, ObservedTask, ParameterReading, TemplateVersion } from '../model';

export interface ObserveOptions {
  readonly clusterName: string;
  /** Groups given to the construct: managed whether or not they are behind a capacity provider. */
  readonly groupNames: readonly string[];
  /** Also the groups of the cluster's ACTIVE capacity providers (default true). */
  readonly discoverGroups?: boolean;
  /** Per-group family and parameter, by group name (construct `groupOverrides`). */
  readonly groupOverrides?: Readonly<Record<string, GroupSettings>>;
  /**
   * Also describe the EC2 instances of container instances outside every group (only when they may be
   * replaced: otherwise they are reported from ECS alone, at no EC2 cost).
   */
  readonly describeUnmanagedInstances?: boolean;
  /** `family/arch` -> SSM parameter name. */
  readonly amiParameters: Readonly<Record<string, string>>;
  /** Epoch ms stamped on the observation. */
  readonly now: number;
  /**
   * Capacity provider name -> group name, for providers whose group is known without asking ECS (the
   * construct passes those it creates). A provider's group never changes, so only others are described.
   */
  readonly knownCapacityProviders?: Readonly<Record<string, string>>;
  /** What is known of images from earlier observations in this process (see ImageCache). */
  readonly imageCache?: ImageCache;
  /** A forced run: every group may act, so each is checked for another actor (instance refresh, stack update). */
  readonly force?: boolean;
  /** Which tasks and services the rotation policies need (none by default). */
  readonly workload?: WorkloadOptions;
  /**
   * What this process's last full read found (a warm Lambda keeps one): after one that found the cluster
   * idle, an idle cluster is confirmed with a few calls whatever its size (see `FullReads`,
   * `idleObservation`). Absent: every observation reads everything (the CLI, a manual invocation).
   */
  readonly fullReads?: FullReads;
}

/**
 * The tasks (and their services) a rotation policy looks at, read only for the groups it concerns this
 * round, so an idle run and a group with nothing to decide cost no call.
 */
export interface WorkloadOptions {
  /** Instances marked for replacement that still serve (the next to drain): their tasks' services must be steady. */
  readonly steadyServices?: boolean;
  /** The rotation's budget setting: at most that many of a group's next instances to drain are read. */
  readonly maxUnavailable?: MaxUnavailableSetting;
  /** Canaries whose soak is over: their tasks, and their services. */
  readonly canary?: boolean;
  /** Drained instances still running tasks this long after their drain started: which tasks are standalone. */
  readonly standaloneGraceMs?: number;
}

/**
 * What DescribeImages said of images, kept across observations in one process (a warm Lambda, a CLI run).
 * An image's name, architecture and platform never change; its state and deprecation can, so an entry is
 * trusted for `ttlMs` only, and the target image of a group that is about to act is always read afresh.
 */
export class ImageCache {
  private readonly entries = new Map<string, { readonly info: ImageInfo; readonly readAt: number }>();

  constructor(private readonly ttlMs: number = 60 * 60_000) {}

  get(imageId: string, now: number): ImageInfo | undefined {
    const entry = this.entries.get(imageId);
    return entry && now - entry.readAt < this.ttlMs ? entry.info : undefined;
  }

  put(info: ImageInfo, now: number): void {
    this.entries.set(info.imageId, { info, readAt: now });
  }
}

/**
 * What this process's last full read of each cluster found, and when. The idle shortcut trusts counts and
 * one ECS query instead of reading every container instance, so it is taken only after a full read found
 * the cluster idle (every group up to date, every member registered ACTIVE, no instance outside the groups)
 * within `maxAgeMs`, and only while every group still launches the image it launched then. Anything the
 * counts cannot tell apart is then at most `maxAgeMs` old, and once a full read sees it, every run reads in
 * full until one finds the cluster idle again, so nothing flaps between reported and hidden.
 */
export class FullReads {
  /**
   * Set when ECS refused the shortcut's query (a filter it does not accept, a permission it lacks): the
   * process then reads everything every run, as it did before the shortcut, and the caller reports why once.
   */
  refused?: string;

  private readonly last = new Map<string, FullRead>();

  constructor(private readonly maxAgeMs: number = FULL_READ_INTERVAL_MS) {}

  /** True when the last full read of the cluster, recent enough, found it idle with these groups on these images. */
  trusts(clusterName: string, now: number, groups: readonly ObservedGroup[]): boolean {
    const last = this.idleRead(clusterName, now);
    if (last === undefined) return false;
    return groups.length === last.images.size && groups.every((g) => last.images.has(g.name) && last.images.get(g.name) === g.currentImageId);
  }

  /**
   * The launch template readings of the last full read, while it may be trusted (as in `trusts`): of the groups
   * on a template version with a literal image and no override templates. Only an idle check uses them.
   */
  templates(clusterName: string, now: number): ReadonlyMap<string, TemplateSource> | undefined {
    return this.idleRead(clusterName, now)?.templates;
  }

  /** A full read at `now` and what the plan made of it: `idle` when nothing is to be done and nothing is unseen. */
  record(clusterName: string, now: number, groups: readonly ObservedGroup[], idle: boolean): void {
    const templates = new Map<string, TemplateSource>();
    for (const g of groups) {
      const source = g.launchSource;
      if (idle && source.kind === 'launch-template' && source.overrides === undefined && source.resolvedVersion !== undefined
        && source.imageIdExpression !== undefined && ssmAliasParameter(source.imageIdExpression) === undefined) templates.set(g.name, source);
    }
    this.last.set(clusterName, { at: now, idle, images: new Map(groups.map((g) => [g.name, g.currentImageId])), templates });
  }

  private idleRead(clusterName: string, now: number): FullRead | undefined {
    const last = this.last.get(clusterName);
    if (this.refused !== undefined || last === undefined || !last.idle || now - last.at >= this.maxAgeMs || now < last.at) return undefined;
    return last;
  }
}

interface FullRead {
  readonly at: number;
  readonly idle: boolean;
  /** Group name -> the image it launched then. */
  readonly images: ReadonlyMap<string, string | undefined>;
  readonly templates: ReadonlyMap<string, TemplateSource>;
}

type TemplateSource = Extract<LaunchSource, { kind: 'launch-template' }>;

/** At least this often a warm function reads every container instance, idle or not. */
export const FULL_READ_INTERVAL_MS = 60 * 60_000;

/** The cluster itself cannot be read or is not ACTIVE: nothing can be decided. */
export class ClusterUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ClusterUnavailableError';
  }
}

export async function observeCluster(api: AwsApi, options: ObserveOptions): Promise<ObservedCluster> {
  const cluster = await describeCluster(api, options.clusterName);
  const cache = options.imageCache ?? new ImageCache();

  // The cluster's ACTIVE capacity providers' groups plus the given ones, each once.
  const discovered = (options.discoverGroups ?? true)
    ? await capacityProviderGroups(api, cluster.capacityProviders ?? [], options.knownCapacityProviders ?? {})
    : new Map<string, string>();
  const given = new Set(options.groupNames);
  const wanted = [...new Set([...options.groupNames, ...discovered.keys()])];

  const asgs = await describeGroups(api, wanted);
  const notFound = wanted.filter((name) => !asgs.has(name)).map((name) => ({ name, reason: `Auto Scaling group ${name} was not found` }));

  // Launch sources, then the parameters behind `resolve:ssm:` image ids, then the current images.
  const readGroups = async (remembered?: ReadonlyMap<string, TemplateSource>) => {
    const failures: GroupObserveFailure[] = [...notFound];
    const { sources, recalled } = await launchSources(api, [...asgs.values()], failures, remembered);
    const read: Record<string, ParameterReading> = await readParameters(api, [...sources.values()].map((s) => s.aliasParameter).filter(isDefined));
    const observed: ObservedGroup[] = [];
    for (const asg of asgs.values()) {
      const name = asg.AutoScalingGroupName!;
      const source = sources.get(name);
      if (!source) continue; // its failure is recorded
      const currentImageId = source.aliasParameter ? imageIdFromValue(read[source.aliasParameter]?.value) : source.literalImageId;
      observed.push(toGroup(asg, source.launchSource, currentImageId, discovered.get(name), given.has(name)));
    }
    return { groups: observed, failures, parameters: read, recalled };
  };
  let { groups, failures: groupFailures, parameters, recalled } = await readGroups(
    options.force ? undefined : options.fullReads?.templates(options.clusterName, options.now));

  if (options.fullReads?.trusts(options.clusterName, options.now, groups) && !options.force) {
    const idle = await idleObservation(api, cluster, groups, groupFailures, parameters, options, cache);
    if (idle) return idle;
  }
  if (recalled) {
    // Readings recalled from the idle read served the idle check only: a full read reads every template, its
    // $Latest version too (a rotation looks there for a version this engine made before). The parameters the
    // idle check read are kept.
    const kept = parameters;
    ({ groups, failures: groupFailures, parameters } = await readGroups());
    parameters = { ...kept, ...parameters };
  }

  const described = await withLiveTasks(api, cluster.clusterArn!, await describeContainerInstances(api, cluster.clusterArn!));
  const { containerInstances, services } = await readWorkloads(api, cluster.clusterArn!, groups, described, options);
  const instances = await groupInstances(api, groups, containerInstances);
  if (options.describeUnmanagedInstances) {
    // Instances outside every group are replaced only on what EC2 says of them (tags, state, image).
    const members = new Set(groups.flatMap((g) => g.instances.map((i) => i.instanceId)));
    const loose = containerInstances.map((c) => c.ec2InstanceId).filter((id) => id !== '' && !members.has(id));
    Object.assign(instances, await describeInstances(api, loose));
  }

  // Images: what the groups run, to know their family; then the targets their parameters name.
  const running = [
    ...groups.map((g) => g.currentImageId).filter(isDefined),
    ...groups.flatMap(overrideImageIds),
    ...Object.values(instances).map((i) => i.imageId),
  ];
  const images: Record<string, ImageInfo> = await imagesOf(api, running, options.now, cache, new Set());

  // The parameters of the families the groups turn out to be (or the groups' own parameters).
  const targetOf = (g: ObservedGroup) => groupTarget(g, instances, images, options);
  const targetParameterNames = groups.map((g) => {
    const target = targetOf(g);
    return target.ok ? target.parameterName : undefined;
  }).filter(isDefined);
  Object.assign(parameters, await readParameters(api, targetParameterNames.filter((n) => !(n in parameters))));

  const activity = await groupActivity(api, groups, instances, parameters, targetOf, options.force ?? false);
  for (let i = 0; i < groups.length; i++) {
    const extra = activity.get(groups[i].name);
    if (extra) groups[i] = { ...groups[i], instanceRefresh: extra.instanceRefresh, stack: extra.stack };
  }

  // A target is read afresh when a group may act on it this round (its state decides whether it may);
  // one that every instance already runs is taken from the cache.
  const targets = new Set(Object.values(parameters).map((r) => imageIdFromValue(r.value)).filter(isDefined));
  const fresh = new Set([...activity.values()].map((a) => a.targetImageId).filter(isDefined));
  Object.assign(images, await imagesOf(api, [...targets].filter((id) => fresh.has(id) || !(id in images)), options.now, cache, fresh));

  // The copies this engine made, so those no group uses any more are deleted; read only while a group uses
  // a launch configuration (an idle launch-template cluster pays nothing).
  const launchConfigurations = groups.some((g) => g.launchSource.kind === 'launch-configuration')
    ? await engineLaunchConfigurations(api, cluster.clusterName!)
    : undefined;

  return observation(cluster, options.now, groups, groupFailures, {
    containerInstances,
    instances,
    images,
    parameters,
    ...(launchConfigurations ? { launchConfigurations } : {}),
    ...(services ? { services } : {}),
  });
}

/** The observation of `cluster` at `now`: what every observation carries, and what it read. */
function observation(
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

/** ECS's answers to a request it will never accept as sent (API reference, ListContainerInstances, Errors). */
const QUERY_REFUSED = new Set(['InvalidParameterException', 'ClientException', 'AccessDeniedException']);

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
async function idleObservation(
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
  const settled = groupFailures.length === 0 && cluster.registeredContainerInstancesCount === members
    && groups.every((g) => g.launchSource.kind === 'launch-template' && g.currentImageId !== undefined
      && GROUP_RECORD_TAGS.every((key) => g.tags[key] === undefined) && g.instances.every((i) => i.lifecycleState === 'InService'));
  if (!settled) return undefined;

  const images = await imagesOf(api, groups.flatMap((g) => [g.currentImageId!, ...overrideImageIds(g)]), options.now, cache, new Set());
  const parameterNames: string[] = [];
  for (const group of groups) {
    const target = groupTarget(group, {}, images, options);
    if (!target.ok) return undefined;
    parameterNames.push(target.parameterName);
  }
  Object.assign(parameters, await readParameters(api, parameterNames.filter((n) => !(n in parameters))));

  const targetByArchitecture = new Map<string, string>();
  const instances: Record<string, ObservedInstance> = {};
  for (const [i, group] of groups.entries()) {
    const target = imageIdFromValue(parameters[parameterNames[i]]?.value);
    const architecture = target === undefined ? undefined : images[target]?.architecture;
    if (target === undefined || architecture === undefined || group.currentImageId !== target
      || overrideImageIds(group).some((id) => id !== target) || (targetByArchitecture.get(architecture) ?? target) !== target) return undefined;
    targetByArchitecture.set(architecture, target);
    for (const member of group.instances) instances[member.instanceId] = { instanceId: member.instanceId, imageId: target, state: 'running', tags: {} };
  }

  const targets = [...new Set(targetByArchitecture.values())];
  try {
    if (!(await noContainerInstances(api, cluster.clusterArn!, { filter: strayFilter(targets) }))) return undefined;
    if (!(await noContainerInstances(api, cluster.clusterArn!, { status: 'DRAINING' }))) return undefined;
  } catch (error) {
    // A saving, never a reason to fail: read everything now, and from now on in this process if ECS refused
    // the query itself (anything else, a throttle or an outage, may pass).
    if (QUERY_REFUSED.has((error as { name?: string }).name ?? '')) options.fullReads!.refused = describeError(error);
    return undefined;
  }
  return observation(cluster, options.now, groups, groupFailures, {
    containerInstances: [],
    instances,
    images,
    parameters,
    idle: { registeredContainerInstances: members },
  });
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

function clusterTagsOf(cluster: Cluster): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const tag of cluster.tags ?? []) if (tag.key) tags[tag.key] = tag.value ?? '';
  return tags;
}

/** The parameter a group follows, from its family (told by its reference image, its tag or its override). */
function groupTarget(
  group: ObservedGroup,
  instances: Readonly<Record<string, ObservedInstance>>,
  images: Readonly<Record<string, ImageInfo>>,
  options: Pick<ObserveOptions, 'groupOverrides' | 'amiParameters'>,
): ReturnType<typeof resolveGroupTarget> {
  const reference = groupReferenceImage(group, instances, images);
  return resolveGroupTarget(reference, group.tags[TagKey.AMI_FAMILY], options.groupOverrides?.[group.name], options.amiParameters);
}

/** The names of every launch configuration in the region that this engine created for the cluster. */
async function engineLaunchConfigurations(api: AwsApi, clusterName: string): Promise<string[]> {
  const pages = await allPages((NextToken) => api.autoScaling.describeLaunchConfigurations({
    MaxRecords: BatchLimit.DESCRIBE_LAUNCH_CONFIGURATIONS_PAGE, NextToken,
  }), (p) => p.NextToken);
  return pages.flatMap((p) => p.LaunchConfigurations ?? [])
    .map((lc) => lc.LaunchConfigurationName ?? '')
    .filter((name) => isEngineLaunchConfiguration(clusterName, name));
}

/** The serving marked instances of a group in the order the planner drains them, at most its budget (all without one). */
function nextToDrain(
  group: ObservedGroup,
  byInstance: ReadonlyMap<string, ObservedContainerInstance>,
  batch: Batch,
  maxUnavailable: MaxUnavailableSetting | undefined,
): ObservedContainerInstance[] {
  const serving = group.instances.map((i) => byInstance.get(i.instanceId))
    .filter((c): c is ObservedContainerInstance => c !== undefined && c.status === 'ACTIVE' && decodePhase(c.phase) !== undefined);
  const decided = serving.filter((c) => decodePhase(c.phase)!.kind === 'draining');
  const markedAt = (c: ObservedContainerInstance) => decodePhase(c.phase)!.since ?? batch.startedAt;
  const replacing = serving.filter((c) => decodePhase(c.phase)!.kind === 'replacing').sort((a, b) => markedAt(a) - markedAt(b));
  const ordered = [...decided, ...replacing];
  return maxUnavailable ? ordered.slice(0, budgetFor(maxUnavailable, batch.base)) : ordered;
}

/**
 * The container instances whose tasks a rotation policy needs this round (see WorkloadOptions): for each
 * group with a rotation recorded, the serving instances marked for replacement (about to drain), the
 * replacements registered since the earliest of those was marked (daemon tasks must run there), its
 * canaries once their soak is over (instances registered since the batch started), and its drained
 * instances still running tasks after the grace period. Their tasks are listed per instance and described
 * 100 at a time, then the services those tasks belong to 10 at a time (DescribeServices' limit).
 */
export async function readWorkloads(
  api: AwsApi,
  clusterArn: string,
  groups: readonly ObservedGroup[],
  containers: ObservedContainerInstance[],
  options: Pick<ObserveOptions, 'now' | 'workload'>,
): Promise<{ containerInstances: ObservedContainerInstance[]; services?: Record<string, ObservedService> }> {
  const wanted = options.workload;
  if (!wanted || (!wanted.steadyServices && !wanted.canary && wanted.standaloneGraceMs === undefined)) return { containerInstances: containers };
  const byInstance = new Map(containers.map((c) => [c.ec2InstanceId, c]));
  const selected = new Set<string>();
  for (const group of groups) {
    const batch = decodeBatch(group.tags[BATCH_TAG]);
    if (!batch) continue;
    const soaked = wanted.canary === true && batch.canary?.soakUntil !== undefined && batch.canary.soakUntil <= options.now;
    // The next to drain, as the planner picks them: those already decided first, then the longest marked, at
    // most the group's budget; and the replacements registered since the earliest of them was marked.
    const next = nextToDrain(group, byInstance, batch, wanted.maxUnavailable);
    const markedSince = Math.min(...next.map((c) => decodePhase(c.phase)?.since ?? batch.startedAt));
    for (const member of group.instances) {
      const c = byInstance.get(member.instanceId);
      if (!c) continue;
      const phase = decodePhase(c.phase);
      const aboutToDrain = wanted.steadyServices === true && next.includes(c);
      const registered = Date.parse(c.registeredAt ?? '');
      const replacement = wanted.steadyServices === true && phase === undefined && c.status === 'ACTIVE' && registered >= markedSince;
      const canary = soaked && phase === undefined && registered >= batch.startedAt;
      const leftOver = wanted.standaloneGraceMs !== undefined && phase?.kind === 'draining' && c.status === 'DRAINING'
        && c.runningTasksCount + c.pendingTasksCount > 0 && options.now - phase.since >= wanted.standaloneGraceMs;
      if (aboutToDrain || replacement || canary || leftOver) selected.add(c.containerInstanceArn);
    }
  }
  if (selected.size === 0) return { containerInstances: containers };

  const tasks = await tasksOf(api, clusterArn, [...selected]);

  const services: Record<string, ObservedService> = {};
  // Stopping standalone tasks needs only the tasks (a task's service field tells it apart); the services are
  // described for the policies that judge them, and the role may describe services only with those.
  const judged = wanted.steadyServices === true || wanted.canary === true;
  const names = judged ? [...new Set([...tasks.values()].flat().map((t) => t.service).filter(isDefined))].sort() : [];
  for (const batch of chunk(names, BatchLimit.DESCRIBE_SERVICES)) {
    const response = await api.ecs.describeServices({ cluster: clusterArn, services: batch });
    for (const svc of response.services ?? []) {
      if (!svc.serviceName) continue;
      services[svc.serviceName] = {
        name: svc.serviceName,
        daemon: svc.schedulingStrategy === 'DAEMON',
        desiredCount: svc.desiredCount ?? 0,
        runningCount: svc.runningCount ?? 0,
        deployments: svc.deployments?.length ?? 0,
      };
    }
  }
  return {
    containerInstances: containers.map((c) => (tasks.has(c.containerInstanceArn) ? { ...c, tasks: tasks.get(c.containerInstanceArn)! } : c)),
    services,
  };
}

/**
 * The tasks whose desired status is RUNNING on each container instance: listed per instance, described 100
 * at a time. A service's tasks carry the group `service:<name>` (DescribeTasks, Task.group); any other
 * task is standalone.
 */
async function tasksOf(api: AwsApi, clusterArn: string, containerInstanceArns: readonly string[]): Promise<Map<string, ObservedTask[]>> {
  const arnsByInstance = new Map<string, string[]>();
  for (const arn of containerInstanceArns) {
    const pages = await allPages((nextToken) => api.ecs.listTasks({
      cluster: clusterArn, containerInstance: arn, desiredStatus: 'RUNNING', maxResults: BatchLimit.DESCRIBE_TASKS, nextToken,
    }), (p) => p.nextToken);
    arnsByInstance.set(arn, pages.flatMap((p) => p.taskArns ?? []));
  }
  const tasks = new Map<string, ObservedTask[]>(containerInstanceArns.map((arn) => [arn, []]));
  for (const batch of chunk([...arnsByInstance.values()].flat(), BatchLimit.DESCRIBE_TASKS)) {
    const response = await api.ecs.describeTasks({ cluster: clusterArn, tasks: batch });
    for (const t of response.tasks ?? []) {
      if (!t.taskArn || !t.containerInstanceArn || t.desiredStatus === 'STOPPED') continue;
      const service = t.group?.startsWith('service:') ? t.group.slice('service:'.length) : undefined;
      tasks.get(t.containerInstanceArn)?.push({ taskArn: t.taskArn, lastStatus: t.lastStatus ?? 'UNKNOWN', ...(service ? { service } : {}) });
    }
  }
  return tasks;
}

/**
 * For `skipInstancesWithStandaloneTasks`: the tasks of each group's next candidates for marking, read in the
 * order they would be marked, `room` at a time, until `room` of them run no standalone task or none is left.
 * So a round reads about as many instances as it may mark, plus those it passes over. Instances whose tasks
 * were read already (by a policy above) are not read again.
 */
export async function readMarkCandidates(
  api: AwsApi,
  observed: ObservedCluster,
  wanted: ReadonlyArray<{ readonly candidates: readonly ObservedContainerInstance[]; readonly room: number }>,
): Promise<ObservedCluster> {
  const read = new Map<string, ObservedTask[]>();
  for (const { candidates, room } of wanted) {
    let free = 0;
    for (let i = 0; i < candidates.length && free < room; i += room) {
      const slice = candidates.slice(i, i + room);
      const unread = slice.filter((c) => c.tasks === undefined && !read.has(c.containerInstanceArn)).map((c) => c.containerInstanceArn);
      for (const [arn, tasks] of await tasksOf(api, observed.clusterArn, unread)) read.set(arn, tasks);
      free += slice.filter((c) => !(c.tasks ?? read.get(c.containerInstanceArn) ?? []).some((t) => t.service === undefined)).length;
    }
  }
  if (read.size === 0) return observed;
  return {
    ...observed,
    containerInstances: observed.containerInstances
      .map((c) => (read.has(c.containerInstanceArn) ? { ...c, tasks: read.get(c.containerInstanceArn)! } : c)),
  };
}

/**
 * The EC2 facts the planner needs of each group member: its image and when it was launched. A registered
 * instance's agent reports its image (`ecs.ami-id`) and ECS its registration time, so only members not (yet)
 * registered, or whose agent did not report the image, cost a DescribeInstances; a member registered after
 * a forced run's time is described too, as it may have been launched before it.
 */
async function groupInstances(
  api: AwsApi,
  groups: readonly ObservedGroup[],
  containerInstances: readonly ObservedContainerInstance[],
): Promise<Record<string, ObservedInstance>> {
  const byInstance = new Map(containerInstances.map((c) => [c.ec2InstanceId, c]));
  const result: Record<string, ObservedInstance> = {};
  const toDescribe: string[] = [];
  for (const group of groups) {
    const replaceBefore = decodeEpoch(group.tags[REPLACE_BEFORE_TAG]);
    for (const member of group.instances) {
      const container = byInstance.get(member.instanceId);
      const registered = Date.parse(container?.registeredAt ?? '');
      if (container?.amiIdAttribute && !Number.isNaN(registered) && (replaceBefore === undefined || registered < replaceBefore)) {
        result[member.instanceId] = {
          instanceId: member.instanceId,
          imageId: container.amiIdAttribute,
          state: 'running',
          // Launched before it registered: for "launched before a forced run's time" that is enough.
          launchTime: container.registeredAt,
          tags: {},
        };
      } else {
        toDescribe.push(member.instanceId);
      }
    }
  }
  return { ...result, ...(await describeInstances(api, toDescribe)) };
}

async function describeCluster(api: AwsApi, clusterName: string) {
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

/** Group name -> capacity provider name, for the cluster's ACTIVE Auto Scaling group providers. */
async function capacityProviderGroups(
  api: AwsApi,
  providerNames: readonly string[],
  known: Readonly<Record<string, string>>,
): Promise<Map<string, string>> {
  const groups = new Map<string, string>();
  // A provider associated with the cluster is ACTIVE (ECS refuses to delete one in use), and its group is
  // fixed at creation: one the construct named needs no call.
  for (const name of providerNames) if (known[name]) groups.set(known[name], name);
  // Fargate providers are associated by name but are not Auto Scaling group providers.
  const names = providerNames.filter((n) => n !== 'FARGATE' && n !== 'FARGATE_SPOT' && !known[n]);
  for (const batch of chunk(names, BatchLimit.DESCRIBE_CAPACITY_PROVIDERS)) {
    const pages = await allPages((nextToken) => api.ecs.describeCapacityProviders({ capacityProviders: batch, nextToken }), (p) => p.nextToken);
    for (const provider of pages.flatMap((p) => p.capacityProviders ?? [])) {
      const arn = provider.autoScalingGroupProvider?.autoScalingGroupArn;
      if (provider.status !== 'ACTIVE' || !arn) continue;
      groups.set(groupNameFromArnOrName(arn), provider.name!);
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

async function describeGroups(api: AwsApi, names: readonly string[]): Promise<Map<string, AutoScalingGroup>> {
  const found = new Map<string, AutoScalingGroup>();
  for (const batch of chunk(names, BatchLimit.DESCRIBE_AUTO_SCALING_GROUPS)) {
    const pages = await allPages(
      (NextToken) => api.autoScaling.describeAutoScalingGroups({ AutoScalingGroupNames: batch, NextToken }), (p) => p.NextToken);
    for (const group of pages.flatMap((p) => p.AutoScalingGroups ?? [])) found.set(group.AutoScalingGroupName!, group);
  }
  return found;
}

interface SourceReading {
  readonly launchSource: LaunchSource;
  readonly literalImageId?: string;
  readonly aliasParameter?: string;
}

/**
 * Reads each distinct launch template version and launch configuration once. A group `remembered` from an
 * idle full read, still naming the same template and version, is recalled instead of read when that version
 * cannot have changed: a numbered version never does, and a `$Default` is confirmed, for all such groups at
 * once, to be the same version (see `unchangedDefaults`). `recalled` counts those groups.
 */
async function launchSources(
  api: AwsApi,
  asgs: readonly AutoScalingGroup[],
  failures: GroupObserveFailure[],
  remembered?: ReadonlyMap<string, TemplateSource>,
): Promise<{ sources: Map<string, SourceReading>; recalled: number }> {
  const result = new Map<string, SourceReading>();
  const templateReads = new Map<string, Promise<TemplateReading>>();
  const configurationNames = new Set<string>();

  const recalled = new Map<string, TemplateSource>();
  const defaults = new Map<string, TemplateSource>();
  for (const asg of asgs) {
    const source = remembered?.get(asg.AutoScalingGroupName!);
    if (!source || !namesSameTemplate(asg, source)) continue;
    if (/^\d+$/.test(source.version)) recalled.set(asg.AutoScalingGroupName!, source);
    else if (source.version === '$Default') defaults.set(asg.AutoScalingGroupName!, source);
  }
  const confirmed = await unchangedDefaults(api, [...defaults.values()]);
  for (const [name, source] of defaults) if (confirmed.has(source)) recalled.set(name, source);

  const readOnce = (id: string | undefined, name: string | undefined, version: string) => {
    const key = `${id ?? name}@${version}`;
    if (!templateReads.has(key)) templateReads.set(key, readTemplateVersion(api, id, name, version));
    return templateReads.get(key)!;
  };
  for (const asg of asgs) {
    if (recalled.has(asg.AutoScalingGroupName!)) continue;
    const spec = asg.MixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification ?? asg.LaunchTemplate;
    if (spec && (spec.LaunchTemplateId || spec.LaunchTemplateName)) {
      // Started now, awaited below (a reading never rejects: its failure is a value).
      void readOnce(spec.LaunchTemplateId, spec.LaunchTemplateName, spec.Version ?? '$Default');
      for (const o of asg.MixedInstancesPolicy?.LaunchTemplate?.Overrides ?? []) {
        const t = o.LaunchTemplateSpecification;
        if (t && (t.LaunchTemplateId || t.LaunchTemplateName)) void readOnce(t.LaunchTemplateId, t.LaunchTemplateName, t.Version ?? '$Default');
      }
    } else if (asg.LaunchConfigurationName) {
      configurationNames.add(asg.LaunchConfigurationName);
    }
  }

  const configurations = new Map<string, LaunchConfiguration>();
  for (const batch of chunk([...configurationNames], BatchLimit.DESCRIBE_LAUNCH_CONFIGURATIONS)) {
    const pages = await allPages(
      (NextToken) => api.autoScaling.describeLaunchConfigurations({ LaunchConfigurationNames: batch, NextToken }), (p) => p.NextToken);
    for (const lc of pages.flatMap((p) => p.LaunchConfigurations ?? [])) configurations.set(lc.LaunchConfigurationName!, lc);
  }

  for (const asg of asgs) {
    const name = asg.AutoScalingGroupName!;
    const mixed = asg.MixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification;
    const spec = mixed ?? asg.LaunchTemplate;
    const recall = recalled.get(name);
    if (recall) {
      result.set(name, { launchSource: recall, literalImageId: recall.imageIdExpression });
    } else if (spec && (spec.LaunchTemplateId || spec.LaunchTemplateName)) {
      const version = spec.Version ?? '$Default';
      const reading = await templateReads.get(`${spec.LaunchTemplateId ?? spec.LaunchTemplateName}@${version}`)!;
      if (!reading.ok) {
        failures.push({ name, reason: reading.reason });
        continue;
      }
      const aliasParameter = ssmAliasParameter(reading.imageIdExpression);
      // Overrides that name a template of their own: each read like the group's, kept with the override's
      // other fields so the policy can be written back whole.
      const overrides: MixedOverride[] = [];
      let overrideFailure: string | undefined;
      for (const o of asg.MixedInstancesPolicy?.LaunchTemplate?.Overrides ?? []) {
        const { LaunchTemplateSpecification: t, ...fields } = o;
        if (!t || !(t.LaunchTemplateId || t.LaunchTemplateName)) {
          overrides.push({ fields });
          continue;
        }
        const overrideVersion = t.Version ?? '$Default';
        const r = await readOnce(t.LaunchTemplateId, t.LaunchTemplateName, overrideVersion);
        if (!r.ok) {
          overrideFailure ??= `an override of the mixed instances policy of group ${name}: ${r.reason}`;
          continue;
        }
        overrides.push({
          fields,
          template: {
            launchTemplateId: r.launchTemplateId,
            launchTemplateName: r.launchTemplateName,
            version: overrideVersion,
            resolvedVersion: r.versionNumber,
            imageIdExpression: r.imageIdExpression,
            latestVersion: r.latest,
          },
        });
      }
      if (overrideFailure) {
        failures.push({ name, reason: overrideFailure });
        continue;
      }
      result.set(name, {
        launchSource: {
          kind: 'launch-template',
          launchTemplateId: reading.launchTemplateId,
          launchTemplateName: reading.launchTemplateName,
          version,
          resolvedVersion: reading.versionNumber,
          mixedInstancesPolicy: mixed !== undefined,
          ...(overrides.some((o) => o.template) ? { overrides } : {}),
          imageIdExpression: reading.imageIdExpression,
          latestVersion: reading.latest,
        },
        literalImageId: aliasParameter ? undefined : reading.imageIdExpression,
        aliasParameter,
      });
    } else if (asg.LaunchConfigurationName) {
      const lc = configurations.get(asg.LaunchConfigurationName);
      if (!lc) {
        failures.push({ name, reason: `launch configuration ${asg.LaunchConfigurationName} of group ${name} was not found` });
        continue;
      }
      result.set(name, {
        launchSource: { kind: 'launch-configuration', launchConfigurationName: asg.LaunchConfigurationName },
        literalImageId: lc.ImageId,
      });
    } else {
      result.set(name, { launchSource: { kind: 'none' } });
    }
  }
  return { sources: result, recalled: recalled.size };
}

/** The group still names the template and version it named when `source` was read, and no override names one. */
function namesSameTemplate(asg: AutoScalingGroup, source: TemplateSource): boolean {
  const mixed = asg.MixedInstancesPolicy?.LaunchTemplate;
  const spec = mixed?.LaunchTemplateSpecification ?? asg.LaunchTemplate;
  if (!spec || (mixed !== undefined) !== source.mixedInstancesPolicy || (spec.Version ?? '$Default') !== source.version) return false;
  const overrideTemplates = (mixed?.Overrides ?? []).filter((o) => o.LaunchTemplateSpecification?.LaunchTemplateId
    || o.LaunchTemplateSpecification?.LaunchTemplateName);
  if (overrideTemplates.length > 0) return false;
  return spec.LaunchTemplateId ? spec.LaunchTemplateId === source.launchTemplateId
    : spec.LaunchTemplateName !== undefined && spec.LaunchTemplateName === source.launchTemplateName;
}

/**
 * Those of `sources` (all on `$Default`) whose template's default version is still the version they were read
 * at, with the same image: one DescribeLaunchTemplateVersions for all of them, of every template in the account
 * whose default version launches one of their images (without a template, the API describes the `$Default`
 * version of each; the `image-id` filter keeps the answer to the templates that matter). A version's content
 * never changes, so the reading is still exact. Any error: none is confirmed, and each is read as usual.
 */
async function unchangedDefaults(api: AwsApi, sources: readonly TemplateSource[]): Promise<Set<TemplateSource>> {
  if (sources.length === 0) return new Set();
  try {
    const pages = await allPages((NextToken) => api.ec2.describeLaunchTemplateVersions({
      Versions: ['$Default'],
      Filters: [{ Name: 'image-id', Values: [...new Set(sources.map((s) => s.imageIdExpression!))] }],
      MaxResults: BatchLimit.DESCRIBE_LAUNCH_TEMPLATE_VERSIONS_PAGE,
      NextToken,
    }), (p) => p.NextToken);
    const defaults = new Map(pages.flatMap((p) => p.LaunchTemplateVersions ?? []).filter((v) => v.DefaultVersion)
      .map((v) => [v.LaunchTemplateId, v]));
    return new Set(sources.filter((s) => {
      const now = defaults.get(s.launchTemplateId);
      return now !== undefined && now.VersionNumber === s.resolvedVersion && now.LaunchTemplateData?.ImageId === s.imageIdExpression;
    }));
  } catch {
    return new Set();
  }
}

type TemplateReading =
  | {
    readonly ok: true;
    readonly launchTemplateId: string;
    readonly launchTemplateName?: string;
    readonly versionNumber?: number;
    readonly imageIdExpression?: string;
    readonly latest?: TemplateVersion;
  }
  | { readonly ok: false; readonly reason: string };

async function readTemplateVersion(api: AwsApi, id: string | undefined, name: string | undefined, version: string): Promise<TemplateReading> {
  try {
    // ResolveAlias stays false: a `resolve:ssm:` image id must be seen as such (its value is read from SSM).
    // `$Latest` too, in the same call: a version this engine created but did not yet put to use is found
    // there, and reused rather than created again.
    const response = await api.ec2.describeLaunchTemplateVersions({
      LaunchTemplateId: id,
      LaunchTemplateName: id ? undefined : name,
      Versions: version === '$Latest' ? [version] : [version, '$Latest'],
    });
    const versions = response.LaunchTemplateVersions ?? [];
    const v = version === '$Default' ? versions.find((x) => x.DefaultVersion) ?? versions[0]
      : version === '$Latest' ? maxBy(versions)
        : versions.find((x) => String(x.VersionNumber) === version);
    if (!v) return { ok: false, reason: `launch template ${id ?? name} has no version ${version}` };
    const latest = maxBy(versions);
    return {
      ok: true,
      launchTemplateId: v.LaunchTemplateId ?? id!,
      launchTemplateName: v.LaunchTemplateName ?? name,
      versionNumber: v.VersionNumber,
      imageIdExpression: v.LaunchTemplateData?.ImageId,
      latest: latest?.VersionNumber === undefined ? undefined : {
        number: latest.VersionNumber,
        imageIdExpression: latest.LaunchTemplateData?.ImageId,
        createdByEngine: (latest.VersionDescription ?? '').startsWith(VERSION_DESCRIPTION_PREFIX),
      },
    };
  } catch (error) {
    return { ok: false, reason: `launch template ${id ?? name} version ${version} could not be read: ${describeError(error)}` };
  }
}

/**
 * For the groups the engine may act on this round — a rotation recorded on them, or an instance or launch
 * source not on the target image — whether something else is changing them: an instance refresh, or an
 * update of the CloudFormation stack that manages them. Idle groups cost no call.
 */
async function groupActivity(
  api: AwsApi,
  groups: readonly ObservedGroup[],
  instances: Readonly<Record<string, ObservedInstance>>,
  parameters: Readonly<Record<string, ParameterReading>>,
  targetOf: (group: ObservedGroup) => ReturnType<typeof resolveGroupTarget>,
  force: boolean,
): Promise<Map<string, Pick<ObservedGroup, 'instanceRefresh' | 'stack'> & { readonly targetImageId?: string }>> {
  const result = new Map<string, Pick<ObservedGroup, 'instanceRefresh' | 'stack'> & { readonly targetImageId?: string }>();
  const stackStatus = new Map<string, Promise<string | undefined>>();
  for (const group of groups) {
    const resolved = targetOf(group);
    const target = resolved.ok ? imageIdFromValue(parameters[resolved.parameterName]?.value) : undefined;
    const recorded = group.tags[BATCH_TAG] !== undefined || group.tags[REPLACE_BEFORE_TAG] !== undefined;
    const behind = target !== undefined && (group.currentImageId !== target || overrideImageIds(group).some((id) => id !== target)
      || group.instances.some((i) => instances[i.instanceId] !== undefined && instances[i.instanceId].imageId !== target));
    if (!recorded && !behind && !force) continue;

    let newest: { InstanceRefreshId?: string; Status?: string } | undefined;
    try {
      const refreshes = await api.autoScaling.describeInstanceRefreshes({ AutoScalingGroupName: group.name, MaxRecords: 1 });
      newest = refreshes.InstanceRefreshes?.[0];
    } catch (error) {
      // Not knowing whether something else replaces the group's instances is a reason to wait, for this group only.
      newest = { InstanceRefreshId: 'unknown', Status: `Unreadable (${describeError(error)})` };
    }
    const stackName = group.tags['aws:cloudformation:stack-id'] ?? group.tags['aws:cloudformation:stack-name'];
    if (stackName && !stackStatus.has(stackName)) stackStatus.set(stackName, readStackStatus(api, stackName));
    result.set(group.name, {
      targetImageId: target,
      instanceRefresh: newest?.InstanceRefreshId ? { id: newest.InstanceRefreshId, status: newest.Status ?? 'Unknown' } : undefined,
      stack: stackName ? { name: group.tags['aws:cloudformation:stack-name'] ?? stackName, status: await stackStatus.get(stackName) } : undefined,
    });
  }
  return result;
}

/** A stack deleted since (its tags stay on the group) or not readable is reported without a status. */
async function readStackStatus(api: AwsApi, stack: string): Promise<string | undefined> {
  try {
    const response = await api.cloudFormation.describeStacks({ StackName: stack });
    return response.Stacks?.[0]?.StackStatus;
  } catch {
    return undefined;
  }
}

function maxBy(versions: readonly LaunchTemplateVersion[]): LaunchTemplateVersion | undefined {
  return versions.reduce<LaunchTemplateVersion | undefined>(
    (best, v) => (best === undefined || (v.VersionNumber ?? 0) > (best.VersionNumber ?? 0) ? v : best), undefined);
}

function toGroup(
  asg: AutoScalingGroup,
  launchSource: LaunchSource,
  currentImageId: string | undefined,
  capacityProviderName: string | undefined,
  given: boolean,
): ObservedGroup {
  const tags: Record<string, string> = {};
  for (const tag of asg.Tags ?? []) if (tag.Key) tags[tag.Key] = tag.Value ?? '';
  const instances: GroupInstance[] = (asg.Instances ?? []).map((i) => ({
    instanceId: i.InstanceId!,
    lifecycleState: i.LifecycleState ?? 'Unknown',
    healthStatus: i.HealthStatus ?? 'Unknown',
    protectedFromScaleIn: i.ProtectedFromScaleIn ?? false,
  }));
  return {
    name: asg.AutoScalingGroupName!,
    arn: asg.AutoScalingGroupARN,
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
  };
}

/** Reads parameters ten at a time. Names SSM reports invalid are kept, valueless, so the planner can say so. */
async function readParameters(api: AwsApi, names: readonly string[]): Promise<Record<string, ParameterReading>> {
  const readings: Record<string, ParameterReading> = {};
  for (const batch of chunk([...new Set(names)], BatchLimit.SSM_GET_PARAMETERS)) {
    let response;
    try {
      response = await api.ssm.getParameters({ Names: batch });
    } catch (error) {
      // One unreadable name (IAM allows only the map's parameters) fails the whole call: read them one by
      // one, so only the groups that name the unreadable one are refused.
      if (batch.length === 1) {
        readings[batch[0]] = { name: batch[0], error: describeError(error) };
        continue;
      }
      Object.assign(readings, ...(await Promise.all(batch.map((name) => readParameters(api, [name])))));
      continue;
    }
    for (const p of response.Parameters ?? []) {
      // SSM answers with the name as asked for plain names, and with the ARN's name for ARNs.
      const asked = batch.find((n) => n === p.Name || n === p.ARN || n === p.Selector || stripSelector(n) === p.Name) ?? p.Name!;
      readings[asked] = { name: asked, value: p.Value };
    }
    for (const invalid of response.InvalidParameters ?? []) readings[invalid] = { name: invalid };
  }
  return readings;
}

function stripSelector(name: string): string {
  // `name:3` or `name:label` selects a version; the response's Name has no selector.
  const at = name.lastIndexOf(':');
  return at > 0 && !name.startsWith('arn:') ? name.slice(0, at) : name;
}

/** An image id from a parameter value: plain, or the `image_id` of a JSON document. */
export function imageIdFromValue(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (trimmed.startsWith('ami-')) return trimmed;
  try {
    const doc = JSON.parse(trimmed) as { image_id?: unknown };
    return typeof doc.image_id === 'string' ? doc.image_id : undefined;
  } catch {
    return undefined;
  }
}

async function describeContainerInstances(api: AwsApi, clusterArn: string): Promise<ObservedContainerInstance[]> {
  const pages = await allPages(
    (nextToken) => api.ecs.listContainerInstances({ cluster: clusterArn, maxResults: BatchLimit.LIST_CONTAINER_INSTANCES_PAGE, nextToken }),
    (p) => p.nextToken);
  const arns = pages.flatMap((p) => p.containerInstanceArns ?? []);

  const result: ObservedContainerInstance[] = [];
  for (const batch of chunk(arns, BatchLimit.DESCRIBE_CONTAINER_INSTANCES)) {
    const response = await api.ecs.describeContainerInstances({ cluster: clusterArn, containerInstances: batch });
    for (const ci of response.containerInstances ?? []) result.push(toContainerInstance(ci));
  }
  return result;
}

function toContainerInstance(ci: ContainerInstance): ObservedContainerInstance {
  return {
    containerInstanceArn: ci.containerInstanceArn!,
    ec2InstanceId: ci.ec2InstanceId ?? '',
    status: ci.status ?? 'UNKNOWN',
    agentConnected: ci.agentConnected ?? false,
    runningTasksCount: ci.runningTasksCount ?? 0,
    pendingTasksCount: ci.pendingTasksCount ?? 0,
    amiIdAttribute: ci.attributes?.find((a) => a.name === 'ecs.ami-id')?.value,
    phase: ci.attributes?.find((a) => a.name === PHASE_ATTRIBUTE)?.value,
    cordoned: ci.attributes?.find((a) => a.name === CORDON_ATTRIBUTE)?.value,
    registeredAt: ci.registeredAt?.toISOString(),
  };
}

/**
 * For each drained instance the engine may terminate (marked draining, DRAINING, ECS counting no running or
 * pending task), the tasks on it that are not STOPPED yet. ECS's `runningTasksCount` counts only tasks in the
 * RUNNING status (API reference, ContainerInstance), so a task still deregistering from its load balancer
 * or stopping its containers would otherwise be cut short.
 */
async function withLiveTasks(api: AwsApi, clusterArn: string, containers: ObservedContainerInstance[]): Promise<ObservedContainerInstance[]> {
  const result: ObservedContainerInstance[] = [];
  for (const c of containers) {
    const candidate = c.status === 'DRAINING' && decodePhase(c.phase)?.kind === 'draining' && c.runningTasksCount + c.pendingTasksCount === 0;
    if (!candidate) {
      result.push(c);
      continue;
    }
    const arns: string[] = [];
    for (const desiredStatus of ['RUNNING', 'STOPPED'] as const) {
      const pages = await allPages((nextToken) => api.ecs.listTasks({
        cluster: clusterArn, containerInstance: c.containerInstanceArn, desiredStatus, maxResults: BatchLimit.DESCRIBE_TASKS, nextToken,
      }), (p) => p.nextToken);
      arns.push(...pages.flatMap((p) => p.taskArns ?? []));
    }
    let live = 0;
    for (const batch of chunk(arns, BatchLimit.DESCRIBE_TASKS)) {
      const response = await api.ecs.describeTasks({ cluster: clusterArn, tasks: batch });
      live += (response.tasks ?? []).filter((t) => t.lastStatus !== 'STOPPED').length;
    }
    result.push({ ...c, liveTasks: live });
  }
  return result;
}

/**
 * Instances by id. A filter, not `InstanceIds`: an id that no longer exists then drops out instead of
 * failing the whole call with InvalidInstanceID.NotFound.
 */
async function describeInstances(api: AwsApi, ids: readonly string[]): Promise<Record<string, ObservedInstance>> {
  const result: Record<string, ObservedInstance> = {};
  for (const batch of chunk(ids, BatchLimit.EC2_FILTER_VALUES)) {
    const filters: Filter[] = [{ Name: 'instance-id', Values: batch }];
    const pages = await allPages((NextToken) => api.ec2.describeInstances({ Filters: filters, NextToken }), (p) => p.NextToken);
    for (const instance of pages.flatMap((p) => p.Reservations ?? []).flatMap((r) => r.Instances ?? [])) {
      const observed = toInstance(instance);
      if (observed) result[observed.instanceId] = observed;
    }
  }
  return result;
}

function toInstance(instance: Instance): ObservedInstance | undefined {
  if (!instance.InstanceId || !instance.ImageId) return undefined;
  const tags: Record<string, string> = {};
  for (const tag of instance.Tags ?? []) if (tag.Key) tags[tag.Key] = tag.Value ?? '';
  return {
    instanceId: instance.InstanceId,
    imageId: instance.ImageId,
    state: instance.State?.Name ?? 'unknown',
    launchTime: instance.LaunchTime?.toISOString(),
    tags,
  };
}

/** Images by id: from the cache unless asked `fresh`, else described (and cached). */
async function imagesOf(
  api: AwsApi,
  ids: Iterable<string>,
  now: number,
  cache: ImageCache,
  fresh: ReadonlySet<string>,
): Promise<Record<string, ImageInfo>> {
  const result: Record<string, ImageInfo> = {};
  const missing: string[] = [];
  for (const id of new Set(ids)) {
    const cached = fresh.has(id) ? undefined : cache.get(id, now);
    if (cached) result[id] = cached;
    else missing.push(id);
  }
  const described = await describeImages(api, missing);
  for (const info of Object.values(described)) cache.put(info, now);
  return { ...result, ...described };
}

/**
 * Images by id, deprecated ones included. A filter, not `ImageIds`, so an id that does not exist (a bad
 * parameter value) is simply absent and the planner can refuse the group that names it.
 */
async function describeImages(api: AwsApi, ids: readonly string[]): Promise<Record<string, ImageInfo>> {
  const result: Record<string, ImageInfo> = {};
  for (const batch of chunk([...new Set(ids)], BatchLimit.EC2_FILTER_VALUES)) {
    const pages = await allPages(
      (NextToken) => api.ec2.describeImages({ Filters: [{ Name: 'image-id', Values: batch }], IncludeDeprecated: true, NextToken }),
      (p) => p.NextToken);
    for (const image of pages.flatMap((p) => p.Images ?? [])) {
      const info = toImage(image);
      if (info) result[info.imageId] = info;
    }
  }
  return result;
}

function toImage(image: Image): ImageInfo | undefined {
  if (!image.ImageId) return undefined;
  return {
    imageId: image.ImageId,
    name: image.Name,
    architecture: image.Architecture,
    platformDetails: image.PlatformDetails,
    state: image.State,
    creationDate: image.CreationDate,
    deprecationTime: image.DeprecationTime,
  };
}

/** Every page of a paginated call, in order: the token of each page asks for the next. */
async function allPages<P>(fetch: (token: string | undefined) => Promise<P>, next: (page: P) => string | undefined): Promise<P[]> {
  const pages: P[] = [];
  let token: string | undefined;
  do {
    const page = await fetch(token);
    pages.push(page);
    token = next(page);
  } while (token);
  return pages;
}

function isDefined<T>(value: T | undefined): value is T {
  return value !== undefined;
}
