/**
 * The steps of the rotation decision, each alone (src/engine/decide/): what a round derives once, the readiness
 * stop, the end of a drain, the room for drains, the window refill and the batch's start. Whole decisions are
 * in rotate*.test.ts.
 */
import {
  arn, batchTag, containerOf, drainingSince, id, imageDecision, member, NOW, REPLACING, rotationConfig, rotationInput, RotationSpec,
} from './rotation-fixtures';
import { Action, Terminate } from '../../../src/engine/actions';
import { refillWindow, startBatch } from '../../../src/engine/decide/batch';
import { decide } from '../../../src/engine/decide/decide';
import { drainProgress, endedDrains } from '../../../src/engine/decide/drain-ends';
import { batchReadinessStop, drainRoom } from '../../../src/engine/decide/drains';
import { groupRound } from '../../../src/engine/decide/group-round';
import { replacementsOverdue } from '../../../src/engine/decide/readiness';
import { RotationConfig } from '../../../src/engine/decide/rotation-types';
import { maintenanceWindow } from '../../../src/shared/maintenance-window';
import { Batch } from '../../../src/shared/records';

function roundOf(spec: RotationSpec, outdated: readonly string[] = [], config: Partial<RotationConfig> = {}) {
  const { observed, group } = rotationInput(spec);
  return groupRound(observed, group, imageDecision(outdated), rotationConfig(config));
}

const BATCH: Batch = { base: 3, target: 5, originalMax: 5, startedAt: NOW - 60_000 };

describe('groupRound', () => {
  test('live members, marks, budget, what a mark may take', () => {
    const round = roundOf({
      desired: 5,
      tags: batchTag(BATCH),
      members: [
        member(1, { container: { phase: REPLACING } }),
        member(2, { lifecycleState: 'Terminating', container: { phase: REPLACING } }),
        member(3),
        member(4, { container: { status: 'DRAINING' } }),
        member(5, { lifecycleState: 'Pending' }),
      ],
    }, [id(1), id(3), id(4), id(5)]);
    expect(round.alive.map((i) => i.instanceId)).toEqual([id(1), id(3), id(4), id(5)]);
    expect(round.marked.map((m) => m.instance.instanceId)).toEqual([id(1)]);
    expect(round.batch).toEqual(BATCH);
    expect(round.budget).toBe(1);
    expect(round.takeable.map((c) => c.ec2InstanceId)).toEqual([id(3)]);
    expect(round.eligible).toEqual([id(3)]);
    expect(round.newWorkHeld).toBeUndefined();
  });

  test('with skipInstancesWithStandaloneTasks, only instances read free of standalone tasks are eligible', () => {
    const task = (service?: string) => ({ taskArn: `arn:aws:ecs:eu-west-1:1:task/prod/${service ?? 'solo'}`, lastStatus: 'RUNNING', ...(service ? { service } : {}) });
    const round = roundOf({
      desired: 3,
      members: [member(1, { container: { tasks: [task('api')] } }), member(2, { container: { tasks: [task()] } }), member(3)],
    }, [id(1), id(2), id(3)], { skipInstancesWithStandaloneTasks: true });
    expect(round.takeable.map((c) => c.ec2InstanceId)).toEqual([id(1), id(2), id(3)]);
    expect(round.eligible).toEqual([id(1)]);
  });

  test('a closed maintenance window holds new work', () => {
    // The same closed window as rotate-when.test.ts: Mondays 02:00 for an hour.
    const round = roundOf({ desired: 1, members: [member(1)] }, [id(1)], { maintenanceWindows: [maintenanceWindow('0 2 ? * MON', 3600, 'w')] });
    expect(round.newWorkHeld?.on).toBe('maintenance-window');
  });
});

describe('replacementsOverdue: the one readiness stop', () => {
  test('only past the whole timeout, and never when nothing is awaited', () => {
    expect(replacementsOverdue(NOW - 900_000, NOW, 900)).toBe(false);
    expect(replacementsOverdue(NOW - 900_001, NOW, 900)).toBe(true);
    expect(replacementsOverdue(undefined, NOW, 900)).toBe(false);
  });
});

describe('drainProgress', () => {
  const config = { drainTimeoutSeconds: 600, onDrainTimeout: 'stop' as const };
  test('empty only when ECS counts nothing and no task is still stopping', () => {
    const since = NOW - 1_000;
    expect(drainProgress(containerOf(id(1), { status: 'DRAINING' }), { kind: 'draining', since }, NOW, config))
      .toEqual({ empty: true, remaining: 0, since, timedOut: false, terminable: true });
    expect(drainProgress(containerOf(id(1), { status: 'DRAINING', live: 2 }), { kind: 'draining', since }, NOW, config))
      .toMatchObject({ empty: false, remaining: 2, terminable: false });
    expect(drainProgress(containerOf(id(1), { status: 'DRAINING', live: null }), { kind: 'draining', since }, NOW, config))
      .toMatchObject({ empty: false, remaining: 0 });
  });
  test('past the drain timeout: terminable only when forced; a drain without its start counts from now', () => {
    const long = containerOf(id(1), { status: 'DRAINING', running: 3 });
    expect(drainProgress(long, { kind: 'draining', since: NOW - 600_001 }, NOW, config)).toMatchObject({ timedOut: true, terminable: false, remaining: 3 });
    expect(drainProgress(long, { kind: 'draining', since: NOW - 600_001 }, NOW, { ...config, onDrainTimeout: 'force' }))
      .toMatchObject({ timedOut: true, terminable: true });
    expect(drainProgress(long, undefined, NOW, config)).toMatchObject({ since: NOW, timedOut: false });
  });
});

