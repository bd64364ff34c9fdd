/**
 * Launch sources other than a launch template with a literal image, rotated end to end on the simulator at
 * production's cadence: launch configurations (seed 000's copy, switch, rotate; copies deleted once unused,
 * the original never), accounts that can no longer create launch configurations, mixed instances policies whose
 * overrides carry launch templates of their own (pinned, `$Default`, `$Latest`), pruning of old template versions,
 * a crash after each write, and throttling.
 */
import { DEFAULT_RETRY, retryingApi } from '../../src/aws/retry';
import { TagKey } from '../../src/shared/constants';
import { launchConfigurationCopyName } from '../../src/shared/launch-configuration-names';
import { BATCH_TAG, LAUNCH_CONFIGURATIONS_UNSUPPORTED_TAG, VERSION_DESCRIPTION_PREFIX } from '../../src/shared/records';
import { buildScenario, dyingApi, GroupSpec, isLeaving, ProcessKilled, Simulation } from '../sim';
import { recordFigure } from './figures';
import { runInvocations, runScheduled, runToCompletion, settingsFor } from './harness';

const HOUR = 3600_000;
const KEY = 'amazon-linux-2023/x86_64';
const LC_GROUP: GroupSpec = { name: 'legacy', family: 'amazon-linux-2023', architecture: 'x86_64', instances: 4, launchConfiguration: true };

function scenario(groups: readonly GroupSpec[] = [LC_GROUP]): Simulation {
  return buildScenario({ seed: 41, groups, services: 'auto', standaloneTasks: { count: 1, durationS: 600 } });
}

function expectSafe(sim: Simulation) {
  expect(sim.invariants.terminationViolations).toEqual([]);
  expect(sim.invariants.servicesBelowMinimum()).toEqual([]);
  expect(sim.invariants.groupsBelow(0)).toEqual([]);
}

/** A newer image of the family than the scenario's, and the parameter moved to it. */
function publishNewerImage(sim: Simulation): string {
  const newer = sim.images[KEY].new;
  const image = sim.cloud.addImage({ ...newer, imageId: 'ami-0feed000000000a11', name: newer.name.replace('2023.0.20250612', '2023.0.20250901'), creationDate: '2025-09-01T06:00:00.000Z' });
  sim.cloud.setParameter(sim.images[KEY].parameter, image.imageId);
  return image.imageId;
}

describe('a launch template with a literal image, or resolving the image at launch', () => {
  test.each<[string, Partial<GroupSpec>, number, number, number]>([
    // reference, versions created, UpdateAutoScalingGroup calls pointing at a version, ModifyLaunchTemplate calls
    ['pinned to version 1: a version with the image, the group pointed at it', { launchTemplateVersion: '1' }, 1, 1, 0],
    ['$Default: a version with the image, made the default', { launchTemplateVersion: '$Default' }, 1, 0, 1],
    ['$Latest: a version with the image is all it takes', { launchTemplateVersion: '$Latest' }, 1, 0, 0],
    ['resolve:ssm: of the followed parameter: no version at all, instances only', { imageIdFromSsm: true }, 0, 0, 0],
  ])('%s', async (_name, spec, created, pointed, defaults) => {
    const sim = scenario([{ name: 'web', family: 'amazon-linux-2023', architecture: 'x86_64', instances: 4, ...spec }]);
    const result = await runScheduled(sim, settingsFor(sim.clusterName, { maxUnavailable: { count: 2 } }), 24 * HOUR);
    expect(result.settled).toBe(true);
    expect(result.results.flatMap((r) => r.outcomes.filter((o) => !o.ok))).toEqual([]);
    expect(sim.cloud.imagesOf('web')).toEqual({ [sim.images[KEY].new.imageId]: 4 });
    expect(sim.recorder.count('ec2:createLaunchTemplateVersion')).toBe(created);
    expect(sim.recorder.calls.filter((c) => c.operation === 'autoscaling:updateAutoScalingGroup'
      && (c.input as { LaunchTemplate?: unknown }).LaunchTemplate !== undefined).length).toBe(pointed);
    expect(sim.recorder.count('ec2:modifyLaunchTemplate')).toBe(defaults);
    expectSafe(sim);
  });
});

