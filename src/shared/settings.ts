/**
 * The settings table: one row per setting, from which every place a setting is written follows. The construct
 * validates its props against a row's range and writes the row's variable (construct/settings.ts); the engine
 * reads the variables back in one walk over the table (engine/config.ts); the CLI builds its options, parsers
 * and defaults from the rows' `cli` entries (cli/options.ts); the docs' tables are checked against the rows
 * (test/shared/settings-docs.test.ts). The construct's props interface stays hand-written for jsii.
 *
 * A row is data: its kind (setting-kinds.ts, setting-documents.ts) parses, checks and formats the value.
 * No SDK and no aws-cdk-lib here. The rows are in the order `--help` lists their options.
 */
import {
  amiParameterMap, capacityProviderGroups, clusterName, groupName, groupNameList, groupOverrideMap, parseAmiParameterOption, topicArn,
} from './setting-documents';
import { flag, Kind, maxUnavailable, oneOf, seconds, wholeNumber } from './setting-kinds';
import { canary, maintenanceWindows, standaloneTasks } from './setting-policies';
import type { Setting } from './setting-row';

export type { CliOption, OptionValue, Setting } from './setting-row';

const READINESS = seconds({ min: 5 * 60, max: 6 * 3600 });
const DRAIN = seconds({ min: 60, max: 48 * 3600 });
const CANARY = canary(wholeNumber(1, 100, 'instances per group'), seconds({ min: 60, max: 7 * 86_400 }));
const STANDALONE_TASKS = standaloneTasks(seconds({ min: 0, max: 48 * 3600 }));

