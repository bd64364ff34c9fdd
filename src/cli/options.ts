/**
 * The CLI's configuration: option values parsed and validated (each parser is handed to commander, so a bad
 * value is reported with the option's name), then merged with the environment in one place. Precedence:
 * command line, then environment (the seed's CLUSTER, AWS_REGION, AWS_PROFILE, FORCE, LOG_LEVEL), then defaults.
 */
import type { MaxUnavailableSetting } from '../engine/budget';
import { DEFAULT_READINESS_TIMEOUT_SECONDS, DEFAULT_WINDOWS_READINESS_TIMEOUT_SECONDS, parseMaxUnavailable, wholeNumberFrom1To100 } from '../engine/config';
import type { EngineSettings } from '../engine/config';
import { DEFAULT_AMI_PARAMETERS, PARAMETER_KEY_PATTERN, PARAMETER_NAME_PATTERN } from '../shared/ami-families';
import { MaintenanceWindow, maintenanceWindow, WindowError } from '../shared/maintenance-window';

/** A bad option or environment value: exit code 2, the message says what was given and what is allowed. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const LOG_LEVELS = ['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'] as const;
export type LogLevel = typeof LOG_LEVELS[number];

/** The environment variables the CLI reads itself (the AWS SDK reads its own as well). */
export const CliEnv = {
  CLUSTER: 'CLUSTER',
  REGION: 'AWS_REGION',
  PROFILE: 'AWS_PROFILE',
  FORCE: 'FORCE',
  LOG_LEVEL: 'LOG_LEVEL',
} as const;

/** Defaults: the construct's (README), so a terminal run behaves like the scheduled one. */
export const CLI_DEFAULTS = {
  maxUnavailable: '10%',
  drainTimeout: '1h',
  soak: '30m',
  onDrainTimeout: 'stop',
  logLevel: 'INFO',
} as const;

/** What commander hands over: every value already parsed by the parsers below; absent when not given. */
export interface CommandOptions {
  readonly cluster?: string;
  readonly group?: readonly string[];
  readonly force?: boolean;
  readonly maxUnavailable?: MaxUnavailableSetting;
  readonly drainTimeout?: number;
  readonly onDrainTimeout?: 'stop' | 'force';
  readonly dryRun?: boolean;
  readonly amiParameter?: ReadonlyArray<readonly [string, string]>;
  readonly requireClusterTag?: boolean;
  readonly rollbackOnFailedReplacement?: boolean;
  readonly cordon?: boolean;
  /** The managed group through which container instances outside every group are replaced. */
  readonly replaceUnmanagedThrough?: string;
  readonly canary?: number;
  readonly soak?: number;
  /** `--wait-for-steady-services` sets true; unset otherwise (off, as in the construct). */
  readonly waitForSteadyServices?: boolean;
  readonly steadyServicesTimeout?: number;
  readonly stopStandaloneTasksAfter?: number;
  readonly skipInstancesWithStandaloneTasks?: boolean;
  readonly maintenanceWindow?: readonly MaintenanceWindow[];
  /** Seconds. */
  readonly minimumAmiAge?: number;
  /** Unset: a terminal run deletes no launch template version. */
  readonly launchTemplateVersionsToKeep?: number;
  readonly region?: string;
  readonly profile?: string;
  readonly logLevel?: LogLevel;
}

export interface CliConfig {
  readonly settings: EngineSettings;
  readonly region?: string;
  readonly profile?: string;
  readonly logLevel: LogLevel;
}

export type Env = Readonly<Record<string, string | undefined>>;

