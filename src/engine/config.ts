/**
 * The engine's configuration, read from the function's environment in this one place. A missing or
 * malformed variable is an error that names it, the value and what is allowed.
 */
import { CanarySetting, MaxUnavailableSetting } from './budget';
import { FAMILY_PATTERN, GroupSettings, PARAMETER_KEY_PATTERN, PARAMETER_NAME_PATTERN } from '../shared/ami-families';
import { EnvName } from '../shared/constants';
import type { RotationConfig } from './decide/rotate';
import { MaintenanceWindow, maintenanceWindow, WindowError } from '../shared/maintenance-window';

/** What the engine needs of its configuration (config.ts), with the rotation's settings grouped. */
export type EngineSettings = Pick<EngineConfig, 'clusterName' | 'groupNames' | 'amiParameters' | 'requireClusterTag' | 'dryRun'>
  & Partial<Pick<EngineConfig, 'discoverGroups' | 'groupOverrides'>> & {
    readonly rotation: RotationConfig;
    /** Capacity provider name -> group name, known without asking ECS. */
    readonly knownCapacityProviders?: Readonly<Record<string, string>>;
    /** Rotations starting, stopping, resuming and finishing are published here (needs the `sns` port). */
    readonly notificationTopicArn?: string;
  };

export interface EngineConfig {
  readonly clusterName: string;
  /** Groups given to the construct, managed in addition to the discovered ones. */
  readonly groupNames: readonly string[];
  /** The schedule's period, when it is a rate (runs then end just before a tick). */
  readonly schedulePeriodSeconds?: number;
  /** Capacity provider name -> group name, known at synth time. */
  readonly knownCapacityProviders: Readonly<Record<string, string>>;
  /** Also manage the groups of the cluster's ACTIVE capacity providers. */
  readonly discoverGroups: boolean;
  /** Per-group family, parameter (golden AMI) and readiness timeout, by group name. */
  readonly groupOverrides: Readonly<Record<string, GroupSettings>>;
  /** A managed group through which instances outside every group are replaced; undefined: only reported. */
  readonly unmanagedReplacementGroup?: string;
  readonly amiParameters: Readonly<Record<string, string>>;
  readonly dryRun: boolean;
  readonly drainTimeoutSeconds: number;
  readonly requireClusterTag: boolean;
  readonly maxUnavailable: MaxUnavailableSetting;
  readonly onDrainTimeout: 'stop' | 'force';
  /** How long replacements may take to be InService and ACTIVE in the cluster (Linux and Bottlerocket groups). */
  readonly readinessTimeoutSeconds: number;
  /** The same for Windows groups. */
  readonly windowsReadinessTimeoutSeconds: number;
  readonly rollbackOnFailedReplacement: boolean;
  readonly cordon: boolean;
  readonly canary?: CanarySetting;
  readonly waitForSteadyServices: boolean;
  readonly steadyServicesTimeoutSeconds?: number;
  /** Set: standalone tasks on a drained instance are stopped this long after its drain started. */
  readonly stopStandaloneTasksAfterSeconds?: number;
  /** Set: rotations starting, stopping, resuming and finishing are published to this SNS topic. */
  readonly notificationTopicArn?: string;
  /** Outdated instances running standalone tasks are taken on only once those have ended. */
  readonly skipInstancesWithStandaloneTasks: boolean;
  /** New replacements start only inside one of these; empty: at any time. */
  readonly maintenanceWindows: readonly MaintenanceWindow[];
  /** Set: an image is adopted only once it is this old. */
  readonly minimumAmiAgeSeconds?: number;
  /** Set: launch template versions the engine created kept per template when a rotation ends; older ones deleted. */
  readonly templateVersionsToKeep?: number;
}

/**
 * Replacements must be ACTIVE in the cluster within this: a Linux host boots and registers in 2-5 minutes;
 * 30 minutes leaves room for slow AMIs and capacity retries, and still stops a bad image the same hour.
 */
export const DEFAULT_READINESS_TIMEOUT_SECONDS = 1800;

/**
 * Windows hosts boot, run their first-boot configuration and start the agent far more slowly (the seed script
 * paced Windows at 900 s against Linux's 120 s, 7.5 times longer): an hour, so a healthy Windows group is never
 * stopped for being Windows, while a bad image still stops within the hour.
 */
