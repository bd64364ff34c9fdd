/**
 * The rotation policies over whole simulated rotations, at production's cadence: canary and soak, steady
 * services between drains, standalone tasks on drained instances.
 */
import { runScheduled, settingsFor } from './harness';
import { Action } from '../../src/engine/actions';
import { RotationConfig } from '../../src/engine/decide/rotate';
import { Round } from '../../src/engine/run';
import { BATCH_TAG, decodeBatch, FAILED_IMAGE_TAG } from '../../src/shared/records';
import { buildScenario, Simulation } from '../sim';

const HOUR = 3600_000;
const MINUTE = 60_000;
const KEY = 'amazon-linux-2023/x86_64';

function scenario(instances = 8, standalone?: { count: number; durationS: number }): Simulation {
  return buildScenario({
    seed: 31,
    groups: [{ name: 'web', family: 'amazon-linux-2023', architecture: 'x86_64', instances }],
    services: 'auto',
    standaloneTasks: standalone ?? { count: 0, durationS: 600 },
  });
}

/** Every successful action of a run, with the virtual time of its round. */
function recorder(sim: Simulation) {
  const done: Array<{ at: number; action: Action }> = [];
  const rounds: Round[] = [];
  const onRound = (round: Round) => {
    rounds.push(round);
    for (const o of round.outcomes) if (o.ok) done.push({ at: round.observed.observedAt, action: o.action });
  };
  return { done, rounds, onRound, now: () => sim.clock.now() };
}

function expectSafe(sim: Simulation) {
  expect(sim.invariants.terminationViolations).toEqual([]);
  expect(sim.invariants.servicesBelowMinimum()).toEqual([]);
  expect(sim.invariants.groupsBelow(0)).toEqual([]);
}

const lastRotation = (rounds: readonly Round[]) => rounds[rounds.length - 1].rotations.get('web')!;

describe('canary and soak', () => {
  const canary: Partial<RotationConfig> = { maxUnavailable: { count: 2 }, canary: { count: 1, soakSeconds: 1800 }, waitForSteadyServices: true };

  test('one canary is replaced first; nothing else is taken on before it has served for the soak time; then the rest follows', async () => {
    const sim = scenario();
    const r = recorder(sim);
    const result = await runScheduled(sim, settingsFor(sim.clusterName, canary), 24 * HOUR, r.onRound);
    expect(result.settled).toBe(true);
    expect(sim.cloud.imagesOf('web')).toEqual({ [sim.images[KEY].new.imageId]: 8 });
    expectSafe(sim);

    const starts = r.done.filter((d) => d.action.kind === 'start-batch');
    // The canary batch, then the ordinary one it became.
    expect(starts.map((s) => (s.action.kind === 'start-batch' ? [s.action.containerInstanceArns.length, s.action.batch.canary !== undefined] : [])))
      .toEqual([[1, true], [4, false]]);
    const canaryGone = r.done.find((d) => d.action.kind === 'terminate')!.at;
    const soak = r.done.find((d) => d.action.kind === 'record-batch' && d.action.batch.canary?.soakUntil !== undefined)!;
    expect(soak.at).toBeGreaterThanOrEqual(canaryGone);
    expect(soak.action.kind === 'record-batch' && soak.action.batch.canary?.soakUntil).toBe(soak.at + 1800_000);
    // Nothing but the canary drained before the soak was over.
    const drains = r.done.filter((d) => d.action.kind === 'drain');
    expect(drains.filter((d) => d.at < soak.at + 1800_000).length).toBe(1);
    expect(starts[1].at).toBeGreaterThanOrEqual(soak.at + 1800_000);
    // The soak showed as its own phase, with its end.
    expect(r.rounds.some((round) => round.rotations.get('web')?.phase === 'soaking')).toBe(true);
  });

  test('unhealthy canaries (a service never steady on them) stop the group; once healthy the rotation goes on by itself', async () => {
    const sim = scenario();
    const r = recorder(sim);
    // Every service starts a deployment once the canary batch is recorded: it lasts past the soak.
    let deployedUntil: number | undefined;
    const onRound = (round: Round) => {
      r.onRound(round);
      const batch = decodeBatch(round.observed.groups[0].tags[BATCH_TAG]);
      if (deployedUntil === undefined && batch?.canary?.soakUntil !== undefined) {
        deployedUntil = sim.clock.now() + 3 * HOUR;
        for (const s of sim.cloud.services.values()) sim.cloud.startDeployment(s, 3 * 3600);
      }
    };
    const stopped = await runScheduled(sim, settingsFor(sim.clusterName, canary), 2 * HOUR, onRound);
    expect(stopped.settled).toBe(true);
    const rotation = lastRotation(r.rounds);
    expect(rotation.phase).toBe('stopped');
    expect(rotation.stoppedReason).toMatch(/^the canaries of web on ami-\w+ are unhealthy after their soak: service [\w-]+ has 2 deployments in progress;/);
    // Only the canary was replaced.
    expect(sim.cloud.imagesOf('web')).toEqual({ [sim.images[KEY].old.imageId]: 7, [sim.images[KEY].new.imageId]: 1 });
    expectSafe(sim);

    // The deployments end: the next scheduled runs find the canaries healthy and finish.
    sim.clock.advance(deployedUntil! - sim.clock.now() + MINUTE);
    const resumed = await runScheduled(sim, settingsFor(sim.clusterName, canary), 24 * HOUR);
    expect(resumed.settled).toBe(true);
    expect(sim.cloud.imagesOf('web')).toEqual({ [sim.images[KEY].new.imageId]: 8 });
    expectSafe(sim);
  });

  test('with rollbackOnFailedReplacement, unhealthy canaries roll the group back to the image it ran', async () => {
    const sim = scenario();
    let deployed = false;
    const onRound = (round: Round) => {
      const batch = decodeBatch(round.observed.groups[0].tags[BATCH_TAG]);
      if (!deployed && batch?.canary?.soakUntil !== undefined) {
        deployed = true;
        for (const s of sim.cloud.services.values()) sim.cloud.startDeployment(s, 10 * 3600);
      }
    };
    const r = recorder(sim);
    const result = await runScheduled(sim, settingsFor(sim.clusterName, { ...canary, rollbackOnFailedReplacement: true }), 3 * HOUR, (round) => {
      r.onRound(round);
      onRound(round);
    });
    expect(result.settled).toBe(true);
    const group = sim.cloud.groups.get('web')!;
    expect(group.tags.get(FAILED_IMAGE_TAG)?.value).toBe(sim.images[KEY].new.imageId);
    expect(group.tags.has(BATCH_TAG)).toBe(false);
    expect(sim.cloud.resolveLaunch(group)).toMatchObject({ imageId: sim.images[KEY].old.imageId });
    expect(group.desired).toBe(8);
    expect(lastRotation(r.rounds).stoppedReason).toMatch(new RegExp(`^the canaries on image ${sim.images[KEY].new.imageId} were unhealthy after `
      + `their soak; web was rolled back to ${sim.images[KEY].old.imageId} and waits for its parameter to name another image \\(canaries i-\\w+ stay `
      + `in service on ${sim.images[KEY].new.imageId}\\)$`));
    expectSafe(sim);
  });
});

