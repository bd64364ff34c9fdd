/**
 * `rotate` against the simulator, with its virtual clock: progress, summary, exit codes, the lease, and
 * that a dry run writes nothing.
 */
import { encodeLease, LEASE_TAG, PHASE_ATTRIBUTE, REPLACE_BEFORE_TAG, VERSION_DESCRIPTION_PREFIX } from '../../src/shared/records';
import { Simulation } from '../sim';
import { cli, TWO_GROUPS, twoGroups, writesOf } from './cli-harness';

const TIMEOUT_MS = 60_000;

async function expectAllOnNewImage(sim: Simulation) {
  // The last instance terminated is still shutting down: ECS deregisters it once it is terminated (the engine
  // does not deregister it itself while ECS's managed draining hook holds it).
  await sim.sleep(2 * 60_000);
  for (const spec of TWO_GROUPS) {
    const target = sim.images[`${spec.family}/${spec.architecture}`].new.imageId;
    expect({ group: spec.name, images: sim.cloud.imagesOf(spec.name) }).toEqual({ group: spec.name, images: { [target]: spec.instances } });
  }
  expect(sim.cloud.registeredContainerInstances().filter((ci) => ci.attributes.has(PHASE_ATTRIBUTE))).toEqual([]);
  expect(sim.cloud.clusters.get('prod')!.tags.has(LEASE_TAG)).toBe(false);
}

test('rotate runs to completion: every instance on the new image, progress each round, a summary, exit 0', async () => {
  const sim = twoGroups();
  const before = new Set(TWO_GROUPS.flatMap((g) => sim.cloud.instancesOf(g.name).map((i) => i.id)));
  const result = await cli(sim, ['rotate', '--cluster', 'prod', '--wait-for-steady-services']);

  expect(result.errors).toEqual([]);
  expect(result.code).toBe(0);
  await expectAllOnNewImage(sim);
  expect(sim.invariants.terminationViolations).toEqual([]);

  expect(result.lines[0]).toBe('Rotating cluster prod as cli:test-host:1: max unavailable 10% per group, drain timeout 1h 00m then stop; a round every 15s');
  // Progress: per group, phase and old/new/draining counts with the elapsed time, then what was done.
  expect(result.lines).toEqual(expect.arrayContaining([
    '[+0:00:00 round 1] web: updating-launch-template; old 3, new 0, draining 0',
    '[+0:00:00 round 1] workers: updating-launch-template; old 2, new 0, draining 0',
    expect.stringMatching(/^ {4}done: start a rotation: desired capacity 3 -> 5, mark i-\w+, i-\w+ for replacement$/),
    expect.stringMatching(/^\[\+0:\d\d:\d\d round \d+\] web: draining; old \d, new \d, draining 1$/),
    expect.stringMatching(/^ {4}done: drain i-\w+$/),
    expect.stringMatching(/^ {4}done: terminate i-\w+ \(0 running task\(s\)\), its slot taken by the next replacement and deregister it$/),
  ]));
  // Every original instance was terminated, each reported.
  for (const id of before) expect(result.text).toContain(`done: terminate ${id} `);

  const summary = result.lines.findIndex((l) => l.startsWith('Summary: '));
  // 21 actions of the rotation itself (with the pruning of each launch template's versions at its rotation's end, which
  // a terminal run does as the Lambda does), and the records of drains held until the services on the next instance
  // were steady (asked for with --wait-for-steady-services): one when a hold starts, one when its drain goes.
  const holds = result.lines.filter((l) => l.includes('done: record that drains')).length;
  expect(holds % 2).toBe(0);
  expect(result.lines[summary]).toMatch(new RegExp(`^Summary: \\d+ round\\(s\\) in \\d+m \\d\\ds; ${21 + holds} action\\(s\\), 0 failed$`));
  expect(result.text).toMatch(/(web|workers): (replacing|draining); old \d, new \d, draining \d; holding: the next drain waits: service [\w-]+ runs \d of \d desired tasks/);
  expect(result.lines.slice(summary + 1, summary + 4)).toEqual([
    expect.stringMatching(/^ {2}GROUP +STATUS +PHASE +ON TARGET +OUTDATED +REPLACED +ACTIONS OK +TARGET AMI$/),
    expect.stringMatching(new RegExp(`^ {2}web +up-to-date +idle +3 +0 +3 +(\\d+)/\\1 +${sim.images['amazon-linux-2023/x86_64'].new.imageId}$`)),
    expect.stringMatching(new RegExp(`^ {2}workers +up-to-date +idle +2 +0 +2 +(\\d+)/\\1 +${sim.images['bottlerocket-ecs-2/arm64'].new.imageId}$`)),
  ]);
  expect(result.lines[result.lines.length - 1]).toBe('Result: every group is on its target AMI.');

  // Run again: nothing to do, nothing written, exit 0.
  sim.recorder.clear();
  const again = await cli(sim, ['rotate', '--cluster', 'prod']);
  expect(again.code).toBe(0);
  expect(writesOf(sim)).toEqual([]);
}, TIMEOUT_MS);

