/**
 * The settings table and its kinds: one range per setting, the same in the environment the engine reads and
 * on the command line, each refusal naming what is allowed.
 */
import { configFromEnvironment } from '../../src/engine/config';
import { compactDuration, humanDuration } from '../../src/shared/durations';
import { SettingError } from '../../src/shared/setting-kinds';
import { EnvName, readSettings, SETTING_ROWS, SETTINGS } from '../../src/shared/settings';

const MINIMAL = { [EnvName.CLUSTER_NAME]: 'prod', [EnvName.AMI_PARAMETERS]: '{}' };

test('every row has its own variable, and EnvName names each one', () => {
  const names = SETTING_ROWS.map((row) => row.env);
  expect(new Set(names).size).toBe(names.length);
  expect(Object.values(EnvName).sort()).toEqual([...names].sort());
  for (const row of SETTING_ROWS) expect(row.env).toMatch(/^ECS_AMI_REFRESHER_[A-Z_]+$/);
});

test('every default is a value its own kind accepts back from the environment', () => {
  for (const row of SETTING_ROWS.filter((r) => r.default !== undefined && r.kind.type !== 'json' && r.kind.type !== 'maintenanceWindows')) {
    const read = row.kind.read(row.kind.write(row.default), row.env);
    expect({ key: row.key, value: read }).toEqual({ key: row.key, value: row.key === 'minimumAmiAgeSeconds' ? undefined : row.default });
  }
});

test.each([
  ['canary count over 100', EnvName.CANARY, '101:600', 'count 1 to 100'],
  ['canary soak under a minute', EnvName.CANARY, '1:30', 'soak 60 to 604800 seconds'],
  ['drain timeout under a minute', EnvName.DRAIN_TIMEOUT_SECONDS, '59', 'from 60 to 172800 (1 minute to 48 hours)'],
  ['drain timeout over 48 hours', EnvName.DRAIN_TIMEOUT_SECONDS, '172801', 'from 60 to 172800'],
  ['readiness timeout over 6 hours', EnvName.READINESS_TIMEOUT_SECONDS, '21601', 'from 300 to 21600 (5 minutes to 6 hours)'],
  ['minimum AMI age over 90 days', EnvName.MINIMUM_AMI_AGE_SECONDS, '7776001', 'from 0 to 7776000'],
  ['a standalone grace over 48 hours', EnvName.STANDALONE_TASKS, 'stop:172801', 'the grace from 0 to 172800 seconds'],
])('the environment is held to the construct\'s range: %s', (_name, variable, raw, allowed) => {
  expect(() => configFromEnvironment({ ...MINIMAL, [variable]: raw })).toThrow(`environment variable ${variable} is '${raw}'; allowed:`);
  expect(() => configFromEnvironment({ ...MINIMAL, [variable]: raw })).toThrow(allowed);
});

test('the edges of each range are accepted', () => {
  const config = configFromEnvironment({
    ...MINIMAL,
    [EnvName.CANARY]: '100:60',
    [EnvName.DRAIN_TIMEOUT_SECONDS]: '172800',
    [EnvName.STANDALONE_TASKS]: 'stop:0',
    [EnvName.MINIMUM_AMI_AGE_SECONDS]: '7776000',
  });
  expect([config.canary, config.drainTimeoutSeconds, config.stopStandaloneTasksAfterSeconds, config.minimumAmiAgeSeconds])
    .toEqual([{ count: 100, soakSeconds: 60 }, 172800, 0, 7776000]);
});

test('the command line takes the same ranges', () => {
  expect(SETTINGS.drainTimeoutSeconds.kind.parseCli('48h')).toBe(172800);
  expect(() => SETTINGS.drainTimeoutSeconds.kind.parseCli('59s')).toThrow('allowed: a duration such as 900s, 30m, 1h or 1h30m (a bare number is seconds), from 1 minute to 48 hours');
  expect(SETTINGS.canary.kind.count.parseCli('100')).toBe(100);
  expect(() => SETTINGS.canary.kind.count.parseCli('101')).toThrow('allowed: a whole number of instances per group from 1 to 100');
  expect(() => SETTINGS.canary.kind.soak.parseCli('30s')).toThrow('from 1 minute to 7 days');
  expect(SETTINGS.standaloneTasks.kind.grace.parseCli('0')).toBe(0);
  expect(SETTINGS.minimumAmiAgeSeconds.kind.parseCli('90d')).toBe(90 * 86400);
  expect(() => SETTINGS.minimumAmiAgeSeconds.kind.parseCli('91d')).toThrow('allowed: a duration such as 3d, 12h or 90m (a bare number is seconds), from 0 to 90 days');
});

test('a malformed variable is a SettingError naming it', () => {
  expect(() => readSettings({ ...MINIMAL, [EnvName.CORDON]: 'yes' })).toThrow(SettingError);
});

test.each([[0, '0', '0'], [45, '45s', '45 seconds'], [60, '1m', '1 minute'], [5400, '1h30m', '90 minutes'], [172800, '48h', '48 hours'],
  [604800, '168h', '7 days'], [7776000, '2160h', '90 days']])('%d seconds: %s on the command line, %s in the docs', (seconds, compact, human) => {
  expect([compactDuration(seconds), humanDuration(seconds)]).toEqual([compact, human]);
});
