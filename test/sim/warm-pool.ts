/**
 * Warm pools: pre-initialized instances beside an Auto Scaling group that the group draws on when it scales out.
 *
 * What the simulator models, and where it comes from:
 * - PutWarmPool creates or updates the pool; it "cannot be called on an Auto Scaling group that has a mixed
 *   instances policy" (PutWarmPool API reference). Its size: "If a value for MaxGroupPreparedCapacity is not
 *   specified, Amazon EC2 Auto Scaling launches and maintains the difference between the group's maximum capacity
 *   and its desired capacity. If you specify a value for MaxGroupPreparedCapacity, Amazon EC2 Auto Scaling uses
 *   the difference between the MaxGroupPreparedCapacity and the desired capacity instead ... If the desired
 *   capacity of the Auto Scaling group is higher than the MaxGroupPreparedCapacity, the capacity of the warm pool
 *   is 0, unless you specify a value for MinSize. To remove a value that you previously set, include the property
 *   but specify -1 for the value." PoolState is Stopped (the default), Running or Hibernated.
 *   https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_PutWarmPool.html
 *   https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_WarmPoolConfiguration.html
 *   https://docs.aws.amazon.com/autoscaling/ec2/userguide/create-warm-pool.html ("The default is Stopped")
 * - Instances are launched into the pool from the group's launch template as it is then, and keep what they were
 *   launched with: the pool "sits alongside the Auto Scaling group", "when your Auto Scaling group scales out and
 *   the size of the warm pool shrinks, Amazon EC2 Auto Scaling launches new instances into the warm pool to
 *   maintain its minimum size", and a rolling update "replaces InService instances only. Instances in the warm
 *   pool are not replaced" (AWS::AutoScaling::WarmPool). Nothing in the docs re-images a prepared instance when
 *   the launch template changes: it keeps its AMI until it is terminated.
 *   https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-autoscaling-warmpool.html
 * - Lifecycle: Warmed:Pending, then Warmed:Stopped (Warmed:Running, Warmed:Hibernated by the pool state): "As soon
 *   as an instance finishes launching into the warm pool, Amazon EC2 Auto Scaling stops or hibernates the
 *   instance"; leaving the pool it goes Pending, then InService; terminated in the pool it goes
 *   Warmed:Terminating, Warmed:Terminating:Proceed, Warmed:Terminated ("Use lifecycle hooks with a warm pool",
 *   its state diagram; the DescribeWarmPool LifecycleState values). Lifecycle hooks on these transitions are
 *   another file's (none is modelled here: each transition proceeds at once).
 *   https://docs.aws.amazon.com/autoscaling/ec2/userguide/warm-pool-instance-lifecycle.html
 * - Scale-out uses the pool first: "Whenever your application needs to scale out, Amazon EC2 Auto Scaling uses
 *   the pre-initialized instances from the warm pool rather than launching cold instances ... and then places the
 *   instance into service." With ECS_WARM_POOLS_CHECK=true (what that page tells ECS users to set) the agent does
 *   not register while the instance is in the pool: it registers once the instance leaves it.
 *   https://docs.aws.amazon.com/AmazonECS/latest/developerguide/using-warm-pool.html
 * - Scale-in with InstanceReusePolicy.ReuseOnScaleIn returns the victim to the pool instead of terminating it
 *   ("Indicates whether instances in the Auto Scaling group can be returned to the warm pool on scale in. The
 *   default is to terminate instances", PutWarmPool). ECS says it cannot be used with ECS ("you cannot set the
 *   option that returns instances to the warm pool on scale in"): the simulator models what then happens. The
 *   instance stops: its containers die, its agent disconnects, and its container instance stays registered
 *   ("stopped container instances ... aren't automatically deregistered", DeregisterContainerInstance API
 *   reference); drawn again, the agent reconnects.
 *
 * Where the docs are silent, the reading harder on the engine:
 * - which warm instance a scale-out draws: the ready ones (Warmed:Stopped/Running/Hibernated) oldest first, then
 *   those still Warmed:Pending, oldest first; the oldest are the ones on an old AMI after a template change;
 * - a pool above its size sheds its newest instances first (the old-AMI ones stay);
 * - TerminateInstanceInAutoScalingGroup on a warm instance is accepted without decrementing desired capacity
 *   (the pool is no part of it), and refused with ShouldDecrementDesiredCapacity=true; the pool then re-prepares
 *   an instance from the launch template as it is now;
 * - launches into the pool stop while the Launch process is suspended, as the group's own do;
 * - a Stopped or Hibernated instance drawn takes `warmStartS` to run again; a Running one, a few seconds.
 */