describe('a group on a launch configuration (seed 000)', () => {
  test('is copied with only the image changed, switched to the copy and rotated; the original stays', async () => {
    const sim = scenario();
    const original = sim.cloud.launchConfigurations.get('legacy-lc')!;
    const target = sim.images[KEY].new.imageId;
    const result = await runScheduled(sim, settingsFor(sim.clusterName, { maxUnavailable: { count: 1 } }), 24 * HOUR);
    expect(result.settled).toBe(true);
    expect(result.results.flatMap((r) => r.outcomes.filter((o) => !o.ok))).toEqual([]);

    const copyName = launchConfigurationCopyName(sim.clusterName, 'legacy-lc', target)!;
    expect(copyName).toBe(`ecs-ami-refresher.${sim.clusterName}.${target}.legacy-lc`);
    const group = sim.cloud.groups.get('legacy')!;
    expect(group.launchConfigurationName).toBe(copyName);
    const copy = sim.cloud.launchConfigurations.get(copyName)!;
    // Every field carried across (user data still base64, block devices, security groups, instance profile,
    // metadata options, monitoring), only the image changed.
    expect(copy.data).toEqual(original.data);
    expect({ image: copy.imageId, type: copy.instanceType }).toEqual({ image: target, type: original.instanceType });
    expect(sim.cloud.launchConfigurations.has('legacy-lc')).toBe(true);

    expect(sim.cloud.imagesOf('legacy')).toEqual({ [target]: 4 });
    // The last outdated instance may still be shutting down when the rotation settles: it is leaving, not serving.
    const staying = [...group.instances.values()].filter((i) => !isLeaving(i.lifecycle));
    expect(staying.map((i) => i.launchConfigurationName)).toEqual(Array(4).fill(copyName));
    expect(group.tags.has(BATCH_TAG)).toBe(false);
    expect(sim.recorder.count('autoscaling:createLaunchConfiguration')).toBe(1);
    // The switch came before any replacement was launched.
    const switched = sim.recorder.calls.find((c) => c.operation === 'autoscaling:updateAutoScalingGroup'
      && (c.input as { LaunchConfigurationName?: string }).LaunchConfigurationName === copyName)!;
    // The group is behind a capacity provider ECS scales: the batch raises capacity through MinSize.
    const firstRaise = sim.recorder.calls.find((c) => c.operation === 'autoscaling:setDesiredCapacity'
      || (c.operation === 'autoscaling:updateAutoScalingGroup' && (c.input as { MinSize?: number }).MinSize !== undefined))!;
    expect(switched.at).toBeLessThanOrEqual(firstRaise.at);
    expectSafe(sim);
  });

  test('a newer image later: a second copy, and the engine\'s first copy deleted once no group uses it; the original never', async () => {
    const sim = scenario();
    const settings = settingsFor(sim.clusterName, { maxUnavailable: { count: 2 } });
    expect((await runScheduled(sim, settings, 24 * HOUR)).settled).toBe(true);
    const first = launchConfigurationCopyName(sim.clusterName, 'legacy-lc', sim.images[KEY].new.imageId)!;
    const newest = publishNewerImage(sim);
    const result = await runScheduled(sim, settings, 24 * HOUR);
    expect(result.settled).toBe(true);
    expect(result.results.flatMap((r) => r.outcomes.filter((o) => !o.ok))).toEqual([]);

    // A copy of a copy is named from the original's name, not nested.
    const second = `ecs-ami-refresher.${sim.clusterName}.${newest}.legacy-lc`;
    expect(sim.cloud.groups.get('legacy')!.launchConfigurationName).toBe(second);
    expect([...sim.cloud.launchConfigurations.keys()].sort()).toEqual([second, 'legacy-lc'].sort());
    expect(sim.recorder.calls.filter((c) => c.operation === 'autoscaling:deleteLaunchConfiguration').map((c) => c.input))
      .toEqual([{ LaunchConfigurationName: first }]);
    expect(sim.cloud.imagesOf('legacy')).toEqual({ [newest]: 4 });
    expectSafe(sim);
  });

  test('a copy another group still uses (outside the cluster) is kept: AWS refuses, the run still settles', async () => {
    const sim = scenario();
    const settings = settingsFor(sim.clusterName, { maxUnavailable: { count: 2 } });
    expect((await runScheduled(sim, settings, 24 * HOUR)).settled).toBe(true);
    const first = sim.cloud.groups.get('legacy')!.launchConfigurationName!;
    sim.cloud.addGroup({ name: 'someone-elses', minSize: 0, maxSize: 1, desired: 0, launchConfigurationName: first });
    publishNewerImage(sim);
    const result = await runScheduled(sim, settings, 24 * HOUR);
    expect(result.settled).toBe(true);
    expect(sim.cloud.launchConfigurations.has(first)).toBe(true);
    expect(sim.recorder.calls.filter((c) => c.operation === 'autoscaling:deleteLaunchConfiguration' && c.error === 'ResourceInUse').length)
      .toBeGreaterThan(0);
    expect(result.results.flatMap((r) => r.outcomes.filter((o) => !o.ok))).toEqual([]);
  });

  test('an account that may no longer create launch configurations: one refused call, then the group stops saying to migrate; nothing is replaced', async () => {
    const sim = scenario();
    sim.cloud.launchConfigurationsUnsupported = true;
    const before = sim.cloud.imagesOf('legacy');
    const result = await runScheduled(sim, settingsFor(sim.clusterName), 2 * HOUR);
    // The refusal is met once and recorded; later runs stop the group instead of repeating the call.
    const failures = result.results.flatMap((r) => r.outcomes.filter((o) => !o.ok));
    expect(failures.map((f) => f.action.kind)).toEqual(['switch-launch-configuration']);
    expect(failures[0].error).toMatch(/group legacy uses launch configuration legacy-lc, and this account may no longer create launch configurations/);
    expect(failures[0].error).toMatch(/Migrate the group to a launch template/);
    expect(sim.recorder.count('autoscaling:createLaunchConfiguration')).toBe(1);
    expect(result.settled).toBe(true);
    const rotation = result.results.at(-1)!.last.rotations.get('legacy')!;
    expect(rotation.phase).toBe('stopped');
    expect(rotation.stoppedReason).toMatch(/this account may no longer create launch configurations .*migrate the group to a launch template/);
    expect(sim.cloud.imagesOf('legacy')).toEqual(before);
    expect(sim.cloud.groups.get('legacy')!.launchConfigurationName).toBe('legacy-lc');
    expect(sim.recorder.count('autoscaling:setDesiredCapacity') + sim.recorder.count('autoscaling:terminateInstanceInAutoScalingGroup')).toBe(0);
    expectSafe(sim);

    // Migrated to a launch template: the record goes, and the group rotates.
    const template = sim.cloud.addLaunchTemplate('legacy-migrated', { ImageId: sim.images[KEY].old.imageId, InstanceType: 'm5.large' },
      { [TagKey.CLUSTER]: sim.clusterName });
    const group = sim.cloud.groups.get('legacy')!;
    group.launchConfigurationName = undefined;
    group.launchTemplate = { id: template.id, name: template.name, version: '$Default' };
    const migrated = await runScheduled(sim, settingsFor(sim.clusterName), 24 * HOUR);
    expect(migrated.settled).toBe(true);
    expect(group.tags.has(LAUNCH_CONFIGURATIONS_UNSUPPORTED_TAG)).toBe(false);
    expect(sim.cloud.imagesOf('legacy')).toEqual({ [sim.images[KEY].new.imageId]: 4 });
  });

  test('killed after each write of the rotation, the next runs finish it with one copy, never two', async () => {
    const settings = (sim: Simulation) => settingsFor(sim.clusterName, { maxUnavailable: { count: 2 } });
    const run = (sim: Simulation, api = sim.api) => runInvocations({
      api, clock: sim.clock, settings: settings(sim), budgetMs: 24 * HOUR, periodMs: 5 * 60_000, maxVirtualMs: 24 * HOUR,
    });
    const reference = scenario();
    const counting = dyingApi(reference.api, { afterWrites: Number.MAX_SAFE_INTEGER });
    await run(reference, counting.api);
    const total = counting.writes();
    expect(total).toBeGreaterThan(5);
    for (let k = 1; k <= total; k++) {
      const sim = scenario();
      const killed = run(sim, dyingApi(sim.api, { afterWrites: k }).api);
      if (k < total) await expect(killed).rejects.toThrow(ProcessKilled);
      else await killed;
      const resumed = await runScheduled(sim, settings(sim), 24 * HOUR);
      const target = sim.images[KEY].new.imageId;
      expect({ k, settled: resumed.settled, images: sim.cloud.imagesOf('legacy'), desired: sim.cloud.groups.get('legacy')!.desired })
        .toEqual({ k, settled: true, images: { [target]: 4 }, desired: 4 });
      const creates = sim.recorder.calls.filter((c) => c.operation === 'autoscaling:createLaunchConfiguration');
      expect({ k, created: creates.filter((c) => c.error === undefined).length }).toEqual({ k, created: 1 });
      expect({ k, configurations: [...sim.cloud.launchConfigurations.keys()].sort() })
        .toEqual({ k, configurations: [`ecs-ami-refresher.${sim.clusterName}.${target}.legacy-lc`, 'legacy-lc'] });
      const { invariants } = sim;
      expect({ k, violations: invariants.terminationViolations, low: invariants.servicesBelowMinimum(), below: invariants.groupsBelow(0) })
        .toEqual({ k, violations: [], low: [], below: [] });
    }
    recordFigure('launchConfigurationKilledAfterEachWrite', total);
  }, 120_000);
});

