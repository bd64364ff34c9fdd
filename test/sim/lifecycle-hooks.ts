/**
 * Auto Scaling lifecycle hooks, and the two owners of termination hooks an ECS cluster built with aws-cdk-lib
 * has: ECS managed instance draining, and aws-cdk's legacy `InstanceDrainHook` Lambda.
 *
 * The hook itself ("How lifecycle hooks work in Amazon EC2 Auto Scaling groups"):
 * https://docs.aws.amazon.com/autoscaling/ec2/userguide/lifecycle-hooks-overview.html
 * - a launching instance waits in Pending:Wait, then Pending:Proceed, then InService; a terminating one waits
 *   in Terminating:Wait, then Terminating:Proceed, then Terminated;
 * - it waits until the lifecycle action is completed or the heartbeat timeout passes ("By default, the instance
 *   remains in a wait state for one hour"); RecordLifecycleActionHeartbeat restarts the timeout;
 * - on timeout the hook's DefaultResult applies. For a launch hook ABANDON terminates the instance and CONTINUE
 *   puts it in service; for a termination hook both end in termination.
 * PutLifecycleHook: HeartbeatTimeout "The range is from 30 to 7200 seconds. The default value is 3600 seconds
 * (1 hour)"; DefaultResult "The default value is ABANDON".
 * https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_PutLifecycleHook.html
 * LifecycleHook.GlobalTimeout: "The maximum time, in seconds, that an instance can remain in a wait state. The
 * maximum is 172800 seconds (48 hours) or 100 times HeartbeatTimeout, whichever is smaller."
 * https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_LifecycleHook.html
 * CompleteLifecycleAction: "Completes the lifecycle action for the specified token or instance with the
 * specified result" (CONTINUE or ABANDON).
 * https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_CompleteLifecycleAction.html
 */
import type { ScheduledEvent } from './clock';
import type { Cloud } from './cloud';
import { SimAwsError } from './errors';
import type { SimContainerInstance, SimGroup, SimInstance } from './model';

export const LAUNCHING = 'autoscaling:EC2_INSTANCE_LAUNCHING';
export const TERMINATING = 'autoscaling:EC2_INSTANCE_TERMINATING';
export type LifecycleTransition = typeof LAUNCHING | typeof TERMINATING;
export type LifecycleResult = 'CONTINUE' | 'ABANDON';

export const HEARTBEAT_DEFAULT_S = 3600;
export const HEARTBEAT_RANGE_S: readonly [number, number] = [30, 7200];
export const GLOBAL_TIMEOUT_MAX_S = 172_800;

/** Who acts on the hook's notifications: nobody (a test completes it), ECS, or aws-cdk's drain Lambda. */
export type HookOwner = 'none' | 'ecs-managed-draining' | 'cdk-instance-drain-hook';

export interface SimLifecycleHook {
  readonly name: string;
  readonly groupName: string;
  readonly transition: LifecycleTransition;
  readonly heartbeatTimeoutS: number;
  readonly defaultResult: LifecycleResult;
  readonly globalTimeoutS: number;
  readonly owner: HookOwner;
}

export interface SimLifecycleAction {
  readonly hook: SimLifecycleHook;
  readonly instance: SimInstance;
  readonly token: string;
  readonly startedAt: number;
  /** When the heartbeat timeout passes (restarted by a heartbeat, never past the global timeout). */
  timeoutAt: number;
  readonly globalTimeoutAt: number;
  timer?: ScheduledEvent;
  /** Set once completed or timed out. */
  result?: LifecycleResult;
  endedAt?: number;
  readonly endedBy?: 'complete' | 'timeout';
}

/** An ended wait, kept for tests: how long the instance waited, and how it ended. */
export interface EndedWait {
  readonly instanceId: string;
  readonly hook: string;
  readonly transition: LifecycleTransition;
  readonly waitedMs: number;
  readonly result: LifecycleResult;
  readonly by: 'complete' | 'timeout';
}

/**
 * The name ECS gives its hook is not documented; this one is the simulator's. Its heartbeat timeout and default
 * result are not documented either: the simulator takes the reading hardest on the engine, a hook that ECS keeps
 * alive by heartbeats while tasks still run, up to the 48-hour global timeout, and that continues on timeout.
 */
