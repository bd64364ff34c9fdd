/**
 * The behaviour of the in-memory cloud: EC2 instances launched by Auto Scaling groups from launch
 * templates, ECS container instances that register once their agent starts, and the ECS service scheduler
 * placing, draining and replacing tasks. Every state change goes through here so that counts
 * (runningTasksCount, a service's running count, a group's serving count) stay consistent and the
 * invariant monitors see every change.
 *
 * Everything is indexed (Maps, per-service placement buckets, per-instance task sets): a call or an event
 * costs in proportion to what it touches, never to the size of the cloud, except the list/scan calls that
 * AWS itself pages through.
 */
import { ScheduledEvent, VirtualClock } from './clock';
import { SimAwsError } from './errors';
import { Faults } from './faults';
import { managedScalingTick, ManagedScalingOptions, newManagedScaling, protectBeforePlacement, reservation, trackedDesired } from './managed-scaling';
import { ECS_MANAGED_DRAINING_HOOK, LAUNCHING, LifecycleHooks, TERMINATING } from './lifecycle-hooks';
import {
  CiStatus,
  isLeaving,
  SimCapacityProvider,
  SimCluster,
  SimContainerInstance,
  SimGroup,
  SimImage,
  SimInstance,
  SimInstanceRefresh,
  SimLaunchConfiguration,
  SimLaunchTemplate,
  SimParameter,
  SimService,
  SimStack,
  SimTask,
  SimTemplateData,
  SimTemplateVersion,
  TaskStatus,
} from './model';
import { Random } from './random';

export { isLeaving };

/** Seconds, either fixed or a uniform [min, max] range. */
export type Seconds = number | readonly [number, number];

export interface CloudTiming {
  /** Launch to EC2 `running` and Auto Scaling `InService`. */
  readonly bootS: Seconds;
  /** EC2 `running` to the ECS agent registering (REGISTERING). */
  readonly registerS: Seconds;
  /** REGISTERING to ACTIVE. */
  readonly activateS: Seconds;
  /** Default PENDING -> RUNNING of a task (services may have their own). */
  readonly taskStartS: Seconds;
  /** TerminateInstanceInAutoScalingGroup (or a scale-in) to EC2 `shutting-down`. */
  readonly terminateS: Seconds;
  /** EC2 `shutting-down` to `terminated`. */
  readonly shutdownS: Seconds;
  /** A failed launch is retried by the group after this long. */
  readonly launchRetryS: Seconds;
  /** A terminated instance stays visible to DescribeInstances this long (about an hour on AWS). */
  readonly terminatedVisibleS: number;
}

export const DEFAULT_TIMING: CloudTiming = {
  bootS: [120, 180],
  registerS: [10, 30],
  activateS: 2,
  taskStartS: [30, 90],
  terminateS: 5,
  shutdownS: 30,
  launchRetryS: 30,
  terminatedVisibleS: 3600,
};

export interface CloudOptions {
  readonly clock: VirtualClock;
  readonly faults: Faults;
  readonly seed: number;
  readonly region?: string;
  readonly account?: string;
  readonly timing?: Partial<CloudTiming>;
  /**
   * Whether a task that is stopping (DEACTIVATING: load balancer deregistration, containers still up)
   * counts in its container instance's `runningTasksCount`. The API reference defines the count as tasks
   * "in the RUNNING status"; whether ECS reports a deregistering task as RUNNING is not documented, so the
   * default is the conservative reading (true): an instance reports 0 only once its containers are gone.
   */
  readonly stoppingTasksCountAsRunning?: boolean;
  /** Default page size of DescribeInstances/DescribeImages when the caller gives no MaxResults. */
  readonly ec2PageSize?: number;
  /** Default page size of DescribeAutoScalingGroups (AWS: 50). */
  readonly asgPageSize?: number;
  /** How spread placement chooses among instances tied on the service's task count. Default `uniform`. */
  readonly placementTies?: PlacementTies;
}

/** The stopped reason of a standalone task that ran to its end (ECS's, for an essential container that exited). */
export const STANDALONE_EXIT = 'Essential container in task exited';

/**
 * The UpdateService API reference gives the service scheduler's order: Availability Zones with the fewest of
 * the service's tasks, then "favoring container instances with the fewest number of running tasks for this
 * service". It names no order among instances tied on that count, so the simulator offers two:
 * - `uniform`: each placement draws one of the tied instances with equal chance, from a stream of its own, so
 *   a seed builds the same cluster under either rule (what happens later differs with where tasks went);
 * - `first-reached`: the instance that reached the count first. During a rotation that is always an
 *   outdated instance, never a replacement, so it is the worst case for task moves, kept to measure it.
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_UpdateService.html
 */
export const PLACEMENT_TIES = ['uniform', 'first-reached'] as const;
export type PlacementTies = (typeof PLACEMENT_TIES)[number];

/** Notified of every change the invariant monitors watch. */
export interface CloudListener {
  /** An EC2 instance starts shutting down; `alive` are the tasks whose containers still run on it. */
  onInstanceTerminating?(instance: SimInstance, alive: readonly SimTask[], reportedRunning: number, reportedPending: number): void;
  onServiceChanged?(service: SimService): void;
  onGroupServingChanged?(group: SimGroup): void;
  /** A container instance's status changed (REGISTERING -> ACTIVE -> DRAINING -> INACTIVE). */
  onContainerInstanceStatus?(ci: SimContainerInstance, previous: CiStatus): void;
  /** A replica or daemon service placed a task (it already counts in the service's placement buckets). */
  onTaskPlaced?(task: SimTask): void;
  /** DeregisterContainerInstance with force left these tasks running, unaccounted for (see `deregister`). */
  onTasksOrphaned?(ci: SimContainerInstance, tasks: readonly SimTask[]): void;
}

const AZS = ['a', 'b', 'c'];
/** Salt of the placement stream, forked from a generator of its own (see the constructor). */
const PLACEMENT_STREAM = 7;

export interface SimTopic {
  readonly arn: string;
  /** The customer managed key it is encrypted with, if any (SNS then calls KMS on the publisher's behalf). */
  readonly keyArn?: string;
  /** The key's policy (for IAM evaluation); absent: the default one, which delegates to IAM. */
  readonly keyPolicy?: unknown;
  readonly messages: Array<{ readonly subject?: string; readonly message: string; readonly at: number; readonly messageId: string }>;
}

export class Cloud {
  readonly clock: VirtualClock;
  readonly faults: Faults;
  readonly region: string;
  readonly account: string;
  readonly timing: CloudTiming;
  readonly stoppingTasksCountAsRunning: boolean;
  readonly ec2PageSize: number;
  readonly asgPageSize: number;
  readonly placementTies: PlacementTies;
  private readonly random: Random;
  private readonly placementRandom: Random;

  readonly images = new Map<string, SimImage>();
  readonly parameters = new Map<string, SimParameter>();
  readonly templates = new Map<string, SimLaunchTemplate>();
  readonly templatesByName = new Map<string, SimLaunchTemplate>();
  readonly launchConfigurations = new Map<string, SimLaunchConfiguration>();
  readonly groups = new Map<string, SimGroup>();
  /** Every instance ever launched (purged from DescribeInstances an hour after termination). */
  readonly instances = new Map<string, SimInstance>();
  readonly clusters = new Map<string, SimCluster>();
  readonly capacityProviders = new Map<string, SimCapacityProvider>();
  /** Container instances by ARN, and in registration order for ListContainerInstances. */
  readonly containerInstances = new Map<string, SimContainerInstance>();
  readonly containerInstanceOrder: SimContainerInstance[] = [];
  readonly services = new Map<string, SimService>();
  /** Standalone (non-service) tasks alive now. */
  readonly standaloneTasks = new Set<SimTask>();
  /** CloudFormation stacks by stack id, deleted ones included (DescribeStacks finds those by id only). */
  readonly stacks = new Map<string, SimStack>();
  /** SNS topics by ARN, each with every message published to it, in order. */
  readonly topics = new Map<string, SimTopic>();

  readonly listeners: CloudListener[] = [];
  /** Lifecycle hooks per group and the instances waiting on them (lifecycle-hooks.ts). */
  readonly lifecycleHooks = new LifecycleHooks(this);
  /** Per-instance task capacity (non-daemon tasks) of instances launched from now on. */
  maxTasksPerInstance = Infinity;
  /**
   * Accounts created on or after 1 October 2024 "cannot create new launch configurations using any method
   * (console, API, AWS CLI, or CloudFormation)" (Amazon EC2 Auto Scaling User Guide, "Auto Scaling launch
   * configurations"): CreateLaunchConfiguration then fails with UnsupportedOperation.
   * https://docs.aws.amazon.com/autoscaling/ec2/userguide/launch-configurations.html
   */
  launchConfigurationsUnsupported = false;
  private readonly dirtyServices = new Set<SimService>();
  private readonly dirtyGroups = new Set<SimGroup>();
  private settling = false;
  private seq = 0;

  constructor(options: CloudOptions) {
    this.clock = options.clock;
    this.faults = options.faults;
    this.region = options.region ?? 'us-east-1';
    this.account = options.account ?? '123456789012';
    this.timing = { ...DEFAULT_TIMING, ...options.timing };
    this.stoppingTasksCountAsRunning = options.stoppingTasksCountAsRunning ?? true;
    this.ec2PageSize = options.ec2PageSize ?? 1000;
    this.asgPageSize = options.asgPageSize ?? 50;
    this.random = new Random(options.seed);
    this.placementTies = options.placementTies ?? 'uniform';
    // A fresh generator on the same seed, forked, so placement draws never shift the main stream.
    this.placementRandom = new Random(options.seed).fork(PLACEMENT_STREAM);
  }

