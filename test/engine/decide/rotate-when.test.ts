/**
 * When new work may start: maintenance windows and an image waiting for its minimum age, in the pure
 * per-group decision. NOW is 2025-03-01T00:00:00Z, a Saturday.
 */
import { NEW_AMI, OLD_AMI } from '../fixtures';
import { arn, batchTag, drainingSince, GROUP, id, imageDecision, member, NOW, REPLACING, rotate, rotationInput } from './rotation-fixtures';
import { Action } from '../../../src/engine/actions';
import { GroupRotation, PendingImage, rotateGroup, RotationConfig } from '../../../src/engine/decide/rotate';
import { rotationMetrics } from '../../../src/engine/report';
import { MetricName } from '../../../src/shared/constants';
import { maintenanceWindow } from '../../../src/shared/maintenance-window';
import { Batch, FAILED_IMAGE_TAG } from '../../../src/shared/records';

const kinds = (rotation: GroupRotation): string[] => rotation.actions.map((a) => a.kind);
const ofKind = <K extends Action['kind']>(rotation: GroupRotation, kind: K) =>
  rotation.actions.filter((a): a is Extract<Action, { kind: K }> => a.kind === kind);

/** Mondays 02:00 for an hour: closed at NOW, opens 2025-03-03T02:00:00Z. */
const CLOSED: Partial<RotationConfig> = { maintenanceWindows: [maintenanceWindow('0 2 ? * MON', 3600, 'w')] };
/** Every day from midnight for an hour: open at NOW. */
const OPEN: Partial<RotationConfig> = { maintenanceWindows: [maintenanceWindow('0 0 * * ?', 3600, 'w')] };
const CLOSED_REASON = 'outside maintenance windows (cron(0 2 ? * MON) for 1h); the next opens at 2025-03-03T02:00:00.000Z';

const STARTED = NOW - 600_000;
const batch = (extra: Partial<Batch> = {}): Batch => ({ base: 4, target: 6, originalMax: 8, startedAt: STARTED, ...extra });
const four = [1, 2, 3, 4].map((n) => member(n));
/** A rotation in flight: instance 1 drained empty, 2 marked and serving, 3 to 6 serving (1 to 4 outdated). */
const MID_ROTATION = {
  desired: 6,
  max: 8,
  tags: batchTag(batch()),
  members: [
    member(1, { container: { status: 'DRAINING', phase: drainingSince(NOW - 60_000) } }),
    member(2, { container: { phase: REPLACING } }),
    member(3), member(4), member(5), member(6),
  ],
};

