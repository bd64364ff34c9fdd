/**
 * Rotation notifications (construct `notificationTopic`): one message when a group's rotation starts, stops,
 * resumes after a stop, and finishes. Pure, like the planner: from what a round observed and decided to the
 * `notify` actions that publish them.
 *
 * The engine keeps nothing between runs, and a stopped group is decided again every round, so what was last
 * told is recorded on the group (`NOTIFIED_TAG`, written once the message is published) and a message goes
 * out only when the group's state differs from it: one "stopped" per stop, however many rounds and runs it
 * lasts. A crash between the publish and the record sends the message again on the next round (at least
 * once); nothing else repeats it.
 */
import { Action, NotificationEvent, Notify } from '../actions';
import { isAlive } from '../members';
import { ObservedCluster, ObservedGroup } from '../model';
import { GroupPlan, RotationPlan } from './plan';
import type { GroupRotation } from './rotate';
import { BATCH_TAG, decodeBatch, decodeNotified, Notified, NOTIFIED_TAG } from '../../shared/records';

/** What a group's rotation is after this round's actions, as far as notifications are concerned. */
type Told = 'rotating' | 'stopped' | 'done' | 'unchanged';

/** SNS accepts a Subject of fewer than 100 printable ASCII characters on one line. */
const SUBJECT_MAX = 99;

/**
 * Every group's actions in order, each group's notification placed where it is true: "stopped" and
 * "resumed" before the group's writes (they hold whatever those writes do), "started" and "finished" after
 * them (they are true only once those writes landed; `act` skips the rest of a group's actions after a
 * failed one, and the next round decides again).
 */
export function withNotifications(
  observed: ObservedCluster,
  rotationPlan: RotationPlan,
  rotations: ReadonlyMap<string, GroupRotation>,
  topicArn: string | undefined,
): Action[] {
  const actions: Action[] = [];
  for (const [group, rotation] of rotations) {
    const groupPlan = rotationPlan.groups.find((g) => g.groupName === group);
    const notify = topicArn && groupPlan ? notificationFor(observed, groupPlan, rotation, topicArn) : undefined;
    const first = notify !== undefined && (notify.event === 'stopped' || notify.event === 'resumed');
    if (notify && first) actions.push(notify);
    actions.push(...rotation.actions);
    if (notify && !first) actions.push(notify);
  }
  return actions;
}

/** The notification this round owes for one group, if any. */
export function notificationFor(observed: ObservedCluster, groupPlan: GroupPlan, rotation: GroupRotation, topicArn: string): Notify | undefined {
  const group = observed.groups.find((g) => g.name === groupPlan.groupName);
  const target = groupPlan.targetImageId;
  if (!group || target === undefined) return undefined;
  const told = decodeNotified(group.tags[NOTIFIED_TAG]);
  const counts = liveCounts(group, groupPlan);
  const state = stateAfterRound(counts, rotation, decodeBatch(group.tags[BATCH_TAG]) !== undefined);
  const from = fromImage(groupPlan, told);

  let event: NotificationEvent | undefined;
  let record: Notified | undefined;
  if (state === 'stopped') {
    if (told?.state === 'stopped' && told.targetImageId === target) return undefined;
    event = 'stopped';
    record = { state: 'stopped', targetImageId: target, ...(from ? { fromImageId: from } : {}) };
  } else if (state === 'rotating') {
    if (told?.state === 'started' && told.targetImageId === target) return undefined;
    event = told?.state === 'stopped' && told.targetImageId === target ? 'resumed' : 'started';
    record = { state: 'started', targetImageId: target, ...(from ? { fromImageId: from } : {}) };
  } else if (state === 'done') {
    if (told === undefined) return undefined;
    event = 'finished';
  } else {
    return undefined;
  }
  return {
    kind: 'notify',
    group: groupPlan.groupName,
    topicArn,
    event,
    ...notificationText({
      clusterName: observed.clusterName,
      groupName: groupPlan.groupName,
      event,
      fromImageId: from,
      toImageId: target,
      counts,
      reason: event === 'stopped' ? rotation.stoppedReason : undefined,
      at: observed.observedAt,
    }),
    ...(record ? { record } : {}),
  };
}

