/**
 * The reconciler. Each round observes the cluster afresh, plans, and (holding the lease) acts; it keeps
 * going while a rotation is in flight and its time budget allows, then returns. Nothing is carried from
 * one run to the next except what it wrote on AWS resources, so any run can pick up where another left.
 */
import { act, ActionOutcome } from './act/act';
import type { EngineSettings } from './config';
import { unusedLaunchConfigurations } from './decide/launch-configurations';
import { ObservedCluster } from './model';
import { AwsApi } from '../aws/ports';
import { withNotifications } from './decide/notify';
import { GroupPlan, plan, RotationPlan } from './decide/plan';
import { drainsHeldForCordons, GroupRotation, ImageDecision, markCandidates, rotateGroup, RotationConfig, strayCordons } from './decide/rotate';
import { acquireLease, overtaken, releaseLease } from './lease';
import { Lease } from '../shared/records';
import { templateVersionPruning } from './decide/template-versions';
import { readinessTimeoutFor, withUnmanagedReplacement } from './decide/unmanaged';
import { FullReads, ImageCache, observeCluster, readMarkCandidates, WorkloadOptions } from './observe/observe';

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export interface EngineOptions {
  readonly api: AwsApi;
  readonly clock: Clock;
  readonly settings: EngineSettings;
  /** Who holds the lease: `lambda:<request id>`, `cli:<host>:<pid>`. */
  readonly owner: string;
  /** Epoch ms after which no new round starts. */
  readonly deadline: number;
  /** Between rounds while a rotation is in flight. */
  readonly pollIntervalMs: number;
  /** Told of every round, e.g. to log or print progress. */
  readonly onRound?: (round: Round) => void;
  /** Kept by the caller across runs of one process (a warm Lambda); a run without one reads every image. */
  readonly imageCache?: ImageCache;
  /**
   * Kept by the caller across runs of one process (a warm Lambda): between full reads, an idle cluster is
   * confirmed with a few calls (see observe.ts). A run without one reads every container instance.
   */
  readonly fullReads?: FullReads;
}

export interface Round {
  readonly index: number;
  readonly observed: ObservedCluster;
  readonly plan: RotationPlan;
  readonly rotations: ReadonlyMap<string, GroupRotation>;
  readonly outcomes: readonly ActionOutcome[];
  /** Set when another actor holds the lease: this round only observed. */
  readonly leaseHolder?: Lease;
}

export interface RunResult {
  readonly rounds: number;
  readonly last: Round;
  /** True when no group has work in flight or pending (everything is up to date, refused or stopped). */
  readonly settled: boolean;
  readonly outcomes: readonly ActionOutcome[];
  readonly leaseHolder?: Lease;
}

/**
 * When a scheduled run stops. Invocations come every `periodMs` and the function runs one at a time
 * (reserved concurrency 1), so a tick that finds a run still going is throttled; Lambda retries the event
 * only for its maximum age (one minute, as the construct sets it, so events do not pile up) and then drops
 * it: a run that used its whole budget would leave the cluster unattended until the tick after. Ending
 * instead just before the last tick inside the budget hands over to the next invocation at once.
 */
export function runDeadline(options: {
  readonly startedAt: number;
  readonly budgetMs: number;
  /** The schedule's period, when it has one (a rate expression); undefined for cron schedules. */
  readonly periodMs?: number;
  /** The tick this invocation was scheduled for; defaults to its start. */
  readonly scheduledAt?: number;
}): number {
  const end = options.startedAt + Math.max(0, options.budgetMs);
  const { periodMs } = options;
  if (periodMs === undefined || periodMs <= 0) return end;
  const tick = options.scheduledAt !== undefined && options.scheduledAt <= options.startedAt && options.startedAt - options.scheduledAt < periodMs
    ? options.scheduledAt : options.startedAt;
  const lastTick = tick + Math.floor((end - tick) / periodMs) * periodMs;
  return lastTick - HANDOVER_MS > options.startedAt ? Math.min(end, lastTick - HANDOVER_MS) : end;
}

/** How long before the next tick a scheduled run ends, so the tick finds the function free. */
export const HANDOVER_MS = 5_000;

/** How long a lease outlives its last renewal: a crashed holder blocks others this long at most. */
export const LEASE_TTL_MS = 5 * 60_000;

