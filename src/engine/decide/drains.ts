/**
 * Which marked instances are taken out of service this round: at most the budget at once, and only while the
 * instances that keep serving stay at the group's desired capacity before the rotation; fewer while another
 * group's outdated instances cannot be cordoned, or while cordons leave constrained services little room; none
 * while the services they would move are not steady (`waitForSteadyServices`).
 */
import { Batch } from '../../shared/records';
import { Action, Terminate } from '../actions';
import { drainOrder, MarkedMember, markedAt } from '../members';
import { latestRecord } from './batch-record';
import { cordonRound } from './cordons';
import { GroupRound } from './group-round';
import { readinessStop, replacementsOverdue } from './readiness';
import { GroupRotation } from './rotation-types';
import { steadyHold } from './steady';

/** The room this round has for new drains, and what it was measured from. */
export interface DrainRoom {
  /** Marked instances still serving that may drain, in the order they drain (see `drainOrder`). */
  readonly candidates: readonly MarkedMember[];
  /** Marked replacing but out of service already (someone drained it): recorded as draining at no cost in capacity. */
  readonly outOfService: readonly MarkedMember[];
  /** Marked instances out of service that are not going this round: the budget counts them. */
  readonly drainingNow: number;
  /** Members InService whose container instance is ACTIVE with its agent connected. */
  readonly serving: number;
  /** How many more may drain now. */
  readonly room: number;
  /** What the group's own capacity allows: a hold for another group does not excuse replacements that never came. */
  readonly ownRoom: number;
}

export function drainRoom(round: GroupRound, batch: Batch, terminations: readonly Terminate[]): DrainRoom {
  const { config, marked } = round;
  const leaving = new Set(terminations.map((t) => t.instanceId));
  const outOfService = marked.filter((m) => m.phase.kind === 'replacing' && m.container.status !== 'ACTIVE');
  const drainingNow = marked.filter((m) => m.container.status !== 'ACTIVE' && !leaving.has(m.instance.instanceId)).length;
  const serving = round.alive.filter((i) => {
    if (i.lifecycleState !== 'InService') return false;
    const container = round.byInstance.get(i.instanceId);
    return container?.status === 'ACTIVE' && container.agentConnected;
  }).length;
  const ownRoom = Math.min(serving - batch.base, round.budget - drainingNow);
  let room = config.drainsWaitFor !== undefined ? 0 : ownRoom;
  if (config.cordon) {
    // Constrained services can place drained tasks only on instances not cordoned: drain no more instances
    // than there are such instances left (counting the cordons this round writes, see cordonRound).
    room = Math.min(room, cordonRound(round.observed, round.group, round.decision).uncordonedServing);
  }
  return { candidates: drainOrder(marked, batch.startedAt), outOfService, drainingNow, serving, room, ownRoom };
}

/** The drains this round starts, and why the next ones wait for steady services, if they do. */
export interface StartedDrains {
  readonly toDrain: readonly MarkedMember[];
  /** Why the picked instances wait for their services (`waitForSteadyServices`). */
  readonly steadyWait?: string;
}

/**
 * Drain the first candidates the room allows, unless their services are not steady: then the next drain
 * waits, since a time recorded on the batch (so the timeout spans runs), and past the steady-services timeout
 * the group stops.
 */
export function startDrains(round: GroupRound, batch: Batch, drains: DrainRoom, actions: Action[]): StartedDrains | GroupRotation {
  const { group, config, now } = round;
  const picked = drains.candidates.slice(0, Math.max(0, drains.room));
  const hold = picked.length > 0 ? steadyHold(round.observed, group, picked, config) : undefined;
  if (hold !== undefined) {
    const since = batch.waitingSince ?? now;
    const timeout = config.steadyServicesTimeoutSeconds ?? config.drainTimeoutSeconds;
    if (now - since > timeout * 1000) return steadyServicesStop(round, hold, timeout, actions);
    if (batch.waitingSince === undefined) actions.push({ kind: 'record-batch', group: group.name, batch: { ...latestRecord(batch, actions), waitingSince: now } });
  } else if (picked.length > 0 && batch.waitingSince !== undefined) {
    const { waitingSince: _cleared, ...rest } = latestRecord(batch, actions);
    actions.push({ kind: 'record-batch', group: group.name, batch: rest });
  }
  const toDrain = [...drains.outOfService, ...(hold === undefined ? picked : [])];
  if (toDrain.length > 0) {
    actions.push({
      kind: 'drain',
      group: group.name,
      containerInstanceArns: toDrain.map((m) => m.container.containerInstanceArn),
      alreadyMarked: toDrain.filter((m) => m.phase.kind === 'draining').map((m) => m.container.containerInstanceArn),
      since: now,
    });
  }
  return { toDrain, steadyWait: hold };
}

function steadyServicesStop(round: GroupRound, hold: string, timeout: number, actions: readonly Action[]): GroupRotation {
  return {
    phase: 'stopped',
    stoppedReason: `${hold}, ${timeout} s after drains began waiting for it; nothing more is drained in ${round.group.name} until it is steady`,
    // No instance is marked now, so a termination gives its slot back (decrements), as in guarded().
    actions: actions.filter((a) => (a.kind !== 'terminate' || !a.forced) && a.kind !== 'mark-more')
      .map((a) => (a.kind === 'terminate' && a.decrement === false ? { ...a, decrement: true } : a)),
    inFlight: round.marked.length,
    budget: round.budget,
  };
}

/**
 * The readiness stop of a batch: nothing drains or leaves this round, the marks wait for replacement capacity
 * (held for another group's cordons with room of its own, this group's replacements are not what keeps the
 * drains from starting; without room of its own, they are), and the longest-waiting mark's has not served
 * within the readiness timeout.
 */
export function batchReadinessStop(
  round: GroupRound,
  batch: Batch,
  drains: DrainRoom,
  terminations: readonly Terminate[],
  actions: Action[],
): GroupRotation | undefined {
  const { config } = round;
  const waitsForCapacity = drains.room <= 0 && (config.drainsWaitFor === undefined || drains.ownRoom <= 0);
  const nothingMoves = drains.drainingNow === 0 && terminations.length === 0;
  const oldestMark = drains.candidates.length > 0 ? Math.min(...drains.candidates.map((m) => markedAt(m.phase, batch.startedAt))) : undefined;
  if (!waitsForCapacity || !nothingMoves || !replacementsOverdue(oldestMark, round.now, config.readinessTimeoutSeconds)) return undefined;
  return readinessStop(round, batch, drains.serving, actions);
}
