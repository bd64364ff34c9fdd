/**
 * Container instances outside every managed group, replaced through a group the user names (opt-in), one at
 * a time, with the same safety rules as a batch: the group's desired capacity is raised by one, and the old
 * instance is drained only once the group serves that raised capacity ACTIVE in the cluster; it is terminated
 * only when ECS reports it empty (or after the drain timeout, if the user chose to force). Pure, like
 * `rotate.ts`; the progress lives on AWS resources (a tag on the group, the phase attribute on the instance).
 *
 *   1. start: record `<instance>:<base>:<started>` on the group, mark the instance `replacing`, desired = base + 1;
 *   2. when the group's unmarked capacity InService and ACTIVE reaches base + 1: drain it;
 *   3. when it is empty: terminate it (EC2: it is in no Auto Scaling group) and deregister it;
 *   4. when it is gone: clear the record. The group keeps the raised capacity: the instance's capacity moved in.
 */
import { Action } from '../actions';
import { isAlive } from '../members';
import { ObservedCluster, ObservedContainerInstance, ObservedGroup } from '../model';
import { drainProgress } from './drain-ends';
import { RotationPlan } from './plan-types';
import { replacementsOverdue } from './readiness';
import { GroupRotation, RotationConfig } from './rotation-types';
import { maintenanceWindowClosed, otherActor } from './waits';
import { decodePhase, decodeUnmanagedReplacement, UNMANAGED_TAG, UnmanagedReplacement } from '../../shared/records';

// Where the engine's run found it first; the readiness timeout is one rule for every replacement (readiness.ts).
export { readinessTimeoutFor } from './readiness';

/** What each step of the replacement reads. */
interface ReplacementRound {
  readonly observed: ObservedCluster;
  readonly group: ObservedGroup;
  /** The group's own rotation this round, into which the replacement is folded. */
  readonly rotation: GroupRotation;
  readonly config: RotationConfig;
  readonly now: number;
  /** Container instances by EC2 instance id. */
  readonly containers: ReadonlyMap<string, ObservedContainerInstance>;
}

/**
 * The replacement group's rotation with the replacement of instances outside every group folded in. A batch
 * of the group's own and a replacement never overlap: a replacement starts only when the group is idle, and
 * while one is in flight the group starts no batch (its launch template may still be updated).
 */
export function withUnmanagedReplacement(
  observed: ObservedCluster,
  rotationPlan: RotationPlan,
  group: ObservedGroup,
  rotation: GroupRotation,
  config: RotationConfig,
): GroupRotation {
  const round: ReplacementRound = {
    observed,
    group,
    rotation,
    config,
    now: observed.observedAt,
    containers: new Map(observed.containerInstances.map((c) => [c.ec2InstanceId, c])),
  };
  const record = decodeUnmanagedReplacement(group.tags[UNMANAGED_TAG]);
  return record ? carryOnReplacement(round, record) : startReplacement(round, rotationPlan);
}

/** An idle group takes on the replaceable instance with the fewest running tasks, unless something blocks it. */
function startReplacement(round: ReplacementRound, rotationPlan: RotationPlan): GroupRotation {
  const { group, rotation } = round;
  const idle = rotation.phase === 'idle' && rotation.actions.length === 0;
  const candidate = rotationPlan.unmanagedInstances
    .filter((u) => u.replaceable && u.status === 'ACTIVE')
    .sort((a, b) => a.runningTasksCount - b.runningTasksCount || a.instanceId.localeCompare(b.instanceId))[0];
  if (!idle || !candidate) return rotation;
  const closed = maintenanceWindowClosed(round.config, round.now);
  const blocked = closed ?? otherActor(group)
    ?? (group.suspendedProcesses?.includes('Launch') ? `the Auto Scaling process Launch of ${group.name} is suspended` : undefined)
    ?? (group.desiredCapacity >= group.maxSize
      ? `${group.name} is at its max size (${group.maxSize}); raise it to replace instances outside every group through it`
      : undefined);
  if (blocked) {
    return {
      ...rotation,
      phase: 'waiting',
      waitingReason: `the replacement of ${candidate.instanceId} (outside every group) waits: ${blocked}`,
      ...(closed !== undefined ? { waitingOn: 'maintenance-window' as const } : {}),
    };
  }
  return {
    ...rotation,
    phase: 'replacing',
    inFlight: 1,
    actions: [{
      kind: 'start-unmanaged-replacement',
      group: group.name,
      record: { instanceId: candidate.instanceId, base: group.desiredCapacity, startedAt: round.now },
      containerInstanceArn: candidate.containerInstanceArn,
    }],
  };
}

/** A replacement in flight, and the actions of this round so far (the group's own first). */
interface InFlight {
  readonly round: ReplacementRound;
  readonly record: UnmanagedReplacement;
  readonly actions: Action[];
}

