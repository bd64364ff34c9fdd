/**
 * The rotation decision for one group: pure, from what was observed and the group's plan (its target image
 * and outdated instances) to the next safe actions. The order of a rotation:
 *
 *   1. point the launch source at the target image (before any replacement is launched);
 *   2. start the rotation: record it, mark a window of outdated instances (twice the `maxUnavailable`
 *      budget), raise desired capacity by as many;
 *   3. drain marked instances, at most the budget at once, while the instances that keep serving (ACTIVE,
 *      not draining) stay at least at the group's desired capacity before the rotation;
 *   4. terminate each one ECS reports empty, deregister it; in the same round mark the next outdated
 *      instance in its place (terminated without decrementing, its slot launches the replacement), so
 *      replacements boot while earlier instances drain;
 *   5. when none is marked and none is left to mark, clear the record.
 *
 * It stops a group, terminating nothing more, when replacements do not become ACTIVE in time, or a drain
 * outlasts the drain timeout and the user did not choose to force.
 */
import { LAUNCH_CONFIGURATION_NAME_MAX, launchConfigurationCopyName, launchConfigurationPrefix } from '../../shared/launch-configuration-names';
import { describeWindow, MaintenanceWindow, windowState } from '../../shared/maintenance-window';
import {
  Batch,
  BATCH_TAG,
  decodeBatch,
  decodeEpoch,
  decodePhase,
  FAILED_IMAGE_TAG,
  LAUNCH_CONFIGURATIONS_UNSUPPORTED_TAG,
  Phase,
  REPLACE_BEFORE_TAG,
} from '../../shared/records';
import { Action, MixedTemplateStep, StopTasks, TemplateUse, Terminate, UpdateMixedTemplates } from '../actions';
import { budgetFor, CanarySetting, MaxUnavailableSetting } from '../budget';
import { ssmAliasParameter } from '../images';
import { ObservedCluster, ObservedContainerInstance, ObservedGroup, ObservedService, TemplateVersion } from '../model';

export interface RotationConfig {
  /** Instances per group out of service at once: a count, or a percentage of desired capacity (at least 1). */
  readonly maxUnavailable: MaxUnavailableSetting;
  readonly drainTimeoutSeconds: number;
  /** After the drain timeout: stop the group's rotation (and alarm), or terminate anyway. */
  readonly onDrainTimeout: 'stop' | 'force';
  /** How long replacements may take to be InService and ACTIVE in the cluster (Linux and Bottlerocket groups). */
  readonly readinessTimeoutSeconds: number;
  /** The same for Windows groups (default: `readinessTimeoutSeconds`); see `readinessTimeoutFor`. */
  readonly windowsReadinessTimeoutSeconds?: number;
  /** Per-group readiness timeouts (construct `groupOverrides`), over the platform's. */
  readonly groupReadinessTimeoutSeconds?: Readonly<Record<string, number>>;
  /** The managed group through which container instances outside every group are replaced (opt-in). */
  readonly unmanagedReplacementGroup?: string;
  /** This run was asked to replace every instance launched before it, whatever its image. */
  readonly force: boolean;
  /**
   * While a group rotates, mark its outdated instances with the cordon attribute, so services placed with
   * the construct's placement constraint start no task on them (tasks then move once). Default false.
   */
  readonly cordon?: boolean;
  /**
   * When replacements on the target image never become ACTIVE: point the group back at the image it ran,
   * terminate the replacements that never registered, release the batch, and refuse that image until the
   * parameter names another. Otherwise the group only stops (and alarms).
   */
  readonly rollbackOnFailedReplacement?: boolean;
  /**
   * Replace this many instances per group first (a batch of their own), let their replacements serve for the
   * soak time, and go on only if they are healthy. Unset: no canary.
   */
  readonly canary?: CanarySetting;
  /**
   * Drain an instance only once every service with a task on it is steady (one deployment, running = desired)
   * and every daemon among them runs on the replacements launched since it was marked. Unset: false.
   */
  readonly waitForSteadyServices?: boolean;
  /** How long drains may wait for steady services before the group stops (default: the drain timeout). */
  readonly steadyServicesTimeoutSeconds?: number;
  /**
   * Launch template versions this engine created kept per template once a rotation ends (the newest ones);
   * older ones are deleted. Unset: none is deleted.
   */
  readonly templateVersionsToKeep?: number;
  /**
   * Standalone tasks (no service: ECS never moves them) still running on a drained instance this long after
   * its drain started are stopped (StopTask). Unset: they are waited for, up to the drain timeout.
   */
  readonly stopStandaloneTasksAfterSeconds?: number;
  /**
   * Outdated instances running standalone tasks are not taken on (their tasks are read before marking): the
   * rotation goes on with the others, and each is taken on in a later round once its standalone tasks have
   * ended. Unset: false. Exclusive with `stopStandaloneTasksAfterSeconds`.
   */
  readonly skipInstancesWithStandaloneTasks?: boolean;
  /**
   * New work starts only while one of these is open: a rotation, a mark, a launch template change. What is in
   * flight when a window closes finishes (marked instances drain and go). Unset or empty: at any time.
   */
  readonly maintenanceWindows?: readonly MaintenanceWindow[];
  /** The parameter's image is adopted only once this old (read by the planner, see plan.ts). Unset: at once. */
  readonly minimumAmiAgeSeconds?: number;
  /**
   * Set by the engine for one round, never by users: why no new drain starts in this group (another group's
   * outdated instances cannot be cordoned yet, see `drainsHeldForCordons`). Drains in flight go on.
   */
  readonly drainsWaitFor?: string;
}

export type RotationPhase = 'idle' | 'updating-launch-template' | 'replacing' | 'draining' | 'soaking' | 'waiting' | 'stopped';

export interface GroupRotation {
  readonly phase: RotationPhase;
  readonly stoppedReason?: string;
  /**
   * Why a group that has work is paused (another actor is changing it, processes are suspended), soaks its
   * canaries, or holds its next drain until services are steady.
   */
  readonly waitingReason?: string;
  /**
   * The wait is the schedule the user chose (a maintenance window, an image not old enough yet), not a
   * problem: reported, counted as waiting, but no cause for the CLI's attention exit code.
   */
  readonly waitingOn?: WaitingOn;
  /** Outdated instances passed over this round because they run standalone tasks, each with why. */
  readonly skipped?: readonly SkippedInstance[];
  readonly actions: readonly Action[];
  /** Instances marked in the current batch. */
  readonly inFlight: number;
  /** The budget this group's batches use. */
  readonly budget: number;
}

export type WaitingOn = 'maintenance-window' | 'minimum-ami-age' | 'standalone-tasks';

/** An outdated instance not taken on because it runs standalone tasks (`skipInstancesWithStandaloneTasks`). */
export interface SkippedInstance {
  readonly instanceId: string;
  readonly reason: string;
}

/** A newer image the parameter names that is not adopted yet (`minimumAmiAge`). */
export interface PendingImage {
  readonly imageId: string;
  /** `image ami-… was published at …; adopted from … (minimumAmiAge …)`. */
  readonly reason: string;
  /**
   * The plan could not keep the group's current image as its target (it is unusable), so the target is the
   * pending image itself: nothing new may start towards it until it is adopted.
   */
  readonly holdsNewWork: boolean;
}