import type { Cloud } from './cloud';
import { SimAwsError } from './errors';
import { SimGroup, SimInstance, SimWarmPool, WarmPoolState } from './model';

export const WARM_POOL_STATES: readonly WarmPoolState[] = ['Stopped', 'Running', 'Hibernated'];
/** DescribeWarmPool MaxRecords: "The maximum value is 50" (DescribeWarmPool API reference). */
export const DESCRIBE_WARM_POOL_MAX_RECORDS = 50;
/** A Running warm instance drawn into the group goes InService this soon (not documented: a few seconds). */
const RUNNING_DRAW_MS = 5_000;

export interface WarmPoolSpec {
  readonly minSize?: number;
  /** -1 removes a value set before. */
  readonly maxGroupPreparedCapacity?: number;
  readonly poolState?: WarmPoolState;
  readonly reuseOnScaleIn?: boolean;
}

/** PutWarmPool: creates the group's pool or updates its configuration (its instances stay). */
export function putWarmPool(cloud: Cloud, group: SimGroup, spec: WarmPoolSpec): SimWarmPool {
  if (group.mixedInstancesPolicy) {
    throw new SimAwsError('ValidationError', `You can't add a warm pool to Auto Scaling group ${group.name}: it has a mixed instances policy.`);
  }
  if (spec.minSize !== undefined && (!Number.isInteger(spec.minSize) || spec.minSize < 0)) {
    throw new SimAwsError('ValidationError', `MinSize must be an integer of at least 0, got ${spec.minSize}`);
  }
  const max = spec.maxGroupPreparedCapacity;
  if (max !== undefined && (!Number.isInteger(max) || max < -1)) {
    throw new SimAwsError('ValidationError', `MaxGroupPreparedCapacity must be an integer of at least -1, got ${max}`);
  }
  if (spec.poolState !== undefined && !WARM_POOL_STATES.includes(spec.poolState)) {
    throw new SimAwsError('ValidationError', `PoolState must be one of ${WARM_POOL_STATES.join(', ')}, got ${spec.poolState}`);
  }
  const pool: SimWarmPool = group.warmPool ?? { minSize: 0, poolState: 'Stopped', reuseOnScaleIn: false, instances: new Map(), drawn: [] };
  if (spec.minSize !== undefined) pool.minSize = spec.minSize;
  if (max !== undefined) pool.maxGroupPreparedCapacity = max === -1 ? undefined : max;
  if (spec.poolState !== undefined) pool.poolState = spec.poolState;
  if (spec.reuseOnScaleIn !== undefined) pool.reuseOnScaleIn = spec.reuseOnScaleIn;
  group.warmPool = pool;
  cloud.markGroup(group);
  cloud.settle();
  return pool;
}

/** A pool that has been there a while: PutWarmPool, its instances prepared (in the pool state) now, not booting. */
export function seedWarmPool(cloud: Cloud, group: SimGroup, spec: WarmPoolSpec): SimWarmPool {
  const pool = putWarmPool(cloud, group, spec);
  for (const instance of pool.instances.values()) {
    if (instance.lifecycle !== 'Warmed:Pending') continue;
    for (const e of instance.events) e.cancel();
    instance.events.length = 0;
    instance.state = pool.poolState === 'Running' ? 'running' : 'stopped';
    cloud.setLifecycle(instance, `Warmed:${pool.poolState}`);
  }
  return pool;
}

