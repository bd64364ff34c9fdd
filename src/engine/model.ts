/**
 * Plain data: what the engine observed of a cluster, and what it decided. No SDK types leak past
 * `observe.ts`, so the planner, the simulator and the tests speak only these.
 */
import type { ImageInfo } from '../shared/image';

/** Where a group gets the image of the instances it launches. */
export type LaunchSource =
  | {
    readonly kind: 'launch-template';
    readonly launchTemplateId: string;
    readonly launchTemplateName?: string;
    /** What the group references: a number, `$Latest` or `$Default`. */
    readonly version: string;
    /** The version that reference resolves to now. */
    readonly resolvedVersion?: number;
    /** True when this template sits in a mixed instances policy. */
    readonly mixedInstancesPolicy: boolean;
    /**
     * The overrides of the mixed instances policy, as written, when some carry a launch template of their own
     * (instances of their instance types launch from it); absent otherwise.
     */
    readonly overrides?: readonly MixedOverride[];
    /** The image id as written in the template (`ami-...` or `resolve:ssm:...`). */
    readonly imageIdExpression?: string;
    /** The template's `$Latest` version, so a version this engine created is found again, not duplicated. */
    readonly latestVersion?: TemplateVersion;
  }
  | { readonly kind: 'launch-configuration'; readonly launchConfigurationName: string }
  | { readonly kind: 'none' };

/** One override of a mixed instances policy: its fields as written, and the launch template it names, if any. */
export interface MixedOverride {
  /** Everything but the template (InstanceType, WeightedCapacity, InstanceRequirements, ...), written back as is. */
  readonly fields: Readonly<Record<string, unknown>>;
  readonly template?: OverrideTemplate;
}

/** A launch template an override names, read like the group's own (see LaunchSource). */
export interface OverrideTemplate {
  readonly launchTemplateId: string;
  readonly launchTemplateName?: string;
  /** What the override references: a number, `$Latest` or `$Default` (absent in the policy: `$Default`). */
  readonly version: string;
  readonly resolvedVersion?: number;
  readonly imageIdExpression?: string;
  readonly latestVersion?: TemplateVersion;
}

export interface TemplateVersion {
  readonly number: number;
  readonly imageIdExpression?: string;
  /** Its description carries this engine's marker. */
  readonly createdByEngine: boolean;
}

export interface GroupInstance {
  readonly instanceId: string;
  readonly lifecycleState: string;
  readonly healthStatus: string;
  readonly protectedFromScaleIn: boolean;
}

export interface ObservedGroup {
  readonly name: string;
  readonly arn?: string;
  /** How the engine came to manage it. */
  readonly source: 'capacity-provider' | 'configured';
  readonly capacityProviderName?: string;
  readonly desiredCapacity: number;
  readonly minSize: number;
  readonly maxSize: number;
  readonly tags: Readonly<Record<string, string>>;
  readonly instances: readonly GroupInstance[];
  readonly launchSource: LaunchSource;
  /** The AMI the group launches now (resolved through the template or configuration). */
  readonly currentImageId?: string;
  /** Auto Scaling processes suspended on the group (`Launch`, `Terminate`, ...). */
  readonly suspendedProcesses?: readonly string[];
  /**
   * Set when the group's capacity provider has managed scaling ENABLED: ECS's target tracking policy owns
   * its desired capacity, so a batch holds its surge through MinSize instead (see decide/batch-hold.ts).
   */
  readonly ecsScaled?: boolean;
  /**
   * Read only for groups the engine may act on (an idle group costs no extra call): the group's newest
   * instance refresh, and the status of the CloudFormation stack that manages it.
   */
  readonly instanceRefresh?: { readonly id: string; readonly status: string };
  readonly stack?: { readonly name: string; readonly status?: string };
  /**
   * The group's lifecycle hooks (DescribeLifecycleHooks), read with the above; undefined when not read or not
   * readable (the engine then assumes a termination hook may hold its instances).
   */
  readonly lifecycleHooks?: readonly ObservedLifecycleHook[];
}

/** A lifecycle hook as DescribeLifecycleHooks reports it. */
export interface ObservedLifecycleHook {
  readonly name: string;
  /** `autoscaling:EC2_INSTANCE_LAUNCHING` or `autoscaling:EC2_INSTANCE_TERMINATING`. */
  readonly transition: string;
  readonly heartbeatTimeoutSeconds: number;
  readonly defaultResult: string;
}

