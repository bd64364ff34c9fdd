import { DescribeClustersCommand, ECSClient } from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { AwsApi } from '../../src/aws/ports';
import { backoffDelay, isPermanentRefusal, isRetryable, methodNames, RetryOptions, retryingApi, withRetry } from '../../src/aws/retry';
import { createSdkClients, sdkApi } from '../../src/aws/sdk';
import { awsError } from '../engine/fixtures';

const throttling = () => awsError('ThrottlingException', 'Rate exceeded');

interface Recorder {
  readonly options: RetryOptions;
  readonly sleeps: number[];
  readonly retries: Array<[string, number, number, unknown]>;
}

/** Retry options whose sleep and random are recorded and deterministic. */
function recorder(overrides: Partial<RetryOptions> = {}, randoms: number[] = [0.5]): Recorder {
  const sleeps: number[] = [];
  const retries: Array<[string, number, number, unknown]> = [];
  let draw = 0;
  return {
    sleeps,
    retries,
    options: {
      maxAttempts: 8,
      baseDelayMs: 100,
      maxDelayMs: 1000,
      sleep: async (ms) => { sleeps.push(ms); },
      random: () => randoms[draw++ % randoms.length],
      onRetry: (call, attempt, delay, error) => { retries.push([call, attempt, delay, error]); },
      ...overrides,
    },
  };
}

/** A call that fails with the given errors in turn, then returns 'ok'. */
function failing(...errors: unknown[]): jest.Mock<Promise<string>, []> {
  let calls = 0;
  return jest.fn(async () => {
    if (calls < errors.length) throw errors[calls++];
    return 'ok';
  });
}

describe('withRetry', () => {
  test('retries throttling with full-jitter exponential backoff, then returns the result', async () => {
    const r = recorder();
    const errors = [throttling(), throttling(), throttling()];
    const fn = failing(...errors);

    await expect(withRetry('ecs:describeClusters', fn, r.options)).resolves.toBe('ok');
    expect(fn).toHaveBeenCalledTimes(4);
    // random 0.5 of ceilings 100, 200, 400
    expect(r.sleeps).toEqual([50, 100, 200]);
    expect(r.retries).toEqual([
      ['ecs:describeClusters', 1, 50, errors[0]],
      ['ecs:describeClusters', 2, 100, errors[1]],
      ['ecs:describeClusters', 3, 200, errors[2]],
    ]);
  });

  test('the jitter is drawn afresh for every retry, within [0, ceiling)', async () => {
    const r = recorder({}, [0, 0.999, 0.25]);
    await withRetry('x', failing(throttling(), throttling(), throttling()), r.options);
    expect(r.sleeps).toEqual([0, 199, 100]);
  });

  test('the ceiling is capped at maxDelayMs, and it gives up after maxAttempts with the last error', async () => {
    const r = recorder({ maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 300 }, [0.99]);
    const errors = Array.from({ length: 6 }, (_, i) => awsError('RequestLimitExceeded', `attempt ${i + 1}`, 503));
    const fn = failing(...errors);

    await expect(withRetry('ec2:describeImages', fn, r.options)).rejects.toBe(errors[4]);
    expect(fn).toHaveBeenCalledTimes(5);
    // ceilings 100, 200, 300 (capped), 300
    expect(r.sleeps).toEqual([99, 198, 297, 297]);
  });

  test('maxAttempts 1 makes a single attempt', async () => {
    const r = recorder({ maxAttempts: 1 });
    const fn = failing(throttling());
    await expect(withRetry('x', fn, r.options)).rejects.toThrow('Rate exceeded');
    expect(fn).toHaveBeenCalledTimes(1);
    expect(r.sleeps).toEqual([]);
  });

  test.each([
    ['ThrottlingException', awsError('ThrottlingException', 'Rate exceeded')],
    ['Throttling (Auto Scaling)', awsError('Throttling', 'Rate exceeded')],
    ['RequestLimitExceeded (EC2)', awsError('RequestLimitExceeded', 'Request limit exceeded.')],
    ['an unknown error with status 429', awsError('SomethingNew', 'slow down', 429)],
    ['ServerException (ECS)', awsError('ServerException', 'internal', 500)],
    ['ServiceUnavailable', awsError('ServiceUnavailable', 'unavailable', 503)],
    ['an unnamed 502', awsError('UnknownError', 'bad gateway', 502)],
    ['InternalError', awsError('InternalError', 'internal')],
    ['a reset connection', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
    ['a timed-out connection', Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })],
    ['an SDK-flagged retryable error', Object.assign(new Error('x'), { name: 'Whatever', $retryable: { throttling: false } })],
  ])('retries %s', async (_, error) => {
    expect(isRetryable(error)).toBe(true);
    const r = recorder();
    const fn = failing(error);
    await expect(withRetry('x', fn, r.options)).resolves.toBe('ok');
    expect(fn).toHaveBeenCalledTimes(2);
    expect(r.sleeps).toEqual([50]);
  });

  test.each([
    ['AccessDeniedException', awsError('AccessDeniedException', 'not authorized', 403)],
    ['AccessDenied', awsError('AccessDenied', 'not authorized', 403)],
    ['UnauthorizedOperation (EC2)', awsError('UnauthorizedOperation', 'not authorized', 403)],
    ['ValidationException', awsError('ValidationException', '1 validation error', 400)],
    ['ValidationError (Auto Scaling)', awsError('ValidationError', 'bad name', 400)],
    ['InvalidParameterException (ECS)', awsError('InvalidParameterException', 'bad', 400)],
    ['ClusterNotFoundException', awsError('ClusterNotFoundException', 'no cluster', 400)],
    ['a plain Error', new Error('boom')],
    ['a string', 'boom'],
    ['undefined', undefined],
  ])('does not retry %s', async (_, error) => {
    expect(isRetryable(error)).toBe(false);
    const r = recorder();
    const fn = failing(error);
    const outcome = await withRetry('x', fn, r.options).then(() => 'resolved', (e: unknown) => e);
    expect(outcome).toBe(error);
    expect(fn).toHaveBeenCalledTimes(1);
    expect(r.sleeps).toEqual([]);
    expect(r.retries).toEqual([]);
  });
});