export const ECS_MANAGED_DRAINING_HOOK = 'ecs-managed-draining-termination-hook';
/** How often ECS (and the CDK Lambda, `time.sleep(10)`) look at a draining instance again; ECS's is not documented. */
const ECS_POLL_MS = 30_000;
const CDK_POLL_MS = 10_000;
/** Notification delivery (EventBridge or SNS -> Lambda): not documented; a second. */
const DELIVERY_MS = 1_000;

export class LifecycleHooks {
  private readonly hooks = new Map<string, SimLifecycleHook[]>();
  private readonly actions = new Map<string, SimLifecycleAction[]>();
  readonly ended: EndedWait[] = [];
  private tokens = 0;
  private readonly proceeds = new Map<SimLifecycleAction, (result: LifecycleResult) => void>();

  constructor(private readonly cloud: Cloud) {}

  /** PutLifecycleHook: creates or replaces the named hook, with its documented defaults and ranges. */
  put(group: SimGroup, spec: {
    readonly name: string;
    readonly transition: LifecycleTransition;
    readonly heartbeatTimeoutS?: number;
    readonly defaultResult?: LifecycleResult;
    readonly owner?: HookOwner;
  }): SimLifecycleHook {
    const heartbeat = spec.heartbeatTimeoutS ?? HEARTBEAT_DEFAULT_S;
    if (heartbeat < HEARTBEAT_RANGE_S[0] || heartbeat > HEARTBEAT_RANGE_S[1]) {
      throw new SimAwsError('ValidationError', `HeartbeatTimeout must be between ${HEARTBEAT_RANGE_S[0]} and ${HEARTBEAT_RANGE_S[1]}, got ${heartbeat}`);
    }
    const hook: SimLifecycleHook = {
      name: spec.name,
      groupName: group.name,
      transition: spec.transition,
      heartbeatTimeoutS: heartbeat,
      defaultResult: spec.defaultResult ?? 'ABANDON',
      globalTimeoutS: Math.min(GLOBAL_TIMEOUT_MAX_S, 100 * heartbeat),
      owner: spec.owner ?? 'none',
    };
    const list = (this.hooks.get(group.name) ?? []).filter((h) => h.name !== hook.name);
    list.push(hook);
    this.hooks.set(group.name, list);
    return hook;
  }

  remove(groupName: string, name: string): void {
    this.hooks.set(groupName, (this.hooks.get(groupName) ?? []).filter((h) => h.name !== name));
  }

  hooksOf(groupName: string): readonly SimLifecycleHook[] {
    return this.hooks.get(groupName) ?? [];
  }

  /** The open (not ended) lifecycle actions of an instance. */
  openActions(instanceId: string): readonly SimLifecycleAction[] {
    return (this.actions.get(instanceId) ?? []).filter((a) => a.result === undefined);
  }

  /**
   * The instance reaches a hooked transition. Returns false when the group has no hook for it (the caller goes
   * on at once); else every hook's action starts, and `proceed` is called once all have ended (on launch, at the
   * first ABANDON: "ABANDON stops any remaining actions").
   */
  begin(instance: SimInstance, transition: LifecycleTransition, proceed: (result: LifecycleResult) => void): boolean {
    const hooks = instance.group ? this.hooksOf(instance.group.name).filter((h) => h.transition === transition) : [];
    if (hooks.length === 0) return false;
    const now = this.cloud.now();
    const started: SimLifecycleAction[] = hooks.map((hook) => ({
      hook,
      instance,
      token: `${(this.tokens++).toString(16).padStart(8, '0')}-0000-4000-a000-${instance.id.slice(2, 14).padEnd(12, '0')}`,
      startedAt: now,
      timeoutAt: now + hook.heartbeatTimeoutS * 1000,
      globalTimeoutAt: now + hook.globalTimeoutS * 1000,
    }));
    this.actions.set(instance.id, started);
    for (const action of started) {
      this.arm(action, proceed);
      this.notifyOwner(action);
    }
    return true;
  }

