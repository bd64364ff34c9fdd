/**
 * Cordons (`cordon`): while a group's rotation moves, its outdated instances carry the cordon attribute, so
 * services placed with the construct's placement constraint start no task on them (tasks then move once).
 * Here: which cordons a round writes and lifts, how many drains the uncordoned room allows, why other groups
 * hold their drains meanwhile, and the cordons no rotation answers for.
 */
import { BATCH_TAG, decodeBatch, decodePhase, Phase } from '../../shared/records';
import { Action } from '../actions';
import { isAlive, markedAt } from '../members';
import { ObservedCluster, ObservedContainerInstance, ObservedGroup } from '../model';
import { replacementsOverdue } from './readiness';
import { GroupRotation, ImageDecision, RotationConfig } from './rotation-types';

/**
 * Cordons follow the rotation: while the group's rotation moves (replacing or draining), every outdated
 * instance still serving is cordoned once the group can spare them (see `cordonRound`), at the latest in the
 * round of the first drain, before it, so the drained tasks cannot land on one; when the group is idle,
 * soaking, waiting or stopped, or cordoning is off, or an instance is no longer outdated, its cordon is lifted
 * so the cluster never loses placement capacity to a rotation that is not moving. Marked instances keep theirs.
 */
export function withCordons(
  observed: ObservedCluster,
  group: ObservedGroup,
  decision: ImageDecision,
  config: RotationConfig,
  rotation: GroupRotation,
): GroupRotation {
  const members = new Set(group.instances.filter((i) => isAlive(i.lifecycleState) && i.lifecycleState === 'InService').map((i) => i.instanceId));
  const serving = observed.containerInstances.filter((c) => members.has(c.ec2InstanceId) && c.status === 'ACTIVE');
  const outdated = new Set(decision.outdatedInstanceIds);
  // A group waiting (another actor, suspended processes) may wait indefinitely: it keeps no cordon either.
  const moving = config.cordon === true && (rotation.phase === 'draining' || rotation.phase === 'replacing');
  const release = serving.filter((c) => c.cordoned !== undefined && decodePhase(c.phase) === undefined
    && (!moving || !outdated.has(c.ec2InstanceId)));
  const cordon = moving ? cordonRound(observed, group, decision).toCordon : [];
  const extra: Action[] = [];
  if (cordon.length > 0) {
    extra.push({ kind: 'cordon', group: group.name, containerInstanceArns: cordon.map((c) => c.containerInstanceArn), imageId: decision.targetImageId });
  }
  if (release.length > 0) extra.push({ kind: 'uncordon', group: group.name, containerInstanceArns: release.map((c) => c.containerInstanceArn) });
  return extra.length === 0 ? rotation : { ...rotation, actions: [...extra, ...rotation.actions] };
}

/**
 * The cordons a round writes: every outdated instance still serving, but only once the group can spare them.
 * That is when an instance on the target image serves (so tasks always have somewhere to go; when a newer
 * image appears mid-rotation, the previous target's instances stay open until the newest ones serve), and
 * either the window's replacements serve beyond the capacity the rotation started from or a drain is under
 * way. Before that, cordoning every outdated instance would leave the group's services the few instances on
 * the target (after canaries, one) until a boot completes: new and restarted tasks could find no room.
 * Also how many serving, unmarked instances are left uncordoned after them: the room constrained services have.
 */
export function cordonRound(
  observed: ObservedCluster,
  group: ObservedGroup,
  decision: ImageDecision,
): {
    readonly toCordon: readonly ObservedContainerInstance[];
    readonly uncordonedServing: number;
    /** Outdated instances serving without a cordon that this round cannot cordon (the group cannot spare them yet). */
    readonly exposed: readonly ObservedContainerInstance[];
  } {
  const members = new Set(group.instances.filter((i) => i.lifecycleState === 'InService').map((i) => i.instanceId));
  const serving = observed.containerInstances.filter((c) => members.has(c.ec2InstanceId) && c.status === 'ACTIVE' && c.agentConnected);
  const outdated = new Set(decision.outdatedInstanceIds);
  const unmarked = serving.filter((c) => decodePhase(c.phase) === undefined);
  const onTarget = unmarked.filter((c) => !outdated.has(c.ec2InstanceId)).length;
  const uncordoned = serving.filter((c) => c.cordoned === undefined && outdated.has(c.ec2InstanceId));
  const base = decodeBatch(group.tags[BATCH_TAG])?.base;
  const ids = new Set(group.instances.map((i) => i.instanceId));
  // The rotation's own drains only: ECS drains instances for other reasons too (Spot interruptions, managed
  // draining on scale-in, an operator), and those make no room on the target image.
  const drainUnderWay = observed.containerInstances.some((c) => {
    const phase = decodePhase(c.phase);
    return ids.has(c.ec2InstanceId) && phase !== undefined && (c.status === 'DRAINING' || phase.kind === 'draining');
  });
  const spared = onTarget > 0 && ((base !== undefined && serving.length > base) || drainUnderWay);
  const toCordon = spared ? uncordoned : [];
  const cordoning = new Set(toCordon);
  return {
    toCordon,
    uncordonedServing: unmarked.filter((c) => c.cordoned === undefined && !cordoning.has(c)).length,
    exposed: spared ? [] : uncordoned,
  };
}

