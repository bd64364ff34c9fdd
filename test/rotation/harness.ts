/**
 * Drives the engine over a simulated cloud the way production does: scheduled Lambda invocations, each
 * with its own time budget and a fresh engine (nothing carried over), or one long terminal run.
 */
import { AwsApi } from '../../src/aws/ports';
import type { Action } from '../../src/engine/actions';
import { EngineSettings } from '../../src/engine/config';
import { RotationConfig } from '../../src/engine/decide/rotate';
import { FullReads } from '../../src/engine/observe/full-reads';
import { ImageCache } from '../../src/engine/observe/image-cache';
import { Clock, Round, runDeadline, runEngine, RunResult } from '../../src/engine/run';
import { DEFAULT_AMI_PARAMETERS } from '../../src/shared/ami-families';
import type { GroupSpec } from '../sim';

export const POLL_MS = 15_000;
/** The Lambda's 15 minutes less the engine's 90 s safety margin. */
export const LAMBDA_BUDGET_MS = 15 * 60_000 - 90_000;
/** The construct's default schedule. */
export const SCHEDULE_MS = 5 * 60_000;

export function settingsFor(clusterName: string, rotation: Partial<RotationConfig> = {}, extra: Partial<EngineSettings> = {}): EngineSettings {
  return {
    clusterName,
    groupNames: [],
    amiParameters: DEFAULT_AMI_PARAMETERS,
    requireClusterTag: true,
    dryRun: false,
    rotation: {
      maxUnavailable: { percent: 10 },
      drainTimeoutSeconds: 3600,
      onDrainTimeout: 'stop',
      readinessTimeoutSeconds: 1800,
      force: false,
      // As the construct's default.
      cordon: true,
      ...rotation,
    },
    ...extra,
  };
}

export interface InvocationOptions {
  readonly api: AwsApi;
  readonly clock: Clock;
  readonly settings: EngineSettings;
  /** Time each invocation may work (the Lambda's 15 minutes less the engine's margin). */
  readonly budgetMs: number;
  /** The schedule's period: invocations start on these ticks. */
  readonly periodMs: number;
  /** Stop after this much virtual time even if not settled. */
  readonly maxVirtualMs: number;
  /** Called after each invocation. */
  readonly afterInvocation?: (result: RunResult, index: number) => void;
  /** Called after every round of every invocation. */
  readonly onRound?: (round: Round) => void;
}

export interface InvocationsResult {
  readonly invocations: number;
  readonly settled: boolean;
  readonly elapsedMs: number;
  readonly results: RunResult[];
}

/**
 * Scheduled invocations until a run finds nothing in flight (one warm function: its image cache and its
 * record of full reads are kept, as the function keeps them).
 */
export async function runInvocations(options: InvocationOptions): Promise<InvocationsResult> {
  const start = options.clock.now();
  const results: RunResult[] = [];
  const imageCache = new ImageCache();
  const fullReads = new FullReads();
  for (let index = 1; options.clock.now() - start < options.maxVirtualMs; index++) {
    const invokedAt = options.clock.now();
    const result = await runEngine({
      api: options.api,
      clock: options.clock,
      settings: options.settings,
      owner: `lambda:invocation-${index}`,
      // As the function computes it: invoked on a tick, it ends just before the last tick of its budget.
      deadline: runDeadline({ startedAt: invokedAt, budgetMs: options.budgetMs, periodMs: options.periodMs, scheduledAt: invokedAt }),
      pollIntervalMs: POLL_MS,
      onRound: options.onRound,
      imageCache,
      fullReads,
    });
    results.push(result);
    options.afterInvocation?.(result, index);
    if (result.settled) {
      return { invocations: index, settled: true, elapsedMs: options.clock.now() - start, results };
    }
    // The next tick of the schedule after this run ended.
    const sinceStart = options.clock.now() - start;
    const nextTick = start + Math.ceil((sinceStart + 1) / options.periodMs) * options.periodMs;
    await options.clock.sleep(nextTick - options.clock.now());
  }
  return { invocations: results.length, settled: false, elapsedMs: options.clock.now() - start, results };
}

/** Production's cadence: scheduled Lambda invocations, each with the Lambda's budget, until settled. */
export function runScheduled(
  sim: { readonly api: AwsApi; readonly clock: Clock },
  settings: EngineSettings,
  maxVirtualMs: number,
  onRound?: (round: Round) => void,
): Promise<InvocationsResult> {
  return runInvocations({ api: sim.api, clock: sim.clock, settings, budgetMs: LAMBDA_BUDGET_MS, periodMs: SCHEDULE_MS, maxVirtualMs, onRound });
}

/**
 * Scheduled invocations on every tick for `forMs` of virtual time, whether or not a run settles: a group
 * that waits for its window has nothing in flight, and the schedule keeps coming.
 */
export async function runTicks(sim: { readonly api: AwsApi; readonly clock: Clock }, settings: EngineSettings, forMs: number) {
  const done: Array<{ at: number; action: Action }> = [];
  const rounds: Round[] = [];
  const imageCache = new ImageCache();
  const fullReads = new FullReads();
  const start = sim.clock.now();
  for (let tick = start; tick < start + forMs; tick += SCHEDULE_MS) {
    if (sim.clock.now() < tick) await sim.clock.sleep(tick - sim.clock.now());
    if (sim.clock.now() > tick) continue; // the previous run used this tick
    await runEngine({
      api: sim.api,
      clock: sim.clock,
      settings,
      owner: `lambda:${tick}`,
      deadline: runDeadline({ startedAt: tick, budgetMs: LAMBDA_BUDGET_MS, periodMs: SCHEDULE_MS, scheduledAt: tick }),
      pollIntervalMs: POLL_MS,
      imageCache,
      fullReads,
      onRound: (round) => {
        rounds.push(round);
        for (const o of round.outcomes) if (o.ok) done.push({ at: round.observed.observedAt, action: o.action });
      },
    });
  }
  return { done, rounds };
}

/** One run with a budget long enough to finish (a terminal run). */
export async function runToCompletion(api: AwsApi, clock: Clock, settings: EngineSettings, maxVirtualMs: number): Promise<RunResult> {
  return runEngine({
    api,
    clock,
    settings,
    owner: 'cli:test',
    deadline: clock.now() + maxVirtualMs,
    pollIntervalMs: POLL_MS,
  });
}

/**
 * A cluster of many shapes at once: capacity providers of two families and architectures (one in a mixed
 * instances policy, pinned), a GPU group, and a Windows group that joins by user data and is given to the
 * construct (no capacity provider, no cluster tag), booting in 10-15 minutes.
 */
export const MANY_GROUPS: readonly GroupSpec[] = [
  { name: 'al2023-x86', family: 'amazon-linux-2023', architecture: 'x86_64', instances: 12 },
  { name: 'br-arm', family: 'bottlerocket-ecs-2', architecture: 'arm64', instances: 8, mixedInstancesPolicy: true, launchTemplateVersion: '1' },
  { name: 'al2-gpu', family: 'amazon-linux-2-gpu', architecture: 'x86_64', instances: 3 },
  {
    name: 'win',
    family: 'windows-server-2022-core',
    architecture: 'x86_64',
    instances: 4,
    capacityProvider: false,
    untagged: true,
    timing: { bootS: [600, 900], registerS: [60, 120] },
  },
];
