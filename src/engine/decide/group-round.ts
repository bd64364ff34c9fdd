/**
 * What one round's decision for one group reads, derived once from the observation: every step of the
 * decision (decide.ts) takes it, so none recomputes what another already knows.
 */
import { Batch, BATCH_TAG, decodeBatch, decodeEpoch, decodePassedOver, PASSED_OVER_TAG, REPLACE_BEFORE_TAG } from '../../shared/records';
import { Action } from '../actions';
import { budgetFor } from '../budget';
import { isAlive, MarkedMember, markedMembers } from '../members';
import { GroupInstance, ObservedCluster, ObservedContainerInstance, ObservedGroup } from '../model';
import { GroupRotation, ImageDecision, RotationConfig, WaitingOn } from './rotation-types';
import { maintenanceWindowClosed } from './waits';

/** Why nothing new may start this round (no rotation, no mark, no launch template change). */
export interface NewWorkHold {
  readonly reason: string;
  readonly on: WaitingOn;
}

export interface GroupRound {
  readonly observed: ObservedCluster;
  readonly group: ObservedGroup;
  readonly decision: ImageDecision;
  readonly config: RotationConfig;
  /** The observation's time: the decision has no clock of its own. */
  readonly now: number;
  /** Container instances by EC2 instance id. */
  readonly byInstance: ReadonlyMap<string, ObservedContainerInstance>;
  /** The group's live members (see `isAlive`). */
  readonly alive: readonly GroupInstance[];
  /** The rotation's record on the group, while one is in flight. */
  readonly batch?: Batch;
  /** Live members the engine marked for replacement. */
  readonly marked: readonly MarkedMember[];
  /** Instances out of service at once, from the desired capacity the rotation started from. */
  readonly budget: number;
  /** The time a forced run recorded on the group: instances launched before it are replaced. */
  readonly replaceBefore?: number;
  /**
   * Outside every maintenance window, or while the parameter's image is too young to adopt and the group has
   * no other target: why nothing new starts. What is in flight finishes: marked instances drain and are
   * terminated, and the rotation ends once they are gone.
   */
  readonly newWorkHeld?: NewWorkHold;
  /** Only instances serving in the cluster are taken on; one still booting is looked at when it is up. */
  readonly takeable: readonly ObservedContainerInstance[];
  /**
   * The takeable instances a mark may take now, by EC2 id. With skipInstancesWithStandaloneTasks, only those
   * whose tasks were read and include no standalone one (outside a window none is read: whether work waits for
   * it is judged on every takeable instance).
   */
  readonly eligible: readonly string[];
  /**
   * Instances AWS refused a write about for good (EC2 id -> error code, recorded on the group): neither counted
   * as marked nor taken on again; the group stops once nothing else is left (see refusals.ts).
   */
  readonly passedOver: ReadonlyMap<string, string>;
}

export function groupRound(observed: ObservedCluster, group: ObservedGroup, decision: ImageDecision, config: RotationConfig): GroupRound {
  const now = observed.observedAt;
  const byInstance = new Map(observed.containerInstances.map((c) => [c.ec2InstanceId, c]));
  const alive = group.instances.filter((i) => isAlive(i.lifecycleState));
  const batch = decodeBatch(group.tags[BATCH_TAG]);
  const passedOver = decodePassedOver(group.tags[PASSED_OVER_TAG]);
  const marked = markedMembers(alive, byInstance).filter((m) => !passedOver.has(m.instance.instanceId));
  const takeable = outdatedServing(group, decision, byInstance, new Set(marked.map((m) => m.instance.instanceId)))
    .filter((c) => !passedOver.has(c.ec2InstanceId));
  return {
    observed,
    group,
    decision,
    config,
    now,
    byInstance,
    alive,
    batch,
    marked,
    budget: budgetFor(config.maxUnavailable, batch?.base ?? group.desiredCapacity),
    replaceBefore: decodeEpoch(group.tags[REPLACE_BEFORE_TAG]),
    newWorkHeld: newWorkHold(decision, config, now),
    takeable,
    eligible: takeable
      .filter((c) => !config.skipInstancesWithStandaloneTasks || standaloneTasksOn(c)?.length === 0)
      .map((c) => c.ec2InstanceId),
    passedOver,
  };
}

function newWorkHold(decision: ImageDecision, config: RotationConfig, now: number): NewWorkHold | undefined {
  const closed = maintenanceWindowClosed(config, now);
  if (closed !== undefined) return { reason: closed, on: 'maintenance-window' };
  return decision.pendingImage?.holdsNewWork ? { reason: decision.pendingImage.reason, on: 'minimum-ami-age' } : undefined;
}

/** The group waits for new work to be allowed (see `newWorkHeld`), with this round's actions. */
export function waitForNewWork(round: GroupRound, held: NewWorkHold, actions: Action[]): GroupRotation {
  return { phase: 'waiting', waitingReason: held.reason, waitingOn: held.on, actions, inFlight: 0, budget: round.budget };
}

/** Outdated members serving in the cluster (InService, ACTIVE) and not marked: what a mark may take, in order. */
export function outdatedServing(
  group: ObservedGroup,
  decision: ImageDecision,
  byInstance: ReadonlyMap<string, ObservedContainerInstance>,
  markedIds: ReadonlySet<string>,
): ObservedContainerInstance[] {
  const inService = new Set(group.instances.filter((i) => isAlive(i.lifecycleState) && i.lifecycleState === 'InService').map((i) => i.instanceId));
  return decision.outdatedInstanceIds
    .filter((id) => !markedIds.has(id) && inService.has(id) && byInstance.get(id)?.status === 'ACTIVE')
    .map((id) => byInstance.get(id)!);
}

/** The standalone tasks (no service) read on an instance; undefined when its tasks were not read. */
export function standaloneTasksOn(container: ObservedContainerInstance | undefined) {
  return container?.tasks?.filter((t) => t.service === undefined);
}