export async function runEngine(options: EngineOptions): Promise<RunResult> {
  const { api, clock, settings } = options;
  const imageCache = options.imageCache ?? new ImageCache();
  const outcomes: ActionOutcome[] = [];
  let lease: Lease | undefined;
  let last: Round | undefined;
  let clusterArn: string | undefined;

  try {
    for (let index = 1; ; index++) {
      const seen = await observeCluster(api, {
        clusterName: settings.clusterName,
        groupNames: settings.groupNames,
        discoverGroups: settings.discoverGroups,
        groupOverrides: settings.groupOverrides,
        describeUnmanagedInstances: settings.rotation.unmanagedReplacementGroup !== undefined,
        amiParameters: settings.amiParameters,
        now: clock.now(),
        knownCapacityProviders: settings.knownCapacityProviders,
        imageCache,
        fullReads: options.fullReads,
        force: settings.rotation.force,
        workload: workloadOptions(settings.rotation),
      });
      clusterArn = seen.clusterArn;
      const rotationPlan = plan(seen, {
        amiParameters: settings.amiParameters,
        requireClusterTag: settings.requireClusterTag,
        groupOverrides: settings.groupOverrides,
        unmanagedReplacementGroup: settings.rotation.unmanagedReplacementGroup,
        force: settings.rotation.force,
        minimumAmiAgeSeconds: settings.rotation.minimumAmiAgeSeconds,
      });
      if (options.fullReads && seen.idle === undefined) {
        options.fullReads.record(settings.clusterName, seen.observedAt, seen.groups, readIdle(seen, rotationPlan));
      }
      const observed = await withMarkCandidates(api, seen, rotationPlan, settings.rotation);
      const rotations = rotationsFor(observed, rotationPlan, settings.rotation);
      const groupActions = [
        ...withNotifications(observed, rotationPlan, rotations, settings.notificationTopicArn),
        ...strayCordons(observed, new Set(rotations.keys())),
      ];
      const ordered = [
        ...groupActions,
        ...templateVersionPruning(observed, rotations, settings.rotation.templateVersionsToKeep),
        ...unusedLaunchConfigurations(observed, groupActions),
      ];
      // Every group's cordons before any group's drain: services placed in several groups start the drained
      // tasks the moment a drain lands, on any outdated instance not cordoned by then.
      const actions = [...ordered.filter((a) => a.kind === 'cordon'), ...ordered.filter((a) => a.kind !== 'cordon')];

      let leaseHolder: Lease | undefined;
      let roundOutcomes: ActionOutcome[] = [];
      if (!settings.dryRun && actions.length > 0) {
        // The lease is taken only when there is something to write, so an idle run stays read-only.
        if (lease && overtaken(lease, observed.clusterTags)) lease = undefined;
        if (!lease || lease.expiresAt - clock.now() < LEASE_TTL_MS / 2) {
          const result = await acquireLease({
            api,
            clusterArn: observed.clusterArn,
            owner: options.owner,
            now: clock.now(),
            ttlMs: LEASE_TTL_MS,
            tags: observed.clusterTags ?? {},
          });
          if (result.held) lease = result.lease;
          else leaseHolder = result.holder;
        }
        if (!leaseHolder) roundOutcomes = await act({ api, clusterArn: observed.clusterArn }, actions);
      }
      outcomes.push(...roundOutcomes);
      last = { index, observed, plan: rotationPlan, rotations, outcomes: roundOutcomes, leaseHolder };
      options.onRound?.(last);

      // Neither a notification alone (one that failed is published again by the next run, not retried every
      // round of this one) nor housekeeping (deleting unused launch configuration copies: one a group outside
      // the cluster still uses stays, AWS refuses) keeps a run going round after round.
      const busy = [...rotations.values()].some(inFlight) || groupActions.some((a) => a.kind !== 'notify');
      if (settings.dryRun || leaseHolder || !busy) {
        return { rounds: index, last, settled: !busy, outcomes, leaseHolder };
      }
      if (clock.now() + options.pollIntervalMs >= options.deadline) {
        return { rounds: index, last, settled: false, outcomes };
      }
      await clock.sleep(options.pollIntervalMs);
    }
  } finally {
    if (lease && clusterArn) {
      // Released at the end of every run, so a terminal run can act between two scheduled runs.
      await releaseLease(api, clusterArn, options.owner);
    }
  }
}

/**
 * A full read that found nothing to do and nothing the idle shortcut could miss: every group observed and up
 * to date, every member registered ACTIVE, no container instance outside the groups.
 */
