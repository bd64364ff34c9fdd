/**
 * What a run reports: metric points and log records derived from a plan. Pure, so the Lambda (through
 * Powertools), the CLI and the tests all report the same numbers.
 */
import type { ActionOutcome } from './act/act';
import type { PlanTotals, RotationPlan } from './decide/plan';
import type { GroupRotation } from './decide/rotate';
import type { ObservedCluster } from './model';
import type { Round } from './round';
import type { RunResult } from './run';
import { Dimension, MetricName } from '../shared/constants';
import { decodePhase } from '../shared/records';

export interface MetricPoint {
  readonly name: string;
  readonly unit: 'Count' | 'Seconds';
  readonly value: number;
  /** Absent: a cluster-level point (the one alarms watch). */
  readonly group?: string;
}

export function planMetrics(plan: RotationPlan): MetricPoint[] {
  const points: MetricPoint[] = [
    { name: MetricName.OUTDATED_INSTANCES, unit: 'Count', value: plan.totals.outdatedInstances },
    { name: MetricName.UP_TO_DATE_INSTANCES, unit: 'Count', value: plan.totals.upToDateInstances },
    { name: MetricName.OBSERVE_FAILURES, unit: 'Count', value: plan.totals.unobservedGroups },
    { name: MetricName.GROUPS_REFUSED, unit: 'Count', value: plan.totals.refusedGroups },
    { name: MetricName.OLDEST_OUTDATED_AGE, unit: 'Seconds', value: plan.totals.oldestOutdatedAgeSeconds },
    { name: MetricName.UNMANAGED_INSTANCES, unit: 'Count', value: plan.unmanagedInstanceIds.length },
    { name: MetricName.GROUPS_UNKNOWN_FAMILY, unit: 'Count', value: plan.totals.unknownFamilyGroups },
  ];
  for (const group of plan.groups) {
    if (group.status === 'unobserved' || group.status === 'refused') continue;
    points.push(
      { name: MetricName.OUTDATED_INSTANCES, unit: 'Count', value: group.outdatedInstances.length, group: group.groupName },
      { name: MetricName.UP_TO_DATE_INSTANCES, unit: 'Count', value: group.upToDateCount, group: group.groupName },
    );
  }
  return points;
}

/** Rotation progress: stopped groups and failed actions (alarmed), draining instances, instances replaced. */
export function rotationMetrics(
  rotations: ReadonlyMap<string, GroupRotation>,
  outcomes: readonly ActionOutcome[],
  containerDrainingByGroup: ReadonlyMap<string, number>,
  /** The round's observation: drain durations are read from the `draining:<ms>` records of the instances terminated. */
  observed?: ObservedCluster,
): MetricPoint[] {
  const replaced = new Map<string, number>();
  const failed = new Map<string, number>();
  for (const o of outcomes) {
    if (o.ok && o.action.kind === 'terminate') replaced.set(o.action.group, (replaced.get(o.action.group) ?? 0) + 1);
    if (!o.ok) failed.set(o.action.group, (failed.get(o.action.group) ?? 0) + 1);
  }
  // One point per instance terminated after draining, so Average and Maximum are over instances, not rounds.
  const drains: MetricPoint[] = [];
  const phaseOf = new Map((observed?.containerInstances ?? []).map((c) => [c.ec2InstanceId, decodePhase(c.phase)]));
  for (const o of outcomes) {
    if (!o.ok || o.action.kind !== 'terminate') continue;
    const phase = phaseOf.get(o.action.instanceId);
    if (phase?.kind !== 'draining') continue;
    const value = Math.max(0, Math.round((observed!.observedAt - phase.since) / 1000));
    drains.push({ name: MetricName.DRAIN_DURATION, unit: 'Seconds', value }, { name: MetricName.DRAIN_DURATION, unit: 'Seconds', value, group: o.action.group });
  }
  const stopped = [...rotations.values()].filter((r) => r.phase === 'stopped').length;
  const waiting = [...rotations.values()].filter((r) => r.phase === 'waiting').length;
  const points: MetricPoint[] = [
    { name: MetricName.GROUPS_STOPPED, unit: 'Count', value: stopped },
    { name: MetricName.GROUPS_WAITING, unit: 'Count', value: waiting },
    { name: MetricName.INSTANCES_REPLACED, unit: 'Count', value: sumValues(replaced) },
    { name: MetricName.ACTION_FAILURES, unit: 'Count', value: sumValues(failed) },
    { name: MetricName.INSTANCES_DRAINING, unit: 'Count', value: sumValues(containerDrainingByGroup) },
    ...drains,
  ];
  for (const group of rotations.keys()) {
    points.push(
      { name: MetricName.INSTANCES_REPLACED, unit: 'Count', value: replaced.get(group) ?? 0, group },
      { name: MetricName.ACTION_FAILURES, unit: 'Count', value: failed.get(group) ?? 0, group },
      { name: MetricName.INSTANCES_DRAINING, unit: 'Count', value: containerDrainingByGroup.get(group) ?? 0, group },
    );
  }
  return points;
}

