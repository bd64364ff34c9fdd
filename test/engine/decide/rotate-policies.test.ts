/**
 * The rotation policies that change when the engine drains: canary and soak, steady services between
 * drains, and standalone tasks on drained instances. Table tests of the pure decision.
 */
import { NEW_AMI } from '../fixtures';
import {
  arn, batchTag, drainingSince, GROUP, id, imageDecision, member, MemberSpec, NOW, REPLACING, rotate, rotationConfig, rotationInput, RotationSpec,
} from './rotation-fixtures';
import { Action } from '../../../src/engine/actions';
import { GroupRotation, rotateGroup } from '../../../src/engine/decide/rotate';
import { ObservedService, ObservedTask } from '../../../src/engine/model';
import { Batch, encodePhase } from '../../../src/shared/records';

const kinds = (rotation: GroupRotation): string[] => rotation.actions.map((a) => a.kind);
const ofKind = <K extends Action['kind']>(rotation: GroupRotation, kind: K) =>
  rotation.actions.filter((a): a is Extract<Action, { kind: K }> => a.kind === kind);

const task = (n: number, service: string | undefined, lastStatus = 'RUNNING'): ObservedTask =>
  ({ taskArn: `arn:aws:ecs:us-east-1:123456789012:task/prod/${String(n).padStart(32, '0')}`, lastStatus, ...(service ? { service } : {}) });
const service = (name: string, running: number, desired: number, extra: Partial<ObservedService> = {}): ObservedService =>
  ({ name, daemon: false, desiredCount: desired, runningCount: running, deployments: 1, ...extra });

const CANARY = { count: 1, soakSeconds: 600 };
const STARTED = NOW - 3_600_000;

