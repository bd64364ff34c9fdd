/**
 * What a run reports: metric points and log records derived from a plan. Pure, so the Lambda (through
 * Powertools), the CLI and the tests all report the same numbers.
 */
import type { ActionOutcome } from './act/act';
import { RotationPlan } from './decide/plan';
import type { GroupRotation } from './decide/rotate';
import type { ObservedCluster } from './model';
import { MetricName } from '../shared/constants';
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
