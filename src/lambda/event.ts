/**
 * The invocation event: an EventBridge scheduled event, or a manual invocation `{ "force": true }`.
 * Anything else is refused before any AWS call.
 */
import type { PlanTotals } from '../engine/decide/plan';

export interface RunRequest {
  /** Replace instances even when they already run the target image. */
  readonly force: boolean;
  /** A scheduled event's tick (epoch ms), when it carries a readable `time`. */
  readonly scheduledAt?: number;
  /** Invoked by the schedule (an operator's manual invocation reads the whole cluster every time). */
  readonly scheduled: boolean;
}

export interface RunSummary {
  readonly cluster: string;
  readonly dryRun: boolean;
  /** Observe-plan-act rounds this run made. */
  readonly rounds: number;
  /** Nothing is in flight: every group is up to date, refused or stopped. */
  readonly settled: boolean;
  /** Set when another engine held the cluster's lease, so this run only observed. */
  readonly leaseHolder?: string;
  readonly groups: ReadonlyArray<{
    readonly name: string;
    readonly status: string;
    readonly reason?: string;
    readonly phase?: string;
    readonly targetImageId?: string;
    readonly outdatedInstances: number;
  }>;
  readonly actions: ReadonlyArray<{ readonly kind: string; readonly group: string; readonly ok: boolean; readonly error?: string }>;
  /** Container instances outside every managed group, and whether the opt-in policy replaces each (why not). */
  readonly unmanagedInstances: ReadonlyArray<{ readonly instanceId: string; readonly replaceable: boolean; readonly reason?: string }>;
  readonly totals: PlanTotals;
}

export class EventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EventError';
  }
}

const MANUAL_KEYS = new Set(['force']);

export function parseEvent(event: unknown): RunRequest {
  if (event === undefined || event === null) return { force: false, scheduled: false };
  if (typeof event !== 'object' || Array.isArray(event)) {
    throw new EventError(`the event must be a JSON object (a scheduled event or {"force": true}), got ${JSON.stringify(event)}`);
  }
  const record = event as Record<string, unknown>;
  if (record['detail-type'] === 'Scheduled Event' || record.source === 'aws.events' || record.source === 'aws.scheduler') {
    const scheduledAt = typeof record.time === 'string' ? Date.parse(record.time) : NaN;
    return Number.isNaN(scheduledAt) ? { force: false, scheduled: true } : { force: false, scheduled: true, scheduledAt };
  }
  const unknown = Object.keys(record).filter((k) => !MANUAL_KEYS.has(k));
  if (unknown.length > 0) {
    throw new EventError(`the event has unknown field(s) ${unknown.join(', ')}; a manual invocation accepts only: ${[...MANUAL_KEYS].join(', ')}`);
  }
  if (record.force !== undefined && typeof record.force !== 'boolean') {
    throw new EventError(`the event's 'force' is ${JSON.stringify(record.force)}; allowed: true or false`);
  }
  return { force: record.force === true, scheduled: false };
}