describe('canary and soak', () => {
  const batch = (extra: Partial<Batch> = {}): Batch => ({ base: 4, target: 5, originalMax: 6, startedAt: STARTED, canary: {}, ...extra });

  it('a group with no instance on the target image starts with a batch of its canaries only', () => {
    const rotation = rotate({ desired: 4, max: 8, members: [1, 2, 3, 4].map((n) => member(n)) }, [1, 2, 3, 4].map(id),
      { canary: { count: 1, soakSeconds: 600 }, maxUnavailable: { count: 2 } });
    const [start] = ofKind(rotation, 'start-batch');
    expect(start.containerInstanceArns).toEqual([arn(1)]);
    expect(start.batch).toEqual({ base: 4, target: 5, originalMax: 8, startedAt: NOW, suspendedAzRebalance: true, canary: {} });
  });

  it('the canary count is the size of that first batch', () => {
    const rotation = rotate({ desired: 4, max: 8, members: [1, 2, 3, 4].map((n) => member(n)) }, [1, 2, 3, 4].map(id),
      { canary: { count: 3, soakSeconds: 600 }, maxUnavailable: { count: 1 } });
    expect(ofKind(rotation, 'start-batch')[0].containerInstanceArns).toEqual([arn(1), arn(2), arn(3)]);
  });

  it('a group that already has an instance on the target image takes no canary (a resumed rotation never repeats it)', () => {
    const rotation = rotate({ desired: 4, max: 8, members: [1, 2, 3, 4].map((n) => member(n)) }, [1, 2, 3].map(id),
      { canary: CANARY, maxUnavailable: { count: 1 } });
    const [start] = ofKind(rotation, 'start-batch');
    expect(start.containerInstanceArns).toEqual([arn(1), arn(2)]);
    expect(start.batch.canary).toBeUndefined();
  });

  it('a canary batch takes on nothing more when its canary\'s old instance goes: the slot is given back', () => {
    const rotation = rotate({
      desired: 5,
      tags: batchTag(batch()),
      members: [member(1, { container: { status: 'DRAINING', phase: drainingSince(NOW - 60_000) } }), member(2), member(3), member(4), member(5)],
    }, [1, 2, 3, 4].map(id), { canary: CANARY });
    expect(kinds(rotation)).toEqual(['terminate']);
    expect(ofKind(rotation, 'terminate')[0].decrement).toBeUndefined();
  });

  it('once the canaries\' old instances are gone, the soak\'s end is recorded on the batch', () => {
    const spec = { desired: 4, tags: batchTag(batch()), members: [2, 3, 4, 5].map((n) => member(n)) };
    const rotation = rotate(spec, [2, 3, 4].map(id), { canary: CANARY });
    expect(rotation.phase).toBe('soaking');
    expect(rotation.actions).toEqual([{ kind: 'record-batch', group: GROUP, batch: batch({ canary: { soakUntil: NOW + 600_000 } }) }]);
    expect(rotation.waitingReason).toBe(`the canaries of ${GROUP} on ${NEW_AMI} soak until ${new Date(NOW + 600_000).toISOString()}`);
  });

  it('a canary batch recorded whose marks never landed (a crash) is cleared, so the next round starts the canaries afresh', () => {
    const spec = { desired: 4, tags: batchTag(batch()), members: [1, 2, 3, 4].map((n) => member(n)) };
    const rotation = rotate(spec, [1, 2, 3, 4].map(id), { canary: CANARY });
    expect(rotation.actions).toEqual([{ kind: 'finish-batch', group: GROUP, restoreMaxTo: undefined, resumeAzRebalance: undefined }]);
    expect(rotation.phase).toBe('idle');
  });

  it('during the soak nothing happens', () => {
    const rotation = rotate({ desired: 4, tags: batchTag(batch({ canary: { soakUntil: NOW + 1 } })), members: [2, 3, 4, 5].map((n) => member(n)) },
      [2, 3, 4].map(id), { canary: CANARY });
    expect(rotation.phase).toBe('soaking');
    expect(rotation.actions).toEqual([]);
  });

  const soaked = (canary: MemberSpec, services: Record<string, ObservedService> = { web: service('web', 4, 4) }): RotationSpec => ({
    desired: 4,
    max: 6,
    tags: batchTag(batch({ canary: { soakUntil: NOW - 1 } })),
    members: [member(2), member(3), member(4), canary],
    services,
  });
  const healthy = member(5, { container: { running: 2, tasks: [task(1, 'web'), task(2, undefined)] } });

  it('healthy canaries after the soak: the batch becomes an ordinary one and marks the next window', () => {
    const rotation = rotate(soaked(healthy), [2, 3, 4].map(id), { canary: CANARY, maxUnavailable: { count: 1 } });
    expect(rotation.phase).toBe('replacing');
    expect(rotation.actions).toEqual([{
      kind: 'start-batch',
      group: GROUP,
      batch: { base: 4, target: 6, originalMax: 6, startedAt: NOW },
      containerInstanceArns: [arn(2), arn(3)],
      raiseMaxTo: undefined,
    }]);
  });

  it('healthy canaries with nothing left to replace finish the batch', () => {
    const rotation = rotate({ ...soaked(healthy), members: [healthy] }, [], { canary: CANARY });
    expect(kinds(rotation)).toEqual(['finish-batch']);
    expect(rotation.phase).toBe('idle');
  });

  it.each<[string, MemberSpec, Record<string, ObservedService>, string]>([
    ['a task not RUNNING', member(5, { container: { tasks: [task(7, 'web', 'PENDING')] } }), { web: service('web', 4, 4) },
      `task ${task(7, 'web').taskArn} on canary ${id(5)} is PENDING`],
    ['a service below its desired count', healthy, { web: service('web', 3, 4) }, 'service web runs 3 of 4 desired tasks'],
    ['a deployment in progress', healthy, { web: service('web', 4, 4, { deployments: 2 }) }, 'service web has 2 deployments in progress'],
    ['the canary DRAINING', member(5, { container: { status: 'DRAINING', tasks: [] } }), {}, `canary ${id(5)} is DRAINING`],
    ['its agent disconnected', member(5, { container: { agentConnected: false, tasks: [] } }), {}, `canary ${id(5)} is ACTIVE with its agent disconnected`],
    ['not registered', member(5, { container: false }), {}, `canary ${id(5)} is not registered in the cluster`],
  ])('unhealthy canaries (%s) stop the group, naming why', (_name, canary, services, why) => {
    const rotation = rotate(soaked(canary, services), [2, 3, 4].map(id), { canary: CANARY });
    expect(rotation.phase).toBe('stopped');
    expect(rotation.stoppedReason).toBe(`the canaries of ${GROUP} on ${NEW_AMI} are unhealthy after their soak: ${why}; ` +
      'no other instance is replaced until they are healthy');
    expect(rotation.actions).toEqual([]);
  });

  it('with rollbackOnFailedReplacement, unhealthy canaries mark the image failed (the rollback then points the group back)', () => {
    const { observed, group } = rotationInput(soaked(member(5, { container: { tasks: [task(7, 'web', 'PENDING')] } })));
    const launching = { ...group, currentImageId: NEW_AMI };
    const config = rotationConfig({ canary: CANARY, rollbackOnFailedReplacement: true });
    const rotation = rotateGroup({ ...observed, groups: [launching] }, launching, imageDecision([2, 3, 4].map(id)), config);
    expect(rotation.phase).toBe('stopped');
    expect(rotation.actions).toEqual([{ kind: 'mark-failed-image', group: GROUP, imageId: NEW_AMI }]);
    // Without the option, the group only stops.
    const withoutRollback = { ...config, rollbackOnFailedReplacement: false };
    expect(rotateGroup({ ...observed, groups: [launching] }, launching, imageDecision([2, 3, 4].map(id)), withoutRollback)
      .actions).toEqual([]);
  });
});