describe('maintenance windows', () => {
  test('inside a window a rotation starts as without one', () => {
    const open = rotate({ desired: 4, max: 8, members: four }, [1, 2, 3, 4].map(id), OPEN);
    const none = rotate({ desired: 4, max: 8, members: four }, [1, 2, 3, 4].map(id));
    expect(open).toEqual(none);
    expect(kinds(open)).toEqual(['start-batch']);
  });

  test('outside every window no rotation starts: waiting, with when the next window opens', () => {
    const rotation = rotate({ desired: 4, max: 8, members: four }, [1, 2, 3, 4].map(id), CLOSED);
    expect(rotation).toEqual({ phase: 'waiting', waitingReason: CLOSED_REASON, waitingOn: 'maintenance-window', actions: [], inFlight: 0, budget: 1 });
  });

  test('outside every window the launch template is not pointed at the new image either', () => {
    const rotation = rotate({ desired: 4, members: four }, imageDecision([1, 2, 3, 4].map(id), { updateLaunchSource: true }), CLOSED);
    expect(rotation.phase).toBe('waiting');
    expect(rotation.actions).toEqual([]);
  });

  test('with skipInstancesWithStandaloneTasks, whose candidates are not read outside a window, the group still waits for the window', () => {
    const rotation = rotate({ desired: 4, max: 8, members: four }, [1, 2, 3, 4].map(id), { ...CLOSED, skipInstancesWithStandaloneTasks: true });
    expect(rotation).toEqual({ phase: 'waiting', waitingReason: CLOSED_REASON, waitingOn: 'maintenance-window', actions: [], inFlight: 0, budget: 1 });
  });

  test('a forced run does not override the window: it records what is to be replaced, and the next window replaces it', () => {
    const rotation = rotate({ desired: 4, max: 8, members: four }, [1, 2, 3, 4].map(id), { ...CLOSED, force: true });
    expect(rotation.phase).toBe('waiting');
    expect(rotation.waitingOn).toBe('maintenance-window');
    expect(rotation.actions).toEqual([{ kind: 'set-replace-before', group: GROUP, before: NOW }]);
  });

  test('a group with nothing outdated is idle, window or not', () => {
    expect(rotate({ desired: 4, members: four }, [], CLOSED).phase).toBe('idle');
  });

  test('a window closed mid-rotation: the drained instance is terminated and its slot given back; nothing new is marked', () => {
    const rotation = rotate(MID_ROTATION, [1, 2, 3, 4].map(id), CLOSED);
    // Without the window, instance 3 would take 1's slot (terminated without decrementing).
    const open = rotate(MID_ROTATION, [1, 2, 3, 4].map(id), OPEN);
    expect(ofKind(open, 'mark-more')[0].containerInstanceArns).toEqual([arn(3)]);

    expect(ofKind(rotation, 'mark-more')).toEqual([]);
    const [terminate] = ofKind(rotation, 'terminate');
    expect(terminate.instanceId).toBe(id(1));
    expect(terminate.decrement).toBeUndefined();
    expect(rotation.waitingReason).toBe(`new replacements wait: ${CLOSED_REASON}`);
    expect(rotation.waitingOn).toBe('maintenance-window');
  });

  test('a newer image while a rotation finishes after its window closed: the launch source is left for the next window', () => {
    const decision = imageDecision([1, 2, 3, 4].map(id), { updateLaunchSource: true });
    const inside = rotate(MID_ROTATION, decision, OPEN);
    expect(kinds(inside)).toContain('create-template-version');
    const outside = rotate(MID_ROTATION, decision, CLOSED);
    expect(kinds(outside)).not.toContain('create-template-version');
    expect(kinds(outside)).not.toContain('mark-more');
    expect(ofKind(outside, 'terminate').map((t) => t.instanceId)).toEqual([id(1)]);
  });

  test('an instance marked but not yet draining when the window closes is drained: its replacement is already running', () => {
    const rotation = rotate({
      desired: 5,
      tags: batchTag(batch({ target: 5 })),
      members: [member(1, { container: { phase: REPLACING } }), member(2), member(3), member(4), member(5)],
    }, [1, 2, 3, 4].map(id), CLOSED);
    expect(ofKind(rotation, 'drain')[0].containerInstanceArns).toEqual([arn(1)]);
    expect(rotation.phase).toBe('draining');
  });

  test('the last marked instance gone outside a window: the rotation ends (max size and AZRebalance restored), then the group waits', () => {
    const rotation = rotate({ desired: 4, max: 6, tags: batchTag(batch({ target: 6, originalMax: 4, suspendedAzRebalance: true })), members: four },
      [2, 3, 4].map(id), CLOSED);
    expect(rotation.actions).toEqual([{ kind: 'finish-batch', group: GROUP, restoreMaxTo: 4, resumeAzRebalance: true }]);
  });

  test('marks without a rotation record (a crash between the two) are adopted outside a window too: they are work in flight', () => {
    const rotation = rotate({ desired: 5, members: [member(1, { container: { phase: REPLACING } }), member(2), member(3), member(4), member(5)] },
      [1, 2, 3, 4].map(id), CLOSED);
    expect(kinds(rotation)).toEqual(['start-batch']);
    expect(ofKind(rotation, 'start-batch')[0].containerInstanceArns).toEqual([]);
  });

  test('healthy canaries after their soak, outside a window: the canary rotation ends and the rest waits for the window', () => {
    const rotation = rotate({
      desired: 4,
      max: 6,
      tags: batchTag(batch({ target: 5, canary: { soakUntil: NOW - 1 } })),
      members: [member(2), member(3), member(4), member(5, { container: { running: 0, tasks: [] } })],
    }, [2, 3, 4].map(id), { ...CLOSED, canary: { count: 1, soakSeconds: 600 } });
    expect(rotation.phase).toBe('waiting');
    expect(rotation.waitingOn).toBe('maintenance-window');
    expect(kinds(rotation)).toEqual(['finish-batch']);
    // The next window's rotation takes no canary again: an instance on the image serves.
    const next = rotate({ desired: 4, max: 6, members: [member(2), member(3), member(4), member(5)] }, [2, 3, 4].map(id),
      { ...OPEN, canary: { count: 1, soakSeconds: 600 } });
    expect(ofKind(next, 'start-batch')[0].batch.canary).toBeUndefined();
  });

  test('another actor changing the group takes over the reason: it is a problem, not the schedule', () => {
    const { observed, group } = rotationInput({ desired: 4, members: four });
    const rotation = rotateGroup(observed, { ...group, instanceRefresh: { id: 'r-1', status: 'InProgress' } }, imageDecision([1, 2, 3, 4].map(id)),
      { maxUnavailable: { count: 1 }, drainTimeoutSeconds: 600, onDrainTimeout: 'stop', readinessTimeoutSeconds: 900, force: false, ...CLOSED });
    expect(rotation.phase).toBe('waiting');
    expect(rotation.waitingOn).toBeUndefined();
    expect(rotation.waitingReason).toContain('instance refresh r-1');
  });
});

