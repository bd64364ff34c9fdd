/**
 * Groups in awkward states, each with its documented outcome (README, "Reliability").
 */
import { buildScenario, GroupSpec, Simulation } from '../sim';
import { runToCompletion, settingsFor } from './harness';

const HOUR = 3600_000;

function scenario(groups: GroupSpec[]): Simulation {
  return buildScenario({ seed: 5, groups, services: 'auto', standaloneTasks: { count: 1, durationS: 600 } });
}

function expectRotatedSafely(sim: Simulation, spec: GroupSpec) {
  const target = sim.images[`${spec.family}/${spec.architecture}`].new.imageId;
  expect(sim.cloud.imagesOf(spec.name)).toEqual({ [target]: spec.instances });
  expect(sim.cloud.groups.get(spec.name)!.desired).toBe(spec.instances);
  expect(sim.invariants.terminationViolations).toEqual([]);
  expect(sim.invariants.servicesBelowMinimum()).toEqual([]);
  expect(sim.invariants.groupsBelow(0)).toEqual([]);
}

test('a group at its max size: max is raised for the rotation\'s window and restored after', async () => {
  const spec: GroupSpec = { name: 'full', family: 'amazon-linux-2023', architecture: 'x86_64', instances: 5, maxSize: 5 };
  const sim = scenario([spec]);
  let highestMax = 0;
  const result = await runToCompletion(sim.api, sim.clock, settingsFor(sim.clusterName), 24 * HOUR);
  for (const call of sim.recorder.calls.filter((c) => c.operation === 'autoscaling:updateAutoScalingGroup')) {
    const max = (call.input as { MaxSize?: number }).MaxSize;
    if (max !== undefined) highestMax = Math.max(highestMax, max);
  }
  expect(result.settled).toBe(true);
  // 5 instances, a budget of 1, a window of 2.
  expect(highestMax).toBe(7);
  expect(sim.cloud.groups.get('full')!.maxSize).toBe(5);
  expectRotatedSafely(sim, spec);
});

test('instances protected from scale-in (capacity provider managed termination protection) are still replaced', async () => {
  const spec: GroupSpec = { name: 'protected', family: 'amazon-linux-2023', architecture: 'arm64', instances: 4, protectedFromScaleIn: true };
  const sim = scenario([spec]);
  const result = await runToCompletion(sim.api, sim.clock, settingsFor(sim.clusterName), 24 * HOUR);
  expect(result.outcomes.filter((o) => !o.ok)).toEqual([]);
  expectRotatedSafely(sim, spec);
});

