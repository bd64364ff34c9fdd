/**
 * Whole rotations on the in-memory cloud: the real engine (observe, plan, act) against the simulator,
 * checked against the safety rules on every state change, not only at the end.
 */
import { DEFAULT_RETRY, methodNames, retryingApi } from '../../src/aws/retry';
import { Round, runEngine, RunResult } from '../../src/engine/run';
import { BatchLimit } from '../../src/shared/constants';
import { BATCH_TAG, decodeLease, encodeLease, Lease, LEASE_TAG, PHASE_ATTRIBUTE } from '../../src/shared/records';
import { buildScenario, GroupSpec, ScenarioSpec, Simulation } from '../sim';
import { POLL_MS, runInvocations, runScheduled, runToCompletion, SCHEDULE_MS, settingsFor } from './harness';

const HOUR = 3600_000;

/** The documented batch limit of each API the engine calls with ids (DESIGN.md). */
const AWS_LIMITS: Record<string, number> = {
  'ecs:describeContainerInstances': 100,
  'ecs:listContainerInstances': 100,
  'ecs:updateContainerInstancesState': 10,
  'ecs:putAttributes': 10,
  'autoscaling:describeAutoScalingGroups': 100,
  'ssm:getParameters': 10,
  'ec2:describeInstances': 200,
  'ec2:describeImages': 200,
};

/** A realistic mix of services; standalone tasks end well within the 1-hour drain timeout. */
function scenario(groups: GroupSpec[], extra: Partial<ScenarioSpec> = {}): Simulation {
  const instances = groups.reduce((n, g) => n + g.instances, 0);
  return buildScenario({
    seed: 7,
    groups,
    services: 'auto',
    standaloneTasks: { count: Math.max(1, Math.round(instances / 20)), durationS: [300, 2400] },
    ...extra,
  });
}

/** Every group's live instances on its family's newer image, nothing else left behind. */
function expectRotated(sim: Simulation, specs: readonly GroupSpec[]) {
  for (const spec of specs) {
    const images = sim.cloud.imagesOf(spec.name);
    const target = sim.images[`${spec.family}/${spec.architecture}`].new.imageId;
    expect({ group: spec.name, images }).toEqual({ group: spec.name, images: { [target]: spec.instances } });
    const group = sim.cloud.groups.get(spec.name)!;
    expect({ group: spec.name, desired: group.desired }).toEqual({ group: spec.name, desired: spec.instances });
    expect(group.tags.has(BATCH_TAG)).toBe(false);
  }
  // No engine marks or lease left.
  expect(sim.cloud.registeredContainerInstances().filter((ci) => ci.attributes.has(PHASE_ATTRIBUTE))).toEqual([]);
  expect([...sim.cloud.clusters.values()].some((c) => c.tags.has(LEASE_TAG))).toBe(false);
}

/** The safety invariants, watched on every state change of the run. */
function expectSafe(sim: Simulation) {
  expect(sim.invariants.terminationViolations).toEqual([]);
  expect(sim.invariants.servicesBelowMinimum()).toEqual([]);
  // Replacement first: a group's serving capacity never drops below its desired capacity before the rotation.
  expect(sim.invariants.groupsBelow(0)).toEqual([]);
  for (const [operation, limit] of Object.entries(AWS_LIMITS)) {
    expect({ operation, max: Math.min(sim.recorder.maxBatch(operation), limit) }).toEqual({ operation, max: sim.recorder.maxBatch(operation) });
  }
}

function failedActions(result: RunResult) {
  return result.outcomes.filter((o) => !o.ok);
}

describe.each([3, 20, 200])('one Amazon Linux 2023 group of %i instances', (instances) => {
  const groups: GroupSpec[] = [{ name: 'web', family: 'amazon-linux-2023', architecture: 'x86_64', instances, launchTemplateVersion: '1' }];

  test('a long run replaces every instance safely and settles', async () => {
    const sim = scenario(groups);
    const result = await runToCompletion(sim.api, sim.clock, settingsFor(sim.clusterName), 24 * HOUR);
    expect(failedActions(result)).toEqual([]);
    expect(result.settled).toBe(true);
    expectRotated(sim, groups);
    expectSafe(sim);
    // Pinned to version 1: the group was pointed at the engine's new version.
    expect(sim.cloud.groups.get('web')!.launchTemplate!.version).not.toBe('1');
  });
});

