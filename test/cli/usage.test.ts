/**
 * Usage and configuration errors (exit 2, the message names the option or variable and the value), `--help`
 * (exit 0), and the precedence command line > environment > defaults.
 */
import { readFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { cli, twoGroups, writesOf } from './cli-harness';
import { EXAMPLES, PACKAGE_NAME, packageVersion } from '../../src/cli/help';
import { parseDuration, resolveConfig } from '../../src/cli/options';

describe('usage errors exit 2 and name the option and the value', () => {
  test.each([
    ['bad --max-unavailable', ['rotate', '--cluster', 'prod', '--max-unavailable', '0'],
      "error: option '--max-unavailable <N|N%>' argument '0' is invalid. allowed: a whole number of instances (at least 1) or a percentage from 1% to 100%"],
    ['--max-unavailable over 100%', ['rotate', '--cluster', 'prod', '--max-unavailable', '150%'],
      "error: option '--max-unavailable <N|N%>' argument '150%' is invalid. allowed:"],
    ['bad --drain-timeout', ['rotate', '--cluster', 'prod', '--drain-timeout', '30 minutes'],
      "error: option '--drain-timeout <duration>' argument '30 minutes' is invalid. allowed: a duration such as 900s, 30m, 1h or 1h30m"],
    ['zero --drain-timeout', ['plan', '--cluster', 'prod', '--drain-timeout', '0s'],
      "error: option '--drain-timeout <duration>' argument '0s' is invalid."],
    ['bad --on-drain-timeout', ['rotate', '--cluster', 'prod', '--on-drain-timeout', 'kill'],
      "error: option '--on-drain-timeout <action>' argument 'kill' is invalid. Allowed choices are stop, force."],
    ['bad --ami-parameter key', ['plan', '--cluster', 'prod', '--ami-parameter', 'al2023=/golden/al2023'],
      "error: option '--ami-parameter <family/arch=name>' argument 'al2023=/golden/al2023' is invalid. allowed: family/arch=PARAMETER with arch x86_64 or arm64"],
    ['bad --ami-parameter name', ['plan', '--cluster', 'prod', '--ami-parameter', 'amazon-linux-2023/x86_64=golden ami'],
      "error: option '--ami-parameter <family/arch=name>' argument 'amazon-linux-2023/x86_64=golden ami' is invalid. 'golden ami' is not an SSM parameter name"],
    ['bad --cluster', ['plan', '--cluster', 'my cluster'],
      "error: option '-c, --cluster <name>' argument 'my cluster' is invalid. allowed: a cluster name"],
    ['bad --region', ['status', '--cluster', 'prod', '--region', 'Europe'],
      "error: option '--region <region>' argument 'Europe' is invalid. allowed: an AWS Region code such as us-east-1"],
    ['bad --log-level', ['status', '--cluster', 'prod', '--log-level', 'LOUD'],
      "error: option '--log-level <level>' argument 'LOUD' is invalid. allowed: DEBUG, INFO, WARNING, ERROR, CRITICAL"],
    ['bad --canary', ['rotate', '--cluster', 'prod', '--canary', '0'],
      "error: option '--canary <N>' argument '0' is invalid. allowed: a whole number of instances per group from 1 to 100"],
    ['bad --launch-template-versions-to-keep', ['rotate', '--cluster', 'prod', '--launch-template-versions-to-keep', '1e2'],
      "error: option '--launch-template-versions-to-keep <N>' argument '1e2' is invalid. allowed: a whole number of versions per launch template from 1 to 100"],
    ['--launch-template-versions-to-keep over 100', ['rotate', '--cluster', 'prod', '--launch-template-versions-to-keep', '101'],
      "error: option '--launch-template-versions-to-keep <N>' argument '101' is invalid."],
    ['bad --soak', ['rotate', '--cluster', 'prod', '--canary', '1', '--soak', 'a while'],
      "error: option '--soak <duration>' argument 'a while' is invalid. allowed: a duration"],
    ['--soak without --canary', ['rotate', '--cluster', 'prod', '--soak', '10m'],
      'error: --soak is given without --canary; allowed: --canary N --soak DURATION'],
    ['bad --steady-services-timeout', ['plan', '--cluster', 'prod', '--steady-services-timeout', 'never'],
      "error: option '--steady-services-timeout <duration>' argument 'never' is invalid. allowed: a duration"],
    ['a standalone grace period past the drain timeout', ['rotate', '--cluster', 'prod', '--stop-standalone-tasks-after', '2h'],
      'error: --stop-standalone-tasks-after is 7200 s; it must be shorter than the drain timeout (3600 s), which would otherwise end the drain first'],
    ['unknown command', ['rollout', '--cluster', 'prod'], "error: unknown command 'rollout'"],
    ['unknown option', ['plan', '--cluster', 'prod', '--max-unavaliable', '2'], "error: unknown option '--max-unavaliable'"],
    ['--dry-run is rotate\'s', ['plan', '--cluster', 'prod', '--dry-run'], "error: unknown option '--dry-run'"],
    ['missing option value', ['plan', '--cluster'], "error: option '-c, --cluster <name>' argument missing"],
    ['missing cluster', ['plan'], 'error: no cluster given: pass --cluster NAME or set the environment variable ECS_AMI_REFRESHER_CLUSTER'],
    ['no command', [], 'Usage: ecs-ami-refresher [options] [command]'],
  ])('%s', async (_name, argv, message) => {
    const sim = twoGroups();
    const result = await cli(sim, argv);
    expect(result.code).toBe(2);
    expect(result.errors.join('\n')).toContain(message);
    expect(sim.recorder.calls).toEqual([]);
  });

  test.each([
    ['ECS_AMI_REFRESHER_FORCE', 'yes', "error: environment variable ECS_AMI_REFRESHER_FORCE is 'yes'; allowed: true, 1, false, 0 (the --force and --no-force flags override it)"],
    ['ECS_AMI_REFRESHER_LOG_LEVEL', 'verbose', "error: environment variable ECS_AMI_REFRESHER_LOG_LEVEL is 'verbose'; allowed: DEBUG, INFO, WARNING, ERROR, CRITICAL"],
    ['LOG_LEVEL', 'verbose', "error: environment variable LOG_LEVEL is 'verbose'; allowed: DEBUG, INFO, WARNING, ERROR, CRITICAL"],
    ['ECS_AMI_REFRESHER_CLUSTER', 'my cluster', "error: environment variable ECS_AMI_REFRESHER_CLUSTER is 'my cluster'; allowed: a cluster name"],
  ])('bad environment variable %s', async (name, value, message) => {
    const result = await cli(twoGroups(), name.endsWith('CLUSTER') ? ['plan'] : ['plan', '--cluster', 'prod'], { [name]: value });
    expect(result.code).toBe(2);
    // A bare name read gives its notice first; the error names the variable the value came from.
    expect(result.errors.find((line) => line.startsWith('error:'))).toContain(message);
  });
});

describe('--help on every command, exit 0', () => {
  test.each([
    [['--help'], ['Usage: ecs-ami-refresher [options] [command]', 'plan [options]', 'rotate [options]', 'status [options]', 'Exit codes:']],
    [['plan', '--help'], ['Usage: ecs-ami-refresher plan [options]', '--cluster <name>', '--force', 'Read-only']],
    [['rotate', '--help'], ['Usage: ecs-ami-refresher rotate [options]', '--max-unavailable <N|N%>', '--drain-timeout <duration>',
      '--on-drain-timeout <action>', '--dry-run', '--region <region>', '--profile <name>', '4    another engine holds']],
    [['status', '--help'], ['Usage: ecs-ami-refresher status [options]', 'old/new/draining']],
    [['rotate', '--help'], ['--canary <N>', '--soak <duration>', '--wait-for-steady-services', '--steady-services-timeout <duration>',
      '--stop-standalone-tasks-after <duration>']],
    [['help', 'rotate'], ['Usage: ecs-ami-refresher rotate [options]']],
  ])('%j', async (argv, expected) => {
    const result = await cli(undefined, argv);
    expect(result.code).toBe(0);
    expect(result.errors).toEqual([]);
    for (const text of expected) expect(result.text).toContain(text);
  });

  test('every option rotate --help lists has its row in the options table of docs/cli.md', async () => {
    const result = await cli(undefined, ['rotate', '--help']);
    const listed = [...new Set(result.text.match(/(?<=^|[\s,])--[a-z][a-z-]+/gm) ?? [])].filter((o) => o !== '--help');
    expect(listed).toEqual(expect.arrayContaining(['--cluster', '--no-cordon', '--launch-template-versions-to-keep', '--dry-run']));
    const rows = readFileSync(join(__dirname, '..', '..', 'docs', 'cli.md'), 'utf8').split('\n').filter((l) => l.startsWith('| `-'));
    const documented = new Set(rows.flatMap((row) => row.split('|')[1].match(/--[a-z][a-z-]+/g) ?? []));
    expect(listed.filter((o) => !documented.has(o))).toEqual([]);
  });
});

describe('defaults', () => {
  test('defaults: 10% max unavailable (at least one), 1 h drain timeout, stop', async () => {
    const sim = twoGroups();
    const result = await cli(sim, ['rotate', '--cluster', 'prod', '--dry-run']);
    expect(result.text).toContain('up to 1 instance(s) out of service at once');
    const wide = await cli(twoGroups(), ['rotate', '--cluster', 'prod', '--dry-run', '--max-unavailable', '100%']);
    expect(wide.text).toMatch(/Group web: [\s\S]*up to 3 instance\(s\) out of service at once/);
    expect(writesOf(sim)).toEqual([]);
  });
});

test.each([
  ['900s', 900], ['30m', 1800], ['1h', 3600], ['1h30m', 5400], ['2h0m15s', 7215], ['45', 45], ['7d', NaN], ['', NaN], ['-5m', NaN], ['169h', NaN],
])('duration %j is %d seconds', (raw, seconds) => {
  if (Number.isNaN(seconds)) expect(() => parseDuration(raw)).toThrow(/allowed: a duration/);
  else expect(parseDuration(raw)).toBe(seconds);
});

describe('the rotation policies\' options mirror the construct\'s props', () => {
  test('defaults: no canary, no wait for steady services, wait for standalone tasks', () => {
    const { rotation } = resolveConfig({ cluster: 'prod' }, {}).settings;
    expect(rotation.canary).toBeUndefined();
    expect(rotation.waitForSteadyServices).toBe(false);
    expect(rotation.steadyServicesTimeoutSeconds).toBeUndefined();
    expect(rotation.stopStandaloneTasksAfterSeconds).toBeUndefined();
    expect(resolveConfig({ cluster: 'prod', waitForSteadyServices: true }, {}).settings.rotation.waitForSteadyServices).toBe(true);
  });

  test('every option set', () => {
    const { rotation } = resolveConfig({
      cluster: 'prod', canary: 2, soak: 900, waitForSteadyServices: true, steadyServicesTimeout: 600, stopStandaloneTasksAfter: 120,
    }, {}).settings;
    expect(rotation).toMatchObject({
      canary: { count: 2, soakSeconds: 900 }, waitForSteadyServices: true, steadyServicesTimeoutSeconds: 600, stopStandaloneTasksAfterSeconds: 120,
    });
    // The soak has no default, as the construct's canary.soak has none.
    expect(() => resolveConfig({ cluster: 'prod', canary: 1 }, {})).toThrow('--canary is given without --soak; allowed: --canary N --soak DURATION');
  });

  test('a rotation with every policy option runs to its end from the command line', async () => {
    const sim = twoGroups();
    const result = await cli(sim, ['rotate', '--cluster', 'prod', '--canary', '1', '--soak', '10m', '--steady-services-timeout', '30m',
      '--stop-standalone-tasks-after', '5m']);
    expect(result.code).toBe(0);
    expect(sim.recorder.calls.some((c) => c.operation === 'ecs:describeServices')).toBe(true);
    expect(result.text).toMatch(/soaking: the canaries of \S+ on ami-\w+ soak until/);
  });
});

describe('--version and the examples', () => {
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { name: string; version: string };

  test.each([[['--version']], [['-V']]])('%j prints the package\'s version and exits 0', async (argv) => {
    const result = await cli(undefined, argv);
    expect(result).toMatchObject({ code: 0, lines: [pkg.version], errors: [] });
  });

  test('the version is that of the package.json above the CLI, else unknown', () => {
    expect(pkg.name).toBe(PACKAGE_NAME);
    expect(packageVersion()).toBe(pkg.version);
    expect(packageVersion(tmpdir())).toBe('unknown');
  });

  test.each(['plan', 'rotate', 'status'] as const)('%s --help ends its options with examples of that command, each valid', async (name) => {
    const result = await cli(undefined, [name, '--help']);
    expect(result.code).toBe(0);
    const text = result.text;
    expect(text.indexOf('Examples:')).toBeGreaterThan(text.indexOf('--help'));
    expect(text.indexOf('Examples:')).toBeLessThan(text.indexOf('Exit codes:'));
    const invocations = EXAMPLES[name].filter((line) => !line.startsWith('#'));
    expect(invocations.length).toBeGreaterThanOrEqual(2);
    for (const line of invocations) expect(text).toContain(`  $ ${line}`);
  });

  test('every example parses: each runs on the simulator without a usage error', async () => {
    for (const line of Object.values(EXAMPLES).flat().filter((l) => !l.startsWith('#'))) {
      const words = [...line.replace(/\s+#.*$/, '').split(' | ')[0].matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]);
      const at = words.indexOf('ecs-ami-refresher');
      const env = Object.fromEntries(words.slice(0, at).filter((w) => w.includes('=')).map((w) => w.split('=') as [string, string]));
      const argv = words.slice(at + 1).filter((w, i, all) => !['--region', '--profile'].includes(w) && !['--region', '--profile'].includes(all[i - 1]));
      const result = await cli(twoGroups(), argv, env);
      // A usage error is exit 2; the examples name groups the simulated cluster may lack (exit 3), never a bad option.
      expect({ line, usageError: result.code === 2, errors: result.errors.filter((e) => e.startsWith('error:')) }).toEqual({ line, usageError: false, errors: [] });
    }
  });
});
