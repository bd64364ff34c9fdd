/**
 * The settings the environment carries as JSON documents (group names, capacity providers, AMI parameters,
 * group overrides) and the names checked as text: each a kind of setting-kinds.ts, with the messages the
 * engine has always given (they name the variable, the entry and the value).
 */
import { FAMILY_PATTERN, GroupSettings, PARAMETER_KEY_PATTERN, PARAMETER_NAME_PATTERN } from './ami-families';
import { jsonValue, Kind, SettingError, text } from './setting-kinds';

/** A JSON array of Auto Scaling group names; unset: none. */
export const groupNameList: Kind<readonly string[]> = jsonValue('[]', (value, raw, name) => {
  if (!Array.isArray(value) || !value.every((n) => typeof n === 'string' && n.length > 0)) {
    throw new SettingError(`${name} must be a JSON array of Auto Scaling group names, got ${raw}`);
  }
  return value as string[];
});

/** A JSON object of capacity provider name to Auto Scaling group name; unset: none. */
export const capacityProviderGroups: Kind<Readonly<Record<string, string>>> = jsonValue('{}', (value, raw, name) => {
  if (!isObject(value) || !Object.entries(value).every(([k, v]) => k.length > 0 && typeof v === 'string' && v.length > 0)) {
    throw new SettingError(`${name} must be a JSON object of capacity provider name to Auto Scaling group name, got ${raw}`);
  }
  return value as Record<string, string>;
});

/** A JSON object of `family/arch` to SSM parameter name or ARN; required. */
export const amiParameterMap: Kind<Readonly<Record<string, string>>> = jsonValue(undefined, (value, raw, name) => {
  if (!isObject(value)) throw new SettingError(`${name} must be a JSON object of 'family/arch' to SSM parameter name, got ${raw}`);
  for (const [key, parameter] of Object.entries(value)) {
    if (!PARAMETER_KEY_PATTERN.test(key)) throw new SettingError(`${name} has key '${key}'; keys are 'family/arch' with arch x86_64 or arm64`);
    if (typeof parameter !== 'string' || !PARAMETER_NAME_PATTERN.test(parameter)) {
      throw new SettingError(`${name}['${key}'] is '${String(parameter)}', which is not an SSM parameter name or ARN`);
    }
  }
  return value as Record<string, string>;
});

/** `{ "group": { "family"?: "...", "amiParameter"?: "...", "readinessTimeoutSeconds"?: n } }`, each field checked; unset: none. */
export const groupOverrideMap: Kind<Readonly<Record<string, GroupSettings>>> = jsonValue('{}', (value, raw, name) => {
  if (!isObject(value)) {
    throw new SettingError(`${name} must be a JSON object of Auto Scaling group name to { family, amiParameter, readinessTimeoutSeconds }, got ${raw}`);
  }
  return Object.fromEntries(Object.entries(value).map(([group, settings]) => [group, groupOverride(settings, `${name}['${group}']`)]));
});

function groupOverride(value: unknown, at: string): GroupSettings {
  if (!isObject(value)) throw new SettingError(`${at} is ${JSON.stringify(value)}; allowed: an object with family, amiParameter and/or readinessTimeoutSeconds`);
  const { family, amiParameter, readinessTimeoutSeconds, ...rest } = value;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) throw new SettingError(`${at} has unknown field(s) ${unknown.join(', ')}; allowed: family, amiParameter, readinessTimeoutSeconds`);
  if (family !== undefined && (typeof family !== 'string' || !FAMILY_PATTERN.test(family))) {
    throw new SettingError(`${at}.family is '${String(family)}'; allowed: lower-case letters, digits, '.' and '-'`);
  }
  if (amiParameter !== undefined && (typeof amiParameter !== 'string' || !PARAMETER_NAME_PATTERN.test(amiParameter))) {
    throw new SettingError(`${at}.amiParameter is '${String(amiParameter)}', which is not an SSM parameter name or ARN`);
  }
  if (readinessTimeoutSeconds !== undefined && (!Number.isInteger(readinessTimeoutSeconds) || (readinessTimeoutSeconds as number) <= 0)) {
    throw new SettingError(`${at}.readinessTimeoutSeconds is '${String(readinessTimeoutSeconds)}'; allowed: a positive whole number of seconds`);
  }
  return {
    ...(family !== undefined ? { family: family as string } : {}),
    ...(amiParameter !== undefined ? { amiParameter: amiParameter as string } : {}),
    ...(readinessTimeoutSeconds !== undefined ? { readinessTimeoutSeconds: readinessTimeoutSeconds as number } : {}),
  };
}

/** ECS: up to 255 letters, digits, hyphens and underscores; a cluster ARN is accepted too. */
const CLUSTER_PATTERN = /^[A-Za-z0-9_-]{1,255}$|^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:cluster\/[A-Za-z0-9_-]{1,255}$/;

/** The cluster: required in the environment (as given), a name or ARN on the command line. */
export const clusterName = {
  ...text(() => undefined, { required: true }),
  parseCli(raw: string): string {
    const value = raw.trim();
    if (!CLUSTER_PATTERN.test(value)) throw new Error('allowed: a cluster name (up to 255 letters, digits, hyphens and underscores) or a cluster ARN');
    return value;
  },
};

/** An Auto Scaling group name: 1 to 255 characters (CreateAutoScalingGroup `AutoScalingGroupName`). */
export const groupName = {
  ...text((value) => (value.length > 255 ? 'an Auto Scaling group name of 1 to 255 characters' : undefined), { shown: (v) => `${v.slice(0, 80)}...` }),
  parseCli(raw: string): string {
    const value = raw.trim();
    if (value.length === 0 || value.length > 255) throw new Error('allowed: an Auto Scaling group name of 1 to 255 characters');
    return value;
  },
};

/** A standard SNS topic's ARN (`arn:<partition>:sns:<region>:<account>:<name>`; FIFO needs a message group). */
export const topicArn = text(
  (value) => (/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/.test(value)
    ? undefined : 'the ARN of a standard SNS topic (arn:aws:sns:<region>:<account>:<topic name>)'),
  { shown: (v) => v.slice(0, 120) },
);

/** `family/arch=PARAMETER` on the command line (repeatable), over the defaults. */
export function parseAmiParameterOption(raw: string): readonly [string, string] {
  const at = raw.indexOf('=');
  const key = at < 0 ? raw : raw.slice(0, at).trim();
  const parameter = at < 0 ? '' : raw.slice(at + 1).trim();
  if (at < 0 || !PARAMETER_KEY_PATTERN.test(key)) {
    throw new Error('allowed: family/arch=PARAMETER with arch x86_64 or arm64, e.g. amazon-linux-2023/x86_64=/golden/al2023/image_id');
  }
  if (!PARAMETER_NAME_PATTERN.test(parameter)) {
    throw new Error(`'${parameter}' is not an SSM parameter name or ARN (letters, digits and _.-/ , e.g. /golden/al2023/image_id)`);
  }
  return [key, parameter] as const;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
