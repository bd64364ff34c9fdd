/**
 * Builders for the per-group rotation decision (`rotateGroup`): a group `web` in cluster `prod`, its members
 * as Auto Scaling and ECS see them, the engine's marks, the planner's image decision and the rotation settings.
 */
import { GroupRotation, ImageDecision, rotateGroup, RotationConfig } from '../../../src/engine/decide/rotate';
import { LaunchSource, ObservedCluster, ObservedContainerInstance, ObservedGroup, ObservedService, ObservedTask } from '../../../src/engine/model';
import { Batch, BATCH_TAG, encodeBatch, encodePhase, REPLACE_BEFORE_TAG } from '../../../src/shared/records';
import { CLUSTER, CLUSTER_ARN, containerInstanceArn, groupArn, instanceId, NEW_AMI, OBSERVED_AT, OLD_AMI, templateSource } from '../fixtures';

export const GROUP = 'web';
export const NOW = OBSERVED_AT;
export const TEMPLATE_ID = 'lt-0123456789abcdef0';

/** The ECS side of a member; `false` on a member: not registered in the cluster. */
export interface ContainerSpec {
  readonly status?: string;
  readonly agentConnected?: boolean;
  readonly running?: number;
  readonly pending?: number;
  /** The engine's phase attribute as written (see `replacing`, `drainingSince`). */
  readonly phase?: string;
  /** The engine's cordon attribute as written. */
  readonly cordoned?: string;
  /**
   * Tasks not yet STOPPED as the engine read them for a drained instance (`null`: not read). Default: as
   * many as ECS counts running and pending, i.e. none still stopping unseen.
   */
  readonly live?: number | null;
  /** Its tasks as a rotation policy read them (absent: not read). */
  readonly tasks?: readonly ObservedTask[];
  /** When it registered in the cluster (epoch ms). */
  readonly registeredAt?: number;
}

export interface MemberSpec {
  readonly id: string;
  readonly lifecycleState?: string;
  readonly container?: ContainerSpec | false;
}

/** Member `n` of the group: InService, ACTIVE, agent connected, no task, unmarked, unless told. */
export function member(n: number, overrides: Omit<MemberSpec, 'id'> = {}): MemberSpec {
  return { id: instanceId(n), ...overrides };
}

/** The id and container instance ARN of member `n`. */
export const id = (n: number): string => instanceId(n);
export const arn = (n: number): string => containerInstanceArn(instanceId(n));

/** Phase attribute values as the engine writes them. */
export const REPLACING = encodePhase({ kind: 'replacing' });
export const drainingSince = (since: number): string => encodePhase({ kind: 'draining', since });

export const batchTag = (batch: Batch): Record<string, string> => ({ [BATCH_TAG]: encodeBatch(batch) });
export const replaceBeforeTag = (before: number): Record<string, string> => ({ [REPLACE_BEFORE_TAG]: String(before) });

export interface RotationSpec {
  readonly desired: number;
  readonly max?: number;
  readonly tags?: Readonly<Record<string, string>>;
  readonly members?: readonly MemberSpec[];
  readonly launchSource?: LaunchSource;
  /** Container instances of other groups' instances, in the same cluster. */
  readonly strangers?: readonly ObservedContainerInstance[];
  readonly observedAt?: number;
  /** Services read for the tasks above, by name. */
  readonly services?: Readonly<Record<string, ObservedService>>;
}

export function containerOf(instance: string, spec: ContainerSpec = {}): ObservedContainerInstance {
  return {
    containerInstanceArn: containerInstanceArn(instance),
    ec2InstanceId: instance,
    status: spec.status ?? 'ACTIVE',
    agentConnected: spec.agentConnected ?? true,
    runningTasksCount: spec.running ?? 0,
    pendingTasksCount: spec.pending ?? 0,
    phase: spec.phase,
    cordoned: spec.cordoned,
    liveTasks: spec.live === null ? undefined : spec.live ?? (spec.running ?? 0) + (spec.pending ?? 0),
    ...(spec.tasks ? { tasks: spec.tasks } : {}),
    ...(spec.registeredAt !== undefined ? { registeredAt: new Date(spec.registeredAt).toISOString() } : {}),
  };
}

export interface RotationInput {
  readonly observed: ObservedCluster;
  readonly group: ObservedGroup;
}

export function rotationInput(spec: RotationSpec): RotationInput {
  const members = spec.members ?? [];
  const group: ObservedGroup = {
    name: GROUP,
    arn: groupArn(GROUP),
    source: 'configured',
    desiredCapacity: spec.desired,
    minSize: 0,
    maxSize: spec.max ?? spec.desired + 2,
    tags: spec.tags ?? {},
    instances: members.map((m) => ({
      instanceId: m.id,
      lifecycleState: m.lifecycleState ?? 'InService',
      healthStatus: 'Healthy',
      protectedFromScaleIn: false,
    })),
    launchSource: spec.launchSource ?? templateSource({ launchTemplateId: TEMPLATE_ID }),
    currentImageId: OLD_AMI,
    // Read, and none: the engine deregisters what it terminates empty (termination-waits.ts).
    lifecycleHooks: [],
  };
  const containers = members.flatMap((m) => (m.container === false ? [] : [containerOf(m.id, m.container)]));
  const observed: ObservedCluster = {
    clusterName: CLUSTER,
    clusterArn: CLUSTER_ARN,
    observedAt: spec.observedAt ?? NOW,
    groups: [group],
    groupFailures: [],
    containerInstances: [...containers, ...(spec.strangers ?? [])],
    instances: {},
    images: {},
    parameters: {},
    ...(spec.services ? { services: spec.services } : {}),
  };
  return { observed, group };
}

export function imageDecision(outdated: readonly string[] = [], overrides: Partial<ImageDecision> = {}): ImageDecision {
  return { targetImageId: NEW_AMI, updateLaunchSource: false, outdatedInstanceIds: outdated, ...overrides };
}

export function rotationConfig(overrides: Partial<RotationConfig> = {}): RotationConfig {
  return {
    maxUnavailable: { count: 1 },
    drainTimeoutSeconds: 600,
    onDrainTimeout: 'stop',
    readinessTimeoutSeconds: 900,
    force: false,
    ...overrides,
  };
}

/** The decision for a spec, with the given outdated ids (or decision) and settings. */
export function rotate(
  spec: RotationSpec,
  decision: ImageDecision | readonly string[] = [],
  config: Partial<RotationConfig> = {},
): GroupRotation {
  const { observed, group } = rotationInput(spec);
  const d = Array.isArray(decision) ? imageDecision(decision) : (decision as ImageDecision);
  return rotateGroup(observed, group, d, rotationConfig(config));
}

/** Two groups in one cluster, `web` and `edge`, each built as `rotationInput` builds one (member numbers must differ). */
export function twoGroups(web: RotationSpec, edge: RotationSpec): {
  readonly observed: ObservedCluster;
  readonly web: ObservedGroup;
  readonly edge: ObservedGroup;
} {
  const a = rotationInput(web);
  const b = rotationInput(edge);
  const edgeGroup: ObservedGroup = { ...b.group, name: 'edge', arn: groupArn('edge') };
  return {
    observed: {
      ...a.observed,
      groups: [a.group, edgeGroup],
      containerInstances: [...a.observed.containerInstances, ...b.observed.containerInstances],
    },
    web: a.group,
    edge: edgeGroup,
  };
}