/** What the planner decided about the group's image (see plan.ts). */
export interface ImageDecision {
  readonly targetImageId: string;
  readonly updateLaunchSource: boolean;
  /**
   * Outdated instance ids, fewest running tasks first: on another image than the target, or launched before
   * the group's forced-replacement time.
   */
  readonly outdatedInstanceIds: readonly string[];
  /** A newer image waits for its minimum age; the group reports it while it has nothing else to do. */
  readonly pendingImage?: PendingImage;
}

/**
 * Why new work may not start at `now` because every maintenance window is closed, or undefined when one is
 * open (or none is configured).
 */
export function maintenanceWindowClosed(config: Pick<RotationConfig, 'maintenanceWindows'>, now: number): string | undefined {
  const windows = config.maintenanceWindows ?? [];
  if (windows.length === 0) return undefined;
  const state = windowState(windows, now);
  if (state.open) return undefined;
  const next = state.nextOpensAt === undefined ? 'none opens again' : `the next opens at ${new Date(state.nextOpensAt).toISOString()}`;
  return `outside maintenance windows (${windows.map(describeWindow).join(', ')}); ${next}`;
}

/** The window of marked instances, in budgets: one draining, one whose replacements boot meanwhile. */
export const WINDOW_BUDGETS = 2;

const ALIVE = (state: string) => !state.startsWith('Terminating') && state !== 'Terminated' && !state.startsWith('Detach');

/** Instance refresh states in which Auto Scaling is replacing the group's instances itself. */
const REFRESH_ACTIVE = new Set(['Pending', 'InProgress', 'Cancelling', 'RollbackInProgress', 'Baking']);

/**
 * Another actor is changing the group: the engine does nothing to it until that is over. An instance refresh
 * replaces instances itself; a CloudFormation update may rewrite desired capacity, size or template.
 */
export function otherActor(group: ObservedGroup): string | undefined {
  if (group.instanceRefresh && (REFRESH_ACTIVE.has(group.instanceRefresh.status) || group.instanceRefresh.status.startsWith('Unreadable'))) {
    return `instance refresh ${group.instanceRefresh.id} of ${group.name} is ${group.instanceRefresh.status}; the rotation waits for it to end`;
  }
  if (group.stack?.status?.endsWith('_IN_PROGRESS')) {
    return `CloudFormation stack ${group.stack.name}, which manages ${group.name}, is ${group.stack.status}; the rotation waits for it to end`;
  }
  return undefined;
}

/**
 * The decision, then what suspended Auto Scaling processes forbid: with Launch or Terminate suspended no
 * batch starts (its replacements could not launch, or its instances could not go); with Terminate suspended
 * nothing is terminated. A batch in flight otherwise goes on; one whose replacements cannot launch stops at
 * its readiness timeout, and recovers on its own once they do.
 */
export function rotateGroup(
  observed: ObservedCluster,
  group: ObservedGroup,
  decision: ImageDecision,
  config: RotationConfig,
): GroupRotation {
  const rotation = withSkipped(observed, group, decision, config, guarded(observed, group, decision, config));
  // Nothing else to do while a newer image ages: the group reports why it does not adopt it yet.
  const reported = rotation.phase === 'idle' && decision.pendingImage
    ? { ...rotation, phase: 'waiting' as const, waitingReason: decision.pendingImage.reason, waitingOn: 'minimum-ami-age' as const }
    : rotation;
  return withCordons(observed, group, decision, config, reported);
}

/**
 * The outdated instances the next marks would take, in the order they are taken, and how many the window
 * has room for this round: the instances whose tasks `skipInstancesWithStandaloneTasks` reads before marking
 * (observe.ts reads them in this order until that many are free of standalone tasks). None while nothing
 * new may start (a closed window, an image not adopted yet) or the window is full.
 */
export function markCandidates(
  observed: ObservedCluster,
  group: ObservedGroup,
  decision: ImageDecision,
  config: RotationConfig,
): { readonly candidates: readonly ObservedContainerInstance[]; readonly room: number } {
  const none = { candidates: [], room: 0 };
  if (maintenanceWindowClosed(config, observed.observedAt) !== undefined || decision.pendingImage?.holdsNewWork) return none;
  const byInstance = new Map(observed.containerInstances.map((c) => [c.ec2InstanceId, c]));
  const alive = group.instances.filter((i) => ALIVE(i.lifecycleState));
  const marked = alive.map((i) => byInstance.get(i.instanceId)).filter((c) => decodePhase(c?.phase) !== undefined) as ObservedContainerInstance[];
  const candidates = outdatedServing(group, decision, byInstance, new Set(marked.map((c) => c.ec2InstanceId)));
  const batch = decodeBatch(group.tags[BATCH_TAG]);
  const budget = budgetFor(config.maxUnavailable, batch?.base ?? group.desiredCapacity);
  let room: number;
  if (!batch) room = marked.length > 0 ? 0 : (canaryCount(group, decision, config) ?? WINDOW_BUDGETS * budget);
  else if (batch.canary) room = marked.length === 0 ? WINDOW_BUDGETS * budget : 0;
  // Draining instances may be terminated this round, each handing its slot to the next mark.
  else room = batch.target - batch.base - marked.length + marked.filter((c) => c.status === 'DRAINING').length;
  return { candidates, room: Math.max(0, room) };
}

/** Outdated members serving in the cluster (InService, ACTIVE) and not marked: what a mark may take, in order. */
function outdatedServing(
  group: ObservedGroup,
  decision: ImageDecision,
  byInstance: ReadonlyMap<string, ObservedContainerInstance>,
  markedIds: ReadonlySet<string>,
): ObservedContainerInstance[] {
  const inService = new Set(group.instances.filter((i) => ALIVE(i.lifecycleState) && i.lifecycleState === 'InService').map((i) => i.instanceId));
  return decision.outdatedInstanceIds
    .filter((id) => !markedIds.has(id) && inService.has(id) && byInstance.get(id)?.status === 'ACTIVE')
    .map((id) => byInstance.get(id)!);
}

/** The standalone tasks (no service) read on an instance; undefined when its tasks were not read. */
function standaloneTasksOn(container: ObservedContainerInstance | undefined) {
  return container?.tasks?.filter((t) => t.service === undefined);
}

/**
 * With `skipInstancesWithStandaloneTasks`, the outdated instances passed over (their tasks read, standalone
 * ones among them), each with why; a group with nothing else to do waits for them.
 */
function withSkipped(
  observed: ObservedCluster,
  group: ObservedGroup,
  decision: ImageDecision,
  config: RotationConfig,
  rotation: GroupRotation,
): GroupRotation {
  if (!config.skipInstancesWithStandaloneTasks) return rotation;
  const byInstance = new Map(observed.containerInstances.map((c) => [c.ec2InstanceId, c]));
  const marked = new Set(observed.containerInstances.filter((c) => decodePhase(c.phase) !== undefined).map((c) => c.ec2InstanceId));
  const skipped = outdatedServing(group, decision, byInstance, marked).flatMap((c): SkippedInstance[] => {
    const standalone = standaloneTasksOn(c) ?? [];
    if (standalone.length === 0) return [];
    const ids = standalone.map((t) => t.taskArn.slice(t.taskArn.lastIndexOf('/') + 1));
    return [{ instanceId: c.ec2InstanceId, reason: `runs standalone task(s) ${ids.join(', ')}; it is replaced once they end` }];
  });
  if (skipped.length === 0) return rotation;
  if (rotation.phase !== 'idle') return { ...rotation, skipped };
  return {
    ...rotation,
    skipped,
    phase: 'waiting',
    waitingReason: `the outdated instance(s) left run standalone tasks (${skipped.map((s) => s.instanceId).join(', ')}); ` +
      'each is replaced once its standalone tasks end',
    waitingOn: 'standalone-tasks',
  };
}

