/**
 * Prints real output of the CLI against a simulated two-group cluster, for docs/cli.md:
 *   npx ts-node --project tsconfig.dev.json test/cli/capture.ts
 * (The simulator's virtual clock starts at 2026-01-01T00:00:00Z; the run takes a second of wall time.)
 */
import { run } from '../../src/cli/main';
import { runEngine } from '../../src/engine/run';
import { LEASE_KEY, leaseTableName } from '../../src/shared/lease-table';
import { POLL_MS, settingsFor } from '../rotation/harness';
import { Simulation } from '../sim';
import { twoGroups } from './cli-harness';

async function show(sim: Simulation | undefined, argv: string[], env: Record<string, string> = {}): Promise<void> {
  const lines: string[] = [];
  const code = await run(argv, {
    api: sim?.api,
    clock: sim?.clock,
    env,
    owner: 'cli:ops-laptop:48213',
    out: (line) => lines.push(line),
    err: (line) => lines.push(line),
  });
  const envText = Object.entries(env).map(([k, v]) => `${k}=${v} `).join('');
  const shown = argv.map((a) => (/[\s?*]/.test(a) ? `"${a}"` : a)).join(' ');
  console.log(['```console', `$ ${envText}ecs-ami-refresher ${shown}`, ...lines, '$ echo $?', String(code), '```', ''].join('\n'));
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const section = argv[0] ?? 'all';
  if (section === 'help' || section === 'all') {
    await show(undefined, ['--help']);
    await show(undefined, ['rotate', '--help']);
    await show(undefined, ['--version']);
  }
  if (section === 'plan' || section === 'all') await show(twoGroups(), ['plan', '--cluster', 'prod']);
  if (section === 'rotate' || section === 'all') await show(twoGroups(), ['rotate', '--cluster', 'prod']);
  if (section === 'status' || section === 'all') {
    const sim = twoGroups();
    await runEngine({
      api: sim.api, clock: sim.clock, settings: settingsFor('prod'), owner: 'lambda:5d0e6c1a', deadline: sim.clock.now() + 2 * 60_000, pollIntervalMs: POLL_MS,
    });
    // The Lambda's lease, as its conditional put wrote it (its run is still going).
    sim.cloud.dynamoDb.tables.get(leaseTableName('prod'))!.items.set('prod', {
      [LEASE_KEY]: { S: 'prod' }, owner: { S: 'lambda:5d0e6c1a' }, expiresAt: { N: String(sim.clock.now() + 4 * 60_000) },
    });
    await show(sim, ['status', '--cluster', 'prod']);
    await show(sim, ['rotate', '--cluster', 'prod']);
  }
  if (section === 'when' || section === 'all') {
    const window = ['--maintenance-window', '0 2 ? * SUN for 4h'];
    await show(twoGroups(), ['status', '--cluster', 'prod', ...window]);
    await show(twoGroups(), ['rotate', '--cluster', 'prod', ...window]);
    const young = twoGroups();
    // The image the parameter names was published two hours before the simulator's start.
    young.images['amazon-linux-2023/x86_64'].new.creationDate = '2025-12-31T22:00:00.000Z';
    await show(young, ['status', '--cluster', 'prod', '--minimum-ami-age', '3d']);
    const busy = twoGroups();
    const web = busy.cloud.registeredContainerInstances().filter((ci) => busy.cloud.instancesOf('web').some((i) => i.id === ci.instance.id));
    // Batch jobs on two of web's three instances.
    for (const ci of web.slice(0, 2)) busy.cloud.runStandaloneTask(3 * 3600, ci);
    await show(busy, ['status', '--cluster', 'prod', '--skip-instances-with-standalone-tasks']);
  }
  if (section === 'errors' || section === 'all') {
    const sim = twoGroups();
    sim.cloud.setParameter(sim.images['bottlerocket-ecs-2/arm64'].parameter, 'latest');
    await show(sim, ['rotate', '--dry-run'], { ECS_AMI_REFRESHER_CLUSTER: 'prod' });
    await show(twoGroups(), ['rotate', '--cluster', 'prod', '--max-unavailable', '0']);
    await show(twoGroups(), ['rotate', '--cluster', 'prod', '--drain-timeout', '30min']);
    await show(twoGroups(), ['plan', '--cluster', 'prod'], { ECS_AMI_REFRESHER_FORCE: 'yes' });
    // The AWS for Industries updater's bare names: read (CLUSTER) or ignored (FORCE), each with a notice.
    await show(twoGroups(), ['rotate', '--dry-run'], { CLUSTER: 'prod', FORCE: '1' });
  }
}

void main();