test('rotate --dry-run prints the first round\'s decision and writes nothing', async () => {
  const sim = twoGroups();
  const result = await cli(sim, ['rotate', '--cluster', 'prod', '--dry-run']);
  expect(result.code).toBe(0);
  expect(result.text).toContain('Group web: OUTDATED');
  expect(result.text).toMatch(/- create version of launch template lt-\w+ from version 1/);
  expect(result.lines[result.lines.length - 1]).toBe('Dry run: nothing was written; the actions above are what the first round would do.');
  expect(writesOf(sim)).toEqual([]);
  expect(sim.cloud.imagesOf('web')).toEqual({ [sim.images['amazon-linux-2023/x86_64'].old.imageId]: 3 });
});

test('another engine holds the lease: exit 4 naming the holder, nothing written', async () => {
  const sim = twoGroups();
  sim.cloud.clusters.get('prod')!.tags.set(LEASE_TAG, encodeLease({ owner: 'lambda:7d2e-request', expiresAt: sim.clock.now() + 3 * 60_000 }));
  const result = await cli(sim, ['rotate', '--cluster', 'prod']);
  expect(result.code).toBe(4);
  expect(result.errors).toEqual([
    'error: another engine holds the lease on cluster prod: lambda:7d2e-request, until 2026-01-01T00:03:00Z (3m 00s from now). ' +
      'Nothing was written. Run again once it has finished or its lease has expired.',
  ]);
  expect(writesOf(sim)).toEqual([]);
});

test('an expired lease is taken over', async () => {
  const sim = twoGroups();
  sim.cloud.clusters.get('prod')!.tags.set(LEASE_TAG, encodeLease({ owner: 'lambda:crashed', expiresAt: sim.clock.now() - 1 }));
  const result = await cli(sim, ['rotate', '--cluster', 'prod']);
  expect(result.code).toBe(0);
  await expectAllOnNewImage(sim);
}, TIMEOUT_MS);

test('a refused group: the other group is rotated, exit 3 with the reason', async () => {
  const sim = twoGroups();
  sim.cloud.setParameter(sim.images['bottlerocket-ecs-2/arm64'].parameter, 'not-an-ami');
  const result = await cli(sim, ['rotate', '--cluster', 'prod']);
  expect(result.code).toBe(3);
  expect(sim.cloud.imagesOf('web')).toEqual({ [sim.images['amazon-linux-2023/x86_64'].new.imageId]: 3 });
  expect(sim.cloud.imagesOf('workers')).toEqual({ [sim.images['bottlerocket-ecs-2/arm64'].old.imageId]: 2 });
  expect(result.errors).toEqual([
    expect.stringMatching(/^ {4}refused: SSM parameter \S+ holds 'not-an-ami'/),
    '1 group(s) need attention:',
    expect.stringMatching(/^ {2}workers refused: SSM parameter \/aws\/service\/bottlerocket\/aws-ecs-2\/arm64\/latest\/image_id holds 'not-an-ami'/),
  ]);
}, TIMEOUT_MS);