describe('backoffDelay', () => {
  test.each([
    [1, 0.999, 99],
    [2, 0.999, 199],
    [3, 0.5, 200],
    [8, 0.5, 500],
    [30, 0.999, 999],
  ])('attempt %d with random %d is %d ms (base 100, cap 1000)', (attempt, random, delay) => {
    expect(backoffDelay(attempt, { baseDelayMs: 100, maxDelayMs: 1000, random: () => random })).toBe(delay);
  });
});

/** A throttle-once port, as the simulator would write it: a class whose methods live on prototypes. */
class BaseEc2 {
  protected calls = 0;
  async describeImages(input: unknown) {
    return this.respond('describeImages', input);
  }
  protected async respond(call: string, input: unknown) {
    this.calls++;
    if (this.calls === 1) throw throttling();
    return { call, input, calls: this.calls };
  }
}
class FakeEc2 extends BaseEc2 {
  readonly region = 'us-east-1';
  async describeInstances(input: unknown) {
    return this.respond('describeInstances', input);
  }
  async describeLaunchTemplateVersions(input: unknown) {
    return this.respond('describeLaunchTemplateVersions', input);
  }
}

describe('retryingApi', () => {
  /** Ports as the tests need them (the port interfaces grow; only the called methods matter here). */
  function plainApi(): AwsApi {
    let ecsCalls = 0;
    return {
      ecs: {
        describeClusters: async () => {
          if (ecsCalls++ === 0) throw throttling();
          return { clusters: [{ clusterName: 'prod' }] };
        },
        listContainerInstances: async () => ({}),
      },
      autoScaling: { describeAutoScalingGroups: async () => ({}) },
      ec2: new FakeEc2(),
      ssm: { getParameters: async () => { throw awsError('ThrottlingException', 'ssm'); } },
    } as unknown as AwsApi;
  }

  test('wraps plain-object ports, naming each call service:method', async () => {
    const r = recorder();
    const api = retryingApi(plainApi(), r.options);
    await expect(api.ecs.describeClusters({ clusters: ['prod'] })).resolves.toEqual({ clusters: [{ clusterName: 'prod' }] });
    expect(r.retries.map(([call, attempt]) => [call, attempt])).toEqual([['ecs:describeClusters', 1]]);
  });

  test('wraps class-instance ports: inherited prototype methods too, with `this` kept', async () => {
    const r = recorder();
    const api = retryingApi(plainApi(), r.options);
    await expect(api.ec2.describeInstances({ InstanceIds: ['i-1'] })).resolves.toEqual({ call: 'describeInstances', input: { InstanceIds: ['i-1'] }, calls: 2 });
    await expect(api.ec2.describeImages({ ImageIds: ['ami-1'] })).resolves.toEqual({ call: 'describeImages', input: { ImageIds: ['ami-1'] }, calls: 3 });
    expect(r.retries.map(([call]) => call)).toEqual(['ec2:describeInstances']);
  });

  test('gives up on every service after maxAttempts', async () => {
    const r = recorder({ maxAttempts: 3 });
    const api = retryingApi(plainApi(), r.options);
    await expect(api.ssm.getParameters({ Names: ['/x'] })).rejects.toThrow('ssm');
    expect(r.retries.map(([call, attempt]) => [call, attempt])).toEqual([['ssm:getParameters', 1], ['ssm:getParameters', 2]]);
  });

  test('methodNames lists own and inherited methods, not the constructor or fields', () => {
    expect(methodNames(new FakeEc2()).sort()).toEqual(['describeImages', 'describeInstances', 'describeLaunchTemplateVersions', 'respond']);
    expect(methodNames({ a: async () => 1, b: 2 })).toEqual(['a']);
  });

  test('over the SDK adapter: a throttled DescribeClusters is sent again and succeeds', async () => {
    const ecs = mockClient(ECSClient);
    try {
      ecs.on(DescribeClustersCommand)
        .rejectsOnce(throttling())
        .resolves({ clusters: [{ clusterName: 'prod', status: 'ACTIVE' }] });
      const r = recorder();
      const api = retryingApi(sdkApi(createSdkClients('us-east-1')), r.options);

      const response = await api.ecs.describeClusters({ clusters: ['prod'] });
      expect(response.clusters?.[0]?.clusterName).toBe('prod');
      expect(ecs).toHaveReceivedCommandTimes(DescribeClustersCommand, 2);
      expect(r.sleeps).toEqual([50]);
    } finally {
      ecs.restore();
    }
  });
});

