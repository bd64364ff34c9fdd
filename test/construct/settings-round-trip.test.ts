/**
 * The round trip of every setting: props -> the environment the construct writes (read from the synthesized
 * template, every name literal) -> `configFromEnvironment` gives the value the prop meant, the default
 * included. One case per row of the settings table; a row added without its case fails here.
 */
import { App, Duration, Stack, aws_autoscaling as autoscaling, aws_ec2 as ec2, aws_ecs as ecs, aws_events as events, aws_sns as sns } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { environment, LT_FLAG } from './fixtures';
import { DrainTimeoutAction, EcsAmiRefresher, EcsAmiRefresherProps, MaintenanceWindow, MaxUnavailable, StandaloneTasks } from '../../src';
import { configFromEnvironment, EngineConfig } from '../../src/engine/config';
import { DEFAULT_AMI_PARAMETERS } from '../../src/shared/ami-families';
import { SETTING_ROWS, SETTINGS, SettingKey } from '../../src/shared/settings';

interface Fixture {
  readonly stack: Stack;
  readonly cluster: ecs.Cluster;
  /** Behind the capacity provider `prod-cp`. */
  readonly linux: autoscaling.AutoScalingGroup;
  /** Joins the cluster through its user data. */
  readonly windows: autoscaling.AutoScalingGroup;
}

