/**
 * What `plan` and `status` say about cluster shapes: instances outside every group (each with whether it is
 * replaced and why not), and the replacement group an operator names.
 */
import { cli, TWO_GROUPS, writesOf } from './cli-harness';
import { TagKey } from '../../src/shared/constants';
import { buildScenario, Simulation } from '../sim';

function withStrangers(): Simulation {
  return buildScenario({
    seed: 11,
    clusterName: 'prod',
    groups: TWO_GROUPS,
    ungrouped: [
      { family: 'amazon-linux-2023', architecture: 'x86_64', count: 1 },
      { family: 'amazon-linux-2023', architecture: 'x86_64', count: 1, clusterTag: false },
    ],
    services: [{ name: 'web', desiredCount: 4, minimumHealthyPercent: 50, maximumPercent: 200, deregistrationDelayS: 30 }],
  });
}

function ids(sim: Simulation): { tagged: string; untagged: string } {
  const loose = [...sim.cloud.instances.values()].filter((i) => !i.group);
  return { tagged: loose.find((i) => i.tags.has(TagKey.CLUSTER))!.id, untagged: loose.find((i) => !i.tags.has(TagKey.CLUSTER))!.id };
}

test('status lists the instances outside every group, each with why it is not replaced; read-only', async () => {
  const sim = withStrangers();
  const { tagged, untagged } = ids(sim);
  const result = await cli(sim, ['status', '--cluster', 'prod']);
  expect(result.code).toBe(0);
  expect(result.lines).toEqual(expect.arrayContaining([
    '2 container instance(s) outside every managed group (reported, never touched):',
    expect.stringMatching(new RegExp(`^  ${tagged}  ACTIVE, \\d+ running task\\(s\\): not replaced: no replacement group is configured`)),
    expect.stringMatching(new RegExp(`^  ${untagged}  ACTIVE, \\d+ running task\\(s\\): not replaced: no replacement group is configured`)),
  ]));
  expect(writesOf(sim)).toEqual([]);
});

test('plan --replace-unmanaged-through web: the tagged x86_64 instance is to be replaced, the untagged one says why not', async () => {
  const sim = withStrangers();
  const { tagged, untagged } = ids(sim);
  const result = await cli(sim, ['plan', '--cluster', 'prod', '--replace-unmanaged-through', 'web']);
  expect(result.code).toBe(0);
  expect(result.lines).toEqual(expect.arrayContaining([
    '2 container instance(s) outside every managed group (1 to be replaced through the replacement group):',
    expect.stringMatching(new RegExp(`^  ${tagged}  ACTIVE, \\d+ running task\\(s\\): to be replaced$`)),
    expect.stringMatching(new RegExp(`^  ${untagged}  ACTIVE, \\d+ running task\\(s\\): not replaced: it is not tagged ${TagKey.CLUSTER}=prod`)),
  ]));
  expect(writesOf(sim)).toEqual([]);
});

test('rotate --replace-unmanaged-through web replaces the tagged instance after the group\'s own rotation', async () => {
  const sim = withStrangers();
  const { tagged, untagged } = ids(sim);
  const result = await cli(sim, ['rotate', '--cluster', 'prod', '--replace-unmanaged-through', 'web']);
  expect(result.code).toBe(0);
  expect(sim.cloud.instances.get(tagged)!.state).toBe('terminated');
  expect(sim.cloud.instances.get(untagged)!.state).toBe('running');
  expect(sim.cloud.groups.get('web')!.desired).toBe(4);
  expect(result.text).toMatch(new RegExp(`terminate ${tagged} \\(outside every group; 0 running task\\(s\\)\\) and deregister it`));
});
