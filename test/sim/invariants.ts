/**
 * Safety monitors, fed by the cloud on every state change (not sampled), so a dip that lasts one event is
 * still seen:
 * (a) an EC2 instance began shutting down while tasks were alive on it (what ECS reported, and what ran);
 * (b) per replica service, the lowest RUNNING/desired ratio seen (compare with minimumHealthyPercent);
 * (c) per group, the lowest number of InService instances with an ACTIVE, connected container instance,
 *     next to the desired capacity when monitoring started (before the rotation).
 */
import { Cloud, CloudListener } from './cloud';
import { SimGroup, SimInstance, SimService, SimTask } from './model';

export interface TerminationViolation {
  readonly at: number;
  readonly instanceId: string;
  readonly group?: string;
  /** runningTasksCount / pendingTasksCount ECS reported for its container instance at that moment. */
  readonly reportedRunning: number;
  readonly reportedPending: number;
  /** Tasks whose containers were still alive (orphaned ones are those ECS no longer accounted for). */
  readonly tasks: ReadonlyArray<{ readonly arn: string; readonly service?: string; readonly lastStatus: string; readonly orphaned: boolean }>;
}

export interface ServiceLow {
  readonly service: string;
  readonly desired: number;
  readonly minimumHealthyPercent: number;
  /** The lowest RUNNING count seen, its ratio to desired, and when. */
  lowestRunning: number;
  lowestRatio: number;
  at: number;
}

export interface GroupLow {
  readonly group: string;
  /** Desired capacity when monitoring started. */
  readonly baselineDesired: number;
  /** The lowest count of InService + ACTIVE instances seen, and when. */
  lowestServing: number;
  at: number;
  /** The highest count seen (capacity added for replacements shows here). */
  highestServing: number;
}

export class Invariants implements CloudListener {
  readonly terminationViolations: TerminationViolation[] = [];
  /** Instances that began shutting down while monitored, violations or not. */
  terminations = 0;
  /**
   * Tasks left running, unaccounted for, by DeregisterContainerInstance with force: they die with their
   * instance, so each one counts as a task killed.
   */
  tasksOrphaned = 0;
  readonly services = new Map<string, ServiceLow>();
  readonly groups = new Map<string, GroupLow>();
  private startedAt: number;

  constructor(private readonly cloud: Cloud) {
    cloud.listeners.push(this);
    this.startedAt = cloud.now();
    this.reset();
  }

  /** Starts monitoring afresh from the current state (baselines: desired capacities and counts now). */
  reset(): void {
    this.terminationViolations.length = 0;
    this.terminations = 0;
    this.tasksOrphaned = 0;
    this.services.clear();
    this.groups.clear();
    this.startedAt = this.cloud.now();
    for (const s of this.cloud.services.values()) this.onServiceChanged(s);
    for (const g of this.cloud.groups.values()) this.onGroupServingChanged(g);
  }

  onTasksOrphaned(_ci: unknown, tasks: readonly SimTask[]): void {
    this.tasksOrphaned += tasks.length;
  }

  onInstanceTerminating(instance: SimInstance, alive: readonly SimTask[], reportedRunning: number, reportedPending: number): void {
    this.terminations++;
    if (alive.length === 0 && reportedRunning === 0 && reportedPending === 0) return;
    this.terminationViolations.push({
      at: this.cloud.now(),
      instanceId: instance.id,
      group: instance.group?.name,
      reportedRunning,
      reportedPending,
      tasks: alive.map((t) => ({ arn: t.arn, service: t.service?.name, lastStatus: t.lastStatus, orphaned: t.orphaned })),
    });
  }

  onServiceChanged(s: SimService): void {
    if (s.daemon || s.desired === 0) return;
    const ratio = s.runningCount / s.desired;
    const low = this.services.get(s.name);
    if (!low) {
      this.services.set(s.name, {
        service: s.name,
        desired: s.desired,
        minimumHealthyPercent: s.minimumHealthyPercent,
        lowestRunning: s.runningCount,
        lowestRatio: ratio,
        at: this.cloud.now(),
      });
    } else if (ratio < low.lowestRatio) {
      low.lowestRatio = ratio;
      low.lowestRunning = s.runningCount;
      low.at = this.cloud.now();
    }
  }

  onGroupServingChanged(g: SimGroup): void {
    const low = this.groups.get(g.name);
    if (!low) {
      this.groups.set(g.name, {
        group: g.name,
        baselineDesired: g.desired,
        lowestServing: g.servingCount,
        highestServing: g.servingCount,
        at: this.cloud.now(),
      });
      return;
    }
    if (g.servingCount < low.lowestServing) {
      low.lowestServing = g.servingCount;
      low.at = this.cloud.now();
    }
    if (g.servingCount > low.highestServing) low.highestServing = g.servingCount;
  }

  /** Services whose RUNNING count went below their minimumHealthyPercent of desired. */
  servicesBelowMinimum(): ServiceLow[] {
    return [...this.services.values()].filter((s) => s.lowestRunning < Math.ceil((s.desired * s.minimumHealthyPercent) / 100));
  }

  /** Groups whose serving count went below `baselineDesired - allowed` (allowed: the out-of-service budget). */
  groupsBelow(allowed: number | ((baseline: number) => number) = 0): GroupLow[] {
    return [...this.groups.values()].filter((g) => g.lowestServing < g.baselineDesired - (typeof allowed === 'number' ? allowed : allowed(g.baselineDesired)));
  }

  /** Everything as plain data (for logs and JSON reports). */
  summary() {
    return {
      since: new Date(this.startedAt).toISOString(),
      terminations: this.terminations,
      terminationViolations: this.terminationViolations,
      services: [...this.services.values()].map((s) => ({ ...s })),
      groups: [...this.groups.values()].map((g) => ({ ...g })),
    };
  }
}
