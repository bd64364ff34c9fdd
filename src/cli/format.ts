/**
 * What the CLI prints: plain-text tables and lines built from the engine's own data (observation, plan,
 * rotation decisions, action outcomes). Pure: no I/O and no clock; `now` is always passed in.
 */
import { describeAction } from './describe-action';
import { duration, elapsed, iso } from './time-text';
import type { ActionOutcome } from '../engine/act/act';
import type { GroupPlan, RotationPlan } from '../engine/decide/plan';
import type { GroupRotation } from '../engine/decide/rotate';
import { isAlive } from '../engine/members';
import type { ObservedCluster, ObservedGroup } from '../engine/model';
import { BATCH_TAG, decodeBatch, decodeEpoch, decodeLease, Lease, LEASE_TAG, REPLACE_BEFORE_TAG } from '../shared/records';

export { duration, elapsed, iso };

/** Columns padded to their widest cell; the last column is not padded. */
export function table(headers: readonly string[], rows: ReadonlyArray<readonly string[]>, indent = ''): string[] {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    indent + cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(headers), ...rows.map(line)];
}

/** Who holds the cluster's lease, as a sentence: the lease table's item, else the previous release's tag. */
export function leaseLine(view: LeaseView, now: number): string {
  if (view.leaseTableMissing) return `Lease: no lease table ${view.leaseTableMissing} (a \`rotate\` needs it; see docs/lease.md)`;
  const lease = view.lease ?? decodeLease(view.observed.clusterTags?.[LEASE_TAG]);
  if (!lease) return 'Lease: free (no engine is acting on the cluster)';
  if (lease.expiresAt <= now) return `Lease: free (last held by ${lease.owner}, expired ${iso(lease.expiresAt)})`;
  return `Lease: held by ${lease.owner} until ${iso(lease.expiresAt)} (${duration(lease.expiresAt - now)} from now)`;
}

/** What the lease line reads. */
export interface LeaseView {
  readonly observed: ObservedCluster;
  /** The lease table's item, as read just after the observation; absent: free, or not read. */
  readonly lease?: Lease;
  /** The lease table's name, when the table does not exist. */
  readonly leaseTableMissing?: string;
}

export interface GroupCounts {
  /** Live instances still to replace (the plan's outdated instances that are not on their way out). */
  readonly old: number;
  /** Live instances that are not outdated: on the target image (and launched after a forced run's time). */
  readonly new: number;
  /** Container instances of the group DRAINING in ECS. */
  readonly draining: number;
}

/**
 * Whether an Auto Scaling lifecycle state is a live member: a terminated instance stays listed in its group
 * (Terminating, Terminating:Wait, Terminated) for a while, and is no longer old or new capacity.
 */
export function isLive(lifecycleState: string): boolean {
  return isAlive(lifecycleState);
}

export function groupCounts(observed: ObservedCluster, groupPlan: GroupPlan): GroupCounts {
  const group = observed.groups.find((g) => g.name === groupPlan.groupName);
  const live = (group?.instances ?? []).filter((i) => isLive(i.lifecycleState)).map((i) => i.instanceId);
  const outdated = new Set(groupPlan.outdatedInstances.map((i) => i.instanceId));
  const statusOf = new Map(observed.containerInstances.map((c) => [c.ec2InstanceId, c.status]));
  if (groupPlan.status === 'refused' || groupPlan.status === 'unobserved') {
    // No target image: nothing is old or new.
    return { old: 0, new: 0, draining: live.filter((id) => statusOf.get(id) === 'DRAINING').length };
  }
  return {
    old: live.filter((id) => outdated.has(id)).length,
    new: live.filter((id) => !outdated.has(id)).length,
    draining: live.filter((id) => statusOf.get(id) === 'DRAINING').length,
  };
}

/** The plan's status, with instances on their way out no longer counted as outdated. */
export function liveStatus(groupPlan: GroupPlan, counts: GroupCounts): string {
  return groupPlan.status === 'outdated' && counts.old === 0 && !groupPlan.updateLaunchSource ? 'up-to-date' : groupPlan.status;
}

/** The batch in flight, from the group's batch tag. */
export function batchText(group: ObservedGroup | undefined, now: number): string {
  const batch = decodeBatch(group?.tags[BATCH_TAG]);
  if (!batch) return 'none';
  return `window ${batch.target - batch.base}, desired ${batch.base} -> ${batch.target}, started ${duration(now - batch.startedAt)} ago`;
}

