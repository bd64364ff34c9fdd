/**
 * The kinds of value a setting holds, each one parser and formatter for every place a setting is written: the
 * Lambda environment (read by the engine, written by the construct), the command line, and the docs. A row of
 * the settings table (settings.ts) names its kind and range; it holds no code of its own.
 *
 * A kind's `read` takes the variable's raw value (undefined when unset) and returns undefined when the setting
 * is absent; it throws a SettingError naming the variable, the value and what is allowed. `parseCli` throws a
 * plain Error whose message starts with `allowed:` (the CLI prefixes the option and the value).
 */
import { MaintenanceWindow, maintenanceWindow, WindowError } from './maintenance-window';

/** A malformed setting value: the message names the variable, the value and what is allowed. */
export class SettingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SettingError';
  }
}

/** What a kind is, so each place a setting is written can tell how (the construct reads a Duration for `seconds`). */
export type KindType = 'seconds' | 'count' | 'flag' | 'choice' | 'maxUnavailable' | 'canary' | 'standaloneTasks' | 'maintenanceWindows' | 'json' | 'text';

export interface Kind<T> {
  readonly type: KindType;
  /** What is allowed, for the docs' tables and `--help`, e.g. `1 minute to 48 hours`. */
  readonly allowed?: string;
  /** The value of the variable `name`; undefined when it is unset (or, for most kinds, empty). */
  read(raw: string | undefined, name: string): T | undefined;
  /** The variable's value for `value` (what the construct writes). */
  write(value: T): string;
  /** The value as an operator writes it on the command line (`1h`, `10%`), for defaults in `--help`. */
  show(value: T): string;
}

/** A kind the command line takes directly (one option, one value). */
export interface CliKind<T> extends Kind<T> {
  parseCli(raw: string): T;
}

export interface SecondsRange {
  readonly min: number;
  /** Unset: no upper bound. */
  readonly max?: number;
  /** `0` (and unset) means none: `read` gives undefined for it. */
  readonly zeroMeansNone?: boolean;
  /** The command line also takes whole days (`3d`). */
  readonly days?: boolean;
}

/** A duration in whole seconds within a range; `1h30m` on the command line. */
export interface SecondsKind extends CliKind<number>, SecondsRange {
  readonly type: 'seconds';
}

export function seconds(range: SecondsRange): SecondsKind {
  const what = range.zeroMeansNone ? 'a whole number of seconds (0 for none)' : 'a positive whole number of seconds';
  const span = range.max === undefined ? '' : `, from ${range.min} to ${range.max} (${humanRange(range.min, range.max)})`;
  const examples = range.days ? 'a duration such as 3d, 12h or 90m' : 'a duration such as 900s, 30m, 1h or 1h30m';
  const cliAllowed = `allowed: ${examples} (a bare number is seconds)${range.max === undefined ? '' : `, from ${humanRange(range.min, range.max)}`}`;
  return {
    ...range,
    type: 'seconds',
    allowed: range.max === undefined ? undefined : humanRange(range.min, range.max),
    read(raw, name) {
      if (raw === undefined || raw === '') return undefined;
      const value = /^\d{1,10}$/.test(raw) ? Number(raw) : NaN;
      if (!Number.isInteger(value) || (value === 0 && !range.zeroMeansNone)) {
        throw new SettingError(`environment variable ${name} is '${raw}'; allowed: ${what}`);
      }
      if (value === 0) return undefined;
      if (!within(value, range)) throw new SettingError(`environment variable ${name} is '${raw}'; allowed: ${what}${span}`);
      return value;
    },
    write: (value) => String(value),
    show: compactDuration,
    parseCli(raw) {
      const days = range.days ? raw.trim().match(/^(\d{1,3})d$/) : null;
      const value = days ? Number(days[1]) * 86_400 : durationSyntax(raw);
      if (value === undefined || !within(value, range)) throw new Error(cliAllowed);
      return value;
    },
  };
}

/** A whole number within a range, e.g. instances or versions. */
export interface WholeNumberKind extends CliKind<number> {
  readonly type: 'count';
  readonly min: number;
  readonly max: number;
}

export function wholeNumber(min: number, max: number, of: string): WholeNumberKind {
  return {
    type: 'count',
    min,
    max,
    allowed: `${min} to ${max}`,
    read(raw, name) {
      if (raw === undefined || raw === '') return undefined;
      const value = wholeNumberWithin(raw, min, max);
      if (value === undefined) throw new SettingError(`environment variable ${name} is '${raw}'; allowed: a whole number from ${min} to ${max}`);
      return value;
    },
    write: (value) => String(value),
    show: (value) => String(value),
    parseCli(raw) {
      const value = wholeNumberWithin(raw, min, max);
      if (value === undefined) throw new Error(`allowed: a whole number of ${of} from ${min} to ${max}`);
      return value;
    },
  };
}

