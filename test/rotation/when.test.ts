/**
 * When rotations happen, over whole simulated rotations at production's cadence (a scheduled invocation every
 * 5 minutes, each with the Lambda's budget): maintenance windows and a minimum AMI age.
 */
import { runTicks, SCHEDULE_MS, settingsFor } from './harness';
import { Action } from '../../src/engine/actions';
import { maintenanceWindow } from '../../src/shared/maintenance-window';
import { BATCH_TAG } from '../../src/shared/records';
import { buildScenario, imageName, Simulation } from '../sim';

const HOUR = 3600_000;
const MINUTE = 60_000;
const DAY = 24 * HOUR;
const KEY = 'amazon-linux-2023/x86_64';
// The simulator's clock starts at 2026-01-01T00:00:00Z, a Thursday.
const T0 = Date.UTC(2026, 0, 1);

function scenario(instances: number): Simulation {
  return buildScenario({
    seed: 47,
    groups: [{ name: 'web', family: 'amazon-linux-2023', architecture: 'x86_64', instances }],
    services: 'auto',
    standaloneTasks: { count: 0, durationS: 60 },
  });
}

function expectSafe(sim: Simulation) {
  expect(sim.invariants.terminationViolations).toEqual([]);
  expect(sim.invariants.servicesBelowMinimum()).toEqual([]);
  expect(sim.invariants.groupsBelow(0)).toEqual([]);
}

const marks = (done: ReadonlyArray<{ at: number; action: Action }>) => done.filter((d) =>
  (d.action.kind === 'start-batch' && d.action.containerInstanceArns.length > 0) || d.action.kind === 'mark-more');

describe('maintenance windows', () => {
  // Every day 01:00-01:20 UTC: too short for 10 instances one at a time.
  const daily = maintenanceWindow('0 1 * * ?', 20 * 60, 'test');
  const inWindow = (at: number) => ((at - T0) % DAY) >= HOUR && ((at - T0) % DAY) < HOUR + 20 * MINUTE;

  test('a rotation starts in a window, takes on nothing new once it closes while its drains finish, and resumes in the next window', async () => {
    const sim = scenario(10);
    const settings = settingsFor(sim.clusterName, { maxUnavailable: { count: 1 }, maintenanceWindows: [daily] });
    const { done, rounds } = await runTicks(sim, settings, 3 * DAY);
    expect(sim.cloud.imagesOf('web')).toEqual({ [sim.images[KEY].new.imageId]: 10 });
    expectSafe(sim);

    // Nothing at all is written before the first window opens, not even the launch template.
    expect(done[0].at).toBeGreaterThanOrEqual(T0 + HOUR);
    expect(done[0].action.kind).toBe('create-template-version');
    // Every instance was marked inside a window, on two different days.
    const marked = marks(done);
    expect(marked.length).toBeGreaterThan(0);
    expect(marked.filter((m) => !inWindow(m.at))).toEqual([]);
    const days = new Set(marked.map((m) => Math.floor((m.at - T0) / DAY)));
    expect([...days].sort()).toEqual([0, 1]);
    // Drains already in flight when the first window closed finished after it: drained and terminated, then the rotation ended.
    const closedAt = T0 + HOUR + 20 * MINUTE;
    const afterClose = done.filter((d) => d.at >= closedAt && d.at < T0 + DAY + HOUR);
    expect(afterClose.filter((d) => d.action.kind === 'terminate').length).toBeGreaterThan(0);
    expect(afterClose.filter((d) => d.action.kind === 'mark-more' || d.action.kind === 'start-batch')).toEqual([]);
    expect(afterClose.some((d) => d.action.kind === 'finish-batch')).toBe(true);
    // Between the windows the group reports that it waits for the next one, without a rotation record.
    const between = rounds.filter((r) => r.observed.observedAt > T0 + 6 * HOUR && r.observed.observedAt < T0 + DAY);
    expect(between.length).toBeGreaterThan(0);
    for (const r of between) {
      const rotation = r.rotations.get('web')!;
      expect(rotation.phase).toBe('waiting');
      expect(rotation.waitingOn).toBe('maintenance-window');
      expect(rotation.waitingReason).toBe('outside maintenance windows (cron(0 1 * * ?) for 20m); the next opens at 2026-01-02T01:00:00.000Z');
      expect(r.observed.groups[0].tags[BATCH_TAG]).toBeUndefined();
    }
    // The second day finished the job, inside or just after its window.
    const last = done[done.length - 1];
    expect(last.at).toBeGreaterThan(T0 + DAY + HOUR);
    expect(last.at).toBeLessThan(T0 + 2 * DAY);
  }, 60_000);

  test('no window configured: the same cluster rotates at once, in one go', async () => {
    const sim = scenario(10);
    const { done } = await runTicks(sim, settingsFor(sim.clusterName, { maxUnavailable: { count: 1 } }), 6 * HOUR);
    expect(sim.cloud.imagesOf('web')).toEqual({ [sim.images[KEY].new.imageId]: 10 });
    // The first round, at T0: its decision is taken again once the lease is held (round.ts), a few calls'
    // virtual latency later.
    expect(done[0].at).toBeGreaterThanOrEqual(T0);
    expect(done[0].at).toBeLessThan(T0 + 1_000);
    expect(done.filter((d) => d.action.kind === 'start-batch').length).toBe(1);
  }, 60_000);
});