describe('another actor, or processes suspended: the group waits, then completes', () => {
  const spec: GroupSpec = { name: 'web', family: 'amazon-linux-2023', architecture: 'x86_64', instances: 4, stack: 'prod-cluster' };

  test('Launch suspended: no batch starts, nothing is written; once resumed the rotation completes', async () => {
    const sim = scenario([spec]);
    sim.cloud.suspendProcesses('web', ['Launch']);
    const waiting = await runToCompletion(sim.api, sim.clock, settingsFor(sim.clusterName), HOUR);
    expect(waiting.last.rotations.get('web')).toMatchObject({ phase: 'waiting' });
    expect(waiting.last.rotations.get('web')!.waitingReason).toContain('process(es) Launch of web are suspended');
    expect(waiting.outcomes.filter((o) => o.action.kind === 'start-batch')).toEqual([]);

    sim.cloud.resumeProcesses('web');
    await runToCompletion(sim.api, sim.clock, settingsFor(sim.clusterName), 24 * HOUR);
    expectRotatedSafely(sim, spec);
  });

  test('Terminate suspended mid-rotation: drained instances wait, nothing with tasks goes; once resumed it completes', async () => {
    const sim = scenario([spec]);
    const settings = settingsFor(sim.clusterName);
    // Let the first batch drain, then suspend Terminate.
    await runToCompletion(sim.api, sim.clock, settings, 8 * 60_000);
    sim.cloud.suspendProcesses('web', ['Terminate']);
    const waiting = await runToCompletion(sim.api, sim.clock, settings, HOUR);
    expect(waiting.last.rotations.get('web')).toMatchObject({ phase: 'waiting' });
    expect(waiting.outcomes.filter((o) => o.action.kind === 'terminate')).toEqual([]);
    expect(waiting.outcomes.filter((o) => !o.ok)).toEqual([]);

    sim.cloud.resumeProcesses('web');
    await runToCompletion(sim.api, sim.clock, settings, 24 * HOUR);
    expectRotatedSafely(sim, spec);
  });

  test('an instance refresh in progress: the engine waits for it, then rotates', async () => {
    const sim = scenario([spec]);
    sim.cloud.startInstanceRefresh('web', { durationS: 1800 });
    const waiting = await runToCompletion(sim.api, sim.clock, settingsFor(sim.clusterName), 10 * 60_000);
    expect(waiting.last.rotations.get('web')!.waitingReason).toMatch(/instance refresh .* of web is (Pending|InProgress); the rotation waits/);
    expect(sim.recorder.calls.filter((c) => !/:(describe|list|get)/.test(c.operation))).toEqual([]);

    await sim.sleep(30 * 60_000);
    await runToCompletion(sim.api, sim.clock, settingsFor(sim.clusterName), 24 * HOUR);
    expectRotatedSafely(sim, spec);
  });

  test('a CloudFormation update of the group\'s stack in progress: the engine waits, then rotates', async () => {
    const sim = scenario([spec]);
    sim.cloud.setStackStatus('prod-cluster', 'UPDATE_IN_PROGRESS');
    const waiting = await runToCompletion(sim.api, sim.clock, settingsFor(sim.clusterName), 10 * 60_000);
    expect(waiting.last.rotations.get('web')!.waitingReason)
      .toBe('CloudFormation stack prod-cluster, which manages web, is UPDATE_IN_PROGRESS; the rotation waits for it to end');
    expect(sim.recorder.calls.filter((c) => !/:(describe|list|get)/.test(c.operation))).toEqual([]);

    sim.cloud.setStackStatus('prod-cluster', 'UPDATE_COMPLETE');
    await runToCompletion(sim.api, sim.clock, settingsFor(sim.clusterName), 24 * HOUR);
    expectRotatedSafely(sim, spec);
  });
});

test('capacity-provider managed scaling changes desired capacity mid-rotation: the rotation completes, no task is cut short', async () => {
  const spec: GroupSpec = { name: 'managed', family: 'amazon-linux-2023', architecture: 'arm64', instances: 6, protectedFromScaleIn: true };
  const sim = scenario([spec]);
  sim.cloud.enableManagedScaling('managed', { targetCapacityPercent: 100, periodS: 60, managedTerminationProtection: true });
  const result = await runToCompletion(sim.api, sim.clock, settingsFor(sim.clusterName), 24 * HOUR);
  expect(result.outcomes.filter((o) => !o.ok)).toEqual([]);
  const target = sim.images['amazon-linux-2023/arm64'].new.imageId;
  // Every instance ends on the new image; how many there are is managed scaling's decision, not ours.
  expect(Object.keys(sim.cloud.imagesOf('managed'))).toEqual([target]);
  // Managed scaling itself scales in instances that run only daemon tasks (as ECS does); the engine
  // terminated only instances ECS reported empty.
  const byEngine = new Set(result.outcomes.flatMap((o) => (o.action.kind === 'terminate' ? [o.action.instanceId] : [])));
  // (Managed scaling may retire an old instance itself; the engine replaced the rest.)
  expect(byEngine.size).toBeGreaterThan(0);
  expect(sim.invariants.terminationViolations.filter((v) => byEngine.has(v.instanceId))).toEqual([]);
  for (const v of sim.invariants.terminationViolations) {
    expect(v.tasks.every((t) => ['log-router', 'node-exporter'].includes(t.service ?? ''))).toBe(true);
  }
  expect(sim.invariants.servicesBelowMinimum()).toEqual([]);
});

