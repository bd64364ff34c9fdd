/**
 * Regressions found by a review of cordoning, on the simulator: a cordon must never outlive the rotation
 * that wrote it.
 */
import { DEFAULT_AMI_PARAMETERS } from '../../src/shared/ami-families';
import { CORDON_ATTRIBUTE, PHASE_ATTRIBUTE } from '../../src/shared/records';
import { buildScenario, Simulation } from '../sim';
import { runScheduled, settingsFor } from './harness';

const HOUR = 3600_000;
const KEY = 'amazon-linux-2023/x86_64';

function scenario(seed: number, constrained = false): Simulation {
  return buildScenario({
    seed,
    groups: [{ name: 'web', family: 'amazon-linux-2023', architecture: 'x86_64', instances: 12 }],
    services: 'auto',
    standaloneTasks: { count: 0, durationS: 600 },
    servicePlacementConstraints: constrained ? [`attribute:${CORDON_ATTRIBUTE} !exists`] : undefined,
  });
}

const cordonedUnmarked = (sim: Simulation) => [...sim.cloud.containerInstances.values()]
  .filter((ci) => ci.status === 'ACTIVE' && ci.attributes.has(CORDON_ATTRIBUTE) && !ci.attributes.has(PHASE_ATTRIBUTE));

test('a group refused mid-rotation (its parameter names an image that does not exist) has its cordons lifted', async () => {
  const sim = scenario(21, true);
  const settings = settingsFor(sim.clusterName, { maxUnavailable: { count: 2 }, cordon: true });
  // Long enough for the first drains, and so the cordons, not for the whole rotation.
  await runScheduled(sim, settings, 4 * 60_000);
  expect(cordonedUnmarked(sim).length).toBeGreaterThan(0);

  // The golden-AMI pipeline (or a person) writes a bad value: the group is refused (no rotation decision is
  // made for it), and its cordons are lifted as strays.
  sim.cloud.setParameter(DEFAULT_AMI_PARAMETERS[KEY], 'ami-0123456789abcdef0');
  await runScheduled(sim, settings, 2 * HOUR);
  expect(cordonedUnmarked(sim).map((ci) => ci.arn)).toEqual([]);
});
