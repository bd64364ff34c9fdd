/**
 * A group's warm pool on the target image before any replacement is launched. Instances prepared in a warm pool
 * keep the AMI they were launched with when the launch template changes ("Instances in the warm pool are not
 * replaced" by a rolling update, AWS::AutoScaling::WarmPool), and a scale-out puts them in service before it
 * launches anything ("Amazon EC2 Auto Scaling uses the pre-initialized instances from the warm pool rather than
 * launching cold instances", Amazon ECS Developer Guide, "Configuring pre-initialized instances"). A surge with
 * outdated warm instances would therefore bring replacements up on the old image.
 *
 * So once the launch source names the target, the outdated warm instances are terminated first (without
 * decrementing desired capacity: the pool is no part of it), and the group's pool re-prepares from the updated
 * template ("Amazon EC2 Auto Scaling launches new instances into the warm pool to maintain its minimum size").
 * They run no tasks: with ECS_WARM_POOLS_CHECK, which ECS asks warm pool users to set, the agent registers only
 * once an instance leaves the pool. The surge (and every termination that launches a replacement) waits for the
 * round after, when they are Warmed:Terminating and can no longer enter service.
 */
import { TerminateWarm } from '../actions';
import { ObservedCluster, ObservedGroup } from '../model';
import { GroupRound } from './group-round';
import { GroupRotation } from './rotation-types';

/** The group's warm instances not on `targetImageId` and not already leaving the pool, by EC2 id. */
export function outdatedWarmInstances(observed: ObservedCluster, group: ObservedGroup, targetImageId: string): string[] {
  return (group.warmPool?.instances ?? [])
    .filter((w) => !warmInstanceLeaving(w.lifecycleState))
    .filter((w) => {
      const image = observed.instances[w.instanceId]?.imageId;
      return image !== undefined && image !== targetImageId;
    })
    .map((w) => w.instanceId);
}

/** A warm instance on its way out (Warmed:Terminating, ...:Wait, ...:Proceed, Warmed:Terminated): it never enters service. */
export function warmInstanceLeaving(lifecycleState: string): boolean {
  return lifecycleState.startsWith('Warmed:Terminat');
}

/**
 * The outdated warm instances go before anything else launches; undefined when there are none, when the launch
 * source does not name the target yet (the pool would re-prepare the old image), or when no new work may start.
 */
export function refreshWarmPool(round: GroupRound, actions: import('../actions').Action[]): GroupRotation | undefined {
  const { observed, group, decision, newWorkHeld, batch } = round;
  if (decision.updateLaunchSource) return undefined;
  if (newWorkHeld !== undefined && !batch) return undefined;
  const outdated = outdatedWarmInstances(observed, group, decision.targetImageId);
  if (outdated.length === 0) return undefined;
  const terminations: TerminateWarm[] = outdated.map((instanceId) => ({ kind: 'terminate-warm', group: group.name, instanceId }));
  return {
    phase: 'updating-launch-template',
    waitingReason: `${outdated.length} warm pool instance(s) on an older image go first`,
    actions: [...actions, ...terminations],
    inFlight: round.marked.length,
    budget: round.budget,
  };
}
