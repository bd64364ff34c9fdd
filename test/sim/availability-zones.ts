/**
 * Availability Zones of an Auto Scaling group: where a launch goes, when the group is unbalanced, and how
 * AZRebalance restores the balance (launch first, then terminate through the termination policy).
 *
 * Launches: Auto Scaling distributes instances evenly between the group's enabled zones and "uses the
 * Availability Zone with the least number of instances when launching new instances" (Auto Scaling developer
 * guide, "Auto Scaling behavior"; the current user guide's "How suspended processes affect other processes"
 * says the same of a scale-out while AZRebalance is suspended: the launch goes to the zone with the fewest).
 * http://docs.amazonwebservices.com/AutoScaling/latest/DeveloperGuide/AutoScalingBehavior.html
 * https://docs.aws.amazon.com/autoscaling/ec2/userguide/auto-scaling-benefits.html
 * https://docs.aws.amazon.com/autoscaling/ec2/userguide/understand-how-suspending-processes-affects-other-processes.html
 *
 * The docs are silent on which zone wins a tie of fewest instances: the simulator draws it at random (a stream
 * of its own), the reading that is harder on an engine that would predict placement.
 */
import type { SimGroup, SimInstance } from './model';
import { Random } from './random';

/** Zone suffixes of a group made without an explicit list: three, as a default CDK VPC spans (maxAzs 3). */
export const DEFAULT_ZONE_SUFFIXES: readonly string[] = ['a', 'b', 'c'];

/** An instance that counts toward its zone: listed by the group and not on its way out. */
export function countsInZone(instance: SimInstance): boolean {
  const l = instance.lifecycle;
  return !(l.startsWith('Terminat') || l.startsWith('Detach') || l === 'Standby');
}

/** Instances per enabled zone (every enabled zone present, zero included), over the group's counted instances. */
export function zoneCounts(group: SimGroup, leaveOut: ReadonlySet<SimInstance> = new Set()): Map<string, number> {
  const counts = new Map<string, number>(group.availabilityZones.map((z) => [z, 0]));
  for (const i of group.instances.values()) {
    if (!countsInZone(i) || leaveOut.has(i)) continue;
    counts.set(i.availabilityZone, (counts.get(i.availabilityZone) ?? 0) + 1);
  }
  return counts;
}

/** The zone a launch goes to: one with the fewest instances, a tie drawn at random. */
export function launchZone(counts: ReadonlyMap<string, number>, random: Random): string {
  const min = Math.min(...counts.values());
  return random.pick([...counts].filter(([, n]) => n === min).map(([z]) => z));
}

/**
 * Balanced: the zones' counts differ by at most one. The guide asks for an "even" distribution and gives no
 * threshold; one instance of difference is the least any integer distribution must allow.
 */
export function isBalanced(counts: ReadonlyMap<string, number>): boolean {
  const values = [...counts.values()];
  return values.length === 0 || Math.max(...values) - Math.min(...values) <= 1;
}

/** How many launch-then-terminate moves (one into the emptiest zone, one out of the fullest) balance the counts. */
export function rebalanceMoves(counts: ReadonlyMap<string, number>): number {
  const values = [...counts.values()];
  let moves = 0;
  for (;;) {
    const max = Math.max(...values);
    const min = Math.min(...values);
    if (max - min <= 1) return moves;
    values[values.indexOf(max)] -= 1;
    values[values.indexOf(min)] += 1;
    moves++;
  }
}

/**
 * Launching before terminating near the maximum size would stall rebalancing, so "the system can temporarily
 * exceed the specified maximum capacity of a group by a 10% margin during a rebalancing activity" (developer
 * guide, "Auto Scaling behavior"; "How suspended processes affect other processes" repeats it: with Terminate
 * suspended the group can "grow up to 10 percent larger than its maximum size"). The margin is over the maximum
 * size, not over desired capacity. For a small group 10% rounds to nothing; the simulator allows at least one
 * instance (rounding up), the reading under which rebalancing still happens, which is harder on the engine.
 */
export function rebalanceMargin(maxSize: number): number {
  return Math.max(1, Math.ceil(maxSize * 0.1));
}

