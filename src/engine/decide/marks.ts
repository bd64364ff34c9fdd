/**
 * Marks: which outdated instances the next marks take, how many the window has room for, and which are passed
 * over because they run standalone tasks (`skipInstancesWithStandaloneTasks`).
 */
import { canaryCount } from './canary';
import { groupRound, outdatedServing, standaloneTasksOn } from './group-round';
import { GroupRotation, ImageDecision, RotationConfig, SkippedInstance, WINDOW_BUDGETS } from './rotation-types';
import { decodePhase } from '../../shared/records';
import { ObservedCluster, ObservedContainerInstance, ObservedGroup } from '../model';

/**
 * The outdated instances the next marks would take, in the order they are taken, and how many the window
 * has room for this round: the instances whose tasks `skipInstancesWithStandaloneTasks` reads before marking
 * (observe.ts reads them in this order until that many are free of standalone tasks). None while nothing
 * new may start (a closed window, an image not adopted yet) or the window is full.
 */
export function markCandidates(
  observed: ObservedCluster,
  group: ObservedGroup,
  decision: ImageDecision,
  config: RotationConfig,
): { readonly candidates: readonly ObservedContainerInstance[]; readonly room: number } {
  const round = groupRound(observed, group, decision, config);
  if (round.newWorkHeld !== undefined) return { candidates: [], room: 0 };
  const { batch, budget, marked } = round;
  let room: number;
  if (!batch) room = marked.length > 0 ? 0 : (canaryCount(group, decision, config) ?? WINDOW_BUDGETS * budget);
  else if (batch.canary) room = marked.length === 0 ? WINDOW_BUDGETS * budget : 0;
  // Draining instances may be terminated this round, each handing its slot to the next mark.
  else room = batch.target - batch.base - marked.length + marked.filter((m) => m.container.status === 'DRAINING').length;
  return { candidates: round.takeable, room: Math.max(0, room) };
}

/**
 * With `skipInstancesWithStandaloneTasks`, the outdated instances passed over (their tasks read, standalone
 * ones among them), each with why; a group with nothing else to do waits for them.
 */
export function withSkipped(
  observed: ObservedCluster,
  group: ObservedGroup,
  decision: ImageDecision,
  config: RotationConfig,
  rotation: GroupRotation,
): GroupRotation {
  if (!config.skipInstancesWithStandaloneTasks) return rotation;
  const byInstance = new Map(observed.containerInstances.map((c) => [c.ec2InstanceId, c]));
  const marked = new Set(observed.containerInstances.filter((c) => decodePhase(c.phase) !== undefined).map((c) => c.ec2InstanceId));
  const skipped = outdatedServing(group, decision, byInstance, marked).flatMap((c): SkippedInstance[] => {
    const standalone = standaloneTasksOn(c) ?? [];
    if (standalone.length === 0) return [];
    const ids = standalone.map((t) => t.taskArn.slice(t.taskArn.lastIndexOf('/') + 1));
    return [{ instanceId: c.ec2InstanceId, reason: `runs standalone task(s) ${ids.join(', ')}; it is replaced once they end` }];
  });
  if (skipped.length === 0) return rotation;
  if (rotation.phase !== 'idle') return { ...rotation, skipped };
  return {
    ...rotation,
    skipped,
    phase: 'waiting',
    waitingReason: `the outdated instance(s) left run standalone tasks (${skipped.map((s) => s.instanceId).join(', ')}); ` +
      'each is replaced once its standalone tasks end',
    waitingOn: 'standalone-tasks',
  };
}