  now(): number {
    return this.clock.now();
  }

  /** The one ECS cluster (the simulator models one per cloud, plus any added for negative tests). */
  get cluster(): SimCluster {
    const first = this.clusters.values().next().value;
    if (!first) throw new Error('the simulated cloud has no cluster');
    return first;
  }

  // ---------------------------------------------------------------------------------------------------
  // Setup (used by the scenario builder and by tests)

  /** A standard SNS topic that keeps what is published to it; returns its ARN. */
  addTopic(name: string, key?: { readonly arn: string; readonly policy?: unknown }): string {
    const arn = `arn:aws:sns:${this.region}:${this.account}:${name}`;
    this.topics.set(arn, { arn, ...(key ? { keyArn: key.arn, keyPolicy: key.policy } : {}), messages: [] });
    return arn;
  }

  addImage(image: SimImage): SimImage {
    this.images.set(image.imageId, image);
    return image;
  }

  /** Creates the parameter or adds a version with the new value (tests change values mid-run). */
  setParameter(name: string, value: string): void {
    const existing = this.parameters.get(name);
    if (existing) existing.versions.push({ value, modifiedAt: this.now() });
    else this.parameters.set(name, { name, versions: [{ value, modifiedAt: this.now() }] });
  }

  deleteParameter(name: string): void {
    this.parameters.delete(name);
  }

  addLaunchTemplate(name: string, data: SimTemplateData, tags: Record<string, string> = {}): SimLaunchTemplate {
    const id = `lt-${this.random.hex(17)}`;
    const template: SimLaunchTemplate = {
      id,
      name,
      versions: new Map([[1, { number: 1, data: { ...data }, createdAt: this.now() }]]),
      defaultVersion: 1,
      latestVersion: 1,
      createdAt: this.now(),
      clientTokens: new Map(),
      tags: new Map(Object.entries(tags)),
    };
    this.templates.set(id, template);
    this.templatesByName.set(name, template);
    return template;
  }

  /** Adds or overwrites resource tags on a launch template (as CreateTags would). */
  tagLaunchTemplate(id: string, tags: Record<string, string>): void {
    const template = this.templates.get(id);
    if (!template) throw new Error(`no launch template ${id}`);
    for (const [k, v] of Object.entries(tags)) template.tags.set(k, v);
  }

  /** A launch template's resource tags, for an IAM evaluator's `aws:ResourceTag/...` conditions. */
  launchTemplateTags(id: string): Record<string, string> {
    const template = this.templates.get(id);
    if (!template) throw new Error(`no launch template ${id}`);
    return Object.fromEntries(template.tags);
  }

  addLaunchConfiguration(name: string, imageId: string, instanceType = 'm6i.large', data: Record<string, unknown> = {}): SimLaunchConfiguration {
    const lc: SimLaunchConfiguration = {
      name,
      arn: `arn:aws:autoscaling:${this.region}:${this.account}:launchConfiguration:${uuid(this.random)}:launchConfigurationName/${name}`,
      imageId,
      instanceType,
      createdAt: this.now(),
      data: structuredClone(data),
    };
    this.launchConfigurations.set(name, lc);
    return lc;
  }


  addGroup(spec: {
    name: string;
    minSize: number;
    maxSize: number;
    desired: number;
    launchTemplate?: { id: string; version: string };
    mixedInstancesPolicy?: boolean;
    /** The policy's overrides, some with a launch template of their own (implies mixedInstancesPolicy). */
    mixedOverrides?: ReadonlyArray<{ instanceType: string; launchTemplate?: { id: string; version: string } }>;
    launchConfigurationName?: string;
    tags?: Record<string, { value: string; propagateAtLaunch: boolean }>;
    newInstancesProtectedFromScaleIn?: boolean;
    /** The group was created by this CloudFormation stack (see `addStack`), as this logical id. */
    stack?: { name: string; logicalId?: string };
  }): SimGroup {
    const template = spec.launchTemplate ? this.templates.get(spec.launchTemplate.id) : undefined;
    if (spec.launchTemplate && !template) throw new Error(`no launch template ${spec.launchTemplate.id}`);
    const tags = new Map(Object.entries(spec.tags ?? {}).map(([k, v]) => [k, { ...v }]));
    if (spec.stack) {
      const stack = this.liveStack(spec.stack.name);
      if (!stack) throw new Error(`no stack ${spec.stack.name}; add it with addStack first`);
      // "CloudFormation adds the following tags to all Auto Scaling groups and associated instances:
      // aws:cloudformation:stack-name, aws:cloudformation:stack-id, aws:cloudformation:logical-id".
      // AWS::AutoScaling::AutoScalingGroup TagProperty:
      // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-autoscaling-autoscalinggroup-tagproperty.html
      // and "stack-level tags are automatically applied to EC2 instances regardless of the PropagateAtLaunch
      // setting" ("CloudFormation resource tagging"):
      // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-resource-tags.html
      // Modelled as group tags with PropagateAtLaunch true, so launched instances carry them too.
      tags.set('aws:cloudformation:stack-name', { value: stack.name, propagateAtLaunch: true });
      tags.set('aws:cloudformation:stack-id', { value: stack.id, propagateAtLaunch: true });
      tags.set('aws:cloudformation:logical-id', { value: spec.stack.logicalId ?? logicalIdOf(spec.name), propagateAtLaunch: true });
    }
    const group: SimGroup = {
      name: spec.name,
      arn: `arn:aws:autoscaling:${this.region}:${this.account}:autoScalingGroup:${uuid(this.random)}:autoScalingGroupName/${spec.name}`,
      minSize: spec.minSize,
      maxSize: spec.maxSize,
      desired: spec.desired,
      launchTemplate: template ? { id: template.id, name: template.name, version: spec.launchTemplate!.version } : undefined,
      mixedInstancesPolicy: spec.mixedOverrides
        ? {
          instanceTypes: spec.mixedOverrides.map((o) => o.instanceType),
          onDemandPercentage: 100,
          launches: 0,
          overrides: spec.mixedOverrides.map((o) => {
            if (!o.launchTemplate) return { instanceType: o.instanceType };
            const t = this.templates.get(o.launchTemplate.id);
            if (!t) throw new Error(`no launch template ${o.launchTemplate.id}`);
            return { instanceType: o.instanceType, launchTemplate: { id: t.id, name: t.name, version: o.launchTemplate.version } };
          }),
        }
        : spec.mixedInstancesPolicy ? { instanceTypes: ['m6i.large', 'm5.large', 'm6a.large'], onDemandPercentage: 100, launches: 0 } : undefined,
      launchConfigurationName: spec.launchConfigurationName,
      tags,
      instances: new Map(),
      newInstancesProtectedFromScaleIn: spec.newInstancesProtectedFromScaleIn ?? false,
      createdAt: this.now(),
      servingCount: 0,
      activities: [],
      suspended: new Map(),
      instanceRefreshes: [],
    };
    this.groups.set(group.name, group);
    return group;
  }

  addCluster(name: string, capacityProviders: string[] = []): SimCluster {
    const cluster: SimCluster = {
      name,
      arn: `arn:aws:ecs:${this.region}:${this.account}:cluster/${name}`,
      status: 'ACTIVE',
      capacityProviders: [...capacityProviders],
      tags: new Map(),
    };
    this.clusters.set(name, cluster);
    return cluster;
  }

  /**
   * A capacity provider for `group`. Managed draining "is on by default when you create a capacity provider"
   * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/enable-managed-instance-draining.html), and
   * aws-cdk's AsgCapacityProvider enables it unless told otherwise: ECS then puts its termination hook on the group.
   */
  addCapacityProvider(
    name: string,
    group: SimGroup,
    managedTerminationProtection: 'ENABLED' | 'DISABLED' = 'DISABLED',
    managedDraining: 'ENABLED' | 'DISABLED' = 'ENABLED',
  ): SimCapacityProvider {
    const provider: SimCapacityProvider = {
      name,
      arn: `arn:aws:ecs:${this.region}:${this.account}:capacity-provider/${name}`,
      groupArn: group.arn,
      status: 'ACTIVE',
      managedTerminationProtection,
      managedDraining,
      managedScaling: { status: 'DISABLED', targetCapacity: 100 },
    };
    this.capacityProviders.set(name, provider);
    if (managedDraining === 'ENABLED') {
      this.lifecycleHooks.put(group, { name: ECS_MANAGED_DRAINING_HOOK, transition: TERMINATING, defaultResult: 'CONTINUE', owner: 'ecs-managed-draining' });
    }
    return provider;
  }

  /**
   * An instance that has been running since `launchTime`: InService, registered and ACTIVE now, with no
   * delays. The group's desired capacity is not changed (the caller sets it).
   */
  seedInstance(group: SimGroup, options: { launchTime: number; maxTasks?: number; imageId?: string }): SimInstance {
    const resolved = this.resolveLaunch(group, group.mixedInstancesPolicy ? group.mixedInstancesPolicy.launches++ : undefined);
    if ('error' in resolved) throw new Error(`cannot seed ${group.name}: ${resolved.error}`);
    const launch = options.imageId ? { ...resolved, imageId: options.imageId } : resolved;
    if (!this.images.has(launch.imageId)) throw new Error(`cannot seed ${group.name}: no image ${launch.imageId}`);
    const instance = this.createInstance(group, launch, options.launchTime);
    instance.state = 'running';
    instance.lifecycle = 'InService';
    this.registerContainerInstance(instance, options.maxTasks ?? Infinity, 'ACTIVE', options.launchTime);
    return instance;
  }

