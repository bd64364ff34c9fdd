/**
 * The invocation event: an EventBridge scheduled event, or a manual invocation `{ "force": true }`.
 * Anything else is refused before any AWS call.
 */
export interface RunRequest {
  /** Replace instances even when they already run the target image. */
  readonly force: boolean;
  /** A scheduled event's tick (epoch ms), when it carries a readable `time`. */
  readonly scheduledAt?: number;
  /** Invoked by the schedule (an operator's manual invocation reads the whole cluster every time). */
  readonly scheduled: boolean;
}

/** The Lambda's response (built by the engine's report). */
export type { RunSummary } from '../engine/report';

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
