/**
 * Task moves per task at N = 100, where issue 4's target (≤ 1.05 with the engine's defaults) is held: five seeds,
 * one group and two. At N = 10 the figure rests on a handful of ties among about 100 tasks and is not held here
 * (README, Performance); the cordon holds 1.00 at every size. Virtual-clock results, deterministic per seed.
 */
import { Row, runCase } from '../../bench/measure';

const SEEDS = [1, 2, 3, 4, 5];
const rows: Row[] = [];

beforeAll(async () => {
  for (const groups of [1, 2] as const) {
    for (const seed of SEEDS) {
      for (const policy of ['engine', 'engine-cordon'] as const) rows.push(await runCase({ instances: 100, groups, seed, policy }));
    }
  }
});

const runsOf = (policy: string) => rows.filter((r) => r.policy === policy);

test('every run rotates the whole cluster, under the default tie rule', () => {
  expect(rows).toHaveLength(2 * 2 * SEEDS.length);
  for (const r of rows) {
    expect(r.completed).toBe(true);
    expect(r.placementTies).toBe('uniform');
    expect(r.tasksKilled).toBe(0);
  }
});

test.each([1, 2])('engine defaults, %i group(s): at most 1.05 moves per task on every seed, and some task moves twice', (groups) => {
  const runs = runsOf('engine').filter((r) => r.groups === groups);
  expect(runs.map((r) => r.seed)).toEqual(SEEDS);
  for (const r of runs) expect(r.taskMovesPerTask).toBeLessThanOrEqual(1.05);
  // Without the constraint ECS may place a drained task on an old instance: the figure measures something.
  expect(Math.max(...runs.map((r) => r.taskMovesPerTask))).toBeGreaterThan(1);
});

test.each([1, 2])('services with placementConstraint(), %i group(s): every task moves exactly once', (groups) => {
  const runs = runsOf('engine-cordon').filter((r) => r.groups === groups);
  expect(runs.map((r) => r.seed)).toEqual(SEEDS);
  for (const r of runs) expect(r.taskMovesPerTask).toBe(1);
});
