/**
 * Groups in awkward states, each with its documented outcome (README, "Reliability").
 */
import { buildScenario, GroupSpec, Simulation } from '../sim';
import { runToCompletion, settingsFor } from './harness';

const HOUR = 3600_000;

function scenario(groups: GroupSpec[]): Simulation {
  return buildScenario({ seed: 5, groups, services: 'auto', standaloneTasks: { count: 1, durationS: 600 } });
}

function expectRotatedSafely(sim: Simulation, spec: GroupSpec) {
  const target = sim.images[`${spec.family}/${spec.architecture}`].new.imageId;
  expect(sim.cloud.imagesOf(spec.name)).toEqual({ [target]: spec.instances });
  expect(sim.cloud.groups.get(spec.name)!.desired).toBe(spec.instances);
  expect(sim.invariants.terminationViolations).toEqual([]);
  expect(sim.invariants.servicesBelowMinimum()).toEqual([]);
  expect(sim.invariants.groupsBelow(0)).toEqual([]);
}

test('a group at its max size: max is raised for the batch and restored after', async () => {
  const spec: GroupSpec = { name: 'full', family: 'amazon-linux-2023', architecture: 'x86_64', instances: 5, maxSize: 5 };
  const sim = scenario([spec]);
  let highestMax = 0;
  const result = await runToCompletion(sim.api, sim.clock, settingsFor(sim.clusterName), 24 * HOUR);
  for (const call of sim.recorder.calls.filter((c) => c.operation === 'autoscaling:updateAutoScalingGroup')) {
    const max = (call.input as { MaxSize?: number }).MaxSize;
    if (max !== undefined) highestMax = Math.max(highestMax, max);
  }
  expect(result.settled).toBe(true);
  expect(highestMax).toBe(6);
  expect(sim.cloud.groups.get('full')!.maxSize).toBe(5);
  expectRotatedSafely(sim, spec);
});

test('instances protected from scale-in (capacity provider managed termination protection) are still replaced', async () => {
  const spec: GroupSpec = { name: 'protected', family: 'amazon-linux-2023', architecture: 'arm64', instances: 4, protectedFromScaleIn: true };
  const sim = scenario([spec]);
  const result = await runToCompletion(sim.api, sim.clock, settingsFor(sim.clusterName), 24 * HOUR);
  expect(result.outcomes.filter((o) => !o.ok)).toEqual([]);
  expectRotatedSafely(sim, spec);
});
