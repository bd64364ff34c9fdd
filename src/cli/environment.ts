/**
 * The environment variables the CLI reads itself (the AWS SDK reads its own as well). Its own are prefixed
 * `ECS_AMI_REFRESHER_`, the cluster's being the Lambda's own variable. The bare names the AWS for Industries
 * updater script used (CLUSTER, FORCE, LOG_LEVEL) are common words that a shell may hold for other reasons, so:
 * each is read only when its prefixed name is unset, and always with a notice naming it and its replacement,
 * except FORCE, which is never obeyed. A FORCE=1 left in a shell would otherwise replace every up-to-date
 * instance of the cluster; a tool that terminates instances takes that only from `--force` or
 * ECS_AMI_REFRESHER_FORCE, which nobody sets by accident.
 */
import { SETTINGS } from '../shared/settings';

/** The variables the CLI reads (AWS_REGION and AWS_PROFILE are the SDK's own names). */
export const CliEnv = {
  CLUSTER: SETTINGS.clusterName.env,
  FORCE: 'ECS_AMI_REFRESHER_FORCE',
  LOG_LEVEL: 'ECS_AMI_REFRESHER_LOG_LEVEL',
  REGION: 'AWS_REGION',
  PROFILE: 'AWS_PROFILE',
} as const;

/** The updater script's bare names, by the prefixed variable that replaces each. */
export const BARE_ENV = {
  CLUSTER: 'CLUSTER',
  FORCE: 'FORCE',
  LOG_LEVEL: 'LOG_LEVEL',
} as const satisfies Partial<Record<keyof typeof CliEnv, string>>;

export type Env = Readonly<Record<string, string | undefined>>;

/** A variable's value, and the notices its reading gave (printed to standard error, never an error). */
export interface EnvRead {
  readonly value?: string;
  /** The variable the value came from (for messages about a bad value). */
  readonly name: string;
  readonly notices: readonly string[];
}

/**
 * The prefixed variable's value, else the bare one's with a notice (the prefixed one wins when both are set,
 * with a notice that the bare one is ignored). FORCE: the bare one is ignored with a notice whatever it says.
 */
export function readEnv(env: Env, key: keyof typeof BARE_ENV): EnvRead {
  const name = CliEnv[key];
  const bare = BARE_ENV[key];
  const prefixed = nonEmpty(env[name]);
  const bareValue = nonEmpty(env[bare]);
  if (bareValue === undefined) return { value: prefixed, name, notices: [] };
  if (prefixed !== undefined) {
    return { value: prefixed, name, notices: [`notice: ${bare} is set and ignored: ${name} is set too and wins (${bare} is the AWS for Industries updater's name; unset it)`] };
  }
  if (key === 'FORCE') {
    return {
      name,
      notices: [`notice: ${bare}=${bareValue} is ignored: a ${bare} left in a shell would replace up-to-date instances; ` +
        `to force, pass --force or set ${name}=1`],
    };
  }
  return { value: bareValue, name: bare, notices: [`notice: read ${bare} (the AWS for Industries updater's name); set ${name} instead, which wins over it`] };
}

export function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}
