/**
 * The simulator's state: plain mutable records, indexed by the `Cloud`. Tests may read them (through
 * `Cloud`'s accessors) but change them only through `Cloud`'s methods, which keep counts consistent.
 */
import type { ScheduledEvent } from './clock';

export interface SimImage {
  readonly imageId: string;
  name: string;
  /** `x86_64` | `arm64`. */
  architecture: string;
  /** `Linux/UNIX` or `Windows`. */
  platformDetails: string;
  /** `available`, `pending`, `deregistered`, ... */
  state: string;
  /** ISO 8601. */
  creationDate: string;
  /** ISO 8601; the image counts as deprecated from then on. */
  deprecationTime?: string;
  /** The ECS agent on instances of this image never registers (a bad AMI). */
  bad?: boolean;
}

export interface SimParameterVersion {
  readonly value: string;
  readonly modifiedAt: number;
}

export interface SimParameter {
  readonly name: string;
  readonly versions: SimParameterVersion[];
}

/** Launch template data as stored: the fields the simulator uses, and any others given, kept as is. */
export interface SimTemplateData {
  ImageId?: string;
  InstanceType?: string;
  [field: string]: unknown;
}

export interface SimTemplateVersion {
  readonly number: number;
  readonly description?: string;
  readonly data: SimTemplateData;
  readonly createdAt: number;
}

export interface SimLaunchTemplate {
  readonly id: string;
  readonly name: string;
  readonly versions: Map<number, SimTemplateVersion>;
  defaultVersion: number;
  latestVersion: number;
  readonly createdAt: number;
  /** CreateLaunchTemplateVersion ClientToken -> version, for idempotent retries. */
  readonly clientTokens: Map<string, number>;
  /**
   * The template's resource tags (not the tag specifications inside its data). DescribeLaunchTemplateVersions
   * does not return them; the Cloud exposes them for IAM conditions on `aws:ResourceTag/...`.
   */
  readonly tags: Map<string, string>;
}

export interface SimLaunchConfiguration {
  readonly name: string;
  readonly arn: string;
  readonly imageId: string;
  readonly instanceType: string;
  readonly createdAt: number;
  /**
   * Every other field as given to CreateLaunchConfiguration (UserData base64, SecurityGroups,
   * BlockDeviceMappings, IamInstanceProfile, MetadataOptions, ...), described back as given.
   */
  readonly data: Readonly<Record<string, unknown>>;
}

export interface SimTemplateSpec {
  readonly id: string;
  readonly name: string;
  /** A number, `$Latest` or `$Default`, as the group references it. */
  version: string;
}

export interface SimOverride {
  readonly instanceType: string;
  readonly weightedCapacity?: string;
  readonly launchTemplate?: SimTemplateSpec;
}

export interface SimGroupTag {
  value: string;
  propagateAtLaunch: boolean;
}

export interface SimActivity {
  readonly id: string;
  readonly at: number;
  readonly description: string;
  readonly status: 'Successful' | 'Failed' | 'InProgress';
  readonly message?: string;
}

export interface SimGroup {
  readonly name: string;
  readonly arn: string;
  minSize: number;
  maxSize: number;
  desired: number;
  launchTemplate?: SimTemplateSpec;
  /** When set, the launch template lives in a mixed instances policy. */
  mixedInstancesPolicy?: {
    readonly instanceTypes: readonly string[];
    onDemandPercentage: number;
    /**
     * Overrides as written, when the policy's overrides are set explicitly (some may name a launch template of
     * their own, which instances of that type launch from); absent: one override per instance type.
     */
    overrides?: SimOverride[];
    /** Launches so far: the override used next is this modulo the overrides (a simplified allocation strategy). */
    launches: number;
  };
  launchConfigurationName?: string;
  readonly tags: Map<string, SimGroupTag>;
  /** Instances the group lists (until they are Terminated), in launch order. */
  readonly instances: Map<string, SimInstance>;
  newInstancesProtectedFromScaleIn: boolean;
  readonly createdAt: number;
  /** InService instances whose container instance is ACTIVE with a connected agent. */
  servingCount: number;
  retry?: ScheduledEvent;
  readonly activities: SimActivity[];
  /** Suspended processes (`Launch`, `Terminate`, ...) -> SuspensionReason. */
  readonly suspended: Map<string, string>;
  /** Instance refreshes, oldest first. */
  readonly instanceRefreshes: SimInstanceRefresh[];
  /** Set while its capacity provider's managed scaling drives the desired capacity. */
  managedScaling?: SimManagedScaling;
  /**
   * Its instances' boot and registration times, over the cloud's (Windows hosts take 10-15 minutes where
   * Linux ones take 2-3: first-boot sysprep and the agent's service start).
   */
  timing?: { readonly bootS?: import('./cloud').Seconds; readonly registerS?: import('./cloud').Seconds };
}