/** A group the engine should manage but could not read. */
export interface GroupObserveFailure {
  readonly name: string;
  readonly reason: string;
}

export interface ObservedContainerInstance {
  readonly containerInstanceArn: string;
  readonly ec2InstanceId: string;
  /** ACTIVE, DRAINING, REGISTERING, ... */
  readonly status: string;
  readonly agentConnected: boolean;
  readonly runningTasksCount: number;
  readonly pendingTasksCount: number;
  /** The `ecs.ami-id` attribute the agent reported. */
  readonly amiIdAttribute?: string;
  /** The engine's phase attribute (see state.ts), as written. */
  readonly phase?: string;
  /** The engine's cordon attribute (see state.ts), as written. */
  readonly cordoned?: string;
  /**
   * Tasks on it not yet STOPPED, whatever ECS's counts say: `runningTasksCount` counts only RUNNING tasks,
   * so a task deregistering from its load balancer or shutting down is invisible to it. Read only for a
   * drained instance about to be terminated; absent otherwise.
   */
  readonly liveTasks?: number;
  readonly registeredAt?: string;
  /**
   * Its tasks whose desired status is RUNNING. Read only where a rotation policy looks (see observe.ts
   * `readWorkloads`): instances about to drain, canaries, drained instances with tasks left; absent otherwise.
   */
  readonly tasks?: readonly ObservedTask[];
}

export interface ObservedTask {
  readonly taskArn: string;
  /** The service it belongs to; absent for a standalone task (RunTask, StartTask), which ECS never moves. */
  readonly service?: string;
  /** PROVISIONING, PENDING, ACTIVATING, RUNNING, DEACTIVATING, STOPPING, ... */
  readonly lastStatus: string;
}

/** A service with tasks on an instance read above (DescribeServices). */
export interface ObservedService {
  readonly name: string;
  readonly daemon: boolean;
  readonly desiredCount: number;
  readonly runningCount: number;
  /** Deployments in flight: more than one means a deployment (or a rollback) is in progress. */
  readonly deployments: number;
}

export interface ObservedInstance {
  readonly instanceId: string;
  readonly imageId: string;
  /** pending, running, stopping, ... */
  readonly state: string;
  readonly launchTime?: string;
  readonly tags: Readonly<Record<string, string>>;
}

/** The value of one SSM parameter of the AMI map, as read. */
export interface ParameterReading {
  readonly name: string;
  /** Absent when SSM reported the parameter as invalid (it does not exist, or we may not read it). */
  readonly value?: string;
  /** Why it could not be read at all (for example access denied). */
  readonly error?: string;
}

export interface ObservedCluster {
  readonly clusterName: string;
  readonly clusterArn: string;
  /** The cluster's tags (the engine's lease lives there); absent means none. */
  readonly clusterTags?: Readonly<Record<string, string>>;
  /** Epoch milliseconds of the observation; the planner never reads a clock. */
  readonly observedAt: number;
  readonly groups: readonly ObservedGroup[];
  readonly groupFailures: readonly GroupObserveFailure[];
  readonly containerInstances: readonly ObservedContainerInstance[];
  /** EC2 instances of the managed groups and of every container instance, by id. */
  readonly instances: Readonly<Record<string, ObservedInstance>>;
  /** Every AMI involved (groups' current images, instances' images, parameter targets), by id. */
  readonly images: Readonly<Record<string, ImageInfo>>;
  /** The parameters read, by name. */
  readonly parameters: Readonly<Record<string, ParameterReading>>;
  /**
   * The launch configurations this engine created for the cluster (see launch-configurations.ts), read only
   * when a group uses a launch configuration; absent otherwise.
   */
  readonly launchConfigurations?: readonly string[];
  /** Services with a task on an instance whose tasks were read, by name; absent when none was read. */
  readonly services?: Readonly<Record<string, ObservedService>>;
  /**
   * Set when the cluster was confirmed idle without reading its container instances (observe.ts,
   * `idleObservation`): `containerInstances` is then empty, and `instances` holds each member on its group's
   * target, as ECS's count and query showed, with no launch time or tags.
   */
  readonly idle?: { readonly registeredContainerInstances: number };
}
