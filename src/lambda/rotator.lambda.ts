/**
 * The rotator Lambda: parses the event and environment, builds clients, runs the engine until its time
 * budget is nearly used, reports. It holds no decision logic.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { parseEvent, RunSummary } from './event';
import type { AwsApi } from '../aws/ports';
import { DEFAULT_RETRY, retryingApi } from '../aws/retry';
import { createSdkClients, sdkApi } from '../aws/sdk';
import { sdkSnsApi } from '../aws/sns';
import { configFromEnvironment, engineSettings } from '../engine/config';
import { FullReads, ImageCache } from '../engine/observe/observe';
import { MetricPoint, metricSets, roundLog, roundMetrics, RUN_METRICS, runSummary } from '../engine/report';
import { runDeadline, runEngine, RunResult } from '../engine/run';
import { METRIC_NAMESPACE } from '../shared/constants';

const logger = new Logger({ serviceName: 'ecs-ami-refresher' });

/** Rounds are this far apart while a rotation is in flight. */
const POLL_INTERVAL_MS = 15_000;
/** Kept while the function stays warm: what an image is never changes (see ImageCache). */
const IMAGE_CACHE = new ImageCache();
/** Kept while the function stays warm: scheduled runs between two full reads confirm an idle cluster cheaply. */
const FULL_READS = new FullReads();
let refusalLogged = false;

/** Left for the last round (observe and act on a large cluster) and for reporting before the timeout. */
const SAFETY_MARGIN_MS = 90_000;
/** Budget when invoked without a Lambda context (a local or test invocation): one round or two. */
const DEFAULT_BUDGET_MS = 60_000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function handler(event: unknown, context?: Context): Promise<RunSummary> {
  if (context) logger.addContext(context);
  const request = parseEvent(event);
  const config = configFromEnvironment(process.env);
  logger.appendKeys({ cluster: config.clusterName });

  const budget = context ? context.getRemainingTimeInMillis() - SAFETY_MARGIN_MS : DEFAULT_BUDGET_MS;
  const deadline = runDeadline({
    startedAt: Date.now(),
    budgetMs: budget,
    periodMs: config.schedulePeriodSeconds === undefined ? undefined : config.schedulePeriodSeconds * 1000,
    scheduledAt: request.scheduledAt,
  });
  // Retries may use half the safety margin, never the time the function needs to report and return.
  const api = clientsFor(config.notificationTopicArn, deadline + SAFETY_MARGIN_MS / 2);

  const result = await runEngine({
    api,
    clock: { now: () => Date.now(), sleep },
    owner: `lambda:${context?.awsRequestId ?? 'local'}`,
    deadline,
    pollIntervalMs: POLL_INTERVAL_MS,
    imageCache: IMAGE_CACHE,
    fullReads: request.scheduled ? FULL_READS : undefined,
    settings: engineSettings(config, request.force),
    onRound: (round) => {
      for (const record of roundLog(round, round.index === 1)) logger[record.level](record.message, record.fields);
      // Every round, not once a run: a run with work lasts up to 15 minutes, and the alarms read 5-minute periods.
      publishMetrics(config.clusterName, roundMetrics(round));
    },
  });

  warnAtRunEnd(result);
  // The heartbeat, once per completed run.
  publishMetrics(config.clusterName, RUN_METRICS);
  const summary = runSummary(config.clusterName, config.dryRun, result);
  logger.info('run finished', { summary });
  return summary;
}

/** The SDK clients (SNS only with a notification topic), retrying throttling and 5xx until `giveUpAt`. */
function clientsFor(notificationTopicArn: string | undefined, giveUpAt: number): AwsApi {
  const clients = sdkApi(createSdkClients());
  return retryingApi(notificationTopicArn ? { ...clients, sns: sdkSnsApi() } : clients, {
    ...DEFAULT_RETRY,
    sleep,
    random: Math.random,
    now: () => Date.now(),
    giveUpAt,
    onRetry: (call, attempt, delayMs, error) => logger.warn('retrying AWS call', { call, attempt, delayMs, error: String(error) }),
  });
}

function warnAtRunEnd(result: RunResult): void {
  if (FULL_READS.refused !== undefined && !refusalLogged) {
    refusalLogged = true;
    logger.warn('ECS refused the idle check\'s query; this function now reads every container instance on every run', { error: FULL_READS.refused });
  }
  if (result.leaseHolder) {
    logger.warn('another engine holds the cluster lease; this run only observed', { leaseHolder: result.leaseHolder });
  }
}

function publishMetrics(clusterName: string, points: readonly MetricPoint[]): void {
  for (const set of metricSets(clusterName, points)) {
    const metrics = metricsWithDimensions(set.dimensions);
    for (const point of set.points) metrics.addMetric(point.name, point.unit === 'Seconds' ? MetricUnit.Seconds : MetricUnit.Count, point.value);
    metrics.publishStoredMetrics();
  }
}

/**
 * A metric set with exactly these dimensions. Powertools adds a default `service` dimension; CloudWatch
 * matches a metric by its full dimension set, so the points would land on a metric the construct's alarms
 * (ClusterName only) never read.
 */
function metricsWithDimensions(dimensions: Readonly<Record<string, string>>): Metrics {
  const metrics = new Metrics({ namespace: METRIC_NAMESPACE, serviceName: 'ecs-ami-refresher' });
  metrics.clearDefaultDimensions();
  metrics.setDefaultDimensions(dimensions);
  return metrics;
}