describe('minimum AMI age', () => {
  test('a freshly published image waits until it is old enough, then the group rotates to it; the previous rotation is unaffected', async () => {
    const sim = scenario(4);
    // Published an hour after the start, named by the parameter at once.
    const published = T0 + HOUR;
    await sim.clock.sleep(HOUR);
    const fresh = sim.cloud.addImage({
      ...sim.images[KEY].new,
      imageId: 'ami-0f1ced0000000000b',
      name: imageName('amazon-linux-2023', 'x86_64', '20260101', '1.41.0', 'fresh'),
      creationDate: new Date(published).toISOString(),
    });
    // Every instance runs the image before it already (a finished rotation).
    const { done: before } = await runTicks(sim, settingsFor(sim.clusterName, { maxUnavailable: { count: 1 } }), 2 * HOUR);
    expect(sim.cloud.imagesOf('web')).toEqual({ [sim.images[KEY].new.imageId]: 4 });
    expect(before.length).toBeGreaterThan(0);
    sim.cloud.setParameter(sim.images[KEY].parameter, fresh.imageId);

    const age = 2 * DAY;
    const settings = settingsFor(sim.clusterName, { maxUnavailable: { count: 1 }, minimumAmiAgeSeconds: age / 1000 });
    const { done, rounds } = await runTicks(sim, settings, 3 * DAY);
    expect(sim.cloud.imagesOf('web')).toEqual({ [fresh.imageId]: 4 });
    expectSafe(sim);
    // Nothing was written before the image was two days old; then the launch template first.
    expect(done[0].at).toBeGreaterThanOrEqual(published + age);
    expect(done[0].at).toBeLessThan(published + age + SCHEDULE_MS);
    expect(done[0].action.kind).toBe('create-template-version');
    // Meanwhile the group reported the image it waits for, and from when it is adopted.
    const waiting = rounds.filter((r) => r.observed.observedAt < published + age);
    expect(waiting.length).toBeGreaterThan(0);
    for (const r of waiting) {
      const rotation = r.rotations.get('web')!;
      expect(rotation.phase).toBe('waiting');
      expect(rotation.waitingOn).toBe('minimum-ami-age');
      expect(rotation.waitingReason).toBe(`image ${fresh.imageId} was published at 2026-01-01T01:00:00Z; adopted from 2026-01-03T01:00:00Z (minimumAmiAge 2 days)`);
      expect(r.plan.totals.outdatedInstances).toBe(0);
    }
    // The outdated alarm's age counts from adoption, not from publication: minutes, not two days.
    const adopted = rounds.find((r) => r.observed.observedAt >= published + age)!;
    expect(adopted.plan.totals.outdatedInstances).toBe(4);
    expect(adopted.plan.totals.oldestOutdatedAgeSeconds).toBeLessThan(SCHEDULE_MS / 1000);
  }, 60_000);
});

describe('instances outside every group', () => {
  test('are replaced through their group only inside a window', async () => {
    const sim = buildScenario({
      seed: 47,
      groups: [{ name: 'web', family: 'amazon-linux-2023', architecture: 'x86_64', instances: 2 }],
      ungrouped: [{ family: 'amazon-linux-2023', architecture: 'x86_64', count: 1 }],
      services: 'auto',
      standaloneTasks: { count: 0, durationS: 60 },
    });
    // The group itself is up to date: only the instance outside it is to be replaced.
    sim.cloud.setParameter(sim.images[KEY].parameter, sim.images[KEY].old.imageId);
    const window = maintenanceWindow('0 1 * * ?', 30 * 60, 'test');
    const { done, rounds } = await runTicks(sim, settingsFor(sim.clusterName, { unmanagedReplacementGroup: 'web', maintenanceWindows: [window] }), 3 * HOUR);
    const starts = done.filter((d) => d.action.kind === 'start-unmanaged-replacement');
    expect(starts).toHaveLength(1);
    expect(starts[0].at).toBeGreaterThanOrEqual(T0 + HOUR);
    expect(starts[0].at).toBeLessThan(T0 + HOUR + 30 * MINUTE);
    expect(done.some((d) => d.action.kind === 'finish-unmanaged-replacement')).toBe(true);
    const before = rounds.filter((r) => r.observed.observedAt < T0 + HOUR).map((r) => r.rotations.get('web')!);
    expect(before.length).toBeGreaterThan(0);
    for (const rotation of before) {
      expect(rotation.waitingOn).toBe('maintenance-window');
      expect(rotation.waitingReason).toMatch(/^the replacement of i-\w+ \(outside every group\) waits: outside maintenance windows/);
    }
  }, 60_000);
});
