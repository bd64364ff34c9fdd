/**
 * Names shared by the engine (which emits them) and the construct (which alarms on them and sets them).
 * No SDK and no aws-cdk-lib import here, so both sides can import it and never disagree.
 */
import { SETTINGS } from './settings';

/** CloudWatch namespace of every metric the engine publishes. */
export const METRIC_NAMESPACE = 'EcsAmiRefresher';

/** Metric names. Cluster-level metrics carry only the cluster dimension, so one alarm covers every group. */
export const MetricName = {
  /** Container instances of managed groups still on an older AMI (per group and per cluster). */
  OUTDATED_INSTANCES: 'OutdatedInstances',
  /** Container instances of managed groups on the target AMI (per group and per cluster). */
  UP_TO_DATE_INSTANCES: 'UpToDateInstances',
  /** Groups the engine could not read this run (API error, group gone). */
  OBSERVE_FAILURES: 'ObserveFailures',
  /** Groups refused for bad input (unknown AMI family, bad or missing parameter, wrong architecture). */
  GROUPS_REFUSED: 'GroupsRefused',
  /** Seconds since the oldest still-outdated instance became outdated (0 when none is). */
  OLDEST_OUTDATED_AGE: 'OldestOutdatedAgeSeconds',
  /** Groups whose rotation stopped (a replacement that never came up, a drain past its timeout). */
  GROUPS_STOPPED: 'GroupsStopped',
  /**
   * Groups with work paused: an instance refresh, a stack update, or suspended processes; or waiting as
   * scheduled: outside every maintenance window, an image younger than the minimum age, skipped instances.
   */
  GROUPS_WAITING: 'GroupsWaiting',
  /** Writes that failed (access denied, a limit, a conflict): retried next round, alarmed when they persist. */
  ACTION_FAILURES: 'ActionFailures',
  /** Instances terminated after draining, this run. */
  INSTANCES_REPLACED: 'InstancesReplaced',
  /** Container instances draining now. */
  INSTANCES_DRAINING: 'InstancesDraining',
  /** Container instances in the cluster that no managed Auto Scaling group owns. */
  UNMANAGED_INSTANCES: 'UnmanagedInstances',
  /** Groups refused because their AMI family could not be told (never guessed): a subset of GroupsRefused. */
  GROUPS_UNKNOWN_FAMILY: 'GroupsUnknownFamily',
  /**
   * Seconds an instance drained, from its `draining:<ms>` record to its termination: one point per instance
   * terminated after draining (per group and per cluster), none in a round that terminates nothing.
   */
  DRAIN_DURATION: 'DrainDurationSeconds',
  /** 1 per completed run, at its end; the heartbeat alarm fires when none arrives. */
  RUNS_COMPLETED: 'RunsCompleted',
} as const;

export const Dimension = {
  CLUSTER: 'ClusterName',
  GROUP: 'AutoScalingGroupName',
} as const;

/** Tag keys the construct and the engine put on AWS resources. */
export const TagKey = {
  /**
   * On an Auto Scaling group (propagated to its instances): the name of the cluster whose refresher may
   * act on it. The IAM policy of a refresher whose groups are discovered at run time is conditioned on it.
   */
  CLUSTER: 'ecs-ami-refresher:cluster',
  /** On an Auto Scaling group: overrides the AMI family detected from its image (e.g. `bottlerocket-ecs-2`). */
  AMI_FAMILY: 'ecs-ami-refresher:ami-family',
} as const;

/** Environment variables of the rotator function: one per row of the settings table, whose docs say what each holds. */
export { EnvName } from './settings';

/**
 * The construct's default for launchTemplateVersionsToKeep (from the settings table): here so the benchmark
 * configures the engine exactly as the construct does.
 */
export const DEFAULT_TEMPLATE_VERSIONS_TO_KEEP: number = SETTINGS.templateVersionsToKeep.default;

/** The batch limits of the AWS APIs the engine calls, each checked against its API reference (test/sim/limits.test.ts). */
export const BatchLimit = {
  DESCRIBE_CONTAINER_INSTANCES: 100,
  LIST_CONTAINER_INSTANCES_PAGE: 100,
  /** Names a DescribeCapacityProviders call accepts; results still come in pages. */
  DESCRIBE_CAPACITY_PROVIDERS: 100,
  /**
   * Names a DescribeAutoScalingGroups call accepts: "By default, you can only specify up to 50 names. You can
   * optionally increase this limit using the MaxRecords property" (MaxRecords default 50, maximum 100). The engine
   * sends 50 without MaxRecords. https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_DescribeAutoScalingGroups.html
   */
  DESCRIBE_AUTO_SCALING_GROUPS: 50,
  DESCRIBE_LAUNCH_CONFIGURATIONS: 50,
  /** Launch configurations a DescribeLaunchConfigurations page holds at most (MaxRecords). */
  DESCRIBE_LAUNCH_CONFIGURATIONS_PAGE: 100,
  SSM_GET_PARAMETERS: 10,
  /** EC2 filters accept at most 200 values; we stay well inside. */
  EC2_FILTER_VALUES: 100,
  DETACH_INSTANCES: 20,
  /** Instances a DescribeWarmPool page holds at most ("MaxRecords ... The maximum value is 50"). */
  DESCRIBE_WARM_POOL_PAGE: 50,
  UPDATE_CONTAINER_INSTANCES_STATE: 10,
  /** Tasks a DescribeTasks call accepts, and ListTasks returns a page. */
  DESCRIBE_TASKS: 100,
  /** Services a DescribeServices call accepts. */
  DESCRIBE_SERVICES: 10,
  /** Attributes a PutAttributes call accepts. */
  PUT_ATTRIBUTES: 10,
  /** Versions a DescribeLaunchTemplateVersions page holds at most (MaxResults 1 to 200). */
  DESCRIBE_LAUNCH_TEMPLATE_VERSIONS_PAGE: 200,
  /** Versions a DeleteLaunchTemplateVersions call accepts ("You can delete up to 200 launch template versions in a single request"). */
  DELETE_LAUNCH_TEMPLATE_VERSIONS: 200,
} as const;
