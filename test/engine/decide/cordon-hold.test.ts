/**
 * Cordons across groups: a cordon is written per group, but ECS places a service's tasks on any instance of the
 * cluster. While one group's rotation cannot cordon yet (its window's replacements do not serve), no other group
 * starts a drain; and a group whose rotation moves cordons once its replacements serve beyond its base.
 */
import { CLUSTER, NEW_AMI, OLD_AMI } from '../fixtures';
import { arn, batchTag, drainingSince, id, imageDecision, member, MemberSpec, NOW, REPLACING, rotationConfig, rotationInput, RotationSpec, twoGroups } from './rotation-fixtures';
import { GroupPlan, RotationPlan } from '../../../src/engine/decide/plan';
import { drainsHeldForCordons, rotateGroup, RotationConfig } from '../../../src/engine/decide/rotate';
import { ObservedCluster } from '../../../src/engine/model';
import { rotationsFor } from '../../../src/engine/rotations';
import { encodeUnmanagedReplacement, UNMANAGED_TAG } from '../../../src/shared/records';

const BATCH = { base: 2, target: 4, originalMax: 6, startedAt: NOW - 60_000 };
const CONFIG = rotationConfig({ cordon: true });

/** Members `first` and `first + 1` outdated and marked at `marksSince`, the next two their replacements. */
function side(first: number, serves: boolean, marksSince: number) {
  const mark = `replacing:${marksSince}`;
  return [
    member(first, { container: { phase: mark, running: 5 } }),
    member(first + 1, { container: { phase: mark, running: 5 } }),
    member(first + 2, { container: serves ? {} : false }),
    member(first + 3, { container: serves ? {} : false }),
  ];
}

/**
 * `web` (members 1-2 outdated and marked, 3-4 their replacements) and `edge` (members 11-12 outdated and marked,
 * 13-14 their replacements), both in a batch started a minute ago. `webServes` / `edgeServes`: whether the
 * group's replacements are ACTIVE in the cluster yet.
 */
function cluster(webServes: boolean, edgeServes: boolean, marksSince = NOW - 60_000, edgeMarksSince = marksSince) {
  return twoGroups(
    { desired: 4, tags: batchTag(BATCH), members: side(1, webServes, marksSince) },
    { desired: 4, tags: batchTag(BATCH), members: side(11, edgeServes, edgeMarksSince) },
  );
}

const groupsOf = (c: ReturnType<typeof cluster>, config: RotationConfig = CONFIG) => [
  { group: c.web, decision: imageDecision([id(1), id(2)]), config },
  { group: c.edge, decision: imageDecision([id(11), id(12)]), config },
];

describe('drainsHeldForCordons', () => {
  test('a group whose replacements serve waits while the other group\'s do not, and says which and why', () => {
    const c = cluster(false, true);
    const held = drainsHeldForCordons(c.observed, groupsOf(c));
    expect([...held.keys()]).toEqual(['edge']);
    expect(held.get('edge')).toBe("drained tasks could land on another group's outdated instances: "
      + 'web (2 outdated instance(s) not cordoned: its replacements do not serve yet)');
  });

  test('nobody waits once both groups have a replacement serving (each cordons its own)', () => {
    const c = cluster(true, true);
    expect(drainsHeldForCordons(c.observed, groupsOf(c)).size).toBe(0);
  });

  test('both groups wait on each other while neither serves; neither could drain anyway', () => {
    const c = cluster(false, false);
    expect([...drainsHeldForCordons(c.observed, groupsOf(c)).keys()]).toEqual(['web', 'edge']);
  });

  test('a group marked longer ago than its readiness timeout holds no one (it stops itself)', () => {
    const c = cluster(false, true, NOW - 901_000);
    expect(drainsHeldForCordons(c.observed, groupsOf(c)).size).toBe(0);
    const within = cluster(false, true, NOW - 899_000);
    expect(drainsHeldForCordons(within.observed, groupsOf(within)).size).toBe(1);
  });

  test('groups of different platforms never hold each other (a Linux task never runs on a Windows host); an unknown platform does', () => {
    const c = cluster(false, true);
    const [web, edge] = groupsOf(c);
    const held = (webPlatform?: 'windows' | 'linux', edgePlatform?: 'windows' | 'linux') =>
      [...drainsHeldForCordons(c.observed, [{ ...web, platform: webPlatform }, { ...edge, platform: edgePlatform }]).keys()];
    expect(held('windows', 'linux')).toEqual([]);
    expect(held('linux', 'windows')).toEqual([]);
    expect(held('linux', 'linux')).toEqual(['edge']);
    expect(held('windows', 'windows')).toEqual(['edge']);
    expect(held(undefined, 'linux')).toEqual(['edge']);
    expect(held('windows', undefined)).toEqual(['edge']);
  });

  test('with cordoning off, nothing is held', () => {
    const c = cluster(false, true);
    expect(drainsHeldForCordons(c.observed, groupsOf(c, rotationConfig({ cordon: false }))).size).toBe(0);
  });

  test('a group with outdated instances but no rotation under way (no batch) holds no one', () => {
    const c = twoGroups(
      { desired: 2, members: [member(1, { container: { running: 5 } }), member(2, { container: { running: 5 } })] },
      {
        desired: 4,
        tags: batchTag(BATCH),
        members: [member(11, { container: { phase: REPLACING, running: 5 } }), member(12), member(13), member(14)],
      },
    );
    expect(drainsHeldForCordons(c.observed, groupsOf(c)).size).toBe(0);
  });

  test('outdated instances already cordoned expose nothing', () => {
    const c = cluster(false, true);
    const observed = {
      ...c.observed,
      containerInstances: c.observed.containerInstances.map((ci) => ([id(1), id(2)].includes(ci.ec2InstanceId) ? { ...ci, cordoned: NEW_AMI } : ci)),
    };
    expect(drainsHeldForCordons(observed, groupsOf({ ...c, observed })).size).toBe(0);
  });
});