/**
 * Cordons follow the rotation: while the group's rotation moves (replacing or draining), every outdated
 * instance still serving is cordoned once the group can spare them (see `cordonRound`), at the latest in the
 * round of the first drain, before it, so the drained tasks cannot land on one; when the group is idle,
 * soaking, waiting or stopped, or cordoning is off, or an instance is no longer outdated, its cordon is lifted
 * so the cluster never loses placement capacity to a rotation that is not moving. Marked instances keep theirs.
 */
function withCordons(
  observed: ObservedCluster,
  group: ObservedGroup,
  decision: ImageDecision,
  config: RotationConfig,
  rotation: GroupRotation,
): GroupRotation {
  const members = new Set(group.instances.filter((i) => ALIVE(i.lifecycleState) && i.lifecycleState === 'InService').map((i) => i.instanceId));
  const serving = observed.containerInstances.filter((c) => members.has(c.ec2InstanceId) && c.status === 'ACTIVE');
  const outdated = new Set(decision.outdatedInstanceIds);
  // A group waiting (another actor, suspended processes) may wait indefinitely: it keeps no cordon either.
  const moving = config.cordon === true && (rotation.phase === 'draining' || rotation.phase === 'replacing');
  const release = serving.filter((c) => c.cordoned !== undefined && decodePhase(c.phase) === undefined
    && (!moving || !outdated.has(c.ec2InstanceId)));
  const cordon = moving ? cordonRound(observed, group, decision).toCordon : [];
  const extra: Action[] = [];
  if (cordon.length > 0) {
    extra.push({ kind: 'cordon', group: group.name, containerInstanceArns: cordon.map((c) => c.containerInstanceArn), imageId: decision.targetImageId });
  }
  if (release.length > 0) extra.push({ kind: 'uncordon', group: group.name, containerInstanceArns: release.map((c) => c.containerInstanceArn) });
  return extra.length === 0 ? rotation : { ...rotation, actions: [...extra, ...rotation.actions] };
}

/**
 * The cordons a round writes: every outdated instance still serving, but only once the group can spare them.
 * That is when an instance on the target image serves (so tasks always have somewhere to go; when a newer
 * image appears mid-rotation, the previous target's instances stay open until the newest ones serve), and
 * either the window's replacements serve beyond the capacity the rotation started from or a drain is under
 * way. Before that, cordoning every outdated instance would leave the group's services the few instances on
 * the target (after canaries, one) until a boot completes: new and restarted tasks could find no room.
 * Also how many serving, unmarked instances are left uncordoned after them: the room constrained services have.
 */
function cordonRound(
  observed: ObservedCluster,
  group: ObservedGroup,
  decision: ImageDecision,
): {
    readonly toCordon: readonly ObservedContainerInstance[];
    readonly uncordonedServing: number;
    /** Outdated instances serving without a cordon that this round cannot cordon (the group cannot spare them yet). */
    readonly exposed: readonly ObservedContainerInstance[];
  } {
  const members = new Set(group.instances.filter((i) => i.lifecycleState === 'InService').map((i) => i.instanceId));
  const serving = observed.containerInstances.filter((c) => members.has(c.ec2InstanceId) && c.status === 'ACTIVE' && c.agentConnected);
  const outdated = new Set(decision.outdatedInstanceIds);
  const unmarked = serving.filter((c) => decodePhase(c.phase) === undefined);
  const onTarget = unmarked.filter((c) => !outdated.has(c.ec2InstanceId)).length;
  const uncordoned = serving.filter((c) => c.cordoned === undefined && outdated.has(c.ec2InstanceId));
  const base = decodeBatch(group.tags[BATCH_TAG])?.base;
  const ids = new Set(group.instances.map((i) => i.instanceId));
  // The rotation's own drains only: ECS drains instances for other reasons too (Spot interruptions, managed
  // draining on scale-in, an operator), and those make no room on the target image.
  const drainUnderWay = observed.containerInstances.some((c) => {
    const phase = decodePhase(c.phase);
    return ids.has(c.ec2InstanceId) && phase !== undefined && (c.status === 'DRAINING' || phase.kind === 'draining');
  });
  const spared = onTarget > 0 && ((base !== undefined && serving.length > base) || drainUnderWay);
  const toCordon = spared ? uncordoned : [];
  const cordoning = new Set(toCordon);
  return {
    toCordon,
    uncordonedServing: unmarked.filter((c) => c.cordoned === undefined && !cordoning.has(c)).length,
    exposed: spared ? [] : uncordoned,
  };
}

/**
 * With cordoning on, why each group starts no new drain this round, if it must not. A group whose rotation is
 * under way but whose window's replacements do not serve yet cannot cordon its outdated instances (that would
 * leave its services little or nowhere to go, see `cordonRound`). Were another group to drain meanwhile,
 * services placed in both groups could start the drained tasks on those instances, and the tasks would move
 * again when their own group drains. So the other groups wait, for a boot: when groups start together, or when
 * a group's first window follows its canaries. Only groups of the same platform wait on each other (a Linux
 * task never runs on a Windows host, nor the reverse; one whose platform is unknown waits with both). A group
 * whose replacements have not served within its readiness timeout holds no one (it stops itself then).
 */
export function drainsHeldForCordons(
  observed: ObservedCluster,
  groups: ReadonlyArray<{
    readonly group: ObservedGroup;
    readonly decision: ImageDecision;
    readonly config: RotationConfig;
    readonly platform?: 'windows' | 'linux';
  }>,
): Map<string, string> {
  const exposing: Array<{ readonly group: string; readonly platform?: string; readonly why: string }> = [];
  for (const { group, decision, config, platform } of groups) {
    if (config.cordon !== true) continue;
    const batch = decodeBatch(group.tags[BATCH_TAG]);
    if (batch === undefined) continue;
    const members = new Set(group.instances.filter((i) => ALIVE(i.lifecycleState)).map((i) => i.instanceId));
    const marks = observed.containerInstances
      .filter((c) => members.has(c.ec2InstanceId))
      .map((c) => decodePhase(c.phase))
      .filter((p): p is Phase => p?.kind === 'replacing');
    if (marks.length === 0) continue;
    const oldestMark = Math.min(...marks.map((p) => p.since ?? batch.startedAt));
    if (observed.observedAt - oldestMark > config.readinessTimeoutSeconds * 1000) continue;
    const exposed = cordonRound(observed, group, decision).exposed;
    if (exposed.length > 0) {
      exposing.push({
        group: group.name,
        platform,
        why: `${group.name} (${exposed.length} outdated instance(s) not cordoned: its replacements do not serve yet)`,
      });
    }
  }
  const held = new Map<string, string>();
  if (exposing.length === 0) return held;
  const shareTasks = (a?: string, b?: string) => a === undefined || b === undefined || a === b;
  for (const { group, config, platform } of groups) {
    if (config.cordon !== true) continue;
    const others = exposing.filter((e) => e.group !== group.name && shareTasks(e.platform, platform)).map((e) => e.why);
    if (others.length > 0) held.set(group.name, `drained tasks could land on another group's outdated instances: ${others.join('; ')}`);
  }
  return held;
}