describe('endedDrains', () => {
  test('empty drains are terminated; one past its timeout stops the group', () => {
    const round = roundOf({
      desired: 5,
      tags: batchTag(BATCH),
      members: [
        member(1, { container: { phase: drainingSince(NOW - 1_000), status: 'DRAINING' } }),
        member(2, { container: { phase: drainingSince(NOW - 700_000), status: 'DRAINING', running: 1 } }),
        member(3, { container: { phase: drainingSince(NOW - 1_000) } }),
      ],
    }, [id(1), id(2), id(3)]);
    const ended = endedDrains(round);
    expect(ended.terminations.map((t) => t.instanceId)).toEqual([id(1)]);
    expect(ended.stoppedReason).toMatch(new RegExp(`^instance ${id(2)} still runs 1 task\\(s\\) after the 600 s drain timeout`));
    expect(ended.stopTasks).toEqual([]);
  });
});

describe('the window refill, the room for drains and the readiness stop', () => {
  const spec: RotationSpec = {
    desired: 5,
    tags: batchTag(BATCH),
    members: [member(1, { container: { phase: REPLACING } }), member(2), member(3), member(4)],
  };
  const termination: Terminate = { kind: 'terminate', group: 'web', instanceId: id(9), containerInstanceArn: arn(9), forced: false, runningTasks: 0 };

  test('refillWindow marks into the slots of this round\'s terminations, then pushes them without decrement', () => {
    const round = roundOf(spec, [id(1), id(2), id(3)]);
    const actions: Action[] = [];
    const more = refillWindow(round, BATCH, { desired: 5, maxSize: 5 }, [termination], actions);
    expect(more).toEqual([id(2), id(3)]);
    expect(actions.map((a) => a.kind)).toEqual(['mark-more', 'terminate']);
    expect(actions[0]).toMatchObject({ containerInstanceArns: [arn(2), arn(3)], raiseDesiredTo: 6, raiseMaxTo: 6 });
    expect(actions[1]).toEqual({ ...termination, decrement: false });
  });

  test('drainRoom: serving beyond the base, at most the budget; none while another group holds drains', () => {
    const round = roundOf(spec, [id(1)]);
    expect(drainRoom(round, BATCH, [])).toMatchObject({ serving: 4, room: 1, ownRoom: 1, drainingNow: 0 });
    expect(drainRoom(round, BATCH, []).candidates.map((m) => m.instance.instanceId)).toEqual([id(1)]);
    const held = roundOf(spec, [id(1)], { drainsWaitFor: 'edge' });
    expect(drainRoom(held, BATCH, [])).toMatchObject({ room: 0, ownRoom: 1 });
  });

  test('batchReadinessStop: only when nothing moves for want of capacity past the readiness timeout', () => {
    const short: RotationSpec = { ...spec, members: [member(1, { container: { phase: REPLACING } }), member(2), member(3)] };
    const late = roundOf({ ...short, observedAt: NOW + 900_000 }, [id(1)]);
    const room = drainRoom(late, BATCH, []);
    expect(room.room).toBe(0);
    expect(batchReadinessStop(late, BATCH, room, [], [])).toMatchObject({ phase: 'stopped', inFlight: 1 });
    expect(batchReadinessStop(late, BATCH, room, [termination], [])).toBeUndefined();
    const early = roundOf(short, [id(1)]);
    expect(batchReadinessStop(early, BATCH, drainRoom(early, BATCH, []), [], [])).toBeUndefined();
  });
});

describe('startBatch and the sequence', () => {
  test('no batch: the window of two budgets is marked, desired capacity raised by as many', () => {
    const round = roundOf({ desired: 3, members: [member(1), member(2), member(3)] }, [id(1), id(2), id(3)]);
    const rotation = startBatch(round, []);
    expect(rotation).toMatchObject({ phase: 'replacing', inFlight: 2, budget: 1 });
    expect(rotation.actions).toEqual([expect.objectContaining({ kind: 'start-batch', containerInstanceArns: [arn(1), arn(2)] })]);
  });

  test('decide: the records to keep come first, whatever the step that answers', () => {
    const round = roundOf({ desired: 1, members: [member(1)] }, [], { force: true });
    expect(decide(round).actions.map((a) => a.kind)).toEqual(['set-replace-before']);
  });
});