/** What AZRebalance needs from the cloud: a launch into a zone, and a termination picked by the policy. */
export interface RebalanceHost {
  /** Launches one instance into `zone`; undefined when the launch failed (the group retries later). */
  launchInto(group: SimGroup, zone: string): SimInstance | undefined;
  /** The termination policy's next victim among the group's unprotected instances, leaving out `leaveOut`. */
  pickVictim(group: SimGroup, leaveOut: ReadonlySet<SimInstance>): SimInstance | undefined;
  /** Auto Scaling terminates the instance itself (no drain: its tasks die unless a lifecycle hook holds it). */
  terminate(instance: SimInstance, description: string): void;
  random(): Random;
}

/**
 * AZRebalance, run when the group is at its desired capacity. A call to TerminateInstanceInAutoScalingGroup
 * that leaves the group unbalanced is one of the listed causes of a rebalancing activity (developer guide,
 * "Auto Scaling behavior"), and when the group became unbalanced while AZRebalance was suspended, resuming it
 * makes Auto Scaling rebalance: "It first calls Launch, and then Terminate" ("How suspended processes affect
 * other processes"). Launching first is so that rebalancing never lowers capacity. Which instances go is the
 * termination policy's choice (the zone with the most instances first: termination-policy.ts), not the
 * caller's, and nobody drains them. With Launch suspended, AZRebalance "stops rebalancing the group"; with
 * Terminate suspended it may launch without terminating (the paired terminations wait here until Terminate is
 * resumed).
 * https://docs.aws.amazon.com/autoscaling/ec2/userguide/understand-how-suspending-processes-affects-other-processes.html
 * https://docs.aws.amazon.com/autoscaling/ec2/userguide/suspend-resume-considerations.html
 * How many instances one activity replaces at once is not documented (the considerations page says only that
 * it "gradually" redistributes): the simulator launches every move it needs at once (within the margin), the
 * reading under which the most instances go undrained at the same moment. Returns whether a launch failed (the
 * caller schedules a retry).
 */
export function rebalance(group: SimGroup, host: RebalanceHost): boolean {
  if (group.suspended.has('AZRebalance') || group.suspended.has('Launch')) return false;
  terminatePaired(group, host);
  if (group.rebalancing.size > 0) return false;
  let counts = zoneCounts(group);
  // Only with an instance the policy could take some day (unprotected): with Terminate suspended the launch
  // still happens and its termination waits.
  const unprotected = [...group.instances.values()].some((i) => countsInZone(i) && !i.protectedFromScaleIn);
  if (isBalanced(counts) || !unprotected) return false;
  const live = [...counts.values()].reduce((a, b) => a + b, 0);
  const room = group.maxSize + rebalanceMargin(group.maxSize) - live;
  const moves = Math.min(rebalanceMoves(counts), Math.max(0, room));
  for (let n = 0; n < moves; n++) {
    const launched = host.launchInto(group, launchZone(counts, host.random()));
    if (!launched) return true;
    group.rebalancing.add(launched.id);
    counts = zoneCounts(group);
  }
  return false;
}

/** Each rebalancing launch that is InService now lets one instance go, picked by the termination policy. */
function terminatePaired(group: SimGroup, host: RebalanceHost): void {
  for (const id of [...group.rebalancing]) {
    const launched = group.instances.get(id);
    if (!launched || !countsInZone(launched)) {
      group.rebalancing.delete(id); // it failed or went: its pair is not due
      continue;
    }
    if (launched.lifecycle !== 'InService' || group.suspended.has('Terminate')) continue;
    const surplus = new Set([...group.rebalancing].map((i) => group.instances.get(i)).filter((i): i is SimInstance => i !== undefined));
    const victim = host.pickVictim(group, surplus);
    group.rebalancing.delete(id);
    if (victim) host.terminate(victim, `Terminating EC2 instance: ${victim.id} (an instance was taken out of service in response to an AZ rebalance)`);
  }
}

/** The instances of the group that a rebalancing launch added and whose paired termination is still due. */
export function rebalancingSurplus(group: SimGroup): number {
  let n = 0;
  for (const id of group.rebalancing) {
    const i = group.instances.get(id);
    if (i && countsInZone(i)) n++;
  }
  return n;
}
