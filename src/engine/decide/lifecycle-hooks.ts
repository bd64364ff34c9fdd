/**
 * What a group's lifecycle hooks (DescribeLifecycleHooks) mean for a rotation: launch hooks hold replacements in
 * Pending:Wait, by default for an hour ("By default, the instance remains in a wait state for one hour", How
 * lifecycle hooks work in Amazon EC2 Auto Scaling groups); termination hooks hold terminated instances in
 * Terminating:Wait (termination-waits.ts).
 * https://docs.aws.amazon.com/autoscaling/ec2/userguide/lifecycle-hooks-overview.html
 */
import { ObservedGroup } from '../model';

export const TERMINATING_TRANSITION = 'autoscaling:EC2_INSTANCE_TERMINATING';
export const LAUNCHING_TRANSITION = 'autoscaling:EC2_INSTANCE_LAUNCHING';

/** The group's termination hooks; undefined when its hooks were not read (assume there may be some). */
export function terminationHooks(group: ObservedGroup): readonly string[] | undefined {
  return group.lifecycleHooks?.filter((h) => h.transition === TERMINATING_TRANSITION).map((h) => h.name);
}

/**
 * Whether the engine may deregister an instance it terminates empty, at once: only when the group is known to
 * have no termination hook (an owner of one looks the container instance up while the instance waits).
 */
export function deregistersAtTermination(group: ObservedGroup): boolean {
  const hooks = terminationHooks(group);
  return hooks !== undefined && hooks.length === 0;
}

/** The longest heartbeat timeout of the group's launch hooks: how much longer a replacement may take to serve. */
export function launchHookAllowanceSeconds(group: ObservedGroup): number {
  const launch = (group.lifecycleHooks ?? []).filter((h) => h.transition === LAUNCHING_TRANSITION);
  return launch.reduce((max, h) => Math.max(max, h.heartbeatTimeoutSeconds), 0);
}

/** Replacements held in Pending:Wait by launch hooks, for the report. */
export function launchHookWaits(group: ObservedGroup): string | undefined {
  const waiting = group.instances.filter((i) => i.lifecycleState === 'Pending:Wait').map((i) => i.instanceId);
  if (waiting.length === 0) return undefined;
  const hooks = (group.lifecycleHooks ?? []).filter((h) => h.transition === LAUNCHING_TRANSITION)
    .map((h) => `${h.name} (heartbeat timeout ${h.heartbeatTimeoutSeconds} s)`);
  return `${waiting.length} replacement(s) wait in Pending:Wait on launch hook(s) ${hooks.join(', ') || '(not readable)'}: ${waiting.join(', ')}`;
}
