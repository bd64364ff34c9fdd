/**
 * The CLI's configuration: option values parsed and validated (each parser is handed to commander, so a bad
 * value is reported with the option's name), then merged with the environment in one place. Precedence:
 * command line, then environment (ECS_AMI_REFRESHER_CLUSTER, _FORCE, _LOG_LEVEL, AWS_REGION, AWS_PROFILE; the AWS for
 * Industries updater's bare names with a notice, see environment.ts), then defaults.
 * The options of settings, their parsers, ranges and defaults come from the settings table (shared/settings.ts),
 * so a terminal run behaves like the scheduled one.
 */
import { CliEnv, Env, nonEmpty, readEnv } from './environment';
import type { EngineSettings } from '../engine/config';
import { DEFAULT_AMI_PARAMETERS } from '../shared/ami-families';
import type { MaintenanceWindow } from '../shared/maintenance-window';
import { MaxUnavailableValue } from '../shared/setting-kinds';
import { CanaryValue } from '../shared/setting-policies';
import { CliOption, OptionValue, Setting, SETTING_ROWS, SettingKey, SETTINGS } from '../shared/settings';

export { parseDuration } from '../shared/durations';

/** A bad option or environment value: exit code 2, the message says what was given and what is allowed. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const LOG_LEVELS = ['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'] as const;
export type LogLevel = typeof LOG_LEVELS[number];

export { CliEnv, BARE_ENV } from './environment';
export type { Env } from './environment';

/** The defaults of the CLI's own options; those of settings are the table's. */
export const CLI_DEFAULTS = {
  logLevel: 'INFO',
} as const;

/**
 * What commander hands over: every value already parsed; absent when not given. An option that gives a
 * setting's value itself (`direct` in the table) is read under its attribute name and needs no field here.
 */
export interface CommandOptions {
  readonly cluster?: string;
  readonly group?: readonly string[];
  readonly force?: boolean;
  readonly maxUnavailable?: MaxUnavailableValue;
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
  readonly waitForSteadyServices?: boolean;
  readonly steadyServicesTimeout?: number;
  readonly stopStandaloneTasksAfter?: number;
  readonly skipInstancesWithStandaloneTasks?: boolean;
  readonly maintenanceWindow?: readonly MaintenanceWindow[];
  /** Seconds. */
  readonly minimumAmiAge?: number;
  readonly launchTemplateVersionsToKeep?: number;
  readonly region?: string;
  readonly profile?: string;
  readonly logLevel?: LogLevel;
  /** `plan` and `status` only. */
  readonly output?: 'text' | 'json';
}

export interface CliConfig {
  readonly settings: EngineSettings;
  readonly region?: string;
  readonly profile?: string;
  readonly logLevel: LogLevel;
  /** What reading the environment has to say (a bare variable read or ignored), for standard error. */
  readonly notices: readonly string[];
}

/** An option of a setting, as main.ts declares it to commander. */
export interface SettingOption extends CliOption {
  readonly key: SettingKey;
  /** commander's attribute: the long flag in camel case, without `no-`. */
  readonly attribute: string;
  /** The parser, throwing `allowed: ...`; undefined for a flag without value (or with choices). */
  readonly parser?: (raw: string, previous: unknown) => unknown;
  /** The help text, with the range and the default. */
  readonly description: string;
}

/** Every option of the settings table, in the table's order. */
export const SETTING_OPTIONS: readonly SettingOption[] = SETTING_ROWS.flatMap((row) => (row.cli ?? []).map((option) => settingOption(row, option)));

function settingOption(row: Setting<unknown> & { readonly key: SettingKey }, option: CliOption): SettingOption {
  const value: OptionValue | undefined = option.value ?? (option.direct && option.flags.includes('<') ? row.kind as unknown as OptionValue : undefined);
  const parse = value && !option.choices ? (raw: string) => value.parseCli(raw) : undefined;
  const collect = (raw: string, previous: unknown) => [...((previous as unknown[] | undefined) ?? []), parse!(raw)];
  const parser = parse && option.repeatable ? collect : parse;
  const shownDefault = option.defaultHelp
    ?? (option.direct && row.default !== undefined && row.kind.type !== 'flag' ? row.kind.show(row.default) : undefined);
  const notes = [
    ...(value?.allowed && (value.type === 'seconds' || value.type === 'count') ? [value.allowed] : []),
    ...(shownDefault !== undefined ? [`default: ${shownDefault}`] : []),
  ];
  return {
    ...option,
    key: row.key,
    attribute: attributeOf(option.flags),
    parser,
    description: notes.length > 0 ? `${option.help} (${notes.join('; ')})` : option.help,
  };
}

