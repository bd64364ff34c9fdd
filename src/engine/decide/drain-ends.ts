/**
 * The end of a drain: an instance ECS reports empty is terminated (and deregistered); one whose drain outlasts
 * the drain timeout is terminated anyway only if the user chose to force, else its group stops. Standalone
 * tasks still on it after their grace period are stopped.
 */
import { Phase } from '../../shared/records';
import { StopTasks, Terminate } from '../actions';
import { MarkedMember } from '../members';
import { ObservedContainerInstance } from '../model';
import { GroupRound } from './group-round';
import { deregistersAtTermination } from './lifecycle-hooks';
import { RotationConfig } from './rotation-types';

/** How far the drain of a DRAINING instance has come. */
export interface DrainProgress {
  /** ECS counts no running or pending task on it, and no task on it is still stopping. */
  readonly empty: boolean;
  /** The tasks still on it: ECS's count, else those still stopping. */
  readonly remaining: number;
  /** When its drain started (epoch ms). */
  readonly since: number;
  /** It has drained longer than the drain timeout. */
  readonly timedOut: boolean;
  /** It may be terminated now: empty, or timed out and `onDrainTimeout` is `force`. */
  readonly terminable: boolean;
}

export function drainProgress(
  container: ObservedContainerInstance,
  phase: Phase | undefined,
  now: number,
  config: Pick<RotationConfig, 'drainTimeoutSeconds' | 'onDrainTimeout'>,
): DrainProgress {
  // Empty means ECS counts no running or pending task AND no task on it is still stopping (liveTasks,
  // read for exactly this); an instance whose tasks were not checked is never taken for empty.
  const counted = container.runningTasksCount + container.pendingTasksCount;
  const empty = counted === 0 && container.liveTasks === 0;
  const remaining = counted > 0 ? counted : (container.liveTasks ?? 0);
  const since = phase?.kind === 'draining' ? phase.since : now;
  const timedOut = now - since > config.drainTimeoutSeconds * 1000;
  return { empty, remaining, since, timedOut, terminable: empty || (timedOut && config.onDrainTimeout === 'force') };
}

/** What this round's ended drains terminate, and why the group stops if a drain outlasted its timeout. */
export interface EndedDrains {
  readonly terminations: readonly Terminate[];
  readonly stoppedReason?: string;
  /** Standalone tasks to stop on instances that go on draining. */
  readonly stopTasks: readonly StopTasks[];
}

/** First what may be terminated, and whether a drain outlasted its timeout: a stopped group drains nothing more. */
export function endedDrains(round: GroupRound): EndedDrains {
  const { group, config, now } = round;
  const terminations: Terminate[] = [];
  const stopTasks: StopTasks[] = [];
  let stoppedReason: string | undefined;
  for (const m of round.marked.filter((x) => x.phase.kind === 'draining' && x.container.status === 'DRAINING')) {
    const drain = drainProgress(m.container, m.phase, now, config);
    if (drain.terminable) {
      terminations.push(termination(round, m, drain));
    } else {
      const stop = standaloneToStop(m.instance.instanceId, m.container, drain.since, now, round.decision.targetImageId, group.name, config);
      if (stop) stopTasks.push(stop);
    }
    if (!drain.empty && drain.timedOut && config.onDrainTimeout !== 'force') {
      stoppedReason ??=
        `instance ${m.instance.instanceId} still runs ${drain.remaining} task(s) after the ${config.drainTimeoutSeconds} s drain timeout; ` +
        `nothing more is terminated in ${group.name} until its tasks stop (or onDrainTimeout is set to force)`;
    }
  }
  return { terminations, stoppedReason, stopTasks };
}

function termination(round: GroupRound, m: MarkedMember, drain: DrainProgress): Terminate {
  return {
    kind: 'terminate',
    group: round.group.name,
    instanceId: m.instance.instanceId,
    // Deregistered at once only when empty and no termination hook's owner will look for it (termination-waits.ts).
    ...(drain.empty && deregistersAtTermination(round.group) ? { containerInstanceArn: m.container.containerInstanceArn } : {}),
    forced: !drain.empty,
    runningTasks: drain.remaining,
  };
}

/**
 * Standalone tasks (no service) still on a drained instance after the grace period: stopped, with a reason
 * ECS keeps on each task. Undefined when the policy is to wait, or there is nothing to stop.
 */
function standaloneToStop(
  instanceId: string,
  container: ObservedContainerInstance,
  since: number,
  now: number,
  imageId: string,
  group: string,
  config: RotationConfig,
): StopTasks | undefined {
  const grace = config.stopStandaloneTasksAfterSeconds;
  if (grace === undefined || now - since < grace * 1000 || container.tasks === undefined) return undefined;
  const standalone = container.tasks.filter((t) => t.service === undefined);
  if (standalone.length === 0) return undefined;
  return {
    kind: 'stop-tasks',
    group,
    instanceId,
    containerInstanceArn: container.containerInstanceArn,
    taskArns: standalone.map((t) => t.taskArn),
    reason: `ecs-ami-refresher: instance ${instanceId} is replaced by one on ${imageId}; standalone tasks are stopped after ${grace} s of drain`,
  };
}
