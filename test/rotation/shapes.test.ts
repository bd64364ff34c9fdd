/**
 * Cluster shapes rotated end to end on the simulator, at production's cadence (5-minute schedule, the
 * Lambda's budget): many groups of different families, architectures and sources progressing together each in
 * its own budget; Windows hosts that boot slowly; a golden AMI per group; instances outside every group
 * replaced through a named group.
 */
import { WINDOW_BUDGETS } from '../../src/engine/decide/rotate';
import { Round } from '../../src/engine/run';
import { DEFAULT_AMI_PARAMETERS } from '../../src/shared/ami-families';
import { TagKey } from '../../src/shared/constants';
import { BATCH_TAG, PHASE_ATTRIBUTE, UNMANAGED_TAG } from '../../src/shared/records';
import { buildScenario, GroupSpec, ScenarioSpec, Simulation } from '../sim';
import { MANY_GROUPS, runScheduled, settingsFor } from './harness';

const HOUR = 3600_000;

function scenario(groups: readonly GroupSpec[], extra: Partial<ScenarioSpec> = {}): Simulation {
  const instances = groups.reduce((n, g) => n + g.instances, 0);
  return buildScenario({
    seed: 31,
    groups,
    services: 'auto',
    standaloneTasks: { count: Math.max(1, Math.round(instances / 20)), durationS: [300, 1800] },
    ...extra,
  });
}

function expectGroupOn(sim: Simulation, group: string, imageId: string, count: number) {
  expect({ group, images: sim.cloud.imagesOf(group) }).toEqual({ group, images: { [imageId]: count } });
  expect({ group, batch: sim.cloud.groups.get(group)!.tags.has(BATCH_TAG) }).toEqual({ group, batch: false });
}

function expectSafe(sim: Simulation) {
  expect(sim.invariants.terminationViolations).toEqual([]);
  expect(sim.invariants.servicesBelowMinimum()).toEqual([]);
  expect(sim.invariants.groupsBelow(0)).toEqual([]);
}

describe('families x architectures: every key of the default parameter map', () => {
  // One group per key, two instances each, named as AWS names that family's images; all in one cluster.
  const KEYS = Object.keys(DEFAULT_AMI_PARAMETERS).sort();
  const groups: GroupSpec[] = KEYS.map((key) => {
    const [family, architecture] = key.split('/') as [string, 'x86_64' | 'arm64'];
    return { name: key.replace(/[^a-z0-9-]/g, '-'), family, architecture, instances: 2 };
  });
  let sim: Simulation;
  let planned: Map<string, { family?: string; architecture?: string; platform?: string; parameterName?: string }>;

  beforeAll(async () => {
    sim = scenario(groups);
    const result = await runScheduled(sim, settingsFor(sim.clusterName, { maxUnavailable: { count: 1 } }), 48 * HOUR);
    expect(result.settled).toBe(true);
    expect(result.results.flatMap((r) => r.outcomes.filter((o) => !o.ok))).toEqual([]);
    const first = result.results[0].last.plan;
    planned = new Map(first.groups.map((g) => [g.groupName, g]));
  }, 120_000);

  test.each(KEYS)('%s: detected from the image name, its public parameter followed, rotated', (key) => {
    const spec = groups[KEYS.indexOf(key)];
    expect(planned.get(spec.name)).toMatchObject({
      family: spec.family,
      architecture: spec.architecture,
      platform: spec.family.startsWith('windows-') ? 'windows' : 'linux',
      parameterName: DEFAULT_AMI_PARAMETERS[key],
    });
    expectGroupOn(sim, spec.name, sim.images[key].new.imageId, 2);
  });

  test('and safely', () => {
    expectSafe(sim);
  });
});

describe('many groups: capacity providers plus a given group, each in its own budget, together', () => {
  const GROUPS = MANY_GROUPS;

  test('every group rotates; at some moment all four are in flight; no group ever drains more than its own budget', async () => {
    const sim = scenario(GROUPS);
    const settings = settingsFor(sim.clusterName, { maxUnavailable: { count: 2 } }, { groupNames: ['win'] });
    const maxConcurrent = { value: 0 };
    const overBudget: string[] = [];
    const budgets = new Map<string, Set<number>>();
    const onRound = (round: Round) => {
      let inFlight = 0;
      for (const [group, rotation] of round.rotations) {
        // Marked: the pipelined window (replacements boot while earlier instances drain).
        if (rotation.inFlight > WINDOW_BUDGETS * rotation.budget) overBudget.push(`${group}: ${rotation.inFlight} marked > ${WINDOW_BUDGETS} x ${rotation.budget}`);
        if (!budgets.has(group)) budgets.set(group, new Set());
        budgets.get(group)!.add(rotation.budget);
        if (rotation.inFlight > 0) inFlight++;
      }
      maxConcurrent.value = Math.max(maxConcurrent.value, inFlight);
      // Out of service: per group, the container instances draining never exceed the budget.
      for (const g of GROUPS) {
        const draining = sim.cloud.instancesOf(g.name).filter((i) => i.ci?.status === 'DRAINING').length;
        if (draining > 2) overBudget.push(`${g.name}: ${draining} draining`);
      }
    };
    const result = await runScheduled(sim, settings, 24 * HOUR, onRound);

    expect(result.settled).toBe(true);
    expect(result.results.flatMap((r) => r.outcomes.filter((o) => !o.ok))).toEqual([]);
    for (const g of GROUPS) expectGroupOn(sim, g.name, sim.images[`${g.family}/${g.architecture}`].new.imageId, g.instances);
    expect(overBudget).toEqual([]);
    expect([...budgets.keys()].sort()).toEqual(GROUPS.map((g) => g.name).sort());
    expect(maxConcurrent.value).toBe(GROUPS.length);
    // The given group needed no cluster tag: it is named by ARN; the discovered ones carry it.
    expect(sim.cloud.groups.get('win')!.tags.has(TagKey.CLUSTER)).toBe(false);
    expectSafe(sim);
  });
});