test('tasks still deregistering from a load balancer after ECS stops counting them are never cut short', async () => {
  // ECS's runningTasksCount counts RUNNING tasks only (API reference, ContainerInstance): a task in its
  // deregistration delay is DEACTIVATING and invisible to it. The engine reads the tasks themselves.
  const spec: GroupSpec = { name: 'web', family: 'amazon-linux-2023', architecture: 'x86_64', instances: 4 };
  // No daemon service: daemon tasks stop last and would hide the window in which only deregistering tasks remain.
  const sim = buildScenario({
    seed: 9,
    groups: [spec],
    services: [
      { name: 'api', desiredCount: 8, minimumHealthyPercent: 100, maximumPercent: 200, deregistrationDelayS: 300 },
      { name: 'web', desiredCount: 6, minimumHealthyPercent: 50, maximumPercent: 200, deregistrationDelayS: 120 },
    ],
    cloud: { stoppingTasksCountAsRunning: false },
  });
  await runToCompletion(sim.api, sim.clock, settingsFor(sim.clusterName), 24 * HOUR);
  expect(sim.recorder.count('ecs:listTasks')).toBeGreaterThan(0);
  expectRotatedSafely(sim, spec);
});

test('a group whose launch template resolves a parameter the role may not read is refused alone; the others rotate', async () => {
  const good: GroupSpec = { name: 'good', family: 'amazon-linux-2023', architecture: 'x86_64', instances: 3 };
  const other: GroupSpec = { name: 'private', family: 'amazon-linux-2023', architecture: 'x86_64', instances: 2, imageIdFromSsm: true };
  const sim = scenario([good, other]);
  // The template follows a parameter outside the refresher's map: IAM denies GetParameters on it, and a
  // GetParameters call naming it fails as a whole.
  const template = sim.cloud.templates.get(sim.cloud.groups.get('private')!.launchTemplate!.id)!;
  for (const version of template.versions.values()) version.data.ImageId = 'resolve:ssm:/team/private-ami';
  sim.cloud.setParameter('/team/private-ami', sim.images['amazon-linux-2023/x86_64'].old.imageId);
  sim.faults.inject('ssm:getParameters', {
    error: 'AccessDeniedException',
    when: (input) => ((input as { Names: string[] }).Names ?? []).includes('/team/private-ami'),
  });

  const result = await runToCompletion(sim.api, sim.clock, settingsFor(sim.clusterName), 24 * HOUR);
  const refused = result.last.plan.groups.find((g) => g.groupName === 'private')!;
  expect(refused.status).toBe('refused');
  expect(refused.reason).toMatch(/resolved at launch from SSM parameter \/team\/private-ami, which could not be read \(AccessDeniedException/);
  expect(refused.reason).toContain('amiParameters');
  expectRotatedSafely(sim, good);
});

test('AZRebalance is suspended while batches are in flight and resumed after; one the user suspended stays suspended', async () => {
  const spec: GroupSpec = { name: 'web', family: 'amazon-linux-2023', architecture: 'x86_64', instances: 4 };
  const sim = scenario([spec]);
  let suspendedDuringBatch = false;
  await runToCompletion(sim.api, sim.clock, settingsFor(sim.clusterName), 24 * HOUR);
  for (const call of sim.recorder.calls) {
    if (call.operation === 'autoscaling:suspendProcesses') suspendedDuringBatch = true;
  }
  expect(suspendedDuringBatch).toBe(true);
  expect(sim.cloud.isSuspended(sim.cloud.groups.get('web')!, 'AZRebalance')).toBe(false);
  expectRotatedSafely(sim, spec);

  const userSuspended = scenario([spec]);
  userSuspended.cloud.suspendProcesses('web', ['AZRebalance']);
  await runToCompletion(userSuspended.api, userSuspended.clock, settingsFor(userSuspended.clusterName), 24 * HOUR);
  expect(userSuspended.recorder.count('autoscaling:resumeProcesses')).toBe(0);
  expect(userSuspended.cloud.isSuspended(userSuspended.cloud.groups.get('web')!, 'AZRebalance')).toBe(true);
  expectRotatedSafely(userSuspended, spec);
});