function readIdle(observed: ObservedCluster, rotationPlan: RotationPlan): boolean {
  const active = new Set(observed.containerInstances.filter((c) => c.status === 'ACTIVE').map((c) => c.ec2InstanceId));
  return observed.groupFailures.length === 0 && rotationPlan.unmanagedInstanceIds.length === 0
    && rotationPlan.groups.every((g) => g.status === 'up-to-date')
    && observed.groups.every((g) => g.instances.every((i) => active.has(i.instanceId)));
}

/** The tasks and services the rotation's policies need observed (none without those policies). */
export function workloadOptions(config: RotationConfig): WorkloadOptions | undefined {
  if (!config.waitForSteadyServices && !config.canary && config.stopStandaloneTasksAfterSeconds === undefined) return undefined;
  return {
    steadyServices: config.waitForSteadyServices === true,
    maxUnavailable: config.maxUnavailable,
    canary: config.canary !== undefined,
    standaloneGraceMs: config.stopStandaloneTasksAfterSeconds === undefined ? undefined : config.stopStandaloneTasksAfterSeconds * 1000,
  };
}

function inFlight(rotation: GroupRotation): boolean {
  return rotation.phase === 'replacing' || rotation.phase === 'draining' || rotation.phase === 'updating-launch-template'
    || rotation.phase === 'soaking';
}

/**
 * With `skipInstancesWithStandaloneTasks`, the observation with the tasks of each group's next candidates for
 * marking read (the plan says which instances are outdated, so this comes after it); otherwise unchanged.
 */
export async function withMarkCandidates(
  api: AwsApi,
  observed: ObservedCluster,
  rotationPlan: RotationPlan,
  config: RotationConfig,
): Promise<ObservedCluster> {
  if (!config.skipInstancesWithStandaloneTasks) return observed;
  const wanted = rotationPlan.groups.flatMap((groupPlan) => {
    const group = observed.groups.find((g) => g.name === groupPlan.groupName);
    return group && rotatable(groupPlan) ? [markCandidates(observed, group, imageDecisionOf(groupPlan), config)] : [];
  }).filter((w) => w.room > 0 && w.candidates.length > 0);
  return wanted.length === 0 ? observed : readMarkCandidates(api, observed, wanted);
}

function imageDecisionOf(groupPlan: GroupPlan): ImageDecision {
  return {
    targetImageId: groupPlan.targetImageId!,
    updateLaunchSource: groupPlan.updateLaunchSource,
    outdatedInstanceIds: groupPlan.outdatedInstances.map((i) => i.instanceId),
    ...(groupPlan.pendingImage ? { pendingImage: groupPlan.pendingImage } : {}),
  };
}

/** The rotation decision of every group whose image decision allows one. */
export function rotationsFor(observed: ObservedCluster, rotationPlan: RotationPlan, config: RotationConfig): Map<string, GroupRotation> {
  const rotations = new Map<string, GroupRotation>();
  const groups = rotationPlan.groups.flatMap((groupPlan) => {
    const group = observed.groups.find((g) => g.name === groupPlan.groupName);
    if (!group || !rotatable(groupPlan)) return [];
    // Each group in its own budget and with its own readiness timeout (Windows hosts are slower).
    const groupConfig = { ...config, readinessTimeoutSeconds: readinessTimeoutFor(groupPlan, config) };
    return [{ group, decision: imageDecisionOf(groupPlan), config: groupConfig, platform: groupPlan.platform }];
  });
  // Cordons are per group, placement is cluster-wide: a drain waits while another group cannot cordon yet.
  const held = drainsHeldForCordons(observed, groups);
  for (const { group, decision, config: groupConfig } of groups) {
    const drainsWaitFor = held.get(group.name);
    const roundConfig = drainsWaitFor === undefined ? groupConfig : { ...groupConfig, drainsWaitFor };
    const rotation = rotateGroup(observed, group, decision, roundConfig);
    rotations.set(group.name, config.unmanagedReplacementGroup === group.name
      ? withUnmanagedReplacement(observed, rotationPlan, group, rotation, roundConfig)
      : rotation);
  }
  return rotations;
}

function rotatable(groupPlan: GroupPlan): boolean {
  return (groupPlan.status === 'outdated' || groupPlan.status === 'up-to-date') && groupPlan.targetImageId !== undefined;
}