describe('Windows: the longer pacing is a readiness check, not a sleep', () => {
  // A Windows group and a Linux group, both booting slowly. The Windows group's readiness timeout is longer, so
  // it waits for its replacements and goes on; the Linux group's runs out and it stops (and alarms) until they
  // are ACTIVE; then it goes on too: a stop drains nothing, and lifts itself.
  test.each([
    // Boot 10-15 minutes, as Windows hosts do; the Linux timeout tightened to 10 minutes (a user who expects 2-5).
    ['boot 10-15 min, Linux timeout 10 min, Windows timeout default 60 min', [600, 900] as const, 600],
    // Boot 40-50 minutes with both defaults: 30 minutes for Linux, 60 for Windows.
    ['boot 40-50 min, defaults (Linux 30 min, Windows 60 min)', [2400, 3000] as const, 1800],
  ])('%s', async (_, bootS, linuxTimeout) => {
    const timing = { bootS, registerS: [60, 180] as const };
    const groups: GroupSpec[] = [
      // One zone: with boots of up to 50 minutes, the extra balancing replacement three zones may need would not
      // be done when this test counts the instances per image.
      { name: 'win', family: 'windows-server-2022-full', architecture: 'x86_64', instances: 3, timing, availabilityZones: ['a'] },
      { name: 'linux', family: 'amazon-linux-2023', architecture: 'x86_64', instances: 3, timing, availabilityZones: ['a'] },
    ];
    const sim = scenario(groups);
    const settings = settingsFor(sim.clusterName, {
      maxUnavailable: { count: 1 },
      readinessTimeoutSeconds: linuxTimeout,
      windowsReadinessTimeoutSeconds: 3600,
    });
    const stopped = new Map<string, string[]>([['win', []], ['linux', []]]);
    const onRound = (round: Round) => {
      for (const [group, rotation] of round.rotations) if (rotation.phase === 'stopped') stopped.get(group)!.push(rotation.stoppedReason ?? '');
    };
    const result = await runScheduled(sim, settings, 48 * HOUR, onRound);

    expect(result.settled).toBe(true);
    for (const g of groups) expectGroupOn(sim, g.name, sim.images[`${g.family}/${g.architecture}`].new.imageId, g.instances);
    // Windows was never stopped; Linux was, for its readiness timeout, and nothing was drained while it was.
    expect(stopped.get('win')).toEqual([]);
    expect(stopped.get('linux')!.length).toBeGreaterThan(0);
    expect(stopped.get('linux')![0]).toContain(`did not become ACTIVE in the cluster within ${linuxTimeout} s`);
    expectSafe(sim);
  });
});

describe('golden AMIs per group', () => {
  test('a group with its own parameter (a JSON document) rotates to the team\'s image, whose name no family matches', async () => {
    const groups: GroupSpec[] = [
      { name: 'golden', family: 'amazon-linux-2023', architecture: 'x86_64', instances: 4 },
      { name: 'public', family: 'amazon-linux-2023', architecture: 'arm64', instances: 2 },
    ];
    const sim = scenario(groups);
    const key = 'amazon-linux-2023/x86_64';
    // The team's images: named their way (no family is recognised from the name).
    const old = sim.images[key].old;
    old.name = 'acme-ecs-base-2025.01.01';
    const golden = sim.cloud.addImage({ ...sim.images[key].new, imageId: 'ami-0acce55ed0000000a', name: 'acme-ecs-base-2025.06.20' });
    sim.cloud.setParameter('/acme/golden/web', JSON.stringify({ schema_version: 1, image_id: golden.imageId, image_name: golden.name }));

    // Without the group's parameter it is refused (unknown family), never guessed; the other group rotates.
    const refused = await runScheduled(sim, settingsFor(sim.clusterName), 24 * HOUR);
    const plan = refused.results[refused.results.length - 1].last.plan;
    expect(plan.groups.find((g) => g.groupName === 'golden')).toMatchObject({ status: 'refused', unknownFamily: true });
    expect(plan.totals.unknownFamilyGroups).toBe(1);
    expect(sim.cloud.imagesOf('golden')).toEqual({ [old.imageId]: 4 });
    expectGroupOn(sim, 'public', sim.images['amazon-linux-2023/arm64'].new.imageId, 2);

    const settings = settingsFor(sim.clusterName, {}, { groupOverrides: { golden: { amiParameter: '/acme/golden/web' } } });
    const result = await runScheduled(sim, settings, 24 * HOUR);
    expect(result.settled).toBe(true);
    expectGroupOn(sim, 'golden', golden.imageId, 4);
    expect(sim.recorder.of('ssm:getParameters').flatMap((c) => (c.input as { Names: string[] }).Names)).toContain('/acme/golden/web');
    expectSafe(sim);
  });
});

