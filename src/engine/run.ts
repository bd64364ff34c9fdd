/**
 * The reconciler. Each round observes the cluster afresh, plans, and (holding the lease) acts; it keeps
 * going while a rotation is in flight and its time budget allows, then returns. Nothing is carried from
 * one run to the next except what it wrote on AWS resources, so any run can pick up where another left.
 */
import type { ActionOutcome } from './act/act';
import type { EngineSettings } from './config';
import { RunLease } from './lease';
import { FullReads, ImageCache } from './observe/observe';
import { playRound, Round } from './round';
import type { AwsApi } from '../aws/ports';
import type { Lease } from '../shared/records';

/** What the run tells `onRound` of each round (defined with the round). */
export type { Round };

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export interface EngineOptions {
  readonly api: AwsApi;
  readonly clock: Clock;
  readonly settings: EngineSettings;
  /** Who holds the lease: `lambda:<request id>`, `cli:<host>:<pid>`. */
  readonly owner: string;
  /** Epoch ms after which no new round starts. */
  readonly deadline: number;
  /** Between rounds while a rotation is in flight. */
  readonly pollIntervalMs: number;
  /** Told of every round, e.g. to log or print progress. */
  readonly onRound?: (round: Round) => void;
  /** Kept by the caller across runs of one process (a warm Lambda); a run without one reads every image. */
  readonly imageCache?: ImageCache;
  /**
   * Kept by the caller across runs of one process (a warm Lambda): between full reads, an idle cluster is
   * confirmed with a few calls (see observe.ts). A run without one reads every container instance.
   */
  readonly fullReads?: FullReads;
}

export interface RunResult {
  readonly rounds: number;
  readonly last: Round;
  /** True when no group has work in flight or pending (everything is up to date, refused or stopped). */
  readonly settled: boolean;
  readonly outcomes: readonly ActionOutcome[];
  readonly leaseHolder?: Lease;
}

/**
 * When a scheduled run stops. Invocations come every `periodMs` and the function runs one at a time
 * (reserved concurrency 1), so a tick that finds a run still going is throttled; Lambda retries the event
 * only for its maximum age (one minute, as the construct sets it, so events do not pile up) and then drops
 * it: a run that used its whole budget would leave the cluster unattended until the tick after. Ending
 * instead just before the last tick inside the budget hands over to the next invocation at once.
 */
export function runDeadline(options: {
  readonly startedAt: number;
  readonly budgetMs: number;
  /** The schedule's period, when it has one (a rate expression); undefined for cron schedules. */
  readonly periodMs?: number;
  /** The tick this invocation was scheduled for; defaults to its start. */
  readonly scheduledAt?: number;
}): number {
  const end = options.startedAt + Math.max(0, options.budgetMs);
  const { periodMs } = options;
  if (periodMs === undefined || periodMs <= 0) return end;
  const tick = options.scheduledAt !== undefined && options.scheduledAt <= options.startedAt && options.startedAt - options.scheduledAt < periodMs
    ? options.scheduledAt : options.startedAt;
  const lastTick = tick + Math.floor((end - tick) / periodMs) * periodMs;
  return lastTick - HANDOVER_MS > options.startedAt ? Math.min(end, lastTick - HANDOVER_MS) : end;
}

/** How long before the next tick a scheduled run ends, so the tick finds the function free. */
export const HANDOVER_MS = 5_000;

/** Plays rounds until nothing is in flight, another actor holds the lease, or the deadline is near. */
export async function runEngine(options: EngineOptions): Promise<RunResult> {
  const { api, clock, settings } = options;
  const imageCache = options.imageCache ?? new ImageCache();
  const lease = new RunLease(api, options.owner, () => clock.now());
  const outcomes: ActionOutcome[] = [];
  try {
    for (let index = 1; ; index++) {
      const { round, busy } = await playRound({
        api, settings, index, lease, now: clock.now(), clock: () => clock.now(), imageCache, fullReads: options.fullReads,
      });
      outcomes.push(...round.outcomes);
      options.onRound?.(round);
      if (settings.dryRun || round.leaseHolder || !busy) {
        return { rounds: index, last: round, settled: !busy, outcomes, leaseHolder: round.leaseHolder };
      }
      if (clock.now() + options.pollIntervalMs >= options.deadline) {
        return { rounds: index, last: round, settled: false, outcomes };
      }
      await clock.sleep(options.pollIntervalMs);
    }
  } finally {
    await lease.release();
  }
}