export const flag: Kind<boolean> = {
  type: 'flag',
  read(raw, name) {
    if (raw === undefined || raw === '') return undefined;
    if (raw === 'true') return true;
    if (raw === 'false') return false;
    throw new SettingError(`environment variable ${name} is '${raw}'; allowed: true, false`);
  },
  write: (value) => String(value),
  show: (value) => (value ? 'on' : 'off'),
  allowed: 'true, false',
};

export interface OneOfKind<T extends string> extends CliKind<T> {
  readonly values: readonly T[];
}

export function oneOf<T extends string>(values: readonly T[]): OneOfKind<T> {
  const allowed = values.join(', ');
  return {
    type: 'choice',
    values,
    allowed,
    read(raw, name) {
      if (raw === undefined || raw === '') return undefined;
      if ((values as readonly string[]).includes(raw)) return raw as T;
      throw new SettingError(`environment variable ${name} is '${raw}'; allowed: ${allowed}`);
    },
    write: (value) => value,
    show: (value) => value,
    parseCli(raw) {
      if (!(values as readonly string[]).includes(raw)) throw new Error(`allowed: ${allowed}`);
      return raw as T;
    },
  };
}

/** Instances per group out of service at once: `{ count }` or `{ percent }` (engine/budget.ts reads it). */
export interface MaxUnavailableValue {
  readonly count?: number;
  readonly percent?: number;
}

/** `3` or `10%` -> a setting; anything else names the source (variable or option) and what is allowed. */
export function parseMaxUnavailable(raw: string, source: string): MaxUnavailableValue {
  const match = raw.trim().match(/^(\d{1,4})(%?)$/);
  const value = match ? Number(match[1]) : NaN;
  if (!match || value < 1 || (match[2] === '%' && value > 100)) {
    throw new SettingError(`${source} is '${raw}'; allowed: a whole number of instances (at least 1) or a percentage from 1% to 100%`);
  }
  return match[2] === '%' ? { percent: value } : { count: value };
}

export const maxUnavailable: CliKind<MaxUnavailableValue> = {
  type: 'maxUnavailable',
  read: (raw, name) => (raw === undefined || raw === '' ? undefined : parseMaxUnavailable(raw, `environment variable ${name}`)),
  write: (value) => (value.count !== undefined ? String(value.count) : `${value.percent}%`),
  show: (value) => (value.count !== undefined ? String(value.count) : `${value.percent}%`),
  parseCli(raw) {
    try {
      return parseMaxUnavailable(raw, 'the value');
    } catch (error) {
      throw new Error(allowedPart(error));
    }
  },
  allowed: '1 or more instances, or 1% to 100% of desired capacity',
};

/** A group's first replacements, soaked before the rest (engine/budget.ts `CanarySetting`). */
export interface CanaryValue {
  readonly count: number;
  readonly soakSeconds: number;
}

export interface CanaryKind extends Kind<CanaryValue> {
  readonly count: WholeNumberKind;
  readonly soak: SecondsKind;
}

/** `<count>:<soak seconds>`; the command line takes the two parts as two options. */
export function canary(count: WholeNumberKind, soak: SecondsKind): CanaryKind {
  const ranges = `count ${count.min} to ${count.max}, soak ${soak.min} to ${soak.max} seconds`;
  return {
    type: 'canary',
    count,
    soak,
    allowed: `${count.allowed} instances; soak ${soak.allowed}`,
    read(raw, name) {
      if (raw === undefined || raw === '') return undefined;
      const match = raw.match(/^(\d{1,3}):(\d{1,7})$/);
      const value = match ? { count: Number(match[1]), soakSeconds: Number(match[2]) } : undefined;
      if (!value || value.count < 1 || value.soakSeconds < 1) {
        throw new SettingError(`environment variable ${name} is '${raw}'; allowed: <count>:<soak seconds>, both whole numbers of at least 1 (${ranges})`);
      }
      if (value.count > count.max || !within(value.soakSeconds, soak)) {
        throw new SettingError(`environment variable ${name} is '${raw}'; allowed: <count>:<soak seconds>, ${ranges}`);
      }
      return value;
    },
    write: (value) => `${value.count}:${value.soakSeconds}`,
    show: (value) => `${value.count} for ${compactDuration(value.soakSeconds)}`,
  };
}

/** What happens to standalone tasks on a draining instance. */
export type StandaloneTasksValue =
  | { readonly mode: 'wait' }
  | { readonly mode: 'skip' }
  | { readonly mode: 'stop'; readonly graceSeconds: number };