describe('steady services between drains', () => {
  /**
   * Drains with a service on the instance below its desired count, or with a daemon not yet running on an
   * ACTIVE instance (a replacement just registered), as the simulated cloud holds them at the drain.
   */
  async function unsteadyDrains(wait: boolean) {
    // Slow-starting tasks: the tasks moved by one drain are still PENDING when the next instance could go.
    const sim = buildScenario({
      seed: 31,
      groups: [{ name: 'web', family: 'amazon-linux-2023', architecture: 'x86_64', instances: 12 }],
      services: 'auto',
      standaloneTasks: { count: 0, durationS: 600 },
      timing: { taskStartS: [240, 420], deregistrationDelayS: [0, 0] },
    });
    const unsteady: string[] = [];
    const result = await runScheduled(sim, settingsFor(sim.clusterName, { maxUnavailable: { count: 2 }, waitForSteadyServices: wait }), 24 * HOUR,
      (round) => {
        for (const o of round.outcomes) {
          if (!o.ok || o.action.kind !== 'drain') continue;
          for (const a of o.action.containerInstanceArns) {
            for (const t of sim.cloud.containerInstances.get(a)!.tasks) {
              const svc = t.service;
              if (svc && !svc.daemon && svc.runningCount < svc.desired) unsteady.push(`${svc.name}: ${svc.runningCount}/${svc.desired}`);
            }
          }
          // Daemons: every ACTIVE instance of the cluster runs each of them (RUNNING) before another drain.
          for (const ci of sim.cloud.containerInstances.values()) {
            if (ci.status !== 'ACTIVE' || o.action.containerInstanceArns.includes(ci.arn)) continue;
            for (const svc of sim.cloud.services.values()) {
              if (svc.daemon && ![...ci.tasks].some((t) => t.service === svc && t.lastStatus === 'RUNNING')) {
                unsteady.push(`${svc.name} not running on ${ci.instance.id}`);
              }
            }
          }
        }
      });
    expect(result.settled).toBe(true);
    expect(sim.cloud.imagesOf('web')).toEqual({ [sim.images[KEY].new.imageId]: 12 });
    expectSafe(sim);
    return { unsteady, sim };
  }

  test('with it, no drain starts while a service on the instance is below its desired count or a daemon is not yet running on a replacement '
    + '(in the cloud itself); without it, some do', async () => {
    const waited = await unsteadyDrains(true);
    expect(waited.unsteady).toEqual([]);
    expect(waited.sim.recorder.count('ecs:describeServices')).toBeGreaterThan(0);
    const plain = await unsteadyDrains(false);
    expect(plain.unsteady.length).toBeGreaterThan(0);
    expect(plain.sim.recorder.count('ecs:describeServices')).toBe(0);
  });

  test('drains wait while a deployment is in progress, and go on when it ends', async () => {
    const sim = scenario();
    for (const s of sim.cloud.services.values()) sim.cloud.startDeployment(s, 45 * 60);
    const r = recorder(sim);
    const start = sim.clock.now();
    const result = await runScheduled(sim, settingsFor(sim.clusterName, { maxUnavailable: { count: 2 }, waitForSteadyServices: true }), 24 * HOUR,
      r.onRound);
    expect(result.settled).toBe(true);
    const firstDrain = r.done.find((d) => d.action.kind === 'drain')!;
    expect(firstDrain.at).toBeGreaterThanOrEqual(start + 45 * MINUTE);
    expect(r.rounds.some((round) => /^the next drain waits: service [\w-]+ has 2 deployments in progress$/
      .test(round.rotations.get('web')?.waitingReason ?? ''))).toBe(true);
    expect(sim.cloud.imagesOf('web')).toEqual({ [sim.images[KEY].new.imageId]: 8 });
    expectSafe(sim);
  });

  test('past its timeout the group stops, naming the service; it resumes by itself once the service is steady', async () => {
    const sim = scenario();
    const deployedUntil = sim.clock.now() + 3 * HOUR;
    for (const s of sim.cloud.services.values()) sim.cloud.startDeployment(s, 3 * 3600);
    const r = recorder(sim);
    const settings = settingsFor(sim.clusterName, { maxUnavailable: { count: 2 }, waitForSteadyServices: true, steadyServicesTimeoutSeconds: 1800 });
    const stopped = await runScheduled(sim, settings, 2 * HOUR, r.onRound);
    expect(stopped.settled).toBe(true);
    const rotation = lastRotation(r.rounds);
    expect(rotation.phase).toBe('stopped');
    expect(rotation.stoppedReason).toMatch(/^service [\w-]+ has 2 deployments in progress, 1800 s after drains began waiting for it; nothing more is drained in web/);
    expect(r.done.filter((d) => d.action.kind === 'drain')).toEqual([]);

    sim.clock.advance(deployedUntil - sim.clock.now() + MINUTE);
    const resumed = await runScheduled(sim, settings, 24 * HOUR);
    expect(resumed.settled).toBe(true);
    expect(sim.cloud.imagesOf('web')).toEqual({ [sim.images[KEY].new.imageId]: 8 });
    expectSafe(sim);
  });
});