export type InstanceRefreshStatus = 'Pending' | 'InProgress' | 'Successful' | 'Failed' | 'Cancelling' | 'Cancelled';

export interface SimInstanceRefresh {
  readonly id: string;
  readonly groupName: string;
  status: InstanceRefreshStatus;
  statusReason?: string;
  readonly createdAt: number;
  startedAt?: number;
  endedAt?: number;
  /** Virtual times at which it goes InProgress and ends. */
  readonly inProgressAt: number;
  readonly endsAt: number;
  readonly outcome: 'Successful' | 'Failed';
  readonly events: ScheduledEvent[];
}

export interface SimManagedScaling {
  readonly targetCapacityPercent: number;
  readonly periodS: number;
  readonly managedTerminationProtection: boolean;
  readonly minimumScalingStepSize: number;
  readonly maximumScalingStepSize: number;
  readonly instanceWarmupPeriodS: number;
  event?: ScheduledEvent;
  /** Periods evaluated so far. */
  ticks: number;
  /** Consecutive datapoints below / above target (the target tracking alarms' view). */
  lowStreak: number;
  highStreak: number;
  /** The last two hours of CapacityProviderReservation datapoints. */
  readonly datapoints: import('./managed-scaling').ReservationDatapoint[];
}

export interface SimStack {
  readonly name: string;
  /** `arn:aws:cloudformation:<region>:<account>:stack/<name>/<uuid>`. */
  readonly id: string;
  status: string;
  readonly createdAt: number;
  lastUpdatedAt?: number;
  deletedAt?: number;
}

export type Ec2State = 'pending' | 'running' | 'shutting-down' | 'terminated';

export interface SimInstance {
  readonly id: string;
  readonly seq: number;
  readonly imageId: string;
  readonly instanceType: string;
  readonly availabilityZone: string;
  readonly architecture: string;
  state: Ec2State;
  readonly launchTime: number;
  readonly tags: Map<string, string>;
  readonly group?: SimGroup;
  /** Auto Scaling lifecycle state: Pending, InService, Terminating, Terminating:Wait, Terminated, ... */
  lifecycle: string;
  health: 'Healthy' | 'Unhealthy';
  protectedFromScaleIn: boolean;
  /** The template version it was launched from (a number). */
  readonly templateVersion?: string;
  readonly templateId?: string;
  readonly templateName?: string;
  readonly launchConfigurationName?: string;
  ci?: SimContainerInstance;
  terminatedAt?: number;
  /** Counted in its group's `servingCount`. */
  serving: boolean;
  /** Its agent will register with ECS (false for a bad AMI or an injected registration failure). */
  readonly registers: boolean;
  readonly reservationId: string;
  readonly events: ScheduledEvent[];
}

export type CiStatus = 'REGISTERING' | 'ACTIVE' | 'DRAINING' | 'INACTIVE';