export interface StandaloneTasksKind extends Kind<StandaloneTasksValue> {
  readonly grace: SecondsKind;
}

/** `wait`, `skip`, or `stop:<grace seconds>`. */
export function standaloneTasks(grace: SecondsKind): StandaloneTasksKind {
  const allowed = 'allowed: wait, skip, or stop:<grace seconds>';
  return {
    type: 'standaloneTasks',
    grace,
    allowed: `wait, skip, or stop after ${grace.allowed}`,
    read(raw, name) {
      if (raw === undefined || raw === '' || raw === 'wait') return raw === undefined || raw === '' ? undefined : { mode: 'wait' };
      if (raw === 'skip') return { mode: 'skip' };
      const match = raw.match(/^stop:(\d{1,7})$/);
      if (!match) throw new SettingError(`environment variable ${name} is '${raw}'; ${allowed}`);
      if (!within(Number(match[1]), grace)) {
        throw new SettingError(`environment variable ${name} is '${raw}'; ${allowed}, the grace from ${grace.min} to ${grace.max} seconds`);
      }
      return { mode: 'stop', graceSeconds: Number(match[1]) };
    },
    write: (value) => (value.mode === 'stop' ? `stop:${value.graceSeconds}` : value.mode),
    show: (value) => (value.mode === 'stop' ? `stop after ${compactDuration(value.graceSeconds)}` : value.mode),
  };
}

/** A maintenance window as the environment carries it (UTC cron, five fields, and its duration). */
export interface MaintenanceWindowEntry {
  readonly cron: string;
  readonly durationSeconds: number;
}

export interface MaintenanceWindowsKind extends Kind<readonly MaintenanceWindow[]> {
  readonly duration: SecondsKind;
  /** One `--maintenance-window`: `0 2 ? * SUN for 4h`, or `cron(0 2 ? * SUN) for 4h` (UTC, no year). */
  parseCli(raw: string): MaintenanceWindow;
}

/** `[{ "cron": "0 2 ? * SUN", "durationSeconds": 14400 }]`; unset or `[]`: none. */
export function maintenanceWindows(duration: SecondsKind): MaintenanceWindowsKind {
  const shape = 'allowed: a JSON array of { "cron": "<minute hour day month weekDay>", "durationSeconds": <seconds> }';
  return {
    type: 'maintenanceWindows',
    duration,
    allowed: `each ${duration.allowed}`,
    read(raw, name) {
      const list = json(raw, name, '[]');
      if (!Array.isArray(list)) throw new SettingError(`environment variable ${name} is '${raw}'; ${shape}`);
      return list.map((w: unknown, i) => windowEntry(w, `${name}[${i}]`, shape));
    },
    write: (value) => JSON.stringify(value.map((w) => ({ cron: w.expression, durationSeconds: w.durationSeconds }))),
    show: (value) => (value.length === 0 ? 'none' : value.map((w) => `${w.expression} for ${compactDuration(w.durationSeconds)}`).join(', ')),
    parseCli: windowOption,
  };
}

/**
 * The command line's window: its duration from 1 s to 7 days, since a terminal run acts every 15 s (the
 * construct's 15-minute minimum is there for its 5-minute schedule).
 */
function windowOption(raw: string): MaintenanceWindow {
  const allowed = 'allowed: "<minute hour day month weekDay> for <duration>" (UTC, EventBridge cron without the year), e.g. "0 2 ? * SUN for 4h"';
  const match = raw.trim().match(/^(?:cron\((.+)\)|(.+?))\s+for\s+(\S+)$/i);
  if (!match) throw new Error(allowed);
  let durationSeconds: number;
  try {
    durationSeconds = parseDuration(match[3]);
  } catch {
    throw new Error(`the duration '${match[3]}' is not one; ${allowed}, the duration from 1s to 7 days`);
  }
  try {
    return maintenanceWindow(match[1] ?? match[2], durationSeconds, 'the window');
  } catch (error) {
    if (error instanceof WindowError) throw new Error(error.message);
    throw error;
  }
}

function windowEntry(w: unknown, at: string, shape: string): MaintenanceWindow {
  if (typeof w !== 'object' || w === null || Array.isArray(w)) throw new SettingError(`${at} is ${JSON.stringify(w)}; ${shape}`);
  const { cron, durationSeconds, ...rest } = w as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) throw new SettingError(`${at} has unknown field(s) ${unknown.join(', ')}; allowed: cron, durationSeconds`);
  if (typeof cron !== 'string') throw new SettingError(`${at}.cron is ${JSON.stringify(cron)}; ${shape}`);
  if (typeof durationSeconds !== 'number') throw new SettingError(`${at}.durationSeconds is ${JSON.stringify(durationSeconds)}; ${shape}`);
  try {
    return maintenanceWindow(cron, durationSeconds, at);
  } catch (error) {
    if (error instanceof WindowError) throw new SettingError(error.message);
    throw error;
  }
}