export const DEFAULT_WINDOWS_READINESS_TIMEOUT_SECONDS = 3600;

/** `3` or `10%` -> a setting; anything else names the variable and what is allowed. */
export function parseMaxUnavailable(raw: string, source: string): MaxUnavailableSetting {
  const match = raw.trim().match(/^(\d{1,4})(%?)$/);
  const value = match ? Number(match[1]) : NaN;
  if (!match || value < 1 || (match[2] === '%' && value > 100)) {
    throw new ConfigError(`${source} is '${raw}'; allowed: a whole number of instances (at least 1) or a percentage from 1% to 100%`);
  }
  return match[2] === '%' ? { percent: value } : { count: value };
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export function configFromEnvironment(env: Readonly<Record<string, string | undefined>>): EngineConfig {
  const clusterName = required(env, EnvName.CLUSTER_NAME);
  const groupNames = jsonValue(env, EnvName.GROUP_NAMES, '[]');
  if (!Array.isArray(groupNames) || !groupNames.every((n) => typeof n === 'string' && n.length > 0)) {
    throw new ConfigError(`${EnvName.GROUP_NAMES} must be a JSON array of Auto Scaling group names, got ${env[EnvName.GROUP_NAMES]}`);
  }
  const knownCapacityProviders = jsonValue(env, EnvName.CAPACITY_PROVIDER_GROUPS, '{}');
  if (typeof knownCapacityProviders !== 'object' || knownCapacityProviders === null || Array.isArray(knownCapacityProviders)
    || !Object.entries(knownCapacityProviders).every(([k, v]) => k.length > 0 && typeof v === 'string' && v.length > 0)) {
    throw new ConfigError(
      `${EnvName.CAPACITY_PROVIDER_GROUPS} must be a JSON object of capacity provider name to Auto Scaling group name, ` +
      `got ${env[EnvName.CAPACITY_PROVIDER_GROUPS]}`);
  }
  const amiParameters = jsonValue(env, EnvName.AMI_PARAMETERS, undefined);
  if (typeof amiParameters !== 'object' || amiParameters === null || Array.isArray(amiParameters)) {
    throw new ConfigError(`${EnvName.AMI_PARAMETERS} must be a JSON object of 'family/arch' to SSM parameter name, got ${env[EnvName.AMI_PARAMETERS]}`);
  }
  for (const [key, name] of Object.entries(amiParameters as Record<string, unknown>)) {
    if (!PARAMETER_KEY_PATTERN.test(key)) {
      throw new ConfigError(`${EnvName.AMI_PARAMETERS} has key '${key}'; keys are 'family/arch' with arch x86_64 or arm64`);
    }
    if (typeof name !== 'string' || !PARAMETER_NAME_PATTERN.test(name)) {
      throw new ConfigError(`${EnvName.AMI_PARAMETERS}['${key}'] is '${String(name)}', which is not an SSM parameter name or ARN`);
    }
  }
  const readinessTimeoutSeconds = positiveInteger(env, EnvName.READINESS_TIMEOUT_SECONDS, DEFAULT_READINESS_TIMEOUT_SECONDS);
  const unmanagedReplacementGroup = env[EnvName.UNMANAGED_REPLACEMENT_GROUP]?.trim() || undefined;
  if (unmanagedReplacementGroup !== undefined && unmanagedReplacementGroup.length > 255) {
    throw new ConfigError(`environment variable ${EnvName.UNMANAGED_REPLACEMENT_GROUP} is '${unmanagedReplacementGroup.slice(0, 80)}...'; allowed: an Auto Scaling group name of 1 to 255 characters`);
  }
  return {
    clusterName,
    groupNames: groupNames as string[],
    knownCapacityProviders: knownCapacityProviders as Record<string, string>,
    schedulePeriodSeconds: env[EnvName.SCHEDULE_PERIOD_SECONDS] ? positiveInteger(env, EnvName.SCHEDULE_PERIOD_SECONDS, 0) : undefined,
    discoverGroups: boolean(env, EnvName.DISCOVER_GROUPS, true),
    groupOverrides: parseGroupOverrides(env),
    unmanagedReplacementGroup,
    amiParameters: amiParameters as Record<string, string>,
    dryRun: boolean(env, EnvName.DRY_RUN, false),
    drainTimeoutSeconds: positiveInteger(env, EnvName.DRAIN_TIMEOUT_SECONDS, 3600),
    requireClusterTag: boolean(env, EnvName.REQUIRE_CLUSTER_TAG, false),
    maxUnavailable: parseMaxUnavailable(env[EnvName.MAX_UNAVAILABLE] || '10%', `environment variable ${EnvName.MAX_UNAVAILABLE}`),
    onDrainTimeout: oneOf(env, EnvName.ON_DRAIN_TIMEOUT, ['stop', 'force'] as const, 'stop'),
    readinessTimeoutSeconds,
    windowsReadinessTimeoutSeconds: positiveInteger(env, EnvName.WINDOWS_READINESS_TIMEOUT_SECONDS, DEFAULT_WINDOWS_READINESS_TIMEOUT_SECONDS),
    rollbackOnFailedReplacement: boolean(env, EnvName.ROLLBACK_ON_FAILED_REPLACEMENT, false),
    cordon: boolean(env, EnvName.CORDON, true),
    waitForSteadyServices: boolean(env, EnvName.WAIT_FOR_STEADY_SERVICES, false),
    ...optional('canary', canary(env)),
    ...optional('steadyServicesTimeoutSeconds', env[EnvName.STEADY_SERVICES_TIMEOUT_SECONDS]
      ? positiveInteger(env, EnvName.STEADY_SERVICES_TIMEOUT_SECONDS, 0) : undefined),
    ...optional('stopStandaloneTasksAfterSeconds', standaloneGrace(env)),
    ...optional('notificationTopicArn', topicArn(env)),
    skipInstancesWithStandaloneTasks: env[EnvName.STANDALONE_TASKS] === 'skip',
    maintenanceWindows: maintenanceWindows(env),
    ...optional('minimumAmiAgeSeconds', minimumAmiAge(env)),
    ...optional('templateVersionsToKeep', versionsToKeep(env)),
  };
}

/** `[{ "cron": "0 2 ? * SUN", "durationSeconds": 14400 }]`; unset or `[]`: none. */
function maintenanceWindows(env: Readonly<Record<string, string | undefined>>): MaintenanceWindow[] {
  const name = EnvName.MAINTENANCE_WINDOWS;
  const raw = jsonValue(env, name, '[]');
  const shape = 'allowed: a JSON array of { "cron": "<minute hour day month weekDay>", "durationSeconds": <seconds> }';
  if (!Array.isArray(raw)) throw new ConfigError(`environment variable ${name} is '${env[name]}'; ${shape}`);
  return raw.map((w: unknown, i) => {
    const at = `${name}[${i}]`;
    if (typeof w !== 'object' || w === null || Array.isArray(w)) throw new ConfigError(`${at} is ${JSON.stringify(w)}; ${shape}`);
    const { cron, durationSeconds, ...rest } = w as Record<string, unknown>;
    const unknown = Object.keys(rest);
    if (unknown.length > 0) throw new ConfigError(`${at} has unknown field(s) ${unknown.join(', ')}; allowed: cron, durationSeconds`);
    if (typeof cron !== 'string') throw new ConfigError(`${at}.cron is ${JSON.stringify(cron)}; ${shape}`);
    if (typeof durationSeconds !== 'number') throw new ConfigError(`${at}.durationSeconds is ${JSON.stringify(durationSeconds)}; ${shape}`);
    try {
      return maintenanceWindow(cron, durationSeconds, at);
    } catch (error) {
      if (error instanceof WindowError) throw new ConfigError(error.message);
      throw error;
    }
  });
}

/** Seconds, a whole number; `0` or unset: no minimum. */
function minimumAmiAge(env: Readonly<Record<string, string | undefined>>): number | undefined {
  const name = EnvName.MINIMUM_AMI_AGE_SECONDS;
  const raw = env[name];
  if (raw === undefined || raw === '' || raw === '0') return undefined;
  if (!/^\d{1,9}$/.test(raw)) throw new ConfigError(`environment variable ${name} is '${raw}'; allowed: a whole number of seconds (0 for none)`);
  return Number(raw);
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** A whole number from 1 to 100, or unset (no pruning). */
function versionsToKeep(env: Readonly<Record<string, string | undefined>>): number | undefined {
  const raw = env[EnvName.TEMPLATE_VERSIONS_TO_KEEP];
  if (raw === undefined || raw === '') return undefined;
  const value = wholeNumberFrom1To100(raw);
  if (value === undefined) {
    throw new ConfigError(`environment variable ${EnvName.TEMPLATE_VERSIONS_TO_KEEP} is '${raw}'; allowed: a whole number from 1 to 100`);
  }
  return value;
}

/** The value of digits only (no sign, decimals or exponent) from 1 to 100; undefined for anything else. */
export function wholeNumberFrom1To100(raw: string): number | undefined {
  const value = /^\d{1,3}$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
  return value >= 1 && value <= 100 ? value : undefined;
}

/** `<count>:<soak seconds>`, or unset for no canary. */
function canary(env: Readonly<Record<string, string | undefined>>): CanarySetting | undefined {
  const raw = env[EnvName.CANARY];
  if (raw === undefined || raw === '') return undefined;
  const match = raw.match(/^(\d{1,3}):(\d{1,7})$/);
  if (!match || Number(match[1]) < 1 || Number(match[2]) < 1) {
    throw new ConfigError(`environment variable ${EnvName.CANARY} is '${raw}'; allowed: <count>:<soak seconds>, both whole numbers of at least 1`);
  }
  return { count: Number(match[1]), soakSeconds: Number(match[2]) };
}

/** A standard SNS topic's ARN (`arn:<partition>:sns:<region>:<account>:<name>`; FIFO needs a message group), or unset. */
function topicArn(env: Readonly<Record<string, string | undefined>>): string | undefined {
  const raw = env[EnvName.NOTIFICATION_TOPIC_ARN]?.trim();
  if (raw === undefined || raw === '') return undefined;
  if (!/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/.test(raw)) {
    throw new ConfigError(`environment variable ${EnvName.NOTIFICATION_TOPIC_ARN} is '${raw.slice(0, 120)}'; allowed: the ARN of a standard SNS topic (arn:aws:sns:<region>:<account>:<topic name>)`);
  }
  return raw;
}

/** `wait` (or unset) and `skip`: undefined; `stop:<seconds>`: the grace period. */
function standaloneGrace(env: Readonly<Record<string, string | undefined>>): number | undefined {
  const raw = env[EnvName.STANDALONE_TASKS];
  if (raw === undefined || raw === '' || raw === 'wait' || raw === 'skip') return undefined;
  const match = raw.match(/^stop:(\d{1,7})$/);
  if (!match) throw new ConfigError(`environment variable ${EnvName.STANDALONE_TASKS} is '${raw}'; allowed: wait, skip, or stop:<grace seconds>`);
  return Number(match[1]);
}

/** The per-group readiness timeouts of the group settings, for the rotation's configuration. */
export function groupReadinessTimeouts(overrides: EngineConfig['groupOverrides']): Record<string, number> {
  const result: Record<string, number> = {};
  for (const [group, o] of Object.entries(overrides)) if (o.readinessTimeoutSeconds !== undefined) result[group] = o.readinessTimeoutSeconds;
  return result;
}

/** `{ "group": { "family"?: "...", "amiParameter"?: "...", "readinessTimeoutSeconds"?: n } }`, each field checked. */
function parseGroupOverrides(env: Readonly<Record<string, string | undefined>>): Record<string, GroupSettings> {
  const name = EnvName.GROUP_OVERRIDES;
  const raw = jsonValue(env, name, '{}');
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError(`${name} must be a JSON object of Auto Scaling group name to { family, amiParameter, readinessTimeoutSeconds }, got ${env[name]}`);
  }
  const result: Record<string, GroupSettings> = {};
  for (const [group, value] of Object.entries(raw as Record<string, unknown>)) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new ConfigError(`${name}['${group}'] is ${JSON.stringify(value)}; allowed: an object with family, amiParameter and/or readinessTimeoutSeconds`);
    }
    const { family, amiParameter, readinessTimeoutSeconds, ...rest } = value as Record<string, unknown>;
    const unknown = Object.keys(rest);
    if (unknown.length > 0) throw new ConfigError(`${name}['${group}'] has unknown field(s) ${unknown.join(', ')}; allowed: family, amiParameter, readinessTimeoutSeconds`);
    if (family !== undefined && (typeof family !== 'string' || !FAMILY_PATTERN.test(family))) {
      throw new ConfigError(`${name}['${group}'].family is '${String(family)}'; allowed: lower-case letters, digits, '.' and '-'`);
    }
    if (amiParameter !== undefined && (typeof amiParameter !== 'string' || !PARAMETER_NAME_PATTERN.test(amiParameter))) {
      throw new ConfigError(`${name}['${group}'].amiParameter is '${String(amiParameter)}', which is not an SSM parameter name or ARN`);
    }
    if (readinessTimeoutSeconds !== undefined && (!Number.isInteger(readinessTimeoutSeconds) || (readinessTimeoutSeconds as number) <= 0)) {
      throw new ConfigError(`${name}['${group}'].readinessTimeoutSeconds is '${String(readinessTimeoutSeconds)}'; allowed: a positive whole number of seconds`);
    }
    result[group] = {
      ...(family !== undefined ? { family: family as string } : {}),
      ...(amiParameter !== undefined ? { amiParameter: amiParameter as string } : {}),
      ...(readinessTimeoutSeconds !== undefined ? { readinessTimeoutSeconds: readinessTimeoutSeconds as number } : {}),
    };
  }
  return result;
}