  /** CompleteLifecycleAction, by instance id or token. */
  complete(groupName: string, hookName: string, ref: { readonly instanceId?: string; readonly token?: string }, result: LifecycleResult): void {
    const action = this.find(groupName, hookName, ref);
    this.end(action, result, 'complete');
  }

  /** RecordLifecycleActionHeartbeat: the timeout restarts, but never runs past the global timeout. */
  heartbeat(groupName: string, hookName: string, ref: { readonly instanceId?: string; readonly token?: string }): void {
    const action = this.find(groupName, hookName, ref);
    action.timeoutAt = Math.min(this.cloud.now() + action.hook.heartbeatTimeoutS * 1000, action.globalTimeoutAt);
    this.rearm(action);
  }

  /** The instance is gone (shut down outside its hooks): its actions end without effect. */
  forget(instance: SimInstance): void {
    for (const a of this.actions.get(instance.id) ?? []) {
      a.timer?.cancel();
      // Ended without effect: the owners' polls stop on it.
      a.result ??= 'CONTINUE';
      a.endedAt ??= this.cloud.now();
      this.proceeds.delete(a);
    }
    this.actions.delete(instance.id);
  }

  private arm(action: SimLifecycleAction, proceed: (result: LifecycleResult) => void): void {
    this.proceeds.set(action, proceed);
    this.rearm(action);
  }

  private rearm(action: SimLifecycleAction): void {
    action.timer?.cancel();
    action.timer = this.cloud.at(action.timeoutAt, () => this.end(action, action.hook.defaultResult, 'timeout'));
  }

  private end(action: SimLifecycleAction, result: LifecycleResult, by: 'complete' | 'timeout'): void {
    if (action.result !== undefined) return;
    action.timer?.cancel();
    action.result = result;
    action.endedAt = this.cloud.now();
    (action as { endedBy?: string }).endedBy = by;
    this.ended.push({
      instanceId: action.instance.id,
      hook: action.hook.name,
      transition: action.hook.transition,
      waitedMs: action.endedAt - action.startedAt,
      result,
      by,
    });
    const proceed = this.proceeds.get(action);
    this.proceeds.delete(action);
    const siblings = this.actions.get(action.instance.id) ?? [];
    const abandonLaunch = action.hook.transition === LAUNCHING && result === 'ABANDON';
    if (abandonLaunch) {
      for (const s of siblings) if (s.result === undefined) s.timer?.cancel();
      for (const s of siblings) this.proceeds.delete(s);
    } else if (siblings.some((s) => s.result === undefined)) {
      return;
    }
    this.actions.delete(action.instance.id);
    const anyAbandon = siblings.some((s) => s.result === 'ABANDON');
    proceed?.(action.hook.transition === LAUNCHING && anyAbandon ? 'ABANDON' : 'CONTINUE');
  }

  private find(groupName: string, hookName: string, ref: { readonly instanceId?: string; readonly token?: string }): SimLifecycleAction {
    if (!this.hooksOf(groupName).some((h) => h.name === hookName)) {
      throw new SimAwsError('ValidationError', `No Lifecycle Hook found with name ${hookName} for group ${groupName}`);
    }
    for (const list of this.actions.values()) {
      for (const a of list) {
        if (a.result !== undefined || a.hook.name !== hookName || a.hook.groupName !== groupName) continue;
        if ((ref.token && a.token === ref.token) || (!ref.token && ref.instanceId && a.instance.id === ref.instanceId)) return a;
      }
    }
    // The wording of this error is Auto Scaling's as users report it; its code is a ValidationError.
    throw new SimAwsError('ValidationError', `No active Lifecycle Action found with instance ID ${ref.instanceId ?? ref.token ?? ''}`);
  }

  private notifyOwner(action: SimLifecycleAction): void {
    if (action.hook.transition !== TERMINATING) return;
    if (action.hook.owner === 'ecs-managed-draining') this.cloud.at(this.cloud.now() + DELIVERY_MS, () => this.ecsDrain(action));
    if (action.hook.owner === 'cdk-instance-drain-hook') this.cloud.at(this.cloud.now() + DELIVERY_MS, () => this.cdkDrainLambda(action));
  }

