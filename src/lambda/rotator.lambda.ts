/**
 * The rotator Lambda: parses the event and environment, builds clients, runs the engine until its time
 * budget is nearly used, reports. It holds no decision logic.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { parseEvent, RunSummary } from './event';
import { DEFAULT_RETRY, retryingApi } from '../aws/retry';
import { createSdkClients, sdkApi } from '../aws/sdk';
import { sdkSnsApi } from '../aws/sns';
import { configFromEnvironment, engineSettings } from '../engine/config';
import { FullReads, ImageCache } from '../engine/observe/observe';
import { groupRecords, MetricPoint, planMetrics, rotationMetrics } from '../engine/report';
import { Round, runDeadline, runEngine } from '../engine/run';
import { Dimension, METRIC_NAMESPACE } from '../shared/constants';

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

export async function handler(event: unknown, context?: Context): Promise<RunSummary> {
  if (context) logger.addContext(context);
  const request = parseEvent(event);
  const config = configFromEnvironment(process.env);
  logger.appendKeys({ cluster: config.clusterName });

  const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
  const budget = context ? context.getRemainingTimeInMillis() - SAFETY_MARGIN_MS : DEFAULT_BUDGET_MS;
  const deadline = runDeadline({
    startedAt: Date.now(),
    budgetMs: budget,
    periodMs: config.schedulePeriodSeconds === undefined ? undefined : config.schedulePeriodSeconds * 1000,
    scheduledAt: request.scheduledAt,
  });
  const clients = sdkApi(createSdkClients());
  const api = retryingApi(config.notificationTopicArn ? { ...clients, sns: sdkSnsApi() } : clients, {
    ...DEFAULT_RETRY,
    sleep,
    random: Math.random,
    // Retries may use half the safety margin, never the time the function needs to report and return.
    now: () => Date.now(),
    giveUpAt: deadline + SAFETY_MARGIN_MS / 2,
    onRetry: (call, attempt, delayMs, error) => logger.warn('retrying AWS call', { call, attempt, delayMs, error: String(error) }),
  });

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
      logRound(round, round.index === 1);
      // Every round, not once a run: a run with work lasts up to 15 minutes, and the alarms read 5-minute periods.
      publishMetrics(config.clusterName, [
        ...planMetrics(round.plan),
        ...rotationMetrics(round.rotations, round.outcomes, drainingByGroup(round), round.observed),
      ]);
    },
  });

  const last = result.last;
  if (FULL_READS.refused !== undefined && !refusalLogged) {
    refusalLogged = true;
    logger.warn('ECS refused the idle check\'s query; this function now reads every container instance on every run', { error: FULL_READS.refused });
  }
  if (result.leaseHolder) {
    logger.warn('another engine holds the cluster lease; this run only observed', { leaseHolder: result.leaseHolder });
  }

  const summary: RunSummary = {
    cluster: config.clusterName,
    dryRun: config.dryRun,
    rounds: result.rounds,
    settled: result.settled,
    leaseHolder: result.leaseHolder?.owner,
    groups: last.plan.groups.map((g) => ({
      name: g.groupName,
      status: g.status,
      reason: g.reason ?? last.rotations.get(g.groupName)?.stoppedReason ?? last.rotations.get(g.groupName)?.waitingReason,
      phase: last.rotations.get(g.groupName)?.phase,
      targetImageId: g.targetImageId,
      outdatedInstances: g.outdatedInstances.length,
    })),
    actions: result.outcomes.map((o) => ({ kind: o.action.kind, group: o.action.group, ok: o.ok, error: o.error })),
    unmanagedInstances: last.plan.unmanagedInstances.map((u) => ({ instanceId: u.instanceId, replaceable: u.replaceable, reason: u.reason })),
    totals: last.plan.totals,
  };
  logger.info('run finished', { summary });
  return summary;
}

/** The full plan on the first round; afterwards only what changed hands: actions and stopped groups. */
function logRound(round: Round, full: boolean): void {
  if (full) {
    for (const record of groupRecords(round.plan)) {
      const { message, ...fields } = record;
      if (fields.status === 'refused' || fields.status === 'unobserved') logger.error(String(message), fields);
      else logger.info(String(message), { ...fields, phase: round.rotations.get(String(fields.autoScalingGroup))?.phase });
    }
    if (round.plan.unmanagedInstances.length > 0) {
      logger.warn('container instances outside every managed group', {
        instances: round.plan.unmanagedInstances.map((u) => ({ instanceId: u.instanceId, replaceable: u.replaceable, reason: u.reason })),
      });
    }
  }
  for (const [group, rotation] of round.rotations) {
    if (rotation.phase === 'stopped') logger.error('rotation stopped', { autoScalingGroup: group, reason: rotation.stoppedReason });
    // A wait the user scheduled (maintenance window, minimum AMI age, skipped standalone tasks) is no warning.
    if (rotation.phase === 'waiting' && rotation.waitingOn) logger.info('rotation waiting', { autoScalingGroup: group, reason: rotation.waitingReason, waitingOn: rotation.waitingOn });
    else if (rotation.phase === 'waiting') logger.warn('rotation waiting', { autoScalingGroup: group, reason: rotation.waitingReason });
    else if (rotation.waitingReason) logger.info('rotation holding', { autoScalingGroup: group, phase: rotation.phase, reason: rotation.waitingReason });
  }
  if (full) {
    for (const [group, rotation] of round.rotations) {
      if (rotation.skipped) logger.info('instances skipped: they run standalone tasks', { autoScalingGroup: group, skipped: rotation.skipped });
    }
  }
  for (const outcome of round.outcomes) {
    const fields = { autoScalingGroup: outcome.action.group, action: outcome.action, round: round.index };
    if (outcome.ok) logger.info(`did ${outcome.action.kind}`, fields);
    else logger.error(`failed ${outcome.action.kind}`, { ...fields, error: outcome.error });
  }
}

function drainingByGroup(round: Round): Map<string, number> {
  const draining = new Map<string, number>();
  const statusOf = new Map(round.observed.containerInstances.map((c) => [c.ec2InstanceId, c.status]));
  for (const group of round.observed.groups) {
    draining.set(group.name, group.instances.filter((i) => statusOf.get(i.instanceId) === 'DRAINING').length);
  }
  return draining;
}

function publishMetrics(clusterName: string, points: readonly MetricPoint[]): void {
  // Two metric sets: cluster-level points (for alarms) and per-group points, each with its own dimensions.
  const clusterMetrics = metricsWithDimensions({ [Dimension.CLUSTER]: clusterName });
  const groupMetrics = new Map<string, Metrics>();
  for (const point of points) {
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
