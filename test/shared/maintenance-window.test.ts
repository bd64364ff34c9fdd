import { describeWindow, longestClosedMs, maintenanceWindow, nextStart, parseCron, WindowError, windowState } from '../../src/shared/maintenance-window';

const at = (iso: string) => Date.parse(iso);
const HOUR = 3600;

describe('parseCron', () => {
  test.each([
    ['0 2 ? * SUN', { minutes: [0], hours: [2], weekDays: [0] }],
    ['30 22 ? * MON-FRI', { minutes: [30], hours: [22], weekDays: [1, 2, 3, 4, 5] }],
    ['0 */6 * * ?', { minutes: [0], hours: [0, 6, 12, 18], days: 31 }],
    ['15,45 1 1 JAN,jul ?', { minutes: [15, 45], hours: [1], days: 1 }],
    ['0 3 ? * 1,7', { minutes: [0], hours: [3], weekDays: [0, 6] }],
    ['5/20 0-2 ? * *', { minutes: [5, 25, 45], hours: [0, 1, 2], weekDays: [0, 1, 2, 3, 4, 5, 6] }],
  ])('%s', (expression, expected) => {
    const s = parseCron(expression, 'w');
    expect(s.minutes).toEqual(expected.minutes);
    expect(s.hours).toEqual(expected.hours);
    if ('weekDays' in expected) expect([...s.weekDays!].sort()).toEqual(expected.weekDays);
    if ('days' in expected) expect(s.days!.size).toBe(expected.days);
  });

  test.each([
    ['0 2 * * SUN', "exactly one of day and weekDay must be '?'"],
    ['0 2 ? * ?', "exactly one of day and weekDay must be '?'"],
    ['0 2 ? *', "allowed: five fields 'minute hour day month weekDay'"],
    ['0 2 ? * SUN 2026', 'allowed: five fields'],
    ['60 2 ? * SUN', "has minute '60'; allowed: *, numbers 0-59"],
    ['0 24 ? * SUN', "has hour '24'; allowed: *, numbers 0-23"],
    ['0 2 L * ?', "has day 'L'; allowed: *, ?, numbers 1-31"],
    ['0 2 ? * MON#2', "has weekDay 'MON#2'; allowed: *, ?, numbers 1-7 or SUN-SAT"],
    ['0 2 ? * 6L', "has weekDay '6L'"],
    ['0 2 15W * ?', "has day '15W'"],
    ['0 2 ? FOO *', "has month 'FOO'; allowed: *, numbers 1-12 or JAN-DEC"],
    ['0 5-2 ? * *', "has hour '5-2'"],
    ['0 */0 ? * *', "has hour '*/0'"],
    ['? 2 ? * *', "has minute '?'"],
    ['0 0 30 2 ?', 'names no day that exists'],
  ])('%s is refused: %s', (expression, message) => {
    expect(() => parseCron(expression, 'maintenanceWindows[0]')).toThrow(WindowError);
    expect(() => parseCron(expression, 'maintenanceWindows[0]')).toThrow(message);
  });

  test('a duration that is not a positive whole number of seconds is refused, naming the window', () => {
    expect(() => maintenanceWindow('0 2 ? * SUN', 0, 'ECS_AMI_REFRESHER_MAINTENANCE_WINDOWS[1]'))
      .toThrow('ECS_AMI_REFRESHER_MAINTENANCE_WINDOWS[1] has duration 0; allowed: a positive whole number of seconds');
    expect(() => maintenanceWindow('0 2 ? * SUN', 1.5, 'w')).toThrow('has duration 1.5');
  });

  test('29 February is found, years ahead', () => {
    expect(nextStart(parseCron('0 0 29 2 ?', 'w'), at('2025-03-01T00:00:00Z'))).toBe(at('2028-02-29T00:00:00Z'));
  });
});

