/**
 * What a terminal run uses when the caller injects nothing: SDK v3 clients for the operator's Region and
 * profile (the SDK's usual credential chain), wrapped in the engine's retries, and the wall clock.
 */
import { AwsApi } from '../aws/ports';
import { DEFAULT_RETRY, retryingApi } from '../aws/retry';
import { sdkApi, sdkClients } from '../aws/sdk';
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
  const clients = sdkClients({ region: options.region, profile: options.profile, maxAttempts: 1 });
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
