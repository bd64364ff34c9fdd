/**
 * The writes whose target is an Auto Scaling group: the records the engine keeps on it as tags, its desired
 * and maximum capacity, AZRebalance, and the termination of its instances.
 */
import { Handler } from './context';
import { deregister, putPhase, putPhaseIsolated } from './ecs';
import { InstanceRefusal, refuseContainerInstances } from './refusal-errors';
import { AwsApi } from '../../aws/ports';
import { errorCode, isPermanentRefusal } from '../../aws/retry';
import type { Batch } from '../../shared/records';
import {
  BATCH_TAG,
  encodeBatch,
  encodePhase,
  encodeUnmanagedReplacement,
  FAILED_IMAGE_TAG,
  LAUNCH_CONFIGURATIONS_UNSUPPORTED_TAG,
  NOTIFIED_TAG,
  PASSED_OVER_TAG,
  REFUSED_TAG,
  REPLACE_BEFORE_TAG,
  UNMANAGED_TAG,
} from '../../shared/records';

/** The tags that hold the engine's records on a group. */
export type GroupRecordTag = typeof BATCH_TAG | typeof REPLACE_BEFORE_TAG | typeof FAILED_IMAGE_TAG | typeof UNMANAGED_TAG
  | typeof NOTIFIED_TAG | typeof LAUNCH_CONFIGURATIONS_UNSUPPORTED_TAG | typeof PASSED_OVER_TAG | typeof REFUSED_TAG;

/**
 * Writes one of the records the engine keeps on a group as a tag (`value`), or deletes it (`undefined`).
 * The records describe the group only: they are never propagated to the instances it launches.
 */
export async function writeGroupTag(api: AwsApi, group: string, key: GroupRecordTag, value: string | undefined): Promise<void> {
  if (value === undefined) {
    await api.autoScaling.deleteTags({ Tags: [{ ResourceId: group, ResourceType: 'auto-scaling-group', Key: key }] });
    return;
  }
  await api.autoScaling.createOrUpdateTags({
    Tags: [{ ResourceId: group, ResourceType: 'auto-scaling-group', Key: key, Value: value, PropagateAtLaunch: false }],
  });
}

async function writeBatchRecord(api: AwsApi, group: string, batch: Batch): Promise<void> {
  await writeGroupTag(api, group, BATCH_TAG, encodeBatch(batch));
}

async function suspendAzRebalance(api: AwsApi, group: string): Promise<void> {
  await api.autoScaling.suspendProcesses({ AutoScalingGroupName: group, ScalingProcesses: ['AZRebalance'] });
}

/**
 * Raises desired capacity to at least `desired`, never lowering it: the value was computed from an
 * observation seconds old, and managed scaling may have raised desired since; writing a lower value would
 * make Auto Scaling scale in instances of its own choosing. So the group is read again just before. With
 * `holdMin` (a group ECS scales, see decide/batch-hold.ts) it is MinSize that is raised, desired following it.
 */
async function setDesired(api: AwsApi, group: string, desired: number, raiseMaxTo?: number, holdMin?: boolean): Promise<void> {
  const current = await describeGroup(api, group);
  const [now, min] = [current?.DesiredCapacity ?? 0, current?.MinSize ?? 0];
  const target = Math.max(desired, now);
  const maxNeeded = raiseMaxTo !== undefined && raiseMaxTo > (current?.MaxSize ?? 0) ? Math.max(raiseMaxTo, target) : undefined;
  // With holdMin no DesiredCapacity: a MinSize above it raises it, one below leaves what ECS set.
  if (holdMin ? desired > min || maxNeeded !== undefined : maxNeeded !== undefined) {
    const size = holdMin ? { MinSize: Math.max(desired, min) } : { DesiredCapacity: target };
    await api.autoScaling.updateAutoScalingGroup({ AutoScalingGroupName: group, MaxSize: maxNeeded, ...size });
    return;
  }
  if (holdMin || target === now) return;
  await api.autoScaling.setDesiredCapacity({ AutoScalingGroupName: group, DesiredCapacity: target, HonorCooldown: false });
}

async function describeGroup(api: AwsApi, group: string) {
  return (await api.autoScaling.describeAutoScalingGroups({ AutoScalingGroupNames: [group] })).AutoScalingGroups?.[0];
}

export const startBatch: Handler<'start-batch'> = async ({ api, clusterArn }, action) => {
  await writeBatchRecord(api, action.group, action.batch);
  if (action.batch.suspendedAzRebalance) await suspendAzRebalance(api, action.group);
  const marks = await putPhaseIsolated(api, clusterArn, action.containerInstanceArns, encodePhase({ kind: 'replacing', since: action.batch.startedAt }));
  // An instance AWS refused to mark is passed over: no replacement is launched for it.
  await setDesired(api, action.group, action.batch.target - marks.refused.length, action.raiseMaxTo, action.holdMin);
  await refuseContainerInstances(api, clusterArn, marks.refused, marks.error);
};