describe('standalone tasks on drained instances', () => {
  const longTasks = { count: 4, durationS: 40 * 3600 };

  test('wait (the default): the group stops at the drain timeout with the tasks still running', async () => {
    const sim = scenario(8, longTasks);
    const r = recorder(sim);
    const settings = settingsFor(sim.clusterName, { maxUnavailable: { count: 2 }, drainTimeoutSeconds: 1800 });
    const result = await runScheduled(sim, settings, 4 * HOUR, r.onRound);
    expect(result.settled).toBe(true);
    expect(lastRotation(r.rounds).phase).toBe('stopped');
    expect(sim.recorder.count('ecs:stopTask')).toBe(0);
  });

  test('stop after a grace period: they are stopped with a reason, the instances empty, and the rotation completes', async () => {
    const sim = scenario(8, longTasks);
    const standalone = [...sim.cloud.standaloneTasks];
    expect(standalone.length).toBe(4);
    const r = recorder(sim);
    const settings = settingsFor(sim.clusterName, { maxUnavailable: { count: 2 }, drainTimeoutSeconds: 1800, stopStandaloneTasksAfterSeconds: 300 });
    const result = await runScheduled(sim, settings, 24 * HOUR, r.onRound);
    expect(result.settled).toBe(true);
    expect(sim.cloud.imagesOf('web')).toEqual({ [sim.images[KEY].new.imageId]: 8 });
    expectSafe(sim);
    // Each standalone task was stopped once, by the engine, with its reason; none was stopped before the grace period.
    const stops = r.done.filter((d) => d.action.kind === 'stop-tasks');
    const stopped = stops.flatMap((d) => (d.action.kind === 'stop-tasks' ? d.action.taskArns : []));
    expect(new Set(stopped)).toEqual(new Set(standalone.map((t) => t.arn)));
    expect(stopped.length).toBe(standalone.length);
    for (const t of standalone) {
      expect(t.lastStatus).toBe('STOPPED');
      expect(t.stoppedReason).toMatch(/^ecs-ami-refresher: instance i-\w+ is replaced by one on ami-\w+; standalone tasks are stopped after 300 s of drain$/);
    }
    for (const d of stops) {
      const drained = r.done.find((x) => x.action.kind === 'drain' && d.action.kind === 'stop-tasks'
        && x.action.containerInstanceArns.includes(d.action.containerInstanceArn))!;
      expect(d.at - drained.at).toBeGreaterThanOrEqual(300_000);
    }
    // Alone (no steady-services wait, no canary), the policy reads tasks but describes no service: the role the
    // construct synthesizes for it has no ecs:DescribeServices.
    expect(sim.recorder.calls.filter((c) => c.operation === 'ecs:describeServices')).toEqual([]);
    expect(sim.recorder.calls.some((c) => c.operation === 'ecs:describeTasks')).toBe(true);
  });
});
