/**
 * The policies' reads and writes over the SDK adapter (aws-sdk-client-mock): which instances' tasks are read,
 * a task's service from its group, DescribeServices ten at a time, StopTask with the action's reason.
 */
import {
  DescribeServicesCommand,
  DescribeTasksCommand,
  ListTasksCommand,
  StopTaskCommand,
  Task,
} from '@aws-sdk/client-ecs';
import { CLUSTER_ARN, containerInstanceArn, createSdkMocks, instanceId, resetSdkMocks } from './fixtures';
import { createSdkClients, sdkApi } from '../../src/aws/sdk';
import { act } from '../../src/engine/act/act';
import { ObservedContainerInstance } from '../../src/engine/model';
import { readWorkloads } from '../../src/engine/observe/workload';
import { encodeBatch, encodePhase } from '../../src/shared/records';

const mocks = createSdkMocks();
beforeEach(() => resetSdkMocks(mocks));
afterAll(() => mocks.ecs.restore());

const NOW = Date.parse('2025-03-01T00:00:00.000Z');
const taskArn = (n: number) => `arn:aws:ecs:us-east-1:123456789012:task/prod/${String(n).padStart(32, '0')}`;

function container(n: number, extra: Partial<ObservedContainerInstance> = {}): ObservedContainerInstance {
  return {
    containerInstanceArn: containerInstanceArn(instanceId(n)),
    ec2InstanceId: instanceId(n),
    status: 'ACTIVE',
    agentConnected: true,
    runningTasksCount: 1,
    pendingTasksCount: 0,
    registeredAt: new Date(NOW - 3_600_000).toISOString(),
    ...extra,
  };
}

const group = (members: number[], batchStartedAt = NOW - 7_200_000) => ({
  name: 'web',
  source: 'configured' as const,
  desiredCapacity: members.length,
  minSize: 0,
  maxSize: 10,
  tags: { 'ecs-ami-refresher:batch': encodeBatch({ base: 2, target: 3, originalMax: 10, startedAt: batchStartedAt }) },
  instances: members.map((n) => ({ instanceId: instanceId(n), lifecycleState: 'InService', healthStatus: 'Healthy', protectedFromScaleIn: false })),
  launchSource: { kind: 'none' as const },
});

test('only the next instance to drain and the replacements since its mark are read; services 10 a call; standalone tasks have no service', async () => {
  const marked = NOW - 1_800_000;
  const containers = [
    container(1, { phase: encodePhase({ kind: 'replacing', since: marked }) }), // next to drain
    container(2, { phase: encodePhase({ kind: 'replacing', since: marked + 1 }) }), // beyond the budget of 1
    container(3, { registeredAt: new Date(marked + 60_000).toISOString() }), // its replacement
    container(4), // an instance registered before the mark: not read
  ];
  // Instance 1 runs 12 service tasks and one standalone task.
  const tasks: Task[] = [
    ...Array.from({ length: 12 }, (_, i): Task => ({
      taskArn: taskArn(i), containerInstanceArn: containers[0].containerInstanceArn, group: `service:svc-${i}`, lastStatus: 'RUNNING', desiredStatus: 'RUNNING',
    })),
    { taskArn: taskArn(50), containerInstanceArn: containers[0].containerInstanceArn, group: 'family:batch-job', lastStatus: 'RUNNING', desiredStatus: 'RUNNING' },
    { taskArn: taskArn(60), containerInstanceArn: containers[2].containerInstanceArn, group: 'service:svc-0', lastStatus: 'PENDING', desiredStatus: 'RUNNING' },
  ];
  mocks.ecs.on(ListTasksCommand).callsFake((input) => ({
    taskArns: tasks.filter((t) => t.containerInstanceArn === input.containerInstance).map((t) => t.taskArn!),
  }));
  mocks.ecs.on(DescribeTasksCommand).callsFake((input) => ({ tasks: tasks.filter((t) => input.tasks.includes(t.taskArn)) }));
  mocks.ecs.on(DescribeServicesCommand).callsFake((input) => ({
    services: input.services.map((name: string) => ({
      serviceName: name, schedulingStrategy: 'REPLICA', desiredCount: 2, runningCount: 2, deployments: [{ status: 'PRIMARY' }],
    })),
  }));

  const api = sdkApi(createSdkClients('us-east-1'));
  const result = await readWorkloads(api, CLUSTER_ARN, [group([1, 2, 3, 4])], containers, {
    now: NOW, workload: { steadyServices: true, maxUnavailable: { count: 1 } },
  });
  expect(mocks.ecs.commandCalls(ListTasksCommand).map((c) => c.args[0].input.containerInstance))
    .toEqual([containers[0].containerInstanceArn, containers[2].containerInstanceArn]);
  expect(mocks.ecs.commandCalls(ListTasksCommand).every((c) => c.args[0].input.desiredStatus === 'RUNNING')).toBe(true);
  expect(mocks.ecs.commandCalls(DescribeServicesCommand).map((c) => c.args[0].input.services!.length)).toEqual([10, 2]);
  const byArn = new Map(result.containerInstances.map((c) => [c.containerInstanceArn, c]));
  expect(byArn.get(containers[0].containerInstanceArn)!.tasks!.filter((t) => t.service === undefined)).toEqual([{ taskArn: taskArn(50), lastStatus: 'RUNNING' }]);
  expect(byArn.get(containers[2].containerInstanceArn)!.tasks).toEqual([{ taskArn: taskArn(60), lastStatus: 'PENDING', service: 'svc-0' }]);
  expect(byArn.get(containers[1].containerInstanceArn)!.tasks).toBeUndefined();
  expect(byArn.get(containers[3].containerInstanceArn)!.tasks).toBeUndefined();
  expect(result.services!['svc-3']).toEqual({ name: 'svc-3', daemon: false, desiredCount: 2, runningCount: 2, deployments: 1 });
});

test('nothing is read without a policy that needs it, or without a batch', async () => {
  const api = sdkApi(createSdkClients('us-east-1'));
  const containers = [container(1, { phase: encodePhase({ kind: 'replacing', since: NOW }) })];
  await readWorkloads(api, CLUSTER_ARN, [group([1])], containers, { now: NOW });
  await readWorkloads(api, CLUSTER_ARN, [{ ...group([1]), tags: {} }], containers, { now: NOW, workload: { steadyServices: true } });
  expect(mocks.ecs.calls()).toEqual([]);
});

test('stop-tasks: one StopTask per task with the action\'s reason; a task already gone is not a failure', async () => {
  mocks.ecs.on(StopTaskCommand, { task: taskArn(1) }).resolves({ task: { taskArn: taskArn(1) } });
  mocks.ecs.on(StopTaskCommand, { task: taskArn(2) }).rejects(Object.assign(new Error('The referenced task was not found.'), { name: 'InvalidParameterException' }));
  const api = sdkApi(createSdkClients('us-east-1'));
  const [outcome] = await act({ api, clusterArn: CLUSTER_ARN }, [{
    kind: 'stop-tasks',
    group: 'web',
    instanceId: instanceId(1),
    containerInstanceArn: containerInstanceArn(instanceId(1)),
    taskArns: [taskArn(1), taskArn(2)],
    reason: 'ecs-ami-refresher: replaced',
  }]);
  expect(outcome.ok).toBe(true);
  expect(mocks.ecs.commandCalls(StopTaskCommand).map((c) => c.args[0].input))
    .toEqual([taskArn(1), taskArn(2)].map((task) => ({ cluster: CLUSTER_ARN, task, reason: 'ecs-ami-refresher: replaced' })));
});