test('two groups of different architecture (x86_64 Amazon Linux 2023, arm64 Bottlerocket) progress together', async () => {
  const groups: GroupSpec[] = [
    { name: 'x86', family: 'amazon-linux-2023', architecture: 'x86_64', instances: 12, launchTemplateVersion: '$Default' },
    { name: 'arm', family: 'bottlerocket-ecs-2', architecture: 'arm64', instances: 12, mixedInstancesPolicy: true, launchTemplateVersion: '1' },
  ];
  const sim = scenario(groups);
  const result = await runToCompletion(sim.api, sim.clock, settingsFor(sim.clusterName), 24 * HOUR);
  expect(failedActions(result)).toEqual([]);
  expectRotated(sim, groups);
  expectSafe(sim);
  // Each group's first batch started before the other's first batch ended: they were in flight together.
  const batchCall = (operation: string, group: string) => sim.recorder.calls.find((c) =>
    c.operation === operation && JSON.stringify(c.input).includes(`"ResourceId":"${group}"`) && JSON.stringify(c.input).includes(BATCH_TAG))!;
  expect(batchCall('autoscaling:createOrUpdateTags', 'arm').at).toBeLessThan(batchCall('autoscaling:deleteTags', 'x86').at);
  expect(batchCall('autoscaling:createOrUpdateTags', 'x86').at).toBeLessThan(batchCall('autoscaling:deleteTags', 'arm').at);
});

test('invocation by invocation (Lambda budget, 5-minute schedule) ends in the same state as one long run', async () => {
  const groups: GroupSpec[] = [
    { name: 'x86', family: 'amazon-linux-2023', architecture: 'x86_64', instances: 20, launchTemplateVersion: '1' },
    { name: 'arm', family: 'bottlerocket-ecs-2', architecture: 'arm64', instances: 10 },
  ];
  const long = scenario(groups);
  const longResult = await runToCompletion(long.api, long.clock, settingsFor(long.clusterName), 24 * HOUR);
  expect(longResult.settled).toBe(true);

  const short = scenario(groups);
  const invocations = await runScheduled(short, settingsFor(short.clusterName), 24 * HOUR);
  expect(invocations.settled).toBe(true);
  expect(invocations.invocations).toBeGreaterThan(1);
  expect(invocations.results.flatMap(failedActions)).toEqual([]);

  for (const sim of [long, short]) {
    expectRotated(sim, groups);
    expectSafe(sim);
  }
  const summary = (sim: Simulation) => groups.map((g) => ({
    group: g.name,
    images: sim.cloud.imagesOf(g.name),
    desired: sim.cloud.groups.get(g.name)!.desired,
    max: sim.cloud.groups.get(g.name)!.maxSize,
  }));
  expect(summary(short)).toEqual(summary(long));
  // Both created exactly one launch template version per group that needed one.
  expect(short.recorder.count('ec2:createLaunchTemplateVersion')).toBe(long.recorder.count('ec2:createLaunchTemplateVersion'));
});

test('a group already on the target image is left alone: an idle run makes reads only', async () => {
  const sim = scenario([{ name: 'web', family: 'amazon-linux-2023', architecture: 'arm64', instances: 4 }]);
  await runToCompletion(sim.api, sim.clock, settingsFor(sim.clusterName), 24 * HOUR);
  const before = sim.recorder.calls.length;
  const result = await runToCompletion(sim.api, sim.clock, settingsFor(sim.clusterName), HOUR);
  expect(result.settled).toBe(true);
  expect(result.rounds).toBe(1);
  const idleCalls = sim.recorder.calls.slice(before).map((c) => c.operation);
  expect(idleCalls.every((op) => /:(describe|list|get)/.test(op))).toBe(true);
});

test('dry run observes and reports, and writes nothing', async () => {
  const sim = scenario([{ name: 'web', family: 'amazon-linux-2023', architecture: 'x86_64', instances: 5 }]);
  const result = await runToCompletion(sim.api, sim.clock, settingsFor(sim.clusterName, {}, { dryRun: true }), HOUR);
  expect(result.rounds).toBe(1);
  expect(result.last.plan.totals.outdatedInstances).toBe(5);
  expect(sim.recorder.calls.every((c) => /:(describe|list|get)/.test(c.operation))).toBe(true);
});

test('force replaces instances already on the target image, once, across invocations', async () => {
  const groups: GroupSpec[] = [{ name: 'web', family: 'amazon-linux-2023', architecture: 'x86_64', instances: 6 }];
  const sim = scenario(groups);
  await runToCompletion(sim.api, sim.clock, settingsFor(sim.clusterName), 24 * HOUR);
  const onTarget = new Set(sim.cloud.instancesOf('web').filter((i) => i.lifecycle === 'InService').map((i) => i.id));
  expect(onTarget.size).toBe(6);

  // One forced invocation with a short budget, then ordinary scheduled ones finish what it recorded.
  const forced = await runInvocations({
    api: sim.api,
    clock: sim.clock,
    settings: settingsFor(sim.clusterName, { force: true }),
    budgetMs: 60_000,
    periodMs: SCHEDULE_MS,
    maxVirtualMs: 1,
  });
  expect(forced.results[0].outcomes.some((o) => o.action.kind === 'set-replace-before')).toBe(true);
  const rest = await runScheduled(sim, settingsFor(sim.clusterName), 24 * HOUR);
  expect(rest.settled).toBe(true);
  const now = sim.cloud.instancesOf('web').filter((i) => i.lifecycle === 'InService').map((i) => i.id);
  expect(now).toHaveLength(6);
  expect(now.filter((id) => onTarget.has(id))).toEqual([]);
  expectRotated(sim, groups);
  expectSafe(sim);
});

