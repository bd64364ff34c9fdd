/**
 * Termination hooks. With ECS managed instance draining (on by default for a capacity provider, and in aws-cdk's
 * AsgCapacityProvider) every termination of a group's instance goes through ECS's lifecycle hook: the instance
 * waits in Terminating:Wait while ECS drains it, and goes only once its tasks are gone, or when the hook's wait
 * ends (up to 48 hours: "The maximum is 172800 seconds (48 hours) or 100 times HeartbeatTimeout, whichever is
 * smaller", LifecycleHook API reference). So a forced termination after the drain timeout does not end the
 * instance by itself: the engine completes the lifecycle action with CONTINUE ("Completes the lifecycle action
 * for the specified token or instance", CompleteLifecycleAction API reference), which any caller allowed to
 * may do, by instance id. An instance the engine drained empty is let go the same way when its hook's owner
 * did not (aws-cdk's legacy drain hook returns without completing when it finds no container instance).
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/managed-instance-draining.html
 * https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_CompleteLifecycleAction.html
 * https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_LifecycleHook.html
 */
import { decodePhase } from '../../shared/records';
import { EndTerminationWait } from '../actions';
import { drainProgress } from './drain-ends';
import { GroupRound } from './group-round';
import { terminationHooks } from './lifecycle-hooks';

/** The instances the engine drained that wait on termination hooks, and may go now. */
export function endedTerminationWaits(round: GroupRound): EndTerminationWait[] {
  const { group, config, now } = round;
  const hooks = terminationHooks(group);
  if (!hooks || hooks.length === 0) return [];
  const waits: EndTerminationWait[] = [];
  for (const i of group.instances) {
    if (i.lifecycleState !== 'Terminating:Wait') continue;
    const container = round.byInstance.get(i.instanceId);
    const phase = decodePhase(container?.phase);
    if (!container || phase?.kind !== 'draining') continue; // not the engine's: left to the hook's owner
    const drain = drainProgress(container, phase, now, config);
    if (!drain.terminable) continue;
    waits.push({ kind: 'end-termination-wait', group: group.name, instanceId: i.instanceId, hookNames: hooks, runningTasks: drain.remaining });
  }
  return waits;
}