/** The group's rotation with the replacement's phase and actions folded in; a stopped group stays stopped. */
function merged(flight: InFlight, phase: GroupRotation['phase'], extra: Partial<GroupRotation> = {}): GroupRotation {
  const { rotation } = flight.round;
  return {
    ...rotation,
    phase: rotation.phase === 'stopped' ? 'stopped' : phase,
    actions: flight.actions,
    inFlight: rotation.inFlight + 1,
    ...extra,
  };
}

/**
 * In flight: the group's own batches wait (its launch template may still follow a new image). The replacement
 * ends when its instance is gone, is marked again when its mark did not land, then drains once the group
 * serves the raised capacity, and is terminated once it is empty.
 */
function carryOnReplacement(round: ReplacementRound, record: UnmanagedReplacement): GroupRotation {
  const { observed, group } = round;
  const flight: InFlight = { round, record, actions: round.rotation.actions.filter((a) => a.kind !== 'start-batch') };
  const instance = observed.instances[record.instanceId];
  const container = round.containers.get(record.instanceId);
  const registered = container !== undefined && container.status !== 'INACTIVE';
  const terminating = !instance || instance.state === 'shutting-down' || instance.state === 'terminated';
  // Stopped by someone else: the replacement is over, but what was not ours to end is left as it is.
  const stopped = instance?.state === 'stopping' || instance?.state === 'stopped';
  if (terminating || stopped || !registered) {
    flight.actions.push({
      kind: 'finish-unmanaged-replacement',
      group: group.name,
      instanceId: record.instanceId,
      containerInstanceArn: registered && terminating ? container.containerInstanceArn : undefined,
    });
    return merged(flight, 'replacing');
  }

  if (!decodePhase(container.phase) && container.status === 'ACTIVE') {
    // The record landed but not the mark (or someone removed it): start again, every write is idempotent.
    flight.actions.push({ kind: 'start-unmanaged-replacement', group: group.name, record, containerInstanceArn: container.containerInstanceArn });
    return merged(flight, 'replacing');
  }
  if (group.desiredCapacity < record.base + 1) {
    flight.actions.push({ kind: 'set-desired', group: group.name, desired: record.base + 1 });
  }
  return container.status === 'DRAINING' ? drainEnd(flight, container) : drainWhenReady(flight, container);
}

/** Draining: terminated once empty (or forced after the drain timeout); past the timeout otherwise, stopped. */
function drainEnd(flight: InFlight, container: ObservedContainerInstance): GroupRotation {
  const { group, config, now } = flight.round;
  const { record } = flight;
  const drain = drainProgress(container, decodePhase(container.phase), now, config);
  if (drain.terminable) {
    flight.actions.push({
      kind: 'terminate-unmanaged',
      group: group.name,
      instanceId: record.instanceId,
      containerInstanceArn: container.containerInstanceArn,
      forced: !drain.empty,
      runningTasks: drain.remaining,
    });
    return merged(flight, 'draining');
  }
  if (drain.timedOut) {
    return merged(flight, 'stopped', {
      stoppedReason: `instance ${record.instanceId} (outside every group) still runs ${drain.remaining} task(s) after the ` +
        `${config.drainTimeoutSeconds} s drain timeout; it is not terminated until its tasks stop (or onDrainTimeout is set to force)`,
    });
  }
  return merged(flight, 'draining');
}

/**
 * ACTIVE and marked: drain once the group serves base + 1 without it, ACTIVE in the cluster; stopped when that
 * capacity has not served within the readiness timeout.
 */
function drainWhenReady(flight: InFlight, container: ObservedContainerInstance): GroupRotation {
  const { observed, group, config, now } = flight.round;
  const { record } = flight;
  const marked = new Set(observed.containerInstances.filter((c) => decodePhase(c.phase)).map((c) => c.ec2InstanceId));
  const ready = group.instances.filter((i) => {
    if (!isAlive(i.lifecycleState) || i.lifecycleState !== 'InService' || marked.has(i.instanceId)) return false;
    const c = flight.round.containers.get(i.instanceId);
    return c?.status === 'ACTIVE' && c.agentConnected;
  }).length;
  if (ready >= record.base + 1) {
    // Another group cannot cordon yet: drained tasks could land on its outdated instances (drainsHeldForCordons).
    if (config.drainsWaitFor !== undefined) return merged(flight, 'replacing', { waitingReason: `the next drain waits: ${config.drainsWaitFor}` });
    const phase = decodePhase(container.phase);
    flight.actions.push({
      kind: 'drain',
      group: group.name,
      containerInstanceArns: [container.containerInstanceArn],
      alreadyMarked: phase?.kind === 'draining' ? [container.containerInstanceArn] : [],
      since: now,
    });
    return merged(flight, 'draining');
  }
  if (replacementsOverdue(record.startedAt, now, config.readinessTimeoutSeconds)) {
    return merged(flight, 'stopped', {
      stoppedReason: `the replacement for ${record.instanceId} (outside every group) did not become ACTIVE in the cluster within ` +
        `${config.readinessTimeoutSeconds} s (${ready} of ${record.base + 1} instances of ${group.name} ready); it is not drained until it is`,
    });
  }
  return merged(flight, 'replacing');
}