export const SETTINGS = {
  clusterName: {
    envKey: 'CLUSTER_NAME',
    env: 'ECS_AMI_REFRESHER_CLUSTER',
    derivedFrom: 'cluster',
    kind: clusterName,
    required: true,
    cli: [{ flags: '-c, --cluster <name>', help: 'ECS cluster name or ARN', defaultHelp: '$ECS_AMI_REFRESHER_CLUSTER', value: clusterName }],
    doc: 'The ECS cluster whose container instances are kept on the newest AMI.',
  },
  groupNames: {
    envKey: 'GROUP_NAMES',
    env: 'ECS_AMI_REFRESHER_GROUPS',
    derivedFrom: 'autoScalingGroups',
    kind: groupNameList,
    default: [],
    cli: [{
      flags: '-g, --group <name>',
      help: 'an Auto Scaling group to manage; repeat for more',
      repeatable: true,
      value: groupName,
      defaultHelp: 'the groups of the cluster\'s capacity providers',
    }],
    doc: 'JSON array of group names given to the construct (managed in addition to discovered ones).',
  },
  discoverGroups: {
    envKey: 'DISCOVER_GROUPS',
    env: 'ECS_AMI_REFRESHER_DISCOVER_GROUPS',
    prop: 'discoverCapacityProviderGroups',
    kind: flag,
    default: true,
    doc: 'Also manage the groups of the cluster\'s ACTIVE capacity providers (a terminal run: unless --group is given).',
  },
  knownCapacityProviders: {
    envKey: 'CAPACITY_PROVIDER_GROUPS',
    env: 'ECS_AMI_REFRESHER_CAPACITY_PROVIDER_GROUPS',
    derivedFrom: 'cluster',
    kind: capacityProviderGroups,
    default: {},
    doc: 'JSON object: capacity provider name to group name, for the providers the construct found in its app; '
      + 'the engine describes only the cluster\'s other providers.',
  },
  unmanagedReplacementGroup: {
    envKey: 'UNMANAGED_REPLACEMENT_GROUP',
    env: 'ECS_AMI_REFRESHER_UNMANAGED_REPLACEMENT_GROUP',
    derivedFrom: 'replaceUnmanagedInstancesThrough',
    kind: groupName,
    rotation: true,
    cli: [{
      flags: '--replace-unmanaged-through <group>',
      help: 'replace container instances outside every group through this managed group',
      defaultHelp: 'only report them',
      direct: true,
    }],
    doc: 'A managed group through which container instances outside every group are replaced (opt-in).',
  },
  schedulePeriodSeconds: {
    envKey: 'SCHEDULE_PERIOD_SECONDS',
    env: 'ECS_AMI_REFRESHER_SCHEDULE_PERIOD_SECONDS',
    derivedFrom: 'schedule',
    kind: seconds({ min: 1 }),
    doc: 'The schedule\'s period in seconds when it is a rate (runs then end just before a tick); unset for a cron schedule.',
  },
  groupOverrides: {
    envKey: 'GROUP_OVERRIDES',
    env: 'ECS_AMI_REFRESHER_GROUP_OVERRIDES',
    derivedFrom: 'groupOverrides',
    kind: groupOverrideMap,
    default: {},
    doc: 'JSON object: group name to `{ family?, amiParameter?, readinessTimeoutSeconds? }`.',
  },
  readinessTimeoutSeconds: {
    envKey: 'READINESS_TIMEOUT_SECONDS',
    env: 'ECS_AMI_REFRESHER_READINESS_TIMEOUT_SECONDS',
    prop: 'readinessTimeout',
    kind: READINESS,
    // A Linux host boots and registers in 2-5 minutes; 30 minutes leaves room for slow AMIs and capacity
    // retries, and still stops a bad image the same hour.
    default: 1800,
    rotation: true,
    doc: 'Seconds replacements of Linux (and Bottlerocket) groups may take to be InService and ACTIVE in the cluster.',
  },
  windowsReadinessTimeoutSeconds: {
    envKey: 'WINDOWS_READINESS_TIMEOUT_SECONDS',
    env: 'ECS_AMI_REFRESHER_WINDOWS_READINESS_TIMEOUT_SECONDS',
    prop: 'windowsReadinessTimeout',
    // Windows hosts boot, run their first-boot configuration and start the agent far more slowly (the AWS for Industries updater
    // paced Windows at 900 s against Linux's 120 s, 7.5 times longer): an hour, so a healthy Windows group is never
    // stopped for being Windows, while a bad image still stops within the hour.
    kind: READINESS,
    default: 3600,
    rotation: true,
    doc: 'The same for Windows groups, which boot and register more slowly.',
  },
  maxUnavailable: {
    envKey: 'MAX_UNAVAILABLE',
    env: 'ECS_AMI_REFRESHER_MAX_UNAVAILABLE',
    prop: 'maxUnavailable',
    kind: maxUnavailable,
    // The same 90% minimum healthy that EC2 Auto Scaling instance refresh defaults to.
    default: { percent: 10 },
    readmeDefault: '`MaxUnavailable.percent(10)`',
    rotation: true,
    cli: [{ flags: '--max-unavailable <N|N%>', help: 'instances per group out of service at once, at least 1', direct: true }],
    doc: '`3` or `10%`: instances per group out of service at once.',
  },
  drainTimeoutSeconds: {
    envKey: 'DRAIN_TIMEOUT_SECONDS',
    env: 'ECS_AMI_REFRESHER_DRAIN_TIMEOUT_SECONDS',
    prop: 'drainTimeout',
    kind: DRAIN,
    // As the AWS for Industries updater waits (3,600 s).
    default: 3600,
    rotation: true,
    cli: [{ flags: '--drain-timeout <duration>', help: 'how long a drain may take, e.g. 900s, 30m, 1h', direct: true }],
    doc: 'Seconds an instance may take to drain before the drain counts as stuck.',
  },
  onDrainTimeout: {
    envKey: 'ON_DRAIN_TIMEOUT',
    env: 'ECS_AMI_REFRESHER_ON_DRAIN_TIMEOUT',
    prop: 'onDrainTimeout',
    kind: oneOf(['stop', 'force'] as const),
    default: 'stop',
    readmeDefault: '`STOP_ROTATION`',
    rotation: true,
    cli: [{ flags: '--on-drain-timeout <action>', help: 'after the drain timeout: stop the group, or force-terminate', direct: true, choices: ['stop', 'force'] }],
    doc: '`stop` (the group\'s rotation stops and alarms) or `force` (terminate anyway) after the drain timeout.',
  },
  rollbackOnFailedReplacement: {
    envKey: 'ROLLBACK_ON_FAILED_REPLACEMENT',
    env: 'ECS_AMI_REFRESHER_ROLLBACK_ON_FAILED_REPLACEMENT',
    prop: 'rollbackOnFailedReplacement',
    kind: flag,
    default: false,
    rotation: true,
    cli: [{
      flags: '--rollback-on-failed-replacement',
      help: 'roll a group back from an image whose replacements never become ACTIVE',
      defaultHelp: 'stop only',
      direct: true,
    }],
    doc: 'Roll a group back from an image whose replacements never became ACTIVE.',
  },
  cordon: {
    envKey: 'CORDON',
    env: 'ECS_AMI_REFRESHER_CORDON',
    prop: 'cordonOutdatedInstances',
    kind: flag,
    default: true,
    rotation: true,
    cli: [{
      flags: '--no-cordon',
      help: 'do not cordon outdated instances while their group rotates',
      direct: true,
      defaultHelp: 'cordon; it only affects services placed with the refresher\'s constraint',
    }],
    doc: 'Cordon outdated instances while their group rotates (ECS attribute).',
  },
  canary: {
    envKey: 'CANARY',
    env: 'ECS_AMI_REFRESHER_CANARY',
    prop: 'canary',
    rotation: true,
    kind: CANARY,
    readmeDefault: 'none',
    cli: [
      {
        flags: '--canary <N>',
        help: 'replace N instances per group first and go on only if they are healthy after the soak',
        defaultHelp: 'no canary',
        value: CANARY.count,
      },
      { flags: '--soak <duration>', help: 'how long canaries serve before they are judged; required with --canary', value: CANARY.soak },
    ],
    doc: '`<count>:<soak seconds>`: replace this many instances per group first and soak them; unset: no canary.',
  },
  waitForSteadyServices: {
    envKey: 'WAIT_FOR_STEADY_SERVICES',
    env: 'ECS_AMI_REFRESHER_WAIT_FOR_STEADY_SERVICES',
    prop: 'waitForSteadyServices',
    kind: flag,
    default: false,
    rotation: true,
    cli: [{
      flags: '--wait-for-steady-services',
      direct: true,
      help: 'drain the next instance only once the services on it are steady and their daemons run on the replacements',
      defaultHelp: 'drain as soon as capacity and --max-unavailable allow',
    }],
    doc: 'Drain an instance only once the services with tasks on it are steady.',
  },
  steadyServicesTimeoutSeconds: {
    envKey: 'STEADY_SERVICES_TIMEOUT_SECONDS',
    env: 'ECS_AMI_REFRESHER_STEADY_SERVICES_TIMEOUT_SECONDS',
    prop: 'steadyServicesTimeout',
    kind: DRAIN,
    defaultFrom: 'drainTimeoutSeconds',
    readmeDefault: 'the drain timeout',
    rotation: true,
    cli: [{
      flags: '--steady-services-timeout <duration>',
      help: 'how long drains may wait for steady services before the group stops',
      defaultHelp: 'the drain timeout',
      direct: true,
    }],
    doc: 'Seconds drains may wait for steady services before the group stops.',
  },
  standaloneTasks: {
    envKey: 'STANDALONE_TASKS',
    env: 'ECS_AMI_REFRESHER_STANDALONE_TASKS',
    prop: 'standaloneTasks',
    kind: STANDALONE_TASKS,
    default: { mode: 'wait' },
    readmeDefault: '`StandaloneTasks.waitForThem()`',
    cli: [
      {
        flags: '--stop-standalone-tasks-after <duration>',
        help: 'stop standalone tasks (outside services) left on a draining instance after this long',
        defaultHelp: 'wait for them, up to the drain timeout',
        value: STANDALONE_TASKS.grace,
      },
      { flags: '--skip-instances-with-standalone-tasks', help: 'take an outdated instance running standalone tasks on only once they have ended (as StandaloneTasks.skipInstance)' },
    ],
    doc: '`wait`, or `stop:<grace seconds>`: what happens to standalone tasks on a drained instance; `skip`: an outdated '
      + 'instance running standalone tasks is not taken on until they have ended.',
  },
  maintenanceWindows: {
    envKey: 'MAINTENANCE_WINDOWS',
    env: 'ECS_AMI_REFRESHER_MAINTENANCE_WINDOWS',
    derivedFrom: 'maintenanceWindows',
    kind: maintenanceWindows(seconds({ min: 15 * 60, max: 7 * 86_400 })),
    default: [],
    readmeDefault: 'none: any time',
    rotation: true,
    cli: [{
      flags: '--maintenance-window <"cron for duration">',
      repeatable: true,
      direct: true,
      help: 'start new replacements only inside this window (UTC), e.g. "0 2 ? * SUN for 4h"; repeatable',
      defaultHelp: 'any time; the Lambda\'s windows do not apply to a terminal run',
    }],
    doc: 'JSON array of `{ "cron": "<minute hour day month weekDay>", "durationSeconds": n }` (UTC): new replacements '
      + 'start only inside one of them; `[]` or unset: at any time.',
  },
  minimumAmiAgeSeconds: {
    envKey: 'MINIMUM_AMI_AGE_SECONDS',
    env: 'ECS_AMI_REFRESHER_MINIMUM_AMI_AGE_SECONDS',
    prop: 'minimumAmiAge',
    kind: seconds({ min: 0, max: 90 * 86_400, zeroMeansNone: true, days: true }),
    default: 0,
    unsetMeansNone: true,
    rotation: true,
    cli: [{ flags: '--minimum-ami-age <duration>', help: 'adopt an image only once it is this old, e.g. 3d, 12h', defaultHelp: 'at once', direct: true }],
    doc: 'Seconds an image must have existed (from its CreationDate) before groups adopt it; `0` or unset: at once.',
  },
  templateVersionsToKeep: {
    envKey: 'TEMPLATE_VERSIONS_TO_KEEP',
    env: 'ECS_AMI_REFRESHER_TEMPLATE_VERSIONS_TO_KEEP',
    prop: 'launchTemplateVersionsToKeep',
    kind: wholeNumber(1, 100, 'versions per launch template'),
    default: 5,
    unsetMeansNone: true,
    rotation: true,
    cli: [{
      flags: '--launch-template-versions-to-keep <N>',
      direct: true,
      help: 'when a rotation ends, delete all but the newest N launch template versions the refresher created, as the Lambda does',
    }],
    doc: 'Launch template versions the engine created kept per template when a rotation ends; unset: none deleted.',
  },
  amiParameters: {
    envKey: 'AMI_PARAMETERS',
    env: 'ECS_AMI_REFRESHER_AMI_PARAMETERS',
    derivedFrom: 'amiParameters',
    kind: amiParameterMap,
    required: true,
    readmeDefault: '`AmiParameters.defaults()`',
    cli: [{
      flags: '--ami-parameter <family/arch=name>',
      repeatable: true,
      value: { parseCli: parseAmiParameterOption },
      help: 'the SSM parameter naming the newest AMI of a family and architecture, over the defaults (public ECS-optimized, Bottlerocket, Windows); repeatable',
    }],
    doc: 'JSON object: AMI parameter key (`family/arch`) to SSM parameter name or ARN, the defaults merged in.',
  },
  requireClusterTag: {
    envKey: 'REQUIRE_CLUSTER_TAG',
    env: 'ECS_AMI_REFRESHER_REQUIRE_CLUSTER_TAG',
    derivedFrom: 'discoverCapacityProviderGroups',
    kind: flag,
    default: false,
    cli: [{ flags: '--require-cluster-tag', help: 'refuse groups not tagged ecs-ami-refresher:cluster=<cluster> (what the Lambda does with discovered groups)', direct: true }],
    doc: 'Require the cluster tag on discovered groups that were not also given (the construct: when it discovers groups, '
      + 'since the IAM policy is conditioned on the tag).',
  },
  dryRun: {
    envKey: 'DRY_RUN',
    env: 'ECS_AMI_REFRESHER_DRY_RUN',
    prop: 'dryRun',
    kind: flag,
    default: false,
    cli: [{ flags: '--dry-run', help: 'observe and decide once, print what would be done, write nothing', direct: true, rotateOnly: true }],
    doc: 'Observe and report only: log the plan and publish metrics, change nothing.',
  },
  notificationTopicArn: {
    envKey: 'NOTIFICATION_TOPIC_ARN',
    env: 'ECS_AMI_REFRESHER_NOTIFICATION_TOPIC_ARN',
    derivedFrom: 'notificationTopic',
    kind: topicArn,
    doc: 'ARN of the SNS topic that gets a message when a group\'s rotation starts, stops, resumes or finishes; unset: none.',
  },
} as const satisfies Record<string, Setting<unknown>>;

