/**
 * Kill the engine right after its k-th AWS write, for every k of a whole rotation, then let scheduled
 * invocations of a fresh engine carry on: the rotation must complete with nothing lost or repeated.
 */
import { maintenanceWindow } from '../../src/shared/maintenance-window';
import { BATCH_TAG } from '../../src/shared/records';
import { buildScenario, dyingApi, GroupSpec, ProcessKilled, Simulation } from '../sim';
import { recordFigure } from './figures';
import { runInvocations, runScheduled, runTicks, settingsFor } from './harness';

const HOUR = 3600_000;
// One zone: these tests count the rotation's own launches and task moves; in three zones a batch may end
// unbalanced and the engine then replaces one more (up-to-date) instance before resuming AZRebalance, an extra
// launch and move that test/rotation/availability-zones.test.ts covers.
const GROUPS: GroupSpec[] = [{ name: 'web', family: 'amazon-linux-2023', architecture: 'x86_64', instances: 3, launchTemplateVersion: '1', availabilityZones: ['a'] }];


function scenario(): Simulation {
  return buildScenario({ seed: 11, groups: GROUPS, services: 'auto', standaloneTasks: { count: 1, durationS: 600 } });
}

function finish(sim: Simulation) {
  return runScheduled(sim, settingsFor(sim.clusterName), 24 * HOUR);
}

test('killed after every write of a rotation, the next runs complete it safely', async () => {
  // How many writes a whole uninterrupted rotation makes.
  const reference = scenario();
  const counting = dyingApi(reference.api, { afterWrites: Number.MAX_SAFE_INTEGER });
  await runInvocations({
    api: counting.api,
    clock: reference.clock,
    settings: settingsFor(reference.clusterName),
    budgetMs: 24 * HOUR,
    periodMs: 5 * 60_000,
    maxVirtualMs: 24 * HOUR,
  });
  const total = counting.writes();
  expect(total).toBeGreaterThan(10);
  recordFigure('killedAfterEachWrite', total);

  for (let k = 1; k <= total; k++) {
    const sim = scenario();
    const dying = dyingApi(sim.api, { afterWrites: k });
    const killed = runInvocations({
      api: dying.api, clock: sim.clock, settings: settingsFor(sim.clusterName), budgetMs: 24 * HOUR, periodMs: 5 * 60_000, maxVirtualMs: 24 * HOUR,
    });
    // The last write is the lease's release: a process killed after it has nothing left to do.
    if (k < total) await expect(killed).rejects.toThrow(ProcessKilled);
    else await killed;

    const resumed = await finish(sim);
    const context = { k, settled: resumed.settled };
    expect(context).toEqual({ k, settled: true });
    const target = sim.images['amazon-linux-2023/x86_64'].new.imageId;
    expect({ k, images: sim.cloud.imagesOf('web'), desired: sim.cloud.groups.get('web')!.desired })
      .toEqual({ k, images: { [target]: 3 }, desired: 3 });
    // The group is behind a capacity provider ECS scales: the surge was held through MinSize, and the
    // batch record brought it back to what it was, wherever the run was killed.
    expect({ k, minSize: sim.cloud.groups.get('web')!.minSize }).toEqual({ k, minSize: 0 });
    expect({ k, violations: sim.invariants.terminationViolations }).toEqual({ k, violations: [] });
    expect({ k, low: sim.invariants.servicesBelowMinimum() }).toEqual({ k, low: [] });
    expect({ k, below: sim.invariants.groupsBelow(0) }).toEqual({ k, below: [] });
    // No duplicate launch template versions: the one the killed run made is reused.
    expect({ k, versions: sim.recorder.count('ec2:createLaunchTemplateVersion') }).toEqual({ k, versions: 1 });
    // No instance left running outside its group.
    const orphans = [...sim.cloud.instances.values()].filter((i) => !i.group && i.state !== 'terminated');
    expect({ k, orphans }).toEqual({ k, orphans: [] });
  }
});

test('killed at random moments (any call, before it lands), the next runs complete the rotation safely', async () => {
  // A seeded choice of kill points spread over a whole rotation's calls.
  let seed = 20261122;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  // The calls of the same run, uninterrupted, so every kill point falls inside it.
  const longRun = (sim: Simulation, api = sim.api) => runInvocations({
    api,
    clock: sim.clock,
    settings: settingsFor(sim.clusterName),
    budgetMs: 24 * HOUR,
    periodMs: 5 * 60_000,
    maxVirtualMs: 24 * HOUR,
  });
  const reference = scenario();
  const before = reference.recorder.calls.length;
  await longRun(reference);
  const totalCalls = reference.recorder.calls.length - before;

  const moments = 25;
  recordFigure('killedAtRandomMoments', moments);
  for (let i = 0; i < moments; i++) {
    const n = 1 + Math.floor(next() * totalCalls);
    const sim = scenario();
    await expect(longRun(sim, dyingApi(sim.api, { atCall: n }).api)).rejects.toThrow(ProcessKilled);
    const resumed = await finish(sim);
    const target = sim.images['amazon-linux-2023/x86_64'].new.imageId;
    expect({ n, settled: resumed.settled, images: sim.cloud.imagesOf('web'), desired: sim.cloud.groups.get('web')!.desired })
      .toEqual({ n, settled: true, images: { [target]: 3 }, desired: 3 });
    expect({ n, violations: sim.invariants.terminationViolations, low: sim.invariants.servicesBelowMinimum(), below: sim.invariants.groupsBelow(0) })
      .toEqual({ n, violations: [], low: [], below: [] });
    expect({ n, versions: sim.recorder.count('ec2:createLaunchTemplateVersion') }).toEqual({ n, versions: 1 });
  }
});

