/**
 * The readiness stop: replacement capacity is launched before capacity is taken away, and when it does not
 * serve (InService and ACTIVE in the cluster) within the readiness timeout, the group stops instead of
 * draining on. One rule for a group's batches, for the replacement of instances outside every group, and for
 * the cross-group hold of drains (a group whose replacements are overdue holds no one: it stops itself).
 */
import { Batch } from '../../shared/records';
import { Action } from '../actions';
import { GroupRound } from './group-round';
import { launchHookWaits } from './lifecycle-hooks';
import type { GroupPlan } from './plan-types';
import { GroupRotation, RotationConfig } from './rotation-types';

/**
 * The readiness timeout of a group's replacements: the group's own (construct `groupOverrides`), else its
 * platform's. Windows hosts boot and register far more slowly than Linux ones; their longer pacing is this
 * readiness check, not a fixed sleep: the engine drains as soon as replacements are ACTIVE, and only stops
 * a Windows group when they are not after the longer timeout.
 */
export function readinessTimeoutFor(groupPlan: Pick<GroupPlan, 'groupName' | 'platform'>, config: RotationConfig): number {
  const own = config.groupReadinessTimeoutSeconds?.[groupPlan.groupName];
  if (own !== undefined) return own;
  if (groupPlan.platform === 'windows') return config.windowsReadinessTimeoutSeconds ?? config.readinessTimeoutSeconds;
  return config.readinessTimeoutSeconds;
}

/**
 * Replacement capacity awaited since `awaitedSince` (epoch ms: the oldest mark still waiting for it, or the
 * launch of a replacement that should have registered) has had the whole readiness timeout and is overdue.
 * Nothing awaited (undefined) is never overdue.
 */
export function replacementsOverdue(awaitedSince: number | undefined, now: number, readinessTimeoutSeconds: number): boolean {
  return awaitedSince !== undefined && now - awaitedSince > readinessTimeoutSeconds * 1000;
}

/**
 * The group stops: nothing drains, and the longest-waiting mark's replacement capacity never became ready.
 * Blame the image only with evidence: a replacement on it that has been in service longer than the readiness
 * timeout and never registered (with rollbackOnFailedReplacement, the image is then marked failed). Capacity
 * shortages or suspended launches are not its fault.
 */
export function readinessStop(round: GroupRound, batch: Batch, serving: number, actions: Action[]): GroupRotation {
  const { observed, group, decision, config, now } = round;
  const neverRegistered = round.alive.some((i) => {
    const instance = observed.instances[i.instanceId];
    const launched = Date.parse(instance?.launchTime ?? '');
    return i.lifecycleState === 'InService' && instance?.imageId === decision.targetImageId && !round.byInstance.has(i.instanceId)
      && !Number.isNaN(launched) && replacementsOverdue(launched, now, config.readinessTimeoutSeconds);
  });
  if (config.rollbackOnFailedReplacement && neverRegistered && group.currentImageId === decision.targetImageId) {
    actions.push({ kind: 'mark-failed-image', group: group.name, imageId: decision.targetImageId });
  }
  const hookWait = launchHookWaits(group);
  return {
    phase: 'stopped',
    stoppedReason:
      `replacement capacity did not become ACTIVE in the cluster within ${config.readinessTimeoutSeconds} s ` +
      `(${serving} instances serving, ${batch.base + 1} needed to drain one); nothing more is drained in ${group.name} until it is` +
      (hookWait ? `; ${hookWait}, longer than their heartbeat timeout: the hooks' owner holds them, they have not failed` : ''),
    // A stopped group terminates only instances already empty, and takes on no more.
    actions: actions.filter((a) => (a.kind !== 'terminate' || !a.forced) && a.kind !== 'mark-more'),
    inFlight: round.marked.length,
    budget: round.budget,
  };
}
