/**
 * `plan` and `status` against the simulator: what they print, their exit codes, and that they only read.
 */
import { cli, twoGroups, writesOf } from './cli-harness';
import { runEngine } from '../../src/engine/run';
import { LEASE_KEY, leaseTableName } from '../../src/shared/lease-table';
import { POLL_MS, settingsFor } from '../rotation/harness';

describe('plan', () => {
  test('prints each group with its current and target AMI and its outdated instances, and writes nothing', async () => {
    const sim = twoGroups();
    const result = await cli(sim, ['plan', '--cluster', 'prod']);

    expect(result.code).toBe(0);
    expect(result.errors).toEqual([]);
    for (const [group, key] of [['web', 'amazon-linux-2023/x86_64'], ['workers', 'bottlerocket-ecs-2/arm64']]) {
      const block = groupBlock(result.lines, group);
      const images = sim.images[key];
      expect(block).toContain(`Group ${group}: OUTDATED`);
      expect(block).toMatch(new RegExp(`current AMI +${images.old.imageId}  ${images.old.name}`));
      expect(block).toMatch(new RegExp(`target AMI +${images.new.imageId}  ${images.new.name}  \\(SSM ${images.parameter}\\)`));
      expect(block).toContain(`family/arch    ${key} (from the image name)`);
      // Every outdated instance, with its AMI, ECS status and running tasks.
      for (const instance of sim.cloud.instancesOf(group)) {
        const tasks = sim.cloud.registeredContainerInstances().find((ci) => ci.instance.id === instance.id)!.runningCount;
        expect(block).toMatch(new RegExp(`${instance.id} +${images.old.imageId} +ACTIVE +${tasks}\\b`));
      }
      // The next round's decision, from the engine's rotationsFor.
      expect(block).toContain('next: phase updating-launch-template, up to 1 instance(s) out of service at once');
      expect(block).toMatch(/- create version of launch template lt-\w+ from version 1 with ami-\w+, make it the default/);
    }
    expect(result.text).toContain('Lease: free');
    expect(result.text).toContain('Result: 2 group(s) to rotate');
    expect(writesOf(sim)).toEqual([]);
    expect(sim.recorder.calls.length).toBeGreaterThan(0);
  });

  test('--group limits the plan to the groups named', async () => {
    const sim = twoGroups();
    const result = await cli(sim, ['plan', '--cluster', 'prod', '--group', 'workers']);
    expect(result.code).toBe(0);
    expect(result.text).toContain('Group workers: OUTDATED');
    expect(result.text).not.toContain('Group web');
  });

  test('--ami-parameter replaces a default parameter (a golden AMI)', async () => {
    const sim = twoGroups();
    const golden = sim.images['amazon-linux-2023/x86_64'].new.imageId;
    sim.cloud.setParameter('/golden/al2023/image_id', golden);
    const result = await cli(sim, ['plan', '-c', 'prod', '--ami-parameter', 'amazon-linux-2023/x86_64=/golden/al2023/image_id']);
    expect(result.code).toBe(0);
    expect(groupBlock(result.lines, 'web')).toContain('(SSM /golden/al2023/image_id)');
    expect(sim.recorder.of('ssm:getParameters').flatMap((c) => (c.input as { Names: string[] }).Names)).toContain('/golden/al2023/image_id');
  });

  test('a refused group: exit 3 and its reason; the other group is still planned', async () => {
    const sim = twoGroups();
    sim.cloud.setParameter(sim.images['bottlerocket-ecs-2/arm64'].parameter, 'latest-please');
    const result = await cli(sim, ['plan', '--cluster', 'prod']);
    expect(result.code).toBe(3);
    expect(result.text).toContain('Group workers: REFUSED');
    expect(result.errors.join('\n')).toMatch(/workers refused: SSM parameter \S+ holds 'latest-please', which is neither an AMI id/);
    expect(result.text).toContain('Group web: OUTDATED');
    expect(writesOf(sim)).toEqual([]);
  });

  test('--force plans the replacement of instances already on the target image', async () => {
    const sim = twoGroups();
    const forced = await cli(sim, ['plan', '--cluster', 'prod', '--force']);
    expect(forced.code).toBe(0);
    expect(forced.text).toContain('record the forced replacement of every instance launched before 2026-01-01T00:00:00Z');
    expect(writesOf(sim)).toEqual([]);
  });

  test('--force checks every group for another actor (an instance refresh, a stack update), as a forced rotate round does', async () => {
    const sim = twoGroups();
    await runEngine({
      api: sim.api, clock: sim.clock, settings: settingsFor('prod'), owner: 'lambda:earlier', deadline: sim.clock.now() + 24 * 3600_000, pollIntervalMs: POLL_MS,
    });
    sim.recorder.clear();
    const forced = await cli(sim, ['plan', '--cluster', 'prod', '--force']);
    expect(forced.code).toBe(0);
    // Every group is up to date, so only the forced decision gives a reason to look at both.
    expect(sim.recorder.count('autoscaling:describeInstanceRefreshes')).toBe(2);
    expect(writesOf(sim)).toEqual([]);
  });

  test('an unknown cluster is a configuration error naming it', async () => {
    const sim = twoGroups();
    const result = await cli(sim, ['plan', '--cluster', 'staging']);
    expect(result.code).toBe(2);
    expect(result.errors.join('\n')).toMatch(/ECS cluster 'staging' was not found.*--cluster 'staging'/);
  });
});

