/**
 * The opt-in dashboard. Groups are discovered at run time, so per-group graphs are SEARCH expressions over
 * the engine's `ClusterName,AutoScalingGroupName` metrics: a group added later appears without a deploy.
 * Every metric name comes from the constants the engine publishes with, so the two cannot disagree.
 */
import { Duration, Token, aws_cloudwatch as cloudwatch, aws_lambda as lambda } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { Dimension, METRIC_NAMESPACE, MetricName } from '../shared/constants';

export interface DashboardInputs {
  readonly clusterName: string;
  readonly dashboardName?: string;
  readonly fn: lambda.IFunction;
  readonly alarms: readonly cloudwatch.IAlarm[];
}

const PERIOD = Duration.minutes(5);

/** Dashboard names: "Valid characters are A-Z, a-z, 0-9, '-', and '_'", at most 255 (PutDashboard). */
export function validateDashboard(props: { readonly dashboard?: boolean; readonly dashboardName?: string }): void {
  const name = props.dashboardName;
  if (name === undefined) return;
  if (props.dashboard !== true) throw new Error(`dashboardName is '${name}' but dashboard is not true; set dashboard: true, or leave dashboardName unset`);
  if (!Token.isUnresolved(name) && !/^[A-Za-z0-9_-]{1,255}$/.test(name)) {
    throw new Error(`dashboardName is '${name}'; allowed: 1 to 255 letters, digits, '-' and '_'`);
  }
}

export function rotationDashboard(scope: Construct, inputs: DashboardInputs): cloudwatch.Dashboard {
  const { clusterName } = inputs;
  const cluster = (metricName: string, statistic: string, label: string) => new cloudwatch.Metric({
    namespace: METRIC_NAMESPACE,
    metricName,
    dimensionsMap: { [Dimension.CLUSTER]: clusterName },
    statistic,
    period: PERIOD,
    label,
  });
  const perGroup = (metricName: string, statistic: string, label: string) => new cloudwatch.MathExpression({
    expression: groupSearch(clusterName, metricName, statistic),
    usingMetrics: {},
    // A dynamic label: one line per group, named after it.
    label: `${label} \${PROP('Dim.${Dimension.GROUP}')}`,
    period: PERIOD,
  });

  const dashboard = new cloudwatch.Dashboard(scope, 'Dashboard', {
    ...(inputs.dashboardName !== undefined ? { dashboardName: inputs.dashboardName } : {}),
    defaultInterval: Duration.hours(24),
  });
  dashboard.addWidgets(new cloudwatch.AlarmStatusWidget({
    title: `AMI refresher of ${clusterName}: alarms`,
    alarms: [...inputs.alarms],
    width: 24,
    height: 3,
  }));
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: 'Instances on an older AMI (old) and on the target AMI (new), per group',
      left: [
        perGroup(MetricName.OUTDATED_INSTANCES, 'Maximum', 'old'),
        perGroup(MetricName.UP_TO_DATE_INSTANCES, 'Maximum', 'new'),
      ],
      leftYAxis: { min: 0, label: 'instances', showUnits: false },
      width: 12,
      height: 8,
    }),
    new cloudwatch.GraphWidget({
      title: 'Drains in progress',
      left: [
        cluster(MetricName.INSTANCES_DRAINING, 'Maximum', 'cluster'),
        perGroup(MetricName.INSTANCES_DRAINING, 'Maximum', 'draining'),
      ],
      leftYAxis: { min: 0, label: 'instances', showUnits: false },
      width: 12,
      height: 8,
    }),
  );
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: 'Drain duration (from DRAINING to terminated)',
      left: [
        cluster(MetricName.DRAIN_DURATION, 'Average', 'average'),
        cluster(MetricName.DRAIN_DURATION, 'Maximum', 'maximum'),
      ],
      leftYAxis: { min: 0, label: 'seconds', showUnits: false },
      width: 12,
      height: 8,
    }),
    new cloudwatch.GraphWidget({
      title: 'Errors',
      left: [
        inputs.fn.metricErrors({ period: PERIOD, statistic: 'Sum', label: 'function errors' }),
        cluster(MetricName.ACTION_FAILURES, 'Sum', 'failed writes'),
        cluster(MetricName.OBSERVE_FAILURES, 'Maximum', 'groups not observed'),
        cluster(MetricName.GROUPS_STOPPED, 'Maximum', 'groups stopped'),
        cluster(MetricName.GROUPS_REFUSED, 'Maximum', 'groups refused'),
      ],
      leftYAxis: { min: 0, showUnits: false },
      width: 12,
      height: 8,
    }),
  );
  return dashboard;
}

/**
 * `SEARCH('{EcsAmiRefresher,AutoScalingGroupName,ClusterName} MetricName="…" ClusterName="…"', 'Maximum', 300)`:
 * only the per-group series (the schema requires both dimensions), only this cluster's.
 */
export function groupSearch(clusterName: string, metricName: string, statistic: string): string {
  return `SEARCH('{${METRIC_NAMESPACE},${Dimension.GROUP},${Dimension.CLUSTER}} MetricName="${metricName}" ` +
    `${Dimension.CLUSTER}="${clusterName}"', '${statistic}', ${PERIOD.toSeconds()})`;
}
