/**
 * Cordons across groups: a cordon is written per group, but ECS places a service's tasks on any instance of the
 * cluster. While one group's rotation cannot cordon yet (none of its replacements serves), no other group starts
 * a drain; and a group whose rotation moves cordons as soon as something on the target image serves.
 */
import { NEW_AMI } from './fixtures';
import { arn, batchTag, drainingSince, id, imageDecision, member, NOW, REPLACING, rotationConfig, twoGroups } from './rotation-fixtures';
import { drainsHeldForCordons, rotateGroup, RotationConfig } from '../../src/rotator/rotate';

const BATCH = { base: 2, target: 4, originalMax: 6, startedAt: NOW - 60_000 };
const CONFIG = rotationConfig({ cordon: true });

/**
 * `web` (members 1-2 outdated and marked, 3-4 their replacements) and `edge` (members 11-12 outdated and marked,
 * 13-14 their replacements), both in a batch started a minute ago. `webServes` / `edgeServes`: whether the
 * group's replacements are ACTIVE in the cluster yet.
 */
function cluster(webServes: boolean, edgeServes: boolean, marksSince = NOW - 60_000) {
  const mark = `replacing:${marksSince}`;
  const side = (first: number, serves: boolean) => [
    member(first, { container: { phase: mark, running: 5 } }),
    member(first + 1, { container: { phase: mark, running: 5 } }),
    member(first + 2, { container: serves ? {} : false }),
    member(first + 3, { container: serves ? {} : false }),
  ];
  return twoGroups(
    { desired: 4, tags: batchTag(BATCH), members: side(1, webServes) },
    { desired: 4, tags: batchTag(BATCH), members: side(11, edgeServes) },
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
      + 'web (2 outdated instance(s) not cordoned: none of its replacements serves yet)');
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
