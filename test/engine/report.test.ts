import { ActionOutcome } from '../../src/engine/act/act';
import { GroupRotation } from '../../src/engine/decide/rotate';
import { metricSets, rotationMetrics, roundLog, RUN_METRICS, runSummary } from '../../src/engine/report';
import { Round, runEngine } from '../../src/engine/run';
import { Dimension, MetricName } from '../../src/shared/constants';
import { twoGroups } from '../cli/cli-harness';
import { POLL_MS, settingsFor } from '../rotation/harness';

const rotation = (phase: GroupRotation['phase']): GroupRotation => ({ phase, actions: [], inFlight: 0, budget: 1 });
const terminate = (group: string, ok: boolean, error?: string): ActionOutcome => ({
  action: { kind: 'terminate', group, instanceId: 'i-1', forced: false, runningTasks: 0 }, ok, error,
});

test('rotation metrics: stopped and waiting groups, replaced instances and failed actions, per cluster and per group', () => {
  const points = rotationMetrics(
    new Map([['a', rotation('stopped')], ['b', rotation('waiting')], ['c', rotation('draining')]]),
    [terminate('a', true), terminate('a', true), terminate('c', false, 'AccessDenied'), terminate('c', false, 'AccessDenied')],
    new Map([['a', 1], ['c', 2]]),
  );
  const value = (name: string, group?: string) => points.find((p) => p.name === name && p.group === group)?.value;
  expect(value(MetricName.GROUPS_STOPPED)).toBe(1);
  expect(value(MetricName.GROUPS_WAITING)).toBe(1);
  expect(value(MetricName.INSTANCES_REPLACED)).toBe(2);
  expect(value(MetricName.INSTANCES_REPLACED, 'a')).toBe(2);
  expect(value(MetricName.ACTION_FAILURES)).toBe(2);
  expect(value(MetricName.ACTION_FAILURES, 'c')).toBe(2);
  expect(value(MetricName.ACTION_FAILURES, 'a')).toBe(0);
  expect(value(MetricName.INSTANCES_DRAINING)).toBe(3);
  expect(value(MetricName.INSTANCES_DRAINING, 'b')).toBe(0);
});

test('a completed run reports one heartbeat point, at the cluster level (what the heartbeat alarm reads)', () => {
  expect(RUN_METRICS).toEqual([{ name: MetricName.RUNS_COMPLETED, unit: 'Count', value: 1 }]);
  expect(metricSets('prod', RUN_METRICS)).toEqual([{ dimensions: { [Dimension.CLUSTER]: 'prod' }, points: RUN_METRICS }]);
});

describe('metricSets', () => {
  test('the cluster\'s points alone first (even none), then one set per group in the order first seen', () => {
    const point = (name: string, group?: string) => ({ name, unit: 'Count' as const, value: 1, ...(group ? { group } : {}) });
    expect(metricSets('prod', [point('A', 'web'), point('B', 'jobs'), point('C', 'web')])).toEqual([
      { dimensions: { [Dimension.CLUSTER]: 'prod' }, points: [] },
      { dimensions: { [Dimension.CLUSTER]: 'prod', [Dimension.GROUP]: 'web' }, points: [point('A', 'web'), point('C', 'web')] },
      { dimensions: { [Dimension.CLUSTER]: 'prod', [Dimension.GROUP]: 'jobs' }, points: [point('B', 'jobs')] },
    ]);
  });
});

describe('roundLog and runSummary', () => {
  test('the first round logs every group (a refused one as an error), later rounds only what was done', async () => {
    const sim = twoGroups();
    sim.cloud.setParameter(sim.images['bottlerocket-ecs-2/arm64'].parameter, 'latest-please');
    const rounds: Round[] = [];
    const result = await runEngine({
      api: sim.api,
      clock: sim.clock,
      settings: settingsFor('prod'),
      owner: 'cli:test',
      deadline: sim.clock.now() + 60_000,
      pollIntervalMs: POLL_MS,
      onRound: (r) => rounds.push(r),
    });
    const first = roundLog(rounds[0], true);
    expect(first).toContainEqual({ level: 'error', message: 'group refused', fields: expect.objectContaining({ autoScalingGroup: 'workers', status: 'refused' }) });
    expect(first).toContainEqual({
      level: 'info', message: 'group has instances to replace', fields: expect.objectContaining({ autoScalingGroup: 'web', phase: 'updating-launch-template' }),
    });
    expect(first).toContainEqual({ level: 'info', message: 'did create-template-version', fields: expect.objectContaining({ autoScalingGroup: 'web', round: 1 }) });
    expect(roundLog(rounds[1], false).map((r) => r.message)).not.toContain('group refused');

    const summary = runSummary('prod', false, result);
    expect(summary).toMatchObject({ cluster: 'prod', dryRun: false, rounds: rounds.length, settled: result.settled });
    expect(summary.groups).toContainEqual(expect.objectContaining({ name: 'workers', status: 'refused', reason: expect.stringContaining('latest-please') }));
    expect(summary.actions.length).toBe(result.outcomes.length);
  });
});
