/**
 * The construct's alarms, one row each, in the order they are created (and listed in `alarms`). Each row
 * says which metric it watches and when it fires; `alarmFrom` builds it.
 */
import { Duration, aws_cloudwatch as cloudwatch } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { AlarmContext, alarmFrom, AlarmSpec, engineMetric, functionErrors } from './alarm-factory';
import { MetricName } from '../shared/constants';

const AT_LEAST = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD;
const NOT_BREACHING = cloudwatch.TreatMissingData.NOT_BREACHING;
const FIVE_MINUTES = Duration.minutes(5);
const FIFTEEN_MINUTES = Duration.minutes(15);

export type AlarmKey = 'errors' | 'observeFailures' | 'refusedGroups' | 'rotationStopped' | 'actionFailures' | 'outdated' | 'unmanagedInstances' | 'heartbeat';

export const ROTATOR_ALARMS: Record<AlarmKey, AlarmSpec> = {
  errors: {
    id: 'ErrorsAlarm',
    metric: functionErrors,
    statistic: 'Sum',
    period: FIVE_MINUTES,
    evaluationPeriods: 3,
    datapointsToAlarm: 2,
    threshold: 1,
    comparison: AT_LEAST,
    missingData: NOT_BREACHING,
    description: (c) => `The AMI refresher of ECS cluster ${c.clusterName} failed in 2 of the last 3 periods; see its logs.`,
  },
  observeFailures: {
    id: 'ObserveFailuresAlarm',
    metric: engineMetric(MetricName.OBSERVE_FAILURES),
    statistic: 'Maximum',
    period: FIVE_MINUTES,
    evaluationPeriods: 3,
    datapointsToAlarm: 2,
    threshold: 1,
    comparison: AT_LEAST,
    missingData: NOT_BREACHING,
    description: (c) => `The AMI refresher of ECS cluster ${c.clusterName} could not observe a group in 2 of the last 3 periods; its logs name the group and the reason.`,
  },
  refusedGroups: {
    id: 'RefusedGroupsAlarm',
    metric: engineMetric(MetricName.GROUPS_REFUSED),
    statistic: 'Maximum',
    period: FIVE_MINUTES,
    evaluationPeriods: 3,
    datapointsToAlarm: 2,
    threshold: 1,
    comparison: AT_LEAST,
    missingData: NOT_BREACHING,
    description: (c) => `The AMI refresher of ECS cluster ${c.clusterName} refused a group (unknown AMI family, bad SSM parameter, wrong architecture); its logs give the reason. Nothing is rotated in that group until it is fixed.`,
  },
  rotationStopped: {
    id: 'RotationStoppedAlarm',
    metric: engineMetric(MetricName.GROUPS_STOPPED),
    statistic: 'Maximum',
    period: FIVE_MINUTES,
    evaluationPeriods: 1,
    threshold: 1,
    comparison: AT_LEAST,
    missingData: NOT_BREACHING,
    description: (c) => `The AMI refresher of ECS cluster ${c.clusterName} stopped a group's rotation: a replacement did not become ACTIVE in the cluster, or an instance still runs tasks after the drain timeout. Its logs name the group, the instance and the reason; nothing more is terminated in that group until it is resolved.`,
  },
  actionFailures: {
    id: 'ActionFailuresAlarm',
    metric: engineMetric(MetricName.ACTION_FAILURES),
    statistic: 'Sum',
    period: FIVE_MINUTES,
    evaluationPeriods: 3,
    datapointsToAlarm: 2,
    threshold: 1,
    comparison: AT_LEAST,
    missingData: NOT_BREACHING,
    description: (c) => `The AMI refresher of ECS cluster ${c.clusterName} had writes fail in 2 of the last 3 periods (for example access denied on an untagged launch template); its logs name the action and the error.`,
  },
  outdated: {
    id: 'OutdatedAlarm',
    metric: engineMetric(MetricName.OLDEST_OUTDATED_AGE),
    statistic: 'Maximum',
    period: FIFTEEN_MINUTES,
    evaluationPeriods: 1,
    threshold: (c) => c.outdatedAlarmThreshold.toSeconds(),
    comparison: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    missingData: NOT_BREACHING,
    description: (c) => `An EC2 container instance of ECS cluster ${c.clusterName} has run an outdated AMI for more than ${c.outdatedAlarmThreshold.toHumanString()}.`,
  },
  unmanagedInstances: {
    // Minimum over 15 minutes, twice: instances outside every group for 30 minutes, not one passing by.
    id: 'UnmanagedInstancesAlarm',
    metric: engineMetric(MetricName.UNMANAGED_INSTANCES),
    statistic: 'Minimum',
    period: FIFTEEN_MINUTES,
    evaluationPeriods: 2,
    threshold: 1,
    comparison: AT_LEAST,
    missingData: NOT_BREACHING,
    description: (c) => `ECS cluster ${c.clusterName} has had container instances outside every Auto Scaling group the refresher manages for 30 minutes: ` +
      'they are never refreshed. Its logs (and `ecs-ami-refresher status`) list them and say why each is not replaced ' +
      '(replaceUnmanagedInstancesThrough replaces tagged ones through a group).',
  },
  heartbeat: {
    // The one alarm on missing data: every other alarm goes quiet when the function stops running (the rule
    // disabled, the function throttled, failing or deleted); this one fires then. Every period of its window
    // without a completed run breaches; the window is three schedule periods (schedule.ts heartbeatWindow).
    id: 'HeartbeatAlarm',
    metric: engineMetric(MetricName.RUNS_COMPLETED),
    statistic: 'Sum',
    period: (c) => c.heartbeat.period,
    evaluationPeriods: (c) => c.heartbeat.evaluationPeriods,
    threshold: 1,
    comparison: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
    missingData: cloudwatch.TreatMissingData.BREACHING,
    description: (c) => `The AMI refresher of ECS cluster ${c.clusterName} has completed no run for ` +
      `${Duration.seconds(c.heartbeat.period.toSeconds() * c.heartbeat.evaluationPeriods).toHumanString()}: its schedule rule may be disabled, or the function ` +
      'throttled, failing (see the errors alarm and its logs) or deleted. While it does not run, no other alarm of the refresher can fire.',
  },
};

/** Every alarm of the construct, by key, created in the table's order. */
export function rotatorAlarms(scope: Construct, context: AlarmContext): Record<AlarmKey, cloudwatch.Alarm> {
  const entries = Object.entries(ROTATOR_ALARMS).map(([key, spec]) => [key, alarmFrom(scope, spec, context)]);
  return Object.fromEntries(entries) as Record<AlarmKey, cloudwatch.Alarm>;
}