describe('instances outside every group', () => {
  test('reported only, by default: nothing touched, each listed with the reason', async () => {
    const sim = scenario([{ name: 'web', family: 'amazon-linux-2023', architecture: 'x86_64', instances: 3 }],
      { ungrouped: [{ family: 'amazon-linux-2023', architecture: 'x86_64', count: 2 }] });
    const strangers = [...sim.cloud.instances.values()].filter((i) => !i.group).map((i) => i.id).sort();
    const result = await runScheduled(sim, settingsFor(sim.clusterName), 24 * HOUR);
    expect(result.settled).toBe(true);
    const plan = result.results[result.results.length - 1].last.plan;
    expect(plan.unmanagedInstanceIds).toEqual(strangers);
    expect(plan.unmanagedInstances.every((u) => !u.replaceable && /no replacement group is configured/.test(u.reason ?? ''))).toBe(true);
    expect(sim.recorder.count('ec2:terminateInstances')).toBe(0);
    for (const id of strangers) expect(sim.cloud.instances.get(id)!.state).toBe('running');
  });

  test('opted in: each tagged one of the group\'s architecture is replaced through the group, one at a time; the others stay', async () => {
    const sim = scenario([{ name: 'web', family: 'amazon-linux-2023', architecture: 'x86_64', instances: 4 }], {
      ungrouped: [
        { family: 'amazon-linux-2023', architecture: 'x86_64', count: 3 },
        { family: 'amazon-linux-2023', architecture: 'x86_64', count: 1, clusterTag: false },
        { family: 'amazon-linux-2023', architecture: 'arm64', count: 1 },
      ],
    });
    const ungrouped = [...sim.cloud.instances.values()].filter((i) => !i.group);
    const tagged = ungrouped.filter((i) => i.tags.has(TagKey.CLUSTER) && i.architecture === 'x86_64').map((i) => i.id).sort();
    const kept = ungrouped.map((i) => i.id).filter((id) => !tagged.includes(id)).sort();
    expect([tagged.length, kept.length]).toEqual([3, 2]);

    let maxMarkedStrangers = 0;
    const onRound = () => {
      const marked = ungrouped.filter((i) => i.ci?.attributes.has(PHASE_ATTRIBUTE) && i.state === 'running').length;
      maxMarkedStrangers = Math.max(maxMarkedStrangers, marked);
    };
    const settings = settingsFor(sim.clusterName, { unmanagedReplacementGroup: 'web' });
    const result = await runScheduled(sim, settings, 24 * HOUR, onRound);

    expect(result.settled).toBe(true);
    expect(result.results.flatMap((r) => r.outcomes.filter((o) => !o.ok))).toEqual([]);
    // The group rotated its own instances, then took over the tagged ones' capacity, on the new image.
    expectGroupOn(sim, 'web', sim.images['amazon-linux-2023/x86_64'].new.imageId, 4 + 3);
    expect(sim.cloud.groups.get('web')!.desired).toBe(7);
    expect(sim.cloud.groups.get('web')!.tags.has(UNMANAGED_TAG)).toBe(false);
    for (const id of tagged) expect({ id, state: sim.cloud.instances.get(id)!.state }).toEqual({ id, state: 'terminated' });
    for (const id of kept) expect({ id, state: sim.cloud.instances.get(id)!.state, ci: sim.cloud.instances.get(id)!.ci?.status }).toEqual({ id, state: 'running', ci: 'ACTIVE' });
    const terminated = sim.recorder.of('ec2:terminateInstances').flatMap((c) => (c.input as { InstanceIds: string[] }).InstanceIds).sort();
    expect(terminated).toEqual(tagged);
    expect(maxMarkedStrangers).toBe(1);
    const plan = result.results[result.results.length - 1].last.plan;
    expect(plan.unmanagedInstances.map((u) => [u.instanceId, u.replaceable])).toEqual(kept.map((id) => [id, false]));
    expectSafe(sim);
  });
});