/**
 * A kind written as JSON (group names, maps): `check` returns the value or throws with the message it makes
 * from the raw text. `fallback` is the JSON of an unset variable; undefined: the variable is required.
 */
export function jsonValue<T>(fallback: string | undefined, check: (value: unknown, raw: string | undefined, name: string) => T): Kind<T> {
  return {
    type: 'json',
    read: (raw, name) => check(json(raw, name, fallback), raw, name),
    write: (value) => JSON.stringify(value),
    show: (value) => JSON.stringify(value),
  };
}

export interface TextOptions {
  /** Unset or blank is an error. */
  readonly required?: boolean;
  /** How a refused value is quoted in the message (a long one is cut). */
  readonly shown?: (value: string) => string;
}

/** A trimmed text value; `check` returns what is allowed when the value is refused, undefined when it is fine. */
export function text(check: (value: string) => string | undefined, options: TextOptions = {}): Kind<string> {
  return {
    type: 'text',
    read(raw, name) {
      const value = raw?.trim();
      if (value === undefined || value === '') {
        if (options.required) throw new SettingError(`environment variable ${name} is required and is not set`);
        return undefined;
      }
      const refused = check(value);
      if (refused) throw new SettingError(`environment variable ${name} is '${options.shown ? options.shown(value) : value}'; allowed: ${refused}`);
      return value;
    },
    write: (value) => value,
    show: (value) => value,
  };
}

function json(raw: string | undefined, name: string, fallback: string | undefined): unknown {
  const value = raw ?? fallback;
  if (value === undefined) throw new SettingError(`environment variable ${name} is required and is not set`);
  try {
    return JSON.parse(value);
  } catch {
    throw new SettingError(`environment variable ${name} is not valid JSON: ${value.slice(0, 80)}`);
  }
}

function within(value: number, range: { readonly min: number; readonly max?: number }): boolean {
  return value >= range.min && (range.max === undefined || value <= range.max);
}

/** The value of digits only (no sign, decimals or exponent) within the range; undefined for anything else. */
export function wholeNumberWithin(raw: string, min: number, max: number): number | undefined {
  const value = /^\d{1,9}$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
  return value >= min && value <= max ? value : undefined;
}

/** `30m`, `1h`, `900s`, `1h30m`, or a bare number of seconds -> seconds; undefined when it is none of those. */
export function durationSyntax(raw: string): number | undefined {
  const match = raw.trim().match(/^(?:(\d{1,6})h)?(?:(\d{1,6})m)?(?:(\d{1,7})s)?$|^(\d{1,7})$/);
  if (!match || raw.trim() === '') return undefined;
  const [, h, m, s, bare] = match;
  return bare !== undefined ? Number(bare) : Number(h ?? 0) * 3600 + Number(m ?? 0) * 60 + Number(s ?? 0);
}

/** `30m`, `1h`, `900s`, `1h30m`, or a bare number of seconds -> seconds (at least 1 s, at most 7 days). */
export function parseDuration(raw: string): number {
  const value = durationSyntax(raw);
  if (value === undefined || value < 1 || value > 7 * 86_400) {
    throw new Error('allowed: a duration such as 900s, 30m, 1h or 1h30m (a bare number is seconds), from 1s to 7 days');
  }
  return value;
}

/** 5400 -> `1h30m`, 900 -> `15m`, 45 -> `45s`: as the command line takes it. */
export function compactDuration(value: number): string {
  if (value === 0) return '0';
  const h = Math.floor(value / 3600);
  const m = Math.floor((value % 3600) / 60);
  const s = value % 60;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s ? `${s}s` : ''}`;
}

/** 60 -> `1 minute`, 172800 -> `48 hours`, 604800 -> `7 days`: for the docs and messages. */
export function humanDuration(value: number): string {
  const unit = (n: number, name: string) => `${n} ${name}${n === 1 ? '' : 's'}`;
  if (value === 0) return '0';
  if (value % 86_400 === 0 && value > 172_800) return unit(value / 86_400, 'day');
  if (value % 3600 === 0) return unit(value / 3600, 'hour');
  if (value % 60 === 0) return unit(value / 60, 'minute');
  return unit(value, 'second');
}

function humanRange(min: number, max: number): string {
  return `${humanDuration(min)} to ${humanDuration(max)}`;
}

function allowedPart(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const at = message.indexOf('allowed:');
  return at >= 0 ? message.slice(at) : message;
}