function guarded(
  observed: ObservedCluster,
  group: ObservedGroup,
  decision: ImageDecision,
  config: RotationConfig,
): GroupRotation {
  const waiting = otherActor(group);
  const rotation = decide(observed, group, decision, config);
  if (waiting && rotation.phase !== 'idle') return { ...withoutWaitingOn(rotation), phase: 'waiting', waitingReason: waiting, actions: [] };
  const suspended = (group.suspendedProcesses ?? []).filter((p) => p === 'Launch' || p === 'Terminate');
  if (suspended.length === 0) return rotation;
  const blocked = (a: Action) => a.kind === 'start-batch' || a.kind === 'mark-more' || (a.kind === 'terminate' && suspended.includes('Terminate'));
  if (!rotation.actions.some(blocked)) return rotation;
  return {
    ...withoutWaitingOn(rotation),
    phase: rotation.phase === 'stopped' ? 'stopped' : 'waiting',
    waitingReason: `the Auto Scaling process(es) ${suspended.join(', ')} of ${group.name} are suspended; the rotation waits until they are resumed`,
    // A termination whose slot an instance marked this round was to take gives the slot back instead.
    actions: rotation.actions.filter((a) => !blocked(a)).map((a) => (a.kind === 'terminate' && a.decrement === false ? { ...a, decrement: true } : a)),
  };
}

function withoutWaitingOn(rotation: GroupRotation): GroupRotation {
  const { waitingOn: _replaced, ...rest } = rotation;
  return rest;
}

