import { Duration, aws_iam as iam, aws_lambda as lambda, aws_logs as logs } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { RotatorFunction } from './rotator-function';

/** The rotator's own log group (not LogRetention's custom resource), so its retention and ARN are ours. */
export function rotatorLogGroup(scope: Construct, retention: logs.RetentionDays | undefined): logs.LogGroup {
  return new logs.LogGroup(scope, 'LogGroup', {
    retention: retention ?? logs.RetentionDays.THREE_MONTHS,
  });
}

export interface RotatorFunctionInputs {
  readonly clusterName: string;
  readonly role: iam.IRole;
  readonly logGroup: logs.ILogGroup;
  readonly environment: { [key: string]: string };
}

/** The bundled rotator: one run at a time per cluster, no retries (the next scheduled run resumes). */
export function rotatorFunction(scope: Construct, inputs: RotatorFunctionInputs): lambda.Function {
  return new RotatorFunction(scope, 'Function', {
    description: `Keeps ECS cluster ${inputs.clusterName} on the newest AMI (cdk-ecs-ami-refresher)`,
    role: inputs.role,
    logGroup: inputs.logGroup,
    architecture: lambda.Architecture.ARM_64,
    memorySize: 512,
    // A run with work to do keeps going until close to this, then returns; the next run resumes.
    timeout: Duration.minutes(15),
    // One actor per cluster. Scheduled events that arrive while a run is still going are throttled
    // and, after at most a minute, dropped: the next tick observes afresh, so nothing is lost.
    reservedConcurrentExecutions: 1,
    maxEventAge: Duration.minutes(1),
    retryAttempts: 0,
    environment: {
      ...inputs.environment,
      // The bundle is minified; its source map (index.js.map beside it) puts src/ files and lines in stack traces.
      NODE_OPTIONS: '--enable-source-maps',
    },
  });
}
