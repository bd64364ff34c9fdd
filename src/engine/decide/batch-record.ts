/**
 * The batch record (the `BATCH_TAG` on the group): what a rotation in flight remembers across runs, and what
 * its end restores (max size, AZRebalance).
 */
import { Batch } from '../../shared/records';
import { Action, FinishBatch } from '../actions';
import { ObservedGroup } from '../model';
import { minToRestore } from './batch-hold';

/** The batch is over: its record goes, max size and AZRebalance are restored (see `maxToRestore`). */
export function finishBatch(group: ObservedGroup, batch: Batch): FinishBatch {
  const restoreMinTo = minToRestore(group, batch);
  return { kind: 'finish-batch', group: group.name, restoreMaxTo: maxToRestore(group, batch), ...(restoreMinTo !== undefined && { restoreMinTo }), resumeAzRebalance: batch.suspendedAzRebalance };
}

/**
 * A batch holds AZRebalance (AZ rebalancing after our terminations would pick instances itself and skip the
 * drain), and resumes it at its end, unless it was suspended before.
 */
export function azRebalanceHold(group: ObservedGroup): Pick<Batch, 'suspendedAzRebalance'> {
  return group.suspendedProcesses?.includes('AZRebalance') ? {} : { suspendedAzRebalance: true };
}

/**
 * The max size to restore when a batch ends: only if it is still the value the batch raised it to (someone
 * else may have changed it since), and never below the group's desired capacity (lowering max below it
 * would make Auto Scaling terminate instances undrained).
 */
export function maxToRestore(group: ObservedGroup, batch: Batch): number | undefined {
  const raisedTo = batch.raisedMax ?? batch.target;
  if (raisedTo <= batch.originalMax || group.maxSize !== raisedTo || group.desiredCapacity > batch.originalMax) return undefined;
  return batch.originalMax;
}

/** The batch record as this round's earlier actions leave it (a raised max they record), so a later record keeps it. */
export function latestRecord(batch: Batch, actions: readonly Action[]): Batch {
  let latest = batch;
  for (const a of actions) if ((a.kind === 'set-desired' || a.kind === 'mark-more') && a.record) latest = a.record;
  return latest;
}

/** The rotation's record, re-written when max is raised beyond what it says, so the end restores it. */
export function withRaisedMax(batch: Batch, raiseMaxTo: number | undefined): Batch | undefined {
  if (raiseMaxTo === undefined || raiseMaxTo <= Math.max(batch.target, batch.raisedMax ?? 0)) return undefined;
  return { ...batch, raisedMax: raiseMaxTo };
}
