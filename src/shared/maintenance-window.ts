/**
 * Maintenance windows: when new replacements may start. A window opens at each time its cron expression
 * names (UTC, EventBridge's cron syntax without the year field) and stays open for its duration. Pure: the
 * time asked about is always passed in. The construct validates with the same parser the engine runs.
 *
 * Supported in each field: `*`, a value, a range `a-b`, a step `*\/n`, `a/n` or `a-b/n`, and lists of those
 * (`1,15`); month and day-of-week also take names (`JAN`, `MON-FRI`); day-of-month or day-of-week is `?`
 * (exactly one of the two, as EventBridge requires). Not supported: `L`, `W` and `#`, which the
 * windows people write rarely need, and which are easy to get subtly wrong.
 */

export interface CronSchedule {
  /** Sorted ascending. */
  readonly minutes: readonly number[];
  readonly hours: readonly number[];
  /** Days of the month (1-31); undefined for `?`. */
  readonly days?: ReadonlySet<number>;
  /** Months 1-12. */
  readonly months: ReadonlySet<number>;
  /** Days of the week as JavaScript counts them (0 = Sunday); undefined for `?`. */
  readonly weekDays?: ReadonlySet<number>;
}

export interface MaintenanceWindow {
  /** `minute hour day-of-month month day-of-week`, as given (for messages). */
  readonly expression: string;
  readonly schedule: CronSchedule;
  readonly durationSeconds: number;
}

export type WindowState =
  | { readonly open: true; readonly openedAt: number; readonly closesAt: number }
  | { readonly open: false; readonly nextOpensAt?: number };

/** A bad cron expression or duration: the message names the field, the value and what is allowed. */
export class WindowError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WindowError';
  }
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** A window opening once in 8 years is found (29 February on a weekday); a later one counts as never. */
const SEARCH_DAYS = 8 * 366;

export const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
export const WEEKDAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

interface FieldSpec {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
  readonly question?: boolean;
}

const FIELDS: readonly FieldSpec[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day', min: 1, max: 31, question: true },
  { name: 'month', min: 1, max: 12, names: MONTH_NAMES },
  { name: 'weekDay', min: 1, max: 7, names: WEEKDAY_NAMES, question: true },
];

/** The five fields as the construct's props name them (`events.CronOptions`). */
export const CRON_FIELD_NAMES = FIELDS.map((f) => f.name);

/**
 * `minute hour day month weekDay` -> a schedule. `source` prefixes every message (e.g. `maintenanceWindows[0]`).
 * A schedule that never fires within 8 years (`0 0 30 2 ?`) is an error too: its window would never open.
 */
export function parseCron(expression: string, source: string): CronSchedule {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 5) {
    throw new WindowError(`${source} is '${expression}'; allowed: five fields 'minute hour day month weekDay' (UTC, EventBridge cron syntax without the year)`);
  }
  const values = parts.map((part, i) => parseField(part, FIELDS[i], source));
  const [minutes, hours, days, months, weekDays] = values;
  if ((days === undefined) === (weekDays === undefined)) {
    throw new WindowError(`${source} is '${expression}'; exactly one of day and weekDay must be '?' (the other says which days the window opens)`);
  }
  const schedule: CronSchedule = {
    minutes: [...minutes!].sort((a, b) => a - b),
    hours: [...hours!].sort((a, b) => a - b),
    ...(days ? { days } : {}),
    months: months!,
    // EventBridge counts 1 = SUN ... 7 = SAT.
    ...(weekDays ? { weekDays: new Set([...weekDays].map((d) => d - 1)) } : {}),
  };
  if (nextStart(schedule, Date.UTC(2024, 0, 1)) === undefined) {
    throw new WindowError(`${source} is '${expression}', which names no day that exists (within 8 years); allowed: a schedule that opens`);
  }
  return schedule;
}

/** A window from its cron expression and duration (seconds, a positive whole number). */
export function maintenanceWindow(expression: string, durationSeconds: number, source: string): MaintenanceWindow {
  if (!Number.isInteger(durationSeconds) || durationSeconds <= 0) {
    throw new WindowError(`${source} has duration ${durationSeconds}; allowed: a positive whole number of seconds`);
  }
  return { expression: expression.trim().split(/\s+/).join(' '), schedule: parseCron(expression, source), durationSeconds };
}

function parseField(raw: string, spec: FieldSpec, source: string): Set<number> | undefined {
  const allowed = `allowed: *, ${spec.question ? '?, ' : ''}numbers ${spec.min}-${spec.max}` +
    `${spec.names ? ` or ${spec.names[0]}-${spec.names[spec.names.length - 1]}` : ''}, ranges (a-b), lists (a,b) and steps (*/n, a/n)`;
  const fail = (): never => {
    throw new WindowError(`${source} has ${spec.name} '${raw}'; ${allowed}`);
  };
  if (raw === '?') return spec.question ? undefined : fail();
  const result = new Set<number>();
  const value = (token: string): number => {
    const upper = token.toUpperCase();
    const named = spec.names?.indexOf(upper) ?? -1;
    const n = named >= 0 ? named + spec.min : /^\d{1,2}$/.test(token) ? Number(token) : NaN;
    return Number.isNaN(n) || n < spec.min || n > spec.max ? fail() : n;
  };
  for (const item of raw.split(',')) {
    const match = item.match(/^(\*|[A-Za-z0-9]+(?:-[A-Za-z0-9]+)?)(?:\/(\d{1,2}))?$/);
    if (!match) fail();
    const [, range, stepText] = match!;
    const step = stepText === undefined ? 1 : Number(stepText);
    if (step < 1) fail();
    let from: number;
    let to: number;
    if (range === '*') {
      [from, to] = [spec.min, spec.max];
    } else if (range.includes('-')) {
      const [a, b] = range.split('-');
      [from, to] = [value(a), value(b)];
      if (from > to) fail();
    } else {
      from = value(range);
      // `a/n`: from a to the end of the range, every n.
      to = stepText === undefined ? from : spec.max;
    }
    for (let v = from; v <= to; v += step) result.add(v);
  }
  return result;
}