describe('a group held for another group\'s cordons', () => {
  const c = cluster(false, true);
  const edge = { group: c.edge, decision: imageDecision([id(11), id(12)]) };
  const reason = 'drained tasks could land on another group\'s outdated instances: web (…)';

  test('starts no drain, cordons its own outdated instances (its replacements serve), and says why it waits', () => {
    const rotation = rotateGroup(c.observed, edge.group, edge.decision, { ...CONFIG, drainsWaitFor: reason });
    expect(rotation.phase).toBe('replacing');
    expect(rotation.actions.map((a) => a.kind)).toEqual(['cordon']);
    expect(rotation.actions[0]).toMatchObject({ containerInstanceArns: [arn(11), arn(12)] });
    expect(rotation.waitingReason).toBe(`the next drain waits: ${reason}`);
  });

  test('without the hold, the same round cordons first, then drains', () => {
    const rotation = rotateGroup(c.observed, edge.group, edge.decision, CONFIG);
    expect(rotation.actions.map((a) => a.kind)).toEqual(['cordon', 'drain']);
  });

  test('is not stopped for slow replacements while held, though its marks are older than its readiness timeout', () => {
    const old = cluster(false, true, NOW - 3_600_000);
    const held = rotateGroup(old.observed, old.edge, edge.decision, { ...CONFIG, drainsWaitFor: reason });
    expect(held.phase).toBe('replacing');
    expect(held.stoppedReason).toBeUndefined();
  });

  test('whose own replacements never served still stops at its own readiness timeout (the hold excuses only a group that could drain)', () => {
    const old = cluster(false, false, NOW - 901_000);
    const held = rotateGroup(old.observed, old.edge, edge.decision, { ...CONFIG, drainsWaitFor: reason });
    expect(held.phase).toBe('stopped');
    expect(held.stoppedReason).toMatch(/^replacement capacity did not become ACTIVE in the cluster within 900 s \(2 instances serving, 3 needed/);
    // Through the engine's round: edge is past its timeout, web (marked a minute ago) is not and holds edge.
    const both = cluster(false, false, NOW - 60_000, NOW - 901_000);
    const rotations = rotationsFor(both.observed, planOf(both.observed, { web: [id(1), id(2)], edge: [id(11), id(12)] }), CONFIG);
    expect(rotations.get('edge')!.phase).toBe('stopped');
    expect(rotations.get('web')!.phase).toBe('replacing');
  });

  test('goes on with what is in flight: an empty drained instance is still terminated', () => {
    const inFlight = twoGroups(
      { desired: 4, tags: batchTag(BATCH), members: [member(1, { container: { phase: REPLACING, running: 5 } }), member(3, { container: false })] },
      {
        desired: 4,
        tags: batchTag(BATCH),
        members: [
          member(11, { container: { phase: drainingSince(NOW - 30_000), status: 'DRAINING', running: 0 } }),
          member(12, { container: { phase: REPLACING, running: 5 } }),
          member(13),
          member(14),
        ],
      },
    );
    const rotation = rotateGroup(inFlight.observed, inFlight.edge, edge.decision, { ...CONFIG, drainsWaitFor: reason });
    expect(rotation.actions.map((a) => a.kind)).toContain('terminate');
    expect(rotation.actions.map((a) => a.kind)).not.toContain('drain');
  });
});

/**
 * The plan rotationsFor reads, built from the observation (these fixtures carry no images or parameters for the
 * planner): each named group Linux, towards NEW_AMI, outdated on the given instances, up to date without any.
 */
function planOf(observed: ObservedCluster, outdated: Record<string, string[]>): RotationPlan {
  const groups: GroupPlan[] = Object.entries(outdated).map(([groupName, ids]) => {
    const members = observed.groups.find((g) => g.name === groupName)!.instances.length;
    return {
      groupName,
      status: ids.length > 0 ? 'outdated' : 'up-to-date',
      platform: 'linux',
      targetImageId: NEW_AMI,
      updateLaunchSource: false,
      instanceCount: members,
      upToDateCount: members - ids.length,
      outdatedInstances: ids.map((instanceId) => ({ instanceId, imageId: OLD_AMI, runningTasksCount: 5 })),
    };
  });
  const outdatedCount = groups.reduce((n, g) => n + g.outdatedInstances.length, 0);
  return {
    clusterName: CLUSTER,
    observedAt: observed.observedAt,
    groups,
    unmanagedInstanceIds: [],
    unmanagedInstances: [],
    totals: {
      outdatedInstances: outdatedCount,
      upToDateInstances: groups.reduce((n, g) => n + g.upToDateCount, 0),
      refusedGroups: 0,
      unobservedGroups: 0,
      unknownFamilyGroups: 0,
      // rotationsFor reads no totals; the fixtures record no adoption time to age from.
      oldestOutdatedAgeSeconds: 0,
    },
  };
}

describe('the replacement of an instance outside every group', () => {
  // web rotates and cannot cordon yet (its replacements boot). edge, up to date, replaces instance 99 (outside
  // every group, marked) through itself; its replacement (13) serves, so on its own it would drain 99 now.
  const stray = 99;
  const record = encodeUnmanagedReplacement({ instanceId: id(stray), base: 2, startedAt: NOW - 120_000 });
  const base = twoGroups(
    { desired: 4, tags: batchTag(BATCH), members: side(1, false, NOW - 60_000) },
    { desired: 3, tags: { [UNMANAGED_TAG]: record }, members: [member(11), member(12), member(13)] },
  );
  const strayContainer = {
    ...base.observed.containerInstances.find((c) => c.ec2InstanceId === id(1))!,
    ec2InstanceId: id(stray),
    containerInstanceArn: arn(stray),
    phase: REPLACING,
    runningTasksCount: 5,
    liveTasks: 5,
  };
  const observed: ObservedCluster = {
    ...base.observed,
    containerInstances: [...base.observed.containerInstances, strayContainer],
    instances: { ...base.observed.instances, [id(stray)]: { instanceId: id(stray), imageId: OLD_AMI, state: 'running', tags: {} } },
  };
  const plan = planOf(observed, { web: [id(1), id(2)], edge: [] });

  test('waits like any drain while another group cannot cordon, and says why', () => {
    const edge = rotationsFor(observed, plan, { ...CONFIG, unmanagedReplacementGroup: 'edge' }).get('edge')!;
    expect(edge.actions.map((a) => a.kind)).not.toContain('drain');
    expect(edge.phase).toBe('replacing');
    expect(edge.waitingReason).toMatch(/^the next drain waits: drained tasks could land on another group's outdated instances: web \(2 outdated/);
  });

  test('drains once nothing holds it (cordoning off)', () => {
    const edge = rotationsFor(observed, plan, { ...rotationConfig({ cordon: false }), unmanagedReplacementGroup: 'edge' }).get('edge')!;
    expect(edge.actions.find((a) => a.kind === 'drain')).toMatchObject({ containerInstanceArns: [arn(stray)] });
  });
});

describe('cordons in a group\'s own replacing rounds (one group)', () => {
  test('after its canary soaked, the round that starts the next window cordons nothing: only the canary\'s replacement is on the target', () => {
    // 7 outdated instances and the canary's replacement (9): the group serves its base, nothing more.
    const { observed, group } = rotationInput({
      desired: 8,
      max: 10,
      tags: batchTag({ base: 8, target: 9, originalMax: 10, startedAt: NOW - 3_600_000, canary: { soakUntil: NOW - 1 } }),
      members: [
        ...[1, 2, 3, 4, 5, 6, 7].map((n) => member(n, { container: { running: 3 } })),
        // Healthy: its task, read, runs, and its service is steady.
        member(9, { container: { running: 1, tasks: [{ taskArn: `arn:aws:ecs:us-east-1:123456789012:task/${CLUSTER}/${'1'.padStart(32, '0')}`, lastStatus: 'RUNNING', service: 'api' }] } }),
      ],
      services: { api: { name: 'api', daemon: false, desiredCount: 4, runningCount: 4, deployments: 1 } },
    });
    const rotation = rotateGroup(observed, group, imageDecision([1, 2, 3, 4, 5, 6, 7].map(id)),
      rotationConfig({ cordon: true, canary: { count: 1, soakSeconds: 600 } }));
    expect(rotation.phase).toBe('replacing');
    expect(rotation.actions.map((a) => a.kind)).toContain('start-batch');
    expect(rotation.actions.map((a) => a.kind)).not.toContain('cordon');
  });

  // Base 6: instances 1-5 outdated (1, 2 marked), 9 on the target since an earlier window; 7, 8 the window's
  // replacements; `extra`: more members.
  const windowSpec = (replacementsServe: boolean, cordoned: boolean, extra: MemberSpec[] = []): RotationSpec => ({
    desired: 8 + extra.length,
    tags: batchTag({ base: 6, target: 8, originalMax: 10, startedAt: NOW - 60_000 }),
    members: [
      ...[1, 2].map((n) => member(n, { container: { phase: REPLACING, running: 3, cordoned: cordoned ? NEW_AMI : undefined } })),
      ...[3, 4, 5].map((n) => member(n, { container: { running: 3, cordoned: cordoned ? NEW_AMI : undefined } })),
      member(9, { container: { running: 3 } }),
      member(7, { container: replacementsServe ? {} : false }),
      member(8, { container: replacementsServe ? {} : false }),
      ...extra,
    ],
  });
  const window = (replacementsServe: boolean, cordoned: boolean, extra: MemberSpec[] = []) =>
    rotationInput(windowSpec(replacementsServe, cordoned, extra));
  const outdated = imageDecision([1, 2, 3, 4, 5].map(id));
  /** The window's group as `web`, and `edge` (two instances, nothing to do) that could drain. */
  const withIdleEdge = (extra: MemberSpec[] = []) => {
    const edge = { desired: 2, members: [member(11, { container: { running: 3 } }), member(12, { container: { running: 3 } })] };
    const c = twoGroups(windowSpec(false, false, extra), edge);
    return drainsHeldForCordons(c.observed, [
      { group: c.web, decision: outdated, config: CONFIG },
      { group: c.edge, decision: imageDecision([]), config: CONFIG },
    ]);
  };

  test('while the window\'s replacements boot, nothing new is cordoned (though 9 is on the target), and cordons already written stay', () => {
    const fresh = window(false, false);
    expect(rotateGroup(fresh.observed, fresh.group, outdated, CONFIG).actions.map((a) => a.kind)).toEqual([]);
    const kept = window(false, true);
    expect(rotateGroup(kept.observed, kept.group, outdated, CONFIG).actions.map((a) => a.kind)).toEqual([]);
  });

  test('the group that cannot spare its outdated instances holds another group\'s drains, though 9 is on the target', () => {
    expect([...withIdleEdge().keys()]).toEqual(['edge']);
  });

  test('an instance ECS drains for another reason (Spot interruption, managed draining, an operator) is no drain of the rotation\'s', () => {
    // 10: on the target image, DRAINING without a phase attribute. The group still serves only its base (1-5, 9).
    const spot = [member(10, { container: { status: 'DRAINING', running: 2 } })];
    const w = window(false, false, spot);
    expect(rotateGroup(w.observed, w.group, outdated, CONFIG).actions.map((a) => a.kind)).not.toContain('cordon');
    expect([...withIdleEdge(spot).keys()]).toEqual(['edge']);
  });

  test('with one of its own drains under way, a group below its base + 1 cordons at once (a newer image, a cordon lifted by hand)', () => {
    // 1 drained by the rotation, 2 marked, 7 on the target, the window's next replacement (8) boots: 2-5, 7, 9 serve = the base.
    const w = rotationInput({
      desired: 8,
      tags: batchTag({ base: 6, target: 8, originalMax: 10, startedAt: NOW - 60_000 }),
      members: [
        member(1, { container: { status: 'DRAINING', phase: drainingSince(NOW - 30_000), running: 3 } }),
        member(2, { container: { phase: REPLACING, running: 3 } }),
        ...[3, 4, 5].map((n) => member(n, { container: { running: 3 } })),
        member(7, { container: { running: 3 } }),
        member(9, { container: { running: 3 } }),
        member(8, { container: false }),
      ],
    });
    const cordon = rotateGroup(w.observed, w.group, outdated, CONFIG).actions.find((a) => a.kind === 'cordon');
    expect(cordon).toMatchObject({ containerInstanceArns: [2, 3, 4, 5].map(arn) });
  });

  test('once a replacement serves beyond the group\'s base, every outdated instance is cordoned even while the drain is held', () => {
    const up = window(true, false);
    const rotation = rotateGroup(up.observed, up.group, outdated, { ...CONFIG, drainsWaitFor: 'another group' });
    expect(rotation.phase).toBe('replacing');
    expect(rotation.actions.find((a) => a.kind === 'cordon')).toMatchObject({ containerInstanceArns: [1, 2, 3, 4, 5].map(arn) });
  });
});
