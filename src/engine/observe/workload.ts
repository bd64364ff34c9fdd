/**
 * The workload a rotation policy looks at: the tasks on the container instances it concerns this round, and
 * the services those tasks belong to.
 */
import type { Service } from '@aws-sdk/client-ecs';
import { AwsApi } from '../../aws/ports';
import { chunk } from '../../shared/chunk';
import { BatchLimit } from '../../shared/constants';
import { Batch, BATCH_TAG, decodeBatch, decodePhase } from '../../shared/records';
import { budgetFor, MaxUnavailableSetting } from '../budget';
import { drainOrder, markedMembers } from '../members';
import { ObservedContainerInstance, ObservedGroup, ObservedService, ObservedTask } from '../model';
import { ObserveOptions, WorkloadOptions } from './options';
import { allPages, isDefined } from './pages';

/**
 * The container instances whose tasks a rotation policy needs this round (see WorkloadOptions): for each
 * group with a rotation recorded, the serving instances marked for replacement (about to drain), the
 * replacements registered since the earliest of those was marked (daemon tasks must run there), its
 * canaries once their soak is over (instances registered since the batch started), and its drained
 * instances still running tasks after the grace period. Their tasks are listed per instance and described
 * 100 at a time, then the services those tasks belong to 10 at a time (DescribeServices' limit).
 */
export async function readWorkloads(
  api: AwsApi,
  clusterArn: string,
  groups: readonly ObservedGroup[],
  containers: ObservedContainerInstance[],
  options: Pick<ObserveOptions, 'now' | 'workload'>,
): Promise<{ containerInstances: ObservedContainerInstance[]; services?: Record<string, ObservedService> }> {
  const wanted = options.workload;
  if (!wanted || (!wanted.steadyServices && !wanted.canary && wanted.standaloneGraceMs === undefined)) return { containerInstances: containers };
  const selected = workloadInstances(groups, containers, wanted, options.now);
  if (selected.size === 0) return { containerInstances: containers };

  const tasks = await tasksOf(api, clusterArn, [...selected]);

  // Stopping standalone tasks needs only the tasks (a task's service field tells it apart); the services are
  // described for the policies that judge them, and the role may describe services only with those.
  const judged = wanted.steadyServices === true || wanted.canary === true;
  const names = judged ? [...new Set([...tasks.values()].flat().map((t) => t.service).filter(isDefined))].sort() : [];
  const services = await describeServices(api, clusterArn, names);
  return {
    containerInstances: containers.map((c) => (tasks.has(c.containerInstanceArn) ? { ...c, tasks: tasks.get(c.containerInstanceArn)! } : c)),
    services,
  };
}

/** The ARNs of the container instances whose tasks `wanted` needs (see `readWorkloads`). */
function workloadInstances(
  groups: readonly ObservedGroup[],
  containers: readonly ObservedContainerInstance[],
  wanted: WorkloadOptions,
  now: number,
): Set<string> {
  const byInstance = new Map(containers.map((c) => [c.ec2InstanceId, c]));
  const selected = new Set<string>();
  for (const group of groups) {
    const batch = decodeBatch(group.tags[BATCH_TAG]);
    if (!batch) continue;
    const soaked = wanted.canary === true && batch.canary?.soakUntil !== undefined && batch.canary.soakUntil <= now;
    // The next to drain, as the planner picks them: those already decided first, then the longest marked, at
    // most the group's budget; and the replacements registered since the earliest of them was marked.
    const next = nextToDrain(group, byInstance, batch, wanted.maxUnavailable);
    const markedSince = Math.min(...next.map((c) => decodePhase(c.phase)?.since ?? batch.startedAt));
    for (const member of group.instances) {
      const c = byInstance.get(member.instanceId);
      if (!c) continue;
      const phase = decodePhase(c.phase);
      const aboutToDrain = wanted.steadyServices === true && next.includes(c);
      const registered = Date.parse(c.registeredAt ?? '');
      const replacement = wanted.steadyServices === true && phase === undefined && c.status === 'ACTIVE' && registered >= markedSince;
      const canary = soaked && phase === undefined && registered >= batch.startedAt;
      const leftOver = wanted.standaloneGraceMs !== undefined && phase?.kind === 'draining' && c.status === 'DRAINING'
        && c.runningTasksCount + c.pendingTasksCount > 0 && now - phase.since >= wanted.standaloneGraceMs;
      if (aboutToDrain || replacement || canary || leftOver) selected.add(c.containerInstanceArn);
    }
  }
  return selected;
}

/** The serving marked instances of a group in the order the planner drains them, at most its budget (all without one). */
function nextToDrain(
  group: ObservedGroup,
  byInstance: ReadonlyMap<string, ObservedContainerInstance>,
  batch: Batch,
  maxUnavailable: MaxUnavailableSetting | undefined,
): ObservedContainerInstance[] {
  const ordered = drainOrder(markedMembers(group.instances, byInstance), batch.startedAt).map((m) => m.container);
  return maxUnavailable ? ordered.slice(0, budgetFor(maxUnavailable, batch.base)) : ordered;
}

/** The services by name, described 10 at a time (DescribeServices' limit). */
async function describeServices(api: AwsApi, clusterArn: string, names: readonly string[]): Promise<Record<string, ObservedService>> {
  const services: Record<string, ObservedService> = {};
  for (const batch of chunk(names, BatchLimit.DESCRIBE_SERVICES)) {
    const response = await api.ecs.describeServices({ cluster: clusterArn, services: batch });
    for (const svc of response.services ?? []) {
      if (svc.serviceName) services[svc.serviceName] = toService(svc, svc.serviceName);
    }
  }
  return services;
}

function toService(svc: Service, name: string): ObservedService {
  return {
    name,
    daemon: svc.schedulingStrategy === 'DAEMON',
    desiredCount: svc.desiredCount ?? 0,
    runningCount: svc.runningCount ?? 0,
    deployments: svc.deployments?.length ?? 0,
  };
}

/**
 * The tasks whose desired status is RUNNING on each container instance: listed per instance, described 100
 * at a time. A service's tasks carry the group `service:<name>` (DescribeTasks, Task.group); any other
 * task is standalone.
 */
export async function tasksOf(api: AwsApi, clusterArn: string, containerInstanceArns: readonly string[]): Promise<Map<string, ObservedTask[]>> {
  const arnsByInstance = new Map<string, string[]>();
  for (const arn of containerInstanceArns) {
    const pages = await allPages((nextToken) => api.ecs.listTasks({
      cluster: clusterArn, containerInstance: arn, desiredStatus: 'RUNNING', maxResults: BatchLimit.DESCRIBE_TASKS, nextToken,
    }), (p) => p.nextToken);
    arnsByInstance.set(arn, pages.flatMap((p) => p.taskArns ?? []));
  }
  const tasks = new Map<string, ObservedTask[]>(containerInstanceArns.map((arn) => [arn, []]));
  for (const batch of chunk([...arnsByInstance.values()].flat(), BatchLimit.DESCRIBE_TASKS)) {
    const response = await api.ecs.describeTasks({ cluster: clusterArn, tasks: batch });
    for (const t of response.tasks ?? []) {
      if (!t.taskArn || !t.containerInstanceArn || t.desiredStatus === 'STOPPED') continue;
      const service = t.group?.startsWith('service:') ? t.group.slice('service:'.length) : undefined;
      tasks.get(t.containerInstanceArn)?.push({ taskArn: t.taskArn, lastStatus: t.lastStatus ?? 'UNKNOWN', ...(service ? { service } : {}) });
    }
  }
  return tasks;
}
