/**
 * Canaries (`canary`): a group's first batch replaces only a few instances; their replacements serve for the
 * soak time and are judged before the rotation takes on anything else.
 */
import { Batch } from '../../shared/records';
import { Action } from '../actions';
import { isAlive } from '../members';
import { ObservedCluster, ObservedGroup } from '../model';
import { finishBatch } from './batch-record';
import { GroupRound, waitForNewWork } from './group-round';
import { GroupRotation, ImageDecision, RotationConfig, WINDOW_BUDGETS } from './rotation-types';
import { unsteadiness } from './steady';

/**
 * A group's first batch replaces only its canaries when a canary is configured and no serving instance runs
 * the target image yet (so a rotation resumed after its canaries, or a crash, never repeats them).
 */
export function canaryCount(group: ObservedGroup, decision: ImageDecision, config: RotationConfig): number | undefined {
  if (!config.canary) return undefined;
  return servesTarget(group, decision) ? undefined : Math.max(1, config.canary.count);
}

/** Some member in service is not outdated: it runs the target image. */
export function servesTarget(group: ObservedGroup, decision: ImageDecision): boolean {
  const outdated = new Set(decision.outdatedInstanceIds);
  return group.instances.some((i) => i.lifecycleState === 'InService' && !outdated.has(i.instanceId));
}

/**
 * The canaries' old instances are gone: record the soak's end, wait for it, then judge the canaries (every
 * serving instance on the target image): ACTIVE with a connected agent, every task on it RUNNING, every
 * service with a task on it steady. Healthy: the batch becomes an ordinary one and takes on the next window.
 * Unhealthy: the group stops (and, with rollbackOnFailedReplacement, is rolled back from the image).
 */
export function afterCanaries(round: GroupRound, batch: Batch, actions: Action[]): GroupRotation {
  const { observed, group, decision } = round;
  const soakUntil = batch.canary?.soakUntil;
  if (soakUntil === undefined && !servesTarget(group, decision)) {
    // Recorded, but its marks never landed (a crash between the two): nothing was replaced, so the record
    // goes and the next round starts the canaries afresh, as a batch whose marks are all gone would.
    actions.push(finishBatch(group, batch));
    return { phase: 'idle', actions, inFlight: 0, budget: round.budget };
  }
  if (soakUntil === undefined || round.now < soakUntil) return soaking(round, batch, actions);
  const problem = canaryProblem(observed, group, decision);
  return problem === undefined ? healthyCanaries(round, batch, actions) : unhealthyCanaries(round, problem, actions);
}

/** The soak's end is recorded on the batch the first time (so it spans runs), then waited for. */
function soaking(round: GroupRound, batch: Batch, actions: Action[]): GroupRotation {
  const { group, decision, config } = round;
  const soakUntil = batch.canary?.soakUntil;
  const until = soakUntil ?? round.now + (config.canary?.soakSeconds ?? 0) * 1000;
  if (soakUntil === undefined) actions.push({ kind: 'record-batch', group: group.name, batch: { ...batch, canary: { soakUntil: until } } });
  return {
    phase: 'soaking',
    waitingReason: `the canaries of ${group.name} on ${decision.targetImageId} soak until ${new Date(until).toISOString()}`,
    actions,
    inFlight: 0,
    budget: round.budget,
  };
}

/**
 * Healthy canaries: the next window is taken on as an ordinary batch. When nothing new may start now (a
 * closed window), or nothing is left, the canaries end their rotation instead.
 */
function healthyCanaries(round: GroupRound, batch: Batch, actions: Action[]): GroupRotation {
  const { group, budget } = round;
  const next = round.eligible.slice(0, WINDOW_BUDGETS * budget);
  const { canary: _done, waitingSince: _none, ...rest } = batch;
  if (next.length === 0 || round.newWorkHeld !== undefined) {
    // Judged healthy: the record goes (max size and AZRebalance restored). A later rotation takes no canary,
    // since instances on the image serve, so the judgement stands across a closed window.
    actions.push(finishBatch(group, batch));
    return next.length === 0 ? { phase: 'idle', actions, inFlight: 0, budget } : waitForNewWork(round, round.newWorkHeld!, actions);
  }
  const target = batch.base + next.length;
  actions.push({
    kind: 'start-batch',
    group: group.name,
    // Started now: its marks' readiness is counted from now, not from the canaries' start.
    batch: { ...rest, target, startedAt: round.now },
    containerInstanceArns: next.map((id) => round.byInstance.get(id)!.containerInstanceArn),
    raiseMaxTo: target > group.maxSize ? target : undefined,
  });
  return { phase: 'replacing', actions, inFlight: next.length, budget };
}

function unhealthyCanaries(round: GroupRound, problem: string, actions: Action[]): GroupRotation {
  const { group, decision, config } = round;
  if (config.rollbackOnFailedReplacement && group.currentImageId === decision.targetImageId) {
    actions.push({ kind: 'mark-failed-image', group: group.name, imageId: decision.targetImageId });
  }
  return {
    phase: 'stopped',
    stoppedReason: `the canaries of ${group.name} on ${decision.targetImageId} are unhealthy after their soak: ${problem}; ` +
      'no other instance is replaced until they are healthy',
    actions,
    inFlight: 0,
    budget: round.budget,
  };
}

function canaryProblem(observed: ObservedCluster, group: ObservedGroup, decision: ImageDecision): string | undefined {
  const outdated = new Set(decision.outdatedInstanceIds);
  const byInstance = new Map(observed.containerInstances.map((c) => [c.ec2InstanceId, c]));
  const canaries = group.instances.filter((i) => isAlive(i.lifecycleState) && !outdated.has(i.instanceId));
  if (canaries.length === 0) return `no instance of ${group.name} runs ${decision.targetImageId}`;
  for (const i of canaries) {
    const c = byInstance.get(i.instanceId);
    if (i.lifecycleState !== 'InService') return `canary ${i.instanceId} is ${i.lifecycleState}`;
    if (!c) return `canary ${i.instanceId} is not registered in the cluster`;
    if (c.status !== 'ACTIVE' || !c.agentConnected) return `canary ${i.instanceId} is ${c.status}${c.agentConnected ? '' : ' with its agent disconnected'}`;
    if (c.tasks === undefined) return `the tasks of canary ${i.instanceId} were not read`;
    const notRunning = c.tasks.find((t) => t.lastStatus !== 'RUNNING');
    if (notRunning) return `task ${notRunning.taskArn} on canary ${i.instanceId} is ${notRunning.lastStatus}`;
    for (const name of [...new Set(c.tasks.map((t) => t.service).filter((n): n is string => n !== undefined))].sort()) {
      const service = observed.services?.[name];
      const reason = service ? unsteadiness(service) : undefined;
      if (reason) return reason;
    }
  }
  return undefined;
}
