/**
 * The rotation decision for one group, as a sequence of named steps over one `GroupRound`: records to keep,
 * a failed image to roll back from, the launch source to update, then a batch to start or the one in flight
 * to carry on (drains that ended, the window refilled, the next drains, the readiness stop).
 */
import { FAILED_IMAGE_TAG, LAUNCH_CONFIGURATIONS_UNSUPPORTED_TAG, Batch } from '../../shared/records';
import { Action, Terminate } from '../actions';
import { endBatch, keepBatchCapacity, refillWindow, startBatch } from './batch';
import { holdsMin } from './batch-hold';
import { withRaisedMax } from './batch-record';
import { afterCanaries } from './canary';
import { endedDrains } from './drain-ends';
import { DrainRoom, StartedDrains, batchReadinessStop, drainRoom, startDrains } from './drains';
import { GroupRound, waitForNewWork } from './group-round';
import { launchSourceAction } from './launch-source';
import { rollBack } from './roll-back';
import { GroupRotation } from './rotation-types';
import { balancingVictim } from './zones';

export function decide(round: GroupRound): GroupRotation {
  const actions = recordsToKeep(round);
  return fromFailedImage(round, actions)
    ?? updateLaunchSource(round, actions)
    ?? (round.batch ? carryOnBatch(round, round.batch, actions) : startBatch(round, actions));
}

/** The records on the group that this round sets or clears whatever else it does; the round's first actions. */
function recordsToKeep(round: GroupRound): Action[] {
  const { group, config } = round;
  const actions: Action[] = [];
  // A forced run leaves its intent on the group, so later runs finish what it started.
  if (config.force && round.replaceBefore === undefined) {
    actions.push({ kind: 'set-replace-before', group: group.name, before: round.now });
  }
  // The account refused launch configurations while the group was on one; it has moved to a template since.
  if (group.tags[LAUNCH_CONFIGURATIONS_UNSUPPORTED_TAG] !== undefined && group.launchSource.kind !== 'launch-configuration') {
    actions.push({ kind: 'clear-launch-configurations-unsupported', group: group.name });
  }
  return actions;
}

/**
 * An image that failed before: roll back from it, and do nothing else with it. A failed image the parameter
 * still names but that is not adopted yet (minimumAmiAge raised since) keeps its record.
 */
function fromFailedImage(round: GroupRound, actions: Action[]): GroupRotation | undefined {
  const { group, decision } = round;
  const failedImage = group.tags[FAILED_IMAGE_TAG];
  if (failedImage === undefined) return undefined;
  if (failedImage === decision.targetImageId) return rollBack(round, failedImage, actions);
  if (failedImage !== decision.pendingImage?.imageId) actions.push({ kind: 'clear-failed-image', group: group.name });
  return undefined;
}

/**
 * The launch source first: no replacement may boot the old image. A batch already in flight (a newer image
 * appeared mid-rotation) still finishes what it started; only new batches wait for the update.
 */
function updateLaunchSource(round: GroupRound, actions: Action[]): GroupRotation | undefined {
  const { observed, group, decision, marked, budget, newWorkHeld } = round;
  if (!decision.updateLaunchSource) return undefined;
  const update = launchSourceAction(group, decision.targetImageId, observed.clusterName, round.now);
  if (!round.batch) {
    // Marks without a record are work in flight (a crash between the two): their replacements need the image.
    if (newWorkHeld !== undefined && marked.length === 0) return waitForNewWork(round, newWorkHeld, actions);
    if ('stopped' in update) return { phase: 'stopped', stoppedReason: update.stopped, actions, inFlight: marked.length, budget };
    actions.push(update.action);
    return { phase: 'updating-launch-template', actions, inFlight: marked.length, budget };
  }
  // Outside every window the newer image waits for the next one too: marks in flight finish on the image they had.
  if ('action' in update && newWorkHeld === undefined) actions.push(update.action);
  return undefined;
}

