/**
 * The environment: the prefixed ECS_AMI_REFRESHER_* variables, the AWS for Industries updater's bare names
 * (CLUSTER and LOG_LEVEL read with a notice, FORCE ignored with a notice), and the precedence
 * command line > prefixed variable > bare variable > default.
 */
import { cli, twoGroups, writesOf } from './cli-harness';
import { BARE_ENV, CliEnv, resolveConfig } from '../../src/cli/options';
import { SETTINGS } from '../../src/shared/settings';

const FORCED = 'record the forced replacement';
const notices = (errors: readonly string[]) => errors.filter((line) => line.startsWith('notice:'));

test('the CLI\'s own variables are prefixed, the cluster\'s being the Lambda\'s own variable', () => {
  for (const key of ['CLUSTER', 'FORCE', 'LOG_LEVEL'] as const) expect(CliEnv[key]).toBe(`ECS_AMI_REFRESHER_${key}`);
  expect(CliEnv.CLUSTER).toBe(SETTINGS.clusterName.env);
  expect(BARE_ENV).toEqual({ CLUSTER: 'CLUSTER', FORCE: 'FORCE', LOG_LEVEL: 'LOG_LEVEL' });
});

describe('the cluster', () => {
  test('ECS_AMI_REFRESHER_CLUSTER when --cluster is not given, without a notice', async () => {
    const result = await cli(twoGroups(), ['plan'], { ECS_AMI_REFRESHER_CLUSTER: 'prod' });
    expect(result.code).toBe(0);
    expect(result.lines[0]).toMatch(/^Cluster prod /);
    expect(notices(result.errors)).toEqual([]);
  });

  test('the bare CLUSTER is read, with a notice naming it and its replacement', async () => {
    const result = await cli(twoGroups(), ['plan'], { CLUSTER: 'prod' });
    expect(result.code).toBe(0);
    expect(result.lines[0]).toBe('notice: read CLUSTER (the AWS for Industries updater\'s name); set ECS_AMI_REFRESHER_CLUSTER instead, which wins over it');
    expect(result.lines[1]).toMatch(/^Cluster prod /);
  });

  test('the prefixed variable wins over the bare one, which is named as ignored', async () => {
    const result = await cli(twoGroups(), ['plan'], { CLUSTER: 'staging', ECS_AMI_REFRESHER_CLUSTER: 'prod' });
    expect(result.code).toBe(0);
    expect(result.text).toMatch(/^Cluster prod /m);
    expect(notices(result.errors)).toEqual([
      'notice: CLUSTER is set and ignored: ECS_AMI_REFRESHER_CLUSTER is set too and wins (CLUSTER is the AWS for Industries updater\'s name; unset it)',
    ]);
  });

  test('--cluster wins over both, and neither is read (no notice)', async () => {
    const result = await cli(twoGroups(), ['plan', '--cluster', 'staging'], { CLUSTER: 'prod', ECS_AMI_REFRESHER_CLUSTER: 'prod' });
    expect(result.code).toBe(2);
    expect(result.errors.join('\n')).toContain("ECS cluster 'staging' was not found");
    expect(notices(result.errors)).toEqual([]);
  });
});