describe('steady services between drains', () => {
  const batch = (extra: Partial<Batch> = {}): Batch => ({ base: 2, target: 4, originalMax: 4, startedAt: STARTED, ...extra });
  const MARKED = NOW - 600_000;
  const marked = (n: number, tasks: readonly ObservedTask[] | undefined) =>
    member(n, { container: { phase: encodePhase({ kind: 'replacing', since: MARKED }), running: tasks?.length ?? 0, ...(tasks ? { tasks } : {}) } });
  const replacement = (n: number, tasks?: readonly ObservedTask[]) =>
    member(n, { container: { registeredAt: MARKED + 60_000, ...(tasks ? { tasks } : {}) } });
  const spec = (services: Record<string, ObservedService>, extra: Partial<Batch> = {}, members?: MemberSpec[]): RotationSpec => ({
    desired: 4,
    tags: batchTag(batch(extra)),
    members: members ?? [marked(1, [task(1, 'web')]), marked(2, [task(2, 'api')]), replacement(3, []), replacement(4, [])],
    services,
  });
  const steady = { web: service('web', 4, 4), api: service('api', 2, 2) };
  const config = { waitForSteadyServices: true, maxUnavailable: { count: 1 } };

  it('drains when every service with a task on the next instance is steady', () => {
    const rotation = rotate(spec(steady), [id(1), id(2)], config);
    expect(kinds(rotation)).toEqual(['drain']);
    expect(rotation.waitingReason).toBeUndefined();
  });

  it.each<[string, Record<string, ObservedService>, string]>([
    ['running below desired', { ...steady, web: service('web', 3, 4) }, 'service web runs 3 of 4 desired tasks'],
    ['running above desired (tasks still moving)', { ...steady, web: service('web', 5, 4) }, 'service web runs 5 of 4 desired tasks'],
    ['a deployment in progress', { ...steady, web: service('web', 4, 4, { deployments: 2 }) }, 'service web has 2 deployments in progress'],
  ])('holds the drain while a service is unsteady (%s), recording since when', (_name, services, why) => {
    const rotation = rotate(spec(services), [id(1), id(2)], config);
    expect(rotation.actions).toEqual([{ kind: 'record-batch', group: GROUP, batch: batch({ waitingSince: NOW }) }]);
    expect(rotation.phase).toBe('replacing');
    expect(rotation.waitingReason).toBe(`the next drain waits: ${why}`);
  });

  it('only the services on the instances about to drain matter', () => {
    // api (on member 2, not next with a budget of 1) is unsteady; web (on member 1, next) is steady.
    const rotation = rotate(spec({ ...steady, api: service('api', 1, 2) }), [id(1), id(2)], config);
    expect(kinds(rotation)).toEqual(['drain']);
    expect(ofKind(rotation, 'drain')[0].containerInstanceArns).toEqual([arn(1)]);
  });

  it('a wait already recorded is not rewritten, and is cleared in the round the drain goes', () => {
    const waiting = rotate(spec({ ...steady, web: service('web', 3, 4) }, { waitingSince: NOW - 60_000 }), [id(1), id(2)], config);
    expect(waiting.actions).toEqual([]);
    const going = rotate(spec(steady, { waitingSince: NOW - 60_000 }), [id(1), id(2)], config);
    expect(kinds(going)).toEqual(['record-batch', 'drain']);
    expect(ofKind(going, 'record-batch')[0].batch).toEqual(batch());
  });

  it('stops the group, naming the service, when drains waited longer than the timeout (default: the drain timeout)', () => {
    const unsteady = { ...steady, web: service('web', 3, 4) };
    const within = rotate(spec(unsteady, { waitingSince: NOW - 600_000 }), [id(1), id(2)], config);
    expect(within.phase).toBe('replacing');
    const past = rotate(spec(unsteady, { waitingSince: NOW - 600_001 }), [id(1), id(2)], config);
    expect(past.phase).toBe('stopped');
    expect(past.stoppedReason).toBe(
      `service web runs 3 of 4 desired tasks, 600 s after drains began waiting for it; nothing more is drained in ${GROUP} until it is steady`);
    const explicit = rotate(spec(unsteady, { waitingSince: NOW - 120_001 }), [id(1), id(2)], { ...config, steadyServicesTimeoutSeconds: 120 });
    expect(explicit.phase).toBe('stopped');
  });

  it('a stop for unsteady services that terminates an empty instance gives its slot back: nothing is left to take it', () => {
    // Member 1 drained empty (terminated this round), member 2 still serves and would refill the window, but
    // web has been unsteady past the timeout: the stop takes back the refill, so the termination must
    // decrement, or Auto Scaling launches a replacement no marked instance is waiting for.
    const members = [
      member(1, { container: { phase: encodePhase({ kind: 'draining', since: MARKED }), status: 'DRAINING' } }),
      marked(2, [task(2, 'web')]), member(5), replacement(3, []), replacement(4, []),
    ];
    const rotation = rotate(spec({ ...steady, web: service('web', 3, 4) }, { waitingSince: NOW - 600_001 }, members), [id(1), id(2), id(5)], config);
    expect(rotation.phase).toBe('stopped');
    expect(kinds(rotation)).not.toContain('mark-more');
    const terminations = ofKind(rotation, 'terminate');
    expect(terminations.map((t) => t.instanceId)).toEqual([id(1)]);
    expect(terminations[0].decrement).not.toBe(false);
  });

  it('waits for daemon services to run on the replacements registered since the next instance was marked', () => {
    const daemon = service('agent', 3, 4, { daemon: true });
    const members = (third: readonly ObservedTask[]) => [
      marked(1, [task(1, 'web'), task(9, 'agent')]), marked(2, [task(2, 'api')]), replacement(3, third), replacement(4, [task(11, 'agent')]),
    ];
    const missing = rotate(spec({ ...steady, agent: daemon }, {}, members([])), [id(1), id(2)], config);
    expect(missing.waitingReason).toBe(`the next drain waits: daemon service agent does not run on replacement ${id(3)} yet`);
    expect(kinds(missing)).not.toContain('drain');
    const pending = rotate(spec({ ...steady, agent: daemon }, {}, members([task(10, 'agent', 'PENDING')])), [id(1), id(2)], config);
    expect(kinds(pending)).not.toContain('drain');
    // A daemon's counts include its tasks on draining instances: only where it runs is judged.
    const running = rotate(spec({ ...steady, agent: daemon }, {}, members([task(10, 'agent')])), [id(1), id(2)], config);
    expect(kinds(running)).toEqual(['drain']);
  });

  it('tasks not read are a reason to wait, never to drain', () => {
    const rotation = rotate(spec(steady, {}, [marked(1, undefined), marked(2, undefined), replacement(3), replacement(4)]), [id(1), id(2)], config);
    expect(rotation.waitingReason).toBe(`the next drain waits: the tasks of instance ${id(1)} were not read`);
    expect(kinds(rotation)).not.toContain('drain');
  });

  it('off (the engine\'s default when unset): drains whatever the services', () => {
    const rotation = rotate(spec({ web: service('web', 0, 4, { deployments: 3 }) }), [id(1), id(2)], { maxUnavailable: { count: 1 } });
    expect(kinds(rotation)).toEqual(['drain']);
  });

  it('an instance already out of service is recorded as draining even while others wait', () => {
    const members = [marked(1, [task(1, 'web')]), member(2, { container: { status: 'DRAINING', phase: REPLACING, tasks: [] } }),
      replacement(3, []), replacement(4, [])];
    const rotation = rotate({ ...spec({ web: service('web', 3, 4) }), desired: 4, members }, [id(1), id(2)], { ...config, maxUnavailable: { count: 2 } });
    expect(ofKind(rotation, 'drain')[0].containerInstanceArns).toEqual([arn(2)]);
  });
});