describe('a mixed instances policy whose overrides carry launch templates of their own', () => {
  const mixed = (version: '1' | '$Default' | '$Latest'): GroupSpec => ({
    name: 'mixed',
    family: 'amazon-linux-2023',
    architecture: 'x86_64',
    instances: 6,
    mixedInstancesPolicy: true,
    overrideTemplates: 2,
    launchTemplateVersion: version,
  });
  const templatesOf = (sim: Simulation) => ['mixed-lt', 'mixed-override-0', 'mixed-override-1'].map((n) => sim.cloud.templatesByName.get(n)!);

  test.each<['1' | '$Default' | '$Latest', number, number]>([
    // reference, UpdateAutoScalingGroup calls with a policy, ModifyLaunchTemplate calls
    ['1', 1, 0],
    ['$Default', 0, 3],
    ['$Latest', 0, 0],
  ])('referenced as %s: every template gets one version with only the image changed, and every instance ends on the image', async (version, updates, defaults) => {
    const sim = scenario([mixed(version)]);
    const target = sim.images[KEY].new.imageId;
    // Before: instances launched from every template of the policy.
    const before = new Set([...sim.cloud.groups.get('mixed')!.instances.values()].map((i) => i.templateName));
    expect([...before].sort()).toEqual(['mixed-lt', 'mixed-override-0', 'mixed-override-1']);
    const result = await runScheduled(sim, settingsFor(sim.clusterName, { maxUnavailable: { count: 2 } }), 24 * HOUR);
    expect(result.settled).toBe(true);
    expect(result.results.flatMap((r) => r.outcomes.filter((o) => !o.ok))).toEqual([]);

    expect(sim.cloud.imagesOf('mixed')).toEqual({ [target]: 6 });
    const group = sim.cloud.groups.get('mixed')!;
    // Replacements launched from every template, all on the image: none is outdated again.
    expect(new Set([...group.instances.values()].map((i) => i.templateName))).toEqual(before);
    for (const t of templatesOf(sim)) {
      const engine = [...t.versions.values()].filter((v) => v.description === `${VERSION_DESCRIPTION_PREFIX}${target}`);
      expect({ template: t.name, versions: engine.length, image: engine[0]?.data.ImageId }).toEqual({ template: t.name, versions: 1, image: target });
      // Only the image changed.
      const { ImageId: _new, ...rest } = engine[0].data;
      const { ImageId: _old, ...source } = t.versions.get(1)!.data;
      expect(rest).toEqual(source);
    }
    const policyUpdates = sim.recorder.calls.filter((c) => c.operation === 'autoscaling:updateAutoScalingGroup'
      && (c.input as { MixedInstancesPolicy?: unknown }).MixedInstancesPolicy !== undefined);
    expect(policyUpdates.length).toBe(updates);
    expect(sim.recorder.count('ec2:modifyLaunchTemplate')).toBe(defaults);
    // The policy kept its instance types and override order; pinned references moved to the new versions.
    expect(group.mixedInstancesPolicy!.overrides!.map((o) => [o.instanceType, o.launchTemplate?.name, o.launchTemplate?.version]))
      .toEqual([['m6i.large', undefined, undefined], ['c6i.large', 'mixed-override-0', version === '1' ? '2' : version],
        ['r6i.large', 'mixed-override-1', version === '1' ? '2' : version]]);
    expect(group.launchTemplate!.version).toBe(version === '1' ? '2' : version);
    expectSafe(sim);
  });

  test('pinned, killed after each write, the next runs finish it with one version per template, never two', async () => {
    const settings = (sim: Simulation) => settingsFor(sim.clusterName, { maxUnavailable: { count: 3 } });
    const run = (sim: Simulation, api = sim.api) => runInvocations({
      api, clock: sim.clock, settings: settings(sim), budgetMs: 24 * HOUR, periodMs: 5 * 60_000, maxVirtualMs: 24 * HOUR,
    });
    const reference = scenario([mixed('1')]);
    const counting = dyingApi(reference.api, { afterWrites: Number.MAX_SAFE_INTEGER });
    await run(reference, counting.api);
    const total = counting.writes();
    expect(total).toBeGreaterThan(5);
    for (let k = 1; k < total; k++) {
      const sim = scenario([mixed('1')]);
      await expect(run(sim, dyingApi(sim.api, { afterWrites: k }).api)).rejects.toThrow(ProcessKilled);
      const resumed = await runScheduled(sim, settings(sim), 24 * HOUR);
      const target = sim.images[KEY].new.imageId;
      expect({ k, settled: resumed.settled, images: sim.cloud.imagesOf('mixed') }).toEqual({ k, settled: true, images: { [target]: 6 } });
      expect({ k, versions: templatesOf(sim).map((t) => t.latestVersion) }).toEqual({ k, versions: [2, 2, 2] });
    }
    // The last write ends the rotation: killed after it, nothing is left to resume.
    recordFigure('mixedTemplatesKilledAfterEachWrite', total - 1);
  }, 120_000);
});

