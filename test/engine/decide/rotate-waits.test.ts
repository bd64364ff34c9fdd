/**
 * When something else is changing a group, or Auto Scaling processes the rotation needs are suspended,
 * the engine pauses that group (phase `waiting`, with the reason) instead of acting against it.
 */
import {
  arn, batchTag, drainingSince, id, imageDecision, member, NOW, REPLACING, rotationConfig, rotationInput, RotationSpec,
} from './rotation-fixtures';
import { rotateGroup } from '../../../src/engine/decide/rotate';
import { ObservedGroup } from '../../../src/engine/model';

function rotateWith(spec: RotationSpec, extra: Partial<ObservedGroup>, outdated: string[]) {
  const { observed, group } = rotationInput(spec);
  return rotateGroup(observed, { ...group, ...extra }, imageDecision(outdated), rotationConfig());
}

const IDLE_WITH_WORK: RotationSpec = { desired: 3, members: [member(1), member(2), member(3)] };
const DRAINED: RotationSpec = {
  desired: 3,
  tags: batchTag({ base: 2, target: 3, originalMax: 5, startedAt: NOW - 60_000 }),
  members: [member(1, { container: { phase: drainingSince(NOW - 30_000), status: 'DRAINING', running: 0 } }), member(2), member(3)],
};

describe('another actor changing the group: no action at all', () => {
  test.each(['Pending', 'InProgress', 'Cancelling', 'RollbackInProgress', 'Baking'])('an instance refresh %s', (status) => {
    for (const spec of [IDLE_WITH_WORK, DRAINED]) {
      const rotation = rotateWith(spec, { instanceRefresh: { id: 'r-1', status } }, [id(1)]);
      expect(rotation.phase).toBe('waiting');
      expect(rotation.actions).toEqual([]);
      expect(rotation.waitingReason).toBe(`instance refresh r-1 of web is ${status}; the rotation waits for it to end`);
    }
  });

  test.each(['Successful', 'Failed', 'Cancelled', 'RollbackSuccessful'])('a finished instance refresh (%s) does not hold it', (status) => {
    const rotation = rotateWith(IDLE_WITH_WORK, { instanceRefresh: { id: 'r-1', status } }, [id(1)]);
    expect(rotation.phase).toBe('replacing');
    expect(rotation.actions.map((a) => a.kind)).toEqual(['start-batch']);
  });

  test.each(['UPDATE_IN_PROGRESS', 'UPDATE_ROLLBACK_IN_PROGRESS', 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS'])('its stack is %s', (status) => {
    const rotation = rotateWith(DRAINED, { stack: { name: 'prod-cluster', status } }, [id(1)]);
    expect(rotation).toMatchObject({ phase: 'waiting', actions: [] });
    expect(rotation.waitingReason).toBe(`CloudFormation stack prod-cluster, which manages web, is ${status}; the rotation waits for it to end`);
  });

  test('a stack at rest, or one that cannot be read, does not hold it', () => {
    for (const stack of [{ name: 's', status: 'UPDATE_COMPLETE' }, { name: 's' }]) {
      expect(rotateWith(DRAINED, { stack }, [id(1)]).actions.map((a) => a.kind)).toEqual(['terminate']);
    }
  });

  test('an idle group stays idle (nothing to pause)', () => {
    const rotation = rotateWith({ desired: 2, members: [member(1), member(2)] }, { instanceRefresh: { id: 'r', status: 'InProgress' } }, []);
    expect(rotation).toMatchObject({ phase: 'idle', actions: [] });
    expect(rotation.waitingReason).toBeUndefined();
  });
});

