import { ConfigError, configFromEnvironment, groupReadinessTimeouts } from '../../src/engine/config';
import { EnvName } from '../../src/shared/constants';

const PARAMETERS = { 'amazon-linux-2023/x86_64': '/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id' };

/** The smallest valid environment: the two variables without defaults. */
const MINIMAL = {
  [EnvName.CLUSTER_NAME]: 'prod',
  [EnvName.AMI_PARAMETERS]: JSON.stringify(PARAMETERS),
};

function configError(env: Record<string, string | undefined>): ConfigError {
  try {
    configFromEnvironment(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError, and the environment was accepted');
}

describe('configFromEnvironment', () => {
  test('defaults: drain timeout 3600 s, no dry run, no cluster tag required, groups discovered, 10% at once, stop on drain timeout', () => {
    expect(configFromEnvironment(MINIMAL)).toEqual({
      clusterName: 'prod',
      groupNames: [],
      knownCapacityProviders: {},
      schedulePeriodSeconds: undefined,
      discoverGroups: true,
      groupOverrides: {},
      unmanagedReplacementGroup: undefined,
      amiParameters: PARAMETERS,
      dryRun: false,
      drainTimeoutSeconds: 3600,
      requireClusterTag: false,
      maxUnavailable: { percent: 10 },
      onDrainTimeout: 'stop',
      readinessTimeoutSeconds: 1800,
      windowsReadinessTimeoutSeconds: 3600,
      rollbackOnFailedReplacement: false,
      cordon: true,
      waitForSteadyServices: false,
      maintenanceWindows: [],
      skipInstancesWithStandaloneTasks: false,
    });
  });

  test('empty optional variables take their defaults too', () => {
    const config = configFromEnvironment({ ...MINIMAL, [EnvName.DRY_RUN]: '', [EnvName.DRAIN_TIMEOUT_SECONDS]: '', [EnvName.REQUIRE_CLUSTER_TAG]: '' });
    expect([config.dryRun, config.drainTimeoutSeconds, config.requireClusterTag]).toEqual([false, 3600, false]);
  });

  test('every variable set', () => {
    expect(configFromEnvironment({
      [EnvName.CLUSTER_NAME]: ' prod ',
      [EnvName.GROUP_NAMES]: '["asg-a","asg-b"]',
      [EnvName.AMI_PARAMETERS]: JSON.stringify({
        'acme-golden/arm64': 'arn:aws:ssm:eu-west-1:123456789012:parameter/acme/golden',
        'bottlerocket-ecs-2/arm64': '/aws/service/bottlerocket/aws-ecs-2/arm64/latest/image_id',
      }),
      [EnvName.DRY_RUN]: 'true',
      [EnvName.DRAIN_TIMEOUT_SECONDS]: '900',
      [EnvName.REQUIRE_CLUSTER_TAG]: 'true',
      [EnvName.MAX_UNAVAILABLE]: '3',
      [EnvName.ON_DRAIN_TIMEOUT]: 'force',
      [EnvName.ROLLBACK_ON_FAILED_REPLACEMENT]: 'true',
      [EnvName.CAPACITY_PROVIDER_GROUPS]: '{"cp-web":"asg-a"}',
      [EnvName.SCHEDULE_PERIOD_SECONDS]: '300',
      [EnvName.CORDON]: 'false',
      [EnvName.DISCOVER_GROUPS]: 'false',
      [EnvName.GROUP_OVERRIDES]: JSON.stringify({
        'asg-a': { family: 'acme-golden', amiParameter: '/acme/golden/a', readinessTimeoutSeconds: 5400 },
        'asg-b': {},
      }),
      [EnvName.READINESS_TIMEOUT_SECONDS]: '600',
      [EnvName.WINDOWS_READINESS_TIMEOUT_SECONDS]: '7200',
      [EnvName.UNMANAGED_REPLACEMENT_GROUP]: 'asg-b',
      [EnvName.CANARY]: '2:1800',
      [EnvName.WAIT_FOR_STEADY_SERVICES]: 'true',
      [EnvName.STEADY_SERVICES_TIMEOUT_SECONDS]: '600',
      [EnvName.STANDALONE_TASKS]: 'stop:120',
      [EnvName.MAINTENANCE_WINDOWS]: '[{"cron":"0 2 ? * SUN","durationSeconds":14400},{"cron":"30 22 ? * MON-FRI","durationSeconds":3600}]',
      [EnvName.MINIMUM_AMI_AGE_SECONDS]: '259200',
    })).toEqual({
      clusterName: 'prod',
      groupNames: ['asg-a', 'asg-b'],
      knownCapacityProviders: { 'cp-web': 'asg-a' },
      schedulePeriodSeconds: 300,
      discoverGroups: false,
      groupOverrides: { 'asg-a': { family: 'acme-golden', amiParameter: '/acme/golden/a', readinessTimeoutSeconds: 5400 }, 'asg-b': {} },
      unmanagedReplacementGroup: 'asg-b',
      amiParameters: {
        'acme-golden/arm64': 'arn:aws:ssm:eu-west-1:123456789012:parameter/acme/golden',
        'bottlerocket-ecs-2/arm64': '/aws/service/bottlerocket/aws-ecs-2/arm64/latest/image_id',
      },
      dryRun: true,
      drainTimeoutSeconds: 900,
      requireClusterTag: true,
      maxUnavailable: { count: 3 },
      onDrainTimeout: 'force',
      readinessTimeoutSeconds: 600,
      windowsReadinessTimeoutSeconds: 7200,
      rollbackOnFailedReplacement: true,
      cordon: false,
      canary: { count: 2, soakSeconds: 1800 },
      waitForSteadyServices: true,
      steadyServicesTimeoutSeconds: 600,
      stopStandaloneTasksAfterSeconds: 120,
      skipInstancesWithStandaloneTasks: false,
      maintenanceWindows: [
        expect.objectContaining({ expression: '0 2 ? * SUN', durationSeconds: 14400 }),
        expect.objectContaining({ expression: '30 22 ? * MON-FRI', durationSeconds: 3600 }),
      ],
      minimumAmiAgeSeconds: 259200,
    });
  });

  test.each([['', undefined], ['0', undefined], ['3600', 3600]])('minimum AMI age %p is read as %p (0 or empty: none)', (raw, expected) => {
    expect(configFromEnvironment({ ...MINIMAL, [EnvName.MINIMUM_AMI_AGE_SECONDS]: raw }).minimumAmiAgeSeconds).toBe(expected);
  });

  test.each(['-1', '3d', '1.5', 'soon'])('minimum AMI age %s is refused, naming the variable and the value', (raw) => {
    expect(configError({ ...MINIMAL, [EnvName.MINIMUM_AMI_AGE_SECONDS]: raw }).message)
      .toBe(`environment variable ${EnvName.MINIMUM_AMI_AGE_SECONDS} is '${raw}'; allowed: a whole number of seconds (0 for none)`);
  });

  test('maintenance windows: empty is none; each window is parsed, so the engine can tell when it is open', () => {
    expect(configFromEnvironment({ ...MINIMAL, [EnvName.MAINTENANCE_WINDOWS]: '[]' }).maintenanceWindows).toEqual([]);
    const [w] = configFromEnvironment({ ...MINIMAL, [EnvName.MAINTENANCE_WINDOWS]: '[{"cron":"0 2 ? * SUN","durationSeconds":600}]' }).maintenanceWindows;
    expect(w.schedule.hours).toEqual([2]);
    expect([...w.schedule.weekDays!]).toEqual([0]);
  });

  const W = EnvName.MAINTENANCE_WINDOWS;
  test.each([
    ['{}', `environment variable ${W} is '{}'; allowed: a JSON array of { "cron": "<minute hour day month weekDay>", "durationSeconds": <seconds> }`],
    ['[1]', `${W}[0] is 1; allowed: a JSON array of`],
    ['[{"cron":"0 2 ? * SUN"}]', `${W}[0].durationSeconds is undefined; allowed: a JSON array of`],
    ['[{"durationSeconds":60}]', `${W}[0].cron is undefined; allowed`],
    ['[{"cron":"0 2 ? * SUN","durationSeconds":60,"tz":"CET"}]', `${W}[0] has unknown field(s) tz; allowed: cron, durationSeconds`],
    ['[{"cron":"0 2 ? * SUN","durationSeconds":0}]', `${W}[0] has duration 0; allowed: a positive whole number of seconds`],
    ['[{"cron":"0 2 ? * SUN","durationSeconds":60},{"cron":"0 2 ? * MON#1","durationSeconds":60}]',
      `${W}[1] has weekDay 'MON#1'; allowed: *, ?, numbers 1-7 or SUN-SAT, ranges (a-b), lists (a,b) and steps (*/n, a/n)`],
    ['[{"cron":"0 2 * * SUN","durationSeconds":60}]', `${W}[0] is '0 2 * * SUN'; exactly one of day and weekDay must be '?'`],
    ['not json', `environment variable ${W} is not valid JSON: not json`],
  ])('maintenance windows %s are refused: %s', (raw, message) => {
    expect(configError({ ...MINIMAL, [W]: raw }).message).toContain(message);
  });

  test('standalone tasks: skip the instance', () => {
    const config = configFromEnvironment({ ...MINIMAL, [EnvName.STANDALONE_TASKS]: 'skip' });
    expect([config.skipInstancesWithStandaloneTasks, config.stopStandaloneTasksAfterSeconds]).toEqual([true, undefined]);
  });

  test('standalone tasks: wait is the default and may be written out', () => {
    expect(configFromEnvironment({ ...MINIMAL, [EnvName.STANDALONE_TASKS]: 'wait' }).stopStandaloneTasksAfterSeconds).toBeUndefined();
  });

  test.each(['stop', 'stop:', 'stop:-1', 'kill:30', 'stop:1.5'])('standalone tasks %s is refused, naming the variable and the value', (raw) => {
    expect(() => configFromEnvironment({ ...MINIMAL, [EnvName.STANDALONE_TASKS]: raw }))
      .toThrow(`environment variable ${EnvName.STANDALONE_TASKS} is '${raw}'; allowed: wait, skip, or stop:<grace seconds>`);
  });

  test.each(['1', '0:60', '1:0', '1:x', ':60'])('canary %s is refused, naming the variable and the value', (raw) => {
    expect(() => configFromEnvironment({ ...MINIMAL, [EnvName.CANARY]: raw }))
      .toThrow(`environment variable ${EnvName.CANARY} is '${raw}'; allowed: <count>:<soak seconds>, both whole numbers of at least 1`);
  });

  test('a steady-services timeout that is not a positive whole number is refused', () => {
    expect(() => configFromEnvironment({ ...MINIMAL, [EnvName.STEADY_SERVICES_TIMEOUT_SECONDS]: '0' }))
      .toThrow(`environment variable ${EnvName.STEADY_SERVICES_TIMEOUT_SECONDS} is '0'; allowed: a positive whole number of seconds`);
  });

  test.each([
    ['1', { count: 1 }],
    ['25%', { percent: 25 }],
    ['100%', { percent: 100 }],
  ])('maxUnavailable %s', (raw, expected) => {
    expect(configFromEnvironment({ ...MINIMAL, [EnvName.MAX_UNAVAILABLE]: raw }).maxUnavailable).toEqual(expected);
  });

  test.each(['0', '0%', '101%', '-1', 'ten', '5 %', '2.5'])('maxUnavailable %s is refused, naming the variable and the value', (raw) => {
    expect(() => configFromEnvironment({ ...MINIMAL, [EnvName.MAX_UNAVAILABLE]: raw }))
      .toThrow(`environment variable ${EnvName.MAX_UNAVAILABLE} is '${raw}'; allowed: a whole number of instances (at least 1) or a percentage from 1% to 100%`);
  });

  test('onDrainTimeout other than stop or force is refused', () => {
    expect(() => configFromEnvironment({ ...MINIMAL, [EnvName.ON_DRAIN_TIMEOUT]: 'terminate' }))
      .toThrow(`environment variable ${EnvName.ON_DRAIN_TIMEOUT} is 'terminate'; allowed: stop, force`);
  });

  test('false is read as false', () => {
    const config = configFromEnvironment({ ...MINIMAL, [EnvName.DRY_RUN]: 'false', [EnvName.REQUIRE_CLUSTER_TAG]: 'false' });
    expect([config.dryRun, config.requireClusterTag]).toEqual([false, false]);
  });

  test.each([
    [EnvName.CLUSTER_NAME, undefined],
    [EnvName.CLUSTER_NAME, '   '],
    [EnvName.AMI_PARAMETERS, undefined],
  ])('a missing %s is an error naming it', (name, value) => {
    const error = configError({ ...MINIMAL, [name]: value });
    expect(error.message).toContain(name);
    expect(error.message).toContain('required');
  });

  // Each malformed value: the message names the variable and shows the value received.
  test.each([
    [EnvName.GROUP_NAMES, 'asg-a,asg-b'],
    [EnvName.GROUP_NAMES, '"asg-a"'],
    [EnvName.GROUP_NAMES, '{"name":"asg-a"}'],
    [EnvName.GROUP_NAMES, '[""]'],
    [EnvName.GROUP_NAMES, '[1,2]'],
    [EnvName.AMI_PARAMETERS, '{not json'],
    [EnvName.AMI_PARAMETERS, '["/aws/service/x"]'],
    [EnvName.AMI_PARAMETERS, 'null'],
    [EnvName.AMI_PARAMETERS, '"/aws/service/x"'],
    [EnvName.DRY_RUN, 'yes'],
    [EnvName.DRY_RUN, 'TRUE'],
    [EnvName.DRY_RUN, '1'],
    [EnvName.REQUIRE_CLUSTER_TAG, 'on'],
    [EnvName.CORDON, 'yes'],
    [EnvName.DRAIN_TIMEOUT_SECONDS, '0'],
    [EnvName.DRAIN_TIMEOUT_SECONDS, '-60'],
    [EnvName.DRAIN_TIMEOUT_SECONDS, '1.5'],
    [EnvName.DRAIN_TIMEOUT_SECONDS, 'one hour'],
    [EnvName.DRAIN_TIMEOUT_SECONDS, '3600s'],
    [EnvName.CAPACITY_PROVIDER_GROUPS, '["asg-a"]'],
    [EnvName.CAPACITY_PROVIDER_GROUPS, '{"cp":""}'],
    [EnvName.CAPACITY_PROVIDER_GROUPS, '{"cp":3}'],
    [EnvName.SCHEDULE_PERIOD_SECONDS, '0'],
    [EnvName.SCHEDULE_PERIOD_SECONDS, '5 minutes'],
    [EnvName.DISCOVER_GROUPS, 'yes'],
    [EnvName.READINESS_TIMEOUT_SECONDS, '0'],
    [EnvName.WINDOWS_READINESS_TIMEOUT_SECONDS, '1h'],
    [EnvName.GROUP_OVERRIDES, '["asg-a"]'],
  ])('%s=%s is an error naming the variable and the value', (name, value) => {
    const error = configError({ ...MINIMAL, [name]: value });
    expect(error.message).toContain(name);
    expect(error.message).toContain(value);
  });

  test.each([
    ['a key without architecture', { 'amazon-linux-2023': '/aws/service/x' }, ["'amazon-linux-2023'"]],
    ['a key with aarch64', { 'bottlerocket-ecs-2/aarch64': '/aws/service/x' }, ["'bottlerocket-ecs-2/aarch64'"]],
    ['a key in upper case', { 'AL2023/x86_64': '/aws/service/x' }, ["'AL2023/x86_64'"]],
    ['a value that is not a string', { 'amazon-linux-2023/x86_64': 42 }, ["['amazon-linux-2023/x86_64']", "'42'"]],
    ['a value that is not a parameter name', { 'amazon-linux-2023/x86_64': 'ami-0123456789abcdef0 latest' }, ["'ami-0123456789abcdef0 latest'"]],
    ['a value with a version selector', { 'amazon-linux-2023/x86_64': '/acme/golden:3' }, ["'/acme/golden:3'"]],
  ])('AMI parameters with %s are refused, naming the entry', (_, parameters, fragments) => {
    const error = configError({ ...MINIMAL, [EnvName.AMI_PARAMETERS]: JSON.stringify(parameters) });
    expect(error.message).toContain(EnvName.AMI_PARAMETERS);
    for (const fragment of fragments) expect(error.message).toContain(fragment);
  });

  test.each([
    ['not an object', { 'asg-a': 'al2023' }, ["['asg-a']", '"al2023"']],
    ['a family in upper case', { 'asg-a': { family: 'AL2023' } }, ["['asg-a'].family", "'AL2023'"]],
    ['a parameter that is not a name', { 'asg-a': { amiParameter: 'not a name' } }, ["['asg-a'].amiParameter", "'not a name'"]],
    ['a readiness timeout of 0', { 'asg-a': { readinessTimeoutSeconds: 0 } }, ["['asg-a'].readinessTimeoutSeconds", "'0'"]],
    ['an unknown field', { 'asg-a': { parameter: '/x' } }, ["['asg-a']", 'parameter', 'allowed: family, amiParameter, readinessTimeoutSeconds']],
  ])('group overrides with %s are refused, naming the entry and the value', (_, overrides, fragments) => {
    const error = configError({ ...MINIMAL, [EnvName.GROUP_OVERRIDES]: JSON.stringify(overrides) });
    expect(error.message).toContain(EnvName.GROUP_OVERRIDES);
    for (const fragment of fragments) expect(error.message).toContain(fragment);
  });

  test('per-group readiness timeouts are taken from the group settings that set one', () => {
    const { groupOverrides } = configFromEnvironment({
      ...MINIMAL,
      [EnvName.GROUP_OVERRIDES]: JSON.stringify({ win: { readinessTimeoutSeconds: 5400 }, gpu: { family: 'amazon-linux-2-gpu' } }),
    });
    expect(groupReadinessTimeouts(groupOverrides)).toEqual({ win: 5400 });
  });
});