describe('old launch template versions this engine created are pruned once a rotation ends', () => {
  const PINNED: GroupSpec = { name: 'web', family: 'amazon-linux-2023', architecture: 'x86_64', instances: 2, launchTemplateVersion: '1' };
  let images = 0;
  /** A newer image of the family, the parameter moved to it. */
  const publish = (sim: Simulation): string => {
    images++;
    const base = sim.images[KEY].new;
    const id = `ami-0${images.toString(16).padStart(16, '0')}`;
    sim.cloud.addImage({ ...base, imageId: id, creationDate: new Date(Date.parse(base.creationDate) + images * 86400_000).toISOString() });
    sim.cloud.setParameter(sim.images[KEY].parameter, id);
    return id;
  };

  test('the newest N the engine made stay, with the default, the version in use and versions others made; 200 a call', async () => {
    const sim = scenario([PINNED]);
    const settings = settingsFor(sim.clusterName, { maxUnavailable: { count: 2 }, templateVersionsToKeep: 2 });
    const template = sim.cloud.templatesByName.get('web-lt')!;
    // 450 old versions the engine made long ago (more than two DeleteLaunchTemplateVersions calls' worth), and one a person made.
    for (let n = 2; n <= 451; n++) {
      template.versions.set(n, { number: n, description: `${VERSION_DESCRIPTION_PREFIX}ami-0000000000000${n}`, data: { ...template.versions.get(1)!.data }, createdAt: 0 });
    }
    template.versions.set(452, { number: 452, description: 'hand-made', data: { ...template.versions.get(1)!.data }, createdAt: 0 });
    template.latestVersion = 452;
    // An old engine version made the template's default by someone: never deleted.
    template.defaultVersion = 7;

    expect((await runScheduled(sim, settings, 24 * HOUR)).settled).toBe(true);
    const deletes = sim.recorder.calls.filter((c) => c.operation === 'ec2:deleteLaunchTemplateVersions');
    // 451 made by the engine, less the newest two and the default: 448, in calls of at most 200.
    expect(deletes.map((c) => c.batchSize)).toEqual([200, 200, 48]);
    // Kept: the version the group now uses (the newest the engine made), the one before it, the default (7),
    // the original (1) and the hand-made one.
    expect([...template.versions.keys()].sort((a, b) => a - b)).toEqual([1, 7, 451, 452, 453]);
    expect(sim.cloud.groups.get('web')!.launchTemplate!.version).toBe('453');

    // Two more images: each rotation's end prunes down to the newest two the engine made again.
    for (let i = 0; i < 2; i++) {
      publish(sim);
      expect((await runScheduled(sim, settings, 24 * HOUR)).settled).toBe(true);
    }
    expect([...template.versions.keys()].sort((a, b) => a - b)).toEqual([1, 7, 452, 454, 455]);
    expect(sim.cloud.groups.get('web')!.launchTemplate!.version).toBe('455');
    expect(sim.cloud.imagesOf('web')).toEqual({ [`ami-0${images.toString(16).padStart(16, '0')}`]: 2 });
    expectSafe(sim);
  });

  test('not while another group on the same template still rotates; the versions in use and the original stay', async () => {
    const sim = scenario([PINNED, { ...PINNED, name: 'slow', instances: 4 }]);
    // Both groups on one template: the second group pinned to the same template, rotating longer.
    const shared = sim.cloud.templatesByName.get('web-lt')!;
    const slow = sim.cloud.groups.get('slow')!;
    slow.launchTemplate = { id: shared.id, name: shared.name, version: '1' };
    const settings = settingsFor(sim.clusterName, { maxUnavailable: { count: 1 }, templateVersionsToKeep: 1 });
    const result = await runScheduled(sim, settings, 24 * HOUR);
    expect(result.settled).toBe(true);
    // web ended first: no pruning then, as slow was still rotating on the template.
    const pruned = result.results.flatMap((r) => r.outcomes).filter((o) => o.action.kind === 'prune-template-versions');
    expect(pruned.map((o) => o.action.group)).toEqual(['slow']);
    // Each group made (or reused) its version; the one each uses now stays.
    const inUse = new Set([sim.cloud.groups.get('web')!.launchTemplate!.version, slow.launchTemplate!.version]);
    for (const v of inUse) expect(shared.versions.has(Number(v))).toBe(true);
    expect(shared.versions.has(1)).toBe(true);
  });
});

