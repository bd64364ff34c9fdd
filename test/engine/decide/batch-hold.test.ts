/**
 * A batch on a group ECS scales (its capacity provider has managed scaling on) holds its surge through
 * MinSize, never through desired capacity, and gives the hold back as it goes (decide/batch-hold.ts).
 */
import {
  arn, batchTag, drainingSince, id, imageDecision, member, NOW, REPLACING, rotationConfig, rotationInput, RotationSpec,
} from './rotation-fixtures';
import { Action } from '../../../src/engine/actions';
import { GroupRotation, rotateGroup } from '../../../src/engine/decide/rotate';
import { ObservedGroup } from '../../../src/engine/model';
import { Batch, decodeBatch, encodeBatch } from '../../../src/shared/records';

const ofKind = <K extends Action['kind']>(rotation: GroupRotation, kind: K) =>
  rotation.actions.filter((a): a is Extract<Action, { kind: K }> => a.kind === kind);

/** The spec's group with ECS managed scaling on and the given MinSize. */
function rotateManaged(spec: RotationSpec, outdated: readonly string[], minSize: number, count = 1): GroupRotation {
  const { observed, group } = rotationInput(spec);
  const managed: ObservedGroup = { ...group, minSize, ecsScaled: true };
  return rotateGroup({ ...observed, groups: [managed] }, managed, imageDecision(outdated), rotationConfig({ maxUnavailable: { count } }));
}

const held = (base: number, target: number, originalMin: number): Batch => (
  { base, target, originalMax: base + 2, startedAt: NOW - 60_000, originalMin });

describe('a batch on a group ECS scales', () => {
  test('starts by recording the group\'s MinSize and raising through MinSize', () => {
    const rotation = rotateManaged({ desired: 3, max: 6, members: [member(1), member(2), member(3)] }, [id(1), id(2), id(3)], 1);
    const [start] = ofKind(rotation, 'start-batch');
    expect(start.batch).toMatchObject({ base: 3, target: 5, originalMin: 1 });
    expect(start.holdMin).toBe(true);
  });

  test('a group ECS does not scale records no MinSize and raises desired as before', () => {
    const { observed, group } = rotationInput({ desired: 3, max: 6, members: [member(1), member(2), member(3)] });
    const rotation = rotateGroup(observed, group, imageDecision([id(1)]), rotationConfig({ maxUnavailable: { count: 1 } }));
    const [start] = ofKind(rotation, 'start-batch');
    expect(start.batch.originalMin).toBeUndefined();
    expect(start.holdMin).toBeUndefined();
  });

  test('in flight, a MinSize below base + marked is raised again (a crash between lowering it and terminating)', () => {
    const rotation = rotateManaged({
      desired: 4,
      tags: batchTag(held(3, 4, 0)),
      members: [member(1, { container: { phase: REPLACING } }), member(2), member(3), member(4, { lifecycleState: 'Pending' })],
    }, [id(1)], 3);
    expect(ofKind(rotation, 'set-desired')).toEqual([expect.objectContaining({ desired: 4, holdMin: true })]);
  });

  test('a terminate-and-decrement lowers the hold first, never below the recorded MinSize; a reused slot does not', () => {
    const drained = member(1, { container: { phase: drainingSince(NOW - 60_000), status: 'DRAINING', running: 0 } });
    const alone = rotateManaged({ desired: 4, tags: batchTag(held(3, 4, 1)), members: [drained, member(2), member(3), member(4)] }, [id(1)], 4);
    expect(ofKind(alone, 'terminate')).toEqual([expect.objectContaining({ instanceId: id(1), minFloor: 1 })]);
    expect(ofKind(alone, 'terminate')[0].decrement).toBeUndefined();

    const refilled = rotateManaged({
      desired: 4, tags: batchTag(held(3, 4, 1)), members: [drained, member(2), member(3), member(4)],
    }, [id(1), id(2)], 4);
    const [terminate] = ofKind(refilled, 'terminate');
    expect(terminate).toMatchObject({ decrement: false });
    expect(terminate.minFloor).toBeUndefined();
    expect(ofKind(refilled, 'mark-more')).toEqual([expect.objectContaining({ containerInstanceArns: [arn(2)] })]);
  });

  test.each<[string, number, number | undefined]>([
    ['MinSize still held: restored', 3, 1],
    ['MinSize already back: nothing to do', 1, undefined],
    ['MinSize set beyond anything the batch held, by someone else: theirs', 9, undefined],
  ])('the end restores MinSize; %s', (_name, minSize, restoreMinTo) => {
    const rotation = rotateManaged({ desired: 3, tags: batchTag(held(3, 4, 1)), members: [member(2), member(3), member(4)] }, [], minSize);
    const [finish] = ofKind(rotation, 'finish-batch');
    expect(finish.restoreMinTo).toBe(restoreMinTo);
  });

  test('the batch record keeps the original MinSize across runs', () => {
    const batch = held(3, 5, 2);
    expect(encodeBatch(batch)).toBe(`3:5:5:${NOW - 60_000}:n2`);
    expect(decodeBatch(encodeBatch({ ...batch, suspendedAzRebalance: true, raisedMax: 7, canary: {} }))).toEqual({
      ...batch, suspendedAzRebalance: true, raisedMax: 7, canary: {},
    });
  });
});