function oneOf<T extends string>(env: Readonly<Record<string, string | undefined>>, name: string, allowed: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if ((allowed as readonly string[]).includes(raw)) return raw as T;
  throw new ConfigError(`environment variable ${name} is '${raw}'; allowed: ${allowed.join(', ')}`);
}

function required(env: Readonly<Record<string, string | undefined>>, name: string): string {
  const value = env[name];
  if (value === undefined || value.trim() === '') throw new ConfigError(`environment variable ${name} is required and is not set`);
  return value.trim();
}

function jsonValue(env: Readonly<Record<string, string | undefined>>, name: string, fallback: string | undefined): unknown {
  const raw = env[name] ?? fallback;
  if (raw === undefined) throw new ConfigError(`environment variable ${name} is required and is not set`);
  try {
    return JSON.parse(raw);
  } catch {
    throw new ConfigError(`environment variable ${name} is not valid JSON: ${raw.slice(0, 80)}`);
  }
}

function boolean(env: Readonly<Record<string, string | undefined>>, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw new ConfigError(`environment variable ${name} is '${raw}'; allowed: true, false`);
}

function positiveInteger(env: Readonly<Record<string, string | undefined>>, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) {
    throw new ConfigError(`environment variable ${name} is '${raw}'; allowed: a positive whole number of seconds`);
  }
  return value;
}