function decide(
  observed: ObservedCluster,
  group: ObservedGroup,
  decision: ImageDecision,
  config: RotationConfig,
): GroupRotation {
  const now = observed.observedAt;
  const actions: Action[] = [];
  const byInstance = new Map<string, ObservedContainerInstance>(observed.containerInstances.map((c) => [c.ec2InstanceId, c]));
  const alive = group.instances.filter((i) => ALIVE(i.lifecycleState));
  const batch = decodeBatch(group.tags[BATCH_TAG]);
  const budget = budgetFor(config.maxUnavailable, batch?.base ?? group.desiredCapacity);

  // A forced run leaves its intent on the group, so later runs finish what it started.
  const replaceBefore = decodeEpoch(group.tags[REPLACE_BEFORE_TAG]);
  if (config.force && replaceBefore === undefined) {
    actions.push({ kind: 'set-replace-before', group: group.name, before: now });
  }

  const marked = alive
    .map((i) => ({ instance: i, container: byInstance.get(i.instanceId) }))
    .map((m) => ({ ...m, phase: decodePhase(m.container?.phase) }))
    .filter((m): m is typeof m & { phase: Phase } => m.phase !== undefined);

  // Outside every maintenance window, or while the parameter's image is too young to adopt and the group has no
  // other target, nothing new starts: no rotation, no mark, no launch template change. What is in flight
  // finishes: marked instances drain and are terminated, and the rotation ends once they are gone.
  const closed = maintenanceWindowClosed(config, now);
  const held = closed ?? (decision.pendingImage?.holdsNewWork ? decision.pendingImage.reason : undefined);
  const heldOn: WaitingOn = closed !== undefined ? 'maintenance-window' : 'minimum-ami-age';
  const waitForNewWork = (): GroupRotation => ({ phase: 'waiting', waitingReason: held, waitingOn: heldOn, actions, inFlight: 0, budget });

  // The account refused launch configurations while the group was on one; it has moved to a template since.
  if (group.tags[LAUNCH_CONFIGURATIONS_UNSUPPORTED_TAG] !== undefined && group.launchSource.kind !== 'launch-configuration') {
    actions.push({ kind: 'clear-launch-configurations-unsupported', group: group.name });
  }

  // 0. An image that failed before: roll back from it, and do nothing else with it. A failed image the
  // parameter still names but that is not adopted yet (minimumAmiAge raised since) keeps its record.
  const failedImage = group.tags[FAILED_IMAGE_TAG];
  if (failedImage !== undefined) {
    if (failedImage === decision.targetImageId) return rollBack(observed, group, failedImage, batch, marked, budget, actions);
    if (failedImage !== decision.pendingImage?.imageId) actions.push({ kind: 'clear-failed-image', group: group.name });
  }

  // 1. The launch source first: no replacement may boot the old image. A batch already in flight (a newer
  // image appeared mid-rotation) still finishes what it started; only new batches wait for the update.
  if (decision.updateLaunchSource) {
    const update = launchSourceAction(group, decision.targetImageId, observed.clusterName, now);
    if (!batch) {
      // Marks without a record are work in flight (a crash between the two): their replacements need the image.
      if (held !== undefined && marked.length === 0) return waitForNewWork();
      if ('stopped' in update) return { phase: 'stopped', stoppedReason: update.stopped, actions, inFlight: marked.length, budget };
      actions.push(update.action);
      return { phase: 'updating-launch-template', actions, inFlight: marked.length, budget };
    }
    // Outside every window the newer image waits for the next one too: marks in flight finish on the image they had.
    if ('action' in update && held === undefined) actions.push(update.action);
  }

  // Only instances serving in the cluster are taken on; one still booting is looked at when it is up.
  const markedIds = new Set(marked.map((m) => m.instance.instanceId));
  const takeable = outdatedServing(group, decision, byInstance, markedIds);
  // With skipInstancesWithStandaloneTasks, only instances whose tasks were read and include no standalone one
  // (outside a window none is read: whether work waits for it is judged on every takeable instance).
  const eligible = takeable
    .filter((c) => !config.skipInstancesWithStandaloneTasks || standaloneTasksOn(c)?.length === 0)
    .map((c) => c.ec2InstanceId);

  if (!batch) {
    if (marked.length > 0) {
      // Marks without a batch record: adopt them as a batch whose replacements are already counted. Desired
      // capacity may since have been lowered below the marks (scale-in): the base is then never negative.
      const base = Math.max(0, group.desiredCapacity - marked.length);
      const adopted: Batch = {
        base,
        target: base + marked.length,
        originalMax: group.maxSize,
        startedAt: now,
        ...(group.suspendedProcesses?.includes('AZRebalance') ? {} : { suspendedAzRebalance: true }),
      };
      actions.push({ kind: 'start-batch', group: group.name, batch: adopted, containerInstanceArns: [] });
      return { phase: 'replacing', actions, inFlight: marked.length, budget };
    }
    // The window: while up to `budget` instances drain, as many more have their replacements booting, so
    // the next drain starts the moment one ends (boot time is paid once per rotation, not once per batch).
    if (held !== undefined && takeable.length > 0) return waitForNewWork();
    const canary = canaryCount(group, decision, config);
    const chosen = eligible.slice(0, canary ?? WINDOW_BUDGETS * budget);
    if (chosen.length === 0) {
      if (replaceBefore !== undefined && !config.force && decision.outdatedInstanceIds.length === 0) {
        actions.push({ kind: 'clear-replace-before', group: group.name });
      }
      return { phase: 'idle', actions, inFlight: 0, budget };
    }
    const base = group.desiredCapacity;
    const target = base + chosen.length;
    actions.push({
      kind: 'start-batch',
      group: group.name,
      batch: {
        base,
        target,
        originalMax: group.maxSize,
        startedAt: now,
        // AZ rebalancing after our terminations would pick instances itself and skip the drain.
        ...(group.suspendedProcesses?.includes('AZRebalance') ? {} : { suspendedAzRebalance: true }),
        ...(canary !== undefined ? { canary: {} } : {}),
      },
      containerInstanceArns: chosen.map((id) => byInstance.get(id)!.containerInstanceArn),
      raiseMaxTo: target > group.maxSize ? target : undefined,
    });
    return { phase: 'replacing', actions, inFlight: chosen.length, budget };
  }

  // A batch is in flight.
  if (marked.length === 0 && batch.canary) {
    return afterCanaries(observed, group, decision, config, batch, eligible.slice(0, WINDOW_BUDGETS * budget), budget, actions,
      held === undefined ? undefined : waitForNewWork);
  }
  if (marked.length === 0) {
    actions.push({
      kind: 'finish-batch',
      group: group.name,
      restoreMaxTo: maxToRestore(group, batch),
      resumeAzRebalance: batch.suspendedAzRebalance,
    });
    return { phase: 'idle', actions, inFlight: 0, budget };
  }

  // The record says AZRebalance is held but the group shows it running: hold it before any termination.
  if (batch.suspendedAzRebalance && !group.suspendedProcesses?.includes('AZRebalance')) {
    actions.push({ kind: 'hold-az-rebalance', group: group.name });
  }

  const expectedDesired = batch.base + marked.length;
  if (group.desiredCapacity < expectedDesired) {
    const raiseMaxTo = expectedDesired > group.maxSize ? expectedDesired : undefined;
    actions.push({ kind: 'set-desired', group: group.name, desired: expectedDesired, raiseMaxTo, record: withRaisedMax(batch, raiseMaxTo) });
  }
  const desired = Math.max(group.desiredCapacity, expectedDesired);
  const maxSize = Math.max(group.maxSize, expectedDesired);

  const replacing = marked.filter((m) => m.phase.kind === 'replacing');
  const draining = marked.filter((m) => m.phase.kind === 'draining');
  // Marked draining but the state call did not land: the instance still serves, like a replacing one.
  const stillActive = draining.filter((m) => m.container?.status === 'ACTIVE');

  // First what may be terminated, and whether a drain outlasted its timeout: a stopped group drains nothing more.
  const terminations: Terminate[] = [];
  let stoppedReason: string | undefined;
  for (const m of draining) {
    if (m.container?.status !== 'DRAINING') continue;
    // Empty means ECS counts no running or pending task AND no task on it is still stopping (liveTasks,
    // read for exactly this); an instance whose tasks were not checked is never taken for empty.
    const counted = m.container.runningTasksCount + m.container.pendingTasksCount;
    const empty = counted === 0 && m.container.liveTasks === 0;
    const remaining = counted > 0 ? counted : (m.container.liveTasks ?? 0);
    const since = m.phase.kind === 'draining' ? m.phase.since : now;
    const timedOut = now - since > config.drainTimeoutSeconds * 1000;
    if (empty || (timedOut && config.onDrainTimeout === 'force')) {
      terminations.push({
        kind: 'terminate',
        group: group.name,
        instanceId: m.instance.instanceId,
        containerInstanceArn: m.container.containerInstanceArn,
        forced: !empty,
        runningTasks: remaining,
      });
    } else {
      const stop = standaloneToStop(m.instance.instanceId, m.container, since, now, decision.targetImageId, group.name, config);
      if (stop) actions.push(stop);
    }
    if (!empty && timedOut && config.onDrainTimeout !== 'force') {
      stoppedReason ??=
        `instance ${m.instance.instanceId} still runs ${remaining} task(s) after the ${config.drainTimeoutSeconds} s drain timeout; ` +
        `nothing more is terminated in ${group.name} until its tasks stop (or onDrainTimeout is set to force)`;
    }
  }
  if (stoppedReason) return { phase: 'stopped', stoppedReason, actions: [...actions, ...terminations], inFlight: marked.length, budget };

  // Then the window refills: an instance marked now takes the slot of one terminated now (terminated without
  // decrementing, Auto Scaling launches its replacement at once); beyond those slots desired capacity rises.
  const window = batch.target - batch.base;
  // A canary batch takes on nothing beyond its canaries; outside a window nothing more is taken on.
  const more = batch.canary || held !== undefined ? [] : eligible.slice(0, Math.max(0, window - (marked.length - terminations.length)));
  const slots = Math.min(more.length, terminations.length);
  if (more.length > 0) {
    const raiseDesiredTo = more.length > slots ? desired + more.length - slots : undefined;
    const raiseMaxTo = raiseDesiredTo !== undefined && raiseDesiredTo > maxSize ? raiseDesiredTo : undefined;
    actions.push({
      kind: 'mark-more',
      group: group.name,
      containerInstanceArns: more.map((id) => byInstance.get(id)!.containerInstanceArn),
      since: now,
      raiseDesiredTo,
      raiseMaxTo,
      record: withRaisedMax(batch, raiseMaxTo),
    });
  }
  actions.push(...terminations.map((t, i) => (i < slots ? { ...t, decrement: false } : t)));

  // Then what may be taken out of service: at most the budget at once, and only while the instances that
  // keep serving stay at the group's desired capacity before the rotation.
  const leaving = new Set(terminations.map((t) => t.instanceId));
  // Marked replacing but out of service already (someone drained it): recorded as draining at no cost in capacity.
  const outOfService = replacing.filter((m) => m.container?.status !== 'ACTIVE');
  // The budget counts every marked instance out of service that is not going this round.
  const drainingNow = marked.filter((m) => m.container?.status !== 'ACTIVE' && !leaving.has(m.instance.instanceId)).length;
  const serving = alive.filter((i) => {
    if (i.lifecycleState !== 'InService') return false;
    const container = byInstance.get(i.instanceId);
    return container?.status === 'ACTIVE' && container.agentConnected;
  }).length;
  const markedAt = (m: (typeof marked)[number]) => m.phase.since ?? batch.startedAt;
  // Those whose drain was decided already first, then the longest marked (their replacements are the oldest).
  const candidates = [...stillActive, ...replacing.filter((m) => m.container?.status === 'ACTIVE').sort((a, b) => markedAt(a) - markedAt(b))];
  let room = Math.min(serving - batch.base, budget - drainingNow);
  // What the group's own capacity allows: a hold for another group does not excuse replacements that never came.
  const ownRoom = room;
  if (config.drainsWaitFor !== undefined) room = 0;
  if (config.cordon) {
    // Constrained services can place drained tasks only on instances not cordoned: drain no more instances
    // than there are such instances left (counting the cordons this round writes, see cordonRound).
    room = Math.min(room, cordonRound(observed, group, decision).uncordonedServing);
  }
  const picked = candidates.slice(0, Math.max(0, room));
  const hold = picked.length > 0 ? steadyHold(observed, group, picked, config) : undefined;
  if (hold !== undefined) {
    // The next drain waits; since when is recorded on the batch, so the timeout spans runs.
    const since = batch.waitingSince ?? now;
    const timeout = config.steadyServicesTimeoutSeconds ?? config.drainTimeoutSeconds;
    if (now - since > timeout * 1000) {
      return {
        phase: 'stopped',
        stoppedReason: `${hold}, ${timeout} s after drains began waiting for it; nothing more is drained in ${group.name} until it is steady`,
        // No instance is marked now, so a termination gives its slot back (decrements), as in guarded().
        actions: actions.filter((a) => (a.kind !== 'terminate' || !a.forced) && a.kind !== 'mark-more')
          .map((a) => (a.kind === 'terminate' && a.decrement === false ? { ...a, decrement: true } : a)),
        inFlight: marked.length,
        budget,
      };
    }
    if (batch.waitingSince === undefined) actions.push({ kind: 'record-batch', group: group.name, batch: { ...latestRecord(batch, actions), waitingSince: now } });
  } else if (picked.length > 0 && batch.waitingSince !== undefined) {
    const { waitingSince: _cleared, ...rest } = latestRecord(batch, actions);
    actions.push({ kind: 'record-batch', group: group.name, batch: rest });
  }
  const toDrain = [...outOfService, ...(hold === undefined ? picked : [])];
  if (toDrain.length > 0) {
    actions.push({
      kind: 'drain',
      group: group.name,
      containerInstanceArns: toDrain.map((m) => m.container!.containerInstanceArn),
      alreadyMarked: toDrain.filter((m) => m.phase.kind === 'draining').map((m) => m.container!.containerInstanceArn),
      since: now,
    });
  }
  // Held for another group's cordons with room of its own, this group's replacements are not what keeps the
  // drains from starting; without room of its own, they are, and it stops at its own readiness timeout.
  if (room <= 0 && (config.drainsWaitFor === undefined || ownRoom <= 0) && candidates.length > 0 && drainingNow === 0 && terminations.length === 0
    && now - Math.min(...candidates.map(markedAt)) > config.readinessTimeoutSeconds * 1000) {
    // Nothing drains, and the longest-waiting mark's replacement capacity never became ready.
    // Blame the image only with evidence: a replacement on it that has been in service longer than the
    // readiness timeout and never registered. Capacity shortages or suspended launches are not its fault.
    const neverRegistered = alive.some((i) => {
      const instance = observed.instances[i.instanceId];
      const launched = Date.parse(instance?.launchTime ?? '');
      return i.lifecycleState === 'InService' && instance?.imageId === decision.targetImageId && !byInstance.has(i.instanceId)
        && !Number.isNaN(launched) && now - launched > config.readinessTimeoutSeconds * 1000;
    });
    if (config.rollbackOnFailedReplacement && neverRegistered && group.currentImageId === decision.targetImageId) {
      actions.push({ kind: 'mark-failed-image', group: group.name, imageId: decision.targetImageId });
    }
    return {
      phase: 'stopped',
      stoppedReason:
        `replacement capacity did not become ACTIVE in the cluster within ${config.readinessTimeoutSeconds} s ` +
        `(${serving} instances serving, ${batch.base + 1} needed to drain one); nothing more is drained in ${group.name} until it is`,
      // A stopped group terminates only instances already empty, and takes on no more.
      actions: actions.filter((a) => (a.kind !== 'terminate' || !a.forced) && a.kind !== 'mark-more'),
      inFlight: marked.length,
      budget,
    };
  }
  const inFlight = marked.length - terminations.length + more.length;
  // The marks in flight go on; the outdated instances left wait for the next window.
  const heldBack = hold === undefined && held !== undefined && takeable.length > 0
    ? { waitingReason: `new replacements wait: ${held}`, waitingOn: heldOn } : {};
  const drainWait = hold ?? (config.drainsWaitFor !== undefined && candidates.length > 0 ? config.drainsWaitFor : undefined);
  return {
    phase: draining.length + toDrain.length > 0 ? 'draining' : 'replacing',
    ...(drainWait !== undefined ? { waitingReason: `the next drain waits: ${drainWait}` } : {}),
    ...heldBack,
    actions,
    inFlight,
    budget,
  };
}

