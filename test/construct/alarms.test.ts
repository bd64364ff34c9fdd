/**
 * The alarm table and its factory: every row becomes one alarm, under its construct ID, in the table's
 * order, and the factory carries each field of a row into the alarm.
 */
import { Duration, Stack, aws_cloudwatch as cloudwatch, aws_sns as sns } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { synth } from './fixtures';
import { AlarmContext, alarmFrom, AlarmSpec, engineMetric } from '../../src/construct/alarm-factory';
import { ROTATOR_ALARMS } from '../../src/construct/alarms';
import { Dimension, METRIC_NAMESPACE, MetricName } from '../../src/shared/constants';

describe('the alarm table', () => {
  test('each row is one alarm of the construct, under its ID, in the order of `alarms`', () => {
    const { refresher } = synth((f) => ({ cluster: f.cluster }));
    expect(refresher.alarms.map((a) => a.node.id)).toEqual(Object.values(ROTATOR_ALARMS).map((spec) => spec.id));
    expect(refresher.alarms).toEqual([
      refresher.errorsAlarm, refresher.observeFailuresAlarm, refresher.refusedGroupsAlarm, refresher.rotationStoppedAlarm,
      refresher.actionFailuresAlarm, refresher.outdatedAlarm, refresher.unmanagedInstancesAlarm,
    ]);
  });

  test('construct IDs are unique', () => {
    const ids = Object.values(ROTATOR_ALARMS).map((spec) => spec.id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('alarmFrom', () => {
  function context(overrides: Partial<AlarmContext> = {}): AlarmContext {
    return { clusterName: 'prod', fn: undefined as never, outdatedAlarmThreshold: Duration.hours(2), alarmActions: [], ...overrides };
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
