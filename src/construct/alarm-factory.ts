/**
 * One alarm spec, one factory: every alarm of the construct is a row (see `alarms.ts`) that `alarmFrom`
 * turns into a `cloudwatch.Alarm`, so all alarms share their shape and differ only where their row does.
 */
import { Duration, aws_cloudwatch as cloudwatch, aws_lambda as lambda } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { Dimension, METRIC_NAMESPACE } from '../shared/constants';

/** What every alarm may depend on. */
export interface AlarmContext {
  readonly clusterName: string;
  readonly fn: lambda.IFunction;
  readonly outdatedAlarmThreshold: Duration;
  readonly alarmActions: readonly cloudwatch.IAlarmAction[];
  /** The heartbeat alarm's window, from the schedule (schedule.ts `heartbeatWindow`). */
  readonly heartbeat: HeartbeatWindow;
}

/** How long the heartbeat alarm waits for a completed run: `evaluationPeriods` periods of `period`, all empty. */
export interface HeartbeatWindow {
  readonly period: Duration;
  readonly evaluationPeriods: number;
}

/** A field of a row: a value, or a value derived from the context. */
type FromContext<T> = T | ((context: AlarmContext) => T);

/** Where a row's metric comes from, given its statistic and period. */
export type MetricSource = (context: AlarmContext, statistic: string, period: Duration) => cloudwatch.IMetric;

export interface AlarmSpec {
  /** The construct ID: public contract, never renamed. */
  readonly id: string;
  readonly metric: MetricSource;
  readonly statistic: string;
  readonly period: FromContext<Duration>;
  readonly threshold: FromContext<number>;
  readonly comparison: cloudwatch.ComparisonOperator;
  readonly evaluationPeriods: FromContext<number>;
  /** @default - every evaluated period */
  readonly datapointsToAlarm?: number;
  readonly missingData: cloudwatch.TreatMissingData;
  readonly description: (context: AlarmContext) => string;
}

/** A metric the engine publishes with the cluster dimension only (one alarm covers every group). */
export function engineMetric(metricName: string): MetricSource {
  return ({ clusterName }, statistic, period) => new cloudwatch.Metric({
    namespace: METRIC_NAMESPACE,
    metricName,
    dimensionsMap: { [Dimension.CLUSTER]: clusterName },
    statistic,
    period,
  });
}

/** The rotator function's own Errors metric (AWS/Lambda). */
export const functionErrors: MetricSource = ({ fn }, statistic, period) => fn.metricErrors({ period, statistic });

function fromContext<T>(field: FromContext<T>, context: AlarmContext): T {
  return typeof field === 'function' ? (field as (c: AlarmContext) => T)(context) : field;
}

export function alarmFrom(scope: Construct, spec: AlarmSpec, context: AlarmContext): cloudwatch.Alarm {
  const alarm = new cloudwatch.Alarm(scope, spec.id, {
    alarmDescription: spec.description(context),
    metric: spec.metric(context, spec.statistic, fromContext(spec.period, context)),
    threshold: fromContext(spec.threshold, context),
    evaluationPeriods: fromContext(spec.evaluationPeriods, context),
    datapointsToAlarm: spec.datapointsToAlarm,
    comparisonOperator: spec.comparison,
    treatMissingData: spec.missingData,
  });
  for (const action of context.alarmActions) alarm.addAlarmAction(action);
  return alarm;
}
