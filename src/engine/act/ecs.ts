/**
 * The writes whose target is the ECS cluster: the engine's attributes on container instances (its phase and
 * its cordon), their status, deregistration and the stopping of tasks.
 */
import { Handler } from './context';
import { AwsApi } from '../../aws/ports';
import { chunk } from '../../shared/chunk';
import { BatchLimit } from '../../shared/constants';
import { describeError } from '../../shared/describe-error';
import { CORDON_ATTRIBUTE, encodePhase, PHASE_ATTRIBUTE } from '../../shared/records';

/** The engine's phase (`encodePhase`) on each container instance. */
export async function putPhase(api: AwsApi, clusterArn: string, containerInstanceArns: readonly string[], value: string): Promise<void> {
  await putAttribute(api, clusterArn, containerInstanceArns, PHASE_ATTRIBUTE, value);
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

/**
 * ECS deregisters a terminated instance by itself; doing it now frees the cluster's view at once. Never with
 * force: with force, tasks still running are orphaned ("no longer monitored or accounted for by Amazon ECS",
 * DeregisterContainerInstance API reference); without it ECS refuses while tasks run, and the instance is then
 * left for ECS to deregister once it is terminated.
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeregisterContainerInstance.html
 */
export async function deregister(api: AwsApi, clusterArn: string, containerInstanceArn: string): Promise<void> {
  try {
    await api.ecs.deregisterContainerInstance({ cluster: clusterArn, containerInstance: containerInstanceArn, force: false });
  } catch (error) {
    if (!/InvalidParameter|ClientException|not found|MISSING|running tasks/i.test(describeError(error))) throw error;
  }
}

export const drain: Handler<'drain'> = async ({ api, clusterArn }, action) => {
  const toMark = action.containerInstanceArns.filter((arn) => !action.alreadyMarked.includes(arn));
  await putPhase(api, clusterArn, toMark, encodePhase({ kind: 'draining', since: action.since }));
  for (const batch of chunk(action.containerInstanceArns, BatchLimit.UPDATE_CONTAINER_INSTANCES_STATE)) {
    const response = await api.ecs.updateContainerInstancesState({ cluster: clusterArn, containerInstances: batch, status: 'DRAINING' });
    const failure = response.failures?.find((f) => f.reason !== 'MISSING');
    if (failure) throw new Error(`UpdateContainerInstancesState failed for ${failure.arn}: ${failure.reason} ${failure.detail ?? ''}`.trim());
  }
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
