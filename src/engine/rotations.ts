/**
 * From the plan's image decisions to each group's rotation decision for this round: the plan says which
 * instances are outdated, `rotateGroup` what to do about them next.
 */
import { launchHookAllowanceSeconds } from './decide/lifecycle-hooks';
import type { GroupPlan, RotationPlan } from './decide/plan';
import { drainsHeldForCordons, GroupRotation, ImageDecision, markCandidates, rotateGroup, RotationConfig } from './decide/rotate';
import { readinessTimeoutFor, withUnmanagedReplacement } from './decide/unmanaged';
import type { ObservedCluster } from './model';
import { readMarkCandidates } from './observe/observe';
import type { AwsApi } from '../aws/ports';

/**
 * With `skipInstancesWithStandaloneTasks`, the observation with the tasks of each group's next candidates for
 * marking read (the plan says which instances are outdated, so this comes after it); otherwise unchanged.
 */
export async function withMarkCandidates(
  api: AwsApi,
  observed: ObservedCluster,
  rotationPlan: RotationPlan,
  config: RotationConfig,
): Promise<ObservedCluster> {
  if (!config.skipInstancesWithStandaloneTasks) return observed;
  const wanted = rotationPlan.groups.flatMap((groupPlan) => {
    const group = observed.groups.find((g) => g.name === groupPlan.groupName);
    return group && rotatable(groupPlan) ? [markCandidates(observed, group, imageDecisionOf(groupPlan), config)] : [];
  }).filter((w) => w.room > 0 && w.candidates.length > 0);
  return wanted.length === 0 ? observed : readMarkCandidates(api, observed, wanted);
}

function imageDecisionOf(groupPlan: GroupPlan): ImageDecision {
  return {
    targetImageId: groupPlan.targetImageId!,
    updateLaunchSource: groupPlan.updateLaunchSource,
    outdatedInstanceIds: groupPlan.outdatedInstances.map((i) => i.instanceId),
    ...(groupPlan.pendingImage ? { pendingImage: groupPlan.pendingImage } : {}),
  };
}

/** The rotation decision of every group whose image decision allows one. */
export function rotationsFor(observed: ObservedCluster, rotationPlan: RotationPlan, config: RotationConfig): Map<string, GroupRotation> {
  const rotations = new Map<string, GroupRotation>();
  const groups = rotationPlan.groups.flatMap((groupPlan) => {
    const group = observed.groups.find((g) => g.name === groupPlan.groupName);
    if (!group || !rotatable(groupPlan)) return [];
    // Each group in its own budget and with its own readiness timeout (Windows hosts are slower).
    // Launch hooks hold a replacement in Pending:Wait up to their heartbeat timeout ("By default, the instance
    // remains in a wait state for one hour"): that much longer is not a failed replacement (termination-waits.ts).
    const readiness = readinessTimeoutFor(groupPlan, config) + launchHookAllowanceSeconds(group);
    const groupConfig = { ...config, readinessTimeoutSeconds: readiness };
    return [{ group, decision: imageDecisionOf(groupPlan), config: groupConfig, platform: groupPlan.platform }];
  });
  // Cordons are per group, placement is cluster-wide: a drain waits while another group cannot cordon yet.
  const held = drainsHeldForCordons(observed, groups);
  for (const { group, decision, config: groupConfig } of groups) {
    const drainsWaitFor = held.get(group.name);
    const roundConfig = drainsWaitFor === undefined ? groupConfig : { ...groupConfig, drainsWaitFor };
    const rotation = rotateGroup(observed, group, decision, roundConfig);
    rotations.set(group.name, config.unmanagedReplacementGroup === group.name
      ? withUnmanagedReplacement(observed, rotationPlan, group, rotation, roundConfig)
      : rotation);
  }
  return rotations;
}

function rotatable(groupPlan: GroupPlan): boolean {
  return (groupPlan.status === 'outdated' || groupPlan.status === 'up-to-date') && groupPlan.targetImageId !== undefined;
}

/** Whether a group's rotation has work under way that the next round continues. */
export function inFlight(rotation: GroupRotation): boolean {
  return rotation.phase === 'replacing' || rotation.phase === 'draining' || rotation.phase === 'updating-launch-template'
    || rotation.phase === 'soaking';
}
