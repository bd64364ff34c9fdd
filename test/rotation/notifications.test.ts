/**
 * Rotation notifications on the simulator, through scheduled invocations as in production (a fresh engine
 * each run, nothing kept in memory): each start, stop, resume and finish is published once, in order, and a
 * topic that fails never holds a rotation.
 */
import { LAMBDA_BUDGET_MS, POLL_MS, runScheduled, SCHEDULE_MS, settingsFor } from './harness';
import { EngineSettings } from '../../src/engine/config';
import { ImageCache } from '../../src/engine/observe/image-cache';
import { rotationMetrics } from '../../src/engine/report';
import { Round, runDeadline, runEngine, RunResult } from '../../src/engine/run';
import { MetricName } from '../../src/shared/constants';
import { BATCH_TAG, NOTIFIED_TAG } from '../../src/shared/records';
import { buildScenario, GroupSpec, Simulation } from '../sim';

const HOUR = 3600_000;
const KEY = 'amazon-linux-2023/x86_64';

interface Published {
  readonly summary: string;
  readonly event: string;
  readonly cluster: string;
  readonly autoScalingGroup: string;
  readonly fromImageId?: string;
  readonly toImageId: string;
  readonly instances: { readonly total: number; readonly upToDate: number; readonly outdated: number };
  readonly reason?: string;
  readonly at: string;
}

function messages(sim: Simulation, topicArn: string): Array<Published & { readonly subject?: string }> {
  return sim.cloud.topics.get(topicArn)!.messages.map((m) => ({ subject: m.subject, ...(JSON.parse(m.message) as Published) }));
}

/**
 * The schedule goes on whether or not there is work (unlike `runScheduled`, which ends once a run settles): an
 * invocation on every 5-minute tick the previous run left free, for `durationMs` of virtual time.
 */
async function everyTick(sim: Simulation, settings: EngineSettings, durationMs: number, onRound?: (round: Round) => void): Promise<RunResult[]> {
  const start = sim.clock.now();
  const imageCache = new ImageCache();
  const results: RunResult[] = [];
  for (let tick = start; tick < start + durationMs; tick += SCHEDULE_MS) {
    if (sim.clock.now() > tick) continue; // the function was still running: this tick's event is dropped
    await sim.clock.sleep(tick - sim.clock.now());
    results.push(await runEngine({
      api: sim.api,
      clock: sim.clock,
      settings,
      owner: `lambda:tick-${results.length + 1}`,
      deadline: runDeadline({ startedAt: tick, budgetMs: LAMBDA_BUDGET_MS, periodMs: SCHEDULE_MS, scheduledAt: tick }),
      pollIntervalMs: POLL_MS,
      onRound,
      imageCache,
    }));
  }
  return results;
}

const eventsOf = (published: readonly Published[], group: string) => published.filter((m) => m.autoScalingGroup === group).map((m) => m.event);