/** `--no-cordon` -> `cordon`, `--drain-timeout <duration>` -> `drainTimeout`, as commander names them. */
function attributeOf(flags: string): string {
  const long = flags.match(/--([a-z][a-z-]*)/)![1].replace(/^no-/, '');
  return long.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

export function resolveConfig(options: CommandOptions, env: Env): CliConfig {
  // Each variable is read (and its notices given) only when its option is not on the command line.
  const cluster = options.cluster === undefined ? readEnv(env, 'CLUSTER') : undefined;
  const forceEnv = options.force === undefined ? readEnv(env, 'FORCE') : undefined;
  const levelEnv = options.logLevel === undefined ? readEnv(env, 'LOG_LEVEL') : undefined;
  const notices = [cluster, forceEnv, levelEnv].flatMap((read) => read?.notices ?? []);
  const clusterName = options.cluster ?? (cluster?.value !== undefined ? envCluster(cluster.value, cluster.name) : undefined);
  if (clusterName === undefined) {
    throw new UsageError(`no cluster given: pass --cluster NAME or set the environment variable ${CliEnv.CLUSTER}`);
  }
  const force = options.force ?? (forceEnv?.value !== undefined ? envBoolean(forceEnv.value, forceEnv.name) : false);
  const logLevel = options.logLevel ?? (levelEnv?.value !== undefined ? envLogLevel(levelEnv.value, levelEnv.name) : CLI_DEFAULTS.logLevel);
  const amiParameters: Record<string, string> = { ...DEFAULT_AMI_PARAMETERS };
  for (const [key, name] of options.amiParameter ?? []) amiParameters[key] = name;
  const given = settingValues(options);
  const rotation = Object.fromEntries(SETTING_ROWS.filter((row) => row.rotation).map((row) => [row.key, given[row.key]]));
  const replacementGroup = options.replaceUnmanagedThrough;

  return {
    settings: {
      clusterName,
      // The replacement group of instances outside every group is managed too.
      groupNames: [...new Set([...(options.group ?? []), ...(replacementGroup ? [replacementGroup] : [])])],
      // An operator's --group scopes the run to those groups (the Lambda adds given groups to discovered ones).
      discoverGroups: (options.group ?? []).length === 0,
      amiParameters,
      requireClusterTag: given.requireClusterTag as boolean,
      dryRun: given.dryRun as boolean,
      rotation: {
        ...rotation as Pick<EngineSettings['rotation'], 'maxUnavailable' | 'drainTimeoutSeconds' | 'onDrainTimeout' | 'readinessTimeoutSeconds'>,
        ...canaryOption(options),
        ...standaloneTasksOptions(options, given.drainTimeoutSeconds as number),
        force,
      },
    },
    region: options.region ?? nonEmpty(env[CliEnv.REGION]),
    profile: options.profile ?? nonEmpty(env[CliEnv.PROFILE]),
    logLevel,
    notices,
  };
}

/** Each setting's value: its direct option's, else the table's default (the construct's). */
function settingValues(options: CommandOptions): Partial<Record<SettingKey, unknown>> {
  const given = options as Readonly<Record<string, unknown>>;
  const values: Partial<Record<SettingKey, unknown>> = {};
  for (const row of SETTING_ROWS) values[row.key] = row.default;
  for (const option of SETTING_OPTIONS) {
    if (option.direct && given[option.attribute] !== undefined) values[option.key] = given[option.attribute];
  }
  return values;
}

/** `--canary N --soak DURATION`: the construct's canary needs its soak, so the command line does too. */
function canaryOption(options: CommandOptions): { canary?: CanaryValue } {
  if (options.soak !== undefined && options.canary === undefined) {
    throw new UsageError('--soak is given without --canary; allowed: --canary N --soak DURATION');
  }
  if (options.canary !== undefined && options.soak === undefined) {
    throw new UsageError(`--canary is given without --soak; allowed: --canary N --soak DURATION (${SETTINGS.canary.kind.soak.allowed}), as the construct's canary`);
  }
  return options.canary !== undefined && options.soak !== undefined ? { canary: { count: options.canary, soakSeconds: options.soak } } : {};
}

function standaloneTasksOptions(options: CommandOptions, drainTimeoutSeconds: number) {
  const grace = options.stopStandaloneTasksAfter;
  if (grace !== undefined && options.skipInstancesWithStandaloneTasks) {
    throw new UsageError('--stop-standalone-tasks-after and --skip-instances-with-standalone-tasks are both given; allowed: one of the two');
  }
  if (grace !== undefined && grace >= drainTimeoutSeconds) {
    throw new UsageError(`--stop-standalone-tasks-after is ${grace} s; it must be shorter than the drain timeout (${drainTimeoutSeconds} s), ` +
      'which would otherwise end the drain first');
  }
  return {
    ...(grace !== undefined ? { stopStandaloneTasksAfterSeconds: grace } : {}),
    ...(options.skipInstancesWithStandaloneTasks ? { skipInstancesWithStandaloneTasks: true } : {}),
  };
}

/**
 * The parsers of the CLI's own options. Each throws a plain Error whose message says what is allowed; the
 * caller (main.ts) turns it into commander's InvalidArgumentError, which names the option and the value.
 */
export const parse = {
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

export function normalizeLogLevel(raw: string): LogLevel | undefined {
  const upper = raw.trim().toUpperCase();
  const level = upper === 'WARN' ? 'WARNING' : upper;
  return (LOG_LEVELS as readonly string[]).includes(level) ? level as LogLevel : undefined;
}

function envLogLevel(raw: string, name: string): LogLevel {
  const level = normalizeLogLevel(raw);
  if (!level) throw new UsageError(`environment variable ${name} is '${raw}'; allowed: ${LOG_LEVELS.join(', ')}`);
  return level;
}

/** The cluster from the environment, checked as --cluster is. */
function envCluster(raw: string, name: string): string {
  try {
    return SETTINGS.clusterName.kind.parseCli(raw);
  } catch (error) {
    throw new UsageError(`environment variable ${name} is '${raw}'; ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** ECS_AMI_REFRESHER_FORCE: `true`/`1` force, `false`/`0` not; anything else is an error, never guessed. */
function envBoolean(raw: string, name: string): boolean {
  const value = raw.toLowerCase();
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new UsageError(`environment variable ${name} is '${raw}'; allowed: true, 1, false, 0 (the --force and --no-force flags override it)`);
}
