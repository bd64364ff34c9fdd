/**
 * Retries with capped exponential backoff and full jitter, around every port method. It lives in the
 * engine, not in the SDK, so throttling injected by the simulator is handled by the same code as AWS's.
 */
import { AwsApi } from './ports';

export interface RetryOptions {
  /** Attempts in all, the first included. */
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Waits; the Lambda waits for real, the simulator advances its virtual clock. */
  readonly sleep: (ms: number) => Promise<void>;
  /** A number in [0, 1); injectable so tests are deterministic. */
  readonly random: () => number;
  /** Told of every retry, e.g. to log it. */
  readonly onRetry?: (call: string, attempt: number, delayMs: number, error: unknown) => void;
  /**
   * No retry is waited for past this epoch ms (with `now`): a Lambda run must end before its timeout,
   * and the next run re-observes anyway.
   */
  readonly giveUpAt?: number;
  readonly now?: () => number;
}

export const DEFAULT_RETRY: Omit<RetryOptions, 'sleep' | 'random'> = {
  maxAttempts: 8,
  baseDelayMs: 200,
  maxDelayMs: 20_000,
};

const THROTTLING_CODES = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'SlowDown',
  'ProvisionedThroughputExceededException',
  'TransactionInProgressException',
  'EC2ThrottledException',
]);

const TRANSIENT_CODES = new Set([
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'InternalError',
  'InternalFailure',
  'InternalServerError',
  'ServerException',
  'RequestTimeout',
  'RequestTimeoutException',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ECONNREFUSED',
]);

/** True for throttling, 5xx and connection errors: the ones a later identical call may not meet. */
export function isRetryable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { name?: string; code?: string; $retryable?: unknown; $metadata?: { httpStatusCode?: number } };
  const code = e.name ?? e.code ?? '';
  if (THROTTLING_CODES.has(code) || TRANSIENT_CODES.has(code) || TRANSIENT_CODES.has(e.code ?? '')) return true;
  if (e.$retryable) return true;
  const status = e.$metadata?.httpStatusCode;
  return status !== undefined && (status === 429 || status >= 500);
}

/** The delay before retry number `attempt` (1-based): uniform in [0, min(max, base * 2^(attempt-1))). */
export function backoffDelay(attempt: number, options: Pick<RetryOptions, 'baseDelayMs' | 'maxDelayMs' | 'random'>): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(options.random() * ceiling);
}

export async function withRetry<T>(call: string, fn: () => Promise<T>, options: RetryOptions): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (attempt >= options.maxAttempts || !isRetryable(error)) throw error;
      const delay = backoffDelay(attempt, options);
      if (options.giveUpAt !== undefined && options.now && options.now() + delay >= options.giveUpAt) throw error;
      options.onRetry?.(call, attempt, delay, error);
      await options.sleep(delay);
    }
  }
}

/** The same ports, each method retried. */
export function retryingApi(api: AwsApi, options: RetryOptions): AwsApi {
  return {
    ecs: wrapService('ecs', api.ecs, options),
    autoScaling: wrapService('autoscaling', api.autoScaling, options),
    ec2: wrapService('ec2', api.ec2, options),
    ssm: wrapService('ssm', api.ssm, options),
    cloudFormation: wrapService('cloudformation', api.cloudFormation, options),
    ...(api.sns ? { sns: wrapService('sns', api.sns, options) } : {}),
  };
}

function wrapService<S extends object>(service: string, target: S, options: RetryOptions): S {
  const wrapped: Record<string, unknown> = {};
  for (const name of methodNames(target)) {
    const method = (target as Record<string, (input: unknown) => Promise<unknown>>)[name];
    wrapped[name] = (input: unknown) => withRetry(`${service}:${name}`, () => method.call(target, input), options);
  }
  return wrapped as S;
}

/** Own and inherited method names: ports may be plain objects or class instances (the simulator). */
export function methodNames(target: object): string[] {
  const names = new Set<string>();
  for (let o: object | null = target; o && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    for (const name of Object.getOwnPropertyNames(o)) {
      if (name !== 'constructor' && typeof (target as Record<string, unknown>)[name] === 'function') names.add(name);
    }
  }
  return [...names];
}

/**
 * Refusals that an identical call will meet again until someone changes something: a request AWS finds invalid
 * (ValidationError, InvalidParameter*), a limit reached on a resource (LimitExceeded, AttributeLimitExceeded,
 * FilterLimitExceeded, a version quota), access denied, an operation the account may not use, and a resource the
 * engine expects that is not there (*NotFound*). Throttling (RequestLimitExceeded is EC2's) and 5xx are never
 * among them: `isRetryable` is asked first. Codes from each service's API reference, "Errors" and "Common Errors".
 */
const PERMANENT_PATTERN = new RegExp([
  '^Validation(Error|Exception)$',
  '^InvalidParameter',
  '^(Invalid|Missing)[A-Za-z]*(Parameter|Value|Combination)',
  'LimitExceeded',
  '^(AccessDenied|UnauthorizedOperation|AuthorizationError|AuthFailure|KMSAccessDenied)',
  '^UnsupportedOperation$',
  'NotFound',
  '^ClientException$',
].join('|'));

/** True for a refusal that will not change on its own (see PERMANENT_PATTERN); false for throttling, 5xx and the rest. */
export function isPermanentRefusal(error: unknown): boolean {
  if (typeof error !== 'object' || error === null || isRetryable(error)) return false;
  const code = errorCode(error);
  return code !== undefined && PERMANENT_PATTERN.test(code);
}

/** The AWS error code of an SDK error (its name), or undefined for an error that is not one. */
export function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as { name?: string; Code?: string; code?: string };
  const code = e.Code ?? e.name ?? e.code;
  return code === undefined || code === 'Error' ? undefined : code;
}
