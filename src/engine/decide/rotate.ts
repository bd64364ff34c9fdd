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
 *
 * This file is the entry (`rotateGroup`) and what wraps the decision; the steps live by idea: decide.ts (the
 * sequence), group-round.ts (what every step reads), batch.ts and batch-record.ts (a batch from start to
 * finish), marks.ts, drains.ts, drain-ends.ts, readiness.ts (the readiness stop), steady.ts, canary.ts,
 * cordons.ts (and the cross-group hold), roll-back.ts, launch-source.ts, waits.ts (maintenance windows, other
 * actors); rotation-types.ts holds the vocabulary.
 */
import { Action } from '../actions';
import { withCordons } from './cordons';
import { decide } from './decide';
import { GroupRound, groupRound } from './group-round';
import { withSkipped } from './marks';
import { refusalStop, withPassedOver } from './refusals';
import { GroupRotation, ImageDecision, RotationConfig } from './rotation-types';
import { otherActor } from './waits';
import { ObservedCluster, ObservedGroup } from '../model';

// What the rest of the engine imports of the rotation decision, from its entry.
export { drainsHeldForCordons, strayCordons } from './cordons';
export { markCandidates } from './marks';
export { maintenanceWindowClosed, otherActor } from './waits';
export { WINDOW_BUDGETS } from './rotation-types';
export type { GroupRotation, ImageDecision, PendingImage, RotationConfig, RotationPhase, SkippedInstance, WaitingOn } from './rotation-types';

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
  const round = groupRound(observed, group, decision, config);
  const refused = refusalStop(round);
  if (refused) return refused;
  const rotation = withPassedOver(round, withSkipped(observed, group, decision, config, guarded(round)));
  // Nothing else to do while a newer image ages: the group reports why it does not adopt it yet.
  const reported = rotation.phase === 'idle' && decision.pendingImage
    ? { ...rotation, phase: 'waiting' as const, waitingReason: decision.pendingImage.reason, waitingOn: 'minimum-ami-age' as const }
    : rotation;
  return withCordons(observed, group, decision, config, reported);
}

/** Another actor changing the group makes a rotation with work wait; suspended processes block what they would break. */
function guarded(round: GroupRound): GroupRotation {
  const { group } = round;
  const waiting = otherActor(group);
  const rotation = decide(round);
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
