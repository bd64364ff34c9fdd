/** Termination hooks in the rotation decision (termination-waits.ts, lifecycle-hooks.ts). */
import { drainingSince, GROUP, id, imageDecision, member, NOW, rotationConfig, rotationInput, RotationSpec } from './rotation-fixtures';
import { deregistersAtTermination, launchHookAllowanceSeconds } from '../../../src/engine/decide/lifecycle-hooks';
import { rotateGroup } from '../../../src/engine/decide/rotate';
import { ObservedLifecycleHook } from '../../../src/engine/model';

const ECS_HOOK: ObservedLifecycleHook = { name: 'ecs-hook', transition: 'autoscaling:EC2_INSTANCE_TERMINATING', heartbeatTimeoutSeconds: 3600, defaultResult: 'CONTINUE' };
const LAUNCH_HOOK: ObservedLifecycleHook = { name: 'warm-up', transition: 'autoscaling:EC2_INSTANCE_LAUNCHING', heartbeatTimeoutSeconds: 3600, defaultResult: 'CONTINUE' };

function decide(spec: RotationSpec, hooks: readonly ObservedLifecycleHook[] | undefined, config = {}) {
  const { observed, group } = rotationInput(spec);
  return rotateGroup(observed, { ...group, lifecycleHooks: hooks }, imageDecision([id(1), id(2)]), rotationConfig(config));
}

/** Member 1 terminated by the engine, waiting on hooks; member 2 drained empty, still InService. */
function waiting(running: number, drainedForMs: number): RotationSpec {
  const phase = drainingSince(NOW - drainedForMs);
  return {
    desired: 2,
    members: [
      member(1, { lifecycleState: 'Terminating:Wait', container: { status: 'DRAINING', running, phase } }),
      member(2, { container: { status: 'DRAINING', running: 0, phase } }),
    ],
  };
}

test('an empty instance is deregistered at termination only when the group is known to have no termination hook', () => {
  const { group } = rotationInput(waiting(0, 60_000));
  expect(deregistersAtTermination({ ...group, lifecycleHooks: [] })).toBe(true);
  expect(deregistersAtTermination({ ...group, lifecycleHooks: [LAUNCH_HOOK] })).toBe(true);
  expect(deregistersAtTermination({ ...group, lifecycleHooks: [ECS_HOOK] })).toBe(false);
  expect(deregistersAtTermination({ ...group, lifecycleHooks: undefined })).toBe(false);
});

test('launch hooks extend readiness by their longest heartbeat timeout', () => {
  const { group } = rotationInput(waiting(0, 60_000));
  expect(launchHookAllowanceSeconds({ ...group, lifecycleHooks: [ECS_HOOK] })).toBe(0);
  expect(launchHookAllowanceSeconds({ ...group, lifecycleHooks: [LAUNCH_HOOK, { ...LAUNCH_HOOK, name: 'b', heartbeatTimeoutSeconds: 600 }] })).toBe(3600);
});

test('a forced drain past its timeout, held by a termination hook: CONTINUE for it, naming each hook', () => {
  const rotation = decide(waiting(3, 2 * 3600_000), [ECS_HOOK, LAUNCH_HOOK], { drainTimeoutSeconds: 3600, onDrainTimeout: 'force' });
  expect(rotation.actions.filter((a) => a.kind === 'end-termination-wait')).toEqual([
    { kind: 'end-termination-wait', group: GROUP, instanceId: id(1), hookNames: ['ecs-hook'], runningTasks: 3 },
  ]);
});

test('a drain still within its timeout, or past it without force, is left to the hook\'s owner', () => {
  expect(decide(waiting(3, 60_000), [ECS_HOOK], { drainTimeoutSeconds: 3600, onDrainTimeout: 'force' }).actions
    .filter((a) => a.kind === 'end-termination-wait')).toEqual([]);
  expect(decide(waiting(3, 2 * 3600_000), [ECS_HOOK], { drainTimeoutSeconds: 3600, onDrainTimeout: 'stop' }).actions
    .filter((a) => a.kind === 'end-termination-wait')).toEqual([]);
});

test('an instance the engine drained empty that a hook still holds is let go; one the engine never marked is not', () => {
  expect(decide(waiting(0, 60_000), [ECS_HOOK]).actions.filter((a) => a.kind === 'end-termination-wait').map((a) => a.instanceId)).toEqual([id(1)]);
  const stranger: RotationSpec = { desired: 1, members: [member(1, { lifecycleState: 'Terminating:Wait', container: { status: 'DRAINING', running: 0 } })] };
  expect(decide(stranger, [ECS_HOOK]).actions.filter((a) => a.kind === 'end-termination-wait')).toEqual([]);
});