/**
 * The engine's settings from the configuration: the one mapping the Lambda runs with, which the benchmark
 * uses too, so it measures the engine exactly as deployed. `force` comes from the invocation, not the environment.
 */
export function engineSettings(config: EngineConfig, force: boolean): EngineSettings {
  return {
    clusterName: config.clusterName,
    groupNames: config.groupNames,
    knownCapacityProviders: config.knownCapacityProviders,
    discoverGroups: config.discoverGroups,
    groupOverrides: config.groupOverrides,
    amiParameters: config.amiParameters,
    requireClusterTag: config.requireClusterTag,
    dryRun: config.dryRun,
    notificationTopicArn: config.notificationTopicArn,
    rotation: {
      maxUnavailable: config.maxUnavailable,
      drainTimeoutSeconds: config.drainTimeoutSeconds,
      onDrainTimeout: config.onDrainTimeout,
      readinessTimeoutSeconds: config.readinessTimeoutSeconds,
      windowsReadinessTimeoutSeconds: config.windowsReadinessTimeoutSeconds,
      groupReadinessTimeoutSeconds: groupReadinessTimeouts(config.groupOverrides),
      unmanagedReplacementGroup: config.unmanagedReplacementGroup,
      rollbackOnFailedReplacement: config.rollbackOnFailedReplacement,
      cordon: config.cordon,
      canary: config.canary,
      waitForSteadyServices: config.waitForSteadyServices,
      steadyServicesTimeoutSeconds: config.steadyServicesTimeoutSeconds,
      stopStandaloneTasksAfterSeconds: config.stopStandaloneTasksAfterSeconds,
      skipInstancesWithStandaloneTasks: config.skipInstancesWithStandaloneTasks,
      maintenanceWindows: config.maintenanceWindows,
      minimumAmiAgeSeconds: config.minimumAmiAgeSeconds,
      templateVersionsToKeep: config.templateVersionsToKeep,
      force,
    },
  };
}
