/** Lifecycle hooks, ECS managed draining and aws-cdk's legacy drain hook, as the simulator models them (lifecycle-hooks.ts). */
import { buildScenario, GroupSpec, Simulation } from '.';
import { ECS_MANAGED_DRAINING_HOOK, GLOBAL_TIMEOUT_MAX_S, LAUNCHING, TERMINATING } from './lifecycle-hooks';
import { SimInstance } from './model';

const MIN = 60_000;
const HOUR = 60 * MIN;

function sim(group: Partial<GroupSpec> = {}, services = true): Simulation {
  return buildScenario({
    seed: 21,
    // Managed scaling off: these tests set desired capacity themselves, which ECS's target tracking would undo.
    groups: [{ name: 'app', family: 'amazon-linux-2023', architecture: 'x86_64', instances: 3, maxSize: 10, managedScaling: false, ...group }],
    services: services ? [{ name: 'web', desiredCount: 6, minimumHealthyPercent: 50, maximumPercent: 200, deregistrationDelayS: 30 }] : [],
    timing: { bootS: 120, registerS: 20, taskStartS: 30, apiLatencyMs: 0 },
  });
}

function instances(s: Simulation): SimInstance[] {
  return [...s.cloud.groups.get('app')!.instances.values()];
}

async function scaleOutOne(s: Simulation): Promise<SimInstance> {
  const before = new Set(instances(s).map((i) => i.id));
  await s.api.autoScaling.setDesiredCapacity({ AutoScalingGroupName: 'app', DesiredCapacity: before.size + 1 });
  const added = () => instances(s).find((i) => !before.has(i.id));
  await s.runUntil(() => added() !== undefined && added()!.lifecycle !== 'Pending', { stepMs: 1000 });
  return added()!;
}

describe('PutLifecycleHook and DescribeLifecycleHooks', () => {
  test('defaults: one-hour heartbeat, ABANDON, global timeout the smaller of 48 h and 100 heartbeats; ranges enforced', async () => {
    const s = sim({ managedDraining: false });
    const group = s.cloud.groups.get('app')!;
    const hook = s.cloud.lifecycleHooks.put(group, { name: 'h', transition: LAUNCHING });
    expect(hook).toMatchObject({ heartbeatTimeoutS: 3600, defaultResult: 'ABANDON', globalTimeoutS: GLOBAL_TIMEOUT_MAX_S });
    expect(s.cloud.lifecycleHooks.put(group, { name: 'short', transition: LAUNCHING, heartbeatTimeoutS: 60 }).globalTimeoutS).toBe(6000);
    expect(() => s.cloud.lifecycleHooks.put(group, { name: 'x', transition: LAUNCHING, heartbeatTimeoutS: 29 })).toThrow(/between 30 and 7200/);
    expect(() => s.cloud.lifecycleHooks.put(group, { name: 'x', transition: LAUNCHING, heartbeatTimeoutS: 7201 })).toThrow(/between 30 and 7200/);
    const described = await s.api.autoScaling.describeLifecycleHooks({ AutoScalingGroupName: 'app' });
    expect(described.LifecycleHooks?.map((h) => [h.LifecycleHookName, h.HeartbeatTimeout, h.GlobalTimeout, h.DefaultResult])).toEqual([
      ['h', 3600, 172800, 'ABANDON'], ['short', 60, 6000, 'ABANDON'],
    ]);
    await expect(s.api.autoScaling.describeLifecycleHooks({ AutoScalingGroupName: 'nope' })).rejects.toThrow(/not found/);
  });

  test('a capacity provider with managed draining (the default) puts ECS\'s termination hook on its group; without, none', async () => {
    const on = await sim().api.autoScaling.describeLifecycleHooks({ AutoScalingGroupName: 'app' });
    expect(on.LifecycleHooks?.map((h) => [h.LifecycleHookName, h.LifecycleTransition])).toEqual([[ECS_MANAGED_DRAINING_HOOK, TERMINATING]]);
    const off = await sim({ managedDraining: false }).api.autoScaling.describeLifecycleHooks({ AutoScalingGroupName: 'app' });
    expect(off.LifecycleHooks).toEqual([]);
    const providers = await sim().api.ecs.describeCapacityProviders({ capacityProviders: ['app-cp'] });
    expect(providers.capacityProviders?.[0].autoScalingGroupProvider?.managedDraining).toBe('ENABLED');
  });
});

