import { Duration, aws_events as events, aws_events_targets as targets, aws_lambda as lambda } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { HeartbeatWindow } from './alarm-factory';
import { longestClosedMs, maintenanceWindow, WindowError } from '../shared/maintenance-window';

/** The rule that runs the rotator on its schedule. */
export function scheduleRule(scope: Construct, fn: lambda.IFunction, schedule: events.Schedule, clusterName: string): events.Rule {
  return new events.Rule(scope, 'Schedule', {
    description: `Runs the AMI refresher of ECS cluster ${clusterName}`,
    schedule,
    targets: [new targets.LambdaFunction(fn, { retryAttempts: 0, maxEventAge: Duration.minutes(1) })],
  });
}

/** `rate(5 minutes)` -> 300; a cron schedule has no period. */
export function schedulePeriodSeconds(schedule: events.Schedule): number | undefined {
  const match = schedule.expressionString.match(/^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/);
  if (!match) return undefined;
  const unit = match[2].startsWith('minute') ? 60 : match[2].startsWith('hour') ? 3600 : 86400;
  return Number(match[1]) * unit;
}

const MINUTE = 60;
const DAY = 86_400;
/**
 * The shortest heartbeat period. A run with work goes on until just before the last tick inside its 15-minute
 * timeout (engine/run.ts runDeadline), so on a 1-minute schedule runs complete up to about 13 minutes apart:
 * three periods of 5 minutes cover that, three of 1 minute would fire through every rotation.
 */
const MIN_PERIOD = 5 * MINUTE;
/** A cron schedule this parser cannot read (`L`, `W`, `#`, a year): assume a run at least once a day. */
const UNREAD_CRON_GAP = DAY;

/**
 * The heartbeat alarm's window: three times the longest time between two runs of the schedule. For a rate that
 * is its period; for a cron schedule, the longest gap between two of its ticks over a year (a schedule of
 * `MON-FRI 02:00` waits 72 hours over a weekend, not 24). CloudWatch takes a period of a whole number of
 * minutes and at most a day here, and a window of at most 1 day for periods under an hour and 7 days
 * otherwise (PutMetricAlarm, `Period`); a schedule with runs further apart than that gets the longest window.
 */
export function heartbeatWindow(schedule: events.Schedule): HeartbeatWindow {
  const gap = schedulePeriodSeconds(schedule) ?? longestCronGapSeconds(schedule.expressionString);
  const periodSeconds = Math.min(DAY, Math.max(MIN_PERIOD, Math.ceil(gap / MINUTE) * MINUTE));
  const limit = periodSeconds < 3600 ? DAY : 7 * DAY;
  const evaluationPeriods = Math.min(Math.floor(limit / periodSeconds), Math.max(3, Math.ceil((3 * gap) / periodSeconds)));
  return { period: Duration.seconds(periodSeconds), evaluationPeriods };
}

/** `cron(0 2 ? * MON-FRI *)` -> the longest time between two ticks, in seconds (a day when it cannot be read). */
function longestCronGapSeconds(expression: string): number {
  const match = expression.match(/^cron\((.*)\)$/);
  const fields = match ? match[1].trim().split(/\s+/) : [];
  if (fields.length !== 6 || fields[5] !== '*') return UNREAD_CRON_GAP;
  try {
    // A tick is a window of one minute: the longest time every such window is closed, plus that minute.
    const ticks = maintenanceWindow(fields.slice(0, 5).join(' '), MINUTE, 'schedule');
    return Math.round(longestClosedMs([ticks], Date.UTC(2026, 0, 1)) / 1000) + MINUTE;
  } catch (error) {
    if (error instanceof WindowError) return UNREAD_CRON_GAP;
    throw error;
  }
}