describe('standalone tasks on a drained instance', () => {
  const batch = { base: 2, target: 3, originalMax: 4, startedAt: STARTED };
  const drained = (sinceAgo: number, tasks?: readonly ObservedTask[]) => ({
    desired: 3,
    tags: batchTag(batch),
    members: [member(1, { container: { status: 'DRAINING', phase: drainingSince(NOW - sinceAgo), running: tasks?.length ?? 2, ...(tasks ? { tasks } : {}) } }),
      member(2), member(3)],
  });
  const tasks = [task(1, 'web'), task(2, undefined), task(3, undefined)];

  it('stop: after the grace period, its standalone tasks (only those) are stopped, with a reason ECS keeps', () => {
    const rotation = rotate(drained(120_001, tasks), [id(1), id(2)], { stopStandaloneTasksAfterSeconds: 120 });
    expect(ofKind(rotation, 'stop-tasks')).toEqual([{
      kind: 'stop-tasks',
      group: GROUP,
      instanceId: id(1),
      containerInstanceArn: arn(1),
      taskArns: [task(2, undefined).taskArn, task(3, undefined).taskArn],
      reason: `ecs-ami-refresher: instance ${id(1)} is replaced by one on ${NEW_AMI}; standalone tasks are stopped after 120 s of drain`,
    }]);
    expect(kinds(rotation)).not.toContain('terminate');
  });

  it.each<[string, ReturnType<typeof drained>, number | undefined]>([
    ['within the grace period', drained(119_999, tasks), 120],
    ['the policy is to wait', drained(500_000, tasks), undefined],
    ['only service tasks are left', drained(500_000, [task(1, 'web')]), 120],
    ['its tasks were not read', drained(500_000), 120],
  ])('nothing is stopped when %s', (_name, spec, grace) => {
    const rotation = rotate(spec, [id(1), id(2)], { stopStandaloneTasksAfterSeconds: grace });
    expect(kinds(rotation)).not.toContain('stop-tasks');
  });

  it('past the drain timeout the group stops as before, and the standalone tasks are still stopped', () => {
    const rotation = rotate(drained(700_000, tasks), [id(1), id(2)], { stopStandaloneTasksAfterSeconds: 120, drainTimeoutSeconds: 600 });
    expect(rotation.phase).toBe('stopped');
    expect(kinds(rotation)).toContain('stop-tasks');
  });
});
