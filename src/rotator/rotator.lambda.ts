/**
 * The rotator Lambda: parses the event and environment, builds clients, runs the engine, reports.
 * It holds no decision logic.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { createSdkClients, sdkApi } from './aws';
import { configFromEnvironment } from './config';
import { Dimension, METRIC_NAMESPACE } from './constants';
import { parseEvent, RunSummary } from './event';
import { observeCluster } from './observe';
import { plan } from './plan';
import { groupRecords, planMetrics } from './report';
import { DEFAULT_RETRY, retryingApi } from './retry';

const logger = new Logger({ serviceName: 'ecs-ami-refresher' });

export async function handler(event: unknown, context?: Context): Promise<RunSummary> {
  if (context) logger.addContext(context);
  const request = parseEvent(event);
  const config = configFromEnvironment(process.env);
  logger.appendKeys({ cluster: config.clusterName });

  const api = retryingApi(sdkApi(createSdkClients()), {
    ...DEFAULT_RETRY,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    random: Math.random,
    onRetry: (call, attempt, delayMs, error) => logger.warn('retrying AWS call', { call, attempt, delayMs, error: String(error) }),
  });

  const observed = await observeCluster(api, {
    clusterName: config.clusterName,
    groupNames: config.groupNames,
    amiParameters: config.amiParameters,
    now: Date.now(),
  });
  const rotationPlan = plan(observed, {
    amiParameters: config.amiParameters,
    requireClusterTag: config.requireClusterTag,
    force: request.force,
  });

  for (const record of groupRecords(rotationPlan)) {
    const { message, ...fields } = record;
    if (fields.status === 'refused' || fields.status === 'unobserved') logger.error(String(message), fields);
    else logger.info(String(message), fields);
  }
  if (rotationPlan.unmanagedInstanceIds.length > 0) {
    logger.warn('container instances outside every managed group are reported and never touched', {
      instanceIds: rotationPlan.unmanagedInstanceIds,
    });
  }
  publishMetrics(config.clusterName, rotationPlan);

  const summary: RunSummary = {
    cluster: config.clusterName,
    dryRun: config.dryRun,
    groups: rotationPlan.groups.map((g) => ({
      name: g.groupName,
      status: g.status,
      reason: g.reason,
      targetImageId: g.targetImageId,
      outdatedInstances: g.outdatedInstances.length,
    })),
    totals: rotationPlan.totals,
  };
  logger.info('run finished', { summary });
  return summary;
}

function publishMetrics(clusterName: string, rotationPlan: ReturnType<typeof plan>): void {
  // Two metric sets: cluster-level points (for alarms) and per-group points, each with its own dimensions.
  const clusterMetrics = metricsWithDimensions({ [Dimension.CLUSTER]: clusterName });
  const groupMetrics = new Map<string, Metrics>();
  for (const point of planMetrics(rotationPlan)) {
    const unit = point.unit === 'Seconds' ? MetricUnit.Seconds : MetricUnit.Count;
    if (point.group === undefined) {
      clusterMetrics.addMetric(point.name, unit, point.value);
      continue;
    }
    let metrics = groupMetrics.get(point.group);
    if (!metrics) {
      metrics = metricsWithDimensions({ [Dimension.CLUSTER]: clusterName, [Dimension.GROUP]: point.group });
      groupMetrics.set(point.group, metrics);
    }
    metrics.addMetric(point.name, unit, point.value);
  }
  clusterMetrics.publishStoredMetrics();
  for (const metrics of groupMetrics.values()) metrics.publishStoredMetrics();
}

/**
 * A metric set with exactly these dimensions. Powertools adds a default `service` dimension; CloudWatch
 * matches a metric by its full dimension set, so the points would land on a metric the construct's alarms
 * (ClusterName only) never read.
 */
function metricsWithDimensions(dimensions: Record<string, string>): Metrics {
  const metrics = new Metrics({ namespace: METRIC_NAMESPACE, serviceName: 'ecs-ami-refresher' });
  metrics.clearDefaultDimensions();
  metrics.setDefaultDimensions(dimensions);
  return metrics;
}