describe('an image waiting for its minimum age', () => {
  const kept: PendingImage = { imageId: NEW_AMI, reason: 'image … was published at …', holdsNewWork: false };
  const held: PendingImage = { ...kept, holdsNewWork: true };

  test('the group keeps its image and has nothing to do: waiting, with the image it waits for', () => {
    const rotation = rotate({ desired: 4, members: four }, imageDecision([], { targetImageId: OLD_AMI, pendingImage: kept }));
    expect(rotation).toEqual({ phase: 'waiting', waitingReason: kept.reason, waitingOn: 'minimum-ami-age', actions: [], inFlight: 0, budget: 1 });
  });

  test('stragglers not on the kept image are still replaced with it', () => {
    const rotation = rotate({ desired: 4, max: 8, members: four }, imageDecision([id(1)], { targetImageId: OLD_AMI, pendingImage: kept }));
    expect(kinds(rotation)).toEqual(['start-batch']);
  });

  test('the young image is the only target (the template already names it): nothing new starts towards it', () => {
    const rotation = rotate({ desired: 4, max: 8, members: four }, imageDecision([1, 2, 3, 4].map(id), { pendingImage: held }));
    expect(rotation).toEqual({ phase: 'waiting', waitingReason: held.reason, waitingOn: 'minimum-ami-age', actions: [], inFlight: 0, budget: 1 });
  });

  test('a failed image not adopted yet keeps its record (it is not cleared because the target is the kept image)', () => {
    const rotation = rotate({ desired: 4, members: four, tags: { [FAILED_IMAGE_TAG]: NEW_AMI } },
      imageDecision([], { targetImageId: OLD_AMI, pendingImage: kept }));
    expect(kinds(rotation)).toEqual([]);
    const other = rotate({ desired: 4, members: four, tags: { [FAILED_IMAGE_TAG]: 'ami-0000000000000dead' } },
      imageDecision([], { targetImageId: OLD_AMI, pendingImage: kept }));
    expect(kinds(other)).toEqual(['clear-failed-image']);
  });
});

test('a group waiting for its window is counted in GroupsWaiting, like any waiting group', () => {
  const waiting = rotate({ desired: 4, max: 8, members: four }, [1, 2, 3, 4].map(id), CLOSED);
  const points = rotationMetrics(new Map([[GROUP, waiting]]), [], new Map());
  expect(points.find((p) => p.name === MetricName.GROUPS_WAITING && p.group === undefined)?.value).toBe(1);
  expect(points.find((p) => p.name === MetricName.GROUPS_STOPPED && p.group === undefined)?.value).toBe(0);
});
