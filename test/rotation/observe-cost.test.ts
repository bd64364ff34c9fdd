/**
 * What watching a cluster costs in AWS calls: an idle run (nothing outdated), and one observation of a
 * cluster mid-rotation, against the budgets of issue 4 (idle ≤ 6; observing N instances ≤ 8 + 3·⌈N/100⌉).
 */
import { FullReads } from '../../src/engine/observe/full-reads';
import { ImageCache } from '../../src/engine/observe/image-cache';
import { readMarkCandidates } from '../../src/engine/observe/mark-candidates';
import { observeCluster } from '../../src/engine/observe/observe';
import { runEngine } from '../../src/engine/run';
import { maintenanceWindow } from '../../src/shared/maintenance-window';
import { buildScenario, Simulation } from '../sim';
import { POLL_MS, settingsFor } from './harness';

const KEY = 'amazon-linux-2023/x86_64';
const KNOWN = { 'web-cp': 'web' };
const writesOf = (sim: Simulation) => sim.recorder.calls.filter((c) => !/:(describe|list|get)/.test(c.operation));

function cluster(instances: number): Simulation {
  return buildScenario({ seed: 7, groups: [{ name: 'web', family: 'amazon-linux-2023', architecture: 'x86_64', instances }], services: 'auto' });
}

function upToDate(instances: number): Simulation {
  const sim = cluster(instances);
  sim.cloud.setParameter(sim.images[KEY].parameter, sim.images[KEY].old.imageId);
  return sim;
}

async function idleRun(sim: Simulation, imageCache: ImageCache, knownCapacityProviders?: Record<string, string>) {
  sim.recorder.clear();
  const result = await runEngine({
    api: sim.api,
    clock: sim.clock,
    settings: settingsFor(sim.clusterName, {}, { knownCapacityProviders }),
    owner: 'lambda:test',
    deadline: sim.clock.now() + 60_000,
    pollIntervalMs: POLL_MS,
    imageCache,
  });
  expect(result.settled).toBe(true);
  expect(sim.recorder.calls.filter((c) => !/:(describe|list|get)/.test(c.operation))).toEqual([]);
  return sim.recorder.calls.map((c) => c.operation);
}

// A warm function's scheduled idle runs between full reads cost 6 calls at any size: idle-shortcut.test.ts.
describe('an idle run that reads everything (the CLI, a manual invocation, a full read) is read-only', () => {
  test.each([10, 100, 1000])('%i instances, a warm function whose app declares the capacity provider: 4 calls + 2 per 100 instances', async (n) => {
    const sim = upToDate(n);
    const cache = new ImageCache();
    await idleRun(sim, cache, KNOWN);
    const calls = await idleRun(sim, cache, KNOWN);
    const pages = Math.ceil(n / 100);
    expect(calls.length).toBe(4 + 2 * pages);
    expect(new Set(calls)).toEqual(new Set([
      'ecs:describeClusters', 'autoscaling:describeAutoScalingGroups', 'ec2:describeLaunchTemplateVersions',
      'ecs:listContainerInstances', 'ecs:describeContainerInstances', 'ssm:getParameters',
    ]));
  });

  test('cold (first run of a function) with a provider from outside the app: 8 calls', async () => {
    const calls = await idleRun(upToDate(10), new ImageCache());
    expect(calls).toEqual([
      'ecs:describeClusters', 'ecs:describeCapacityProviders', 'autoscaling:describeAutoScalingGroups', 'ec2:describeLaunchTemplateVersions',
      'ecs:listContainerInstances', 'ecs:describeContainerInstances', 'ec2:describeImages', 'ssm:getParameters',
    ]);
  });
});

describe('observing a cluster mid-rotation', () => {
  test.each([10, 100, 1000])('%i instances and their replacements: at most 8 + 3 per 100, cold cache and an unknown provider', async (n) => {
    const sim = cluster(n);
    // Into the rotation: launch template updated, a window marked, replacements booting, some draining.
    const deadline = sim.clock.now() + 10 * 60_000;
    await runEngine({ api: sim.api, clock: sim.clock, settings: settingsFor(sim.clusterName), owner: 'cli:test', deadline, pollIntervalMs: POLL_MS });
    sim.recorder.clear();
    const observed = await observeCluster(sim.api, {
      clusterName: sim.clusterName, groupNames: [], amiParameters: sim.amiParameters, now: sim.clock.now(),
    });
    expect(observed.groups[0].tags['ecs-ami-refresher:batch']).toBeDefined();
    // Checking the tasks of drained instances about to be terminated is counted apart: it is per such instance.
    const observing = sim.recorder.calls.filter((c) => c.operation !== 'ecs:listTasks' && c.operation !== 'ecs:describeTasks');
    // N: the instances there are to observe now, replacements included.
    const instances = Math.max(observed.containerInstances.length, observed.groups[0].instances.length);
    expect(instances).toBeGreaterThan(n);
    expect(observing.length).toBeLessThanOrEqual(8 + 3 * Math.ceil(instances / 100));
  });
});