export function resolveConfig(options: CommandOptions, env: Env): CliConfig {
  const clusterName = options.cluster ?? nonEmpty(env[CliEnv.CLUSTER]);
  if (clusterName === undefined) {
    throw new UsageError(`no cluster given: pass --cluster NAME or set the environment variable ${CliEnv.CLUSTER}`);
  }
  const force = options.force ?? envBoolean(env, CliEnv.FORCE) ?? false;
  const logLevel = options.logLevel ?? envLogLevel(env) ?? CLI_DEFAULTS.logLevel;
  const amiParameters: Record<string, string> = { ...DEFAULT_AMI_PARAMETERS };
  for (const [key, name] of options.amiParameter ?? []) amiParameters[key] = name;
  const drainTimeoutSeconds = options.drainTimeout ?? parseDuration(CLI_DEFAULTS.drainTimeout);
  if (options.soak !== undefined && options.canary === undefined) {
    throw new UsageError('--soak is given without --canary; allowed: --canary N [--soak DURATION]');
  }
  const grace = options.stopStandaloneTasksAfter;
  if (grace !== undefined && options.skipInstancesWithStandaloneTasks) {
    throw new UsageError('--stop-standalone-tasks-after and --skip-instances-with-standalone-tasks are both given; allowed: one of the two');
  }
  if (grace !== undefined && grace >= drainTimeoutSeconds) {
    throw new UsageError(`--stop-standalone-tasks-after is ${grace} s; it must be shorter than the drain timeout (${drainTimeoutSeconds} s), ` +
      'which would otherwise end the drain first');
  }

  return {
    settings: {
      clusterName,
      // The replacement group of instances outside every group is managed too.
      groupNames: [...new Set([...(options.group ?? []), ...(options.replaceUnmanagedThrough ? [options.replaceUnmanagedThrough] : [])])],
      // An operator's --group scopes the run to those groups (the Lambda adds given groups to discovered ones).
      discoverGroups: (options.group ?? []).length === 0,
      amiParameters,
      requireClusterTag: options.requireClusterTag ?? false,
      dryRun: options.dryRun ?? false,
      rotation: {
        maxUnavailable: options.maxUnavailable ?? parseMaxUnavailable(CLI_DEFAULTS.maxUnavailable, '--max-unavailable'),
        drainTimeoutSeconds,
        onDrainTimeout: options.onDrainTimeout ?? CLI_DEFAULTS.onDrainTimeout,
        readinessTimeoutSeconds: DEFAULT_READINESS_TIMEOUT_SECONDS,
        windowsReadinessTimeoutSeconds: DEFAULT_WINDOWS_READINESS_TIMEOUT_SECONDS,
        rollbackOnFailedReplacement: options.rollbackOnFailedReplacement ?? false,
        cordon: options.cordon ?? true,
        unmanagedReplacementGroup: options.replaceUnmanagedThrough,
        ...(options.canary !== undefined ? { canary: { count: options.canary, soakSeconds: options.soak ?? parseDuration(CLI_DEFAULTS.soak) } } : {}),
        waitForSteadyServices: options.waitForSteadyServices ?? false,
        ...(options.steadyServicesTimeout !== undefined ? { steadyServicesTimeoutSeconds: options.steadyServicesTimeout } : {}),
        ...(grace !== undefined ? { stopStandaloneTasksAfterSeconds: grace } : {}),
        ...(options.skipInstancesWithStandaloneTasks ? { skipInstancesWithStandaloneTasks: true } : {}),
        ...(options.maintenanceWindow !== undefined ? { maintenanceWindows: options.maintenanceWindow } : {}),
        ...(options.minimumAmiAge !== undefined ? { minimumAmiAgeSeconds: options.minimumAmiAge } : {}),
        ...(options.launchTemplateVersionsToKeep !== undefined ? { templateVersionsToKeep: options.launchTemplateVersionsToKeep } : {}),
        force,
      },
    },
    region: options.region ?? nonEmpty(env[CliEnv.REGION]),
    profile: options.profile ?? nonEmpty(env[CliEnv.PROFILE]),
    logLevel,
  };
}

/**
 * Option parsers. Each throws a plain Error whose message says what is allowed; the caller (main.ts) turns
 * it into commander's InvalidArgumentError, which names the option and the value.
 */
