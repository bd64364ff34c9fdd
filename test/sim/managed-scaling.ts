/**
 * ECS cluster auto scaling (capacity provider managed scaling) and managed termination protection, as the
 * ECS developer guide describes them. Hooked into the cloud by `Cloud.enableManagedScaling`.
 *
 * Managed scaling ("Automatically manage Amazon ECS capacity with cluster auto scaling":
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/cluster-auto-scaling.html):
 * - "Every minute, Amazon ECS collects information" and publishes `CapacityProviderReservation =
 *   (number of instances needed) / (number of running instances) x 100` to CloudWatch; ECS attaches a target
 *   tracking scaling policy with `targetCapacity` as its target. M (needed) counts the instances running at
 *   least one non-daemon task ("equals 100%: ... all container instances are running at least one
 *   non-daemon task") plus those the unplaced (PROVISIONING) tasks need by binpack; N counts the group's
 *   running instances.
 * - N = 0 and M > 0: "When a scale-out process is required and there are no available container instances
 *   ... Amazon ECS always scales-out to 200%" (the guide's scale-out considerations; containers-roadmap #961:
 *   "The 200% is only for the very first scale out when scaling out from 0"). N = 0 and M = 0: 100 (nothing
 *   to do; the guide is silent, any value at target reads the same).
 * - The target tracking policy "scales out proportionally to the metric as fast as it can, but scales in more
 *   gradually" (Application Auto Scaling / EC2 Auto Scaling target tracking pages:
 *   https://docs.aws.amazon.com/autoscaling/ec2/userguide/as-scaling-target-tracking.html). The guide does not
 *   give the alarms' datapoints; we take the issue's reading (the AWS blog "Deep dive on Amazon ECS cluster
 *   auto scaling"): scale-out on the first datapoint above target, scale-in only after 15 consecutive
 *   one-minute datapoints below it.
 * - Step sizes: scale-out adds between minimumScalingStepSize (default 1) and maximumScalingStepSize
 *   (default 10000) instances; "The scale in process is not affected by this parameter" (ManagedScaling API
 *   reference: https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ManagedScaling.html). The docs
 *   are silent on the scale-in step: we take the reading harder on the engine, straight to what M needs in
 *   one step, and every further minute while the datapoints stay low (no cool-down).
 * - Scale-out "is blocked" while an instance is within instanceWarmupPeriod (default 300 s) of its launch.
 * - "Cluster Auto Scaling doesn't modify the MinimumCapacity or MaximumCapacity for the group": desired stays
 *   within [MinSize, MaxSize], so a MinSize raised by someone else holds the scale-in.
 *
 * Managed termination protection ("Control the instances Amazon ECS terminates":
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/managed-termination-protection.html): "You
 * must turn on Auto Scaling instance scale-in protection on the Auto Scaling group" (enabling it on a group
 * without throws, as CreateCapacityProvider refuses it); ECS "first turns on the instance scale-in protection
 * option" and "When all non-daemon tasks are stopped on an instance, Amazon ECS ... turns off scale-in
 * protection". Daemon tasks are ignored. Instances ECS does not know yet (not registered) keep the protection
 * they launched with. A scale-in then takes only unprotected instances (the group's scale-in code).
 */
import { isLeaving, SimContainerInstance, SimGroup, SimInstance, SimManagedScaling, SimService } from './model';

/** What of the cloud ECS's scaling reads (the cloud itself; an interface to keep the import one-way). */
export interface ScalingView {
  readonly maxTasksPerInstance: number;
  readonly services: ReadonlyMap<string, SimService>;
  now(): number;
}

/** Consecutive datapoints above target before the scale-out alarm acts (see the header). */
export const SCALE_OUT_DATAPOINTS = 1;
/** Consecutive one-minute datapoints below target before the scale-in alarm acts. */
export const SCALE_IN_DATAPOINTS = 15;

export interface ManagedScalingOptions {
  /** The capacity provider's targetCapacity, in (0, 100]. Default 100 (the CDK default). */
  readonly targetCapacityPercent?: number;
  /** How often ECS publishes the metric (seconds). Default 60 ("Every minute"). */
  readonly periodS?: number;
  /** Default true (the CDK `AsgCapacityProvider` default). */
  readonly managedTerminationProtection?: boolean;
  /** Default 1. */
  readonly minimumScalingStepSize?: number;
  /** Default 10000. */
  readonly maximumScalingStepSize?: number;
  /** Default 300 s. */
  readonly instanceWarmupPeriodS?: number;
}

/** One published CapacityProviderReservation datapoint, with its M and N. */
export interface ReservationDatapoint {
  readonly at: number;
  readonly needed: number;
  readonly running: number;
  readonly value: number;
}

export function newManagedScaling(group: SimGroup, options: ManagedScalingOptions): SimManagedScaling {
  const target = options.targetCapacityPercent ?? 100;
  if (!(target > 0 && target <= 100)) throw new Error(`targetCapacityPercent must be in (0, 100], got ${target}`);
  const minStep = options.minimumScalingStepSize ?? 1;
  const maxStep = options.maximumScalingStepSize ?? 10000;
  if (!(minStep >= 1 && maxStep >= minStep && maxStep <= 10000)) throw new Error(`scaling step sizes must satisfy 1 <= min (${minStep}) <= max (${maxStep}) <= 10000`);
  const mtp = options.managedTerminationProtection ?? true;
  if (mtp && !group.newInstancesProtectedFromScaleIn) {
    // CreateCapacityProvider / UpdateCapacityProvider refuse managed termination protection on a group
    // without new-instance scale-in protection (the requirement on the managed termination protection page).
    throw new Error(`group ${group.name}: managed termination protection needs the group's new instances protected from scale-in (NewInstancesProtectedFromScaleIn)`);
  }
  return {
    targetCapacityPercent: target,
    periodS: options.periodS ?? 60,
    managedTerminationProtection: mtp,
    minimumScalingStepSize: minStep,
    maximumScalingStepSize: maxStep,
    instanceWarmupPeriodS: options.instanceWarmupPeriodS ?? 300,
    ticks: 0,
    lowStreak: 0,
    highStreak: 0,
    datapoints: [],
  };
}

