/**
 * The kinds of value a setting holds, each one parser and formatter for every place a setting is written: the
 * Lambda environment (read by the engine, written by the construct), the command line, and the docs. A row of
 * the settings table (settings.ts) names its kind and range; it holds no code of its own.
 *
 * A kind's `read` takes the variable's raw value (undefined when unset) and returns undefined when the setting
 * is absent; it throws a SettingError naming the variable, the value and what is allowed. `parseCli` throws a
 * plain Error whose message starts with `allowed:` (the CLI prefixes the option and the value).
 */
import { compactDuration, durationSyntax, humanRange } from './durations';

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

/**
 * A kind written as JSON (group names, maps): `check` returns the value or throws with the message it makes
 * from the raw text. `fallback` is the JSON of an unset variable; undefined: the variable is required.
 */
export function jsonValue<T>(fallback: string | undefined, check: (value: unknown, raw: string | undefined, name: string) => T): Kind<T> {
  return {
    type: 'json',
    read: (raw, name) => check(readJson(raw, name, fallback), raw, name),
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

export function readJson(raw: string | undefined, name: string, fallback: string | undefined): unknown {
  const value = raw ?? fallback;
  if (value === undefined) throw new SettingError(`environment variable ${name} is required and is not set`);
  try {
    return JSON.parse(value);
  } catch {
    throw new SettingError(`environment variable ${name} is not valid JSON: ${value.slice(0, 80)}`);
  }
}

export function within(value: number, range: { readonly min: number; readonly max?: number }): boolean {
  return value >= range.min && (range.max === undefined || value <= range.max);
}

/** The value of digits only (no sign, decimals or exponent) within the range; undefined for anything else. */
export function wholeNumberWithin(raw: string, min: number, max: number): number | undefined {
  const value = /^\d{1,9}$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
  return value >= min && value <= max ? value : undefined;
}

function allowedPart(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const at = message.indexOf('allowed:');
  return at >= 0 ? message.slice(at) : message;
}