function sumValues(map: ReadonlyMap<string, number>): number {
  let total = 0;
  for (const v of map.values()) total += v;
  return total;
}

/** One log record per group: everything an operator needs to see what the engine decided and why. */
export function groupRecords(plan: RotationPlan): Array<Record<string, unknown>> {
  return plan.groups.map((g) => ({
    message: groupMessage(g.status),
    autoScalingGroup: g.groupName,
    status: g.status,
    reason: g.reason,
    family: g.family,
    architecture: g.architecture,
    familyFrom: g.familyFrom,
    unknownFamily: g.unknownFamily,
    platform: g.platform,
    parameterName: g.parameterName,
    parameterFrom: g.parameterFrom,
    currentImageId: g.currentImageId,
    targetImageId: g.targetImageId,
    updateLaunchSource: g.updateLaunchSource,
    instances: g.instanceCount,
    upToDate: g.upToDateCount,
    outdated: g.outdatedInstances.map((i) => ({ instanceId: i.instanceId, imageId: i.imageId, runningTasks: i.runningTasksCount })),
  }));
}

function groupMessage(status: string): string {
  switch (status) {
    case 'up-to-date': return 'group is on its target image';
    case 'outdated': return 'group has instances to replace';
    case 'refused': return 'group refused';
    default: return 'group could not be observed';
  }
}

/** A log record of a round, for whatever logger the caller has (the Lambda's Powertools logger). */
export interface LogRecord {
  readonly level: 'info' | 'warn' | 'error';
  readonly message: string;
  readonly fields: Readonly<Record<string, unknown>>;
}

/** The full plan on the first round; afterwards only what changed hands: actions and stopped groups. */
export function roundLog(round: Round, full: boolean): LogRecord[] {
  const rotations = [...round.rotations];
  return [
    ...(full ? planLog(round) : []),
    ...rotations.flatMap(([group, rotation]) => rotationLog(group, rotation)),
    ...(full ? rotations.flatMap(([group, rotation]) => skippedLog(group, rotation)) : []),
    ...round.outcomes.map((outcome) => outcomeLog(outcome, round.index)),
  ];
}

function record(level: LogRecord['level'], message: string, fields: Record<string, unknown>): LogRecord {
  return { level, message, fields };
}

function planLog(round: Round): LogRecord[] {
  const records = groupRecords(round.plan).map(({ message, ...fields }) => (fields.status === 'refused' || fields.status === 'unobserved'
    ? record('error', String(message), fields)
    : record('info', String(message), { ...fields, phase: round.rotations.get(String(fields.autoScalingGroup))?.phase })));
  if (round.plan.unmanagedInstances.length > 0) {
    records.push(record('warn', 'container instances outside every managed group', {
      instances: round.plan.unmanagedInstances.map((u) => ({ instanceId: u.instanceId, replaceable: u.replaceable, reason: u.reason })),
    }));
  }
  return records;
}

function rotationLog(group: string, rotation: GroupRotation): LogRecord[] {
  const records: LogRecord[] = [];
  if (rotation.phase === 'stopped') records.push(record('error', 'rotation stopped', { autoScalingGroup: group, reason: rotation.stoppedReason }));
  // A wait the user scheduled (maintenance window, minimum AMI age, skipped standalone tasks) is no warning.
  if (rotation.phase === 'waiting' && rotation.waitingOn) {
    records.push(record('info', 'rotation waiting', { autoScalingGroup: group, reason: rotation.waitingReason, waitingOn: rotation.waitingOn }));
  } else if (rotation.phase === 'waiting') {
    records.push(record('warn', 'rotation waiting', { autoScalingGroup: group, reason: rotation.waitingReason }));
  } else if (rotation.waitingReason) {
    records.push(record('info', 'rotation holding', { autoScalingGroup: group, phase: rotation.phase, reason: rotation.waitingReason }));
  }
  return records;
}

function skippedLog(group: string, rotation: GroupRotation): LogRecord[] {
  return rotation.skipped ? [record('info', 'instances skipped: they run standalone tasks', { autoScalingGroup: group, skipped: rotation.skipped })] : [];
}

