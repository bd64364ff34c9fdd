/**
 * A group's members as every part of the engine counts them: which are still alive, which the engine has
 * marked, and the one order in which marked instances drain. Pure; shared by the decision (which drains them)
 * and the observation (which reads the tasks of those about to drain), so the two can never disagree.
 */
import { GroupInstance, ObservedContainerInstance } from './model';
import { Phase, decodePhase } from '../shared/records';

/**
 * Whether an Auto Scaling lifecycle state is a live member: a terminated instance stays listed in its group
 * (Terminating, Terminating:Wait, Terminated) for a while, and a detached one (Detaching, Detached) is leaving;
 * neither is old or new capacity any more.
 */
export function isAlive(lifecycleState: string): boolean {
  return !lifecycleState.startsWith('Terminating') && lifecycleState !== 'Terminated' && !lifecycleState.startsWith('Detach');
}

/** A member the engine marked for replacement: its container instance carries a phase. */
export interface MarkedMember {
  readonly instance: GroupInstance;
  readonly container: ObservedContainerInstance;
  readonly phase: Phase;
}

/** The marked ones among `members`, in their order. */
export function markedMembers(
  members: readonly GroupInstance[],
  byInstance: ReadonlyMap<string, ObservedContainerInstance>,
): MarkedMember[] {
  const marked: MarkedMember[] = [];
  for (const instance of members) {
    const container = byInstance.get(instance.instanceId);
    const phase = decodePhase(container?.phase);
    if (container !== undefined && phase !== undefined) marked.push({ instance, container, phase });
  }
  return marked;
}

/** When a mark was made: its phase says, else (a mark written before phases carried it) the batch's start. */
export function markedAt(phase: Phase, batchStartedAt: number): number {
  return phase.since ?? batchStartedAt;
}

/**
 * The order in which marked instances still serving (ACTIVE) drain: those whose drain was decided already
 * first (marked draining, but the state call did not land), then the longest marked, whose replacements are
 * the oldest. Ties keep the members' order.
 */
export function drainOrder<M extends Pick<MarkedMember, 'container' | 'phase'>>(marked: readonly M[], batchStartedAt: number): M[] {
  const serving = marked.filter((m) => m.container.status === 'ACTIVE');
  const decided = serving.filter((m) => m.phase.kind === 'draining');
  const replacing = serving.filter((m) => m.phase.kind === 'replacing')
    .sort((a, b) => markedAt(a.phase, batchStartedAt) - markedAt(b.phase, batchStartedAt));
  return [...decided, ...replacing];
}