describe('launch hooks', () => {
  test('Pending:Wait until the heartbeat timeout, then the default result: CONTINUE puts it in service', async () => {
    const s = sim({ managedDraining: false, launchHook: { heartbeatTimeoutS: 1800, defaultResult: 'CONTINUE' } });
    const added = await scaleOutOne(s);
    expect(added.lifecycle).toBe('Pending:Wait');
    expect(added.state).toBe('running');
    await s.runUntil(() => added.ci?.status === 'ACTIVE', { stepMs: 1000 });
    expect(added.serving).toBe(false); // registered, but not InService: not serving
    await s.sleep(20 * MIN);
    expect(added.lifecycle).toBe('Pending:Wait');
    await s.sleep(11 * MIN);
    expect(added.lifecycle).toBe('InService');
    expect(s.cloud.lifecycleHooks.ended).toEqual([expect.objectContaining({ instanceId: added.id, by: 'timeout', result: 'CONTINUE' })]);
  });

  test('ABANDON on timeout terminates it, and the group launches another', async () => {
    const s = sim({ managedDraining: false, launchHook: { heartbeatTimeoutS: 300, defaultResult: 'ABANDON' } });
    const added = await scaleOutOne(s);
    await s.sleep(9 * MIN);
    expect(added.state).toBe('terminated');
    expect(instances(s).filter((i) => i.lifecycle === 'Pending:Wait')).toHaveLength(1);
  });

  test('CompleteLifecycleAction ends the wait at once; a heartbeat restarts the timeout but not past the global timeout', async () => {
    const s = sim({ managedDraining: false, launchHook: { heartbeatTimeoutS: 60, defaultResult: 'ABANDON' } });
    const added = await scaleOutOne(s);
    expect(added.lifecycle).toBe('Pending:Wait');
    await expect(s.api.autoScaling.completeLifecycleAction({ AutoScalingGroupName: 'app', LifecycleHookName: 'launch-hook', InstanceId: added.id, LifecycleActionResult: 'MAYBE' }))
      .rejects.toThrow(/CONTINUE or ABANDON/);
    await expect(s.api.autoScaling.completeLifecycleAction({ AutoScalingGroupName: 'app', LifecycleHookName: 'launch-hook', InstanceId: 'i-0', LifecycleActionResult: 'CONTINUE' }))
      .rejects.toThrow(/No active Lifecycle Action/);
    // Heartbeats every 50 s hold it until the global timeout (100 x 60 s), where ABANDON applies.
    let beats = 0;
    while (added.lifecycle === 'Pending:Wait' && beats < 200) {
      s.cloud.lifecycleHooks.heartbeat('app', 'launch-hook', { instanceId: added.id });
      beats++;
      await s.sleep(50_000);
    }
    const ended = s.cloud.lifecycleHooks.ended.find((e) => e.instanceId === added.id)!;
    expect(ended).toMatchObject({ by: 'timeout', result: 'ABANDON' });
    expect(ended.waitedMs).toBe(6000_000);
    await s.runUntil(() => instances(s).some((i) => i.lifecycle === 'Pending:Wait'), { stepMs: 1000 });
    const next = instances(s).find((i) => i.lifecycle === 'Pending:Wait')!;
    await s.api.autoScaling.completeLifecycleAction({ AutoScalingGroupName: 'app', LifecycleHookName: 'launch-hook', InstanceId: next.id, LifecycleActionResult: 'CONTINUE' });
    expect(next.lifecycle).toBe('InService');
  });
});