function dayMatches(schedule: CronSchedule, dayStart: number): boolean {
  const date = new Date(dayStart);
  if (!schedule.months.has(date.getUTCMonth() + 1)) return false;
  if (schedule.days) return schedule.days.has(date.getUTCDate());
  return schedule.weekDays!.has(date.getUTCDay());
}

/** The latest time at or before `at` (whole minutes) the schedule names, looking back at most `lookbackMs`. */
export function latestStart(schedule: CronSchedule, at: number, lookbackMs: number): number | undefined {
  const today = Math.floor(at / DAY_MS) * DAY_MS;
  const days = Math.ceil(lookbackMs / DAY_MS) + 1;
  for (let d = 0; d <= days; d++) {
    const dayStart = today - d * DAY_MS;
    if (!dayMatches(schedule, dayStart)) continue;
    for (let h = schedule.hours.length - 1; h >= 0; h--) {
      for (let m = schedule.minutes.length - 1; m >= 0; m--) {
        const start = dayStart + schedule.hours[h] * 3_600_000 + schedule.minutes[m] * MINUTE_MS;
        if (start > at) continue;
        return at - start <= lookbackMs ? start : undefined;
      }
    }
  }
  return undefined;
}

/** The first time strictly after `after` the schedule names (within 8 years), or undefined. */
export function nextStart(schedule: CronSchedule, after: number): number | undefined {
  const today = Math.floor(after / DAY_MS) * DAY_MS;
  for (let d = 0; d <= SEARCH_DAYS; d++) {
    const dayStart = today + d * DAY_MS;
    if (!dayMatches(schedule, dayStart)) continue;
    for (const h of schedule.hours) {
      for (const m of schedule.minutes) {
        const start = dayStart + h * 3_600_000 + m * MINUTE_MS;
        if (start > after) return start;
      }
    }
  }
  return undefined;
}

/**
 * Whether a window is open at `now`: some window opened at most its duration ago (the latest opening counts,
 * so a window longer than its period is simply always open). Open: since when and until when (the latest
 * close among the open windows). Closed: when the next one opens.
 */
export function windowState(windows: readonly MaintenanceWindow[], now: number): WindowState {
  let open: { openedAt: number; closesAt: number } | undefined;
  for (const w of windows) {
    const duration = w.durationSeconds * 1000;
    const start = latestStart(w.schedule, now, duration);
    if (start === undefined || now >= start + duration) continue;
    open = open === undefined
      ? { openedAt: start, closesAt: start + duration }
      : { openedAt: Math.min(open.openedAt, start), closesAt: Math.max(open.closesAt, start + duration) };
  }
  if (open) return { open: true, ...open };
  const next = windows.map((w) => nextStart(w.schedule, now)).filter((t): t is number => t !== undefined);
  return next.length > 0 ? { open: false, nextOpensAt: Math.min(...next) } : { open: false };
}

/** `cron(0 2 ? * SUN) for 4h` */
export function describeWindow(window: MaintenanceWindow): string {
  return `cron(${window.expression}) for ${humanSeconds(window.durationSeconds)}`;
}

function humanSeconds(seconds: number): string {
  if (seconds % 86400 === 0) return `${seconds / 86400}d`;
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

/**
 * The longest time every window is closed, over `spanDays` from `from` (each window's starts enumerated, at
 * most `maxStarts` each, then the span is cut where the first window stopped): how long a rotation may wait
 * for its next window. 0 when a window is always open.
 */
export function longestClosedMs(windows: readonly MaintenanceWindow[], from: number, spanDays = 400, maxStarts = 20_000): number {
  let end = from + spanDays * DAY_MS;
  const intervals: Array<[number, number]> = [];
  for (const w of windows) {
    let at = from - w.durationSeconds * 1000;
    for (let n = 0; n < maxStarts; n++) {
      const start = nextStart(w.schedule, at);
      if (start === undefined || start > end) break;
      intervals.push([start, start + w.durationSeconds * 1000]);
      at = start;
      if (n === maxStarts - 1) end = Math.min(end, start);
    }
  }
  intervals.sort((a, b) => a[0] - b[0]);
  let longest = 0;
  let openUntil: number | undefined;
  for (const [start, stop] of intervals) {
    if (start > end) break;
    if (openUntil !== undefined && start > openUntil) longest = Math.max(longest, start - openUntil);
    openUntil = Math.max(openUntil ?? stop, stop);
  }
  return longest;
}
