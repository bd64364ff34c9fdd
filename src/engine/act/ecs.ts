/**
 * The writes whose target is the ECS cluster: the engine's attributes on container instances (its phase and
 * its cordon), their status, deregistration and the stopping of tasks.
 */
import { Handler } from './context';
import { isolating, refuseContainerInstances } from './refusal-errors';
import { AwsApi } from '../../aws/ports';
import { chunk } from '../../shared/chunk';
import { BatchLimit } from '../../shared/constants';
import { describeError } from '../../shared/describe-error';
import { CORDON_ATTRIBUTE, encodePhase, PHASE_ATTRIBUTE } from '../../shared/records';

/** The engine's phase (`encodePhase`) on each container instance. */
export async function putPhase(api: AwsApi, clusterArn: string, containerInstanceArns: readonly string[], value: string): Promise<void> {
  await putAttribute(api, clusterArn, containerInstanceArns, PHASE_ATTRIBUTE, value);
}

/**
 * The phase on each container instance, as `putPhase`; those AWS refuses for good (an instance already at ECS's
 * 10 custom attributes, one gone) are returned, the others marked.
 */
export async function putPhaseIsolated(
  api: AwsApi, clusterArn: string, containerInstanceArns: readonly string[], value: string,
): Promise<{ refused: string[]; error?: unknown }> {
  const refused: string[] = [];
  let error: unknown;
  for (const batch of chunk(containerInstanceArns, BatchLimit.PUT_ATTRIBUTES)) {
    const result = await isolating(batch, (arns) => putAttribute(api, clusterArn, arns, PHASE_ATTRIBUTE, value));
    refused.push(...result.refused);
    error ??= result.error;
  }
  return { refused, error };
}

/** PutAttributes takes at most 10 attributes a call; each names its container instance. */
async function putAttribute(api: AwsApi, clusterArn: string, containerInstanceArns: readonly string[], name: string, value: string): Promise<void> {
  for (const batch of chunk(containerInstanceArns, BatchLimit.PUT_ATTRIBUTES)) {
    await api.ecs.putAttributes({
      cluster: clusterArn,
      attributes: batch.map((arn) => ({ name, value, targetType: 'container-instance', targetId: arn })),
    });
  }
}

/** Deletes the attribute `name` from each container instance, at most 10 a call (as PutAttributes). */
async function deleteAttribute(api: AwsApi, clusterArn: string, containerInstanceArns: readonly string[], name: string): Promise<void> {
  for (const batch of chunk(containerInstanceArns, BatchLimit.PUT_ATTRIBUTES)) {
    await api.ecs.deleteAttributes({
      cluster: clusterArn,
      attributes: batch.map((arn) => ({ name, targetType: 'container-instance', targetId: arn })),
    });
  }
}

/** ECS deregisters a terminated instance by itself; doing it now frees the cluster's view at once. */
export async function deregister(api: AwsApi, clusterArn: string, containerInstanceArn: string): Promise<void> {
  try {
    await api.ecs.deregisterContainerInstance({ cluster: clusterArn, containerInstance: containerInstanceArn, force: true });
  } catch (error) {
    if (!/InvalidParameter|ClientException|not found|MISSING/i.test(describeError(error))) throw error;
  }
}

/**
 * Marks each instance draining, then sets it DRAINING. An instance AWS refuses for good (either call, or a failure
 * UpdateContainerInstancesState reports for it) is passed over; the others drain.
 */
export const drain: Handler<'drain'> = async ({ api, clusterArn }, action) => {
  const toMark = action.containerInstanceArns.filter((arn) => !action.alreadyMarked.includes(arn));
  const marks = await putPhaseIsolated(api, clusterArn, toMark, encodePhase({ kind: 'draining', since: action.since }));
  const refused = [...marks.refused];
  let error = marks.error;
  const toDrain = action.containerInstanceArns.filter((arn) => !refused.includes(arn));
  for (const batch of chunk(toDrain, BatchLimit.UPDATE_CONTAINER_INSTANCES_STATE)) {
    const result = await isolating(batch, async (arns) => {
      const response = await api.ecs.updateContainerInstancesState({ cluster: clusterArn, containerInstances: [...arns], status: 'DRAINING' });
      for (const failure of response.failures ?? []) {
        if (failure.reason === 'MISSING' || failure.arn === undefined) continue;
        refused.push(failure.arn);
        error ??= Object.assign(new Error(`UpdateContainerInstancesState failed for ${failure.arn}: ${failure.reason} ${failure.detail ?? ''}`.trim()),
          { name: 'InvalidParameterException' });
      }
    });
    refused.push(...result.refused);
    error ??= result.error;
  }
  await refuseContainerInstances(api, clusterArn, refused, error);
};

export const unmark: Handler<'unmark'> = async ({ api, clusterArn }, action) => {
  for (const batch of chunk(action.reactivate, BatchLimit.UPDATE_CONTAINER_INSTANCES_STATE)) {
    await api.ecs.updateContainerInstancesState({ cluster: clusterArn, containerInstances: batch, status: 'ACTIVE' });
  }
  await deleteAttribute(api, clusterArn, action.containerInstanceArns, PHASE_ATTRIBUTE);
};

export const cordon: Handler<'cordon'> = async ({ api, clusterArn }, action) => {
  await putAttribute(api, clusterArn, action.containerInstanceArns, CORDON_ATTRIBUTE, action.imageId);
};

export const uncordon: Handler<'uncordon'> = async ({ api, clusterArn }, action) => {
  await deleteAttribute(api, clusterArn, action.containerInstanceArns, CORDON_ATTRIBUTE);
};

export const stopTasks: Handler<'stop-tasks'> = async ({ api, clusterArn }, action) => {
  for (const task of action.taskArns) {
    try {
      await api.ecs.stopTask({ cluster: clusterArn, task, reason: action.reason });
    } catch (error) {
      // A task that ended meanwhile is what was wanted.
      if (!/InvalidParameter|not found|MISSING/i.test(describeError(error))) throw error;
    }
  }
};
