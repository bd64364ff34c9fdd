/**
 * The CLI with maintenance windows and a minimum AMI age: what plan, status and rotate print, their exit
 * codes, and the usage errors of the two options.
 */
import { cli, twoGroups, writesOf } from './cli-harness';

// The simulator starts at 2026-01-01T00:00:00Z, a Thursday.
const SUNDAYS = '0 2 ? * SUN for 4h';

describe('maintenance windows in the CLI', () => {
  test('plan outside the window: each group waits for it, with when it opens; nothing needs attention (exit 0)', async () => {
    const sim = twoGroups();
    const result = await cli(sim, ['plan', '--cluster', 'prod', '--maintenance-window', SUNDAYS]);
    expect(result.code).toBe(0);
    expect(result.errors).toEqual([]);
    const waits = result.lines.filter((l) => l.includes('schedule'));
    expect(waits).toEqual([
      '  schedule       waiting: outside maintenance windows (cron(0 2 ? * SUN) for 4h); the next opens at 2026-01-04T02:00:00.000Z',
      '  schedule       waiting: outside maintenance windows (cron(0 2 ? * SUN) for 4h); the next opens at 2026-01-04T02:00:00.000Z',
    ]);
    expect(result.lines.filter((l) => l.startsWith('  next: phase waiting'))).toHaveLength(2);
    expect(result.text).not.toContain('create version of launch template');
    expect(writesOf(sim)).toEqual([]);
  });

  test('status outside the window: phase waiting and the reason, exit 0', async () => {
    const sim = twoGroups();
    const result = await cli(sim, ['status', '--cluster', 'prod', '--maintenance-window', 'cron(0 2 ? * SUN) for 4h']);
    expect(result.code).toBe(0);
    expect(result.lines.find((l) => l.startsWith('web '))).toMatch(/^web +outdated +waiting +3 +3 +0 +0 +none$/);
    expect(result.lines).toContain('web waiting: outside maintenance windows (cron(0 2 ? * SUN) for 4h); the next opens at 2026-01-04T02:00:00.000Z');
  });

  test('rotate outside the window writes nothing and exits 3, saying when the window opens', async () => {
    const sim = twoGroups();
    const result = await cli(sim, ['rotate', '--cluster', 'prod', '--maintenance-window', SUNDAYS]);
    expect(result.code).toBe(3);
    expect(writesOf(sim)).toEqual([]);
    expect(result.errors).toContain('web: 3 instance(s) still outdated; waiting: outside maintenance windows (cron(0 2 ? * SUN) for 4h); ' +
      'the next opens at 2026-01-04T02:00:00.000Z');
    expect(result.errors).toContain('workers: 2 instance(s) still outdated; waiting: outside maintenance windows (cron(0 2 ? * SUN) for 4h); ' +
      'the next opens at 2026-01-04T02:00:00.000Z');
  });

  test('rotate inside a window rotates everything (exit 0), as without one', async () => {
    const sim = twoGroups();
    // Every day from midnight for 6 hours: open at the start.
    const result = await cli(sim, ['rotate', '--cluster', 'prod', '--maintenance-window', '0 0 * * ? for 6h']);
    expect(result.code).toBe(0);
    expect(result.text).toContain('Result: every group is on its target AMI.');
  });

  test.each([
    ['0 2 ? * SUN', 'allowed: "<minute hour day month weekDay> for <duration>"'],
    ['0 2 ? * SUN for 4hours', "the duration '4hours' is not one"],
    ['0 2 * * SUN for 4h', "the window is '0 2 * * SUN'; exactly one of day and weekDay must be '?'"],
    ['0 2 ? * MON#1 for 4h', "the window has weekDay 'MON#1'; allowed: *, ?, numbers 1-7 or SUN-SAT"],
  ])('--maintenance-window %s is a usage error (exit 2): %s', async (raw, message) => {
    const result = await cli(undefined, ['plan', '--cluster', 'prod', '--maintenance-window', raw]);
    expect(result.code).toBe(2);
    expect(result.errors[0]).toContain(`option '--maintenance-window <"cron for duration">' argument '${raw}' is invalid.`);
    expect(result.errors[0]).toContain(message);
  });
});