function fixture(): Fixture {
  const app = new App({ context: LT_FLAG });
  const stack = new Stack(app, 'RoundTrip', { env: { account: '111111111111', region: 'eu-west-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0 });
  const cluster = new ecs.Cluster(stack, 'Cluster', { vpc, clusterName: 'prod' });
  const group = (id: string, name: string, machineImage: ec2.IMachineImage) =>
    new autoscaling.AutoScalingGroup(stack, id, { vpc, instanceType: new ec2.InstanceType('m7i.large'), machineImage, autoScalingGroupName: name });
  const linux = group('Linux', 'prod-linux', ecs.EcsOptimizedImage.amazonLinux2023());
  const windows = group('Windows', 'prod-windows', ecs.EcsOptimizedImage.windows(ecs.WindowsOptimizedVersion.SERVER_2022));
  cluster.addAsgCapacityProvider(new ecs.AsgCapacityProvider(stack, 'Provider', { autoScalingGroup: linux, capacityProviderName: 'prod-cp' }));
  return { stack, cluster, linux, windows };
}

interface RowCase {
  /** The row's props, set to something other than their defaults (merged into one refresher with the others' props). */
  readonly given: (f: Fixture) => Partial<EcsAmiRefresherProps>;
  /** What the engine's configuration holds for the row with no setting prop given: the default. */
  readonly byDefault: Partial<EngineConfig>;
  /** And with every row's `given` props. */
  readonly whenGiven: Partial<EngineConfig>;
  /** More props -> configuration pairs, each synthesized alone. */
  readonly more?: ReadonlyArray<readonly [(f: Fixture) => Partial<EcsAmiRefresherProps>, Partial<EngineConfig>]>;
}

const CASES: { readonly [K in SettingKey]: RowCase } = {
  clusterName: { given: () => ({}), byDefault: { clusterName: 'prod' }, whenGiven: { clusterName: 'prod' } },
  groupNames: {
    // The named groups: given, overridden and the replacement group, each once.
    given: (f) => ({ autoScalingGroups: [f.windows] }),
    byDefault: { groupNames: [] },
    whenGiven: { groupNames: ['prod-windows', 'prod-linux'] },
  },
  discoverGroups: {
    given: () => ({ discoverCapacityProviderGroups: false }), byDefault: { discoverGroups: true }, whenGiven: { discoverGroups: false },
  },
  knownCapacityProviders: {
    given: () => ({}),
    byDefault: { knownCapacityProviders: { 'prod-cp': 'prod-linux' } },
    // Not discovering, the construct looks for no capacity provider.
    whenGiven: { knownCapacityProviders: {} },
  },
  unmanagedReplacementGroup: {
    given: (f) => ({ replaceUnmanagedInstancesThrough: f.linux }),
    byDefault: { unmanagedReplacementGroup: undefined },
    whenGiven: { unmanagedReplacementGroup: 'prod-linux' },
  },
  schedulePeriodSeconds: {
    given: () => ({ schedule: events.Schedule.rate(Duration.minutes(10)) }),
    byDefault: { schedulePeriodSeconds: 300 },
    whenGiven: { schedulePeriodSeconds: 600 },
    more: [[() => ({ schedule: events.Schedule.cron({ minute: '*/5' }) }), { schedulePeriodSeconds: undefined }]],
  },
  groupOverrides: {
    given: (f) => ({ groupOverrides: [{ autoScalingGroup: f.linux, family: 'acme-golden', amiParameterName: '/acme/golden', readinessTimeout: Duration.minutes(20) }] }),
    byDefault: { groupOverrides: {} },
    whenGiven: { groupOverrides: { 'prod-linux': { family: 'acme-golden', amiParameter: '/acme/golden', readinessTimeoutSeconds: 1200 } } },
  },
  readinessTimeoutSeconds: {
    given: () => ({ readinessTimeout: Duration.minutes(10) }),
    byDefault: { readinessTimeoutSeconds: 1800 },
    whenGiven: { readinessTimeoutSeconds: 600 },
  },
  windowsReadinessTimeoutSeconds: {
    given: () => ({ windowsReadinessTimeout: Duration.hours(2) }),
    byDefault: { windowsReadinessTimeoutSeconds: 3600 },
    whenGiven: { windowsReadinessTimeoutSeconds: 7200 },
  },
  maxUnavailable: {
    given: () => ({ maxUnavailable: MaxUnavailable.count(3) }),
    byDefault: { maxUnavailable: { percent: 10 } },
    whenGiven: { maxUnavailable: { count: 3 } },
    more: [[() => ({ maxUnavailable: MaxUnavailable.percent(25) }), { maxUnavailable: { percent: 25 } }]],
  },
  drainTimeoutSeconds: {
    given: () => ({ drainTimeout: Duration.minutes(30) }), byDefault: { drainTimeoutSeconds: 3600 }, whenGiven: { drainTimeoutSeconds: 1800 },
  },
  onDrainTimeout: {
    given: () => ({ onDrainTimeout: DrainTimeoutAction.FORCE_TERMINATE }), byDefault: { onDrainTimeout: 'stop' }, whenGiven: { onDrainTimeout: 'force' },
  },
  rollbackOnFailedReplacement: {
    given: () => ({ rollbackOnFailedReplacement: true }),
    byDefault: { rollbackOnFailedReplacement: false },
    whenGiven: { rollbackOnFailedReplacement: true },
  },
  cordon: { given: () => ({ cordonOutdatedInstances: false }), byDefault: { cordon: true }, whenGiven: { cordon: false } },
  canary: {
    given: () => ({ canary: { count: 2, soak: Duration.minutes(15) } }),
    byDefault: { canary: undefined },
    whenGiven: { canary: { count: 2, soakSeconds: 900 } },
    more: [[() => ({ canary: { soak: Duration.hours(1) } }), { canary: { count: 1, soakSeconds: 3600 } }]],
  },
  waitForSteadyServices: {
    given: () => ({ waitForSteadyServices: true }), byDefault: { waitForSteadyServices: false }, whenGiven: { waitForSteadyServices: true },
  },
  steadyServicesTimeoutSeconds: {
    given: () => ({ steadyServicesTimeout: Duration.minutes(20) }),
    // The drain timeout.
    byDefault: { steadyServicesTimeoutSeconds: 3600 },
    whenGiven: { steadyServicesTimeoutSeconds: 1200 },
    more: [[() => ({ drainTimeout: Duration.minutes(45) }), { steadyServicesTimeoutSeconds: 2700 }]],
  },
  standaloneTasks: {
    given: () => ({ standaloneTasks: StandaloneTasks.stopAfter(Duration.minutes(5)) }),
    byDefault: { stopStandaloneTasksAfterSeconds: undefined, skipInstancesWithStandaloneTasks: false },
    whenGiven: { stopStandaloneTasksAfterSeconds: 300, skipInstancesWithStandaloneTasks: false },
    more: [
      [
        () => ({ standaloneTasks: StandaloneTasks.skipInstance() }),
        { skipInstancesWithStandaloneTasks: true, stopStandaloneTasksAfterSeconds: undefined },
      ],
      [() => ({ standaloneTasks: StandaloneTasks.waitForThem() }), { skipInstancesWithStandaloneTasks: false }],
    ],
  },
  maintenanceWindows: {
    given: () => ({
      maintenanceWindows: [MaintenanceWindow.cron({ minute: '0', hour: '2', weekDay: 'SUN' }, Duration.hours(4))],
      // Longer than the week the window is closed.
      outdatedAlarmThreshold: Duration.days(8),
    }),
    byDefault: { maintenanceWindows: [] },
    whenGiven: { maintenanceWindows: [expect.objectContaining({ expression: '0 2 ? * SUN', durationSeconds: 14400 })] },
  },
  minimumAmiAgeSeconds: {
    given: () => ({ minimumAmiAge: Duration.days(3) }),
    // 0: an image is adopted at once.
    byDefault: { minimumAmiAgeSeconds: undefined },
    whenGiven: { minimumAmiAgeSeconds: 259200 },
  },
  templateVersionsToKeep: {
    given: () => ({ launchTemplateVersionsToKeep: 12 }), byDefault: { templateVersionsToKeep: 5 }, whenGiven: { templateVersionsToKeep: 12 },
  },
  amiParameters: {
    given: () => ({ amiParameters: { 'acme-golden/x86_64': '/acme/golden' } }),
    byDefault: { amiParameters: DEFAULT_AMI_PARAMETERS },
    whenGiven: { amiParameters: { ...DEFAULT_AMI_PARAMETERS, 'acme-golden/x86_64': '/acme/golden' } },
  },
  requireClusterTag: {
    given: () => ({}),
    // Discovered groups must carry the cluster tag (the policy's condition); without discovery none is discovered.
    byDefault: { requireClusterTag: true },
    whenGiven: { requireClusterTag: false },
  },
  dryRun: { given: () => ({ dryRun: true }), byDefault: { dryRun: false }, whenGiven: { dryRun: true } },
  notificationTopicArn: {
    given: (f) => ({ notificationTopic: sns.Topic.fromTopicArn(f.stack, 'Topic', 'arn:aws:sns:eu-west-1:111111111111:rotations') }),
    byDefault: { notificationTopicArn: undefined },
    whenGiven: { notificationTopicArn: 'arn:aws:sns:eu-west-1:111111111111:rotations' },
  },
};

/** The engine's configuration from the environment of a refresher synthesized with these props. */
function roundTrip(props: (f: Fixture) => Partial<EcsAmiRefresherProps>): EngineConfig {
  const f = fixture();
  new EcsAmiRefresher(f.stack, 'Refresher', { cluster: f.cluster, ...props(f) });
  const template = Template.fromStack(f.stack);
  const env = Object.fromEntries(Object.entries(environment(template)).map(([name, value]) => [name, resolved(value, template)]));
  return configFromEnvironment(env);
}

/**
 * A variable as the function gets it: CloudFormation resolves a `Ref` to the resource's name, which every
 * resource here is given literally (the cluster, the groups, the capacity provider).
 */
function resolved(value: unknown, template: Template): string {
  if (typeof value === 'string') return value;
  const v = value as Record<string, any>;
  if (v['Fn::Join']) return v['Fn::Join'][1].map((part: unknown) => resolved(part, template)).join(v['Fn::Join'][0]);
  const resource = v.Ref !== undefined ? template.toJSON().Resources[v.Ref] : undefined;
  const name = resource?.Properties?.ClusterName ?? resource?.Properties?.AutoScalingGroupName ?? resource?.Properties?.Name;
  if (typeof name !== 'string') throw new Error(`not a literal name: ${JSON.stringify(value)}`);
  return name;
}

const rows = SETTING_ROWS.map((row) => [row.key] as const);
let defaults: EngineConfig;
let given: EngineConfig;

beforeAll(() => {
  defaults = roundTrip(() => ({}));
  given = roundTrip((f) => Object.assign({}, ...Object.values(CASES).map((c: RowCase) => c.given(f))));
});

test('every row of the settings table has its case, and no case is for a row that is gone', () => {
  expect(Object.keys(CASES).sort()).toEqual(SETTING_ROWS.map((row) => row.key).sort());
});

/** Each row's `prop` and `derivedFrom` name a prop of the construct: a row naming another does not compile. */
type RowProp = { [K in SettingKey]: (typeof SETTINGS)[K] extends { readonly prop: infer P } ? P
  : (typeof SETTINGS)[K] extends { readonly derivedFrom: infer D } ? D : never }[SettingKey];
test('every prop a row names is a prop of the construct', () => {
  const named: ReadonlyArray<keyof EcsAmiRefresherProps> = SETTING_ROWS.flatMap((row) => [row.prop, row.derivedFrom])
    .filter((p): p is RowProp => p !== undefined);
  expect(named.length).toBeGreaterThan(20);
});

test.each(rows)('%s: the default the prop stands for', (key) => {
  expect(pick(defaults, CASES[key].byDefault)).toEqual(CASES[key].byDefault);
});

test.each(rows)('%s: the value given', (key) => {
  expect(pick(given, CASES[key].whenGiven)).toEqual(CASES[key].whenGiven);
});

const more = SETTING_ROWS.flatMap((row) => (CASES[row.key].more ?? []).map(([props, expected], i) => [`${row.key} #${i + 1}`, props, expected] as const));
test.each(more)('%s', (_name, props, expected) => {
  expect(pick(roundTrip(props), expected)).toEqual(expected);
});

function pick(config: EngineConfig, like: Partial<EngineConfig>): Partial<EngineConfig> {
  return Object.fromEntries(Object.keys(like).map((k) => [k, config[k as keyof EngineConfig]]));
}
