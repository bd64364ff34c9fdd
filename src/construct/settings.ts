/**
 * The construct's side of the settings table (shared/settings.ts): the setting props validated against each
 * row's range, with the row's default, and the rotator function's environment written from the rows. The
 * props interface itself stays hand-written in ecs-ami-refresher.ts, for jsii.
 */
import { Duration, Stack, Token } from 'aws-cdk-lib';
import { validateDuration } from './durations';
import { KindType, SecondsKind, WholeNumberKind } from '../shared/setting-kinds';
import { CanaryValue, StandaloneTasksValue } from '../shared/setting-policies';
import { Setting, SETTING_ROWS, SettingKey, SETTINGS } from '../shared/settings';

/** Each setting's value as the kind holds it (seconds for durations), by setting key. */
export type SettingValueMap = { readonly [K in SettingKey]?: unknown };

/** The setting props, validated, with their defaults; what the rest of the construct asks of them is typed. */
export interface PropSettings extends SettingValueMap {
  readonly discoverGroups: boolean;
  readonly drainTimeoutSeconds: number;
  readonly waitForSteadyServices: boolean;
  readonly canary?: CanaryValue;
  readonly standaloneTasks: StandaloneTasksValue;
}

type Row = Setting<unknown> & { readonly key: SettingKey };

/**
 * The props' value classes as read here (max-unavailable.ts, canary.ts and standalone-tasks.ts define them;
 * standalone-tasks.ts imports this module for its range, so this one imports none of them).
 */
interface MaxUnavailable { readonly value: string }
interface Canary { readonly count?: number; readonly soak: Duration }
interface StandaloneTasks { readonly mode: string; readonly gracePeriod?: Duration }

/** How a prop of each kind becomes the kind's value, validated (the prop's name and the row give the range). */
const PROP_READERS: Partial<Record<KindType, (given: unknown, row: Row) => unknown>> = {
  seconds: (given, row) => checkDuration(row.prop!, given as Duration, row.kind as SecondsKind),
  count: (given, row) => checkCount(row.prop!, given as number, row.kind as WholeNumberKind),
  flag: (given) => given,
  choice: (given) => given,
  maxUnavailable: (given) => {
    // `value` is `3` or `10%`; a token count or percent stays a token number, resolved in the template.
    const value = (given as MaxUnavailable).value;
    return value.endsWith('%') ? { percent: Number(value.slice(0, -1)) } : { count: Number(value) };
  },
  canary: (given) => {
    const kind = SETTINGS.canary.kind;
    const c = given as Canary;
    // Canary.count: @default 1.
    return { count: checkCount('canary.count', c.count ?? 1, kind.count), soakSeconds: checkDuration('canary.soak', c.soak, kind.soak) };
  },
  standaloneTasks: (given) => {
    const policy = given as StandaloneTasks;
    if (policy.mode === 'stop') return { mode: 'stop', graceSeconds: policy.gracePeriod!.toSeconds() };
    return { mode: policy.mode === 'skip' ? 'skip' : 'wait' };
  },
};

/**
 * The props of the rows that name one (`prop`), each read by its kind and checked against the row's range;
 * an unset prop takes the row's default (or the value of the setting the row defaults to). Props the construct
 * derives settings from (`derivedFrom`: the cluster, groups, schedule, windows...) are read where they are used.
 */
export function settingProps(props: object): PropSettings {
  const given = props as unknown as Readonly<Record<string, unknown>>;
  const values: Record<string, unknown> = {};
  for (const row of SETTING_ROWS) {
    const read = row.prop === undefined ? undefined : PROP_READERS[row.kind.type];
    if (!read) continue;
    const value = given[row.prop!];
    values[row.key] = value !== undefined ? read(value, row) : row.defaultFrom !== undefined ? values[row.defaultFrom] : row.default;
  }
  const settings = values as unknown as PropSettings;
  checkStandaloneGrace(settings);
  return settings;
}

/** A grace period as long as the drain timeout would never act: the drain would end (or stop) first. */
function checkStandaloneGrace(settings: PropSettings): void {
  const policy = settings.standaloneTasks;
  if (policy.mode !== 'stop' || Token.isUnresolved(policy.graceSeconds) || Token.isUnresolved(settings.drainTimeoutSeconds)) return;
  if (policy.graceSeconds >= settings.drainTimeoutSeconds) {
    throw new Error(`standaloneTasks stops tasks after ${Duration.seconds(policy.graceSeconds).toHumanString()}; it must be shorter than drainTimeout ` +
      `(${Duration.seconds(settings.drainTimeoutSeconds).toHumanString()}), which would otherwise end the drain first`);
  }
}

/** The duration in seconds, refused outside the kind's range (a token is checked where it resolves, by the engine). */
export function checkDuration(prop: string, value: Duration, kind: SecondsKind): number {
  validateDuration(prop, value, Duration.seconds(kind.min), kind.max === undefined ? undefined : Duration.seconds(kind.max));
  return value.toSeconds();
}

function checkCount(prop: string, value: number, kind: WholeNumberKind): number {
  if (!Token.isUnresolved(value) && (!Number.isInteger(value) || value < kind.min || value > kind.max)) {
    throw new Error(`${prop} is ${value}; it must be a whole number from ${kind.min} to ${kind.max}`);
  }
  return value;
}

/**
 * The rotator function's environment: one variable per setting that has a value, each written by its row's
 * kind (documents as JSON through the stack, so that tokens in them resolve). Unset settings are left out.
 */
export function settingsEnvironment(stack: Stack, values: SettingValueMap): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const row of SETTING_ROWS) {
    const value = values[row.key];
    if (value === undefined) continue;
    const asJson = row.kind.type === 'json' || row.kind.type === 'maintenanceWindows';
    environment[row.env] = asJson ? stack.toJsonString(value) : row.kind.write(value);
  }
  return environment;
}