test('with the rotation policies on (canary and soak, steady services, standalone tasks stopped), killed after every write, the next runs complete it', async () => {
  // Every record the policies keep on the batch tag (soak end, waiting since) and the StopTask calls are crash points.
  const policies = { canary: { count: 1, soakSeconds: 600 }, waitForSteadyServices: true, stopStandaloneTasksAfterSeconds: 120 };
  const withPolicies = (): Simulation => buildScenario({
    seed: 11, groups: GROUPS, services: 'auto', standaloneTasks: { count: 2, durationS: 40 * 3600 },
  });
  const run = (sim: Simulation, api = sim.api) => runInvocations({
    api, clock: sim.clock, settings: settingsFor(sim.clusterName, policies), budgetMs: 24 * HOUR, periodMs: 5 * 60_000, maxVirtualMs: 24 * HOUR,
  });
  const reference = withPolicies();
  const counting = dyingApi(reference.api, { afterWrites: Number.MAX_SAFE_INTEGER });
  await run(reference, counting.api);
  const total = counting.writes();
  // The policies' own writes are among them.
  for (const op of ['autoscaling:createOrUpdateTags', 'ecs:stopTask']) expect(reference.recorder.count(op)).toBeGreaterThan(0);
  recordFigure('killedAfterEachWriteWithPolicies', total);

  for (let k = 1; k <= total; k++) {
    const sim = withPolicies();
    const killed = run(sim, dyingApi(sim.api, { afterWrites: k }).api);
    if (k < total) await expect(killed).rejects.toThrow(ProcessKilled);
    else await killed;
    const resumed = await runScheduled(sim, settingsFor(sim.clusterName, policies), 24 * HOUR);
    const target = sim.images['amazon-linux-2023/x86_64'].new.imageId;
    expect({ k, settled: resumed.settled, images: sim.cloud.imagesOf('web'), desired: sim.cloud.groups.get('web')!.desired })
      .toEqual({ k, settled: true, images: { [target]: 3 }, desired: 3 });
    expect({ k, violations: sim.invariants.terminationViolations, low: sim.invariants.servicesBelowMinimum(), below: sim.invariants.groupsBelow(0) })
      .toEqual({ k, violations: [], low: [], below: [] });
    // One replacement per instance: a resumed rotation never replaces its canaries (or any instance) again.
    expect({ k, launched: sim.cloud.instances.size }).toEqual({ k, launched: 6 });
    expect({ k, batch: sim.cloud.groups.get('web')!.tags.has(BATCH_TAG) }).toEqual({ k, batch: false });
  }
});

test('with maintenance windows and skipped standalone tasks, killed after every write, the next runs complete it, marking only inside windows', async () => {
  // Every hour for 5 minutes: a rotation of 3 instances, one at a time, spans several windows, and one
  // instance runs a 90-minute standalone task, so it is passed over and taken on in a later window.
  const rotation = {
    maxUnavailable: { count: 1 },
    skipInstancesWithStandaloneTasks: true,
    maintenanceWindows: [maintenanceWindow('0 * * * ?', 300, 'w')],
  };
  const build = (): Simulation => {
    const sim = buildScenario({ seed: 11, groups: GROUPS, services: 'auto', standaloneTasks: { count: 0, durationS: 1 } });
    sim.cloud.runStandaloneTask(90 * 60);
    return sim;
  };
  const inWindow = (at: number) => at % HOUR < 5 * 60_000;
  const run = (sim: Simulation, api = sim.api) => runTicks({ api, clock: sim.clock }, settingsFor(sim.clusterName, rotation), 6 * HOUR);
  const reference = build();
  const counting = dyingApi(reference.api, { afterWrites: Number.MAX_SAFE_INTEGER });
  const whole = await run(reference, counting.api);
  const total = counting.writes();
  expect(reference.cloud.imagesOf('web')).toEqual({ [reference.images['amazon-linux-2023/x86_64'].new.imageId]: 3 });
  expect(whole.done.filter((d) => d.action.kind === 'start-batch').length).toBeGreaterThan(1);
  expect(whole.rounds.some((r) => (r.rotations.get('web')?.skipped?.length ?? 0) > 0)).toBe(true);
  recordFigure('killedAfterEachWriteWithWindowsAndSkip', total);

  for (let k = 1; k <= total; k++) {
    const sim = build();
    const start = sim.clock.now();
    await expect(run(sim, dyingApi(sim.api, { afterWrites: k }).api)).rejects.toThrow(ProcessKilled);
    // The schedule goes on from the next tick.
    await sim.clock.sleep(5 * 60_000 - ((sim.clock.now() - start) % (5 * 60_000)));
    const resumed = await run(sim);
    const target = sim.images['amazon-linux-2023/x86_64'].new.imageId;
    expect({ k, images: sim.cloud.imagesOf('web'), desired: sim.cloud.groups.get('web')!.desired, batch: sim.cloud.groups.get('web')!.tags.has(BATCH_TAG) })
      .toEqual({ k, images: { [target]: 3 }, desired: 3, batch: false });
    expect({ k, violations: sim.invariants.terminationViolations, low: sim.invariants.servicesBelowMinimum() })
      .toEqual({ k, violations: [], low: [] });
    expect({ k, launched: sim.cloud.instances.size }).toEqual({ k, launched: 6 });
    const marks = resumed.done.filter((d) => (d.action.kind === 'start-batch' && d.action.containerInstanceArns.length > 0) || d.action.kind === 'mark-more');
    expect({ k, outside: marks.filter((m) => !inWindow(m.at)).map((m) => m.at) }).toEqual({ k, outside: [] });
  }
}, 300_000);