/** Why a group does not simply progress: refused, unobserved, stopped or waiting. */
export function groupProblem(groupPlan: GroupPlan, rotation: GroupRotation | undefined): string | undefined {
  if (groupPlan.status === 'refused') return `refused: ${groupPlan.reason}`;
  if (groupPlan.status === 'unobserved') return `could not be observed: ${groupPlan.reason}`;
  if (rotation?.phase === 'stopped') return `stopped: ${rotation.stoppedReason}`;
  if (rotation?.phase === 'waiting' && rotation.waitingOn === undefined) return `waiting: ${rotation.waitingReason}`;
  return undefined;
}

/**
 * Why a group waits by the schedule the user chose (a maintenance window, an image not old enough yet):
 * shown, but not a problem. Also while marks in flight finish after a window closed.
 */
export function scheduledWait(rotation: GroupRotation | undefined): string | undefined {
  if (rotation?.waitingOn === undefined || rotation.waitingReason === undefined) return undefined;
  return rotation.phase === 'waiting' ? `waiting: ${rotation.waitingReason}` : rotation.waitingReason;
}

function imageText(observed: ObservedCluster, imageId: string | undefined): string {
  if (!imageId) return '-';
  const name = observed.images[imageId]?.name;
  return name ? `${imageId}  ${name}` : imageId;
}

function launchSourceText(group: ObservedGroup | undefined): string {
  const source = group?.launchSource;
  if (!source || source.kind === 'none') return 'none';
  if (source.kind === 'launch-configuration') return `launch configuration ${source.launchConfigurationName}`;
  const resolved = source.resolvedVersion !== undefined && String(source.resolvedVersion) !== source.version ? ` (= ${source.resolvedVersion})` : '';
  return `launch template ${source.launchTemplateName ?? source.launchTemplateId} version ${source.version}${resolved}` +
    (source.mixedInstancesPolicy ? ' in a mixed instances policy' : '');
}

/**
 * Container instances outside every managed group: each with whether the opt-in policy replaces it, or why
 * not (status and plan both print these).
 */
export function unmanagedLines(plan: RotationPlan): string[] {
  if (plan.unmanagedInstances.length === 0) return [];
  const replaceable = plan.unmanagedInstances.filter((u) => u.replaceable).length;
  return [
    `${plan.unmanagedInstances.length} container instance(s) outside every managed group` +
      (replaceable > 0 ? ` (${replaceable} to be replaced through the replacement group):` : ' (reported, never touched):'),
    ...plan.unmanagedInstances.map((u) => `  ${u.instanceId}  ${u.status}, ${u.runningTasksCount} running task(s): ` +
      (u.replaceable ? 'to be replaced' : `not replaced: ${u.reason}`)),
  ];
}

export interface PlanView extends LeaseView {
  readonly observed: ObservedCluster;
  readonly plan: RotationPlan;
  readonly rotations: ReadonlyMap<string, GroupRotation>;
}

/** The plan: a block per group (what it runs, what it should run, what is outdated, what happens next). */
export function formatPlan(view: PlanView): string[] {
  const { observed, plan } = view;
  const lines = [
    `Cluster ${observed.clusterName}  (${observed.clusterArn})`,
    `Observed ${iso(observed.observedAt)}; ${plan.groups.length} Auto Scaling group(s)`,
    leaseLine(view, observed.observedAt),
  ];
  for (const groupPlan of plan.groups) {
    lines.push('', ...formatGroupPlan(view, groupPlan));
  }
  lines.push('', totalsLine(plan));
  lines.push(...unmanagedLines(plan));
  return lines;
}