  /**
   * ECS managed instance draining: "Amazon ECS managed instance draining works with Auto Scaling group instance
   * replacements ... Auto Scaling group scale-in"; ECS drains the container instance and lets the termination
   * go on once its tasks are gone.
   * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/managed-instance-draining.html
   * Not documented: what ECS does with a container instance it no longer accounts for (deregistered). It counts
   * no task there, so the simulator lets the termination go on, and tasks orphaned on it die with the instance.
   */
  private ecsDrain(action: SimLifecycleAction): void {
    if (action.result !== undefined) return;
    const ci = liveContainerInstance(action.instance);
    if (ci && ci.status === 'ACTIVE') this.cloud.setCiStatus(ci, 'DRAINING');
    if (!ci || accountedTasks(ci) === 0) {
      this.complete(action.hook.groupName, action.hook.name, { token: action.token }, 'CONTINUE');
      return;
    }
    if (this.cloud.now() + ECS_POLL_MS < action.globalTimeoutAt) this.heartbeat(action.hook.groupName, action.hook.name, { token: action.token });
    this.cloud.at(this.cloud.now() + ECS_POLL_MS, () => this.ecsDrain(action));
  }

  /**
   * aws-cdk's `InstanceDrainHook` Lambda (aws-cdk-lib `aws-ecs/lib/drain-hook/lambda-source/index.py`): it looks
   * the container instance up with ListContainerInstances (`ec2InstanceId==<id>`, which lists no INACTIVE
   * instance) and RETURNS WITHOUT COMPLETING the lifecycle action when there is none; else it sets the instance
   * DRAINING, re-checks every 10 s until no task on it is left, and completes with CONTINUE. The Lambda's own
   * timeout is min(drain time + 10 s, 900 s); when it runs out first nothing completes the action. The hook
   * (`instance-drain-hook.ts`) has HeartbeatTimeout = the drain time (5 minutes unless given) and DefaultResult
   * CONTINUE, so such an instance sits in Terminating:Wait for the whole heartbeat timeout, then terminates.
   * ListContainerInstances `status`: "If you don't specify this parameter, the default is to include container
   * instances set to all states other than INACTIVE."
   * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ListContainerInstances.html
   */
  private cdkDrainLambda(action: SimLifecycleAction): void {
    const ci = liveContainerInstance(action.instance);
    if (!ci) return; // `if not instance_arn: return`
    const invokedAt = this.cloud.now();
    const lambdaTimeoutMs = Math.min(action.hook.heartbeatTimeoutS + 10, 900) * 1000;
    const tasks = [...ci.tasks].filter((t) => !t.orphaned && t.desiredStatus === 'RUNNING');
    const check = (): void => {
      if (action.result !== undefined) return;
      let busy: boolean;
      if (ci.status === 'INACTIVE') {
        busy = false; // DescribeContainerInstances still answers; its counts are 0
      } else if (ci.status === 'ACTIVE') {
        this.cloud.setCiStatus(ci, 'DRAINING');
        busy = true;
      } else {
        const live = tasks.filter((t) => t.lastStatus !== 'STOPPED' && !t.orphaned).length;
        busy = (live > 0 ? live + ci.pendingCount : ci.runningCount + ci.pendingCount) > 0;
      }
      if (!busy) {
        this.complete(action.hook.groupName, action.hook.name, { token: action.token }, 'CONTINUE');
        return;
      }
      if (this.cloud.now() + CDK_POLL_MS - invokedAt >= lambdaTimeoutMs) return; // the Lambda times out
      this.cloud.at(this.cloud.now() + CDK_POLL_MS, check);
    };
    check();
  }
}

function liveContainerInstance(instance: SimInstance): SimContainerInstance | undefined {
  const ci = instance.ci;
  return ci && ci.status !== 'INACTIVE' ? ci : undefined;
}

/** Tasks ECS accounts for on the instance: alive and not orphaned. */
function accountedTasks(ci: SimContainerInstance): number {
  let n = 0;
  for (const t of ci.tasks) if (!t.orphaned && t.lastStatus !== 'STOPPED') n++;
  return n;
}