/** How many instances the pool keeps: max(MinSize, prepared capacity - desired), the prepared capacity defaulting to max size. */
export function warmPoolTarget(group: SimGroup): number {
  const pool = group.warmPool;
  if (!pool) return 0;
  const prepared = pool.maxGroupPreparedCapacity ?? group.maxSize;
  return Math.max(pool.minSize, prepared - group.desired, 0);
}

export function isWarmLeaving(instance: SimInstance): boolean {
  return instance.lifecycle.startsWith('Warmed:Terminat');
}

/** Scale-out: up to `count` warm instances go into service; returns how many did. */
export function drawFromWarmPool(cloud: Cloud, group: SimGroup, count: number): number {
  const pool = group.warmPool;
  if (!pool || count <= 0) return 0;
  const ready = (i: SimInstance) => (i.lifecycle === 'Warmed:Pending' ? 1 : 0);
  const candidates = [...pool.instances.values()]
    .filter((i) => !isWarmLeaving(i))
    .sort((a, b) => ready(a) - ready(b) || a.launchTime - b.launchTime || a.seq - b.seq)
    .slice(0, count);
  for (const instance of candidates) {
    for (const e of instance.events) e.cancel();
    instance.events.length = 0;
    pool.instances.delete(instance.id);
    group.instances.set(instance.id, instance);
    pool.drawn.push(instance);
    const stillBooting = instance.lifecycle === 'Warmed:Pending';
    const wasRunning = !stillBooting && instance.state === 'running';
    if (!wasRunning) instance.state = 'pending';
    cloud.setLifecycle(instance, 'Pending');
    group.activities.push({
      id: cloud.newActivityId(), at: cloud.now(), description: `Launching a new EC2 instance from warm pool: ${instance.id}`, status: 'Successful',
    });
    const bootMs = wasRunning ? RUNNING_DRAW_MS : cloud.ms(stillBooting ? (group.timing?.bootS ?? cloud.timing.bootS) : cloud.timing.warmStartS);
    cloud.bootIntoService(group, instance, bootMs);
  }
  return candidates.length;
}

/** Scale-in with ReuseOnScaleIn: the victim stops and goes back to the pool; false when the group has no such pool. */
export function returnToWarmPool(cloud: Cloud, group: SimGroup, instance: SimInstance): boolean {
  const pool = group.warmPool;
  if (!pool?.reuseOnScaleIn) return false;
  for (const e of instance.events) e.cancel();
  instance.events.length = 0;
  const ci = instance.ci;
  if (ci) {
    // Its containers die as for a termination: the monitors count them the same way.
    for (const l of cloud.listeners) l.onInstanceTerminating?.(instance, [...ci.tasks], ci.runningCount, ci.pendingCount);
    for (const t of [...ci.tasks]) cloud.killTask(t, `Host EC2 (instance ${instance.id}) stopped: returned to the warm pool.`);
    cloud.mutateCi(ci, () => { ci.agentConnected = false; });
  }
  group.instances.delete(instance.id);
  pool.instances.set(instance.id, instance);
  cloud.setLifecycle(instance, 'Warmed:Pending');
  group.activities.push({
    id: cloud.newActivityId(), at: cloud.now(), description: `Moving EC2 instance ${instance.id} to the warm pool (scale in)`, status: 'Successful',
  });
  settleWarmed(cloud, pool, instance, cloud.ms(cloud.timing.shutdownS));
  return true;
}