/** Steady: one deployment and as many tasks running as desired (daemons are checked on the replacements). */
function unsteadiness(service: ObservedService): string | undefined {
  if (service.deployments > 1) return `service ${service.name} has ${service.deployments} deployments in progress`;
  if (!service.daemon && service.runningCount !== service.desiredCount) {
    return `service ${service.name} runs ${service.runningCount} of ${service.desiredCount} desired tasks`;
  }
  return undefined;
}

/**
 * Why the instances about to drain must wait (waitForSteadyServices), or undefined when they may go: every
 * service with a task on them is steady, and every daemon among them runs (RUNNING) on each replacement that
 * registered since the earliest of them was marked. Tasks not read count as a reason to wait.
 */
function steadyHold(
  observed: ObservedCluster,
  group: ObservedGroup,
  picked: ReadonlyArray<{
    readonly instance: { readonly instanceId: string };
    readonly container?: ObservedContainerInstance;
    readonly phase: Phase;
  }>,
  config: RotationConfig,
): string | undefined {
  if (config.waitForSteadyServices !== true) return undefined;
  const services = new Set<string>();
  for (const m of picked) {
    if (m.container?.tasks === undefined) return `the tasks of instance ${m.instance.instanceId} were not read`;
    for (const t of m.container.tasks) if (t.service) services.add(t.service);
  }
  const markedSince = Math.min(...picked.map((m) => m.phase.since ?? 0));
  const members = new Set(group.instances.filter((i) => i.lifecycleState === 'InService').map((i) => i.instanceId));
  const replacements = observed.containerInstances.filter((c) => members.has(c.ec2InstanceId) && c.status === 'ACTIVE'
    && decodePhase(c.phase) === undefined && Date.parse(c.registeredAt ?? '') >= markedSince);
  for (const name of [...services].sort()) {
    const service = observed.services?.[name];
    if (!service) continue; // deleted since: it can never be steady again, and ECS stops its tasks
    const reason = unsteadiness(service);
    if (reason) return reason;
    if (!service.daemon) continue;
    for (const r of replacements) {
      if (r.tasks === undefined) return `the tasks of replacement ${r.ec2InstanceId} were not read`;
      if (!r.tasks.some((t) => t.service === name && t.lastStatus === 'RUNNING')) {
        return `daemon service ${name} does not run on replacement ${r.ec2InstanceId} yet`;
      }
    }
  }
  return undefined;
}

/**
 * Standalone tasks (no service) still on a drained instance after the grace period: stopped, with a reason
 * ECS keeps on each task. Undefined when the policy is to wait, or there is nothing to stop.
 */
function standaloneToStop(
  instanceId: string,
  container: ObservedContainerInstance,
  since: number,
  now: number,
  imageId: string,
  group: string,
  config: RotationConfig,
): StopTasks | undefined {
  const grace = config.stopStandaloneTasksAfterSeconds;
  if (grace === undefined || now - since < grace * 1000 || container.tasks === undefined) return undefined;
  const standalone = container.tasks.filter((t) => t.service === undefined);
  if (standalone.length === 0) return undefined;
  return {
    kind: 'stop-tasks',
    group,
    instanceId,
    containerInstanceArn: container.containerInstanceArn,
    taskArns: standalone.map((t) => t.taskArn),
    reason: `ecs-ami-refresher: instance ${instanceId} is replaced by one on ${imageId}; standalone tasks are stopped after ${grace} s of drain`,
  };
}

/**
 * A group's first batch replaces only its canaries when a canary is configured and no serving instance runs
 * the target image yet (so a rotation resumed after its canaries, or a crash, never repeats them).
 */
function canaryCount(group: ObservedGroup, decision: ImageDecision, config: RotationConfig): number | undefined {
  if (!config.canary) return undefined;
  return servesTarget(group, decision) ? undefined : Math.max(1, config.canary.count);
}

/** Some member in service is not outdated: it runs the target image. */
function servesTarget(group: ObservedGroup, decision: ImageDecision): boolean {
  const outdated = new Set(decision.outdatedInstanceIds);
  return group.instances.some((i) => i.lifecycleState === 'InService' && !outdated.has(i.instanceId));
}

/**
 * The canaries' old instances are gone: record the soak's end, wait for it, then judge the canaries (every
 * serving instance on the target image): ACTIVE with a connected agent, every task on it RUNNING, every
 * service with a task on it steady. Healthy: the batch becomes an ordinary one and takes on the next window.
 * Unhealthy: the group stops (and, with rollbackOnFailedReplacement, is rolled back from the image).
 */