  createService(spec: {
    name: string;
    desired: number;
    minimumHealthyPercent: number;
    maximumPercent: number;
    daemon?: boolean;
    deregistrationDelayS?: number;
    taskStartS?: Seconds;
    /** Place and start its tasks now, RUNNING at once (a steady state at t0). */
    startRunning?: boolean;
    /** `memberOf` expressions; this simulator knows `attribute:<name> exists` and `attribute:<name> !exists`. */
    placementConstraints?: readonly string[];
    /**
     * With `startRunning`: where its tasks run at t0, one instance per task (a cluster shaped by its history,
     * not by a fresh spread); tasks beyond the list are placed as usual.
     */
    placedOn?: readonly SimContainerInstance[];
  }): SimService {
    if (spec.maximumPercent < 100 && !spec.daemon) {
      throw new Error(`service ${spec.name}: maximumPercent ${spec.maximumPercent} must be at least 100 for a replica service`);
    }
    const service: SimService = {
      name: spec.name,
      arn: `arn:aws:ecs:${this.region}:${this.account}:service/${this.cluster.name}/${spec.name}`,
      desired: spec.daemon ? 0 : spec.desired,
      minimumHealthyPercent: spec.minimumHealthyPercent,
      maximumPercent: spec.maximumPercent,
      daemon: spec.daemon ?? false,
      deregistrationDelayMs: Math.round((spec.deregistrationDelayS ?? 0) * 1000),
      taskStartMs: toMsRange(spec.taskStartS ?? this.timing.taskStartS),
      activeCount: 0,
      runningCount: 0,
      goodCount: 0,
      drainingActive: new Set(),
      perCi: new Map(),
      buckets: new Map(),
      maxBucket: 0,
      tasksStarted: 0,
      tasksStopped: 0,
      tasksMovedByDrain: 0,
      placementConstraint: parsePlacementConstraint(spec.placementConstraints ?? []),
    };
    this.services.set(service.name, service);
    for (const ci of this.containerInstanceOrder) if (ci.placeable) this.bucketAdd(service, ci);
    if (service.daemon) {
      for (const ci of this.containerInstanceOrder) if (ci.placeable) this.placeTask(service, ci, spec.startRunning ?? false);
    } else if (spec.startRunning) {
      for (let i = 0; i < service.desired; i++) {
        const ci = spec.placedOn?.[i] ?? this.pickInstance(service);
        if (!ci) break;
        this.placeTask(service, ci, true);
      }
    }
    this.markService(service);
    this.settle();
    return service;
  }

  /**
   * A rolling deployment of the service for `durationS`: DescribeServices reports a second deployment until
   * it completes. Its tasks are not replaced (the engine reads only the deployment count).
   */
  startDeployment(service: SimService, durationS: number): void {
    service.deploymentEndsAt = this.now() + durationS * 1000;
    this.markService(service);
  }

  /** A task outside any service, running now on the least loaded ACTIVE instance, ending after `durationS`. */
  runStandaloneTask(durationS: number, ci?: SimContainerInstance): SimTask | undefined {
    let target = ci;
    if (!target) {
      for (const candidate of this.containerInstanceOrder) {
        if (!candidate.placeable || candidate.nonDaemonAlive >= candidate.maxTasks) continue;
        if (!target || candidate.nonDaemonAlive < target.nonDaemonAlive) target = candidate;
      }
    }
    if (!target) return undefined;
    const task = this.newTask(undefined, target);
    this.setTask(task, () => {
      task.lastStatus = 'RUNNING';
      task.startedAt = this.now();
    });
    this.standaloneTasks.add(task);
    task.event = this.at(this.now() + durationS * 1000, () => this.finishStop(task, STANDALONE_EXIT));
    this.settle();
    return task;
  }

  /**
   * An EC2 instance in no Auto Scaling group, launched by hand long ago and registered ACTIVE in the cluster
   * (seed 000's starting point: "If the container instances are not part of any Auto Scaling group").
   */
  seedUngroupedInstance(options: {
    imageId: string;
    launchTime: number;
    maxTasks?: number;
    tags?: Record<string, string>;
    instanceType?: string;
  }): SimInstance {
    const image = this.images.get(options.imageId);
    if (!image) throw new Error(`cannot seed an ungrouped instance: no image ${options.imageId}`);
    const seq = this.seq++;
    const instance: SimInstance = {
      id: `i-${this.random.hex(17)}`,
      seq,
      imageId: image.imageId,
      instanceType: options.instanceType ?? 'm6i.large',
      availabilityZone: `${this.region}${AZS[seq % AZS.length]}`,
      architecture: image.architecture,
      state: 'running',
      launchTime: options.launchTime,
      tags: new Map(Object.entries(options.tags ?? {})),
      group: undefined,
      lifecycle: 'InService',
      health: 'Healthy',
      protectedFromScaleIn: false,
      serving: false,
      registers: true,
      reservationId: `r-${this.random.hex(17)}`,
      events: [],
    };
    this.instances.set(instance.id, instance);
    this.registerContainerInstance(instance, options.maxTasks ?? this.maxTasksPerInstance, 'ACTIVE', options.launchTime);
    this.settle();
    return instance;
  }

  /** Terminates an instance outside Auto Scaling (a Spot interruption, a console click). Its group replaces it. */
  terminateInstanceExternally(instanceId: string): void {
    const instance = this.instances.get(instanceId);
    if (!instance || instance.state === 'terminated' || instance.state === 'shutting-down') return;
    this.beginShutdown(instance);
    if (instance.group) {
      instance.health = 'Unhealthy';
      this.setLifecycle(instance, 'Terminating');
      this.markGroup(instance.group);
    }
    this.settle();
  }

  // ---------------------------------------------------------------------------------------------------
  // CloudFormation stacks (only what DescribeStacks reports: the engine waits while a stack is updating)

  /** A stack, `CREATE_COMPLETE` by default; returns its StackId. */
  addStack(name: string, status = 'CREATE_COMPLETE'): string {
    if (this.liveStack(name)) throw new Error(`stack ${name} already exists`);
    const id = `arn:aws:cloudformation:${this.region}:${this.account}:stack/${name}/${uuid(this.random)}`;
    this.stacks.set(id, { name, id, status, createdAt: this.now() });
    return id;
  }

  /**
   * Sets a stack's status (`UPDATE_IN_PROGRESS`, `UPDATE_COMPLETE`, `DELETE_COMPLETE`, ...). Once it is
   * `DELETE_COMPLETE`, DescribeStacks finds it by its stack id only, as on AWS.
   */
  setStackStatus(nameOrId: string, status: string): void {
    const stack = this.stacks.get(nameOrId) ?? this.liveStack(nameOrId);
    if (!stack) throw new Error(`no stack ${nameOrId}`);
    stack.status = status;
    stack.lastUpdatedAt = this.now();
    if (status === 'DELETE_COMPLETE') stack.deletedAt = this.now();
  }

  /** The stack of that name that is not deleted, if any. */
  liveStack(name: string): SimStack | undefined {
    for (const s of this.stacks.values()) if (s.name === name && s.deletedAt === undefined) return s;
    return undefined;
  }

  // ---------------------------------------------------------------------------------------------------
  // Suspended processes
  // "Suspend and resume Amazon EC2 Auto Scaling processes":
  // https://docs.aws.amazon.com/autoscaling/ec2/userguide/as-suspend-resume-processes.html
  // "How suspended processes affect other processes":
  // https://docs.aws.amazon.com/autoscaling/ec2/userguide/understand-how-suspending-processes-affects-other-processes.html

  /**
   * SuspendProcesses: the named processes, or all of them when `names` is omitted ("If you omit this
   * property, all processes are specified", SuspendProcesses API reference). Launch suspended: the group
   * launches nothing, so raising desired leaves it below desired. Terminate suspended: it terminates no
   * InService instance to reach a lower desired. The others are only reported.
   */
  suspendProcesses(groupOrName: SimGroup | string, names: readonly string[] = SCALING_PROCESSES): void {
    const group = this.groupOf(groupOrName);
    for (const name of names) {
      if (!SCALING_PROCESSES.includes(name)) throw new Error(`unknown scaling process ${name}; one of ${SCALING_PROCESSES.join(', ')}`);
      // As DescribeAutoScalingGroups reports a suspension made through the API (e.g. "User suspended at
      // 2026-01-01T00:00:00Z"); the exact wording is taken from CLI output examples, not a reference page.
      if (!group.suspended.has(name)) group.suspended.set(name, `User suspended at ${isoSeconds(this.now())}`);
    }
    this.markGroup(group);
    this.settle();
  }

  /** ResumeProcesses: the named processes, or all. The group catches up to its desired capacity at once. */
  resumeProcesses(groupOrName: SimGroup | string, names?: readonly string[]): void {
    const group = this.groupOf(groupOrName);
    for (const name of names ?? [...group.suspended.keys()]) group.suspended.delete(name);
    this.markGroup(group);
    this.settle();
  }

