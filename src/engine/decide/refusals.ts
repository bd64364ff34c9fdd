/**
 * What the decision does with AWS's refusals that will not change on their own (see act/refusals.ts): a group
 * whose own write was refused stops with AWS's error; instances AWS refused a write about are passed over, the
 * rest of the group rotates, and the group stops once nothing else is left, naming them. Pure.
 */
import { decodePassedOver, decodeRefusal, PASSED_OVER_TAG, REFUSED_TAG } from '../../shared/records';
import type { ActionOutcome } from '../act/act';
import { isAlive } from '../members';
import { ObservedGroup } from '../model';
import { GroupRound } from './group-round';
import { GroupRotation, SkippedInstance } from './rotation-types';

/** The group's passed-over instances: EC2 id -> the error code AWS refused a write about it with. */
export function passedOverOf(group: ObservedGroup): ReadonlyMap<string, string> {
  return decodePassedOver(group.tags[PASSED_OVER_TAG]);
}

/** A refusal recorded on the group stops its rotation, terminating nothing more, until the record is deleted. */
export function refusalStop(round: GroupRound): GroupRotation | undefined {
  const refusal = decodeRefusal(round.group.tags[REFUSED_TAG]);
  if (!refusal) return undefined;
  return {
    phase: 'stopped',
    stoppedReason: `AWS refused ${refusal.actionKind} for group ${round.group.name} with ${refusal.code}: ${refusal.message} ` +
      `(at ${new Date(refusal.at).toISOString()}; it will not change by retrying: fix the cause, then delete the tag ${REFUSED_TAG} to go on)`,
    actions: [],
    inFlight: round.marked.length,
    budget: round.budget,
  };
}

/**
 * The passed-over instances still in the group and outdated are reported as skipped; once the rotation has
 * nothing else to do, the group stops, naming them.
 */
export function withPassedOver(round: GroupRound, rotation: GroupRotation): GroupRotation {
  const alive = new Set(round.group.instances.filter((i) => isAlive(i.lifecycleState)).map((i) => i.instanceId));
  const outdated = new Set(round.decision.outdatedInstanceIds);
  const left = [...round.passedOver].filter(([id]) => alive.has(id) && outdated.has(id));
  if (left.length === 0) return rotation;
  const skipped: SkippedInstance[] = left.map(([instanceId, code]) => ({
    instanceId, reason: `AWS refused a write about it with ${code}, which will not change by retrying; it is passed over`,
  }));
  const reported = { ...rotation, skipped: [...(rotation.skipped ?? []), ...skipped] };
  if (rotation.phase !== 'idle' && rotation.phase !== 'waiting') return reported;
  if (rotation.phase === 'waiting' && rotation.waitingOn !== 'standalone-tasks') return reported;
  return {
    ...reported,
    phase: 'stopped',
    stoppedReason: `outdated instance(s) of ${round.group.name} passed over because AWS refused a write about them for good: ` +
      `${left.map(([id, code]) => `${id} (${code})`).join(', ')}; the rest of the group is rotated. Fix the cause, then delete ` +
      `the tag ${PASSED_OVER_TAG} (or its entry) to replace them`,
  };
}

/**
 * This round's refusals about a group itself stop it in the round's report at once, even where AWS refused the
 * record too (the next round then meets the same refusal before changing anything).
 */
export function withRefusalStops(
  rotations: ReadonlyMap<string, GroupRotation>,
  outcomes: readonly ActionOutcome[],
): ReadonlyMap<string, GroupRotation> {
  const refused = outcomes.filter((o) => o.refusal?.scope === 'group');
  if (refused.length === 0) return rotations;
  const updated = new Map(rotations);
  for (const o of refused) {
    const rotation = updated.get(o.action.group);
    if (!rotation || rotation.phase === 'stopped') continue;
    updated.set(o.action.group, {
      ...rotation,
      phase: 'stopped',
      stoppedReason: `AWS refused ${o.action.kind} for group ${o.action.group}: ${o.error ?? o.refusal!.code}; it will not change by retrying`,
    });
  }
  return updated;
}