function formatGroupPlan(view: PlanView, groupPlan: GroupPlan): string[] {
  const { observed } = view;
  const group = observed.groups.find((g) => g.name === groupPlan.groupName);
  const rotation = view.rotations.get(groupPlan.groupName);
  const rows: string[][] = [];
  if (groupPlan.family) {
    const from = groupPlan.familyFrom === 'tag' ? 'from the group\'s family tag'
      : groupPlan.familyFrom === 'prop' ? 'from groupOverrides' : 'from the image name';
    rows.push(['family/arch', `${groupPlan.family}/${groupPlan.architecture} (${from})`]);
  } else if (groupPlan.architecture && groupPlan.parameterFrom === 'group') {
    rows.push(['family/arch', `(not needed: the group has its own parameter)/${groupPlan.architecture}`]);
  }
  if (group) rows.push(['launch source', launchSourceText(group)]);
  rows.push(['current AMI', imageText(observed, groupPlan.currentImageId)]);
  const target = imageText(observed, groupPlan.targetImageId);
  const own = groupPlan.parameterFrom === 'group' ? ', the group\'s own parameter' : '';
  rows.push(['target AMI', groupPlan.parameterName ? `${target}  (SSM ${groupPlan.parameterName}${own})` : target]);
  if (group) {
    const counts = groupCounts(observed, groupPlan);
    const judged = groupPlan.status === 'outdated' || groupPlan.status === 'up-to-date';
    rows.push(['instances', `${groupPlan.instanceCount} (desired ${group.desiredCapacity}): ` + (judged
      ? `${counts.new} on the target AMI, ${counts.old} outdated, ${counts.draining} draining`
      : 'not compared, the group has no valid target AMI')]);
    rows.push(['rotation', batchText(group, observed.observedAt)]);
    const replaceBefore = decodeEpoch(group.tags[REPLACE_BEFORE_TAG]);
    if (replaceBefore !== undefined) rows.push(['forced', `every instance launched before ${iso(replaceBefore)} is replaced`]);
  }
  const problem = groupProblem(groupPlan, rotation);
  if (problem) rows.push(['reason', problem]);
  const scheduled = scheduledWait(rotation);
  if (scheduled) rows.push(['schedule', scheduled]);
  for (const s of rotation?.skipped ?? []) rows.push(['skipped', `${s.instanceId} ${s.reason}`]);

  const lines = [`Group ${groupPlan.groupName}: ${groupPlan.status.toUpperCase()}`, ...keyValues(rows, '  ')];
  if (groupPlan.outdatedInstances.length > 0) {
    lines.push('  outdated instances (replaced fewest running tasks first):');
    lines.push(...table(
      ['INSTANCE', 'AMI', 'ECS STATUS', 'RUNNING TASKS'],
      groupPlan.outdatedInstances.map((i) => [i.instanceId, i.imageId ?? '-', i.containerInstanceStatus ?? 'not registered', String(i.runningTasksCount)]),
      '    ',
    ));
  }
  if (rotation) {
    lines.push(`  next: phase ${rotation.phase}, up to ${rotation.budget} instance(s) out of service at once` +
      (rotation.inFlight > 0 ? `, ${rotation.inFlight} marked now` : ''));
    if (rotation.actions.length === 0) lines.push('    (no action this round)');
    for (const action of rotation.actions) lines.push(`    - ${describeAction(action, observed)}`);
    const old = groupCounts(observed, groupPlan).old;
    if (old > 0 && rotation.phase !== 'stopped' && rotation.phase !== 'waiting') {
      lines.push(`  then: ${old} outdated instance(s), up to ${rotation.budget} draining at once while the next ones' replacements boot: ` +
        'desired capacity raised first, an old instance drained only while the instances still serving cover the group\'s desired ' +
        'capacity, terminated once ECS reports no task on it');
    }
  } else {
    lines.push('  next: nothing (the group is not rotated until the reason above is resolved)');
  }
  return lines;
}

function keyValues(rows: ReadonlyArray<readonly string[]>, indent: string): string[] {
  const width = Math.max(...rows.map((r) => r[0].length));
  return rows.map(([k, v]) => `${indent}${k.padEnd(width)}  ${v}`);
}

function totalsLine(plan: RotationPlan): string {
  const t = plan.totals;
  return `Totals: ${t.outdatedInstances} outdated instance(s), ${t.upToDateInstances} on the target AMI, ` +
    `${t.refusedGroups} group(s) refused, ${t.unobservedGroups} not observed` +
    (t.oldestOutdatedAgeSeconds > 0 ? `; outdated for ${duration(t.oldestOutdatedAgeSeconds * 1000)}` : '');
}