  isSuspended(group: SimGroup, process: string): boolean {
    return group.suspended.has(process);
  }

  // ---------------------------------------------------------------------------------------------------
  // Instance refreshes (status only: the engine has to see one, not its replacements)

  /**
   * StartInstanceRefresh, as another actor would: `Pending` for `pendingS` (default a tenth of the
   * duration, at most 30 s), then `InProgress`, then `Successful` (or `Failed`) `durationS` after the start.
   * Instances are not replaced. A refresh already Pending, InProgress or Cancelling refuses a new one with
   * InstanceRefreshInProgress, as StartInstanceRefresh documents.
   * https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_StartInstanceRefresh.html
   */
  startInstanceRefresh(groupOrName: SimGroup | string, options: { durationS: number; pendingS?: number; outcome?: 'Successful' | 'Failed' }): string {
    const group = this.groupOf(groupOrName);
    if (group.instanceRefreshes.some((r) => r.status === 'Pending' || r.status === 'InProgress' || r.status === 'Cancelling')) {
      throw new SimAwsError('InstanceRefreshInProgress', 'An Instance Refresh is already in progress and blocks the execution of this Instance Refresh.');
    }
    const start = this.now();
    const duration = Math.max(0, options.durationS) * 1000;
    const pending = Math.min(duration, (options.pendingS ?? Math.min(30, options.durationS / 10)) * 1000);
    const refresh: SimInstanceRefresh = {
      id: uuid(this.random),
      groupName: group.name,
      status: 'Pending',
      createdAt: start,
      inProgressAt: start + pending,
      endsAt: start + duration,
      outcome: options.outcome ?? 'Successful',
      events: [],
    };
    group.instanceRefreshes.push(refresh);
    refresh.events.push(this.at(refresh.inProgressAt, () => {
      if (refresh.status !== 'Pending') return;
      refresh.status = 'InProgress';
      refresh.startedAt = this.now();
    }));
    refresh.events.push(this.at(refresh.endsAt, () => {
      if (refresh.status !== 'Pending' && refresh.status !== 'InProgress') return;
      refresh.startedAt ??= this.now();
      refresh.status = refresh.outcome;
      refresh.endedAt = this.now();
      if (refresh.outcome === 'Failed') refresh.statusReason = 'The instance refresh failed (injected by the simulator).';
    }));
    return refresh.id;
  }

  /** CancelInstanceRefresh: `Cancelling` now, `Cancelled` after `cancelS` (default 30 s). */
  cancelInstanceRefresh(groupOrName: SimGroup | string, cancelS = 30): void {
    const group = this.groupOf(groupOrName);
    const refresh = group.instanceRefreshes.find((r) => r.status === 'Pending' || r.status === 'InProgress');
    if (!refresh) throw new SimAwsError('ActiveInstanceRefreshNotFound', `No in progress or pending Instance Refresh found for Auto Scaling group ${group.name}`);
    for (const e of refresh.events) e.cancel();
    refresh.status = 'Cancelling';
    refresh.events.push(this.at(this.now() + cancelS * 1000, () => {
      refresh.status = 'Cancelled';
      refresh.endedAt = this.now();
    }));
  }

  // ---------------------------------------------------------------------------------------------------
  // Capacity provider managed scaling and managed termination protection

  /**
   * Turns on the group's capacity provider managed scaling (and, by default, managed termination
   * protection): ECS's per-minute CapacityProviderReservation target tracking, modelled in managed-scaling.ts
   * from the ECS developer guide.
   */
  enableManagedScaling(groupOrName: SimGroup | string, options: ManagedScalingOptions = {}): void {
    const group = this.groupOf(groupOrName);
    const scaling = newManagedScaling(group, options);
    this.disableManagedScaling(group);
    group.managedScaling = scaling;
    const provider = this.providerOf(group);
    if (provider) {
      provider.managedScaling = { status: 'ENABLED', targetCapacity: scaling.targetCapacityPercent };
      provider.managedTerminationProtection = scaling.managedTerminationProtection ? 'ENABLED' : 'DISABLED';
    }
    this.scheduleManagedScaling(group);
  }

  disableManagedScaling(groupOrName: SimGroup | string): void {
    const group = this.groupOf(groupOrName);
    group.managedScaling?.event?.cancel();
    group.managedScaling = undefined;
    const provider = this.providerOf(group);
    if (provider) provider.managedScaling = { status: 'DISABLED', targetCapacity: provider.managedScaling.targetCapacity };
  }

  /** What the target tracking policy would set desired capacity to now, were its alarms to act. */
  managedDesired(group: SimGroup): number {
    const scaling = group.managedScaling;
    if (!scaling) throw new Error(`group ${group.name} has no managed scaling`);
    return trackedDesired(group, reservation(this, group), scaling);
  }

  /**
   * A desired capacity set by someone else (a person, another scaling policy), validated as SetDesiredCapacity
   * validates it.
   */
  setDesiredExternally(groupOrName: SimGroup | string, desired: number): void {
    const group = this.groupOf(groupOrName);
    this.setDesiredCapacity(group, desired);
    group.activities.push({ id: uuid(this.random), at: this.now(), description: `Desired capacity set to ${desired} externally`, status: 'Successful' });
    this.settle();
  }

  private scheduleManagedScaling(group: SimGroup): void {
    const scaling = group.managedScaling;
    if (!scaling) return;
    scaling.event = this.at(this.now() + scaling.periodS * 1000, () => {
      if (group.managedScaling !== scaling) return;
      const activity = managedScalingTick(this, group, scaling);
      if (activity) group.activities.push({ id: uuid(this.random), at: this.now(), description: activity, status: 'Successful' });
      this.markGroup(group);
      this.scheduleManagedScaling(group);
    });
  }

  private providerOf(group: SimGroup): SimCapacityProvider | undefined {
    for (const p of this.capacityProviders.values()) if (p.groupArn === group.arn) return p;
    return undefined;
  }

  private groupOf(groupOrName: SimGroup | string): SimGroup {
    const group = typeof groupOrName === 'string' ? this.groups.get(groupOrName) : groupOrName;
    if (!group) throw new Error(`no group ${String(groupOrName)}`);
    return group;
  }

  // ---------------------------------------------------------------------------------------------------
  // Queries used by the API layer and tests

  instancesOf(groupName: string): SimInstance[] {
    return [...(this.groups.get(groupName)?.instances.values() ?? [])];
  }

