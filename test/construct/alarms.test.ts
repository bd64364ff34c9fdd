/**
 * The alarm table and its factory: every row becomes one alarm, under its construct ID, in the table's
 * order, and the factory carries each field of a row into the alarm.
 */
import { Duration, Stack, aws_cloudwatch as cloudwatch, aws_events as events, aws_sns as sns } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { render, synth } from './fixtures';
import { AlarmContext, alarmFrom, AlarmSpec, engineMetric } from '../../src/construct/alarm-factory';
import { ROTATOR_ALARMS } from '../../src/construct/alarms';
import { heartbeatWindow } from '../../src/construct/schedule';
import { Dimension, METRIC_NAMESPACE, MetricName } from '../../src/shared/constants';

describe('the alarm table', () => {
  test('each row is one alarm of the construct, under its ID, in the order of `alarms`', () => {
    const { refresher } = synth((f) => ({ cluster: f.cluster }));
    expect(refresher.alarms.map((a) => a.node.id)).toEqual(Object.values(ROTATOR_ALARMS).map((spec) => spec.id));
    expect(refresher.alarms).toEqual([
      refresher.errorsAlarm, refresher.observeFailuresAlarm, refresher.refusedGroupsAlarm, refresher.rotationStoppedAlarm,
      refresher.actionFailuresAlarm, refresher.outdatedAlarm, refresher.unmanagedInstancesAlarm, refresher.heartbeatAlarm,
    ]);
  });

  test('construct IDs are unique', () => {
    const ids = Object.values(ROTATOR_ALARMS).map((spec) => spec.id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('alarmFrom', () => {
  function context(overrides: Partial<AlarmContext> = {}): AlarmContext {
    const heartbeat = { period: Duration.minutes(5), evaluationPeriods: 3 };
    return { clusterName: 'prod', fn: undefined as never, outdatedAlarmThreshold: Duration.hours(2), alarmActions: [], heartbeat, ...overrides };
  }
  const spec: AlarmSpec = {
    id: 'ProbeAlarm',
    metric: engineMetric(MetricName.GROUPS_WAITING),
    statistic: 'Average',
    period: Duration.minutes(10),
    threshold: (c) => c.outdatedAlarmThreshold.toSeconds(),
    comparison: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
    evaluationPeriods: 4,
    missingData: cloudwatch.TreatMissingData.BREACHING,
    description: (c) => `probe of ${c.clusterName}`,
  };

  test('carries every field of the row into the alarm', () => {
    const stack = new Stack();
    const alarm = alarmFrom(stack, spec, context());
    expect(alarm.node.id).toBe('ProbeAlarm');
    const [resource] = Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm'));
    expect(resource.Properties).toEqual({
      AlarmDescription: 'probe of prod',
      Namespace: METRIC_NAMESPACE,
      MetricName: MetricName.GROUPS_WAITING,
      Dimensions: [{ Name: Dimension.CLUSTER, Value: 'prod' }],
      Statistic: 'Average',
      Period: 600,
      Threshold: 7200,
      ComparisonOperator: 'LessThanThreshold',
      EvaluationPeriods: 4,
      TreatMissingData: 'breaching',
    });
  });

  test('a fixed threshold and datapointsToAlarm are taken as given, and every action is added', () => {
    const stack = new Stack();
    const topic = new sns.Topic(stack, 'Topic');
    const alarmActions = [new SnsAction(topic), new SnsAction(topic)];
    alarmFrom(stack, { ...spec, threshold: 3, datapointsToAlarm: 2 }, context({ alarmActions }));
    const [resource] = Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm'));
    const topicRef = { Ref: expect.any(String) };
    expect(resource.Properties).toMatchObject({ Threshold: 3, DatapointsToAlarm: 2, AlarmActions: [topicRef, topicRef] });
  });
});

describe('the heartbeat alarm', () => {
  function heartbeatAlarm(template: Template): any {
    const alarms = template.findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: MetricName.RUNS_COMPLETED } });
    expect(Object.keys(alarms)).toHaveLength(1);
    return Object.values(alarms)[0].Properties;
  }

  test('fires when no run completed in three schedule periods, missing data breaching, with the alarm actions', () => {
    const { template, stack } = synth((f) => ({ cluster: f.cluster, alarmActions: [new SnsAction(new sns.Topic(f.stack, 'Topic'))] }));
    const alarm = heartbeatAlarm(template);
    expect(alarm).toMatchObject({
      Namespace: METRIC_NAMESPACE,
      Dimensions: [{ Name: Dimension.CLUSTER, Value: { Ref: stack.getLogicalId(stack.node.findChild('Cluster').node.defaultChild as never) } }],
      Statistic: 'Sum',
      // The default schedule: rate(5 minutes).
      Period: 300,
      EvaluationPeriods: 3,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
      AlarmActions: [{ Ref: stack.getLogicalId(stack.node.findChild('Topic').node.defaultChild as never) }],
    });
    expect(alarm.DatapointsToAlarm).toBeUndefined();
    expect(render(alarm.AlarmDescription)).toContain('has completed no run for 15 minutes');
  });

  test('the only alarm that treats missing data as breaching; every other one keeps not-breaching', () => {
    const { template } = synth((f) => ({ cluster: f.cluster }));
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a: any) => a.Properties);
    expect(alarms.filter((a) => a.TreatMissingData === 'breaching').map((a) => a.MetricName)).toEqual([MetricName.RUNS_COMPLETED]);
    expect(alarms.filter((a) => a.TreatMissingData !== 'breaching').every((a) => a.TreatMissingData === 'notBreaching')).toBe(true);
  });

  test('a cron schedule: the window is three times the longest gap between two of its ticks', () => {
    const { template } = synth((f) => ({ cluster: f.cluster, schedule: events.Schedule.cron({ minute: '0', hour: '*/2' }) }));
    expect(heartbeatAlarm(template)).toMatchObject({ Period: 7200, EvaluationPeriods: 3 });
  });

  test.each([
    // A rate at or above 5 minutes: its period, three times.
    ['rate(5 minutes)', events.Schedule.rate(Duration.minutes(5)), 300, 3],
    ['rate(1 hour)', events.Schedule.rate(Duration.hours(1)), 3600, 3],
    // Under 5 minutes: a run with work lasts up to about 13 minutes, so 3 x 5 minutes, not 3 x 1.
    ['rate(1 minute)', events.Schedule.rate(Duration.minutes(1)), 300, 3],
    // Past a day (the longest period): more periods of a day, within CloudWatch's 7-day window.
    ['rate(2 days)', events.Schedule.rate(Duration.days(2)), 86400, 6],
    ['rate(7 days)', events.Schedule.rate(Duration.days(7)), 86400, 7],
    ['daily cron', events.Schedule.cron({ minute: '30', hour: '3' }), 86400, 3],
    // Weekdays at 02:00: 72 hours from Friday to Monday, so 7 days (the longest window), not 3.
    ['weekday cron', events.Schedule.cron({ minute: '0', hour: '2', weekDay: 'MON-FRI' }), 86400, 7],
    ['every-15-minutes cron', events.Schedule.cron({ minute: '*/15' }), 900, 3],
    // What this parser cannot read (the last day of the month): a run at least daily is assumed.
    ['cron with L', events.Schedule.expression('cron(0 2 L * ? *)'), 86400, 3],
  ])('%s', (_name, schedule, period, evaluationPeriods) => {
    const window = heartbeatWindow(schedule);
    expect({ period: window.period.toSeconds(), evaluationPeriods: window.evaluationPeriods }).toEqual({ period, evaluationPeriods });
    // CloudWatch: whole minutes; at most 1 day in all under an hour's period, at most 7 days otherwise.
    expect(period % 60).toBe(0);
    expect(period * evaluationPeriods).toBeLessThanOrEqual(period < 3600 ? 86400 : 604800);
  });
});
