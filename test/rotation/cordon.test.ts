/**
 * Cordoning (opt-in): with the construct's placement constraint on their services, tasks drained from an
 * outdated instance never land on another outdated one, so each task moves once.
 */
import { EcsAmiRefresher } from '../../src';
import { CORDON_ATTRIBUTE } from '../../src/shared/records';
import { buildScenario, PlacementTies, Simulation } from '../sim';
import { runScheduled, settingsFor } from './harness';

const HOUR = 3600_000;
const KEY = 'amazon-linux-2023/x86_64';

function scenario(constrained: boolean, placementTies: PlacementTies = 'uniform'): Simulation {
  // One zone: this test counts the rotation's own launches and task moves; in three zones a batch may end
  // unbalanced and the engine then replaces one more (up-to-date) instance before resuming AZRebalance, an extra
  // launch and move that test/rotation/availability-zones.test.ts covers.
  return buildScenario({
    seed: 21,
    groups: [{ name: 'web', family: 'amazon-linux-2023', architecture: 'x86_64', instances: 12, availabilityZones: ['a'] }],
    services: 'auto',
    standaloneTasks: { count: 0, durationS: 600 },
    servicePlacementConstraints: constrained ? [`attribute:${CORDON_ATTRIBUTE} !exists`] : undefined,
    cloud: { placementTies },
  });
}

async function rotate(sim: Simulation, cordon: boolean) {
  const replicaTasks = [...sim.cloud.services.values()].filter((s) => !s.daemon).reduce((n, s) => n + s.desired, 0);
  const result = await runScheduled(sim, settingsFor(sim.clusterName, { maxUnavailable: { count: 2 }, cordon }), 24 * HOUR);
  expect(result.settled).toBe(true);
  expect(sim.cloud.imagesOf('web')).toEqual({ [sim.images[KEY].new.imageId]: 12 });
  expect(sim.invariants.terminationViolations).toEqual([]);
  expect(sim.invariants.servicesBelowMinimum()).toEqual([]);
  const moved = [...sim.cloud.services.values()].filter((s) => !s.daemon).reduce((n, s) => n + s.tasksMovedByDrain, 0);
  return { movesPerTask: moved / replicaTasks, result };
}

test('the constraint the construct offers is the one the engine\'s attribute answers', () => {
  expect(EcsAmiRefresher.placementConstraint().toJson()).toEqual([{ type: 'memberOf', expression: `attribute:${CORDON_ATTRIBUTE} !exists` }]);
});

// However ECS breaks placement ties, the constraint leaves a drained task no outdated instance to land on.
test.each(['uniform', 'first-reached'] as const)('ties %s: with cordoning and the constraint, every task moves exactly once; without, '
  + 'some move again', async (ties) => {
  const cordoned = await rotate(scenario(true, ties), true);
  const plain = await rotate(scenario(false, ties), false);
  expect(cordoned.movesPerTask).toBe(1);
  expect(plain.movesPerTask).toBeGreaterThan(1);
});

test('cordons are written before the first drain, on outdated serving instances only, and none is left afterwards', async () => {
  const sim = scenario(true);
  const cordonedBefore = new Set<string>();
  let cordonsBeforeFirstDrain: number | undefined;
  const result = await runScheduled(sim, settingsFor(sim.clusterName, { maxUnavailable: { count: 2 }, cordon: true }), 24 * HOUR, (round) => {
    for (const o of round.outcomes) {
      if (o.action.kind === 'cordon') o.action.containerInstanceArns.forEach((a) => cordonedBefore.add(a));
      if (o.action.kind === 'drain' && cordonsBeforeFirstDrain === undefined) cordonsBeforeFirstDrain = cordonedBefore.size;
    }
  });
  expect(result.settled).toBe(true);
  // All 12 original instances were cordoned before anything drained; replacements never were.
  expect(cordonsBeforeFirstDrain).toBe(12);
  expect(cordonedBefore.size).toBe(12);
  const left = [...sim.cloud.containerInstances.values()].filter((ci) => ci.status !== 'INACTIVE' && ci.attributes.has(CORDON_ATTRIBUTE));
  expect(left).toEqual([]);
});