/**
 * A batch is in flight: canaries are judged once theirs are gone, a batch with no mark left finishes;
 * otherwise its capacity is kept, ended drains terminate (a drain past its timeout stops the group), the window
 * refills, the next drains start, and the group stops when its replacements never came.
 */
function carryOnBatch(round: GroupRound, batch: Batch, actions: Action[]): GroupRotation {
  const { marked, budget } = round;
  if (marked.length === 0) {
    if (batch.canary) return afterCanaries(round, batch, actions);
    return rebalanceBeforeResume(round, batch, actions) ?? endBatch(round, batch, actions);
  }
  const capacity = keepBatchCapacity(round, batch, actions);
  const ended = endedDrains(round);
  actions.push(...ended.stopTasks);
  if (ended.stoppedReason) {
    return { phase: 'stopped', stoppedReason: ended.stoppedReason, actions: [...actions, ...ended.terminations], inFlight: marked.length, budget };
  }
  const more = refillWindow(round, batch, capacity, ended.terminations, actions);
  const room = drainRoom(round, batch, ended.terminations);
  const started = startDrains(round, batch, room, actions);
  if ('phase' in started) return started;
  return batchReadinessStop(round, batch, room, ended.terminations, actions)
    ?? inFlightRotation(round, { room, started, terminations: ended.terminations, more }, actions);
}

/** What a batch round did, for its report. */
/**
 * The batch holds AZRebalance and its marks are gone, but the zones are unbalanced: resuming would let Auto
 * Scaling terminate instances nobody drained (zones.ts). One member of the fullest zone is marked first, with a
 * replacement, and the batch goes on; it ends once the zones are balanced.
 */
function rebalanceBeforeResume(round: GroupRound, batch: Batch, actions: Action[]): GroupRotation | undefined {
  const { group } = round;
  if (!batch.suspendedAzRebalance) return undefined;
  const victim = balancingVictim(group, round.alive);
  const container = victim !== undefined ? round.byInstance.get(victim) : undefined;
  if (!container || container.status !== 'ACTIVE') return undefined;
  const raiseDesiredTo = group.desiredCapacity + 1;
  const raiseMaxTo = raiseDesiredTo > group.maxSize ? raiseDesiredTo : undefined;
  actions.push({
    kind: 'mark-more',
    group: group.name,
    containerInstanceArns: [container.containerInstanceArn],
    since: round.now,
    raiseDesiredTo,
    raiseMaxTo,
    record: withRaisedMax(batch, raiseMaxTo),
    // A group ECS scales gets its surge through MinSize, as every mark of the batch (batch-hold.ts).
    ...(holdsMin(batch) ? { holdMin: true } : {}),
  });
  return { phase: 'replacing', actions, inFlight: 1, budget: round.budget };
}

interface BatchRound {
  readonly room: DrainRoom;
  readonly started: StartedDrains;
  readonly terminations: readonly Terminate[];
  readonly more: readonly string[];
}

/**
 * The batch goes on: draining while any marked instance drains, else replacing; and why the next drain or the
 * next replacements wait, if they do. The marks in flight go on; the outdated instances left wait for the next
 * window.
 */
function inFlightRotation(round: GroupRound, done: BatchRound, actions: Action[]): GroupRotation {
  const { config, marked, newWorkHeld } = round;
  const { steadyWait, toDrain } = done.started;
  const heldBack = steadyWait === undefined && newWorkHeld !== undefined && round.takeable.length > 0
    ? { waitingReason: `new replacements wait: ${newWorkHeld.reason}`, waitingOn: newWorkHeld.on } : {};
  const drainWait = steadyWait ?? (config.drainsWaitFor !== undefined && done.room.candidates.length > 0 ? config.drainsWaitFor : undefined);
  const draining = marked.filter((m) => m.phase.kind === 'draining').length;
  return {
    phase: draining + toDrain.length > 0 ? 'draining' : 'replacing',
    ...(drainWait !== undefined ? { waitingReason: `the next drain waits: ${drainWait}` } : {}),
    ...heldBack,
    actions,
    inFlight: marked.length - done.terminations.length + done.more.length,
    budget: round.budget,
  };
}