export interface SimContainerInstance {
  readonly arn: string;
  readonly seq: number;
  readonly instance: SimInstance;
  status: CiStatus;
  agentConnected: boolean;
  readonly attributes: Map<string, string>;
  readonly registeredAt: number;
  /** Bumped on every change, like ECS's `version`. */
  version: number;
  /** Tasks whose containers are alive (not STOPPED), orphaned ones included. */
  readonly tasks: Set<SimTask>;
  /** As ECS reports them. */
  runningCount: number;
  pendingCount: number;
  /** Alive tasks that are not daemon tasks. */
  nonDaemonAlive: number;
  /** Most non-daemon tasks it holds (a stand-in for CPU/memory); Infinity when unbounded. */
  readonly maxTasks: number;
  /** In its replica services' placement buckets (ACTIVE with a connected agent). */
  placeable: boolean;
  readonly capacityProviderName?: string;
  deregisteredAt?: number;
  readonly tags: Map<string, string>;
}

export type TaskStatus = 'PENDING' | 'RUNNING' | 'DEACTIVATING' | 'STOPPED';

export interface SimService {
  readonly name: string;
  readonly arn: string;
  desired: number;
  readonly minimumHealthyPercent: number;
  readonly maximumPercent: number;
  readonly daemon: boolean;
  /** How long a stopping task stays DEACTIVATING (load balancer deregistration delay). */
  readonly deregistrationDelayMs: number;
  /** PENDING -> RUNNING, a uniform range in ms. */
  readonly taskStartMs: readonly [number, number];
  /** PENDING or RUNNING tasks with desired status RUNNING (not orphaned). */
  activeCount: number;
  /** RUNNING tasks with desired status RUNNING: the service's healthy tasks. */
  runningCount: number;
  /** Active tasks on ACTIVE container instances (those not to be replaced). */
  goodCount: number;
  /** Active tasks on DRAINING container instances, in the order they became so. */
  readonly drainingActive: Set<SimTask>;
  /** Active tasks per container instance, and the placeable instances bucketed by that count. */
  readonly perCi: Map<SimContainerInstance, number>;
  readonly buckets: Map<number, Set<SimContainerInstance>>;
  maxBucket: number;
  tasksStarted: number;
  tasksStopped: number;
  /** Tasks stopped because their container instance was draining: each is one move of a task. */
  tasksMovedByDrain: number;
  /** A rolling deployment (see Cloud.startDeployment) is in progress until then: ECS reports two deployments. */
  deploymentEndsAt?: number;
  /** A `memberOf` placement constraint on a custom attribute: only instances where it exists (or not). */
  readonly placementConstraint?: { readonly attribute: string; readonly exists: boolean };
}

export interface SimTask {
  readonly arn: string;
  readonly service?: SimService;
  readonly ci: SimContainerInstance;
  lastStatus: TaskStatus;
  desiredStatus: 'RUNNING' | 'STOPPED';
  readonly createdAt: number;
  startedAt?: number;
  stoppedAt?: number;
  stoppedReason?: string;
  /** ECS no longer accounts for it (its instance was force-deregistered); its containers may still run. */
  orphaned: boolean;
  event?: ScheduledEvent;
}

export interface SimCapacityProvider {
  readonly name: string;
  readonly arn: string;
  readonly groupArn: string;
  status: 'ACTIVE' | 'INACTIVE';
  managedTerminationProtection: 'ENABLED' | 'DISABLED';
  /** With ENABLED, ECS's termination hook is on the group (lifecycle-hooks.ts). */
  managedDraining: 'ENABLED' | 'DISABLED';
  /** Managed scaling as DescribeCapacityProviders reports it. */
  managedScaling: { status: 'ENABLED' | 'DISABLED'; targetCapacity: number };
}

export interface SimCluster {
  readonly name: string;
  readonly arn: string;
  status: 'ACTIVE' | 'INACTIVE';
  readonly capacityProviders: string[];
  readonly tags: Map<string, string>;
}

/** Leaving the group's service: terminating, detaching, or in standby. */
export function isLeaving(lifecycle: string): boolean {
  return lifecycle.startsWith('Terminat') || lifecycle.startsWith('Detach') || lifecycle === 'Standby';
}