/**
 * Rotating: a rotation record is on the group and this round does not remove it, or this round writes one.
 * Done: no record is left and no instance is outdated. A group that waits (another actor, suspended
 * processes) or is between batches is told nothing new.
 */
function stateAfterRound(counts: InstanceCounts, rotation: GroupRotation, recorded: boolean): Told {
  if (rotation.phase === 'stopped') return 'stopped';
  // A group with nothing to do reports a newer image that is not old enough yet as a wait: its rotation to the
  // adopted image can still finish, and must be told.
  const idle = rotation.phase === 'idle' || rotation.waitingOn === 'minimum-ami-age';
  if (rotation.phase === 'waiting' && !idle) return 'unchanged';
  const starts = rotation.actions.some((a) => a.kind === 'start-batch');
  const finishes = rotation.actions.some((a) => a.kind === 'finish-batch');
  if (starts || (recorded && !finishes)) return 'rotating';
  // Here no record is left after this round.
  return idle && counts.outdated === 0 ? 'done' : 'unchanged';
}

/** The image most outdated instances run (ties: the smaller id), else what the last message said. */
function fromImage(groupPlan: GroupPlan, told: Notified | undefined): string | undefined {
  const counts = new Map<string, number>();
  for (const i of groupPlan.outdatedInstances) {
    if (i.imageId && i.imageId !== groupPlan.targetImageId) counts.set(i.imageId, (counts.get(i.imageId) ?? 0) + 1);
  }
  const most = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0];
  return most ?? told?.fromImageId;
}

export interface InstanceCounts {
  readonly total: number;
  readonly upToDate: number;
  readonly outdated: number;
}

/** The group's live instances (those terminating are gone already, as far as anyone should be told). */
function liveCounts(group: ObservedGroup, groupPlan: GroupPlan): InstanceCounts {
  const outdated = new Set(groupPlan.outdatedInstances.map((i) => i.instanceId));
  const live = group.instances.filter((i) => isAlive(i.lifecycleState));
  const old = live.filter((i) => outdated.has(i.instanceId)).length;
  return { total: live.length, upToDate: live.length - old, outdated: old };
}

export interface NotificationFacts {
  readonly clusterName: string;
  readonly groupName: string;
  readonly event: NotificationEvent;
  readonly fromImageId?: string;
  readonly toImageId: string;
  readonly counts: InstanceCounts;
  readonly reason?: string;
  readonly at: number;
}

/** The subject line and the JSON message: a human line first, then the fields a subscriber's code reads. */
export function notificationText(facts: NotificationFacts): { readonly subject: string; readonly message: string } {
  const { clusterName, groupName, event, fromImageId, toImageId, counts, reason } = facts;
  const images = fromImageId ? `${fromImageId} -> ${toImageId}` : `to ${toImageId}`;
  const summary = `AMI rotation of Auto Scaling group ${groupName} (ECS cluster ${clusterName}) ${images} ${event}` +
    (reason ? `: ${reason}` : '') + `. ${counts.total} instance(s): ${counts.upToDate} on ${toImageId}, ${counts.outdated} outdated.`;
  const message = {
    summary,
    event,
    cluster: clusterName,
    autoScalingGroup: groupName,
    fromImageId,
    toImageId,
    instances: counts,
    reason,
    at: new Date(facts.at).toISOString(),
  };
  return { subject: subjectLine(`ecs-ami-refresher: ${clusterName}/${groupName} rotation ${event}`), message: JSON.stringify(message) };
}

/** Printable ASCII on one line, shortened to SNS's limit (names may hold characters SNS refuses in a subject). */
export function subjectLine(text: string): string {
  const ascii = text.replace(/[^\x20-\x7e]/g, '?');
  return ascii.length <= SUBJECT_MAX ? ascii : `${ascii.slice(0, SUBJECT_MAX - 3)}...`;
}
