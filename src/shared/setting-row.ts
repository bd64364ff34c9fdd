/** What a row of the settings table (settings.ts) holds: the setting's names, kind, default, CLI options and doc. */
import type { Kind } from './setting-kinds';

/** One option of the CLI for a setting. */
export interface CliOption {
  /** commander's flags, e.g. `--drain-timeout <duration>`. */
  readonly flags: string;
  /** What the option does (`--help`); its range and default are added from the row. */
  readonly help: string;
  /** The option gives the setting's value itself (the kind parses it); otherwise options.ts combines it with others. */
  readonly direct?: boolean;
  /** What `(default: ...)` says; unset: the row's default as the command line writes it (direct options only). */
  readonly defaultHelp?: string;
  /** The option's value and its range (`--help` shows it for durations and counts); direct options: the row's kind. */
  readonly value?: OptionValue;
  /** The option may be given more than once; its values are collected in a list. */
  readonly repeatable?: boolean;
  /** `rotate` only (not `plan` and `status`). */
  readonly rotateOnly?: boolean;
  /** The values allowed, listed by commander. */
  readonly choices?: readonly string[];
}

/** How an option's value is parsed (throwing `allowed: ...`), and what is allowed. */
export interface OptionValue {
  readonly type?: string;
  readonly allowed?: string;
  parseCli(raw: string): unknown;
}

export interface Setting<T> {
  /** The key of `EnvName`. */
  readonly envKey: string;
  /** The rotator function's environment variable. */
  readonly env: string;
  /** The construct prop it is written from, read by its kind (construct/settings.ts). */
  readonly prop?: string;
  /** The construct prop the construct computes it from (a construct, a schedule, a list); the construct's code says how. */
  readonly derivedFrom?: string;
  readonly kind: Kind<T>;
  /** The default of the prop and of the CLI option (the construct writes it; a terminal run uses it). */
  readonly default?: T;
  /** Unset: this setting's value (the construct writes it so). */
  readonly defaultFrom?: string;
  /** How the README's properties table gives the default, where the kind cannot say it. */
  readonly readmeDefault?: string;
  /** The variable unset means none, not the default: environments written without it (the construct always writes it). */
  readonly unsetMeansNone?: boolean;
  /** The variable must be set (the kind refuses it unset). */
  readonly required?: boolean;
  /** Part of the rotation's configuration (`RotationConfig`, under the same name) rather than of the run. */
  readonly rotation?: boolean;
  readonly cli?: readonly CliOption[];
  /** One line: what the setting does. */
  readonly doc: string;
}