function outcomeLog(outcome: ActionOutcome, round: number): LogRecord {
  const fields = { autoScalingGroup: outcome.action.group, action: outcome.action, round };
  return outcome.ok
    ? record('info', `did ${outcome.action.kind}`, fields)
    : record('error', `failed ${outcome.action.kind}`, { ...fields, error: outcome.error });
}

/** Every point a round reports: the plan's and the rotations'. */
export function roundMetrics(round: Round): MetricPoint[] {
  return [
    ...planMetrics(round.plan),
    ...rotationMetrics(round.rotations, round.outcomes, drainingByGroup(round), round.observed),
  ];
}

function drainingByGroup(round: Round): Map<string, number> {
  const draining = new Map<string, number>();
  const statusOf = new Map(round.observed.containerInstances.map((c) => [c.ec2InstanceId, c.status]));
  for (const group of round.observed.groups) {
    draining.set(group.name, group.instances.filter((i) => statusOf.get(i.instanceId) === 'DRAINING').length);
  }
  return draining;
}

/** The heartbeat: one point per completed run (a run that throws publishes none). */
export const RUN_METRICS: readonly MetricPoint[] = [{ name: MetricName.RUNS_COMPLETED, unit: 'Count', value: 1 }];

/** Points with the same dimensions, published together. */
export interface MetricSet {
  readonly dimensions: Readonly<Record<string, string>>;
  readonly points: readonly MetricPoint[];
}

/**
 * Two kinds of metric sets: the cluster-level points (for alarms) with the cluster alone as dimension, then
 * one set per group with the cluster and the group. The cluster's set comes first, even when empty.
 */
export function metricSets(clusterName: string, points: readonly MetricPoint[]): MetricSet[] {
  const cluster: MetricPoint[] = [];
  const byGroup = new Map<string, MetricPoint[]>();
  for (const point of points) {
    if (point.group === undefined) {
      cluster.push(point);
      continue;
    }
    const group = byGroup.get(point.group);
    if (group) group.push(point);
    else byGroup.set(point.group, [point]);
  }
  return [
    { dimensions: { [Dimension.CLUSTER]: clusterName }, points: cluster },
    ...[...byGroup].map(([group, groupPoints]) => ({
      dimensions: { [Dimension.CLUSTER]: clusterName, [Dimension.GROUP]: group },
      points: groupPoints,
    })),
  ];
}

/** What a run returns (the Lambda's response) and logs when it ends. */
export interface RunSummary {
  readonly cluster: string;
  readonly dryRun: boolean;
  /** Observe-plan-act rounds this run made. */
  readonly rounds: number;
  /** Nothing is in flight: every group is up to date, refused or stopped. */
  readonly settled: boolean;
  /** Set when another engine held the cluster's lease, so this run only observed. */
  readonly leaseHolder?: string;
  readonly groups: ReadonlyArray<{
    readonly name: string;
    readonly status: string;
    readonly reason?: string;
    readonly phase?: string;
    readonly targetImageId?: string;
    readonly outdatedInstances: number;
  }>;
  readonly actions: ReadonlyArray<{ readonly kind: string; readonly group: string; readonly ok: boolean; readonly error?: string }>;
  /** Container instances outside every managed group, and whether the opt-in policy replaces each (why not). */
  readonly unmanagedInstances: ReadonlyArray<{ readonly instanceId: string; readonly replaceable: boolean; readonly reason?: string }>;
  readonly totals: PlanTotals;
}

export function runSummary(cluster: string, dryRun: boolean, result: RunResult): RunSummary {
  const last = result.last;
  return {
    cluster,
    dryRun,
    rounds: result.rounds,
    settled: result.settled,
    leaseHolder: result.leaseHolder?.owner,
    groups: last.plan.groups.map((g) => ({
      name: g.groupName,
      status: g.status,
      reason: g.reason ?? last.rotations.get(g.groupName)?.stoppedReason ?? last.rotations.get(g.groupName)?.waitingReason,
      phase: last.rotations.get(g.groupName)?.phase,
      targetImageId: g.targetImageId,
      outdatedInstances: g.outdatedInstances.length,
    })),
    actions: result.outcomes.map((o) => ({ kind: o.action.kind, group: o.action.group, ok: o.ok, error: o.error })),
    unmanagedInstances: last.plan.unmanagedInstances.map((u) => ({ instanceId: u.instanceId, replaceable: u.replaceable, reason: u.reason })),
    totals: last.plan.totals,
  };
}