describe('status', () => {
  test('one observation: phase, rotation in flight and lease holder per group; read-only', async () => {
    const sim = twoGroups();
    // Two minutes of a rotation: launch templates updated, a rotation started in each group.
    const started = sim.clock.now();
    await runEngine({
      api: sim.api, clock: sim.clock, settings: settingsFor('prod'), owner: 'lambda:earlier', deadline: started + 2 * 60_000, pollIntervalMs: POLL_MS,
    });
    sim.cloud.dynamoDb.tables.get(leaseTableName('prod'))!.items.set('prod', {
      [LEASE_KEY]: { S: 'prod' }, owner: { S: 'lambda:4f1c' }, expiresAt: { N: String(sim.clock.now() + 4 * 60_000) },
    });
    sim.recorder.clear();

    const result = await cli(sim, ['status', '--cluster', 'prod']);
    expect(result.code).toBe(0);
    expect(result.text).toMatch(/Lease: held by lambda:4f1c until 2026-01-01T00:0\d:\d\dZ \(4m 00s from now\)/);
    expect(result.lines).toEqual(expect.arrayContaining([
      expect.stringMatching(/^GROUP +STATUS +PHASE +DESIRED +OLD +NEW +DRAINING +ROTATION IN FLIGHT$/),
      expect.stringMatching(/^web +outdated +replacing +5 +3 +2 +0 +window 2, desired 3 -> 5, started 1m \d\ds ago$/),
      expect.stringMatching(/^workers +outdated +replacing +4 +2 +2 +0 +window 2, desired 2 -> 4, started 1m \d\ds ago$/),
    ]));
    expect(writesOf(sim)).toEqual([]);
  });

  test('a refused group: exit 3, its reason under the table', async () => {
    const sim = twoGroups();
    sim.cloud.setParameter(sim.images['amazon-linux-2023/x86_64'].parameter, '{"image_id": "latest"}');
    const result = await cli(sim, ['status', '--cluster', 'prod']);
    expect(result.code).toBe(3);
    expect(result.lines).toEqual(expect.arrayContaining([
      expect.stringMatching(/^web +refused +- +3 +0 +0 +0 +none$/),
      expect.stringMatching(/^web refused: SSM parameter \S+ holds JSON without a valid image_id/),
    ]));
  });
});

/** The lines of one group's block in the plan. */
function groupBlock(lines: readonly string[], group: string): string {
  const start = lines.findIndex((l) => l.startsWith(`Group ${group}:`));
  expect(start).toBeGreaterThanOrEqual(0);
  const end = lines.findIndex((l, i) => i > start && l === '');
  return lines.slice(start, end < 0 ? undefined : end).join('\n');
}

test('status on a cluster without a lease table names the missing table and writes nothing', async () => {
  const sim = twoGroups();
  sim.cloud.dynamoDb.tables.delete(leaseTableName('prod'));
  const result = await cli(sim, ['status', '--cluster', 'prod']);
  expect(result.lines).toContain('Lease: no lease table ecs-ami-refresher-lease.prod (a `rotate` needs it; see docs/lease.md)');
  expect(writesOf(sim)).toEqual([]);
});