function afterCanaries(
  observed: ObservedCluster,
  group: ObservedGroup,
  decision: ImageDecision,
  config: RotationConfig,
  batch: Batch,
  next: readonly string[],
  budget: number,
  actions: Action[],
  /** Set when nothing new may start now (a closed window): healthy canaries end their rotation, the rest waits. */
  waitForNewWork?: () => GroupRotation,
): GroupRotation {
  const now = observed.observedAt;
  const soakSeconds = config.canary?.soakSeconds ?? 0;
  const soakUntil = batch.canary?.soakUntil;
  if (soakUntil === undefined && !servesTarget(group, decision)) {
    // Recorded, but its marks never landed (a crash between the two): nothing was replaced, so the record
    // goes and the next round starts the canaries afresh, as a batch whose marks are all gone would.
    actions.push({ kind: 'finish-batch', group: group.name, restoreMaxTo: maxToRestore(group, batch), resumeAzRebalance: batch.suspendedAzRebalance });
    return { phase: 'idle', actions, inFlight: 0, budget };
  }
  if (soakUntil === undefined || now < soakUntil) {
    const until = soakUntil ?? now + soakSeconds * 1000;
    if (soakUntil === undefined) actions.push({ kind: 'record-batch', group: group.name, batch: { ...batch, canary: { soakUntil: until } } });
    return {
      phase: 'soaking',
      waitingReason: `the canaries of ${group.name} on ${decision.targetImageId} soak until ${new Date(until).toISOString()}`,
      actions,
      inFlight: 0,
      budget,
    };
  }
  const problem = canaryProblem(observed, group, decision);
  if (problem === undefined) {
    const { canary: _done, waitingSince: _none, ...rest } = batch;
    if (next.length === 0 || waitForNewWork) {
      // Judged healthy: the record goes (max size and AZRebalance restored). A later rotation takes no canary,
      // since instances on the image serve, so the judgement stands across a closed window.
      actions.push({ kind: 'finish-batch', group: group.name, restoreMaxTo: maxToRestore(group, batch), resumeAzRebalance: batch.suspendedAzRebalance });
      return next.length === 0 ? { phase: 'idle', actions, inFlight: 0, budget } : waitForNewWork!();
    }
    const byInstance = new Map(observed.containerInstances.map((c) => [c.ec2InstanceId, c]));
    const target = batch.base + next.length;
    actions.push({
      kind: 'start-batch',
      group: group.name,
      // Started now: its marks' readiness is counted from now, not from the canaries' start.
      batch: { ...rest, target, startedAt: now },
      containerInstanceArns: next.map((id) => byInstance.get(id)!.containerInstanceArn),
      raiseMaxTo: target > group.maxSize ? target : undefined,
    });
    return { phase: 'replacing', actions, inFlight: next.length, budget };
  }
  if (config.rollbackOnFailedReplacement && group.currentImageId === decision.targetImageId) {
    actions.push({ kind: 'mark-failed-image', group: group.name, imageId: decision.targetImageId });
  }
  return {
    phase: 'stopped',
    stoppedReason: `the canaries of ${group.name} on ${decision.targetImageId} are unhealthy after their soak: ${problem}; ` +
      'no other instance is replaced until they are healthy',
    actions,
    inFlight: 0,
    budget,
  };
}

function canaryProblem(observed: ObservedCluster, group: ObservedGroup, decision: ImageDecision): string | undefined {
  const outdated = new Set(decision.outdatedInstanceIds);
  const byInstance = new Map(observed.containerInstances.map((c) => [c.ec2InstanceId, c]));
  const canaries = group.instances.filter((i) => ALIVE(i.lifecycleState) && !outdated.has(i.instanceId));
  if (canaries.length === 0) return `no instance of ${group.name} runs ${decision.targetImageId}`;
  for (const i of canaries) {
    const c = byInstance.get(i.instanceId);
    if (i.lifecycleState !== 'InService') return `canary ${i.instanceId} is ${i.lifecycleState}`;
    if (!c) return `canary ${i.instanceId} is not registered in the cluster`;
    if (c.status !== 'ACTIVE' || !c.agentConnected) return `canary ${i.instanceId} is ${c.status}${c.agentConnected ? '' : ' with its agent disconnected'}`;
    if (c.tasks === undefined) return `the tasks of canary ${i.instanceId} were not read`;
    const notRunning = c.tasks.find((t) => t.lastStatus !== 'RUNNING');
    if (notRunning) return `task ${notRunning.taskArn} on canary ${i.instanceId} is ${notRunning.lastStatus}`;
    for (const name of [...new Set(c.tasks.map((t) => t.service).filter((n): n is string => n !== undefined))].sort()) {
      const service = observed.services?.[name];
      const reason = service ? unsteadiness(service) : undefined;
      if (reason) return reason;
    }
  }
  return undefined;
}

/**
 * Cordons no rotation answers for: on instances of groups refused or not rotated this round (a bad parameter
 * value mid-rotation), of groups that could not be read, or outside every group. A cordon must never outlive
 * the rotation that wrote it, or services placed with the constraint lose that room for good.
 */
export function strayCordons(observed: ObservedCluster, rotated: ReadonlySet<string>): Action[] {
  const groupOf = new Map<string, string>();
  for (const g of observed.groups) for (const i of g.instances) groupOf.set(i.instanceId, g.name);
  const stray = new Map<string, string[]>();
  for (const c of observed.containerInstances) {
    if (c.cordoned === undefined || c.status !== 'ACTIVE' || decodePhase(c.phase) !== undefined) continue;
    const group = groupOf.get(c.ec2InstanceId);
    if (group !== undefined && rotated.has(group)) continue;
    const key = group ?? '(no group)';
    stray.set(key, [...(stray.get(key) ?? []), c.containerInstanceArn]);
  }
  return [...stray.entries()].map(([group, containerInstanceArns]) => ({ kind: 'uncordon', group, containerInstanceArns }));
}

/**
 * Rolling back from an image whose replacements never registered, one safe step a round: point the launch
 * source back at the image the old instances run; terminate the replacements on the failed image that never
 * became ACTIVE in the cluster (they run no task); release the marked instances; close the batch. The
 * group stays stopped (and alarmed) until the parameter names another image.
 */