test('a whole rotation of two groups: each gets exactly "started" then "finished", with images, counts and a subject line', async () => {
  const groups: GroupSpec[] = [
    { name: 'web', family: 'amazon-linux-2023', architecture: 'x86_64', instances: 6 },
    { name: 'workers', family: 'bottlerocket-ecs-2', architecture: 'arm64', instances: 3 },
  ];
  const sim = buildScenario({ seed: 11, groups, services: 'auto', standaloneTasks: { count: 1, durationS: 300 } });
  const topicArn = sim.cloud.addTopic('rotations');
  const result = await runScheduled(sim, settingsFor(sim.clusterName, {}, { notificationTopicArn: topicArn }), 12 * HOUR);

  expect(result.settled).toBe(true);
  const published = messages(sim, topicArn);
  expect(eventsOf(published, 'web')).toEqual(['started', 'finished']);
  expect(eventsOf(published, 'workers')).toEqual(['started', 'finished']);
  for (const spec of groups) {
    const images = sim.images[`${spec.family}/${spec.architecture}`];
    const [started, finished] = published.filter((m) => m.autoScalingGroup === spec.name);
    expect(started).toMatchObject({
      cluster: sim.clusterName,
      fromImageId: images.old.imageId,
      toImageId: images.new.imageId,
      instances: { total: spec.instances, upToDate: 0, outdated: spec.instances },
    });
    expect(started.summary).toBe(`AMI rotation of Auto Scaling group ${spec.name} (ECS cluster ${sim.clusterName}) ` +
      `${images.old.imageId} -> ${images.new.imageId} started. ${spec.instances} instance(s): 0 on ${images.new.imageId}, ${spec.instances} outdated.`);
    expect(finished).toMatchObject({
      fromImageId: images.old.imageId,
      toImageId: images.new.imageId,
      instances: { total: spec.instances, upToDate: spec.instances, outdated: 0 },
    });
    expect(Date.parse(finished.at)).toBeGreaterThan(Date.parse(started.at));
    // Finished when the rotation record went: published in the round that removed it.
    const group = sim.cloud.groups.get(spec.name)!;
    expect(group.tags.has(BATCH_TAG)).toBe(false);
    expect(group.tags.has(NOTIFIED_TAG)).toBe(false);
  }
  expect(published.find((m) => m.autoScalingGroup === 'web' && m.event === 'started')!.subject).toBe(`ecs-ami-refresher: ${sim.clusterName}/web rotation started`);
  // Every publish went through on the first attempt; no tag write failed.
  expect(sim.recorder.of('sns:publish')).toHaveLength(4);
  expect(sim.recorder.calls.filter((c) => c.error !== undefined)).toEqual([]);
  expect(sim.invariants.terminationViolations).toEqual([]);
});

test('a drain past its timeout: exactly one "stopped" (with the reason) over many rounds and runs, then "resumed" and "finished"', async () => {
  const groups: GroupSpec[] = [{ name: 'web', family: 'amazon-linux-2023', architecture: 'x86_64', instances: 4 }];
  // A standalone task outlives the 10-minute drain timeout by far: its instance cannot empty until it ends.
  const sim = buildScenario({ seed: 5, groups, services: 'auto', standaloneTasks: { count: 1, durationS: 2 * 3600 } });
  const topicArn = sim.cloud.addTopic('rotations');
  let stoppedRounds = 0;
  const stoppedRuns = new Set<string>();
  let run = 0;
  const onRound = (round: Round) => {
    if (round.index === 1) run++;
    if (round.rotations.get('web')?.phase === 'stopped') {
      stoppedRounds++;
      stoppedRuns.add(String(run));
    }
  };
  const settings = settingsFor(sim.clusterName, { drainTimeoutSeconds: 600 }, { notificationTopicArn: topicArn });
  const runs = await everyTick(sim, settings, 6 * HOUR, onRound);

  expect(runs[runs.length - 1].settled).toBe(true);
  // The stop lasted: many rounds over several runs, each deciding "stopped" afresh.
  expect(stoppedRounds).toBeGreaterThan(20);
  expect(stoppedRuns.size).toBeGreaterThan(2);
  const published = messages(sim, topicArn);
  expect(eventsOf(published, 'web')).toEqual(['started', 'stopped', 'resumed', 'finished']);
  const stopped = published.find((m) => m.event === 'stopped')!;
  expect(stopped.reason).toMatch(/^instance i-[0-9a-f]+ still runs \d+ task\(s\) after the 600 s drain timeout/);
  expect(stopped.summary).toContain(`${sim.images[KEY].new.imageId} stopped: instance i-`);
  expect(sim.cloud.imagesOf('web')).toEqual({ [sim.images[KEY].new.imageId]: 4 });
  expect(sim.cloud.groups.get('web')!.tags.has(NOTIFIED_TAG)).toBe(false);
});