  /** Image id -> number of the group's listed, not terminating, instances on it. */
  imagesOf(groupName: string): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const i of this.instancesOf(groupName)) {
      if (isLeaving(i.lifecycle)) continue;
      counts[i.imageId] = (counts[i.imageId] ?? 0) + 1;
    }
    return counts;
  }

  /** Container instances still registered (not INACTIVE). */
  registeredContainerInstances(): SimContainerInstance[] {
    return this.containerInstanceOrder.filter((ci) => ci.status !== 'INACTIVE');
  }

  /** Alive tasks of a service, standalone tasks when `service` is undefined. */
  tasksOf(service: SimService | undefined): SimTask[] {
    const result: SimTask[] = [];
    for (const ci of this.containerInstanceOrder) for (const t of ci.tasks) if (t.service === service) result.push(t);
    return result;
  }

  resolveTemplateVersion(template: SimLaunchTemplate, version: string | undefined): SimTemplateVersion | undefined {
    // "$Latest" and "$Default" are resolved when used, to the template's latest or default version.
    // https://docs.aws.amazon.com/autoscaling/ec2/userguide/launch-templates.html ("Auto Scaling groups ... can
    // use the $Latest or $Default version"), and EC2 User Guide, "Modify a launch template (manage launch
    // template versions)": https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/manage-launch-template-versions.html
    if (version === undefined || version === '$Default') return template.versions.get(template.defaultVersion);
    if (version === '$Latest') return template.versions.get(template.latestVersion);
    if (!/^\d+$/.test(version)) return undefined;
    return template.versions.get(Number(version));
  }

  /** Value of `name` or `name:version`, as GetParameters would read it; undefined when missing. */
  parameterValue(selector: string): { name: string; version: number; value: string; modifiedAt: number } | undefined {
    let name = selector;
    let version: number | undefined;
    const match = selector.match(/^(.*):(\d+)$/);
    if (match && !selector.startsWith('arn:')) {
      name = match[1];
      version = Number(match[2]);
    }
    const arnMatch = name.match(/^arn:aws[a-z-]*:ssm:[^:]*:\d*:parameter(\/.*)$/);
    if (arnMatch) name = this.parameters.has(arnMatch[1]) ? arnMatch[1] : arnMatch[1].slice(1);
    const p = this.parameters.get(name);
    if (!p) return undefined;
    const n = version ?? p.versions.length;
    const v = p.versions[n - 1];
    return v ? { name, version: n, value: v.value, modifiedAt: v.modifiedAt } : undefined;
  }

  // ---------------------------------------------------------------------------------------------------
  // Auto Scaling behaviour

  /** Validated SetDesiredCapacity. */
  setDesiredCapacity(group: SimGroup, desired: number): void {
    // "ValidationError: New SetDesiredCapacity value N is above max value M for the AutoScalingGroup."
    // SetDesiredCapacity API reference: https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_SetDesiredCapacity.html
    if (desired > group.maxSize) {
      throw new SimAwsError('ValidationError', `New SetDesiredCapacity value ${desired} is above max value ${group.maxSize} for the AutoScalingGroup.`);
    }
    if (desired < group.minSize) {
      throw new SimAwsError('ValidationError', `New SetDesiredCapacity value ${desired} is below min value ${group.minSize} for the AutoScalingGroup.`);
    }
    group.desired = desired;
    this.markGroup(group);
  }

  /**
   * TerminateInstanceInAutoScalingGroup: "This call simply makes a termination request. The instance is not
   * terminated immediately." Without decrement "Amazon EC2 Auto Scaling launches instances to replace the
   * ones that are terminated"; with it, desired capacity drops by one, and the call fails when that would
   * go below the minimum size.
   * Scale-in protection does not stop it: "Instance scale-in protection does not protect Auto Scaling
   * instances from the following: Manual termination through the terminate-instance-in-auto-scaling-group
   * command, or the TerminateInstanceInAutoScalingGroup action" ("Use instance scale-in protection", Amazon
   * EC2 Auto Scaling User Guide, the version of the page that lists it).
   * https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_TerminateInstanceInAutoScalingGroup.html
   * https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-instance-protection.html
   * With the Terminate process suspended: the documentation says what Terminate covers (scale-in and Auto
   * Scaling's own terminations, "only to instances that are currently in the InService state") but not
   * whether this explicit request is refused. The simulator takes the conservative reading (an assumption,
   * not documented): an InService instance is refused with a ValidationError and nothing changes.
   * https://docs.aws.amazon.com/autoscaling/ec2/userguide/as-suspend-resume-processes.html
   */
  terminateInGroup(instance: SimInstance, decrement: boolean): string {
    const group = instance.group;
    if (!group || !group.instances.has(instance.id)) {
      throw new SimAwsError('ValidationError', `Instance Id not found - No managed instance found for instance ID: ${instance.id}`);
    }
    const activityId = uuid(this.random);
    if (isLeaving(instance.lifecycle)) return activityId; // already on its way out; AWS answers with an activity
    if (group.suspended.has('Terminate') && instance.lifecycle === 'InService') {
      throw new SimAwsError(
        'ValidationError',
        `The Terminate process is suspended for AutoScalingGroup ${group.name}; instance ${instance.id} was not terminated (simulated: undocumented behaviour, conservative reading).`,
      );
    }
    if (decrement) {
      if (group.desired - 1 < group.minSize) {
        throw new SimAwsError(
          'ValidationError',
          `Currently, desiredCapacity ${group.desired} is equal to minSize ${group.minSize}. Terminating instance without replacement will violate group's min size constraint. Either set shouldDecrementDesiredCapacity flag to false or lower group's min size.`,
        );
      }
      group.desired -= 1;
    }
    group.activities.push({
      id: activityId,
      at: this.now(),
      description: `Terminating EC2 instance: ${instance.id}`,
      status: 'InProgress',
      message: decrement ? 'shrinking the capacity from ' + (group.desired + 1) + ' to ' + group.desired : 'replacing the instance',
    });
    this.beginTermination(instance);
    this.markGroup(group);
    return activityId;
  }

  /**
   * DetachInstances: "Removes one or more instances from the specified Auto Scaling group. After the instances
   * are detached, you can manage them independent of the Auto Scaling group. If you do not specify the option
   * to decrement the desired capacity, Amazon EC2 Auto Scaling launches instances to replace the ones that are
   * detached." The instance keeps running (and stays registered in ECS); the group forgets it and Auto Scaling
   * removes its `aws:autoscaling:groupName` tag. Only InService instances may be detached ("The instance must be
   * in the InService state"); with decrement, the group may not go below its minimum size.
   * https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_DetachInstances.html
   * https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-detach-attach-instances.html
   */
  detachInstances(group: SimGroup, instanceIds: readonly string[], decrement: boolean): string[] {
    const instances = instanceIds.map((id) => {
      const instance = group.instances.get(id);
      if (!instance) throw new SimAwsError('ValidationError', `The instance ${id} is not part of Auto Scaling group ${group.name}.`);
      if (instance.lifecycle !== 'InService') throw new SimAwsError('ValidationError', `The instance ${id} is not in InService.`);
      return instance;
    });
    if (decrement && group.desired - instances.length < group.minSize) {
      throw new SimAwsError('ValidationError', `Detaching ${instances.length} instances would violate the group's min size ${group.minSize}.`);
    }
    const activities: string[] = [];
    for (const instance of instances) {
      this.setLifecycle(instance, 'Detached');
      group.instances.delete(instance.id);
      instance.tags.delete('aws:autoscaling:groupName');
      // From now on it belongs to no group (the record's group reference goes with it).
      (instance as { group?: SimGroup }).group = undefined;
      const id = uuid(this.random);
      group.activities.push({
        id,
        at: this.now(),
        description: `Detaching EC2 instance: ${instance.id}`,
        status: 'Successful',
        message: decrement ? `shrinking the capacity from ${group.desired} to ${group.desired - 1}` : 'replacing the instance',
      });
      if (decrement) group.desired -= 1;
      activities.push(id);
    }
    this.markGroup(group);
    return activities;
  }

  /**
   * UpdateAutoScalingGroup: "If you specify a new value for MinSize without specifying a value for
   * DesiredCapacity, and the new MinSize is larger than the current size of the group, this sets the group's
   * DesiredCapacity to the new MinSize value" (and likewise MaxSize below desired lowers it).
   * https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_UpdateAutoScalingGroup.html
   */
  updateGroup(group: SimGroup, update: { minSize?: number; maxSize?: number; desired?: number }): void {
    const min = update.minSize ?? group.minSize;
    const max = update.maxSize ?? group.maxSize;
    let desired = update.desired ?? group.desired;
    if (min > max) throw new SimAwsError('ValidationError', `Max bound, ${max}, must be greater than or equal to min bound, ${min}`);
    if (update.desired === undefined) desired = Math.min(Math.max(desired, min), max);
    if (desired > max) throw new SimAwsError('ValidationError', `Desired capacity:${desired} must be between the specified min size:${min} and max size:${max}`);
    if (desired < min) throw new SimAwsError('ValidationError', `Desired capacity:${desired} must be between the specified min size:${min} and max size:${max}`);
    group.minSize = min;
    group.maxSize = max;
    group.desired = desired;
    this.markGroup(group);
  }

  private reconcileGroup(group: SimGroup): void {
    const inService: SimInstance[] = [];
    for (const i of group.instances.values()) if (!isLeaving(i.lifecycle)) inService.push(i);
    const missing = group.desired - inService.length;
    // Launch suspended: "Adds instances to the Auto Scaling group when the group scales out, or when Amazon
    // EC2 Auto Scaling chooses to launch instances for other reasons" stops; Terminate suspended: scale-in
    // stops, but "Suspending the Terminate process applies only to instances that are currently in the
    // InService state" (Considerations), so a Pending instance may still be picked.
    // https://docs.aws.amazon.com/autoscaling/ec2/userguide/as-suspend-resume-processes.html
    // https://docs.aws.amazon.com/autoscaling/ec2/userguide/suspend-resume-considerations.html
    if (missing > 0 && !group.suspended.has('Launch')) {
      for (let n = 0; n < missing; n++) {
        if (!this.launchOne(group)) {
          this.scheduleGroupRetry(group);
          break;
        }
      }
    } else if (missing < 0) {
      // Scale in. Default termination policy, simplified: instances from an older launch template version
      // (or another template/configuration) first, then the oldest; protected instances are skipped.
      // "Configure termination policies for Amazon EC2 Auto Scaling":
      // https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-termination-policies.html
      const current = group.launchTemplate ? this.resolveLaunch(group) : undefined;
      const currentVersion = current && !('error' in current) ? current.templateVersion : undefined;
      const terminateSuspended = group.suspended.has('Terminate');
      const candidates = inService.filter((i) => !i.protectedFromScaleIn && !(terminateSuspended && i.lifecycle === 'InService'));
      // A launch configuration group: "instances that use the oldest launch configuration" go first.
      const old = (i: SimInstance) => (group.launchTemplate
        ? i.templateVersion !== currentVersion
        : i.launchConfigurationName !== group.launchConfigurationName);
      candidates.sort((a, b) => {
        const aOld = old(a) ? 0 : 1;
        const bOld = old(b) ? 0 : 1;
        return aOld - bOld || a.launchTime - b.launchTime || a.seq - b.seq;
      });
      for (const victim of candidates.slice(0, -missing)) {
        group.activities.push({ id: uuid(this.random), at: this.now(), description: `Terminating EC2 instance: ${victim.id} (scale in)`, status: 'InProgress' });
        this.beginTermination(victim);
      }
    }
  }

  private scheduleGroupRetry(group: SimGroup): void {
    if (group.retry && !group.retry.cancelled && group.retry.at > this.now()) return;
    group.retry = this.at(this.now() + this.ms(this.timing.launchRetryS), () => {
      group.retry = undefined;
      this.markGroup(group);
    });
  }

  /**
   * Resolves what the group launches now: the launch template version its reference names at this moment
   * and, for an image id `resolve:ssm:NAME`, the parameter's value at launch time ("Use AWS Systems Manager
   * parameters instead of AMI IDs in launch templates": the parameter is resolved when the instance is
   * launched). https://docs.aws.amazon.com/autoscaling/ec2/userguide/using-systems-manager-parameters.html
   */
  resolveLaunch(group: SimGroup, overrideIndex?: number): Launch | { error: string } {
    let imageExpr: string | undefined;
    let instanceType = 'm6i.large';
    let templateVersion: string | undefined;
    let spec = group.launchTemplate;
    // A mixed instances policy's override may name a launch template of its own: "you can specify a different
    // launch template for an instance type" (Amazon EC2 Auto Scaling User Guide, "Use multiple launch
    // templates"): instances of that type launch from it. Which override a launch uses is the simulator's
    // simplification (round robin), not AWS's allocation strategy.
    // https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-mixed-instances-groups-launch-template-overrides.html
    const overrides = group.mixedInstancesPolicy?.overrides;
    const override = overrides && overrides.length > 0 ? overrides[(overrideIndex ?? 0) % overrides.length] : undefined;
    if (override?.launchTemplate) spec = override.launchTemplate;
    if (spec) {
      const template = this.templates.get(spec.id);
      if (!template) return { error: `The specified launch template, with template ID ${spec.id}, does not exist.` };
      const version = this.resolveTemplateVersion(template, spec.version);
      if (!version) return { error: `The specified launch template version ${spec.version} does not exist.` };
      imageExpr = version.data.ImageId;
      instanceType = override?.instanceType ?? version.data.InstanceType ?? group.mixedInstancesPolicy?.instanceTypes[0] ?? instanceType;
      templateVersion = String(version.number);
    } else if (group.launchConfigurationName) {
      const lc = this.launchConfigurations.get(group.launchConfigurationName);
      if (!lc) return { error: `Launch configuration ${group.launchConfigurationName} does not exist.` };
      imageExpr = lc.imageId;
      instanceType = lc.instanceType;
    }
    if (!imageExpr) return { error: 'The request must contain the parameter ImageId' };
    let imageId = imageExpr;
    if (imageExpr.startsWith('resolve:ssm:')) {
      const value = this.parameterValue(imageExpr.slice('resolve:ssm:'.length));
      if (!value) return { error: `The parameter ${imageExpr.slice('resolve:ssm:'.length)} could not be resolved.` };
      imageId = value.value.trim();
    }
    const image = this.images.get(imageId);
    if (!image || image.state !== 'available') {
      return { error: `The image id '[${imageId}]' does not exist` };
    }
    return { imageId, instanceType, templateVersion, templateId: spec?.id, templateName: spec?.name };
  }

  private launchOne(group: SimGroup): boolean {
    const launch = this.resolveLaunch(group, group.mixedInstancesPolicy ? group.mixedInstancesPolicy.launches++ : undefined);
    const injected = 'error' in launch ? undefined : this.faults.launchFails(group.name);
    if ('error' in launch || injected) {
      const message = 'error' in launch ? launch.error : injected!;
      group.activities.push({
        id: uuid(this.random),
        at: this.now(),
        description: 'Launching a new EC2 instance. Status Reason: ' + message,
        status: 'Failed',
        message,
      });
      return false;
    }
    const instance = this.createInstance(group, launch, this.now());
    group.activities.push({ id: uuid(this.random), at: this.now(), description: `Launching a new EC2 instance: ${instance.id}`, status: 'Successful' });
    instance.events.push(this.at(this.now() + this.ms(group.timing?.bootS ?? this.timing.bootS), () => {
      if (instance.state !== 'pending') return;
      instance.state = 'running';
      if (instance.lifecycle === 'Pending') this.afterLaunchHooks(instance);
      if (instance.registers) {
        instance.events.push(this.at(this.now() + this.ms(group.timing?.registerS ?? this.timing.registerS), () => {
          if (instance.state !== 'running') return;
          this.registerContainerInstance(instance, this.maxTasksPerInstance, 'REGISTERING', this.now());
        }));
      }
    }));
    return true;
  }

  private createInstance(
    group: SimGroup,
    launch: Launch,
    launchTime: number,
  ): SimInstance {
    const id = `i-${this.random.hex(17)}`;
    const image = this.images.get(launch.imageId)!;
    const tags = new Map<string, string>();
    // Tags with PropagateAtLaunch are copied to the instances the group launches, with aws:autoscaling:groupName.
    // "Tag Auto Scaling groups and instances": https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-tagging.html
    for (const [key, tag] of group.tags) if (tag.propagateAtLaunch) tags.set(key, tag.value);
    tags.set('aws:autoscaling:groupName', group.name);
    const registers = !image.bad && !this.faults.registrationFails(group.name, launch.imageId);
    const seq = this.seq++;
    const instance: SimInstance = {
      id,
      seq,
      imageId: launch.imageId,
      instanceType: launch.instanceType,
      availabilityZone: `${this.region}${AZS[seq % AZS.length]}`,
      architecture: image.architecture,
      state: 'pending',
      launchTime,
      tags,
      group,
      lifecycle: 'Pending',
      health: 'Healthy',
      protectedFromScaleIn: group.newInstancesProtectedFromScaleIn,
      templateVersion: launch.templateVersion,
      templateId: launch.templateId,
      templateName: launch.templateName,
      launchConfigurationName: group.launchConfigurationName,
      serving: false,
      registers,
      reservationId: `r-${this.random.hex(17)}`,
      events: [],
    };
    this.instances.set(id, instance);
    group.instances.set(id, instance);
    return instance;
  }

  private setLifecycle(instance: SimInstance, lifecycle: string): void {
    instance.lifecycle = lifecycle;
    this.updateServing(instance);
  }

  /**
   * A launched instance is running: with launch hooks it waits in Pending:Wait (the agent starts and registers
   * meanwhile), then Pending:Proceed and InService; a launch abandoned is terminated (lifecycle-hooks.ts).
   */
  private afterLaunchHooks(instance: SimInstance): void {
    const waits = this.lifecycleHooks.begin(instance, LAUNCHING, (result) => {
      if (instance.lifecycle !== 'Pending:Wait') return;
      if (result === 'ABANDON') {
        this.setLifecycle(instance, 'Terminating');
        this.beginShutdown(instance);
        return;
      }
      this.setLifecycle(instance, 'Pending:Proceed');
      this.setLifecycle(instance, 'InService');
      this.markGroup(instance.group!);
    });
    this.setLifecycle(instance, waits ? 'Pending:Wait' : 'InService');
  }

  /** Terminating, then Terminating:Wait while termination hooks hold it (lifecycle-hooks.ts), then shutdown. */
  private beginTermination(instance: SimInstance): void {
    this.lifecycleHooks.forget(instance); // a launch still waiting on its hooks ends here
    this.setLifecycle(instance, 'Terminating');
    instance.events.push(this.at(this.now() + this.ms(this.timing.terminateS), () => {
      const proceed = (): void => {
        if (instance.state === 'shutting-down' || instance.state === 'terminated') return;
        this.setLifecycle(instance, 'Terminating:Proceed');
        this.beginShutdown(instance);
      };
      if (this.lifecycleHooks.begin(instance, TERMINATING, proceed)) {
        this.setLifecycle(instance, 'Terminating:Wait');
      } else {
        proceed();
      }
    }));
  }

  /**
   * EC2 shutting-down: the containers on it die now. The agent disconnects; once terminated, a container
   * instance whose agent was connected is deregistered by ECS ("If you terminate a running container
   * instance, Amazon ECS automatically deregisters the instance from your cluster (stopped container
   * instances or instances with disconnected agents aren't automatically deregistered when terminated)").
   * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeregisterContainerInstance.html
   */
  private beginShutdown(instance: SimInstance): void {
    if (instance.state === 'shutting-down' || instance.state === 'terminated') return;
    this.lifecycleHooks.forget(instance);
    for (const e of instance.events) e.cancel();
    instance.events.length = 0;
    const ci = instance.ci;
    const alive = ci ? [...ci.tasks] : [];
    const reportedRunning = ci && ci.status !== 'INACTIVE' ? ci.runningCount : 0;
    const reportedPending = ci && ci.status !== 'INACTIVE' ? ci.pendingCount : 0;
    for (const l of this.listeners) l.onInstanceTerminating?.(instance, alive, reportedRunning, reportedPending);
    instance.state = 'shutting-down';
    const wasConnected = ci?.agentConnected ?? false;
    if (ci) {
      for (const t of alive) this.killTask(t, 'Host EC2 (instance ' + instance.id + ') terminated.');
      this.mutateCi(ci, () => {
        ci.agentConnected = false;
      });
    }
    this.updateServing(instance);
    this.at(this.now() + this.ms(this.timing.shutdownS), () => {
      instance.state = 'terminated';
      instance.terminatedAt = this.now();
      if (ci && wasConnected && ci.status !== 'INACTIVE') this.deregister(ci);
      const group = instance.group;
      if (group && group.instances.has(instance.id)) {
        this.setLifecycle(instance, 'Terminated');
        group.instances.delete(instance.id);
        this.markGroup(group);
      }
    });
  }

  private updateServing(instance: SimInstance): void {
    const ci = instance.ci;
    const serving = instance.lifecycle === 'InService' && instance.state === 'running' && ci !== undefined && ci.status === 'ACTIVE' && ci.agentConnected;
    if (serving === instance.serving) return;
    instance.serving = serving;
    const group = instance.group;
    if (!group) return;
    group.servingCount += serving ? 1 : -1;
    for (const l of this.listeners) l.onGroupServingChanged?.(group);
  }

  // ---------------------------------------------------------------------------------------------------
  // ECS container instances

  private registerContainerInstance(instance: SimInstance, maxTasks: number, status: CiStatus, registeredAt: number): SimContainerInstance {
    const cluster = this.cluster;
    const image = this.images.get(instance.imageId);
    const provider = [...this.capacityProviders.values()].find((p) => p.groupArn === instance.group?.arn);
    const ci: SimContainerInstance = {
      arn: `arn:aws:ecs:${this.region}:${this.account}:container-instance/${cluster.name}/${this.random.hex(32)}`,
      seq: this.seq++,
      instance,
      status: 'REGISTERING',
      agentConnected: true,
      attributes: new Map([
        ['ecs.ami-id', instance.imageId],
        ['ecs.instance-type', instance.instanceType],
        ['ecs.availability-zone', instance.availabilityZone],
        ['ecs.os-type', image?.platformDetails.startsWith('Windows') ? 'windows' : 'linux'],
        ['ecs.cpu-architecture', instance.architecture === 'arm64' ? 'arm64' : 'x86_64'],
        ['ecs.capability.privileged-container', ''],
      ]),
      registeredAt,
      version: 1,
      tasks: new Set(),
      runningCount: 0,
      pendingCount: 0,
      nonDaemonAlive: 0,
      maxTasks,
      placeable: false,
      capacityProviderName: provider?.name,
      tags: new Map(),
    };
    instance.ci = ci;
    this.containerInstances.set(ci.arn, ci);
    this.containerInstanceOrder.push(ci);
    if (status === 'ACTIVE') {
      this.activate(ci);
    } else {
      this.at(this.now() + this.ms(this.timing.activateS), () => {
        if (ci.status === 'REGISTERING' && ci.agentConnected) this.activate(ci);
      });
    }
    return ci;
  }

  private activate(ci: SimContainerInstance): void {
    this.setCiStatus(ci, 'ACTIVE');
  }

  /**
   * UpdateContainerInstancesState, per instance. "A container instance can't be changed to DRAINING until it
   * has reached an ACTIVE status"; a failure is returned for it.
   * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_UpdateContainerInstancesState.html
   */
  setCiStatus(ci: SimContainerInstance, status: CiStatus): void {
    if (ci.status === status) return;
    this.mutateCi(ci, () => {
      ci.status = status;
    });
  }

  /**
   * DeregisterContainerInstance. With force, tasks still on it are orphaned: "these tasks remain running
   * until you terminate the instance or the tasks stop through some other means, but they're orphaned (no
   * longer monitored or accounted for by Amazon ECS). If an orphaned task on your container instance is part
   * of an Amazon ECS service, then the service scheduler starts another copy of that task".
   * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeregisterContainerInstance.html
   */
  deregister(ci: SimContainerInstance): void {
    const orphaned = [...ci.tasks].filter((t) => !t.orphaned && t.lastStatus !== 'STOPPED');
    if (orphaned.length > 0 && ci.agentConnected) for (const l of this.listeners) l.onTasksOrphaned?.(ci, orphaned);
    this.mutateCi(ci, () => {
      ci.status = 'INACTIVE';
      ci.agentConnected = false;
      ci.deregisteredAt = this.now();
      for (const t of ci.tasks) t.orphaned = true;
    });
  }

  /**
   * Applies a change to a container instance's status or connection, keeping every count that depends on
   * it consistent: task contributions are withdrawn, the change applied, and contributions re-added.
   */
  private mutateCi(ci: SimContainerInstance, change: () => void): void {
    const wasStatus = ci.status;
    for (const t of ci.tasks) this.contribute(t, -1);
    if (ci.placeable) {
      for (const s of this.services.values()) if (!s.daemon) this.bucketRemove(s, ci);
      ci.placeable = false;
    }
    change();
    ci.version++;
    if (ci.status === 'ACTIVE' && ci.agentConnected) {
      ci.placeable = true;
      for (const s of this.services.values()) if (!s.daemon) this.bucketAdd(s, ci);
    }
    for (const t of ci.tasks) this.contribute(t, +1);
    this.updateServing(ci.instance);
    for (const t of ci.tasks) if (t.service) this.markService(t.service);
    if (ci.placeable && wasStatus !== 'ACTIVE') {
      // Daemon tasks are placed on every ACTIVE instance, and replica services may now use it.
      // "Daemon scheduling strategy": https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs_service-options.html
      for (const s of this.services.values()) {
        if (s.daemon) {
          let has = false;
          for (const t of ci.tasks) if (t.service === s && t.desiredStatus === 'RUNNING') has = true;
          if (!has) this.placeTask(s, ci, false);
        } else {
          this.markService(s);
        }
      }
    }
    if (ci.status === 'DRAINING') this.stopDaemonsIfLast(ci);
    if (ci.status !== wasStatus) for (const l of this.listeners) l.onContainerInstanceStatus?.(ci, wasStatus);
  }

  // ---------------------------------------------------------------------------------------------------
  // Tasks and the service scheduler

  private newTask(service: SimService | undefined, ci: SimContainerInstance): SimTask {
    if (!service?.daemon) protectBeforePlacement(ci.instance);
    return {
      arn: `arn:aws:ecs:${this.region}:${this.account}:task/${this.cluster.name}/${this.random.hex(32)}`,
      service,
      ci,
      lastStatus: 'PENDING',
      desiredStatus: 'RUNNING',
      createdAt: this.now(),
      orphaned: false,
    };
  }

  private placeTask(service: SimService, ci: SimContainerInstance, running: boolean): SimTask {
    const task = this.newTask(service, ci);
    ci.tasks.add(task);
    this.contribute(task, +1);
    service.tasksStarted++;
    for (const l of this.listeners) l.onTaskPlaced?.(task);
    if (running) {
      this.setTask(task, () => {
        task.lastStatus = 'RUNNING';
        task.startedAt = this.now();
      });
    } else {
      const [lo, hi] = service.taskStartMs;
      task.event = this.at(this.now() + lo + Math.round(this.random.next() * (hi - lo)), () => {
        task.event = undefined;
        if (task.lastStatus !== 'PENDING' || task.desiredStatus !== 'RUNNING') return;
        this.setTask(task, () => {
          task.lastStatus = 'RUNNING';
          task.startedAt = this.now();
        });
      });
    }
    return task;
  }

  /** Changes a task, keeping its contributions to counts consistent. */
  private setTask(task: SimTask, change: () => void): void {
    const alive = task.ci.tasks.has(task);
    if (alive) this.contribute(task, -1);
    change();
    if (task.lastStatus === 'STOPPED') {
      task.ci.tasks.delete(task);
      this.standaloneTasks.delete(task);
    } else {
      if (!alive) task.ci.tasks.add(task);
      this.contribute(task, +1);
    }
    task.ci.version++;
    if (task.service) this.markService(task.service);
  }

  /**
   * A task's share of every count: its container instance's running/pending counts (as ECS reports them),
   * its service's active/running/good counts, the draining set and the placement buckets.
   */
  private contribute(task: SimTask, sign: 1 | -1): void {
    const ci = task.ci;
    const s = task.service;
    const status: TaskStatus = task.lastStatus;
    if (status === 'STOPPED') return;
    if (!s?.daemon) ci.nonDaemonAlive += sign;
    if (task.orphaned) return; // ECS no longer accounts for it
    if (status === 'RUNNING' || (status === 'DEACTIVATING' && this.stoppingTasksCountAsRunning)) ci.runningCount += sign;
    if (status === 'PENDING') ci.pendingCount += sign;
    if (!s) return;
    const active = task.desiredStatus === 'RUNNING' && (status === 'PENDING' || status === 'RUNNING');
    if (!active) return;
    s.activeCount += sign;
    if (status === 'RUNNING') s.runningCount += sign;
    if (ci.status === 'ACTIVE') s.goodCount += sign;
    if (ci.status === 'DRAINING') {
      if (sign > 0) s.drainingActive.add(task);
      else s.drainingActive.delete(task);
    }
    if (!s.daemon) {
      if (ci.placeable) this.bucketRemove(s, ci);
      const n = (s.perCi.get(ci) ?? 0) + sign;
      if (n === 0) s.perCi.delete(ci);
      else s.perCi.set(ci, n);
      if (ci.placeable) this.bucketAdd(s, ci);
    }
  }

  private bucketAdd(s: SimService, ci: SimContainerInstance): void {
    const k = s.perCi.get(ci) ?? 0;
    let bucket = s.buckets.get(k);
    if (!bucket) {
      bucket = new Set();
      s.buckets.set(k, bucket);
    }
    bucket.add(ci);
    if (k > s.maxBucket) s.maxBucket = k;
  }

  private bucketRemove(s: SimService, ci: SimContainerInstance): void {
    s.buckets.get(s.perCi.get(ci) ?? 0)?.delete(ci);
  }

  /**
   * The placeable instance with the fewest tasks of the service and room for one more (spread by instance),
   * ties broken as `placementTies` says.
   */
  private pickInstance(s: SimService): SimContainerInstance | undefined {
    const constraint = s.placementConstraint;
    const uniform = this.placementTies === 'uniform';
    for (let k = 0; k <= s.maxBucket; k++) {
      const bucket = s.buckets.get(k);
      if (!bucket) continue;
      let chosen: SimContainerInstance | undefined;
      let tied = 0;
      for (const ci of bucket) {
        if (ci.nonDaemonAlive >= ci.maxTasks) continue;
        if (constraint && ci.attributes.has(constraint.attribute) !== constraint.exists) continue;
        if (!uniform) return ci;
        // One pass, each tied instance kept with chance 1/(its rank): every one ends up chosen with 1/tied.
        tied++;
        if (this.placementRandom.next() * tied < 1) chosen = ci;
      }
      if (chosen) return chosen;
    }
    return undefined;
  }

  /**
   * PutAttributes / DeleteAttributes: a custom attribute changed. Services whose placement constraint reads
   * it are reconsidered, as ECS re-evaluates placement when it next schedules their tasks.
   */
  setAttribute(ci: SimContainerInstance, name: string, value: string | undefined): void {
    if (value === undefined) ci.attributes.delete(name);
    else ci.attributes.set(name, value);
    ci.version++;
    for (const s of this.services.values()) if (s.placementConstraint?.attribute === name) this.markService(s);
    this.settle();
  }

  /**
   * Stops a task. A PENDING task stops at once; a RUNNING one first deregisters from its load balancer
   * (DEACTIVATING for the service's deregistration delay), then its containers stop.
   */
  stopTask(task: SimTask, reason: string): void {
    if (task.lastStatus === 'STOPPED' || task.desiredStatus === 'STOPPED') return;
    task.event?.cancel();
    task.event = undefined;
    const delay = task.lastStatus === 'RUNNING' ? task.service?.deregistrationDelayMs ?? 0 : 0;
    if (task.service) task.service.tasksStopped++;
    if (task.service && reason === 'Container instance is draining') task.service.tasksMovedByDrain++;
    if (delay <= 0) {
      this.finishStop(task, reason);
      return;
    }
    this.setTask(task, () => {
      task.desiredStatus = 'STOPPED';
      task.lastStatus = 'DEACTIVATING';
      task.stoppedReason = reason;
    });
    task.event = this.at(this.now() + delay, () => this.finishStop(task, reason));
  }

  private finishStop(task: SimTask, reason: string): void {
    if (task.lastStatus === 'STOPPED') return;
    task.event?.cancel();
    task.event = undefined;
    this.setTask(task, () => {
      task.desiredStatus = 'STOPPED';
      task.lastStatus = 'STOPPED';
      task.stoppedAt = this.now();
      task.stoppedReason ??= reason;
    });
    if (task.ci.status === 'DRAINING') this.stopDaemonsIfLast(task.ci);
  }

  private killTask(task: SimTask, reason: string): void {
    if (task.service && task.desiredStatus === 'RUNNING') task.service.tasksStopped++;
    task.stoppedReason = reason;
    this.finishStop(task, reason);
  }

  /**
   * Daemon tasks on a draining instance stop last, once every other task on it has stopped ("Improving
   * daemon services in Amazon ECS": daemon tasks are now the last tasks stopped on a draining instance).
   * https://aws.amazon.com/blogs/containers/improving-daemon-services-in-amazon-ecs/
   */
  private stopDaemonsIfLast(ci: SimContainerInstance): void {
    if (ci.status !== 'DRAINING' || ci.nonDaemonAlive > 0) return;
    for (const t of [...ci.tasks]) if (t.service?.daemon) this.stopTask(t, 'Container instance is draining');
  }

  /**
   * The replica scheduler for one service. Draining, as documented: PENDING tasks on a draining instance
   * stop at once; RUNNING ones are replaced "according to the service's deployment configuration
   * parameters, minimumHealthyPercent and maximumPercent": replacements start first while the service's
   * tasks stay within maximumPercent of desiredCount, and draining tasks stop only while the RUNNING count
   * stays at or above minimumHealthyPercent (rounded up). Tasks outside services are not affected.
   * "Draining Amazon ECS container instances":
   * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/container-instance-draining.html
   * "Deployment configuration" (rounding: minimum up, maximum down), Amazon ECS service definition parameters:
   * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service_definition_parameters.html
   */
  private reconcileService(s: SimService): void {
    if (s.daemon) return;
    const desired = s.desired;
    const minHealthy = Math.ceil((desired * s.minimumHealthyPercent) / 100);
    const maxTotal = Math.max(desired, Math.floor((desired * s.maximumPercent) / 100));
    for (const t of [...s.drainingActive]) if (t.lastStatus === 'PENDING') this.stopTask(t, 'Container instance is draining');
    for (let guard = 0; guard < 1_000_000; guard++) {
      let progressed = false;
      // Start replacements for tasks that are missing or on draining instances, within maximumPercent.
      while (s.goodCount < desired && s.activeCount < maxTotal) {
        const ci = this.pickInstance(s);
        if (!ci) break;
        this.placeTask(s, ci, false);
        progressed = true;
      }
      // Stop draining tasks while the healthy (RUNNING) count stays at or above the minimum.
      for (const t of s.drainingActive) {
        if (t.lastStatus !== 'RUNNING') continue;
        if (s.runningCount - 1 < minHealthy) break;
        this.stopTask(t, 'Container instance is draining');
        progressed = true;
        break; // the set changed; iterate afresh
      }
      // Scale in surplus tasks on ACTIVE instances (e.g. after an instance went back from DRAINING to ACTIVE).
      if (s.goodCount > desired && s.drainingActive.size === 0) {
        const victim = this.surplusTask(s);
        if (victim) {
          this.stopTask(victim, 'Scaling activity initiated by deployment');
          progressed = true;
        }
      }
      if (!progressed) return;
    }
  }

  private surplusTask(s: SimService): SimTask | undefined {
    for (let k = s.maxBucket; k > 0; k--) {
      const bucket = s.buckets.get(k);
      if (!bucket) continue;
      for (const ci of bucket) {
        let pick: SimTask | undefined;
        for (const t of ci.tasks) {
          if (t.service !== s || t.desiredStatus !== 'RUNNING') continue;
          if (!pick || (pick.lastStatus === 'RUNNING' && t.lastStatus === 'PENDING')) pick = t;
        }
        if (pick) return pick;
      }
    }
    return undefined;
  }

  // ---------------------------------------------------------------------------------------------------
  // Event plumbing

  /** Schedules `fn` and settles the consequences (schedulers) after it runs. */
  at(time: number, fn: () => void): ScheduledEvent {
    return this.clock.schedule(time, () => {
      fn();
      this.settle();
    });
  }

  markService(s: SimService): void {
    this.dirtyServices.add(s);
    for (const l of this.listeners) l.onServiceChanged?.(s);
  }

  markGroup(g: SimGroup): void {
    this.dirtyGroups.add(g);
  }

  /** Runs the schedulers (Auto Scaling, ECS services) until nothing more changes at this instant. */
  settle(): void {
    if (this.settling) return;
    this.settling = true;
    try {
      while (this.dirtyGroups.size > 0 || this.dirtyServices.size > 0) {
        for (const g of [...this.dirtyGroups]) {
          this.dirtyGroups.delete(g);
          this.reconcileGroup(g);
        }
        for (const s of [...this.dirtyServices]) {
          this.dirtyServices.delete(s);
          this.reconcileService(s);
        }
      }
    } finally {
      this.settling = false;
    }
  }

  ms(seconds: Seconds): number {
    return typeof seconds === 'number' ? Math.round(seconds * 1000) : this.random.msIn(seconds);
  }
}