test('a group whose rotation stops lifts its cordons (marked instances keep theirs), so the cluster keeps its placement room', async () => {
  // One zone: this test counts the rotation's own launches and task moves; in three zones a batch may end
  // unbalanced and the engine then replaces one more (up-to-date) instance before resuming AZRebalance, an extra
  // launch and move that test/rotation/availability-zones.test.ts covers.
  const sim = buildScenario({
    seed: 21,
    groups: [{ name: 'web', family: 'amazon-linux-2023', architecture: 'x86_64', instances: 12 }],
    services: 'auto',
    // A task that outlives the drain timeout stops the rotation.
    standaloneTasks: { count: 3, durationS: 40 * HOUR / 1000 },
    servicePlacementConstraints: [`attribute:${CORDON_ATTRIBUTE} !exists`],
  });
  let cordonsWritten = 0;
  const settings = settingsFor(sim.clusterName, { maxUnavailable: { count: 2 }, cordon: true, drainTimeoutSeconds: 900 });
  const result = await runScheduled(sim, settings, 3 * HOUR, (round) => {
    for (const o of round.outcomes) if (o.ok && o.action.kind === 'cordon') cordonsWritten += o.action.containerInstanceArns.length;
  });
  expect(result.results[result.results.length - 1].last.rotations.get('web')!.phase).toBe('stopped');
  expect(cordonsWritten).toBeGreaterThan(0);
  const cordoned = [...sim.cloud.containerInstances.values()].filter((ci) => ci.status === 'ACTIVE' && ci.attributes.has(CORDON_ATTRIBUTE));
  expect(cordoned.filter((ci) => !ci.attributes.has('ecs-ami-refresher.phase'))).toEqual([]);
});

// Cordons are written per group, but a service placed in both groups starts drained tasks on either: no group
// drains while the other's outdated instances cannot be cordoned, and every round writes its cordons first.
test.each([1, 2, 3, 4])('two groups rotating together, services placed in both (seed %i): every task moves exactly once', async (seed) => {
  // One zone: this test counts the rotation's own launches and task moves; in three zones a batch may end
  // unbalanced and the engine then replaces one more (up-to-date) instance before resuming AZRebalance, an extra
  // launch and move that test/rotation/availability-zones.test.ts covers.
  const sim = buildScenario({
    seed,
    groups: [
      { name: 'web', family: 'amazon-linux-2023', architecture: 'x86_64', instances: 5, availabilityZones: ['a'] },
      { name: 'edge', family: 'bottlerocket-ecs-2', architecture: 'arm64', instances: 5, availabilityZones: ['a'] },
    ],
    services: 'auto',
    standaloneTasks: { count: 0, durationS: 600 },
    servicePlacementConstraints: [`attribute:${CORDON_ATTRIBUTE} !exists`],
  });
  const replicaTasks = [...sim.cloud.services.values()].filter((s) => !s.daemon).reduce((n, s) => n + s.desired, 0);
  const misordered: number[] = [];
  const result = await runScheduled(sim, settingsFor(sim.clusterName, { maxUnavailable: { count: 1 }, cordon: true }), 24 * HOUR, (round) => {
    const kinds = round.outcomes.map((o) => o.action.kind);
    if (kinds.lastIndexOf('cordon') > kinds.indexOf('drain') && kinds.includes('drain')) misordered.push(round.index);
  });
  expect(result.settled).toBe(true);
  expect(sim.invariants.terminationViolations).toEqual([]);
  expect(sim.invariants.servicesBelowMinimum()).toEqual([]);
  expect(misordered).toEqual([]);
  const moved = [...sim.cloud.services.values()].filter((s) => !s.daemon).reduce((n, s) => n + s.tasksMovedByDrain, 0);
  expect(moved / replicaTasks).toBe(1);
});