function rollBack(
  observed: ObservedCluster,
  group: ObservedGroup,
  failedImage: string,
  batch: Batch | undefined,
  marked: ReadonlyArray<{ readonly instance: { readonly instanceId: string }; readonly container?: ObservedContainerInstance }>,
  budget: number,
  actions: Action[],
): GroupRotation {
  const byInstance = new Map(observed.containerInstances.map((c) => [c.ec2InstanceId, c]));
  const alive = group.instances.filter((i) => ALIVE(i.lifecycleState));
  const previous = mostCommon(alive
    .map((i) => observed.instances[i.instanceId]?.imageId)
    .filter((image): image is string => image !== undefined && image !== failedImage));
  // Instances on the failed image serving in the cluster: it was refused for unhealthy canaries, not for replacements that never registered.
  const canaries = alive.filter((i) => observed.instances[i.instanceId]?.imageId === failedImage && byInstance.get(i.instanceId)?.status === 'ACTIVE');
  const stoppedReason = (canaries.length > 0
    ? `the canaries on image ${failedImage} were unhealthy after their soak; ${group.name} was rolled back`
    : `replacements on image ${failedImage} never became ACTIVE in the cluster; ${group.name} was rolled back`) +
    `${previous ? ` to ${previous}` : ''} and waits for its parameter to name another image` +
    (canaries.length > 0 ? ` (canaries ${canaries.map((i) => i.instanceId).join(', ')} stay in service on ${failedImage})` : '');

  if (group.currentImageId === failedImage && previous) {
    const update = launchSourceAction(group, previous, observed.clusterName, observed.observedAt);
    if ('action' in update) actions.push(update.action);
    return { phase: 'stopped', stoppedReason, actions, inFlight: marked.length, budget };
  }
  for (const i of alive) {
    const container = byInstance.get(i.instanceId);
    const registered = container !== undefined && container.status !== 'INACTIVE';
    if (!registered && observed.instances[i.instanceId]?.imageId === failedImage) {
      actions.push({ kind: 'terminate', group: group.name, instanceId: i.instanceId, forced: false, runningTasks: 0 });
    }
  }
  const release = marked.map((m) => m.container).filter((c): c is ObservedContainerInstance => c !== undefined);
  if (release.length > 0) {
    actions.push({
      kind: 'unmark',
      group: group.name,
      containerInstanceArns: release.map((c) => c.containerInstanceArn),
      reactivate: release.filter((c) => c.status === 'DRAINING').map((c) => c.containerInstanceArn),
    });
  } else if (batch) {
    actions.push({ kind: 'finish-batch', group: group.name, restoreMaxTo: maxToRestore(group, batch), resumeAzRebalance: batch.suspendedAzRebalance });
  }
  return { phase: 'stopped', stoppedReason, actions, inFlight: marked.length, budget };
}

/**
 * The max size to restore when a batch ends: only if it is still the value the batch raised it to (someone
 * else may have changed it since), and never below the group's desired capacity (lowering max below it
 * would make Auto Scaling terminate instances undrained).
 */
function maxToRestore(group: ObservedGroup, batch: Batch): number | undefined {
  const raisedTo = batch.raisedMax ?? batch.target;
  if (raisedTo <= batch.originalMax || group.maxSize !== raisedTo || group.desiredCapacity > batch.originalMax) return undefined;
  return batch.originalMax;
}

/** The batch record as this round's earlier actions leave it (a raised max they record), so a later record keeps it. */
function latestRecord(batch: Batch, actions: readonly Action[]): Batch {
  let latest = batch;
  for (const a of actions) if ((a.kind === 'set-desired' || a.kind === 'mark-more') && a.record) latest = a.record;
  return latest;
}

/** The rotation's record, re-written when max is raised beyond what it says, so the end restores it. */
function withRaisedMax(batch: Batch, raiseMaxTo: number | undefined): Batch | undefined {
  if (raiseMaxTo === undefined || raiseMaxTo <= Math.max(batch.target, batch.raisedMax ?? 0)) return undefined;
  return { ...batch, raisedMax: raiseMaxTo };
}

function mostCommon(values: readonly string[]): string | undefined {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0];
}

/**
 * A new template version with only the image changed, then wherever the group reads its version from.
 * A version this engine already created for the target (found as `$Latest`) is reused, never duplicated.
 * A launch configuration is copied with the new image and the group switched to the copy.
 */
function launchSourceAction(group: ObservedGroup, imageId: string, clusterName: string, now: number): { action: Action } | { stopped: string } {
  const source = group.launchSource;
  if (source.kind === 'launch-configuration') {
    const refusedAt = decodeEpoch(group.tags[LAUNCH_CONFIGURATIONS_UNSUPPORTED_TAG]);
    if (refusedAt !== undefined) {
      return {
        stopped: `group ${group.name} uses launch configuration ${source.launchConfigurationName}, and this account may no longer create ` +
          `launch configurations (AWS refused at ${new Date(refusedAt).toISOString()}: accounts created on or after 1 October 2024 cannot); ` +
          'migrate the group to a launch template (Amazon EC2 Auto Scaling User Guide, "Migrate your Auto Scaling groups to launch ' +
          `templates"), or remove the ${LAUNCH_CONFIGURATIONS_UNSUPPORTED_TAG} tag to try again`,
      };
    }
    const name = launchConfigurationCopyName(clusterName, source.launchConfigurationName, imageId);
    if (name === undefined) {
      return {
        stopped: `group ${group.name} uses launch configuration ${source.launchConfigurationName}, and a copy's name ` +
          `(${launchConfigurationPrefix(clusterName)}<image>.<name>) cannot fit the ${LAUNCH_CONFIGURATION_NAME_MAX} characters AWS allows; ` +
          'migrate the group to a launch template',
      };
    }
    return { action: { kind: 'switch-launch-configuration', group: group.name, sourceName: source.launchConfigurationName, name, imageId, at: now } };
  }
  if (source.kind !== 'launch-template' || source.resolvedVersion === undefined) {
    return { stopped: `the launch template version of group ${group.name} could not be resolved` };
  }
  if (source.overrides?.some((o) => o.template)) return { action: mixedTemplatesAction(group, source, imageId) };
  const use: TemplateUse = source.version === '$Latest' ? 'none' : source.version === '$Default' ? 'default-version' : 'group-version';
  const latest = source.latestVersion;
  if (use !== 'none' && latest && latest.imageIdExpression === imageId && latest.createdByEngine && latest.number !== source.resolvedVersion) {
    return {
      action: {
        kind: 'use-template-version',
        group: group.name,
        launchTemplateId: source.launchTemplateId,
        version: latest.number,
        use,
        mixedInstancesPolicy: source.mixedInstancesPolicy,
      },
    };
  }
  return {
    action: {
      kind: 'create-template-version',
      group: group.name,
      launchTemplateId: source.launchTemplateId,
      sourceVersion: source.resolvedVersion,
      imageId,
      use,
      mixedInstancesPolicy: source.mixedInstancesPolicy,
    },
  };
}

/**
 * Every template of a mixed instances policy with override templates that does not launch the image yet: the
 * group's own (unless it already does) and each distinct override template with a literal image (plan.ts made
 * sure the others resolve the group's parameter at launch), each once.
 */
function mixedTemplatesAction(
  group: ObservedGroup,
  source: Extract<ObservedGroup['launchSource'], { kind: 'launch-template' }>,
  imageId: string,
): UpdateMixedTemplates {
  const steps: MixedTemplateStep[] = [];
  const seen = new Set<string>();
  const add = (t: { launchTemplateId: string; version: string; resolvedVersion?: number; latestVersion?: TemplateVersion }) => {
    const key = `${t.launchTemplateId}@${t.version}`;
    if (seen.has(key) || t.resolvedVersion === undefined) return;
    seen.add(key);
    const latest = t.latestVersion;
    const reusable = t.version !== '$Latest' && latest !== undefined && latest.imageIdExpression === imageId && latest.createdByEngine
      && latest.number !== t.resolvedVersion;
    steps.push(reusable
      ? { launchTemplateId: t.launchTemplateId, reference: t.version, reuseVersion: latest!.number }
      : { launchTemplateId: t.launchTemplateId, reference: t.version, sourceVersion: t.resolvedVersion });
  };
  if (group.currentImageId !== imageId) add(source);
  for (const o of source.overrides ?? []) {
    const t = o.template;
    if (t?.imageIdExpression !== undefined && ssmAliasParameter(t.imageIdExpression) === undefined && t.imageIdExpression !== imageId) add(t);
  }
  return {
    kind: 'update-mixed-templates',
    group: group.name,
    imageId,
    steps,
    main: { launchTemplateId: source.launchTemplateId, version: source.version },
    overrides: source.overrides ?? [],
  };
}