test('throttling and 5xx on the calls of every launch source kind are retried with backoff; the rotations complete unchanged', async () => {
  const sim = scenario([LC_GROUP, { name: 'web', family: 'amazon-linux-2023', architecture: 'x86_64', instances: 2, mixedInstancesPolicy: true, overrideTemplates: 1, launchTemplateVersion: '1' }]);
  const operations = ['autoscaling:describeLaunchConfigurations', 'autoscaling:createLaunchConfiguration', 'autoscaling:updateAutoScalingGroup',
    'autoscaling:deleteLaunchConfiguration', 'ec2:createLaunchTemplateVersion', 'ec2:describeLaunchTemplateVersions', 'ec2:deleteLaunchTemplateVersions'];
  for (const operation of operations) sim.faults.throttle(operation, 3).serverError(operation, 2);
  const api = retryingApi(sim.api, { ...DEFAULT_RETRY, sleep: (ms) => sim.clock.sleep(ms), random: sim.random });
  const settings = settingsFor(sim.clusterName, { maxUnavailable: { count: 2 }, templateVersionsToKeep: 1 });
  const first = await runToCompletion(api, sim.clock, settings, 24 * HOUR);
  // A second image: the first copy is deleted and the first versions pruned, under faults too.
  const newest = publishNewerImage(sim);
  const second = await runToCompletion(api, sim.clock, settings, 24 * HOUR);
  expect([first.settled, second.settled]).toEqual([true, true]);
  expect([...first.outcomes, ...second.outcomes].filter((o) => !o.ok)).toEqual([]);
  const errors = sim.recorder.errors();
  for (const operation of operations) {
    const failures = Object.entries(errors).filter(([key]) => key.startsWith(`${operation} `)).reduce((n, [, count]) => n + count, 0);
    expect({ operation, failures }).toEqual({ operation, failures: 5 });
  }
  expect({ legacy: sim.cloud.imagesOf('legacy'), web: sim.cloud.imagesOf('web') }).toEqual({ legacy: { [newest]: 4 }, web: { [newest]: 2 } });
  expect([...sim.cloud.launchConfigurations.keys()].sort()).toEqual([`ecs-ami-refresher.${sim.clusterName}.${newest}.legacy-lc`, 'legacy-lc'].sort());
  expectSafe(sim);
});
