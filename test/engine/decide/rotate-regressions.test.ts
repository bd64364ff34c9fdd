/**
 * Regressions found by a review of the pipelined rotation: decisions that left the group in a wrong state or
 * took capacity the rotation should not. Each test names the sequence that led there.
 */
import { amiId, NEW_AMI } from '../fixtures';
import { arn, batchTag, drainingSince, id, imageDecision, member, NOW, REPLACING, rotate } from './rotation-fixtures';
import { Action } from '../../../src/engine/actions';
import { GroupRotation } from '../../../src/engine/decide/rotate';
import { encodePhase } from '../../../src/shared/records';

const kinds = (rotation: GroupRotation): string[] => rotation.actions.map((a) => a.kind);
const ofKind = <K extends Action['kind']>(rotation: GroupRotation, kind: K) =>
  rotation.actions.filter((a): a is Extract<Action, { kind: K }> => a.kind === kind);
const replacingSince = (since: number) => encodePhase({ kind: 'replacing', since });

describe('AZRebalance', () => {
  it('a batch whose tag says it suspended AZRebalance, but whose SuspendProcesses never landed (crash after the tag), suspends it before terminating', () => {
    // start-batch writes the tag (with :az) first, then SuspendProcesses. Killed in between, every later
    // round sees the batch and never looks at the group's suspended processes again: AZRebalance stays
    // active for the whole rotation, and rebalances after terminate-and-decrement by terminating instances
    // of its own choosing, undrained.
    const rotation = rotate(
      {
        desired: 5,
        max: 6,
        tags: batchTag({ base: 4, target: 5, originalMax: 6, startedAt: NOW - 60_000, suspendedAzRebalance: true }),
        members: [
          member(1, { container: { phase: drainingSince(NOW - 30_000), status: 'DRAINING' } }),
          member(2), member(3), member(4), member(5),
        ],
      },
      [id(1)],
    );
    // (the group's suspendedProcesses, as observed: none)
    const terminate = kinds(rotation).indexOf('terminate');
    expect(terminate).toBeGreaterThanOrEqual(0);
    const before = rotation.actions.slice(0, terminate);
    expect(before.some((a) => /suspend|az/i.test(a.kind))).toBe(true);
  });

  it('adopted marks (no batch record) hold AZRebalance like a started batch does', () => {
    const rotation = rotate(
      {
        desired: 5,
        max: 6,
        members: [member(1, { container: { phase: REPLACING } }), member(2), member(3), member(4), member(5)],
      },
      [id(1), id(2)],
    );
    const start = ofKind(rotation, 'start-batch')[0];
    expect(start.batch.suspendedAzRebalance).toBe(true);
  });
});

describe('max size', () => {
  it('max size raised by a mark-more beyond the batch target is restored when the rotation ends', () => {
    // Desired is above base + marked (managed scaling raised it, or a marked instance was lost and Auto
    // Scaling replaced it): the window refill raises desired from there, past max, and raises max.
    const tags = batchTag({ base: 4, target: 6, originalMax: 6, startedAt: NOW - 60_000, suspendedAzRebalance: true });
    const step1 = rotate(
      {
        desired: 6,
        max: 6,
        tags,
        members: [member(1, { container: { phase: replacingSince(NOW - 60_000) } }), member(2), member(3), member(4), member(5), member(6)],
      },
      [id(1), id(2), id(3), id(4)],
    );
    const more = ofKind(step1, 'mark-more')[0];
    expect(more).toEqual(expect.objectContaining({ raiseDesiredTo: 7, raiseMaxTo: 7 }));
    // The record is re-written with the max it raised to, before raising it.
    expect(more.record).toEqual(expect.objectContaining({ raisedMax: 7 }));

    // ... the rotation goes on; at the end no instance is marked, max is 7, desired back within 6.
    const end = rotate({ desired: 5, max: 7, tags: batchTag(more.record!), members: [member(5), member(6), member(7), member(8), member(9)] }, []);
    expect(ofKind(end, 'finish-batch')[0].restoreMaxTo).toBe(6);
  });
});

describe('cordons and a newer image mid-rotation', () => {
  it('never drains while every serving instance left would be cordoned (the previous target\'s replacements become outdated)', () => {
    // A rotation to NEW_AMI is in flight (base 2, window 2): two old instances marked, their two replacements
    // on NEW_AMI up and serving. The parameter now names a newer image: everything is outdated. With
    // cordoning the round cordons the two replacements and drains a marked instance in the same round: the
    // drained tasks have nowhere to go (every other serving instance is cordoned) until instances on the
    // newest image boot, yet `serving - base` counted the cordoned replacements as room.
    const newest = amiId(0x3003);
    const rotation = rotate(
      {
        desired: 4,
        max: 4,
        tags: batchTag({ base: 2, target: 4, originalMax: 4, startedAt: NOW - 600_000, suspendedAzRebalance: true }),
        members: [
          member(1, { container: { phase: replacingSince(NOW - 600_000), cordoned: NEW_AMI } }),
          member(2, { container: { phase: replacingSince(NOW - 600_000), cordoned: NEW_AMI } }),
          member(3), member(4),
        ],
      },
      imageDecision([id(1), id(2), id(3), id(4)], { targetImageId: newest, updateLaunchSource: true }),
      { cordon: true },
    );
    const cordoned = new Set([arn(1), arn(2), ...ofKind(rotation, 'cordon').flatMap((a) => a.containerInstanceArns)]);
    for (const a of ofKind(rotation, 'uncordon')) a.containerInstanceArns.forEach((x) => cordoned.delete(x));
    const drained = new Set(ofKind(rotation, 'drain').flatMap((a) => a.containerInstanceArns));
    const placeable = [1, 2, 3, 4].map(arn).filter((a) => !cordoned.has(a) && !drained.has(a));
    if (drained.size > 0) expect(placeable.length).toBeGreaterThan(0);
  });
});

describe('readiness', () => {
  it('a draining mark whose state call did not land is judged from its own mark, not the batch start (no false readiness stop)', () => {
    // A rotation started 3 h ago (the pipeline keeps one batch for the whole rotation). 5 s ago instance 1
    // was marked draining but the UpdateContainerInstancesState call was lost; meanwhile a replacement's
    // agent disconnected, so nothing may drain this round. The group is stopped at once, "replacement
    // capacity did not become ACTIVE within 1800 s", although nothing has waited 1800 s.
    const rotation = rotate(
      {
        desired: 4,
        max: 4,
        tags: batchTag({ base: 3, target: 4, originalMax: 4, startedAt: NOW - 3 * 3600_000, suspendedAzRebalance: true }),
        members: [
          member(1, { container: { phase: drainingSince(NOW - 5_000) } }),
          member(2), member(3),
          member(4, { container: { agentConnected: false } }),
        ],
      },
      [id(1), id(2), id(3)],
      { readinessTimeoutSeconds: 1800 },
    );
    expect(rotation.phase).not.toBe('stopped');
  });
});