export const parse = {
  cluster(raw: string): string {
    const value = raw.trim();
    // ECS: up to 255 letters, digits, hyphens and underscores; a cluster ARN is accepted too.
    if (!/^[A-Za-z0-9_-]{1,255}$/.test(value) && !/^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:cluster\/[A-Za-z0-9_-]{1,255}$/.test(value)) {
      throw new Error('allowed: a cluster name (up to 255 letters, digits, hyphens and underscores) or a cluster ARN');
    }
    return value;
  },

  group(raw: string, previous: readonly string[] | undefined): string[] {
    const value = raw.trim();
    // Auto Scaling group names: 1 to 255 characters (CreateAutoScalingGroup `AutoScalingGroupName`).
    if (value.length === 0 || value.length > 255) throw new Error('allowed: an Auto Scaling group name of 1 to 255 characters');
    return [...(previous ?? []), value];
  },

  maxUnavailable(raw: string): MaxUnavailableSetting {
    try {
      return parseMaxUnavailable(raw, '--max-unavailable');
    } catch (error) {
      throw new Error(allowedPart(error));
    }
  },

  drainTimeout(raw: string): number {
    return parseDuration(raw);
  },

  canary(raw: string): number {
    const value = wholeNumberFrom1To100(raw);
    if (value === undefined) throw new Error('allowed: a whole number of instances per group from 1 to 100');
    return value;
  },

  launchTemplateVersionsToKeep(raw: string): number {
    const value = wholeNumberFrom1To100(raw);
    if (value === undefined) throw new Error('allowed: a whole number of versions per launch template from 1 to 100');
    return value;
  },

  /** `0 2 ? * SUN for 4h`, or `cron(0 2 ? * SUN) for 4h`: a cron schedule (UTC, no year) and a duration. */
  maintenanceWindow(raw: string, previous: readonly MaintenanceWindow[] | undefined): MaintenanceWindow[] {
    const allowed = 'allowed: "<minute hour day month weekDay> for <duration>" (UTC, EventBridge cron without the year), e.g. "0 2 ? * SUN for 4h"';
    const match = raw.trim().match(/^(?:cron\((.+)\)|(.+?))\s+for\s+(\S+)$/i);
    if (!match) throw new Error(allowed);
    let seconds: number;
    try {
      seconds = parseDuration(match[3]);
    } catch {
      throw new Error(`the duration '${match[3]}' is not one; ${allowed}, the duration from 1s to 7 days`);
    }
    try {
      return [...(previous ?? []), maintenanceWindow(match[1] ?? match[2], seconds, 'the window')];
    } catch (error) {
      if (error instanceof WindowError) throw new Error(error.message);
      throw error;
    }
  },

  /** `3d`, or a duration as --drain-timeout takes it; at most 90 days, 0 for none. */
  minimumAmiAge(raw: string): number {
    const allowed = 'allowed: a duration such as 3d, 12h or 90m (a bare number is seconds), from 0 to 90 days';
    const days = raw.trim().match(/^(\d{1,2})d$/);
    const seconds = days ? Number(days[1]) * 86400 : raw.trim() === '0' ? 0 : (() => {
      try {
        return parseDuration(raw);
      } catch {
        throw new Error(allowed);
      }
    })();
    if (seconds > 90 * 86400) throw new Error(allowed);
    return seconds;
  },

  amiParameter(raw: string, previous: ReadonlyArray<readonly [string, string]> | undefined): Array<readonly [string, string]> {
    const at = raw.indexOf('=');
    const key = at < 0 ? raw : raw.slice(0, at).trim();
    const name = at < 0 ? '' : raw.slice(at + 1).trim();
    if (at < 0 || !PARAMETER_KEY_PATTERN.test(key)) {
      throw new Error('allowed: family/arch=PARAMETER with arch x86_64 or arm64, e.g. amazon-linux-2023/x86_64=/golden/al2023/image_id');
    }
    if (!PARAMETER_NAME_PATTERN.test(name)) {
      throw new Error(`'${name}' is not an SSM parameter name or ARN (letters, digits and _.-/ , e.g. /golden/al2023/image_id)`);
    }
    return [...(previous ?? []), [key, name] as const];
  },

  region(raw: string): string {
    const value = raw.trim();
    if (!/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/.test(value)) throw new Error('allowed: an AWS Region code such as us-east-1 or eu-west-3');
    return value;
  },

  profile(raw: string): string {
    const value = raw.trim();
    if (value.length === 0) throw new Error('allowed: the name of a profile in your AWS config or credentials file');
    return value;
  },

  logLevel(raw: string): LogLevel {
    const level = normalizeLogLevel(raw);
    if (!level) throw new Error(`allowed: ${LOG_LEVELS.join(', ')}`);
    return level;
  },
};

/** `30m`, `1h`, `900s`, `1h30m`, or a bare number of seconds -> seconds (at least 1 s, at most 7 days). */
export function parseDuration(raw: string): number {
  const match = raw.trim().match(/^(?:(\d{1,6})h)?(?:(\d{1,6})m)?(?:(\d{1,7})s)?$|^(\d{1,7})$/);
  const allowed = 'allowed: a duration such as 900s, 30m, 1h or 1h30m (a bare number is seconds), from 1s to 7 days';
  if (!match || raw.trim() === '') throw new Error(allowed);
  const [, h, m, s, bare] = match;
  const seconds = bare !== undefined ? Number(bare) : Number(h ?? 0) * 3600 + Number(m ?? 0) * 60 + Number(s ?? 0);
  if (seconds < 1 || seconds > 7 * 24 * 3600) throw new Error(allowed);
  return seconds;
}

export function normalizeLogLevel(raw: string): LogLevel | undefined {
  const upper = raw.trim().toUpperCase();
  const level = upper === 'WARN' ? 'WARNING' : upper;
  return (LOG_LEVELS as readonly string[]).includes(level) ? level as LogLevel : undefined;
}

function envLogLevel(env: Env): LogLevel | undefined {
  const raw = nonEmpty(env[CliEnv.LOG_LEVEL]);
  if (raw === undefined) return undefined;
  const level = normalizeLogLevel(raw);
  if (!level) throw new UsageError(`environment variable ${CliEnv.LOG_LEVEL} is '${raw}'; allowed: ${LOG_LEVELS.join(', ')}`);
  return level;
}

/** The seed's FORCE: `true`/`1` force, `false`/`0` not; anything else is an error, never guessed. */
function envBoolean(env: Env, name: string): boolean | undefined {
  const raw = nonEmpty(env[name]);
  if (raw === undefined) return undefined;
  const value = raw.toLowerCase();
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new UsageError(`environment variable ${name} is '${raw}'; allowed: true, 1, false, 0 (the --force and --no-force flags override it)`);
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

function allowedPart(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const at = message.indexOf('allowed:');
  return at >= 0 ? message.slice(at) : message;
}
