/**
 * Names shared by the engine (which emits them) and the construct (which alarms on them and sets them).
 * No SDK and no aws-cdk-lib import here, so both sides can import it and never disagree.
 */

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

/** Environment variables of the rotator function, read in one place (`config.ts`). */
export const EnvName = {
  CLUSTER_NAME: 'ECS_AMI_REFRESHER_CLUSTER',
  /** JSON array of group names given to the construct (managed in addition to discovered ones). */
  GROUP_NAMES: 'ECS_AMI_REFRESHER_GROUPS',
  /**
   * JSON object: capacity provider name to Auto Scaling group name, for the providers the construct found in
   * its app; the engine describes only the cluster's other providers.
   */
  CAPACITY_PROVIDER_GROUPS: 'ECS_AMI_REFRESHER_CAPACITY_PROVIDER_GROUPS',
  /** The schedule's period in seconds when it is a rate; unset for a cron schedule. */
  SCHEDULE_PERIOD_SECONDS: 'ECS_AMI_REFRESHER_SCHEDULE_PERIOD_SECONDS',
  /** `true` (default): also manage the groups of the cluster's ACTIVE capacity providers. */
  DISCOVER_GROUPS: 'ECS_AMI_REFRESHER_DISCOVER_GROUPS',
  /** JSON object: group name to `{ family?, amiParameter?, readinessTimeoutSeconds? }` (construct `groupOverrides`). */
  GROUP_OVERRIDES: 'ECS_AMI_REFRESHER_GROUP_OVERRIDES',
  /** Seconds replacements of Linux (and Bottlerocket) groups may take to be ACTIVE in the cluster. */
  READINESS_TIMEOUT_SECONDS: 'ECS_AMI_REFRESHER_READINESS_TIMEOUT_SECONDS',
  /** The same for Windows groups, which boot and register more slowly. */
  WINDOWS_READINESS_TIMEOUT_SECONDS: 'ECS_AMI_REFRESHER_WINDOWS_READINESS_TIMEOUT_SECONDS',
  /** A managed group through which container instances outside every group are replaced (opt-in). */
  UNMANAGED_REPLACEMENT_GROUP: 'ECS_AMI_REFRESHER_UNMANAGED_REPLACEMENT_GROUP',
  /** JSON object: AMI parameter key (`family/arch`) to SSM parameter name. */
  AMI_PARAMETERS: 'ECS_AMI_REFRESHER_AMI_PARAMETERS',
  DRY_RUN: 'ECS_AMI_REFRESHER_DRY_RUN',
  DRAIN_TIMEOUT_SECONDS: 'ECS_AMI_REFRESHER_DRAIN_TIMEOUT_SECONDS',
  /** `3` or `10%`: instances per group out of service at once. */
  MAX_UNAVAILABLE: 'ECS_AMI_REFRESHER_MAX_UNAVAILABLE',
  /** `true`: roll a group back from an image whose replacements never became ACTIVE. */
  ROLLBACK_ON_FAILED_REPLACEMENT: 'ECS_AMI_REFRESHER_ROLLBACK_ON_FAILED_REPLACEMENT',
  /** `true`: cordon outdated instances while their group rotates (ECS attribute). */
  CORDON: 'ECS_AMI_REFRESHER_CORDON',
  /** `<count>:<soak seconds>`: replace this many instances per group first and soak them; unset: no canary. */
  CANARY: 'ECS_AMI_REFRESHER_CANARY',
  /** `true`: drain an instance only once the services with tasks on it are steady. */
  WAIT_FOR_STEADY_SERVICES: 'ECS_AMI_REFRESHER_WAIT_FOR_STEADY_SERVICES',
  /** Seconds drains may wait for steady services before the group stops. */
  STEADY_SERVICES_TIMEOUT_SECONDS: 'ECS_AMI_REFRESHER_STEADY_SERVICES_TIMEOUT_SECONDS',
  /**
   * `wait`, or `stop:<grace seconds>`: what happens to standalone tasks on a drained instance; `skip`: an
   * outdated instance running standalone tasks is not taken on until they have ended.
   */
  STANDALONE_TASKS: 'ECS_AMI_REFRESHER_STANDALONE_TASKS',
  /**
   * JSON array of `{ "cron": "<minute hour day month weekDay>", "durationSeconds": n }` (UTC): new replacements
   * start only inside one of them; `[]` or unset: at any time.
   */
  MAINTENANCE_WINDOWS: 'ECS_AMI_REFRESHER_MAINTENANCE_WINDOWS',
  /** Seconds an image must have existed (from its CreationDate) before groups adopt it; `0` or unset: at once. */
  MINIMUM_AMI_AGE_SECONDS: 'ECS_AMI_REFRESHER_MINIMUM_AMI_AGE_SECONDS',
  /** `stop` or `force`. */
  ON_DRAIN_TIMEOUT: 'ECS_AMI_REFRESHER_ON_DRAIN_TIMEOUT',
  /** ARN of the SNS topic that gets a message when a group's rotation starts, stops, resumes or finishes; unset: none. */
  NOTIFICATION_TOPIC_ARN: 'ECS_AMI_REFRESHER_NOTIFICATION_TOPIC_ARN',
  /** Launch template versions the engine created kept per template when a rotation ends (1 to 100); unset: none deleted. */
  TEMPLATE_VERSIONS_TO_KEEP: 'ECS_AMI_REFRESHER_TEMPLATE_VERSIONS_TO_KEEP',
  /** Require the cluster tag on discovered groups that were not also given (the IAM policy is conditioned on it). */
  REQUIRE_CLUSTER_TAG: 'ECS_AMI_REFRESHER_REQUIRE_CLUSTER_TAG',
} as const;

/**
 * The construct's default for launchTemplateVersionsToKeep (see its doc): here so the benchmark configures the
 * engine exactly as the construct does.
 */
export const DEFAULT_TEMPLATE_VERSIONS_TO_KEEP = 5;

/** The batch limits of the AWS APIs the engine calls (see DESIGN.md). */
export const BatchLimit = {
  DESCRIBE_CONTAINER_INSTANCES: 100,
  LIST_CONTAINER_INSTANCES_PAGE: 100,
  /** Names a DescribeCapacityProviders call accepts; results still come in pages. */
  DESCRIBE_CAPACITY_PROVIDERS: 100,
  DESCRIBE_AUTO_SCALING_GROUPS: 100,
  DESCRIBE_LAUNCH_CONFIGURATIONS: 50,
  /** Launch configurations a DescribeLaunchConfigurations page holds at most (MaxRecords). */
  DESCRIBE_LAUNCH_CONFIGURATIONS_PAGE: 100,
  SSM_GET_PARAMETERS: 10,
  /** EC2 filters accept at most 200 values; we stay well inside. */
  EC2_FILTER_VALUES: 100,
  DETACH_INSTANCES: 20,
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