describe('withRetry near a deadline', () => {
  test('no retry is waited for past giveUpAt: the error is thrown at once instead', async () => {
    let clock = 1_000;
    const sleeps: number[] = [];
    const throttled = Object.assign(new Error('slow down'), { name: 'ThrottlingException' });
    const options = {
      maxAttempts: 8,
      baseDelayMs: 1_000,
      maxDelayMs: 20_000,
      random: () => 0.5,
      sleep: async (ms: number) => { sleeps.push(ms); clock += ms; },
      now: () => clock,
      giveUpAt: 3_000,
    };
    let calls = 0;
    await expect(withRetry('ecs:describeClusters', async () => { calls++; throw throttled; }, options)).rejects.toBe(throttled);
    // 1st retry waits 500 ms (to 1,500), 2nd 1,000 ms (to 2,500); the 3rd (2,000 ms) would pass 3,000.
    expect(sleeps).toEqual([500, 1_000]);
    expect(calls).toBe(3);
  });
});

describe('permanent refusals are told apart from throttling and 5xx', () => {
  test.each([
    'ValidationError', 'ValidationException', 'InvalidParameterException', 'InvalidParameterValue', 'InvalidParameterCombination',
    'MissingParameter', 'LimitExceeded', 'LimitExceededException', 'AttributeLimitExceededException', 'FilterLimitExceeded',
    'LaunchTemplateVersionLimitExceeded', 'AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'AuthorizationError',
    'UnsupportedOperation', 'TargetNotFoundException', 'ClusterNotFoundException', 'InvalidLaunchTemplateId.NotFound',
    'InvalidInstanceID.NotFound', 'ClientException',
  ])('%s is permanent and never retried', (code) => {
    const error = awsError(code, 'refused');
    expect(isPermanentRefusal(error)).toBe(true);
    expect(isRetryable(error)).toBe(false);
  });

  test.each(['RequestLimitExceeded', 'ThrottlingException', 'Throttling', 'ServerException', 'InternalFailure', 'ServiceUnavailable'])(
    '%s is retried, not permanent', (code) => {
      const error = awsError(code, 'try again');
      expect(isRetryable(error)).toBe(true);
      expect(isPermanentRefusal(error)).toBe(false);
    });

  test('a conflict that resolves itself, and a plain error, are neither', () => {
    expect(isPermanentRefusal(awsError('ResourceInUse', 'in use'))).toBe(false);
    expect(isPermanentRefusal(awsError('ScalingActivityInProgress', 'busy'))).toBe(false);
    expect(isPermanentRefusal(new Error('bug'))).toBe(false);
    expect(isPermanentRefusal(undefined)).toBe(false);
  });
});