describe('force: only --force or ECS_AMI_REFRESHER_FORCE force', () => {
  test.each([['true'], ['1'], ['TRUE']])('ECS_AMI_REFRESHER_FORCE=%s forces when no flag is given', async (value) => {
    const result = await cli(twoGroups(), ['plan', '--cluster', 'prod'], { ECS_AMI_REFRESHER_FORCE: value });
    expect(result.text).toContain(FORCED);
    expect(notices(result.errors)).toEqual([]);
  });

  test.each([['1'], ['true'], ['yes']])('a bare FORCE=%s left in the shell does not force, and says so', async (value) => {
    const sim = twoGroups();
    const result = await cli(sim, ['rotate', '--cluster', 'prod', '--dry-run'], { FORCE: value });
    expect(result.code).toBe(0);
    expect(result.text).not.toContain(FORCED);
    expect(notices(result.errors)).toEqual([`notice: FORCE=${value} is ignored: a FORCE left in a shell would replace up-to-date instances; ` +
      'to force, pass --force or set ECS_AMI_REFRESHER_FORCE=1']);
    expect(writesOf(sim)).toEqual([]);
  });

  test('a bare FORCE=1 does not turn a run that replaces nothing into one that replaces everything', async () => {
    const sim = twoGroups();
    const first = await cli(sim, ['rotate', '--cluster', 'prod']);
    expect(first.code).toBe(0);
    const terminations = () => sim.recorder.calls.filter((c) => /terminate/i.test(c.operation)).length;
    const before = terminations();
    expect(before).toBeGreaterThan(0);
    const again = await cli(sim, ['rotate', '--cluster', 'prod'], { FORCE: '1' });
    expect(again.code).toBe(0);
    expect(again.text).toContain('Result: every group is on its target AMI.');
    expect(terminations()).toBe(before);
  });

  test('the prefixed variable wins over a bare FORCE, either way', async () => {
    const off = await cli(twoGroups(), ['plan', '--cluster', 'prod'], { FORCE: '1', ECS_AMI_REFRESHER_FORCE: '0' });
    expect(off.text).not.toContain(FORCED);
    const on = await cli(twoGroups(), ['plan', '--cluster', 'prod'], { FORCE: '0', ECS_AMI_REFRESHER_FORCE: '1' });
    expect(on.text).toContain(FORCED);
    expect(notices(on.errors)).toEqual([expect.stringMatching(/^notice: FORCE is set and ignored: ECS_AMI_REFRESHER_FORCE is set too and wins/)]);
  });

  test('--no-force wins over ECS_AMI_REFRESHER_FORCE=true; =0 and unset do not force; --force wins over =false', async () => {
    for (const [argv, env, forced] of [
      [['--no-force'], { ECS_AMI_REFRESHER_FORCE: 'true' }, false],
      [[], { ECS_AMI_REFRESHER_FORCE: '0' }, false],
      [[], {}, false],
      [['--force'], { ECS_AMI_REFRESHER_FORCE: 'false' }, true],
    ] as const) {
      const result = await cli(twoGroups(), ['plan', '--cluster', 'prod', ...argv], env);
      expect({ argv, env, forced: result.text.includes(FORCED) }).toEqual({ argv, env, forced });
    }
  });
});

describe('the log level', () => {
  test('ECS_AMI_REFRESHER_LOG_LEVEL, then the bare LOG_LEVEL with a notice, then INFO; --log-level wins', () => {
    expect(resolveConfig({ cluster: 'prod' }, { ECS_AMI_REFRESHER_LOG_LEVEL: 'debug' })).toMatchObject({ logLevel: 'DEBUG', notices: [] });
    const bare = resolveConfig({ cluster: 'prod' }, { LOG_LEVEL: 'warn' });
    expect(bare.logLevel).toBe('WARNING');
    expect(bare.notices).toEqual(['notice: read LOG_LEVEL (the AWS for Industries updater\'s name); set ECS_AMI_REFRESHER_LOG_LEVEL instead, which wins over it']);
    expect(resolveConfig({ cluster: 'prod' }, { LOG_LEVEL: 'ERROR', ECS_AMI_REFRESHER_LOG_LEVEL: 'DEBUG' }).logLevel).toBe('DEBUG');
    expect(resolveConfig({ cluster: 'prod' }, {}).logLevel).toBe('INFO');
    expect(resolveConfig({ cluster: 'prod', logLevel: 'CRITICAL' }, { LOG_LEVEL: 'DEBUG', ECS_AMI_REFRESHER_LOG_LEVEL: 'DEBUG' }))
      .toMatchObject({ logLevel: 'CRITICAL', notices: [] });
  });

  test('a notice prints whatever the log level', async () => {
    const result = await cli(twoGroups(), ['plan', '--cluster', 'prod'], { LOG_LEVEL: 'CRITICAL', FORCE: '1' });
    expect(notices(result.errors)).toHaveLength(2);
  });
});
