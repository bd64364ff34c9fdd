/**
 * A replacement that never registers in the cluster (a bad AMI: the instance boots, its ECS agent never
 * joins): the group stops and alarms, nothing more is terminated; with rollback, the group goes back to the
 * image it ran until the parameter names another one.
 */
import { rotationMetrics } from '../../src/engine/report';
import { MetricName } from '../../src/shared/constants';
import { FAILED_IMAGE_TAG } from '../../src/shared/records';
import { buildScenario, GroupSpec, imageName, Simulation } from '../sim';
import { runToCompletion, settingsFor } from './harness';

const HOUR = 3600_000;
const GROUPS: GroupSpec[] = [{ name: 'web', family: 'amazon-linux-2023', architecture: 'x86_64', instances: 4, launchTemplateVersion: '1' }];
const KEY = 'amazon-linux-2023/x86_64';

function badImageScenario(): Simulation {
  const sim = buildScenario({ seed: 3, groups: GROUPS, services: 'auto', standaloneTasks: { count: 1, durationS: 600 } });
  sim.images[KEY].new.bad = true;
  return sim;
}

const templateImage = (sim: Simulation) => {
  const group = sim.cloud.groups.get('web')!;
  const template = sim.cloud.templates.get(group.launchTemplate!.id)!;
  const version = template.versions.get(Number(group.launchTemplate!.version))!;
  return version.data.ImageId;
};

test('default: the group stops at the readiness timeout, alarms, and terminates none of its instances', async () => {
  const sim = badImageScenario();
  const oldIds = new Set(sim.cloud.instancesOf('web').map((i) => i.id));
  const result = await runToCompletion(sim.api, sim.clock, settingsFor(sim.clusterName), 3 * HOUR);

  const rotation = result.last.rotations.get('web')!;
  expect(rotation.phase).toBe('stopped');
  expect(rotation.stoppedReason).toMatch(/replacement capacity did not become ACTIVE in the cluster within 1800 s \(4 instances serving, 5 needed to drain one\)/);
  // The rotation-stopped alarm's metric.
  const stopped = rotationMetrics(result.last.rotations, [], new Map()).find((p) => p.name === MetricName.GROUPS_STOPPED && p.group === undefined);
  expect(stopped?.value).toBe(1);
  // Nothing old was terminated, nothing drained; the surge instance is still there for you to inspect.
  expect(result.outcomes.filter((o) => o.action.kind === 'terminate' || o.action.kind === 'drain')).toEqual([]);
  expect(sim.cloud.instancesOf('web').filter((i) => oldIds.has(i.id) && i.lifecycle === 'InService')).toHaveLength(4);
  expect(templateImage(sim)).toBe(sim.images[KEY].new.imageId);
  expect(sim.invariants.terminationViolations).toEqual([]);
  expect(sim.invariants.servicesBelowMinimum()).toEqual([]);
});

test('rollback: back to the old image, the never-registered replacement terminated, the batch released; a newer good image then rotates', async () => {
  const sim = badImageScenario();
  const settings = settingsFor(sim.clusterName, { rollbackOnFailedReplacement: true });
  const failed = await runToCompletion(sim.api, sim.clock, settings, 3 * HOUR);

  const group = sim.cloud.groups.get('web')!;
  expect(failed.last.rotations.get('web')).toMatchObject({ phase: 'stopped' });
  expect(failed.last.rotations.get('web')!.stoppedReason).toContain(`replacements on image ${sim.images[KEY].new.imageId} never became ACTIVE`);
  expect(group.tags.get(FAILED_IMAGE_TAG)?.value).toBe(sim.images[KEY].new.imageId);
  expect(templateImage(sim)).toBe(sim.images[KEY].old.imageId);
  expect(group.desired).toBe(4);
  expect(sim.cloud.imagesOf('web')).toEqual({ [sim.images[KEY].old.imageId]: 4 });
  expect(sim.cloud.registeredContainerInstances().every((ci) => ci.status === 'ACTIVE' && !ci.attributes.has('ecs-ami-refresher.phase'))).toBe(true);
  expect(sim.invariants.terminationViolations).toEqual([]);

  // Runs while the parameter still names the bad image change nothing.
  const writesBefore = sim.recorder.calls.filter((c) => !/:(describe|list|get)/.test(c.operation)).length;
  await runToCompletion(sim.api, sim.clock, settings, HOUR);
  expect(sim.recorder.calls.filter((c) => !/:(describe|list|get)/.test(c.operation)).length).toBe(writesBefore);

  // AWS publishes a fixed image: the rotation goes on to it, and the failed image is forgotten.
  const fixed = sim.cloud.addImage({
    ...sim.images[KEY].new,
    imageId: 'ami-0f1ced0000000000a',
    name: imageName('amazon-linux-2023', 'x86_64', '20250619', '1.41.0', 'fixed'),
    creationDate: '2025-06-19T06:00:00.000Z',
    bad: false,
  });
  sim.cloud.setParameter(sim.images[KEY].parameter, fixed.imageId);
  const done = await runToCompletion(sim.api, sim.clock, settings, 24 * HOUR);
  expect(done.settled).toBe(true);
  expect(sim.cloud.imagesOf('web')).toEqual({ [fixed.imageId]: 4 });
  expect(group.tags.has(FAILED_IMAGE_TAG)).toBe(false);
  expect(sim.invariants.terminationViolations).toEqual([]);
  expect(sim.invariants.servicesBelowMinimum()).toEqual([]);
  expect(sim.invariants.groupsBelow(0)).toEqual([]);
});

test('rollback blames the image only with evidence: replacements that never launch (no capacity) stop the group without refusing the image', async () => {
  const sim = buildScenario({ seed: 3, groups: GROUPS, services: 'auto', standaloneTasks: { count: 1, durationS: 600 } });
  sim.faults.failLaunches({ group: 'web' });
  const result = await runToCompletion(sim.api, sim.clock, settingsFor(sim.clusterName, { rollbackOnFailedReplacement: true }), 3 * HOUR);
  expect(result.last.rotations.get('web')).toMatchObject({ phase: 'stopped' });
  expect(sim.cloud.groups.get('web')!.tags.has(FAILED_IMAGE_TAG)).toBe(false);
  expect(templateImage(sim)).toBe(sim.images[KEY].new.imageId);
  expect(sim.invariants.terminationViolations).toEqual([]);
});
