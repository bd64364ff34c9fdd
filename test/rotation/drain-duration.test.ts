/**
 * DrainDurationSeconds: one point per instance terminated after draining, read from its `draining:<ms>` record,
 * per group and per cluster; none in a round that terminates nothing.
 */
import { MetricPoint, rotationMetrics } from '../../src/engine/report';
import { Round } from '../../src/engine/run';
import { MetricName } from '../../src/shared/constants';
import { buildScenario, GroupSpec } from '../sim';
import { POLL_MS, runScheduled, settingsFor } from './harness';

test('a whole rotation: one drain duration per replaced instance, each between a poll interval and the drain timeout', async () => {
  const groups: GroupSpec[] = [
    { name: 'web', family: 'amazon-linux-2023', architecture: 'x86_64', instances: 6 },
    { name: 'workers', family: 'bottlerocket-ecs-2', architecture: 'arm64', instances: 3 },
  ];
  const sim = buildScenario({ seed: 11, groups, services: 'auto', standaloneTasks: { count: 1, durationS: 300 } });
  const points: MetricPoint[] = [];
  let roundsWithoutTermination = 0;
  const onRound = (round: Round) => {
    const drains = rotationMetrics(round.rotations, round.outcomes, new Map(), round.observed).filter((p) => p.name === MetricName.DRAIN_DURATION);
    if (!round.outcomes.some((o) => o.ok && o.action.kind === 'terminate')) {
      roundsWithoutTermination++;
      expect(drains).toEqual([]);
    }
    points.push(...drains);
  };
  const result = await runScheduled(sim, settingsFor(sim.clusterName), 12 * 3600_000, onRound);

  expect(result.settled).toBe(true);
  expect(roundsWithoutTermination).toBeGreaterThan(0);
  const cluster = points.filter((p) => p.group === undefined);
  expect(cluster).toHaveLength(9);
  expect(points.filter((p) => p.group === 'web')).toHaveLength(6);
  expect(points.filter((p) => p.group === 'workers')).toHaveLength(3);
  // The per-group points are the cluster points, split.
  expect(points.filter((p) => p.group !== undefined).map((p) => p.value).sort()).toEqual(cluster.map((p) => p.value).sort());
  for (const p of points) {
    expect(p.unit).toBe('Seconds');
    // A drain is seen to end at the earliest one round after it started, and never outlasts the timeout (stop).
    expect(p.value).toBeGreaterThanOrEqual(POLL_MS / 1000);
    expect(p.value).toBeLessThanOrEqual(3600);
  }
});