/**
 * With cordoning on, why each group starts no new drain this round, if it must not. A group whose rotation is
 * under way but whose window's replacements do not serve yet cannot cordon its outdated instances (that would
 * leave its services little or nowhere to go, see `cordonRound`). Were another group to drain meanwhile,
 * services placed in both groups could start the drained tasks on those instances, and the tasks would move
 * again when their own group drains. So the other groups wait, for a boot: when groups start together, or when
 * a group's first window follows its canaries. Only groups of the same platform wait on each other (a Linux
 * task never runs on a Windows host, nor the reverse; one whose platform is unknown waits with both). A group
 * whose replacements have not served within its readiness timeout holds no one (it stops itself then).
 */
export function drainsHeldForCordons(
  observed: ObservedCluster,
  groups: ReadonlyArray<{
    readonly group: ObservedGroup;
    readonly decision: ImageDecision;
    readonly config: RotationConfig;
    readonly platform?: 'windows' | 'linux';
  }>,
): Map<string, string> {
  const exposing: Array<{ readonly group: string; readonly platform?: string; readonly why: string }> = [];
  for (const { group, decision, config, platform } of groups) {
    if (config.cordon !== true) continue;
    const batch = decodeBatch(group.tags[BATCH_TAG]);
    if (batch === undefined) continue;
    const members = new Set(group.instances.filter((i) => isAlive(i.lifecycleState)).map((i) => i.instanceId));
    const marks = observed.containerInstances
      .filter((c) => members.has(c.ec2InstanceId))
      .map((c) => decodePhase(c.phase))
      .filter((p): p is Phase => p?.kind === 'replacing');
    if (marks.length === 0) continue;
    const oldestMark = Math.min(...marks.map((p) => markedAt(p, batch.startedAt)));
    if (replacementsOverdue(oldestMark, observed.observedAt, config.readinessTimeoutSeconds)) continue;
    const exposed = cordonRound(observed, group, decision).exposed;
    if (exposed.length > 0) {
      exposing.push({
        group: group.name,
        platform,
        why: `${group.name} (${exposed.length} outdated instance(s) not cordoned: its replacements do not serve yet)`,
      });
    }
  }
  const held = new Map<string, string>();
  if (exposing.length === 0) return held;
  const shareTasks = (a?: string, b?: string) => a === undefined || b === undefined || a === b;
  for (const { group, config, platform } of groups) {
    if (config.cordon !== true) continue;
    const others = exposing.filter((e) => e.group !== group.name && shareTasks(e.platform, platform)).map((e) => e.why);
    if (others.length > 0) held.set(group.name, `drained tasks could land on another group's outdated instances: ${others.join('; ')}`);
  }
  return held;
}

/**
 * Cordons no rotation answers for: on instances of groups refused or not rotated this round (a bad parameter
 * value mid-rotation), of groups that could not be read, or outside every group. A cordon must never outlive
 * the rotation that wrote it, or services placed with the constraint lose that room for good.
 */
export function strayCordons(observed: ObservedCluster, rotated: ReadonlySet<string>): Action[] {
  const groupOf = new Map<string, string>();
  for (const g of observed.groups) for (const i of g.instances) groupOf.set(i.instanceId, g.name);
  const stray = new Map<string, string[]>();
  for (const c of observed.containerInstances) {
    if (c.cordoned === undefined || c.status !== 'ACTIVE' || decodePhase(c.phase) !== undefined) continue;
    const group = groupOf.get(c.ec2InstanceId);
    if (group !== undefined && rotated.has(group)) continue;
    const key = group ?? '(no group)';
    stray.set(key, [...(stray.get(key) ?? []), c.containerInstanceArn]);
  }
  return [...stray.entries()].map(([group, containerInstanceArns]) => ({ kind: 'uncordon', group, containerInstanceArns }));
}