/** TerminateInstanceInAutoScalingGroup on an instance in the pool. */
export function terminateWarmInstance(cloud: Cloud, group: SimGroup, instance: SimInstance, decrement: boolean): string {
  if (decrement) {
    throw new SimAwsError('ValidationError',
      `Instance ${instance.id} is in the warm pool of ${group.name}, which is no part of its desired capacity; terminate it with ShouldDecrementDesiredCapacity=false (simulated: undocumented, conservative reading).`);
  }
  const activityId = cloud.newActivityId();
  if (isWarmLeaving(instance)) return activityId;
  group.activities.push({ id: activityId, at: cloud.now(), description: `Terminating EC2 instance in warm pool: ${instance.id}`, status: 'InProgress' });
  beginWarmTermination(cloud, group, instance);
  cloud.markGroup(group);
  return activityId;
}

/** Keeps the pool at its size: launches from the launch template as it is now, or sheds the newest. */
export function reconcileWarmPool(cloud: Cloud, group: SimGroup): void {
  const pool = group.warmPool;
  if (!pool) return;
  const live = [...pool.instances.values()].filter((i) => !isWarmLeaving(i));
  const target = warmPoolTarget(group);
  if (live.length < target && !group.suspended.has('Launch')) {
    for (let n = live.length; n < target; n++) if (!launchIntoPool(cloud, group, pool)) break;
  } else if (live.length > target) {
    const newestFirst = live.sort((a, b) => b.launchTime - a.launchTime || b.seq - a.seq);
    for (const surplus of newestFirst.slice(0, live.length - target)) beginWarmTermination(cloud, group, surplus);
  }
}

function launchIntoPool(cloud: Cloud, group: SimGroup, pool: SimWarmPool): boolean {
  const launch = cloud.resolveLaunch(group);
  if ('error' in launch) {
    group.activities.push({
      id: cloud.newActivityId(), at: cloud.now(), description: 'Launching a new EC2 instance into warm pool. Status Reason: ' + launch.error, status: 'Failed', message: launch.error,
    });
    cloud.scheduleGroupRetry(group);
    return false;
  }
  const instance = cloud.createInstance(group, launch, cloud.now());
  group.instances.delete(instance.id);
  pool.instances.set(instance.id, instance);
  cloud.setLifecycle(instance, 'Warmed:Pending');
  group.activities.push({ id: cloud.newActivityId(), at: cloud.now(), description: `Launching a new EC2 instance into warm pool: ${instance.id}`, status: 'Successful' });
  settleWarmed(cloud, pool, instance, cloud.ms(group.timing?.bootS ?? cloud.timing.bootS));
  return true;
}

/** Warmed:Pending -> the pool state, after `afterMs`: stopped at once unless the pool keeps instances running. */
function settleWarmed(cloud: Cloud, pool: SimWarmPool, instance: SimInstance, afterMs: number): void {
  instance.events.push(cloud.at(cloud.now() + afterMs, () => {
    if (instance.lifecycle !== 'Warmed:Pending' || !pool.instances.has(instance.id)) return;
    instance.state = pool.poolState === 'Running' ? 'running' : 'stopped';
    cloud.setLifecycle(instance, `Warmed:${pool.poolState}`);
  }));
}

function beginWarmTermination(cloud: Cloud, group: SimGroup, instance: SimInstance): void {
  for (const e of instance.events) e.cancel();
  instance.events.length = 0;
  cloud.setLifecycle(instance, 'Warmed:Terminating');
  instance.events.push(cloud.at(cloud.now() + cloud.ms(cloud.timing.terminateS), () => {
    cloud.setLifecycle(instance, 'Warmed:Terminating:Proceed');
    for (const l of cloud.listeners) l.onInstanceTerminating?.(instance, [], 0, 0);
    instance.state = 'shutting-down';
    instance.events.push(cloud.at(cloud.now() + cloud.ms(cloud.timing.shutdownS), () => {
      instance.state = 'terminated';
      instance.terminatedAt = cloud.now();
      cloud.setLifecycle(instance, 'Warmed:Terminated');
      group.warmPool?.instances.delete(instance.id);
      cloud.markGroup(group);
    }));
  }));
}