test('batch limits: 200 instances draining 20 at a time never exceed UpdateContainerInstancesState\'s 10 per call', async () => {
  const sim = scenario([{ name: 'big', family: 'amazon-linux-2023', architecture: 'x86_64', instances: 200 }]);
  await runToCompletion(sim.api, sim.clock, settingsFor(sim.clusterName, { maxUnavailable: { count: 25 } }), 48 * HOUR);
  expect(sim.recorder.maxBatch('ecs:updateContainerInstancesState')).toBe(BatchLimit.UPDATE_CONTAINER_INSTANCES_STATE);
  expect(sim.recorder.maxBatch('ecs:putAttributes')).toBe(BatchLimit.PUT_ATTRIBUTES);
  expectSafe(sim);
});

describe('stuck drains', () => {
  const groups: GroupSpec[] = [{ name: 'batch', family: 'amazon-linux-2023', architecture: 'x86_64', instances: 4 }];
  /** One standalone task that runs for 3 hours, longer than the 1-hour drain timeout. */
  const stuck = () => scenario(groups, { standaloneTasks: { count: 4, durationS: 3 * 3600 } });

  test('default (stop): the group\'s rotation stops, nothing with tasks is terminated, and it resumes once the tasks end', async () => {
    const sim = stuck();
    const first = await runToCompletion(sim.api, sim.clock, settingsFor(sim.clusterName), 2 * HOUR);
    const rotation = first.last.rotations.get('batch')!;
    expect(rotation.phase).toBe('stopped');
    expect(rotation.stoppedReason).toMatch(/still runs \d+ task\(s\) after the 3600 s drain timeout/);
    expect(first.outcomes.filter((o) => o.action.kind === 'terminate')).toEqual([]);
    expectSafe(sim);

    // The tasks end; the next runs find the instance empty and carry on.
    await sim.sleep(2 * HOUR);
    const later = await runScheduled(sim, settingsFor(sim.clusterName), 24 * HOUR);
    expect(later.settled).toBe(true);
    expectRotated(sim, groups);
    expectSafe(sim);
  });

  test('force: the instance is terminated after the drain timeout, with its standalone task', async () => {
    const sim = stuck();
    const result = await runToCompletion(sim.api, sim.clock, settingsFor(sim.clusterName, { onDrainTimeout: 'force' }), 24 * HOUR);
    const forced = result.outcomes.filter((o) => o.action.kind === 'terminate' && o.action.forced);
    expect(forced.length).toBeGreaterThan(0);
    expectRotated(sim, groups);
    expect(sim.invariants.servicesBelowMinimum()).toEqual([]);
    // The only terminations with live tasks are the forced ones, and only after the timeout.
    const forcedIds = new Set(forced.map((o) => (o.action as { instanceId: string }).instanceId));
    for (const violation of sim.invariants.terminationViolations) expect(forcedIds.has(violation.instanceId)).toBe(true);
  });
});