describe('suspended processes', () => {
  test.each([[['Launch']], [['Terminate']], [['Launch', 'Terminate']]])('%j suspended: no batch starts', (processes) => {
    const rotation = rotateWith(IDLE_WITH_WORK, { suspendedProcesses: processes }, [id(1)]);
    expect(rotation.phase).toBe('waiting');
    expect(rotation.actions).toEqual([]);
    expect(rotation.waitingReason).toContain(`the Auto Scaling process(es) ${processes.join(', ')} of web are suspended`);
  });

  test('Terminate suspended: a drained instance is not terminated', () => {
    const rotation = rotateWith(DRAINED, { suspendedProcesses: ['Terminate'] }, [id(1)]);
    expect(rotation).toMatchObject({ phase: 'waiting', actions: [] });
  });

  test('Launch suspended: a batch in flight still terminates what it drained', () => {
    const rotation = rotateWith(DRAINED, { suspendedProcesses: ['Launch'] }, [id(1)]);
    expect(rotation.actions.map((a) => a.kind)).toEqual(['terminate']);
  });

  test('other suspended processes (AZRebalance, HealthCheck, ...) change nothing', () => {
    const rotation = rotateWith(IDLE_WITH_WORK, { suspendedProcesses: ['AZRebalance', 'HealthCheck', 'ReplaceUnhealthy'] }, [id(1)]);
    expect(rotation.actions.map((a) => a.kind)).toEqual(['start-batch']);
  });

  test('a batch whose replacements are ready still drains with Launch suspended', () => {
    const spec: RotationSpec = {
      desired: 3,
      tags: batchTag({ base: 2, target: 3, originalMax: 5, startedAt: NOW - 60_000 }),
      members: [member(1, { container: { phase: REPLACING } }), member(2), member(3)],
    };
    const rotation = rotateWith(spec, { suspendedProcesses: ['Launch'] }, [id(1)]);
    expect(rotation.actions).toEqual([expect.objectContaining({ kind: 'drain', containerInstanceArns: [arn(1)] })]);
  });
});

describe('a drained instance whose tasks are still stopping (ECS counts only RUNNING tasks)', () => {
  const drained = (live: number | null): RotationSpec => ({
    desired: 3,
    tags: batchTag({ base: 2, target: 3, originalMax: 5, startedAt: NOW - 60_000 }),
    members: [member(1, { container: { phase: drainingSince(NOW - 30_000), status: 'DRAINING', running: 0, live } }), member(2), member(3)],
  });

  test('tasks deregistering or stopping: not terminated yet', () => {
    expect(rotateWith(drained(2), {}, [id(1)]).actions).toEqual([]);
  });

  test('tasks not read: never taken for empty', () => {
    expect(rotateWith(drained(null), {}, [id(1)]).actions).toEqual([]);
  });

  test('every task STOPPED: terminated', () => {
    expect(rotateWith(drained(0), {}, [id(1)]).actions).toEqual([
      { kind: 'terminate', group: 'web', instanceId: id(1), containerInstanceArn: arn(1), forced: false, runningTasks: 0 },
    ]);
  });
});

describe('AZ rebalancing is held for the length of a batch', () => {
  test('a batch suspends AZRebalance when it runs, and its end resumes it', () => {
    const start = rotateWith(IDLE_WITH_WORK, {}, [id(1)]).actions[0];
    expect(start).toMatchObject({ kind: 'start-batch', batch: { suspendedAzRebalance: true } });
    const finished = rotateWith({
      desired: 3,
      tags: batchTag({ base: 3, target: 4, originalMax: 5, startedAt: NOW - 1000, suspendedAzRebalance: true }),
      members: [member(1), member(2), member(3)],
    }, {}, []);
    expect(finished.actions).toEqual([{ kind: 'finish-batch', group: 'web', restoreMaxTo: undefined, resumeAzRebalance: true }]);
  });

  test('a group whose AZRebalance the user suspended is left as it was', () => {
    const start = rotateWith(IDLE_WITH_WORK, { suspendedProcesses: ['AZRebalance'] }, [id(1)]).actions[0];
    expect(start).toMatchObject({ kind: 'start-batch' });
    expect((start as { batch: { suspendedAzRebalance?: boolean } }).batch.suspendedAzRebalance).toBeUndefined();
  });
});