/** What a launch resolves to: the image, the instance type, and the template version it came from. */
export interface Launch {
  readonly imageId: string;
  readonly instanceType: string;
  readonly templateVersion?: string;
  readonly templateId?: string;
  readonly templateName?: string;
}


function toMsRange(s: Seconds): readonly [number, number] {
  return typeof s === 'number' ? [s * 1000, s * 1000] : [s[0] * 1000, s[1] * 1000];
}

export function uuid(random: Random): string {
  const h = random.hex(32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The processes SuspendProcesses accepts (SuspendProcesses API reference). */
export const SCALING_PROCESSES: readonly string[] = [
  'Launch',
  'Terminate',
  'AddToLoadBalancer',
  'AlarmNotification',
  'AZRebalance',
  'HealthCheck',
  'InstanceRefresh',
  'ReplaceUnhealthy',
  'ScheduledActions',
];

/** ISO 8601 without milliseconds, as Auto Scaling writes times into messages. */
export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A CloudFormation-style logical id for a resource name: alphanumerics only, with a hash-like suffix. */
function logicalIdOf(name: string): string {
  const base = name.replace(/[^A-Za-z0-9]/g, '') || 'Resource';
  let h = 0;
  for (const c of name) h = (h * 31 + c.charCodeAt(0)) % 0x100000000;
  return `${base[0].toUpperCase()}${base.slice(1)}ASG${h.toString(16).toUpperCase().padStart(8, '0')}`;
}

/**
 * The `memberOf` expressions the simulator evaluates: "attribute:<name> exists" and "attribute:<name> !exists"
 * (cluster query language: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/cluster-query-language.html).
 * Anything else is refused rather than ignored, so a test never passes on a constraint the simulator skipped.
 */
function parsePlacementConstraint(expressions: readonly string[]): { attribute: string; exists: boolean } | undefined {
  if (expressions.length === 0) return undefined;
  if (expressions.length > 1) throw new Error(`the simulator evaluates one placement constraint per service, got ${expressions.length}`);
  const match = expressions[0].trim().match(/^attribute:([A-Za-z0-9_.-]+)\s+(exists|!exists|not_exists)$/);
  if (!match) throw new Error(`the simulator cannot evaluate the placement constraint '${expressions[0]}'`);
  return { attribute: match[1], exists: match[2] === 'exists' };
}