describe('the rotation policies\' reads', () => {
  const policies = { canary: { count: 1, soakSeconds: 600 }, waitForSteadyServices: true, stopStandaloneTasksAfterSeconds: 120 };

  test('an idle run with every policy on costs the same 6 calls: no task or service is read', async () => {
    const sim = upToDate(1000);
    const cache = new ImageCache();
    const fullReads = new FullReads();
    const run = async () => {
      sim.recorder.clear();
      const result = await runEngine({
        api: sim.api,
        clock: sim.clock,
        settings: settingsFor(sim.clusterName, policies, { knownCapacityProviders: KNOWN }),
        owner: 'lambda:test',
        deadline: sim.clock.now() + 60_000,
        pollIntervalMs: POLL_MS,
        imageCache: cache,
        fullReads,
      });
      expect(result.settled).toBe(true);
      return sim.recorder.calls.map((c) => c.operation);
    };
    await run();
    const calls = await run();
    expect(calls.length).toBe(6);
    expect(calls.filter((op) => /Tasks|Services/.test(op))).toEqual([]);
  });

  test('mid-rotation, steady services cost one ListTasks per instance read (the next to drain and their replacements), DescribeTasks per '
    + '100 tasks, DescribeServices per 10 services', async () => {
    const sim = cluster(200);
    await runEngine({
      api: sim.api,
      clock: sim.clock,
      settings: settingsFor(sim.clusterName, { waitForSteadyServices: true }),
      owner: 'cli:test',
      deadline: sim.clock.now() + 10 * 60_000,
      pollIntervalMs: POLL_MS,
    });
    sim.recorder.clear();
    const observed = await observeCluster(sim.api, {
      clusterName: sim.clusterName,
      groupNames: [],
      amiParameters: sim.amiParameters,
      now: sim.clock.now(),
      workload: { steadyServices: true, maxUnavailable: { percent: 10 } },
    });
    const read = observed.containerInstances.filter((c) => c.tasks !== undefined);
    // Only the next instances to drain (at most the budget, 20) and the replacements registered since they were
    // marked (at most the window, 40).
    expect(read.length).toBeGreaterThan(0);
    expect(read.length).toBeLessThanOrEqual(20 + 40);
    const tasks = read.reduce((n, c) => n + c.tasks!.length, 0);
    const services = new Set(read.flatMap((c) => c.tasks!.map((t) => t.service)).filter((s) => s !== undefined));
    const count = (op: string) => sim.recorder.calls.filter((c) => c.operation === op).length;
    expect(count('ecs:listTasks')).toBe(read.length);
    expect(count('ecs:describeTasks')).toBe(Math.ceil(tasks / 100));
    expect(count('ecs:describeServices')).toBe(Math.ceil(services.size / 10));
    expect(Object.keys(observed.services ?? {}).sort()).toEqual([...services].sort());
    expect(sim.recorder.calls.filter((c) => c.operation === 'ecs:describeServices').every((c) => c.batchSize <= 10)).toBe(true);
  });
});

describe('skipping instances with standalone tasks reads only what marking needs', () => {
  test('outside a maintenance window an outdated cluster costs no task read: nothing is to be marked', async () => {
    const sim = cluster(10);
    const cache = new ImageCache();
    const rotation = {
      skipInstancesWithStandaloneTasks: true,
      minimumAmiAgeSeconds: 3 * 86400,
      maintenanceWindows: [maintenanceWindow('0 2 ? * SUN', 3600, 'w')],
    };
    sim.recorder.clear();
    const result = await runEngine({
      api: sim.api,
      clock: sim.clock,
      settings: settingsFor(sim.clusterName, rotation, { knownCapacityProviders: KNOWN }),
      owner: 'lambda:test',
      deadline: sim.clock.now() + 60_000,
      pollIntervalMs: POLL_MS,
      imageCache: cache,
    });
    expect(result.last.rotations.get('web')?.waitingOn).toBe('maintenance-window');
    expect(sim.recorder.count('ecs:listTasks')).toBe(0);
    expect(sim.recorder.count('ecs:describeTasks')).toBe(0);
    expect(writesOf(sim)).toEqual([]);
  });

  test('candidates are read room at a time, in marking order, until room of them run no standalone task', async () => {
    const sim = cluster(10);
    const observed = await observeCluster(sim.api, {
      clusterName: sim.clusterName, groupNames: [], amiParameters: sim.amiParameters, now: sim.clock.now(),
    });
    const containers = observed.containerInstances;
    // Standalone tasks on three of them, placed so that the order below passes over them.
    const order = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => containers[i]);
    const registered = sim.cloud.registeredContainerInstances();
    for (const i of [0, 1, 3]) sim.cloud.runStandaloneTask(3600, registered.find((ci) => ci.instance.id === order[i].ec2InstanceId)!);
    sim.recorder.clear();
    const read = await readMarkCandidates(sim.api, observed, [{ candidates: order, room: 2 }]);
    // [0, 1]: both run one, [2, 3]: one free, [4, 5]: enough; the rest is not read.
    expect(sim.recorder.count('ecs:listTasks')).toBe(6);
    const withTasks = read.containerInstances.filter((c) => c.tasks !== undefined).map((c) => c.ec2InstanceId);
    expect(new Set(withTasks)).toEqual(new Set(order.slice(0, 6).map((c) => c.ec2InstanceId)));
    const standalone = read.containerInstances.filter((c) => c.tasks?.some((t) => t.service === undefined)).map((c) => c.ec2InstanceId);
    expect(new Set(standalone)).toEqual(new Set([0, 1, 3].map((i) => order[i].ec2InstanceId)));
  });
});
