/**
 * A group's batch from start to finish: it starts (the window of outdated instances marked, desired capacity
 * raised by as many), keeps its capacity while in flight, refills its window as marked instances go, and
 * finishes when none is left marked.
 */
import { Batch } from '../../shared/records';
import { Action, Terminate } from '../actions';
import { holdsMin, minHold, withMinFloor } from './batch-hold';
import { azRebalanceHold, finishBatch, withRaisedMax } from './batch-record';
import { canaryCount } from './canary';
import { GroupRound, waitForNewWork } from './group-round';
import { GroupRotation, WINDOW_BUDGETS } from './rotation-types';

/**
 * No batch is in flight: marks left without a record are adopted as one; otherwise the window is marked. While
 * up to `budget` instances drain, as many more have their replacements booting, so the next drain starts the
 * moment one ends (boot time is paid once per rotation, not once per batch). A group's first batch may take
 * only its canaries.
 */
export function startBatch(round: GroupRound, actions: Action[]): GroupRotation {
  const { group, decision, config, budget } = round;
  if (round.marked.length > 0) return adoptMarks(round, actions);
  if (round.newWorkHeld !== undefined && round.takeable.length > 0) return waitForNewWork(round, round.newWorkHeld, actions);
  const canary = canaryCount(group, decision, config);
  const chosen = round.eligible.slice(0, canary ?? WINDOW_BUDGETS * budget);
  if (chosen.length === 0) {
    if (round.replaceBefore !== undefined && !config.force && decision.outdatedInstanceIds.length === 0) {
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
      startedAt: round.now,
      ...azRebalanceHold(group),
      ...minHold(group),
      ...(canary !== undefined ? { canary: {} } : {}),
    },
    containerInstanceArns: chosen.map((id) => round.byInstance.get(id)!.containerInstanceArn),
    raiseMaxTo: target > group.maxSize ? target : undefined,
    ...(group.ecsScaled ? { holdMin: true } : {}),
  });
  return { phase: 'replacing', actions, inFlight: chosen.length, budget };
}

/**
 * Marks without a batch record (a crash between the two): adopted as a batch whose replacements are already
 * counted. Desired capacity may since have been lowered below the marks (scale-in): the base is then never
 * negative.
 */
function adoptMarks(round: GroupRound, actions: Action[]): GroupRotation {
  const { group, marked } = round;
  const base = Math.max(0, group.desiredCapacity - marked.length);
  const adopted: Batch = {
    base,
    target: base + marked.length,
    originalMax: group.maxSize,
    startedAt: round.now,
    ...azRebalanceHold(group),
    // A hold the crashed run had already raised cannot be told from the user's own MinSize: it is kept.
    ...minHold(group),
  };
  actions.push({ kind: 'start-batch', group: group.name, batch: adopted, containerInstanceArns: [] });
  return { phase: 'replacing', actions, inFlight: marked.length, budget: round.budget };
}

/** None is marked any more: the batch is over. */
export function endBatch(round: GroupRound, batch: Batch, actions: Action[]): GroupRotation {
  actions.push(finishBatch(round.group, batch));
  return { phase: 'idle', actions, inFlight: 0, budget: round.budget };
}

/** The group's capacity as the batch needs it this round. */
export interface BatchCapacity {
  readonly desired: number;
  readonly maxSize: number;
}

/**
 * While a batch is in flight, the group keeps what the record says: AZRebalance held before any termination,
 * and desired capacity at the base plus every marked instance (their replacements).
 */
export function keepBatchCapacity(round: GroupRound, batch: Batch, actions: Action[]): BatchCapacity {
  const { group } = round;
  // The record says AZRebalance is held but the group shows it running: hold it before any termination.
  if (batch.suspendedAzRebalance && !group.suspendedProcesses?.includes('AZRebalance')) {
    actions.push({ kind: 'hold-az-rebalance', group: group.name });
  }
  const expectedDesired = batch.base + round.marked.length;
  const holding = holdsMin(batch);
  if (group.desiredCapacity < expectedDesired || (holding && group.minSize < expectedDesired)) {
    const raiseMaxTo = expectedDesired > group.maxSize ? expectedDesired : undefined;
    const holdMin = holding || undefined;
    actions.push({ kind: 'set-desired', group: group.name, desired: expectedDesired, raiseMaxTo, record: withRaisedMax(batch, raiseMaxTo), ...(holdMin && { holdMin }) });
  }
  return { desired: Math.max(group.desiredCapacity, expectedDesired), maxSize: Math.max(group.maxSize, expectedDesired) };
}

/**
 * Then the window refills: an instance marked now takes the slot of one terminated now (terminated without
 * decrementing, Auto Scaling launches its replacement at once); beyond those slots desired capacity rises.
 * A canary batch takes on nothing beyond its canaries; outside a window nothing more is taken on. Pushes the
 * marks, then the terminations; returns the instances marked.
 */
export function refillWindow(
  round: GroupRound,
  batch: Batch,
  capacity: BatchCapacity,
  terminations: readonly Terminate[],
  actions: Action[],
): readonly string[] {
  const { group, marked } = round;
  const window = batch.target - batch.base;
  const takesMore = !batch.canary && round.newWorkHeld === undefined;
  const more = takesMore ? round.eligible.slice(0, Math.max(0, window - (marked.length - terminations.length))) : [];
  const slots = Math.min(more.length, terminations.length);
  if (more.length > 0) {
    const raiseDesiredTo = more.length > slots ? capacity.desired + more.length - slots : undefined;
    const raiseMaxTo = raiseDesiredTo !== undefined && raiseDesiredTo > capacity.maxSize ? raiseDesiredTo : undefined;
    actions.push({
      kind: 'mark-more',
      group: group.name,
      containerInstanceArns: more.map((id) => round.byInstance.get(id)!.containerInstanceArn),
      since: round.now,
      raiseDesiredTo,
      raiseMaxTo,
      record: withRaisedMax(batch, raiseMaxTo),
      ...(holdsMin(batch) ? { holdMin: true } : {}),
    });
  }
  actions.push(...terminations.map((t, i) => (i < slots ? { ...t, decrement: false } : withMinFloor(batch, t))));
  return more;
}
