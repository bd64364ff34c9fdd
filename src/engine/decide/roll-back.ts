/**
 * Rolling back from a failed image (`rollbackOnFailedReplacement`): its replacements never registered, or its
 * canaries were unhealthy after their soak. The image is recorded on the group (FAILED_IMAGE_TAG) and refused
 * until the parameter names another.
 */
import { Action, Terminate } from '../actions';
import { withMinFloor } from './batch-hold';
import { finishBatch } from './batch-record';
import { GroupRound } from './group-round';
import { launchSourceAction } from './launch-source';
import { GroupRotation } from './rotation-types';

/**
 * Rolling back from an image whose replacements never registered, one safe step a round: point the launch
 * source back at the image the old instances run; terminate the replacements on the failed image that never
 * became ACTIVE in the cluster (they run no task); release the marked instances; close the batch. The
 * group stays stopped (and alarmed) until the parameter names another image.
 */
export function rollBack(round: GroupRound, failedImage: string, actions: Action[]): GroupRotation {
  const { observed, group, batch, marked } = round;
  const previous = mostCommon(round.alive
    .map((i) => observed.instances[i.instanceId]?.imageId)
    .filter((image): image is string => image !== undefined && image !== failedImage));
  const stopped = (): GroupRotation => ({
    phase: 'stopped',
    stoppedReason: rolledBackReason(round, failedImage, previous),
    actions,
    inFlight: marked.length,
    budget: round.budget,
  });

  if (group.currentImageId === failedImage && previous) {
    const update = launchSourceAction(group, previous, observed.clusterName, observed.observedAt);
    if ('action' in update) actions.push(update.action);
    return stopped();
  }
  for (const i of round.alive) {
    const container = round.byInstance.get(i.instanceId);
    const registered = container !== undefined && container.status !== 'INACTIVE';
    if (!registered && observed.instances[i.instanceId]?.imageId === failedImage) {
      const terminate: Terminate = { kind: 'terminate', group: group.name, instanceId: i.instanceId, forced: false, runningTasks: 0 };
      actions.push(batch ? withMinFloor(batch, terminate) : terminate);
    }
  }
  const release = marked.map((m) => m.container);
  if (release.length > 0) {
    actions.push({
      kind: 'unmark',
      group: group.name,
      containerInstanceArns: release.map((c) => c.containerInstanceArn),
      reactivate: release.filter((c) => c.status === 'DRAINING').map((c) => c.containerInstanceArn),
    });
  } else if (batch) {
    actions.push(finishBatch(group, batch));
  }
  return stopped();
}

function rolledBackReason(round: GroupRound, failedImage: string, previous: string | undefined): string {
  const { observed, group } = round;
  // Instances on the failed image serving in the cluster: it was refused for unhealthy canaries, not for replacements that never registered.
  const canaries = round.alive.filter((i) => observed.instances[i.instanceId]?.imageId === failedImage
    && round.byInstance.get(i.instanceId)?.status === 'ACTIVE');
  return (canaries.length > 0
    ? `the canaries on image ${failedImage} were unhealthy after their soak; ${group.name} was rolled back`
    : `replacements on image ${failedImage} never became ACTIVE in the cluster; ${group.name} was rolled back`) +
    `${previous ? ` to ${previous}` : ''} and waits for its parameter to name another image` +
    (canaries.length > 0 ? ` (canaries ${canaries.map((i) => i.instanceId).join(', ')} stay in service on ${failedImage})` : '');
}

function mostCommon(values: readonly string[]): string | undefined {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0];
}
