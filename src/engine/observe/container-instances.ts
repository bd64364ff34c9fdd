/** The cluster's container instances, and the live tasks of those drained and about to be terminated. */
import type { ContainerInstance } from '@aws-sdk/client-ecs';
import { AwsApi } from '../../aws/ports';
import { chunk } from '../../shared/chunk';
import { BatchLimit } from '../../shared/constants';
import { CORDON_ATTRIBUTE, decodePhase, PHASE_ATTRIBUTE } from '../../shared/records';
import { ObservedContainerInstance } from '../model';
import { allPages } from './pages';

export async function describeContainerInstances(api: AwsApi, clusterArn: string): Promise<ObservedContainerInstance[]> {
  const pages = await allPages(
    (nextToken) => api.ecs.listContainerInstances({ cluster: clusterArn, maxResults: BatchLimit.LIST_CONTAINER_INSTANCES_PAGE, nextToken }),
    (p) => p.nextToken);
  const arns = pages.flatMap((p) => p.containerInstanceArns ?? []);

  const result: ObservedContainerInstance[] = [];
  for (const batch of chunk(arns, BatchLimit.DESCRIBE_CONTAINER_INSTANCES)) {
    const response = await api.ecs.describeContainerInstances({ cluster: clusterArn, containerInstances: batch });
    for (const ci of response.containerInstances ?? []) result.push(toContainerInstance(ci));
  }
  return result;
}

function toContainerInstance(ci: ContainerInstance): ObservedContainerInstance {
  return {
    containerInstanceArn: ci.containerInstanceArn!,
    ec2InstanceId: ci.ec2InstanceId ?? '',
    status: ci.status ?? 'UNKNOWN',
    agentConnected: ci.agentConnected ?? false,
    runningTasksCount: ci.runningTasksCount ?? 0,
    pendingTasksCount: ci.pendingTasksCount ?? 0,
    amiIdAttribute: ci.attributes?.find((a) => a.name === 'ecs.ami-id')?.value,
    phase: ci.attributes?.find((a) => a.name === PHASE_ATTRIBUTE)?.value,
    cordoned: ci.attributes?.find((a) => a.name === CORDON_ATTRIBUTE)?.value,
    registeredAt: ci.registeredAt?.toISOString(),
  };
}

/**
 * For each drained instance the engine may terminate (marked draining, DRAINING, ECS counting no running or
 * pending task), the tasks on it that are not STOPPED yet. ECS's `runningTasksCount` counts only tasks in the
 * RUNNING status (API reference, ContainerInstance), so a task still deregistering from its load balancer
 * or stopping its containers would otherwise be cut short.
 */
export async function withLiveTasks(api: AwsApi, clusterArn: string, containers: ObservedContainerInstance[]): Promise<ObservedContainerInstance[]> {
  const result: ObservedContainerInstance[] = [];
  for (const c of containers) {
    const candidate = c.status === 'DRAINING' && decodePhase(c.phase)?.kind === 'draining' && c.runningTasksCount + c.pendingTasksCount === 0;
    if (!candidate) {
      result.push(c);
      continue;
    }
    const arns: string[] = [];
    for (const desiredStatus of ['RUNNING', 'STOPPED'] as const) {
      const pages = await allPages((nextToken) => api.ecs.listTasks({
        cluster: clusterArn, containerInstance: c.containerInstanceArn, desiredStatus, maxResults: BatchLimit.DESCRIBE_TASKS, nextToken,
      }), (p) => p.nextToken);
      arns.push(...pages.flatMap((p) => p.taskArns ?? []));
    }
    let live = 0;
    for (const batch of chunk(arns, BatchLimit.DESCRIBE_TASKS)) {
      const response = await api.ecs.describeTasks({ cluster: clusterArn, tasks: batch });
      live += (response.tasks ?? []).filter((t) => t.lastStatus !== 'STOPPED').length;
    }
    result.push({ ...c, liveTasks: live });
  }
  return result;
}
