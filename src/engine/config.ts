/**
 * The engine's configuration, read from the function's environment in this one place: one walk over the
 * settings table (shared/settings.ts). A missing or malformed variable is an error that names it, the value
 * and what is allowed.
 */
import type { RotationConfig } from './decide/rotate';
import { GroupSettings } from '../shared/ami-families';
import { SettingError } from '../shared/setting-kinds';
import { readSettings, RotationSettingKey, SETTING_ROWS, SettingValues } from '../shared/settings';

export { parseMaxUnavailable } from '../shared/setting-kinds';

/** What the engine needs of its configuration (config.ts), with the rotation's settings grouped. */
export type EngineSettings = Pick<EngineConfig, 'clusterName' | 'groupNames' | 'amiParameters' | 'requireClusterTag' | 'dryRun'>
  & Partial<Pick<EngineConfig, 'discoverGroups' | 'groupOverrides'>> & {
    readonly rotation: RotationConfig;
    /** Capacity provider name -> group name, known without asking ECS. */
    readonly knownCapacityProviders?: Readonly<Record<string, string>>;
    /** Rotations starting, stopping, resuming and finishing are published here (needs the `sns` port). */
    readonly notificationTopicArn?: string;
  };

/**
 * Every setting of the table under its key (each row's doc says what it is), with the standalone-task policy
 * as the rotation takes it.
 */
export type EngineConfig = Omit<SettingValues, 'standaloneTasks'> & {
  /** Set: standalone tasks on a drained instance are stopped this long after its drain started. */
  readonly stopStandaloneTasksAfterSeconds?: number;
  /** Outdated instances running standalone tasks are taken on only once those have ended. */
  readonly skipInstancesWithStandaloneTasks: boolean;
};

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export function configFromEnvironment(env: Readonly<Record<string, string | undefined>>): EngineConfig {
  let values: SettingValues;
  try {
    values = readSettings(env);
  } catch (error) {
    if (error instanceof SettingError) throw new ConfigError(error.message);
    throw error;
  }
  const { standaloneTasks, ...rest } = values;
  return {
    ...rest,
    ...(standaloneTasks.mode === 'stop' ? { stopStandaloneTasksAfterSeconds: standaloneTasks.graceSeconds } : {}),
    skipInstancesWithStandaloneTasks: standaloneTasks.mode === 'skip',
  };
}

/** The per-group readiness timeouts of the group settings, for the rotation's configuration. */
export function groupReadinessTimeouts(overrides: Readonly<Record<string, GroupSettings>>): Record<string, number> {
  const result: Record<string, number> = {};
  for (const [group, o] of Object.entries(overrides)) if (o.readinessTimeoutSeconds !== undefined) result[group] = o.readinessTimeoutSeconds;
  return result;
}

/** The rotation's settings of the table (rows marked `rotation`), picked from a configuration. */
export function rotationSettings(config: Pick<EngineConfig, RotationSettingKey>): Pick<EngineConfig, RotationSettingKey> {
  return Object.fromEntries(SETTING_ROWS.filter((row) => row.rotation).map((row) => [row.key, config[row.key as RotationSettingKey]])) as
    Pick<EngineConfig, RotationSettingKey>;
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
      ...rotationSettings(config),
      groupReadinessTimeoutSeconds: groupReadinessTimeouts(config.groupOverrides),
      stopStandaloneTasksAfterSeconds: config.stopStandaloneTasksAfterSeconds,
      skipInstancesWithStandaloneTasks: config.skipInstancesWithStandaloneTasks,
      force,
    },
  };
}