test('a drain past --drain-timeout stops the group: exit 3 with the reason, nothing more terminated', async () => {
  const sim = twoGroups([{ name: 'web', family: 'amazon-linux-2023', architecture: 'x86_64', instances: 3 }]);
  // The shortest drain timeout the construct (and so the CLI) takes: 1 minute.
  const result = await cli(sim, ['rotate', '--cluster', 'prod', '--drain-timeout', '1m']);
  expect(result.code).toBe(3);
  expect(result.errors.join('\n')).toMatch(/web stopped: instance i-\w+ still runs \d+ task\(s\) after the 60 s drain timeout/);
  expect(result.text).not.toContain('done: terminate');
  expect(sim.invariants.terminationViolations).toEqual([]);
}, TIMEOUT_MS);

test('rotate --force replaces instances already on the target image, then clears its record', async () => {
  const sim = twoGroups();
  expect((await cli(sim, ['rotate', '--cluster', 'prod'])).code).toBe(0);
  const rotated = new Set(TWO_GROUPS.flatMap((g) => sim.cloud.instancesOf(g.name).filter((i) => i.lifecycle === 'InService').map((i) => i.id)));

  const forced = await cli(sim, ['rotate', '--cluster', 'prod', '--force', '--max-unavailable', '2']);
  expect(forced.code).toBe(0);
  expect(forced.text).toContain('done: record the forced replacement of every instance launched before');
  expect(forced.text).toContain('done: clear the forced-replacement record (every instance is replaced)');
  for (const spec of TWO_GROUPS) {
    const live = sim.cloud.instancesOf(spec.name).filter((i) => i.lifecycle === 'InService');
    expect(live).toHaveLength(spec.instances);
    expect(live.filter((i) => rotated.has(i.id))).toEqual([]);
    expect(sim.cloud.groups.get(spec.name)!.tags.has(REPLACE_BEFORE_TAG)).toBe(false);
  }
  await expectAllOnNewImage(sim);
}, TIMEOUT_MS);

test('LOG_LEVEL=WARNING keeps only the summary and problems; --log-level wins over it', async () => {
  const quiet = await cli(twoGroups(), ['rotate', '--cluster', 'prod'], { LOG_LEVEL: 'WARNING' });
  expect(quiet.code).toBe(0);
  expect(quiet.lines.filter((l) => l.startsWith('[+'))).toEqual([]);
  expect(quiet.text).toContain('Summary: ');

  const loud = await cli(twoGroups(), ['rotate', '--cluster', 'prod', '--log-level', 'info'], { LOG_LEVEL: 'WARNING' });
  expect(loud.lines.filter((l) => l.startsWith('[+')).length).toBeGreaterThan(10);
}, TIMEOUT_MS);

describe('--launch-template-versions-to-keep', () => {
  /** web's template with three versions an earlier rotation made (2-4) besides the original (1). */
  function withOldVersions() {
    const sim = twoGroups();
    const template = [...sim.cloud.templatesByName.values()].find((t) => sim.cloud.groups.get('web')!.launchTemplate?.id === t.id)!;
    for (const n of [2, 3, 4]) {
      template.versions.set(n, { number: n, description: `${VERSION_DESCRIPTION_PREFIX}ami-0${String(n).padStart(16, '0')}`, data: { ...template.versions.get(1)!.data }, createdAt: 0 });
    }
    template.latestVersion = 4;
    return { sim, template };
  }

  test('unset, a terminal run keeps the newest 5 the refresher made, as the Lambda does: here all four, none deleted', async () => {
    const { sim, template } = withOldVersions();
    const result = await cli(sim, ['rotate', '--cluster', 'prod']);
    expect(result.code).toBe(0);
    expect(writesOf(sim)).not.toContain('ec2:deleteLaunchTemplateVersions');
    expect([...template.versions.keys()]).toEqual(expect.arrayContaining([1, 2, 3, 4]));
  });

  test('given, the rotation\'s end keeps the newest N the refresher made, and the original', async () => {
    const { sim, template } = withOldVersions();
    const result = await cli(sim, ['rotate', '--cluster', 'prod', '--launch-template-versions-to-keep', '1']);
    expect(result.code).toBe(0);
    // web launches $Default: the version the rotation made and set as default.
    expect(sim.cloud.groups.get('web')!.launchTemplate!.version).toBe('$Default');
    const inUse = template.defaultVersion;
    expect(inUse).toBeGreaterThan(4);
    expect([...template.versions.keys()].sort((a, b) => a - b)).toEqual([1, inUse]);
  });
});
