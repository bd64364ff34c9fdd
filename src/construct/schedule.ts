import { Duration, aws_events as events, aws_events_targets as targets, aws_lambda as lambda } from 'aws-cdk-lib';
import { Construct } from 'constructs';

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