/** One observation as a single table: phase, counts and batch per group; the lease. */
export function formatStatus(view: PlanView): string[] {
  const { observed, plan } = view;
  const rows = plan.groups.map((g) => {
    const group = observed.groups.find((o) => o.name === g.groupName);
    const counts = groupCounts(observed, g);
    return [
      g.groupName,
      liveStatus(g, counts),
      view.rotations.get(g.groupName)?.phase ?? '-',
      group ? String(group.desiredCapacity) : '-',
      String(counts.old),
      String(counts.new),
      String(counts.draining),
      batchText(group, observed.observedAt),
    ];
  });
  const lines = [
    `Cluster ${observed.clusterName}, observed ${iso(observed.observedAt)}`,
    leaseLine(view, observed.observedAt),
    '',
    ...table(['GROUP', 'STATUS', 'PHASE', 'DESIRED', 'OLD', 'NEW', 'DRAINING', 'ROTATION IN FLIGHT'], rows),
  ];
  const problems = plan.groups
    .map((g) => ({ g, problem: groupProblem(g, view.rotations.get(g.groupName)) }))
    .filter((p) => p.problem !== undefined);
  if (problems.length > 0) lines.push('', ...problems.map((p) => `${p.g.groupName} ${p.problem}`));
  const scheduled = plan.groups
    .map((g) => ({ g, wait: scheduledWait(view.rotations.get(g.groupName)) }))
    .filter((p) => p.wait !== undefined);
  if (scheduled.length > 0) lines.push('', ...scheduled.map((p) => `${p.g.groupName} ${p.wait}`));
  const skipped = plan.groups.flatMap((g) => (view.rotations.get(g.groupName)?.skipped ?? []).map((s) => `${g.groupName} skipped ${s.instanceId}: ${s.reason}`));
  if (skipped.length > 0) lines.push('', ...skipped);
  const unmanaged = unmanagedLines(plan);
  if (unmanaged.length > 0) lines.push('', ...unmanaged);
  return lines;
}

/** A progress line of a group in a round: phase and counts, then what was done. */
export function progressLines(
  view: PlanView & { readonly index: number; readonly outcomes: readonly ActionOutcome[] },
  groupPlan: GroupPlan,
  elapsedMs: number,
): { readonly state: string; readonly lines: string[]; readonly failed: string[] } {
  const rotation = view.rotations.get(groupPlan.groupName);
  const counts = groupCounts(view.observed, groupPlan);
  const phase = rotation?.phase ?? groupPlan.status;
  // A soak, or a drain held for steady services, is progress as planned, not a problem: its reason is part of the state.
  const holding = rotation?.waitingOn !== undefined && rotation.waitingReason !== undefined
    ? `; ${rotation.waitingReason}`
    : rotation?.waitingReason !== undefined && rotation.phase !== 'waiting' && rotation.phase !== 'stopped'
      ? `; ${rotation.phase === 'soaking' ? 'soaking' : 'holding'}: ${rotation.waitingReason}` : '';
  const state = `${phase}; old ${counts.old}, new ${counts.new}, draining ${counts.draining}${holding}`;
  const lines = [`[${elapsed(elapsedMs)} round ${view.index}] ${groupPlan.groupName}: ${state}`];
  const failed: string[] = [];
  for (const outcome of view.outcomes.filter((o) => o.action.group === groupPlan.groupName)) {
    if (outcome.ok) {
      lines.push(`    done: ${describeAction(outcome.action, view.observed)}`);
    } else {
      failed.push(`    FAILED: ${describeAction(outcome.action, view.observed)}: ${outcome.error}`);
    }
  }
  return { state, lines, failed };
}

export interface SummaryInput extends PlanView {
  readonly rounds: number;
  readonly elapsedMs: number;
  readonly outcomes: readonly ActionOutcome[];
  readonly dryRun: boolean;
}

/** The closing table of a rotation: where every group ended and what was done to it. */
export function formatSummary(input: SummaryInput): string[] {
  const { observed, plan, outcomes } = input;
  const rows = plan.groups.map((g) => {
    const mine = outcomes.filter((o) => o.action.group === g.groupName);
    const replaced = mine.filter((o) => o.ok && o.action.kind === 'terminate').length;
    const counts = groupCounts(observed, g);
    return [
      g.groupName,
      liveStatus(g, counts),
      input.rotations.get(g.groupName)?.phase ?? '-',
      String(counts.new),
      String(counts.old),
      String(replaced),
      `${mine.filter((o) => o.ok).length}/${mine.length}`,
      g.targetImageId ?? '-',
    ];
  });
  const failed = outcomes.filter((o) => !o.ok).length;
  return [
    `Summary: ${input.rounds} round(s) in ${duration(input.elapsedMs)}; ${outcomes.length} action(s), ${failed} failed` +
      (input.dryRun ? ' (dry run: nothing was written)' : ''),
    ...table(['GROUP', 'STATUS', 'PHASE', 'ON TARGET', 'OUTDATED', 'REPLACED', 'ACTIONS OK', 'TARGET AMI'], rows, '  '),
  ];
}
