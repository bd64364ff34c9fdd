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
import { ObservedCluster, ObservedGroup } from '../model';
import { GroupPlan, RotationPlan } from './plan';
import { GroupRotation, maintenanceWindowClosed, otherActor, RotationConfig } from './rotate';
import { decodePhase, decodeUnmanagedReplacement, UNMANAGED_TAG } from '../../shared/records';

const ALIVE = (state: string) => !state.startsWith('Terminating') && state !== 'Terminated' && !state.startsWith('Detach');

/**
 * The readiness timeout of a group's replacements: the group's own (construct `groupOverrides`), else its
 * platform's. Windows hosts boot and register far more slowly than Linux ones; their longer pacing is this
 * readiness check, not a fixed sleep: the engine drains as soon as replacements are ACTIVE, and only stops
 * a Windows group when they are not after the longer timeout.
 */
export function readinessTimeoutFor(groupPlan: Pick<GroupPlan, 'groupName' | 'platform'>, config: RotationConfig): number {
  const own = config.groupReadinessTimeoutSeconds?.[groupPlan.groupName];
  if (own !== undefined) return own;
  if (groupPlan.platform === 'windows') return config.windowsReadinessTimeoutSeconds ?? config.readinessTimeoutSeconds;
  return config.readinessTimeoutSeconds;
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
  const now = observed.observedAt;
  const record = decodeUnmanagedReplacement(group.tags[UNMANAGED_TAG]);
  const containers = new Map(observed.containerInstances.map((c) => [c.ec2InstanceId, c]));

  if (!record) {
    const idle = rotation.phase === 'idle' && rotation.actions.length === 0;
    const candidate = rotationPlan.unmanagedInstances
      .filter((u) => u.replaceable && u.status === 'ACTIVE')
      .sort((a, b) => a.runningTasksCount - b.runningTasksCount || a.instanceId.localeCompare(b.instanceId))[0];
    if (!idle || !candidate) return rotation;
    const closed = maintenanceWindowClosed(config, now);
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
        record: { instanceId: candidate.instanceId, base: group.desiredCapacity, startedAt: now },
        containerInstanceArn: candidate.containerInstanceArn,
      }],
    };
  }

  // In flight: the group's own batches wait (its launch template may still follow a new image).
  const own = rotation.actions.filter((a) => a.kind !== 'start-batch');
  const actions: Action[] = [...own];
  const merged = (phase: GroupRotation['phase'], extra: Partial<GroupRotation> = {}): GroupRotation => ({
    ...rotation,
    phase: rotation.phase === 'stopped' ? 'stopped' : phase,
    actions,
    inFlight: rotation.inFlight + 1,
    ...extra,
  });

  const instance = observed.instances[record.instanceId];
  const container = containers.get(record.instanceId);
  const registered = container !== undefined && container.status !== 'INACTIVE';
  const terminating = !instance || instance.state === 'shutting-down' || instance.state === 'terminated';
  // Stopped by someone else: the replacement is over, but what was not ours to end is left as it is.
  const stopped = instance?.state === 'stopping' || instance?.state === 'stopped';
  if (terminating || stopped || !registered) {
    actions.push({
      kind: 'finish-unmanaged-replacement',
      group: group.name,
      instanceId: record.instanceId,
      containerInstanceArn: registered && terminating ? container.containerInstanceArn : undefined,
    });
    return merged('replacing');
  }

  const phase = decodePhase(container.phase);
  if (!phase && container.status === 'ACTIVE') {
    // The record landed but not the mark (or someone removed it): start again, every write is idempotent.
    actions.push({ kind: 'start-unmanaged-replacement', group: group.name, record, containerInstanceArn: container.containerInstanceArn });
    return merged('replacing');
  }
  if (group.desiredCapacity < record.base + 1) {
    actions.push({ kind: 'set-desired', group: group.name, desired: record.base + 1 });
  }

  if (container.status === 'DRAINING') {
    const counted = container.runningTasksCount + container.pendingTasksCount;
    const empty = counted === 0 && container.liveTasks === 0;
    const remaining = counted > 0 ? counted : (container.liveTasks ?? 0);
    const since = phase?.kind === 'draining' ? phase.since : now;
    const timedOut = now - since > config.drainTimeoutSeconds * 1000;
    if (empty || (timedOut && config.onDrainTimeout === 'force')) {
      actions.push({
        kind: 'terminate-unmanaged',
        group: group.name,
        instanceId: record.instanceId,
        containerInstanceArn: container.containerInstanceArn,
        forced: !empty,
        runningTasks: remaining,
      });
      return merged('draining');
    }
    if (timedOut) {
      return merged('stopped', {
        stoppedReason: `instance ${record.instanceId} (outside every group) still runs ${remaining} task(s) after the ` +
          `${config.drainTimeoutSeconds} s drain timeout; it is not terminated until its tasks stop (or onDrainTimeout is set to force)`,
      });
    }
    return merged('draining');
  }

  // ACTIVE and marked: drain once the group serves base + 1 without it, ACTIVE in the cluster.
  const marked = new Set(observed.containerInstances.filter((c) => decodePhase(c.phase)).map((c) => c.ec2InstanceId));
  const ready = group.instances.filter((i) => {
    if (!ALIVE(i.lifecycleState) || i.lifecycleState !== 'InService' || marked.has(i.instanceId)) return false;
    const c = containers.get(i.instanceId);
    return c?.status === 'ACTIVE' && c.agentConnected;
  }).length;
  if (ready >= record.base + 1) {
    // Another group cannot cordon yet: drained tasks could land on its outdated instances (drainsHeldForCordons).
    if (config.drainsWaitFor !== undefined) return merged('replacing', { waitingReason: `the next drain waits: ${config.drainsWaitFor}` });
    actions.push({
      kind: 'drain',
      group: group.name,
      containerInstanceArns: [container.containerInstanceArn],
      alreadyMarked: phase?.kind === 'draining' ? [container.containerInstanceArn] : [],
      since: now,
    });
    return merged('draining');
  }
  const timeout = config.readinessTimeoutSeconds;
  if (now - record.startedAt > timeout * 1000) {
    return merged('stopped', {
      stoppedReason: `the replacement for ${record.instanceId} (outside every group) did not become ACTIVE in the cluster within ${timeout} s ` +
        `(${ready} of ${record.base + 1} instances of ${group.name} ready); it is not drained until it is`,
    });
  }
  return merged('replacing');
}