test('a bad image (readiness timeout): one "started" and one "stopped" in 4 hours of scheduled runs, nothing more', async () => {
  const sim = buildScenario({ seed: 3, groups: [{ name: 'web', family: 'amazon-linux-2023', architecture: 'x86_64', instances: 4, launchTemplateVersion: '1' }], services: 'auto' });
  sim.images[KEY].new.bad = true;
  const topicArn = sim.cloud.addTopic('rotations');
  const runs = await everyTick(sim, settingsFor(sim.clusterName, {}, { notificationTopicArn: topicArn }), 4 * HOUR);

  // Once stopped, every run is short (nothing to do but observe), so there is one on every tick.
  expect(runs.length).toBeGreaterThan(30);
  expect(runs[runs.length - 1].last.rotations.get('web')!.phase).toBe('stopped');
  const published = messages(sim, topicArn);
  expect(eventsOf(published, 'web')).toEqual(['started', 'stopped']);
  expect(published[1].reason).toMatch(/^replacement capacity did not become ACTIVE in the cluster within 1800 s/);
  expect(sim.cloud.groups.get('web')!.tags.get(NOTIFIED_TAG)?.value)
    .toBe(`stopped:${sim.images[KEY].new.imageId}:${sim.images[KEY].old.imageId}`);
});

test('a topic that refuses every publish: the rotation finishes all the same, each failure counted in ActionFailures', async () => {
  const groups: GroupSpec[] = [{ name: 'web', family: 'amazon-linux-2023', architecture: 'x86_64', instances: 4 }];
  const sim = buildScenario({ seed: 11, groups, services: 'auto', standaloneTasks: { count: 1, durationS: 300 } });
  const topicArn = sim.cloud.addTopic('rotations');
  sim.faults.alwaysFail('sns:publish', 'AuthorizationError', 'User is not authorized to perform: SNS:Publish');
  let failures = 0;
  const onRound = (round: Round) => {
    const points = rotationMetrics(round.rotations, round.outcomes, new Map());
    failures += points.find((p) => p.name === MetricName.ACTION_FAILURES && p.group === undefined)!.value;
  };
  const result = await runScheduled(sim, settingsFor(sim.clusterName, {}, { notificationTopicArn: topicArn }), 12 * HOUR, onRound);

  expect(result.settled).toBe(true);
  expect(sim.cloud.imagesOf('web')).toEqual({ [sim.images[KEY].new.imageId]: 4 });
  expect(sim.cloud.topics.get(topicArn)!.messages).toEqual([]);
  const attempts = sim.recorder.of('sns:publish').length;
  expect(attempts).toBeGreaterThan(0);
  // Every failed publish is one failed action, and nothing else failed.
  expect(failures).toBe(attempts);
  const failed = result.results.flatMap((r) => r.outcomes).filter((o) => !o.ok);
  expect(failed.every((o) => o.action.kind === 'notify' && /AuthorizationError|not authorized/.test(o.error ?? ''))).toBe(true);
  // Nothing was recorded as told, so nothing is left on the group either.
  expect(sim.cloud.groups.get('web')!.tags.has(NOTIFIED_TAG)).toBe(false);
  expect(sim.invariants.terminationViolations).toEqual([]);
});

test('a publish that landed but was reported failed is sent again once, on the next round, then recorded: no message per round', async () => {
  const groups: GroupSpec[] = [{ name: 'web', family: 'amazon-linux-2023', architecture: 'x86_64', instances: 4 }];
  const sim = buildScenario({ seed: 11, groups, services: 'auto', standaloneTasks: { count: 1, durationS: 300 } });
  const topicArn = sim.cloud.addTopic('rotations');
  // The first publish lands, then the engine sees a (non-retryable) error: as a crash between the publish and
  // its record, nothing is recorded.
  sim.faults.inject('sns:publish', { error: 'KMSAccessDenied', phase: 'after', times: 1 });
  const result = await runScheduled(sim, settingsFor(sim.clusterName, {}, { notificationTopicArn: topicArn }), 12 * HOUR);

  expect(result.settled).toBe(true);
  expect(eventsOf(messages(sim, topicArn), 'web')).toEqual(['started', 'started', 'finished']);
  const publishes = sim.recorder.of('sns:publish');
  expect(publishes).toHaveLength(3);
  // The duplicate went out on the next round (15 s later), not in a retry loop.
  expect(publishes[1].at - publishes[0].at).toBeGreaterThanOrEqual(15_000);
});