describe('windowState', () => {
  const sundays = maintenanceWindow('0 2 ? * SUN', 4 * HOUR, 'w');
  // 2026-01-04 is a Sunday.
  test.each([
    ['2026-01-04T01:59:59Z', false, '2026-01-04T02:00:00Z'],
    ['2026-01-04T02:00:00Z', true, '2026-01-04T06:00:00Z'],
    ['2026-01-04T05:59:59Z', true, '2026-01-04T06:00:00Z'],
    ['2026-01-04T06:00:00Z', false, '2026-01-11T02:00:00Z'],
    ['2026-01-07T12:00:00Z', false, '2026-01-11T02:00:00Z'],
  ])('Sundays 02:00 for 4h, at %s: open %s, next edge %s', (now, open, edge) => {
    const state = windowState([sundays], at(now));
    expect(state.open).toBe(open);
    expect(state.open ? state.closesAt : state.nextOpensAt).toBe(at(edge));
  });

  test.each([
    // Across midnight: opens 22:00 on weekdays for 4h, so it is open until 02:00 the next day (a Saturday too).
    ['2026-01-09T23:30:00Z', true],
    ['2026-01-10T01:59:00Z', true],
    ['2026-01-10T02:00:00Z', false],
    ['2026-01-10T22:30:00Z', false],
    ['2026-01-11T23:00:00Z', false],
    ['2026-01-12T23:00:00Z', true],
  ])('weekdays 22:00 for 4h (across midnight), at %s: open %s', (now, open) => {
    expect(windowState([maintenanceWindow('0 22 ? * MON-FRI', 4 * HOUR, 'w')], at(now)).open).toBe(open);
  });

  test.each([
    // The last day of January for 2 days: open into February.
    ['2026-01-31T00:00:00Z', true],
    ['2026-02-01T23:59:00Z', true],
    ['2026-02-02T00:00:00Z', false],
    // Across the end of the year.
    ['2026-12-31T12:00:00Z', true],
    ['2027-01-01T12:00:00Z', true],
    ['2027-01-02T00:00:00Z', false],
  ])('day 31 of every month for 2 days (month and year boundaries), at %s: open %s', (now, open) => {
    expect(windowState([maintenanceWindow('0 0 31 * ?', 48 * HOUR, 'w')], at(now)).open).toBe(open);
  });

  test('a window longer than its period is always open', () => {
    const daily = maintenanceWindow('0 0 * * ?', 36 * HOUR, 'w');
    for (let h = 0; h < 72; h += 5) expect(windowState([daily], at('2026-01-01T00:00:00Z') + h * 3600_000).open).toBe(true);
  });

  test('several windows: open inside either; closed between them, the next is the earlier one', () => {
    const windows = [maintenanceWindow('0 2 ? * SUN', 4 * HOUR, 'a'), maintenanceWindow('0 14 ? * WED', 2 * HOUR, 'b')];
    expect(windowState(windows, at('2026-01-07T15:00:00Z'))).toEqual({ open: true, openedAt: at('2026-01-07T14:00:00Z'), closesAt: at('2026-01-07T16:00:00Z') });
    expect(windowState(windows, at('2026-01-05T00:00:00Z'))).toEqual({ open: false, nextOpensAt: at('2026-01-07T14:00:00Z') });
    expect(windowState(windows, at('2026-01-08T00:00:00Z'))).toEqual({ open: false, nextOpensAt: at('2026-01-11T02:00:00Z') });
  });

  test('overlapping windows: open until the later close', () => {
    const windows = [maintenanceWindow('0 1 * * ?', 2 * HOUR, 'a'), maintenanceWindow('0 2 * * ?', 3 * HOUR, 'b')];
    expect(windowState(windows, at('2026-01-07T02:30:00Z'))).toEqual({ open: true, openedAt: at('2026-01-07T01:00:00Z'), closesAt: at('2026-01-07T05:00:00Z') });
  });

  test('month names and a month-limited window', () => {
    const w = maintenanceWindow('0 0 1 JAN,JUL ?', 24 * HOUR, 'w');
    expect(windowState([w], at('2026-07-01T10:00:00Z')).open).toBe(true);
    expect(windowState([w], at('2026-02-01T10:00:00Z'))).toEqual({ open: false, nextOpensAt: at('2026-07-01T00:00:00Z') });
  });

  test('describeWindow', () => {
    expect(describeWindow(maintenanceWindow(' 0  2 ? * SUN ', 4 * HOUR, 'w'))).toBe('cron(0 2 ? * SUN) for 4h');
    expect(describeWindow(maintenanceWindow('0 2 ? * SUN', 90 * 60, 'w'))).toBe('cron(0 2 ? * SUN) for 90m');
  });
});

describe('longestClosedMs', () => {
  const from = at('2026-01-01T00:00:00Z');
  test.each([
    ['weekly for 4h: 6 days 20 hours', [['0 2 ? * SUN', 4 * HOUR]], (6 * 24 + 20) * HOUR],
    ['weekdays 22:00 for 4h: the weekend, Saturday 02:00 to Monday 22:00', [['0 22 ? * MON-FRI', 4 * HOUR]], (2 * 24 + 20) * HOUR],
    ['daily for 36h (longer than its period): never closed', [['0 0 * * ?', 36 * HOUR]], 0],
    ['twice a week, Sunday and Wednesday 2h: Wednesday to Sunday', [['0 2 ? * SUN', 2 * HOUR], ['0 2 ? * WED', 2 * HOUR]], (4 * 24 - 2) * HOUR],
    ['the first of January and July for a day: the longer half-year', [['0 0 1 JAN,JUL ?', 24 * HOUR]], (184 - 1) * 24 * HOUR],
  ])('%s', (_name, spec, expectedSeconds) => {
    const windows = (spec as Array<[string, number]>).map(([cron, seconds]) => maintenanceWindow(cron, seconds, 'w'));
    expect(longestClosedMs(windows, from)).toBe(expectedSeconds * 1000);
  });

  test('a window every minute is enumerated up to a cap, and found never closed', () => {
    expect(longestClosedMs([maintenanceWindow('* * * * ?', 60, 'w')], from)).toBe(0);
  });
});