describe('minimum AMI age in the CLI', () => {
  test('an image older than the minimum age is adopted at once: plan shows the rotation to it', async () => {
    const sim = twoGroups();
    // The simulator's new images were created on 2025-06-12, 203 days before its start.
    const result = await cli(sim, ['plan', '--cluster', 'prod', '--minimum-ami-age', '90d', '--group', 'web']);
    expect(result.code).toBe(0);
    expect(result.text).toContain('Group web: OUTDATED');
    expect(result.text).toContain(`with ${sim.images['amazon-linux-2023/x86_64'].new.imageId}, make it the default`);
    expect(result.text).not.toContain('schedule');
  });

  test('an image younger than the minimum age: waiting, with the image, its publication and its adoption', async () => {
    const sim = twoGroups();
    const web = sim.images['amazon-linux-2023/x86_64'];
    // Published two hours before the simulator's start; every instance still runs last year's image.
    web.new.creationDate = '2025-12-31T22:00:00.000Z';
    const result = await cli(sim, ['status', '--cluster', 'prod', '--minimum-ami-age', '12h', '--group', 'web']);
    expect(result.code).toBe(0);
    expect(result.lines).toContain(`web waiting: image ${web.new.imageId} was published at 2025-12-31T22:00:00Z; adopted from 2026-01-01T10:00:00Z (minimumAmiAge 12 hours)`);
    // The group keeps the image it launches: nothing is outdated against it.
    expect(result.lines.find((l) => l.startsWith('web '))).toMatch(/^web +up-to-date +waiting +3 +0 +3 +0 +none$/);
  });

  test.each(['3w', '91d', '-1', 'soon'])('--minimum-ami-age %s is a usage error (exit 2)', async (raw) => {
    const result = await cli(undefined, ['plan', '--cluster', 'prod', '--minimum-ami-age', raw]);
    expect(result.code).toBe(2);
    expect(result.errors[0]).toContain(`argument '${raw}' is invalid. allowed: a duration such as 3d, 12h or 90m (a bare number is seconds), from 0 to 90 days`);
  });
});

describe('skipping instances with standalone tasks in the CLI', () => {
  test('plan and status list each outdated instance passed over, with its standalone tasks', async () => {
    const sim = twoGroups();
    const web = sim.cloud.registeredContainerInstances().filter((ci) => sim.cloud.instancesOf('web').some((i) => i.id === ci.instance.id));
    const jobs = web.map((ci) => sim.cloud.runStandaloneTask(7200, ci)!);
    const expected = jobs.map((j) => `${j.ci.instance.id} runs standalone task(s) ${j.arn.slice(j.arn.lastIndexOf('/') + 1)}; it is replaced once they end`).sort();

    const plan = await cli(sim, ['plan', '--cluster', 'prod', '--skip-instances-with-standalone-tasks', '--group', 'web']);
    expect(plan.code).toBe(0);
    expect(plan.lines.filter((l) => l.startsWith('  skipped')).map((l) => l.replace(/^ {2}skipped +/, '')).sort()).toEqual(expected);

    const status = await cli(sim, ['status', '--cluster', 'prod', '--skip-instances-with-standalone-tasks', '--group', 'web']);
    expect(status.code).toBe(0);
    expect(status.lines.filter((l) => l.startsWith('web skipped ')).sort())
      .toEqual(expected.map((e) => `web skipped ${e.replace(' runs', ': runs')}`));
    expect(writesOf(sim)).toEqual([]);
  });

  test('without the option the same instances are not read before marking, nor reported', async () => {
    const sim = twoGroups();
    for (const ci of sim.cloud.registeredContainerInstances()) sim.cloud.runStandaloneTask(7200, ci);
    const status = await cli(sim, ['status', '--cluster', 'prod']);
    expect(status.text).not.toContain('skipped');
    expect(sim.recorder.count('ecs:listTasks')).toBe(0);
  });

  test('with --stop-standalone-tasks-after as well: a usage error (exit 2)', async () => {
    const result = await cli(undefined, ['plan', '--cluster', 'prod', '--skip-instances-with-standalone-tasks', '--stop-standalone-tasks-after', '5m']);
    expect(result.code).toBe(2);
    expect(result.errors[0]).toBe('error: --stop-standalone-tasks-after and --skip-instances-with-standalone-tasks are both given; allowed: one of the two');
  });
});

test('a window that closes during rotate: the instances already chosen drain and go, the rest waits; exit 3 with when the next window opens', async () => {
  const sim = twoGroups();
  // Open at the start for two minutes only: enough to choose a first window of instances, not to replace them all.
  const result = await cli(sim, ['rotate', '--cluster', 'prod', '--maintenance-window', '0 0 * * ? for 2m', '--group', 'web']);
  expect(result.code).toBe(3);
  const replaced = result.lines.filter((l) => /done: terminate i-\w+/.test(l)).length;
  expect(replaced).toBe(2);
  expect(sim.cloud.imagesOf('web')).toEqual({ [sim.images['amazon-linux-2023/x86_64'].old.imageId]: 1, [sim.images['amazon-linux-2023/x86_64'].new.imageId]: 2 });
  expect(result.errors).toContain('web: 1 instance(s) still outdated; waiting: outside maintenance windows (cron(0 0 * * ?) for 2m); ' +
    'the next opens at 2026-01-02T00:00:00.000Z');
});
