/**
 * Refusals that will not change on their own (`isPermanentRefusal`): about one instance, it is passed over
 * (recorded on its group, so later rounds remember) and the group's other instances rotate; about the group
 * itself, the group's rotation stops with AWS's error, recorded on the group. Either record is best effort: when
 * AWS refuses that write too, the round still reports the refusal, and the next round meets the same refusal
 * before it changes anything.
 */
import { ActContext } from './context';
import { InstanceRefusal } from './refusal-errors';
import { AwsApi } from '../../aws/ports';
import { errorCode, isPermanentRefusal } from '../../aws/retry';
import { decodePassedOver, encodePassedOver, encodeRefusal, PASSED_OVER_TAG, REFUSED_TAG } from '../../shared/records';
import { Action } from '../actions';
import { writeGroupTag } from './auto-scaling';

/** How a failed action was settled. */
export interface RefusalOutcome {
  /** `instance`: the instances are passed over; `group`: the group's rotation stops. */
  readonly scope: 'instance' | 'group';
  readonly code: string;
  readonly instanceIds?: readonly string[];
}

/** Best-effort writes that never stop a group: a failure there is only reported (and tried again later). */
const NEVER_STOPS: ReadonlySet<Action['kind']> = new Set<Action['kind']>([
  'cordon', 'uncordon', 'notify', 'prune-template-versions', 'delete-launch-configurations', 'stop-tasks',
]);

/** Settles a failed action: records the pass-over or the group's refusal; undefined when the error may pass. */
export async function settleRefusal(context: ActContext, action: Action, error: unknown): Promise<RefusalOutcome | undefined> {
  if (error instanceof InstanceRefusal) {
    const fits = await recordPassedOver(context.api, action.group, error.instanceIds, error.code);
    if (fits) return { scope: 'instance', code: error.code, instanceIds: error.instanceIds };
    return refuseGroup(context, action, error.cause);
  }
  if (!isPermanentRefusal(error) || NEVER_STOPS.has(action.kind)) return undefined;
  return refuseGroup(context, action, error);
}

async function refuseGroup(context: ActContext, action: Action, error: unknown): Promise<RefusalOutcome> {
  const code = errorCode(error) ?? 'Refused';
  const message = error instanceof Error ? error.message : String(error);
  await bestEffort(() => writeGroupTag(context.api, action.group, REFUSED_TAG, encodeRefusal({
    at: context.now?.() ?? Date.now(), targetImageId: context.targetImages?.get(action.group), actionKind: action.kind, code, message,
  })));
  return { scope: 'group', code };
}

/** Adds the instances to the group's passed-over record; false when the record would not fit in a tag. */
async function recordPassedOver(api: AwsApi, group: string, instanceIds: readonly string[], code: string): Promise<boolean> {
  let current;
  try {
    current = (await api.autoScaling.describeAutoScalingGroups({ AutoScalingGroupNames: [group] })).AutoScalingGroups?.[0];
  } catch {
    // Not recorded this round: the next one meets the same refusal again and records it then.
    return true;
  }
  const entries = decodePassedOver(current?.Tags?.find((t) => t.Key === PASSED_OVER_TAG)?.Value);
  const members = new Set((current?.Instances ?? []).map((i) => i.InstanceId));
  // Instances that left the group are no longer worth a place in the record.
  for (const id of [...entries.keys()]) if (!members.has(id)) entries.delete(id);
  for (const id of instanceIds) entries.set(id, code);
  const value = encodePassedOver(entries);
  if (value === undefined) return false;
  await bestEffort(() => writeGroupTag(api, group, PASSED_OVER_TAG, value));
  return true;
}

async function bestEffort(write: () => Promise<void>): Promise<void> {
  try {
    await write();
  } catch {
    // The refusal is reported by the round either way; the next round meets it again before changing anything.
  }
}
