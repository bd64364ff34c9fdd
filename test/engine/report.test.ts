import { ActionOutcome } from '../../src/engine/act/act';
import { GroupRotation } from '../../src/engine/decide/rotate';
import { rotationMetrics } from '../../src/engine/report';
import { MetricName } from '../../src/shared/constants';

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
