/**
 * A batch on a group whose capacity provider has managed scaling on. The ECS developer guide says not to
 * change or manage the desired capacity of such a group with anything but ECS's own scaling policy ("Don't
 * change or manage the desired capacity for the Auto Scaling group that's associated with a capacity provider
 * with any scaling policies other than the one Amazon ECS manages", cluster auto scaling considerations:
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/cluster-auto-scaling.html). Raised by hand, the
 * surge reads as idle capacity: CapacityProviderReservation drops below target (the replacements run no
 * task yet) and the target tracking policy scales it back in, taking the empty replacements, which managed
 * termination protection leaves unprotected (users report the fight: aws/containers-roadmap#945).
 *
 * The documented lever is the group's minimum: "Cluster Auto Scaling doesn't modify the MinimumCapacity or
 * MaximumCapacity for the group" (same page), desired capacity never goes below MinSize, and "If you specify a
 * new value for MinSize without specifying a value for DesiredCapacity, and the new MinSize is larger than the
 * current size of the group, this sets the group's DesiredCapacity to the new MinSize value"
 * (UpdateAutoScalingGroup API reference:
 * https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_UpdateAutoScalingGroup.html). So the batch holds
 * MinSize at base + marked instances: raised with each mark, lowered by one before each terminate-and-decrement
 * (a decrement below MinSize is refused), and restored to the value recorded on the batch tag (`originalMin`)
 * when the batch ends, so a crash restores it too. ECS stays free to scale above the hold; old instances
 * that still run tasks are kept by managed termination protection ("Amazon ECS only terminates EC2 instances
 * that don't have any running Amazon ECS tasks":
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/managed-termination-protection.html).
 */
import { Batch } from '../../shared/records';
import { Terminate } from '../actions';
import { ObservedGroup } from '../model';

/** The batch record's part: the group's MinSize before the batch, when ECS scales the group. */
export function minHold(group: ObservedGroup): Pick<Batch, 'originalMin'> {
  return group.ecsScaled ? { originalMin: group.minSize } : {};
}

/** Whether the batch holds capacity through MinSize. */
export function holdsMin(batch: Batch): boolean {
  return batch.originalMin !== undefined;
}

/** A terminate-and-decrement of a holding batch lowers the hold by one first. */
export function withMinFloor(batch: Batch, terminate: Terminate): Terminate {
  if (!holdsMin(batch) || terminate.decrement === false) return terminate;
  return { ...terminate, minFloor: batch.originalMin };
}

/**
 * The MinSize to restore when a holding batch ends: the recorded original, unless MinSize is already there
 * or someone else set it beyond anything the batch held (then it is theirs).
 */
export function minToRestore(group: ObservedGroup, batch: Batch): number | undefined {
  if (!holdsMin(batch)) return undefined;
  const heldAtMost = Math.max(batch.target, batch.raisedMax ?? 0);
  if (group.minSize === batch.originalMin || group.minSize > heldAtMost) return undefined;
  return batch.originalMin;
}
