/**
 * What a terminal run uses when the caller injects nothing: SDK v3 clients for the operator's Region and
 * profile (the SDK's usual credential chain), wrapped in the engine's retries, and the wall clock.
 */
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ECSClient } from '@aws-sdk/client-ecs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { AwsApi } from '../aws/ports';
import { DEFAULT_RETRY, retryingApi } from '../aws/retry';
import { SdkClients, sdkApi } from '../aws/sdk';
import type { Clock } from '../engine/run';

/** Ctrl-C during a wait: the engine's run ends through its `finally`, which gives the lease back. */
export class Interrupted extends Error {
  constructor() {
    super('interrupted');
    this.name = 'Interrupted';
  }
}

export interface RealApiOptions {
  /** Absent: the SDK's own resolution (AWS_REGION, then the profile's `region`). */
  readonly region?: string;
  /** Absent: AWS_PROFILE or `default`, as the SDK resolves it. */
  readonly profile?: string;
  readonly onRetry?: (call: string, attempt: number, delayMs: number, error: unknown) => void;
  readonly signal?: AbortSignal;
}

/**
 * Like the rotator's `createSdkClients`, with the operator's profile as well. The SDK makes one attempt;
 * the engine's `retryingApi` retries (the same code the simulator's throttling exercises).
 */
export function realApi(options: RealApiOptions): AwsApi {
  const config = { region: options.region, profile: options.profile, maxAttempts: 1 };
  const clients: SdkClients = {
    ecs: new ECSClient(config),
    autoScaling: new AutoScalingClient(config),
    ec2: new EC2Client(config),
    ssm: new SSMClient(config),
    cloudFormation: new CloudFormationClient(config),
    dynamoDb: new DynamoDBClient(config),
  };
  const clock = realClock(options.signal);
  return retryingApi(sdkApi(clients), { ...DEFAULT_RETRY, sleep: clock.sleep, random: Math.random, onRetry: options.onRetry });
}

/** The wall clock; a sleep rejects with `Interrupted` once the signal aborts. */
export function realClock(signal?: AbortSignal): Clock {
  return {
    now: () => Date.now(),
    sleep: (ms) => new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(new Interrupted());
      const onAbort = () => {
        clearTimeout(timer);
        reject(new Interrupted());
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
  };
}