export type SettingKey = keyof typeof SETTINGS;
type Row<K extends SettingKey> = (typeof SETTINGS)[K];
type ValueOf<K extends SettingKey> = Row<K>['kind'] extends Kind<infer T> ? T : never;
/** Whether the engine always has a value: required, or a default that unset stands for. */
type AlwaysSet<R> = R extends { readonly required: true } ? true
  : R extends { readonly unsetMeansNone: true } ? false : R extends { readonly default: unknown } ? true : false;

/** Every setting's value as the engine reads it from the environment. */
export type SettingValues = { readonly [K in SettingKey]: AlwaysSet<Row<K>> extends true ? ValueOf<K> : ValueOf<K> | undefined };

/** The settings of the rotation (`RotationConfig` takes them under the same names). */
export type RotationSettingKey = { [K in SettingKey]: Row<K> extends { readonly rotation: true } ? K : never }[SettingKey];

/** The rows, in order, each with its key. */
export const SETTING_ROWS: ReadonlyArray<Setting<unknown> & { readonly key: SettingKey }> = Object.entries(SETTINGS)
  .map(([key, row]) => ({ ...(row as Setting<unknown>), key: key as SettingKey }));

type EnvKey = Row<SettingKey>['envKey'];

/** Environment variables of the rotator function, by key; read in one place (engine/config.ts). */
export const EnvName = Object.fromEntries(SETTING_ROWS.map((row) => [row.envKey, row.env])) as { readonly [K in EnvKey]: string };

/**
 * The value of each setting in `env`: the kind reads the variable; unset, the row's default stands for it,
 * or none where unset means none. Throws a SettingError naming the first variable that is malformed.
 */
export function readSettings(env: Readonly<Record<string, string | undefined>>): SettingValues {
  const values: Record<string, unknown> = {};
  for (const row of SETTING_ROWS) {
    const value = row.kind.read(env[row.env], row.env);
    values[row.key] = value !== undefined || row.unsetMeansNone ? value : row.default;
  }
  return values as SettingValues;
}