describe('ECS managed instance draining', () => {
  test('a termination drains the instance first: its tasks move, then it terminates; nothing is killed', async () => {
    const s = sim();
    const victim = instances(s)[0];
    await s.api.autoScaling.terminateInstanceInAutoScalingGroup({ InstanceId: victim.id, ShouldDecrementDesiredCapacity: false });
    await s.sleep(10_000);
    expect(victim.lifecycle).toBe('Terminating:Wait');
    expect(victim.ci!.status).toBe('DRAINING');
    await s.sleep(20 * MIN);
    expect(victim.state).toBe('terminated');
    expect(s.invariants.terminationViolations).toEqual([]);
    expect(s.cloud.services.get('web')!.runningCount).toBe(6);
  });

  test('a task that never stops holds the instance in Terminating:Wait until the 48-hour global timeout', async () => {
    const s = sim({}, false);
    const victim = instances(s)[0];
    s.cloud.runStandaloneTask(100 * 3600, victim.ci);
    await s.api.autoScaling.terminateInstanceInAutoScalingGroup({ InstanceId: victim.id, ShouldDecrementDesiredCapacity: false });
    await s.sleep(47 * HOUR);
    expect(victim.lifecycle).toBe('Terminating:Wait');
    await s.sleep(2 * HOUR);
    expect(victim.state).toBe('terminated');
    const ended = s.cloud.lifecycleHooks.ended.find((e) => e.instanceId === victim.id)!;
    expect(ended).toMatchObject({ by: 'timeout', result: 'CONTINUE' });
    expect(Math.round(ended.waitedMs / HOUR)).toBe(48);
    expect(s.invariants.terminationViolations).toHaveLength(1);
  });

  test('DeregisterContainerInstance with force while a task runs orphans it: ECS then lets the instance go, and the task dies', async () => {
    const s = sim({}, false);
    const victim = instances(s)[0];
    s.cloud.runStandaloneTask(100 * 3600, victim.ci);
    await expect(s.api.ecs.deregisterContainerInstance({ cluster: s.clusterName, containerInstance: victim.ci!.arn })).rejects.toThrow(/running tasks/);
    await s.api.ecs.deregisterContainerInstance({ cluster: s.clusterName, containerInstance: victim.ci!.arn, force: true });
    expect(s.invariants.tasksOrphaned).toBe(1);
    await s.api.autoScaling.terminateInstanceInAutoScalingGroup({ InstanceId: victim.id, ShouldDecrementDesiredCapacity: false });
    await s.sleep(5 * MIN);
    expect(victim.state).toBe('terminated');
    expect(s.invariants.terminationViolations[0].tasks).toEqual([expect.objectContaining({ orphaned: true })]);
  });
});

describe('aws-cdk\'s legacy InstanceDrainHook', () => {
  test('with the container instance there, it drains it and completes the action once it is empty', async () => {
    const s = sim({ managedDraining: false, cdkDrainHookS: 300 });
    const victim = instances(s)[0];
    await s.api.autoScaling.terminateInstanceInAutoScalingGroup({ InstanceId: victim.id, ShouldDecrementDesiredCapacity: false });
    await s.sleep(10 * MIN);
    expect(victim.state).toBe('terminated');
    const ended = s.cloud.lifecycleHooks.ended.find((e) => e.instanceId === victim.id)!;
    expect(ended.by).toBe('complete');
    expect(ended.waitedMs).toBeLessThan(300_000);
    expect(s.invariants.terminationViolations).toEqual([]);
  });

  test('with the container instance already deregistered, it returns without completing: the instance waits the whole heartbeat', async () => {
    const s = sim({ managedDraining: false, cdkDrainHookS: 300 }, false);
    const victim = instances(s)[0];
    await s.api.autoScaling.terminateInstanceInAutoScalingGroup({ InstanceId: victim.id, ShouldDecrementDesiredCapacity: false });
    await s.api.ecs.deregisterContainerInstance({ cluster: s.clusterName, containerInstance: victim.ci!.arn });
    await s.sleep(4 * MIN);
    expect(victim.lifecycle).toBe('Terminating:Wait');
    await s.sleep(2 * MIN);
    expect(victim.state).not.toBe('running');
    expect(s.cloud.lifecycleHooks.ended.find((e) => e.instanceId === victim.id)).toMatchObject({ by: 'timeout', result: 'CONTINUE', waitedMs: 300_000 });
  });

  test('tasks that outlast the Lambda (drain time + 10 s): the heartbeat timeout lets the instance go with them', async () => {
    const s = sim({ managedDraining: false, cdkDrainHookS: 300 }, false);
    const victim = instances(s)[0];
    s.cloud.runStandaloneTask(3600, victim.ci);
    await s.api.autoScaling.terminateInstanceInAutoScalingGroup({ InstanceId: victim.id, ShouldDecrementDesiredCapacity: false });
    await s.sleep(10 * MIN);
    expect(victim.state).toBe('terminated');
    expect(s.cloud.lifecycleHooks.ended.find((e) => e.instanceId === victim.id)).toMatchObject({ by: 'timeout' });
    expect(s.invariants.terminationViolations).toHaveLength(1);
  });
});
