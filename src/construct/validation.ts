/**
 * The settings props, validated, with their defaults: those of the settings table (src/shared/settings.ts,
 * through settings.ts), the AMI parameters, the alarm threshold, the schedule and the maintenance windows. Every check skips tokens: a token is checked where it resolves (the engine reads the variable and
 * refuses it there).
 */
import { Annotations, Duration, Token, aws_events as events } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { validateDuration } from './durations';
import { MaintenanceWindow } from './maintenance-window';
import { EcsAmiRefresherProps } from './props';
import { schedulePeriodSeconds } from './schedule';
import { checkDuration, settingProps } from './settings';
import { DEFAULT_AMI_PARAMETERS, PARAMETER_KEY_PATTERN, PARAMETER_NAME_PATTERN } from '../shared/ami-families';
import { CRON_FIELD_NAMES, longestClosedMs, maintenanceWindow as parseMaintenanceWindow, WindowError } from '../shared/maintenance-window';
import { SETTINGS } from '../shared/settings';

export type Settings = ReturnType<typeof validateSettings>;
export type LaterSettings = ReturnType<typeof validateLaterSettings>;

/**
 * The settings checked first, before the groups: every setting prop of the settings table (settingProps: each
 * checked against its row's range, unset ones given the row's default), the alarm threshold and the AMI
 * parameter map.
 */
export function validateSettings(props: EcsAmiRefresherProps) {
  const values = settingProps(props);
  const outdatedAlarmThreshold = props.outdatedAlarmThreshold ?? Duration.days(3);
  validateDuration('outdatedAlarmThreshold', outdatedAlarmThreshold, Duration.hours(1), undefined);
  const amiParameters = mergeAmiParameters(props.amiParameters);
  return { values, outdatedAlarmThreshold, amiParameters };
}

/**
 * The settings checked after the groups, the notification topic and the dashboard (as they always were, so
 * that of several bad props the same one is reported first), and the warning on the outdated alarm.
 */
export function validateLaterSettings(scope: Construct, props: EcsAmiRefresherProps, settings: Settings) {
  const schedule = props.schedule ?? events.Schedule.rate(Duration.minutes(5));
  const schedulePeriod = schedulePeriodSeconds(schedule);
  const windows = validateMaintenanceWindows(props.maintenanceWindows ?? [], schedulePeriod);
  warnIfAlarmFiresBetweenWindows(scope, windows, settings.outdatedAlarmThreshold);
  return { schedule, schedulePeriod, windows };
}

function mergeAmiParameters(given: { [key: string]: string } | undefined): Record<string, string> {
  for (const [key, name] of Object.entries(given ?? {})) {
    if (Token.isUnresolved(key)) {
      throw new Error(`amiParameters keys must be literal 'family/architecture' strings, got a token: ${key}`);
    }
    if (!PARAMETER_KEY_PATTERN.test(key)) {
      throw new Error(
        `amiParameters has key '${key}'; a key is 'family/architecture' with a lower-case family (letters, digits, '.', '-') ` +
        "and architecture 'x86_64' or 'arm64', e.g. 'amazon-linux-2023/arm64'",
      );
    }
    if (!Token.isUnresolved(name) && !PARAMETER_NAME_PATTERN.test(name)) {
      throw new Error(
        `amiParameters['${key}'] is '${name}', which is not an SSM parameter name (letters, digits, '_', '.', '-', '/') or parameter ARN`,
      );
    }
  }
  return { ...DEFAULT_AMI_PARAMETERS, ...given };
}

/**
 * The windows as the engine reads them (`cron`: the five fields), each checked with the engine's own parser.
 * A window must outlast the schedule's period, or it could open and close between two runs.
 */
function validateMaintenanceWindows(
  windows: readonly MaintenanceWindow[],
  schedulePeriod: number | undefined,
): Array<{ cron: string; durationSeconds: number }> {
  return windows.map((w, i) => {
    const at = `maintenanceWindows[${i}]`;
    // `?` in day or weekDay means "not this field", as in EventBridge: the same as leaving it out.
    const given = (f: string | undefined) => (f === '?' ? undefined : f);
    const o = { ...w.schedule, day: given(w.schedule.day), weekDay: given(w.schedule.weekDay) };
    const fields = [o.minute, o.hour, o.day, o.month, o.weekDay, o.year];
    const durationSeconds = w.duration.toSeconds();
    const tokens = fields.some((f) => f !== undefined && Token.isUnresolved(f)) || Token.isUnresolved(durationSeconds);
    if (o.year !== undefined) throw new Error(`${at} has year '${o.year}'; allowed: no year (a window recurs every year)`);
    if (o.minute === undefined || o.hour === undefined) {
      throw new Error(`${at} has no ${o.minute === undefined ? 'minute' : 'hour'}; allowed: a window opens at a given minute and hour, ` +
        'e.g. { minute: \'0\', hour: \'2\', weekDay: \'SUN\' }');
    }
    if (o.day !== undefined && o.weekDay !== undefined) {
      throw new Error(`${at} has both day '${o.day}' and weekDay '${o.weekDay}'; allowed: one of the two`);
    }
    const cron = [o.minute, o.hour, o.weekDay !== undefined ? '?' : (o.day ?? '*'), o.month ?? '*', o.weekDay ?? '?'].join(' ');
    checkDuration(`${at}.duration`, w.duration, SETTINGS.maintenanceWindows.kind.duration);
    // A token is checked where it resolves: the engine reads the variable with the same parser and refuses it there.
    if (tokens) return { cron, durationSeconds };
    if (schedulePeriod !== undefined && durationSeconds < schedulePeriod) {
      throw new Error(`${at}.duration is ${w.duration.toHumanString()}, shorter than the schedule's period (${schedulePeriod} seconds); ` +
        'allowed: at least the period, or a window could open and close between two runs');
    }
    try {
      parseMaintenanceWindow(cron, durationSeconds, at);
    } catch (error) {
      if (error instanceof WindowError) throw new Error(`${error.message} (fields ${CRON_FIELD_NAMES.join(', ')})`);
      throw error;
    }
    return { cron, durationSeconds };
  });
}

/**
 * Time outside every window counts towards the outdated alarm: a threshold shorter than the longest time the
 * windows are closed would fire while a rotation merely waits for its window. A warning, not an error: the
 * alarm may be wanted that way.
 */
function warnIfAlarmFiresBetweenWindows(
  scope: Construct,
  windows: ReadonlyArray<{ cron: string; durationSeconds: number }>,
  threshold: Duration,
): void {
  if (windows.length === 0 || Token.isUnresolved(threshold.toSeconds())) return;
  if (windows.some((w) => Token.isUnresolved(w.cron) || Token.isUnresolved(w.durationSeconds))) return;
  const parsed = windows.map((w, i) => parseMaintenanceWindow(w.cron, w.durationSeconds, `maintenanceWindows[${i}]`));
  const closed = Duration.millis(longestClosedMs(parsed, Date.UTC(2026, 0, 1)));
  if (threshold.toSeconds() >= closed.toSeconds()) return;
  Annotations.of(scope).addWarningV2('ecs-ami-refresher:outdatedAlarmBetweenWindows',
    `outdatedAlarmThreshold is ${threshold.toHumanString()}, shorter than the longest time every maintenance window is closed ` +
    `(${closed.toHumanString()}): the outdated alarm fires while a rotation waits for its next window; raise outdatedAlarmThreshold above it`);
}