/** M and N, and the metric, for the group now. */
export function reservation(cloud: ScalingView, group: SimGroup): ReservationDatapoint {
  let running = 0;
  let busy = 0;
  let slots = 0;
  for (const i of group.instances.values()) {
    if (isLeaving(i.lifecycle)) continue;
    running++;
    const ci = i.ci;
    if (!ci || ci.status === 'INACTIVE') continue;
    slots = Math.max(slots, ci.maxTasks);
    if (accountedNonDaemonTasks(ci) > 0) busy++;
  }
  if (slots === 0) slots = cloud.maxTasksPerInstance;
  const unplaced = unplacedTasks(cloud);
  const forUnplaced = unplaced === 0 ? 0 : Number.isFinite(slots) ? Math.ceil(unplaced / slots) : 1;
  const needed = busy + forUnplaced;
  const value = running === 0 ? (needed > 0 ? 200 : 100) : (needed / running) * 100;
  return { at: cloud.now(), needed, running, value };
}

/** What the target tracking policy would make desired capacity now, ignoring the alarms' datapoints. */
export function trackedDesired(group: SimGroup, point: ReservationDatapoint, scaling: SimManagedScaling): number {
  const wanted = Math.ceil((point.needed * 100) / scaling.targetCapacityPercent - 1e-9);
  if (wanted > group.desired) {
    const step = Math.min(scaling.maximumScalingStepSize, Math.max(scaling.minimumScalingStepSize, wanted - group.desired));
    return Math.min(group.maxSize, group.desired + step);
  }
  return Math.max(group.minSize, Math.min(group.maxSize, wanted));
}

/**
 * One minute of ECS: protection first (it places and protects), then the datapoint and the alarms. Returns
 * the scaling activity's description when desired capacity changed.
 */
export function managedScalingTick(cloud: ScalingView, group: SimGroup, scaling: SimManagedScaling): string | undefined {
  scaling.ticks++;
  if (scaling.managedTerminationProtection) applyManagedProtection(group);
  const point = reservation(cloud, group);
  scaling.datapoints.push(point);
  if (scaling.datapoints.length > 120) scaling.datapoints.shift();
  const target = scaling.targetCapacityPercent;
  scaling.highStreak = point.value > target ? scaling.highStreak + 1 : 0;
  scaling.lowStreak = point.value < target ? scaling.lowStreak + 1 : 0;
  let desired = group.desired;
  if (scaling.highStreak >= SCALE_OUT_DATAPOINTS && !warmingUp(cloud, group, scaling)) {
    desired = Math.max(desired, trackedDesired(group, point, scaling));
  } else if (scaling.lowStreak >= SCALE_IN_DATAPOINTS) {
    desired = Math.min(desired, trackedDesired(group, point, scaling));
  }
  if (desired === group.desired) return undefined;
  const description = `Managed scaling (CapacityProviderReservation ${point.value.toFixed(0)}%, target ${target}%): desired ${group.desired} -> ${desired}`;
  group.desired = desired;
  return description;
}

function warmingUp(cloud: ScalingView, group: SimGroup, scaling: SimManagedScaling): boolean {
  for (const i of group.instances.values()) {
    if (!isLeaving(i.lifecycle) && cloud.now() - i.launchTime < scaling.instanceWarmupPeriodS * 1000) return true;
  }
  return false;
}

/**
 * "Amazon ECS first turns on the instance scale-in protection option for the EC2 instances in the Auto
 * Scaling group. Then, Amazon ECS places the tasks on the instances": a non-daemon task never lands on an
 * instance a scale-in may take.
 */
export function protectBeforePlacement(instance: SimInstance): void {
  if (instance.group?.managedScaling?.managedTerminationProtection) instance.protectedFromScaleIn = true;
}

/** Each minute ECS protects the instances running non-daemon tasks and unprotects the empty ones. */
export function applyManagedProtection(group: SimGroup): void {
  for (const i of group.instances.values()) {
    if (isLeaving(i.lifecycle)) continue;
    const ci = i.ci;
    if (!ci || ci.status === 'REGISTERING') continue; // ECS does not know it yet: it keeps its launch setting
    i.protectedFromScaleIn = ci.status !== 'INACTIVE' && aliveNonDaemonTasks(ci) > 0;
  }
}

function accountedNonDaemonTasks(ci: SimContainerInstance): number {
  let n = 0;
  for (const t of ci.tasks) if (!t.service?.daemon && !t.orphaned && t.lastStatus !== 'STOPPED') n++;
  return n;
}

function aliveNonDaemonTasks(ci: SimContainerInstance): number {
  let n = 0;
  for (const t of ci.tasks) if (!t.service?.daemon && t.lastStatus !== 'STOPPED') n++;
  return n;
}

/** Replica tasks the scheduler wants to start (within maximumPercent) but has nowhere to place. */
function unplacedTasks(cloud: ScalingView): number {
  let n = 0;
  for (const s of cloud.services.values()) {
    if (s.daemon) continue;
    const maxTotal = Math.max(s.desired, Math.floor((s.desired * s.maximumPercent) / 100));
    n += Math.max(0, Math.min(s.desired - s.goodCount, maxTotal - s.activeCount));
  }
  return n;
}