describe('one actor, and AWS pushing back', () => {
  const groups: GroupSpec[] = [{ name: 'web', family: 'amazon-linux-2023', architecture: 'x86_64', instances: 6 }];

  test('while another engine holds the lease, a run observes and writes nothing; once it expires, rotation goes on', async () => {
    const sim = scenario(groups);
    const cluster = [...sim.cloud.clusters.values()][0];
    cluster.tags.set(LEASE_TAG, encodeLease({ owner: 'cli:operator-laptop:4242', expiresAt: sim.clock.now() + 10 * 60_000 }));
    const blocked = await runToCompletion(sim.api, sim.clock, settingsFor(sim.clusterName), HOUR);
    expect(blocked.leaseHolder?.owner).toBe('cli:operator-laptop:4242');
    expect(blocked.outcomes).toEqual([]);
    expect(sim.recorder.calls.filter((c) => !/:(describe|list|get)/.test(c.operation))).toEqual([]);

    await sim.sleep(11 * 60_000);
    const result = await runToCompletion(sim.api, sim.clock, settingsFor(sim.clusterName), 24 * HOUR);
    expect(result.leaseHolder).toBeUndefined();
    expectRotated(sim, groups);
    expectSafe(sim);
  });

  /**
   * A Lambda run whose lease is overwritten with `other` right after its first round that wrote (the terminal
   * run's write landed after this run read its own back); `after` sees every later round.
   */
  async function runOverwritten(sim: Simulation, other: Lease, after: (round: Round) => void) {
    const cluster = [...sim.cloud.clusters.values()][0];
    let overwritten = false;
    const result = await runEngine({
      api: sim.api,
      clock: sim.clock,
      settings: settingsFor(sim.clusterName),
      owner: 'lambda:tick',
      deadline: sim.clock.now() + HOUR,
      pollIntervalMs: POLL_MS,
      onRound: (round) => {
        if (overwritten) {
          after(round);
        } else if (round.outcomes.length > 0) {
          cluster.tags.set(LEASE_TAG, encodeLease(other));
          overwritten = true;
        }
      },
    });
    return { result, overwritten, cluster };
  }

  test('two runs that both read back their own lease (writes far enough apart): the one overwritten writes nothing more', async () => {
    const sim = scenario(groups);
    const other = { owner: 'cli:operator-laptop:4242', expiresAt: sim.clock.now() + 10 * 60_000 };
    const writesAfter: string[] = [];
    const after = (round: Round) => writesAfter.push(...round.outcomes.map((o) => o.action.kind));
    const { result, overwritten, cluster } = await runOverwritten(sim, other, after);
    expect(overwritten).toBe(true);
    expect(writesAfter).toEqual([]);
    expect(result.leaseHolder?.owner).toBe(other.owner);
    // Its lease is the other run's now: this run leaves it in place.
    expect(cluster.tags.get(LEASE_TAG)).toBe(encodeLease(other));
  });

  test('an overwriting value that this clock reads as expired still takes the lease away: the run acquires again before it writes', async () => {
    const sim = scenario(groups);
    // Written by a machine whose clock is behind: to this run, the value expired a minute ago.
    const other = { owner: 'cli:operator-laptop:4242', expiresAt: sim.clock.now() - 60_000 };
    const holdersAtNextWrite: Array<string | undefined> = [];
    const cluster = [...sim.cloud.clusters.values()][0];
    const { overwritten } = await runOverwritten(sim, other, (round) => {
      if (round.outcomes.length > 0 && holdersAtNextWrite.length === 0) holdersAtNextWrite.push(decodeLease(cluster.tags.get(LEASE_TAG))?.owner);
    });
    expect(overwritten).toBe(true);
    // The next round that wrote had taken the lease back first (write, read back): the tag names this run.
    expect(holdersAtNextWrite).toHaveLength(1);
    expect(holdersAtNextWrite[0]).toBeDefined();
    expect(holdersAtNextWrite[0]).not.toBe(other.owner);
    expectRotated(sim, groups);
  });

  test('throttling and 5xx on every API are retried with backoff; the rotation completes unchanged', async () => {
    const sim = scenario(groups);
    // Every method of every port: three throttles and two server errors each.
    const services = {
      ecs: sim.api.ecs, autoscaling: sim.api.autoScaling, ec2: sim.api.ec2, ssm: sim.api.ssm, cloudformation: sim.api.cloudFormation,
    };
    const operations = Object.entries(services).flatMap(([service, port]) => methodNames(port).map((m) => `${service}:${m}`));
    // (37: the launch configuration and version pruning calls, met under faults in rotation/template-kinds.test.ts, and
    // the lifecycle hook calls, met in rotation/lifecycle-hooks.test.ts, included.)
    expect(operations).toHaveLength(37);
    for (const operation of operations) sim.faults.throttle(operation, 3).serverError(operation, 2);
    const api = retryingApi(sim.api, { ...DEFAULT_RETRY, sleep: (ms) => sim.clock.sleep(ms), random: sim.random });
    // The rotation policies on, so their reads (DescribeServices) and writes (StopTask of a long standalone task) meet faults too.
    sim.cloud.runStandaloneTask(40 * 3600);
    const policies = { waitForSteadyServices: true, stopStandaloneTasksAfterSeconds: 120 };
    const result = await runToCompletion(api, sim.clock, settingsFor(sim.clusterName, policies), 24 * HOUR);
    expect(result.outcomes.filter((o) => !o.ok)).toEqual([]);
    // Every injected fault the rotation met was retried: each API it called failed five times first.
    const errors = sim.recorder.errors();
    const called = new Set(sim.recorder.calls.map((c) => c.operation));
    for (const operation of called) {
      const failures = Object.entries(errors).filter(([key]) => key.startsWith(`${operation} `)).reduce((n, [, count]) => n + count, 0);
      expect({ operation, failures }).toEqual({ operation, failures: 5 });
    }
    expect(called.size).toBeGreaterThanOrEqual(20);
    for (const operation of ['ecs:describeServices', 'ecs:stopTask']) expect({ operation, called: called.has(operation) }).toEqual({ operation, called: true });
    expectRotated(sim, groups);
    expectSafe(sim);
  });
});
