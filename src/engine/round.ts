/**
 * One round of the reconciler: observe the cluster, plan each group's image, decide each group's rotation,
 * add notifications and housekeeping, and (holding the lease) act. The Lambda's run repeats it; the CLI's
 * `plan` and `status` stop after the decision (`decideRound`), so they show what a round would do.
 */
import { act, ActionOutcome } from './act/act';
import type { Action } from './actions';
import type { EngineSettings } from './config';
import { unusedLaunchConfigurations } from './decide/launch-configurations';
import { withNotifications } from './decide/notify';
import { plan, RotationPlan } from './decide/plan';
import { withRefusalStops } from './decide/refusals';
import { GroupRotation, RotationConfig, strayCordons } from './decide/rotate';
import { templateVersionPruning } from './decide/template-versions';
import type { RunLease } from './lease';
import type { ObservedCluster } from './model';
import { FullReads, ImageCache, observeCluster, WorkloadOptions } from './observe/observe';
import { inFlight, rotationsFor, withMarkCandidates } from './rotations';
import type { AwsApi } from '../aws/ports';
import type { Lease } from '../shared/records';

/** What a round decided: the observation, each group's image decision and each group's rotation decision. */
export interface RoundDecision {
  readonly observed: ObservedCluster;
  readonly plan: RotationPlan;
  readonly rotations: ReadonlyMap<string, GroupRotation>;
}

export interface Round extends RoundDecision {
  readonly index: number;
  readonly outcomes: readonly ActionOutcome[];
  /** Set when another actor holds the lease: this round only observed. */
  readonly leaseHolder?: Lease;
}

export interface DecideOptions {
  /** Epoch ms stamped on the observation. */
  readonly now: number;
  /** What is known of images from earlier rounds and runs; absent: every image is read. */
  readonly imageCache?: ImageCache;
  /** What this process's last full read found (a warm Lambda); absent: every container instance is read. */
  readonly fullReads?: FullReads;
}

/** Observe, plan, and decide each group's rotation: reads only, the same for a round and for the CLI's plan. */
export async function decideRound(api: AwsApi, settings: EngineSettings, options: DecideOptions): Promise<RoundDecision> {
  const seen = await observeCluster(api, {
    clusterName: settings.clusterName,
    groupNames: settings.groupNames,
    discoverGroups: settings.discoverGroups,
    groupOverrides: settings.groupOverrides,
    describeUnmanagedInstances: settings.rotation.unmanagedReplacementGroup !== undefined,
    amiParameters: settings.amiParameters,
    now: options.now,
    knownCapacityProviders: settings.knownCapacityProviders,
    imageCache: options.imageCache,
    fullReads: options.fullReads,
    force: settings.rotation.force,
    workload: workloadOptions(settings.rotation),
  });
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
  return { observed, plan: rotationPlan, rotations: rotationsFor(observed, rotationPlan, settings.rotation) };
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

export interface RoundActions {
  /** In the order they are applied. */
  readonly actions: readonly Action[];
  /** Whether the round's decision has work that the next round continues. */
  readonly busy: boolean;
}

/** The rotations' actions with notifications, stray cordons lifted and housekeeping, cordons first. */
export function roundActions(decision: RoundDecision, settings: EngineSettings): RoundActions {
  const { observed, plan: rotationPlan, rotations } = decision;
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
  // Neither a notification alone (one that failed is published again by the next run, not retried every
  // round of this one) nor housekeeping (deleting unused launch configuration copies: one a group outside
  // the cluster still uses stays, AWS refuses) keeps a run going round after round.
  const busy = [...rotations.values()].some(inFlight) || groupActions.some((a) => a.kind !== 'notify');
  return { actions, busy };
}

export interface RoundOptions extends DecideOptions {
  readonly api: AwsApi;
  readonly settings: EngineSettings;
  readonly index: number;
  /** The run's lease, taken before the round's first write. */
  readonly lease: RunLease;
}

/** One round: decide, then act unless this is a dry run, there is nothing to do, or another actor holds the lease. */
export async function playRound(options: RoundOptions): Promise<{ readonly round: Round; readonly busy: boolean }> {
  const { api, settings } = options;
  const decision = await decideRound(api, settings, options);
  const { actions, busy } = roundActions(decision, settings);
  let leaseHolder: Lease | undefined;
  let outcomes: ActionOutcome[] = [];
  if (!settings.dryRun && actions.length > 0) {
    // The lease is taken only when there is something to write, so an idle run stays read-only.
    leaseHolder = await options.lease.holdFor(decision.observed.clusterArn, decision.observed.clusterTags);
    if (!leaseHolder) {
      const targetImages = new Map(decision.plan.groups.flatMap((g) => (g.targetImageId ? [[g.groupName, g.targetImageId] as const] : [])));
      outcomes = await act({ api, clusterArn: decision.observed.clusterArn, targetImages, now: () => decision.observed.observedAt }, actions);
    }
  }
  const rotations = withRefusalStops(decision.rotations, outcomes);
  return { round: { index: options.index, ...decision, rotations, outcomes, leaseHolder }, busy };
}