export const holdAzRebalance: Handler<'hold-az-rebalance'> = async ({ api }, action) => {
  await suspendAzRebalance(api, action.group);
};

export const markMore: Handler<'mark-more'> = async ({ api, clusterArn }, action) => {
  const marks = await putPhaseIsolated(api, clusterArn, action.containerInstanceArns, encodePhase({ kind: 'replacing', since: action.since }));
  if (action.record) await writeBatchRecord(api, action.group, action.record);
  if (action.raiseDesiredTo !== undefined) await setDesired(api, action.group, action.raiseDesiredTo - marks.refused.length, action.raiseMaxTo, action.holdMin);
  await refuseContainerInstances(api, clusterArn, marks.refused, marks.error);
};

export const setDesiredCapacity: Handler<'set-desired'> = async ({ api }, action) => {
  if (action.record) await writeBatchRecord(api, action.group, action.record);
  await setDesired(api, action.group, action.desired, action.raiseMaxTo, action.holdMin);
};

export const recordBatch: Handler<'record-batch'> = async ({ api }, action) => {
  await writeBatchRecord(api, action.group, action.batch);
};

export const terminate: Handler<'terminate'> = async ({ api, clusterArn }, action) => {
  // A holding batch's terminate-and-decrement: MinSize one lower first (never below the batch's original).
  if (action.minFloor !== undefined && action.decrement !== false) {
    const min = (await describeGroup(api, action.group))?.MinSize ?? 0;
    if (min > action.minFloor) await api.autoScaling.updateAutoScalingGroup({ AutoScalingGroupName: action.group, MinSize: min - 1 });
  }
  try {
    await api.autoScaling.terminateInstanceInAutoScalingGroup({
      InstanceId: action.instanceId,
      ShouldDecrementDesiredCapacity: action.decrement ?? true,
    });
  } catch (error) {
    if (isPermanentRefusal(error)) throw new InstanceRefusal([action.instanceId], errorCode(error) ?? 'Refused', error);
    throw error;
  }
  if (action.containerInstanceArn) await deregister(api, clusterArn, action.containerInstanceArn);
};

export const finishBatch: Handler<'finish-batch'> = async ({ api }, action) => {
  if (action.resumeAzRebalance) {
    await api.autoScaling.resumeProcesses({ AutoScalingGroupName: action.group, ScalingProcesses: ['AZRebalance'] });
  }
  if (action.restoreMaxTo !== undefined || action.restoreMinTo !== undefined) {
    await api.autoScaling.updateAutoScalingGroup({ AutoScalingGroupName: action.group, MaxSize: action.restoreMaxTo, MinSize: action.restoreMinTo });
  }
  await writeGroupTag(api, action.group, BATCH_TAG, undefined);
};

export const setReplaceBefore: Handler<'set-replace-before'> = async ({ api }, action) => {
  await writeGroupTag(api, action.group, REPLACE_BEFORE_TAG, String(action.before));
};

export const clearReplaceBefore: Handler<'clear-replace-before'> = async ({ api }, action) => {
  await writeGroupTag(api, action.group, REPLACE_BEFORE_TAG, undefined);
};

export const markFailedImage: Handler<'mark-failed-image'> = async ({ api }, action) => {
  await writeGroupTag(api, action.group, FAILED_IMAGE_TAG, action.imageId);
};

export const clearFailedImage: Handler<'clear-failed-image'> = async ({ api }, action) => {
  await writeGroupTag(api, action.group, FAILED_IMAGE_TAG, undefined);
};

export const clearLaunchConfigurationsUnsupported: Handler<'clear-launch-configurations-unsupported'> = async ({ api }, action) => {
  await writeGroupTag(api, action.group, LAUNCH_CONFIGURATIONS_UNSUPPORTED_TAG, undefined);
};

export const startUnmanagedReplacement: Handler<'start-unmanaged-replacement'> = async ({ api, clusterArn }, action) => {
  // The record first: a crash after it is finished by repeating this action, never forgotten.
  await writeGroupTag(api, action.group, UNMANAGED_TAG, encodeUnmanagedReplacement(action.record));
  await putPhase(api, clusterArn, [action.containerInstanceArn], encodePhase({ kind: 'replacing' }));
  await api.autoScaling.setDesiredCapacity({ AutoScalingGroupName: action.group, DesiredCapacity: action.record.base + 1, HonorCooldown: false });
};

export const finishUnmanagedReplacement: Handler<'finish-unmanaged-replacement'> = async ({ api, clusterArn }, action) => {
  if (action.containerInstanceArn) await deregister(api, clusterArn, action.containerInstanceArn);
  await writeGroupTag(api, action.group, UNMANAGED_TAG, undefined);
};
