/**
 * The kinds of the rotation policies' settings, each made of simpler kinds (setting-kinds.ts): the canary
 * (a count and a soak), the standalone-task policy (with its grace period) and the maintenance windows.
 */
import { compactDuration, parseDuration } from './durations';
import { MaintenanceWindow, maintenanceWindow, WindowError } from './maintenance-window';
import { Kind, readJson, SecondsKind, SettingError, WholeNumberKind, within } from './setting-kinds';

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
      const list = readJson(raw, name, '[]');
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
