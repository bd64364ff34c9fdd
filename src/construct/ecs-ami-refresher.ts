import {
  Annotations,
  ArnFormat,
  Duration,
  Stack,
  Tags,
  Token,
  aws_autoscaling as autoscaling,
  aws_cloudwatch as cloudwatch,
  aws_ec2 as ec2,
  aws_ecs as ecs,
  aws_events as events,
  aws_events_targets as targets,
  aws_iam as iam,
  aws_lambda as lambda,
  aws_logs as logs,
  aws_sns as sns,
  aws_ssm as ssm,
} from 'aws-cdk-lib';
import { Construct, IConstruct } from 'constructs';
import { rotationDashboard, validateDashboard } from './dashboard';
import { topicKeyStatements, validateNotificationTopic } from './notification-topic';
import { RotatorFunction } from './rotator-function';
import { DEFAULT_AMI_PARAMETERS, FAMILY_PATTERN, PARAMETER_KEY_PATTERN, PARAMETER_NAME_PATTERN } from '../shared/ami-families';
import { DEFAULT_TEMPLATE_VERSIONS_TO_KEEP, Dimension, EnvName, METRIC_NAMESPACE, MetricName, TagKey } from '../shared/constants';
import { launchConfigurationPrefix } from '../shared/launch-configuration-names';
import { CRON_FIELD_NAMES, longestClosedMs, maintenanceWindow as parseMaintenanceWindow, WindowError } from '../shared/maintenance-window';
import { CORDON_ATTRIBUTE, GROUP_RECORD_TAGS, LEASE_TAG, NOTIFIED_TAG } from '../shared/records';

/**
 * Properties of an `EcsAmiRefresher`.
 */
export interface EcsAmiRefresherProps {
  /**
   * The ECS cluster whose EC2 container instances are kept on the newest AMI.
   */
  readonly cluster: ecs.ICluster;

  /**
   * Auto Scaling groups to refresh besides those of the cluster's ACTIVE capacity providers (for example
   * groups that join the cluster through their user data, without a capacity provider). The IAM policy names
   * them by ARN, so they need no tag; the construct tags the ones defined in this app.
   *
   * @default - none: the groups of the cluster's ACTIVE capacity providers, discovered at run time (see
   * `discoverCapacityProviderGroups`)
   */
  readonly autoScalingGroups?: autoscaling.IAutoScalingGroup[];

  /**
   * Also refresh the groups of the cluster's ACTIVE capacity providers, discovered at every run. The IAM
   * policy lets the refresher act on a discovered group (and its launch template) only when it is tagged
   * `ecs-ami-refresher:cluster=<cluster name>`; the construct adds that tag to the groups of the capacity
   * providers this app associates with the cluster, and other groups must carry it to be refreshed. Set it to
   * false to refresh only the groups named in `autoScalingGroups`, `groupOverrides` and
   * `replaceUnmanagedInstancesThrough`, with a policy that names only them.
   *
   * @default true
   */
  readonly discoverCapacityProviderGroups?: boolean;

  /**
   * Settings of single groups: the AMI family (over the group's family tag and its image name), the group's
   * own SSM parameter (a golden AMI, over `amiParameters`), its readiness timeout. A group named here is
   * refreshed (as if it were in `autoScalingGroups`).
   *
   * @default - none: families come from the `ecs-ami-refresher:ami-family` tag or the image name, parameters
   * from `amiParameters`, readiness timeouts from the group's platform
   */
  readonly groupOverrides?: GroupOverride[];

  /**
   * How long replacements of a Linux or Bottlerocket group may take to be InService and ACTIVE in the
   * cluster before the group's rotation stops (and alarms). Between 5 minutes and 6 hours.
   *
   * @default Duration.minutes(30) - a Linux host boots and registers in 2 to 5 minutes; 30 minutes leaves room
   * for capacity retries and still stops a bad image within the hour
   */
  readonly readinessTimeout?: Duration;

  /**
   * The same for Windows groups, whose hosts boot and register far more slowly. Between 5 minutes and 6 hours.
   *
   * @default Duration.hours(1) - the seed script paced Windows 7.5 times slower than Linux (900 s against 120 s);
   * an hour lets a healthy Windows host (10 to 15 minutes) through, and still stops a bad image within the hour
   */
  readonly windowsReadinessTimeout?: Duration;

  /**
   * Replace the cluster's container instances that belong to no Auto Scaling group through this group, one
   * at a time: raise its desired capacity by one, wait for the replacement to be ACTIVE in the cluster, drain
   * the old instance, terminate it (`ec2:TerminateInstances`) and deregister it; the group keeps the added
   * capacity. Only instances tagged `ecs-ami-refresher:cluster=<cluster name>` and in no Auto Scaling group
   * are replaced (the IAM policy allows nothing else), and only those of the group's architecture and
   * platform. The group is refreshed (as if it were in `autoScalingGroups`).
   *
   * @default - instances outside every group are only reported (`UnmanagedInstances` metric and
   * `unmanagedInstancesAlarm`), never touched
   */
  readonly replaceUnmanagedInstancesThrough?: autoscaling.IAutoScalingGroup;

  /**
   * How often the engine runs. An idle run (nothing outdated) takes about a second and a handful of
   * read-only API calls; a run with work to do keeps going for up to the function's 15 minutes.
   *
   * @default Schedule.rate(Duration.minutes(5)) - a new AMI is noticed within 5 minutes and an active
   * rotation runs nearly continuously, for about 8,600 short idle invocations a month.
   */
  readonly schedule?: events.Schedule;

  /**
   * How long an instance may take to drain (ECS to report no running tasks on it) before the drain counts
   * as stuck. Between 1 minute and 48 hours.
   *
   * @default Duration.hours(1) - as the seed script (3,600 s)
   */
  readonly drainTimeout?: Duration;

  /**
   * What happens to an instance still running tasks when `drainTimeout` has passed.
   *
   * @default DrainTimeoutAction.STOP_ROTATION - as the seed script, which raises an error: the group's
   * rotation stops, the rotation-stopped alarm fires, and nothing more is terminated in that group until
   * the instance's tasks stop
   */
  readonly onDrainTimeout?: DrainTimeoutAction;

  /**
   * When replacements on a new image never become ACTIVE in the cluster (a bad AMI: the instance boots but its
   * ECS agent never joins), roll the group back: point its launch template at the image it ran, terminate the
   * replacements that never registered (they run no task), release the batch, and refuse that image until its
   * parameter names another. Either way the group's rotation stops and the rotation-stopped alarm fires.
   *
   * @default false - the group stops and alarms; the launch template stays on the new image for you to judge
   */
  readonly rollbackOnFailedReplacement?: boolean;

  /**
   * Cordon outdated instances while their group rotates, so that a task drained from one outdated instance
   * never lands on another that is about to go, and moves once. The refresher writes an ECS attribute on
   * every outdated instance still serving once the group's replacements serve beyond the capacity it had
   * before the rotation (or one of its drains is under way), at the latest before the group's first drain,
   * and lifts it whenever the rotation is not moving (it ends, stops, soaks its canaries, or waits on another
   * actor or suspended processes); your services opt in by adding
   * `EcsAmiRefresher.placementConstraint()` to their placement constraints. Services without it are
   * unaffected. With several groups, no group starts a drain while another group's rotation cannot cordon
   * yet (its replacements do not serve yet), since a service may place tasks in both.
   *
   * While a group rotates, tasks of constrained services can then be placed only on instances on the new
   * image: the replacements launched first provide that room, one for one. Writing the attribute is best
   * effort: if ECS refuses it (an instance already carries 10 custom attributes), the rotation goes on and
   * the action-failures alarm counts it.
   *
   * @default true - inert for services without the placement constraint; set false to write no attribute
   */
  readonly cordonOutdatedInstances?: boolean;

  /**
   * Replace a first few instances of each group (the canaries), let their replacements serve for the soak
   * time, and replace the rest only if the canaries are then healthy: ACTIVE in the cluster with a connected
   * agent, every task on them RUNNING, and every service with a task on them steady. Unhealthy canaries stop
   * the group's rotation (the rotation-stopped alarm fires), and with `rollbackOnFailedReplacement` the group
   * is pointed back at the image it ran. A group that already has an instance on the new image (a rotation
   * resumed after its canaries) takes no canary.
   *
   * @default - no canary: the first window of replacements is as wide as twice `maxUnavailable`
   */
  readonly canary?: Canary;

  /**
   * Drain an instance only once every service with a task on it is steady (a single deployment, as many
   * tasks running as desired) and every daemon service among them runs on the replacements launched since
   * the instance was chosen. Between two drains, the tasks moved by the first are then placed and running
   * before the second moves more of the same service. Costs ECS reads (ListTasks per instance about to
   * drain, DescribeTasks, DescribeServices) only while a group has an instance about to drain.
   *
   * @default false - ECS already moves a draining instance's service tasks within each service's
   * deployment configuration (minimumHealthyPercent, maximumPercent). Measured on the simulator
   * (`npm run bench`, N = 100): holding every drain for steady services made rotations 30% longer (76
   * against 59 minutes) and cost three times the API calls, while the lowest running share of any service was
   * no higher (85% against 90%).
   * Turn it on for services that must not be drained while they are being deployed or recovering.
   */
  readonly waitForSteadyServices?: boolean;

  /**
   * How long drains may wait for steady services before the group's rotation stops with a reason naming the
   * service (the rotation-stopped alarm fires; it goes on by itself once the service is steady).
   * 1 minute to 2 days.
   *
   * @default - the drain timeout
   */
  readonly steadyServicesTimeout?: Duration;

  /**
   * What happens to standalone tasks (started by RunTask or StartTask, outside any service): ECS never moves
   * them, so an instance running one cannot empty until it ends. Wait for them on a draining instance, stop
   * them after a grace period, or skip the instance: take it on only once they have ended.
   *
   * @default StandaloneTasks.waitForThem() - they are waited for, up to the drain timeout (then
   * `onDrainTimeout` applies)
   */
  readonly standaloneTasks?: StandaloneTasks;

  /**
   * When new replacements may start (UTC): a rotation starts, and outdated instances are taken on, only while
   * one of these windows is open; a launch template is pointed at a new image only then too. When a window
   * closes, what is in flight finishes: instances already chosen drain and are terminated (their
   * replacements are already running), and the rotation ends; the rest waits for the next window. Outside
   * every window the engine observes and reports (the group's phase is `waiting`, counted in
   * `GroupsWaiting`). Each window lasts 15 minutes to 7 days, and at least the schedule's period.
   *
   * @default - no window: rotations start whenever the schedule runs
   */
  readonly maintenanceWindows?: MaintenanceWindow[];

  /**
   * Adopt an image only once it is at least this old (from its `CreationDate`), so that an image AWS or your
   * pipeline withdraws within its first days is never rolled out. Until then each group keeps the image it
   * launches now and reports the image it waits for and from when it is adopted; the outdated alarm counts
   * from that adoption. 0 to 90 days.
   *
   * @default Duration.seconds(0) - an image is adopted as soon as its parameter names it: the public
   * parameters name an image only once AWS has published it for everyone, and a golden-AMI pipeline
   * usually tests before it publishes
   */
  readonly minimumAmiAge?: Duration;

  /**
   * Launch template versions this refresher created (its description marker) kept per template once a
   * rotation of every group using the template has ended; older ones are deleted
   * (`ec2:DeleteLaunchTemplateVersions`). The template's default version and any version a group uses are
   * never deleted, nor a version anyone else made. Five lets an operator point a group back by hand at any
   * of the last five images (about a month of weekly ECS-optimized AMI releases) while a template that rotates
   * weekly for years stays far below the 10,000 versions AWS allows per template.
   *
   * @default 5
   */
  readonly launchTemplateVersionsToKeep?: number;

  /**
   * How many instances of each group may be out of service (draining) at once. Replacements are launched
   * first, so capacity never drops below the group's desired capacity; this bounds the tasks moving at
   * once and the extra instances paid for during a batch.
   *
   * @default MaxUnavailable.percent(10) - at least one instance; the same 90% minimum healthy that EC2
   * Auto Scaling instance refresh defaults to
   */
  readonly maxUnavailable?: MaxUnavailable;

  /**
   * SSM parameters naming the newest image of an AMI family, merged over the defaults. Keys are
   * `family/architecture` (architecture `x86_64` or `arm64`, family as detected from the group's current
   * image, e.g. `amazon-linux-2023`, `bottlerocket-ecs-2`, `windows-server-2022-full`, or as set by the
   * group's `ecs-ami-refresher:ami-family` tag); values are parameter names or ARNs holding an AMI id or a
   * JSON document with `image_id`. Use it for a golden AMI: `{ 'amazon-linux-2023/x86_64': '/golden/al2023' }`.
   *
   * @default - `AmiParameters.defaults()`: the public ECS-optimized Amazon Linux 2 and 2023, Bottlerocket
   * ECS and Windows Server ECS-optimized parameters
   */
  readonly amiParameters?: { [key: string]: string };

  /**
   * Observe and report only: log the plan and publish metrics, change nothing.
   *
   * @default false
   */
  readonly dryRun?: boolean;

  /**
   * Actions for every alarm the construct creates (for example an SNS topic action).
   *
   * @default - no actions; the alarms are still created and exposed in `alarms`
   */
  readonly alarmActions?: cloudwatch.IAlarmAction[];

  /**
   * An SNS topic that gets one message when a group's rotation starts, stops (with the reason), resumes
   * after a stop, and finishes: a JSON document with a one-line `summary`, the cluster, the group, the
   * images from and to, and the instance counts. A stop is published once, however long it lasts. The role
   * may publish to this topic only (and use its KMS key, when the topic is encrypted with a customer managed
   * key defined in this app). A standard topic; FIFO topics are refused.
   *
   * To get the alarms on the same topic, add `new cloudwatch_actions.SnsAction(topic)` to `alarmActions`
   * (the rotation-stopped alarm then repeats the "stopped" message in CloudWatch's format).
   *
   * @default - no notification is published
   */
  readonly notificationTopic?: sns.ITopic;

  /**
   * Create a CloudWatch dashboard: instances on an older and on the target AMI per group, drains in
   * progress, drain durations, errors, and the state of every alarm of the construct.
   *
   * @default false
   */
  readonly dashboard?: boolean;

  /**
   * The dashboard's name (with `dashboard: true` only): letters, digits, `-` and `_`, up to 255 characters.
   *
   * @default - a name CloudFormation generates
   */
  readonly dashboardName?: string;

  /**
   * The outdated-instances alarm fires when an instance has stayed on an older AMI for longer than this,
   * counted from the adoption of the newer image (its creation, plus `minimumAmiAge`). At least 1 hour.
   * Time outside `maintenanceWindows` counts too: with a weekly window, make it longer than a week.
   *
   * @default Duration.days(3) - a rotation normally finishes within hours; three days means it is stuck
   * or refused
   */
  readonly outdatedAlarmThreshold?: Duration;

  /**
   * How long the rotator's logs are kept.
   *
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * Keeps an ECS cluster's EC2 container instances on the newest AMI of their family: a scheduled, bundled
 * Lambda observes the cluster, finds the newest image through SSM parameters, and replaces outdated
 * instances safely, under an IAM policy scoped to the cluster and its groups.
 */
export class EcsAmiRefresher extends Construct {
  /**
   * A placement constraint for your services that keeps their new tasks off instances the refresher has
   * cordoned (see `cordonOutdatedInstances`), so that each task moves once during a rotation. Harmless
   * without cordoning: the attribute then never exists.
   *
   * ```ts
   * new ecs.Ec2Service(this, 'Web', { cluster, taskDefinition, placementConstraints: [EcsAmiRefresher.placementConstraint()] });
   * ```
   */
  public static placementConstraint(): ecs.PlacementConstraint {
    return ecs.PlacementConstraint.memberOf(`attribute:${CORDON_ATTRIBUTE} !exists`);
  }

  /** The rotator function. */
  public readonly function: lambda.IFunction;

  /** The rule that runs the rotator on its schedule. */
  public readonly rule: events.IRule;

  /** The rotator's log group. */
  public readonly logGroup: logs.ILogGroup;

  /** The rotator's execution role. */
  public readonly role: iam.IRole;

  /** Fires when the rotator function fails. */
  public readonly errorsAlarm: cloudwatch.IAlarm;

  /** Fires when a group could not be observed (an API error, a group that no longer exists). */
  public readonly observeFailuresAlarm: cloudwatch.IAlarm;

  /** Fires when a group is refused for bad input (unknown AMI family, bad parameter, wrong architecture). */
  public readonly refusedGroupsAlarm: cloudwatch.IAlarm;

  /** Fires when a group's rotation stopped: a replacement did not come up, or a drain passed its timeout. */
  public readonly rotationStoppedAlarm: cloudwatch.IAlarm;

  /** Fires when the engine's writes keep failing (access denied, a limit, a conflict): see its logs. */
  public readonly actionFailuresAlarm: cloudwatch.IAlarm;

  /** Fires when an instance has been outdated for longer than `outdatedAlarmThreshold`. */
  public readonly outdatedAlarm: cloudwatch.IAlarm;

  /** Fires when container instances outside every managed group have been in the cluster for 30 minutes. */
  public readonly unmanagedInstancesAlarm: cloudwatch.IAlarm;

  /** Every alarm above. */
  public readonly alarms: cloudwatch.IAlarm[];

  /** The dashboard, with `dashboard: true`; undefined otherwise. */
  public readonly dashboard?: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: EcsAmiRefresherProps) {
    super(scope, id);

    const drainTimeout = props.drainTimeout ?? Duration.hours(1);
    validateDuration('drainTimeout', drainTimeout, Duration.minutes(1), Duration.hours(48));
    const outdatedAlarmThreshold = props.outdatedAlarmThreshold ?? Duration.days(3);
    validateDuration('outdatedAlarmThreshold', outdatedAlarmThreshold, Duration.hours(1), undefined);
    const readinessTimeout = props.readinessTimeout ?? Duration.minutes(30);
    validateDuration('readinessTimeout', readinessTimeout, Duration.minutes(5), Duration.hours(6));
    const windowsReadinessTimeout = props.windowsReadinessTimeout ?? Duration.hours(1);
    validateDuration('windowsReadinessTimeout', windowsReadinessTimeout, Duration.minutes(5), Duration.hours(6));
    const amiParameters = mergeAmiParameters(props.amiParameters);
    const policies = rotationPolicies(props, drainTimeout);
    const minimumAmiAge = props.minimumAmiAge ?? Duration.seconds(0);
    validateDuration('minimumAmiAge', minimumAmiAge, Duration.seconds(0), Duration.days(90));
    if (props.autoScalingGroups !== undefined && props.autoScalingGroups.length === 0) {
      throw new Error('autoScalingGroups is an empty list; give at least one group, or leave it unset (the cluster\'s capacity provider groups are discovered anyway)');
    }
    const overrides = validateGroupOverrides(props.groupOverrides ?? []);
    const discover = props.discoverCapacityProviderGroups ?? true;
    // Groups named in the props, each once: the policy names them by ARN.
    const named = uniqueGroups([
      ...(props.autoScalingGroups ?? []),
      ...overrides.map((o) => o.autoScalingGroup),
      ...(props.replaceUnmanagedInstancesThrough ? [props.replaceUnmanagedInstancesThrough] : []),
    ]);
    if (!discover && named.length === 0) {
      throw new Error('discoverCapacityProviderGroups is false and no group is named; name groups in autoScalingGroups, or leave discovery on');
    }
    const givenGroups = named.length > 0 ? named : undefined;
    validateNotificationTopic(props.notificationTopic);
    validateDashboard(props);
    const cluster = props.cluster;
    const stack = Stack.of(this);

    // Groups known in this app: the named ones, and those of the capacity providers this app associates.
    const appProviders = discover ? capacityProviders(cluster) : [];
    const knownGroups = uniqueGroups([...named, ...appProviders.map((p) => p.autoScalingGroup)]);
    for (const group of knownGroups) {
      // Imported groups are not constructs with resources; Tags.of() is a no-op for them.
      Tags.of(group).add(TagKey.CLUSTER, cluster.clusterName, { applyToLaunchedInstances: true });
    }

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
    });

    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Rotates the EC2 container instances of ECS cluster ${cluster.clusterName} onto the newest AMI`,
    });
    this.role = role;
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'WriteOwnLogs',
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [this.logGroup.logGroupArn],
    }));
    for (const statement of rotatorStatements({
      stack,
      cluster,
      givenGroups,
      knownGroups,
      discover,
      amiParameters,
      groupParameterArns: overrides.map((o) => groupParameterArn(stack, o)).filter(isDefined),
      terminateUngrouped: props.replaceUnmanagedInstancesThrough !== undefined,
      readServices: policies.waitForSteadyServices || props.canary !== undefined,
      stopTasks: policies.stopStandaloneAfter !== undefined,
      notificationTopic: props.notificationTopic,
    })) {
      role.addToPrincipalPolicy(statement);
    }

    const versionsToKeep = props.launchTemplateVersionsToKeep ?? DEFAULT_TEMPLATE_VERSIONS_TO_KEEP;
    if (!Token.isUnresolved(versionsToKeep) && (!Number.isInteger(versionsToKeep) || versionsToKeep < 1 || versionsToKeep > 100)) {
      throw new Error(`launchTemplateVersionsToKeep is ${versionsToKeep}; it must be a whole number from 1 to 100`);
    }
    const schedule = props.schedule ?? events.Schedule.rate(Duration.minutes(5));
    const schedulePeriod = schedulePeriodSeconds(schedule);
    const windows = validateMaintenanceWindows(props.maintenanceWindows ?? [], schedulePeriod);
    warnIfAlarmFiresBetweenWindows(this, windows, outdatedAlarmThreshold);
    const fn = new RotatorFunction(this, 'Function', {
      description: `Keeps ECS cluster ${cluster.clusterName} on the newest AMI (cdk-ecs-ami-refresher)`,
      role,
      logGroup: this.logGroup,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 512,
      // A run with work to do keeps going until close to this, then returns; the next run resumes.
      timeout: Duration.minutes(15),
      // One actor per cluster. Scheduled events that arrive while a run is still going are throttled
      // and, after at most a minute, dropped: the next tick observes afresh, so nothing is lost.
      reservedConcurrentExecutions: 1,
      maxEventAge: Duration.minutes(1),
      retryAttempts: 0,
      environment: {
        [EnvName.CLUSTER_NAME]: cluster.clusterName,
        [EnvName.GROUP_NAMES]: stack.toJsonString(named.map((g) => g.autoScalingGroupName)),
        [EnvName.DISCOVER_GROUPS]: String(discover),
        // So the engine describes only capacity providers added outside this app.
        [EnvName.CAPACITY_PROVIDER_GROUPS]: stack.toJsonString(Object.fromEntries(
          appProviders.map((p) => [p.capacityProviderName, p.autoScalingGroup.autoScalingGroupName]))),
        ...(schedulePeriod === undefined ? {} : { [EnvName.SCHEDULE_PERIOD_SECONDS]: String(schedulePeriod) }),
        [EnvName.GROUP_OVERRIDES]: stack.toJsonString(Object.fromEntries(overrides.map((o) => [o.autoScalingGroup.autoScalingGroupName, {
          family: o.family,
          amiParameter: o.amiParameter?.parameterName ?? o.amiParameterName,
          readinessTimeoutSeconds: o.readinessTimeout?.toSeconds(),
        }]))),
        [EnvName.READINESS_TIMEOUT_SECONDS]: String(readinessTimeout.toSeconds()),
        [EnvName.WINDOWS_READINESS_TIMEOUT_SECONDS]: String(windowsReadinessTimeout.toSeconds()),
        ...(props.replaceUnmanagedInstancesThrough
          ? { [EnvName.UNMANAGED_REPLACEMENT_GROUP]: props.replaceUnmanagedInstancesThrough.autoScalingGroupName }
          : {}),
        [EnvName.AMI_PARAMETERS]: stack.toJsonString(amiParameters),
        [EnvName.DRY_RUN]: String(props.dryRun ?? false),
        [EnvName.DRAIN_TIMEOUT_SECONDS]: String(drainTimeout.toSeconds()),
        // Discovered groups need the cluster tag (the policy's condition); named ones are named by ARN.
        [EnvName.REQUIRE_CLUSTER_TAG]: String(discover),
        [EnvName.MAX_UNAVAILABLE]: (props.maxUnavailable ?? MaxUnavailable.percent(10)).value,
        [EnvName.ON_DRAIN_TIMEOUT]: props.onDrainTimeout ?? DrainTimeoutAction.STOP_ROTATION,
        [EnvName.ROLLBACK_ON_FAILED_REPLACEMENT]: String(props.rollbackOnFailedReplacement ?? false),
        [EnvName.CORDON]: String(props.cordonOutdatedInstances ?? true),
        [EnvName.TEMPLATE_VERSIONS_TO_KEEP]: String(versionsToKeep),
        ...(props.canary ? { [EnvName.CANARY]: `${props.canary.count ?? 1}:${props.canary.soak.toSeconds()}` } : {}),
        [EnvName.WAIT_FOR_STEADY_SERVICES]: String(policies.waitForSteadyServices),
        [EnvName.STEADY_SERVICES_TIMEOUT_SECONDS]: String(policies.steadyServicesTimeout.toSeconds()),
        [EnvName.STANDALONE_TASKS]: policies.stopStandaloneAfter !== undefined ? `stop:${policies.stopStandaloneAfter.toSeconds()}`
          : props.standaloneTasks?.mode === 'skip' ? 'skip' : 'wait',
        [EnvName.MAINTENANCE_WINDOWS]: stack.toJsonString(windows),
        [EnvName.MINIMUM_AMI_AGE_SECONDS]: String(minimumAmiAge.toSeconds()),
        ...(props.notificationTopic ? { [EnvName.NOTIFICATION_TOPIC_ARN]: props.notificationTopic.topicArn } : {}),
        POWERTOOLS_SERVICE_NAME: 'ecs-ami-refresher',
        POWERTOOLS_METRICS_NAMESPACE: METRIC_NAMESPACE,
      },
    });
    this.function = fn;

    this.rule = new events.Rule(this, 'Schedule', {
      description: `Runs the AMI refresher of ECS cluster ${cluster.clusterName}`,
      schedule,
      targets: [new targets.LambdaFunction(fn, { retryAttempts: 0, maxEventAge: Duration.minutes(1) })],
    });

    const clusterMetric = (metricName: string, statistic: string, period: Duration) => new cloudwatch.Metric({
      namespace: METRIC_NAMESPACE,
      metricName,
      dimensionsMap: { [Dimension.CLUSTER]: cluster.clusterName },
      statistic,
      period,
    });

    this.errorsAlarm = new cloudwatch.Alarm(this, 'ErrorsAlarm', {
      alarmDescription: `The AMI refresher of ECS cluster ${cluster.clusterName} failed in 2 of the last 3 periods; see its logs.`,
      metric: fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.observeFailuresAlarm = new cloudwatch.Alarm(this, 'ObserveFailuresAlarm', {
      alarmDescription: `The AMI refresher of ECS cluster ${cluster.clusterName} could not observe a group in 2 of the last 3 periods; its logs name the group and the reason.`,
      metric: clusterMetric(MetricName.OBSERVE_FAILURES, 'Maximum', Duration.minutes(5)),
      threshold: 1,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.refusedGroupsAlarm = new cloudwatch.Alarm(this, 'RefusedGroupsAlarm', {
      alarmDescription: `The AMI refresher of ECS cluster ${cluster.clusterName} refused a group (unknown AMI family, bad SSM parameter, wrong architecture); its logs give the reason. Nothing is rotated in that group until it is fixed.`,
      metric: clusterMetric(MetricName.GROUPS_REFUSED, 'Maximum', Duration.minutes(5)),
      threshold: 1,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.rotationStoppedAlarm = new cloudwatch.Alarm(this, 'RotationStoppedAlarm', {
      alarmDescription: `The AMI refresher of ECS cluster ${cluster.clusterName} stopped a group's rotation: a replacement did not become ACTIVE in the cluster, or an instance still runs tasks after the drain timeout. Its logs name the group, the instance and the reason; nothing more is terminated in that group until it is resolved.`,
      metric: clusterMetric(MetricName.GROUPS_STOPPED, 'Maximum', Duration.minutes(5)),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.actionFailuresAlarm = new cloudwatch.Alarm(this, 'ActionFailuresAlarm', {
      alarmDescription: `The AMI refresher of ECS cluster ${cluster.clusterName} had writes fail in 2 of the last 3 periods (for example access denied on an untagged launch template); its logs name the action and the error.`,
      metric: clusterMetric(MetricName.ACTION_FAILURES, 'Sum', Duration.minutes(5)),
      threshold: 1,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.outdatedAlarm = new cloudwatch.Alarm(this, 'OutdatedAlarm', {
      alarmDescription: `An EC2 container instance of ECS cluster ${cluster.clusterName} has run an outdated AMI for more than ${outdatedAlarmThreshold.toHumanString()}.`,
      metric: clusterMetric(MetricName.OLDEST_OUTDATED_AGE, 'Maximum', Duration.minutes(15)),
      threshold: outdatedAlarmThreshold.toSeconds(),
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.unmanagedInstancesAlarm = new cloudwatch.Alarm(this, 'UnmanagedInstancesAlarm', {
      alarmDescription: `ECS cluster ${cluster.clusterName} has had container instances outside every Auto Scaling group the refresher manages for 30 minutes: ` +
        'they are never refreshed. Its logs (and `ecs-ami-refresher status`) list them and say why each is not replaced ' +
        '(replaceUnmanagedInstancesThrough replaces tagged ones through a group).',
      metric: clusterMetric(MetricName.UNMANAGED_INSTANCES, 'Minimum', Duration.minutes(15)),
      threshold: 1,
      evaluationPeriods: 2,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.alarms = [
      this.errorsAlarm, this.observeFailuresAlarm, this.refusedGroupsAlarm, this.rotationStoppedAlarm, this.actionFailuresAlarm, this.outdatedAlarm,
      this.unmanagedInstancesAlarm,
    ];
    for (const alarm of this.alarms) {
      for (const action of props.alarmActions ?? []) (alarm as cloudwatch.Alarm).addAlarmAction(action);
    }

    if (props.dashboard) {
      this.dashboard = rotationDashboard(this, {
        clusterName: cluster.clusterName,
        dashboardName: props.dashboardName,
        fn,
        alarms: this.alarms,
      });
    }

    addNagSuppressions(role);
  }
}

/** What to do with an instance that still runs tasks after the drain timeout. */
export enum DrainTimeoutAction {
  /** Stop the group's rotation and alarm; terminate nothing more in the group until its tasks stop. */
  STOP_ROTATION = 'stop',
  /** Terminate the instance anyway, stopping the tasks still on it. */
  FORCE_TERMINATE = 'force',
}

/**
 * Settings of one Auto Scaling group (`groupOverrides`). Give at least one of `family`, `amiParameter`,
 * `amiParameterName` and `readinessTimeout`.
 */
export interface GroupOverride {
  /** The group these settings are for. It is refreshed (as if it were in `autoScalingGroups`). */
  readonly autoScalingGroup: autoscaling.IAutoScalingGroup;

  /**
   * The group's AMI family (lower-case letters, digits, '.', '-'), e.g. `amazon-linux-2023-gpu`: over the
   * group's `ecs-ami-refresher:ami-family` tag and the family read from its image name. The architecture is
   * always the image's.
   *
   * @default - the family tag, else the image name
   */
  readonly family?: string;

  /**
   * The group's own SSM parameter naming its newest image (a golden AMI): over `amiParameters` for this group.
   * Its value is an AMI id or a JSON document with `image_id`. The refresher's role may read it.
   *
   * @default - the parameter of the group's family and architecture in `amiParameters`
   */
  readonly amiParameter?: ssm.IStringParameter;

  /**
   * The same, by name or ARN, for a parameter not defined in this app (e.g. shared from another account by
   * ARN). Give `amiParameter` or this, not both.
   *
   * @default - `amiParameter`, else the family map
   */
  readonly amiParameterName?: string;

  /**
   * How long this group's replacements may take to be ACTIVE in the cluster. Between 5 minutes and 6 hours.
   *
   * @default - `readinessTimeout`, or `windowsReadinessTimeout` for a Windows group
   */
  readonly readinessTimeout?: Duration;
}

/** A group's first replacements, watched before the rest (see `canary`). */
export interface Canary {
  /**
   * Instances per group replaced first. 1 to 100.
   *
   * @default 1
   */
  readonly count?: number;

  /**
   * How long the canaries' replacements serve before they are judged and the rest goes on. 1 minute to 7 days.
   */
  readonly soak: Duration;
}

/** What happens to standalone tasks (outside any service) on a draining instance. */
export class StandaloneTasks {
  /** Wait for them to end, up to the drain timeout (then `onDrainTimeout` applies). */
  public static waitForThem(): StandaloneTasks {
    return new StandaloneTasks('wait', undefined);
  }

  /**
   * Leave an outdated instance running standalone tasks in service: the rotation replaces the others, and takes
   * this one on in a later round, once its standalone tasks have ended (its tasks are read before it is chosen).
   * An instance chosen before a standalone task started on it drains as with `waitForThem()`. One that runs
   * standalone tasks forever stays outdated, and the outdated alarm fires.
   */
  public static skipInstance(): StandaloneTasks {
    return new StandaloneTasks('skip', undefined);
  }

  /**
   * Stop them (ECS StopTask, with a reason naming the refresher and the new image) once the instance has
   * been draining this long, so that it empties. 0 seconds to 2 days, and shorter than the drain timeout.
   */
  public static stopAfter(gracePeriod: Duration): StandaloneTasks {
    validateDuration('standaloneTasks grace period', gracePeriod, Duration.seconds(0), Duration.hours(48));
    return new StandaloneTasks('stop', gracePeriod);
  }

  private constructor(
    /** `wait`, `stop` or `skip`. */
    public readonly mode: string,
    /** With `stop`: how long the instance drains before its standalone tasks are stopped. */
    public readonly gracePeriod: Duration | undefined,
  ) {}
}

/** A maintenance window (UTC): when it opens, as a cron schedule, and how long it stays open. */
export class MaintenanceWindow {
  /**
   * A window that opens at each time the schedule names and stays open for `duration`. The schedule is
   * EventBridge's cron without the year (`L`, `W` and `#` are not supported); `minute` and `hour` must be
   * given, e.g. `{ minute: '0', hour: '2', weekDay: 'SUN' }` opens every Sunday at 02:00 UTC.
   * `day` defaults to every day unless `weekDay` is given.
   */
  public static cron(schedule: events.CronOptions, duration: Duration): MaintenanceWindow {
    return new MaintenanceWindow(schedule, duration);
  }

  private constructor(
    /** When the window opens. */
    public readonly schedule: events.CronOptions,
    /** How long it stays open. */
    public readonly duration: Duration,
  ) {}
}

/** How many instances of a group may be out of service at once: a count or a percentage. */
export class MaxUnavailable {
  /** At most this many instances per group. */
  public static count(count: number): MaxUnavailable {
    if (!Token.isUnresolved(count) && (!Number.isInteger(count) || count < 1)) {
      throw new Error(`maxUnavailable count is ${count}; it must be a whole number of at least 1`);
    }
    return new MaxUnavailable(String(count));
  }

  /** At most this percentage of the group's desired capacity, rounded down, and at least one instance. */
  public static percent(percent: number): MaxUnavailable {
    if (!Token.isUnresolved(percent) && (!Number.isInteger(percent) || percent < 1 || percent > 100)) {
      throw new Error(`maxUnavailable percent is ${percent}; it must be a whole number from 1 to 100`);
    }
    return new MaxUnavailable(`${percent}%`);
  }

  private constructor(
    /** As the engine reads it: `3` or `10%`. */
    public readonly value: string,
  ) {}
}

/** The default AMI parameter map, and the image that follows it without redeploys. */
export class AmiParameters {
  /**
   * The default map from `family/architecture` to public SSM parameter name.
   */
  public static defaults(): { [key: string]: string } {
    return { ...DEFAULT_AMI_PARAMETERS };
  }

  /**
   * The conflict-free image for a group's launch template: `resolve:ssm:<parameter>`, resolved by EC2 at each
   * launch. The template then never holds an AMI id, so neither the refresher (which only replaces
   * instances) nor a later `cdk deploy` ever changes it, and no deploy can roll a group back to an older AMI.
   *
   * @param key a key of the parameter map, e.g. `amazon-linux-2023/arm64`
   * @param parameterName the parameter to follow instead of the default one for `key` (a golden AMI); it must
   * also be the map's value for `key` (`amiParameters`) so the refresher follows the same parameter
   */
  public static imageResolvedAtLaunch(key: string, parameterName?: string): ec2.IMachineImage {
    const name = parameterName ?? DEFAULT_AMI_PARAMETERS[key];
    if (!name) {
      throw new Error(`imageResolvedAtLaunch: '${key}' is not a key of the default AMI parameter map; give its parameterName, or use one of: ${Object.keys(DEFAULT_AMI_PARAMETERS).join(', ')}`);
    }
    if (!Token.isUnresolved(name) && !PARAMETER_NAME_PATTERN.test(name)) {
      throw new Error(`imageResolvedAtLaunch: parameterName '${name}' is not an SSM parameter name or ARN`);
    }
    const windows = key.startsWith('windows-');
    return ec2.MachineImage.resolveSsmParameterAtLaunch(name, {
      os: windows ? ec2.OperatingSystemType.WINDOWS : ec2.OperatingSystemType.LINUX,
      // Bottlerocket reads TOML settings, which the ECS capacity provider writes; others take a shell script.
      userData: windows ? ec2.UserData.forWindows() : key.startsWith('bottlerocket-') ? ec2.UserData.custom('') : ec2.UserData.forLinux(),
    });
  }

  private constructor() {}
}

function mergeAmiParameters(given: { [key: string]: string } | undefined): Record<string, string> {
  for (const [key, name] of Object.entries(given ?? {})) {
    if (Token.isUnresolved(key)) {
      throw new Error(`amiParameters keys must be literal 'family/architecture' strings, got a token: ${key}`);
    }
    if (!PARAMETER_KEY_PATTERN.test(key)) {
      throw new Error(
        `amiParameters has key '${key}'; a key is 'family/architecture' with a lower-case family (letters, digits, '.', '-') ` +
        "and architecture 'x86_64' or 'arm64', e.g. 'amazon-linux-2023/arm64'",
      );
    }
    if (!Token.isUnresolved(name) && !PARAMETER_NAME_PATTERN.test(name)) {
      throw new Error(
        `amiParameters['${key}'] is '${name}', which is not an SSM parameter name (letters, digits, '_', '.', '-', '/') or parameter ARN`,
      );
    }
  }
  return { ...DEFAULT_AMI_PARAMETERS, ...given };
}

function validateGroupOverrides(overrides: readonly GroupOverride[]): readonly GroupOverride[] {
  const seen = new Set<string>();
  overrides.forEach((o, i) => {
    const at = `groupOverrides[${i}]`;
    const key = groupKey(o.autoScalingGroup);
    if (seen.has(key)) throw new Error(`${at} names group ${key} again; give each group's settings in one entry`);
    seen.add(key);
    if (o.family === undefined && o.amiParameter === undefined && o.amiParameterName === undefined && o.readinessTimeout === undefined) {
      throw new Error(`${at} (${key}) sets nothing; give family, amiParameter, amiParameterName or readinessTimeout`);
    }
    if (o.family !== undefined && !Token.isUnresolved(o.family) && !FAMILY_PATTERN.test(o.family)) {
      throw new Error(`${at}.family is '${o.family}'; a family is lower-case letters, digits, '.' and '-', e.g. 'amazon-linux-2023-gpu'`);
    }
    if (o.amiParameter !== undefined && o.amiParameterName !== undefined) {
      throw new Error(`${at} gives both amiParameter and amiParameterName; give one`);
    }
    if (o.amiParameterName !== undefined && !Token.isUnresolved(o.amiParameterName) && !PARAMETER_NAME_PATTERN.test(o.amiParameterName)) {
      throw new Error(`${at}.amiParameterName is '${o.amiParameterName}', which is not an SSM parameter name (letters, digits, '_', '.', '-', '/') or parameter ARN`);
    }
    if (o.readinessTimeout !== undefined) validateDuration(`${at}.readinessTimeout`, o.readinessTimeout, Duration.minutes(5), Duration.hours(6));
  });
  return overrides;
}

/** A group's identity for de-duplication: its construct path (an imported group's name may be a token). */
function groupKey(group: autoscaling.IAutoScalingGroup): string {
  return Token.isUnresolved(group.autoScalingGroupName) ? group.node.path : group.autoScalingGroupName;
}

function uniqueGroups(groups: readonly autoscaling.IAutoScalingGroup[]): autoscaling.IAutoScalingGroup[] {
  const seen = new Set<autoscaling.IAutoScalingGroup>();
  const names = new Set<string>();
  return groups.filter((g) => {
    const name = Token.isUnresolved(g.autoScalingGroupName) ? undefined : g.autoScalingGroupName;
    if (seen.has(g) || (name !== undefined && names.has(name))) return false;
    seen.add(g);
    if (name !== undefined) names.add(name);
    return true;
  });
}

function groupParameterArn(stack: Stack, o: GroupOverride): string | undefined {
  if (o.amiParameter) return o.amiParameter.parameterArn;
  return o.amiParameterName !== undefined ? parameterArn(stack, o.amiParameterName) : undefined;
}

function validateDuration(prop: string, value: Duration, min: Duration, max: Duration | undefined): void {
  if (Token.isUnresolved(value.toSeconds())) return;
  const seconds = value.toSeconds();
  if (seconds < min.toSeconds() || (max && seconds > max.toSeconds())) {
    const range = max ? `between ${min.toHumanString()} and ${max.toHumanString()}` : `at least ${min.toHumanString()}`;
    throw new Error(`${prop} is ${value.toHumanString()}; it must be ${range}`);
  }
}

/**
 * The windows as the engine reads them (`cron`: the five fields), each checked with the engine's own parser.
 * A window must outlast the schedule's period, or it could open and close between two runs.
 */
function validateMaintenanceWindows(
  windows: readonly MaintenanceWindow[],
  schedulePeriod: number | undefined,
): Array<{ cron: string; durationSeconds: number }> {
  return windows.map((w, i) => {
    const at = `maintenanceWindows[${i}]`;
    // `?` in day or weekDay means "not this field", as in EventBridge: the same as leaving it out.
    const given = (f: string | undefined) => (f === '?' ? undefined : f);
    const o = { ...w.schedule, day: given(w.schedule.day), weekDay: given(w.schedule.weekDay) };
    const fields = [o.minute, o.hour, o.day, o.month, o.weekDay, o.year];
    const durationSeconds = w.duration.toSeconds();
    const tokens = fields.some((f) => f !== undefined && Token.isUnresolved(f)) || Token.isUnresolved(durationSeconds);
    if (o.year !== undefined) throw new Error(`${at} has year '${o.year}'; allowed: no year (a window recurs every year)`);
    if (o.minute === undefined || o.hour === undefined) {
      throw new Error(`${at} has no ${o.minute === undefined ? 'minute' : 'hour'}; allowed: a window opens at a given minute and hour, ` +
        'e.g. { minute: \'0\', hour: \'2\', weekDay: \'SUN\' }');
    }
    if (o.day !== undefined && o.weekDay !== undefined) {
      throw new Error(`${at} has both day '${o.day}' and weekDay '${o.weekDay}'; allowed: one of the two`);
    }
    const cron = [o.minute, o.hour, o.weekDay !== undefined ? '?' : (o.day ?? '*'), o.month ?? '*', o.weekDay ?? '?'].join(' ');
    validateDuration(`${at}.duration`, w.duration, Duration.minutes(15), Duration.days(7));
    // A token is checked where it resolves: the engine reads the variable with the same parser and refuses it there.
    if (tokens) return { cron, durationSeconds };
    if (schedulePeriod !== undefined && durationSeconds < schedulePeriod) {
      throw new Error(`${at}.duration is ${w.duration.toHumanString()}, shorter than the schedule's period (${schedulePeriod} seconds); ` +
        'allowed: at least the period, or a window could open and close between two runs');
    }
    try {
      parseMaintenanceWindow(cron, durationSeconds, at);
    } catch (error) {
      if (error instanceof WindowError) throw new Error(`${error.message} (fields ${CRON_FIELD_NAMES.join(', ')})`);
      throw error;
    }
    return { cron, durationSeconds };
  });
}

/**
 * Time outside every window counts towards the outdated alarm: a threshold shorter than the longest time the
 * windows are closed would fire while a rotation merely waits for its window. A warning, not an error: the
 * alarm may be wanted that way.
 */
function warnIfAlarmFiresBetweenWindows(
  scope: Construct,
  windows: ReadonlyArray<{ cron: string; durationSeconds: number }>,
  threshold: Duration,
): void {
  if (windows.length === 0 || Token.isUnresolved(threshold.toSeconds())) return;
  if (windows.some((w) => Token.isUnresolved(w.cron) || Token.isUnresolved(w.durationSeconds))) return;
  const parsed = windows.map((w, i) => parseMaintenanceWindow(w.cron, w.durationSeconds, `maintenanceWindows[${i}]`));
  const closed = Duration.millis(longestClosedMs(parsed, Date.UTC(2026, 0, 1)));
  if (threshold.toSeconds() >= closed.toSeconds()) return;
  Annotations.of(scope).addWarningV2('ecs-ami-refresher:outdatedAlarmBetweenWindows',
    `outdatedAlarmThreshold is ${threshold.toHumanString()}, shorter than the longest time every maintenance window is closed ` +
    `(${closed.toHumanString()}): the outdated alarm fires while a rotation waits for its next window; raise outdatedAlarmThreshold above it`);
}

/** The Auto Scaling group capacity providers this app associates with the cluster. */
function capacityProviders(cluster: ecs.ICluster): ecs.AsgCapacityProvider[] {
  if (!(cluster instanceof ecs.Cluster)) return [];
  const names = new Set(cluster.capacityProviderNames);
  return Stack.of(cluster).node.findAll()
    .filter((c: IConstruct): c is ecs.AsgCapacityProvider => c instanceof ecs.AsgCapacityProvider)
    .filter((provider) => names.has(provider.capacityProviderName));
}

/** `rate(5 minutes)` -> 300; a cron schedule has no period. */
function schedulePeriodSeconds(schedule: events.Schedule): number | undefined {
  const match = schedule.expressionString.match(/^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/);
  if (!match) return undefined;
  const unit = match[2].startsWith('minute') ? 60 : match[2].startsWith('hour') ? 3600 : 86400;
  return Number(match[1]) * unit;
}

interface StatementInputs {
  readonly stack: Stack;
  readonly cluster: ecs.ICluster;
  /** Groups named in the props (by ARN in the policy); undefined when none is. */
  readonly givenGroups: autoscaling.IAutoScalingGroup[] | undefined;
  readonly knownGroups: autoscaling.IAutoScalingGroup[];
  /** Capacity provider groups are discovered at run time: the policy also allows groups with the cluster tag. */
  readonly discover: boolean;
  readonly amiParameters: Record<string, string>;
  /** The groups' own parameters (`groupOverrides`). */
  readonly groupParameterArns: readonly string[];
  /** Instances outside every group may be replaced: allow terminating them, and only them. */
  readonly terminateUngrouped: boolean;
  /** A policy reads services (steady services, canary health). */
  readonly readServices: boolean;
  /** The standalone-task policy stops tasks. */
  readonly stopTasks: boolean;
  /** Rotation notifications are published here. */
  readonly notificationTopic?: sns.ITopic;
}

/** The rotation policies' props, validated, with their defaults. */
function rotationPolicies(props: EcsAmiRefresherProps, drainTimeout: Duration) {
  if (props.canary) {
    const count = props.canary.count ?? 1;
    if (!Token.isUnresolved(count) && (!Number.isInteger(count) || count < 1 || count > 100)) {
      throw new Error(`canary.count is ${count}; it must be a whole number from 1 to 100`);
    }
    validateDuration('canary.soak', props.canary.soak, Duration.minutes(1), Duration.days(7));
  }
  const steadyServicesTimeout = props.steadyServicesTimeout ?? drainTimeout;
  validateDuration('steadyServicesTimeout', steadyServicesTimeout, Duration.minutes(1), Duration.hours(48));
  const stopStandaloneAfter = props.standaloneTasks?.mode === 'stop' ? props.standaloneTasks.gracePeriod : undefined;
  if (stopStandaloneAfter && !Token.isUnresolved(stopStandaloneAfter.toSeconds()) && !Token.isUnresolved(drainTimeout.toSeconds())
    && stopStandaloneAfter.toSeconds() >= drainTimeout.toSeconds()) {
    throw new Error(`standaloneTasks stops tasks after ${stopStandaloneAfter.toHumanString()}; it must be shorter than drainTimeout ` +
      `(${drainTimeout.toHumanString()}), which would otherwise end the drain first`);
  }
  return { waitForSteadyServices: props.waitForSteadyServices ?? false, steadyServicesTimeout, stopStandaloneAfter };
}

/**
 * The rotator's permissions. Reads that AWS's Service Authorization Reference defines on no resource type
 * are on `*`; every write is scoped to the cluster, its groups or their launch templates. The engine
 * replaces capacity through Auto Scaling (raise desired capacity, then terminate-and-decrement), and keeps
 * its progress in ECS attributes, so it needs no EC2 instance-level write at all.
 */
function rotatorStatements(inputs: StatementInputs): iam.PolicyStatement[] {
  const { stack, cluster, givenGroups, knownGroups, discover } = inputs;
  const clusterTagCondition = (prefix: string) => ({ StringEquals: { [`${prefix}/${TagKey.CLUSTER}`]: cluster.clusterName } });
  const statements: iam.PolicyStatement[] = [];

  statements.push(new iam.PolicyStatement({
    sid: 'DescribeWithoutResourceLevelPermissions',
    // The Service Authorization Reference lists no resource type for these: they only accept '*'.
    actions: [
      'autoscaling:DescribeAutoScalingGroups',
      'autoscaling:DescribeLaunchConfigurations',
      'autoscaling:DescribeInstanceRefreshes',
      'ec2:DescribeImages',
      'ec2:DescribeInstances',
      'ec2:DescribeLaunchTemplateVersions',
    ],
    resources: ['*'],
  }));
  statements.push(new iam.PolicyStatement({
    sid: 'ReadStacks',
    // Only to wait while the stack that manages a group is being updated; read-only.
    actions: ['cloudformation:DescribeStacks'],
    resources: [stack.formatArn({ service: 'cloudformation', resource: 'stack', resourceName: '*' })],
  }));
  statements.push(new iam.PolicyStatement({
    sid: 'ReadCluster',
    actions: ['ecs:DescribeClusters', 'ecs:ListContainerInstances'],
    resources: [cluster.clusterArn],
  }));
  statements.push(new iam.PolicyStatement({
    sid: 'ReadCapacityProviders',
    actions: ['ecs:DescribeCapacityProviders'],
    resources: [stack.formatArn({ service: 'ecs', resource: 'capacity-provider', resourceName: '*' })],
  }));
  statements.push(new iam.PolicyStatement({
    sid: 'ContainerInstancesOfThisCluster',
    // Container instance ARNs exist in an old format without the cluster name, so AWS recommends '*'
    // with the ecs:cluster condition (as aws-cdk's own drain hook does).
    actions: [
      'ecs:DescribeContainerInstances',
      'ecs:UpdateContainerInstancesState',
      'ecs:PutAttributes',
      'ecs:DeleteAttributes',
      'ecs:ListTasks',
      'ecs:DescribeTasks',
    ],
    resources: ['*'],
    conditions: { ArnEquals: { 'ecs:cluster': cluster.clusterArn } },
  }));
  if (inputs.readServices) {
    statements.push(new iam.PolicyStatement({
      sid: 'ReadServicesOfThisCluster',
      // Steady services and canary health: the services with tasks on the instances looked at. Service ARNs
      // also exist in an old format without the cluster name, so '*' with ecs:cluster, as above.
      actions: ['ecs:DescribeServices'],
      resources: ['*'],
      conditions: { ArnEquals: { 'ecs:cluster': cluster.clusterArn } },
    }));
  }
  if (inputs.stopTasks) {
    statements.push(new iam.PolicyStatement({
      sid: 'StopTasksOfThisCluster',
      // The standalone-task policy `stop`: only tasks of this cluster (task ARNs also exist without the cluster name).
      actions: ['ecs:StopTask'],
      resources: ['*'],
      conditions: { ArnEquals: { 'ecs:cluster': cluster.clusterArn } },
    }));
  }
  statements.push(new iam.PolicyStatement({
    sid: 'LeaseOnThisCluster',
    // One actor per cluster: the lease is a tag on the cluster, and only that tag may be written.
    actions: ['ecs:TagResource', 'ecs:UntagResource'],
    resources: [cluster.clusterArn],
    conditions: { 'ForAllValues:StringEquals': { 'aws:TagKeys': [LEASE_TAG] } },
  }));
  statements.push(new iam.PolicyStatement({
    sid: 'DeregisterFromThisCluster',
    // DeregisterContainerInstance is authorised against the cluster and has no ecs:cluster key.
    actions: ['ecs:DeregisterContainerInstance'],
    resources: [cluster.clusterArn],
  }));

  const groupActions = [
    'autoscaling:SetDesiredCapacity',
    'autoscaling:UpdateAutoScalingGroup',
    'autoscaling:TerminateInstanceInAutoScalingGroup',
    // AZRebalance only, for the length of a batch (the engine names no other process).
    'autoscaling:SuspendProcesses',
    'autoscaling:ResumeProcesses',
  ];
  // The engine's own bookkeeping tags on a group; no other tag may be written or removed.
  const groupTagActions = ['autoscaling:CreateOrUpdateTags', 'autoscaling:DeleteTags'];
  // The notification record only when there is a topic: without one the engine never writes it.
  const ownTags = GROUP_RECORD_TAGS.filter((key) => key !== NOTIFIED_TAG || inputs.notificationTopic !== undefined);
  const ownTagKeys = { 'ForAllValues:StringEquals': { 'aws:TagKeys': ownTags } };
  if (givenGroups) {
    const resources = givenGroups.map((g) => groupArnPattern(stack, g.autoScalingGroupName));
    statements.push(new iam.PolicyStatement({ sid: 'ChangeGivenGroups', actions: groupActions, resources }));
    statements.push(new iam.PolicyStatement({ sid: 'TagGivenGroups', actions: groupTagActions, resources, conditions: ownTagKeys }));
  }
  if (discover) {
    statements.push(new iam.PolicyStatement({
      sid: 'ChangeTaggedGroups',
      actions: groupActions,
      resources: [groupArnPattern(stack, '*')],
      conditions: clusterTagCondition('autoscaling:ResourceTag'),
    }));
    statements.push(new iam.PolicyStatement({
      sid: 'TagTaggedGroups',
      actions: groupTagActions,
      resources: [groupArnPattern(stack, '*')],
      conditions: { ...clusterTagCondition('autoscaling:ResourceTag'), ...ownTagKeys },
    }));
  }

  // Launch configurations (seed 000): the engine copies a group's configuration with the new image and
  // deletes its own copies once unused. Launch configurations carry no tags, so the copies are scoped by name:
  // `ecs-ami-refresher.<cluster>.` (cluster names hold no '.', so the prefix names exactly this cluster).
  // CreateLaunchConfiguration and DeleteLaunchConfiguration take the launchConfiguration resource type (SAR);
  // the original configuration, named otherwise, can be neither deleted nor overwritten.
  const ownConfigurations = `${launchConfigurationPrefix(cluster.clusterName)}*`;
  statements.push(new iam.PolicyStatement({
    sid: 'CopyLaunchConfigurationsOfThisCluster',
    actions: ['autoscaling:CreateLaunchConfiguration', 'autoscaling:DeleteLaunchConfiguration'],
    resources: [stack.formatArn({
      service: 'autoscaling',
      resource: 'launchConfiguration',
      resourceName: `*:launchConfigurationName/${ownConfigurations}`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    })],
  }));
  statements.push(new iam.PolicyStatement({
    sid: 'SwitchGroupsOnlyToOwnLaunchConfigurations',
    // A group may be switched only to a copy this engine made (autoscaling:LaunchConfigurationName); the
    // engine's other group writes name no launch configuration and are untouched (Null: the key must exist).
    effect: iam.Effect.DENY,
    actions: ['autoscaling:UpdateAutoScalingGroup'],
    resources: [groupArnPattern(stack, '*')],
    conditions: {
      Null: { 'autoscaling:LaunchConfigurationName': 'false' },
      StringNotLike: { 'autoscaling:LaunchConfigurationName': ownConfigurations },
    },
  }));

  // Launch templates: those of groups defined here by id, any other by the cluster tag.
  // DeleteLaunchTemplateVersions: the versions this engine created, once a rotation has ended (launchTemplateVersionsToKeep).
  const templateActions = ['ec2:CreateLaunchTemplateVersion', 'ec2:ModifyLaunchTemplate', 'ec2:DeleteLaunchTemplateVersions'];
  const templateArns = knownGroups.map(launchTemplateOf).filter(isDefined).map((t) => templateArn(stack, t.launchTemplateId!));
  if (templateArns.length > 0) {
    statements.push(new iam.PolicyStatement({ sid: 'ChangeLaunchTemplatesOfGroups', actions: templateActions, resources: templateArns }));
  }
  statements.push(new iam.PolicyStatement({
    sid: 'ChangeTaggedLaunchTemplates',
    actions: templateActions,
    resources: [templateArn(stack, '*')],
    conditions: clusterTagCondition('aws:ResourceTag'),
  }));

  // Pointing a group at a launch template version makes Auto Scaling check that the caller could launch
  // it (EC2 Auto Scaling User Guide, "Launch template permissions"). RunInstances is allowed only from a
  // launch template (instance condition), only from our templates (launch-template resource: by id or by
  // the cluster tag), and only with the other resources that template names.
  statements.push(new iam.PolicyStatement({
    sid: 'LaunchOnlyFromATemplate',
    actions: ['ec2:RunInstances'],
    resources: [stack.formatArn({ service: 'ec2', resource: 'instance', resourceName: '*' })],
    conditions: { ArnLike: { 'ec2:LaunchTemplate': templateArn(stack, '*') } },
  }));
  if (templateArns.length > 0) {
    statements.push(new iam.PolicyStatement({ sid: 'LaunchFromTemplatesOfGroups', actions: ['ec2:RunInstances'], resources: templateArns }));
  }
  statements.push(new iam.PolicyStatement({
    sid: 'LaunchFromTaggedTemplates',
    actions: ['ec2:RunInstances'],
    resources: [templateArn(stack, '*')],
    conditions: clusterTagCondition('aws:ResourceTag'),
  }));
  statements.push(new iam.PolicyStatement({
    sid: 'LaunchWithTemplateResources',
    // The other resources of a launch from one of those templates. Conditioned on ec2:LaunchTemplate rather
    // than ec2:IsLaunchTemplateResource: a group's subnets come from its VPCZoneIdentifier, not the template.
    actions: ['ec2:RunInstances'],
    resources: [
      stack.formatArn({ service: 'ec2', resource: 'image', account: '', resourceName: '*' }),
      ...['subnet', 'security-group', 'network-interface', 'volume', 'key-pair', 'placement-group'].map(
        (resource) => stack.formatArn({ service: 'ec2', resource, resourceName: '*' }),
      ),
    ],
    conditions: { ArnLike: { 'ec2:LaunchTemplate': templateArn(stack, '*') } },
  }));
  statements.push(new iam.PolicyStatement({
    sid: 'TagAtLaunch',
    // Templates whose tag specifications tag instances and volumes at launch.
    actions: ['ec2:CreateTags'],
    resources: ['instance', 'volume', 'network-interface'].map((resource) => stack.formatArn({ service: 'ec2', resource, resourceName: '*' })),
    conditions: { StringEquals: { 'ec2:CreateAction': 'RunInstances' } },
  }));

  const instanceRoles = knownGroups.map(instanceRoleOf).filter(isDefined);
  if (instanceRoles.length > 0) {
    statements.push(new iam.PolicyStatement({
      sid: 'PassInstanceRolesOfGroups',
      // Updating a group to a template version with an instance profile passes its role.
      actions: ['iam:PassRole'],
      resources: instanceRoles.map((r) => r.roleArn),
      conditions: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
    }));
  }

  statements.push(new iam.PolicyStatement({
    sid: 'ReadAmiParameters',
    actions: ['ssm:GetParameters', 'ssm:GetParameter'],
    resources: [...new Set([...Object.values(inputs.amiParameters).map((name) => parameterArn(stack, name)), ...inputs.groupParameterArns])],
  }));

  if (inputs.notificationTopic) {
    statements.push(new iam.PolicyStatement({ sid: 'PublishNotifications', actions: ['sns:Publish'], resources: [inputs.notificationTopic.topicArn] }));
    statements.push(...topicKeyStatements(stack, inputs.notificationTopic));
  }

  if (inputs.terminateUngrouped) {
    statements.push(new iam.PolicyStatement({
      sid: 'TerminateTaggedInstancesOutsideGroups',
      // Instances outside every group are replaced through a group, then terminated with EC2. IAM cannot see
      // an instance's ECS cluster, so the condition is on the instance's own tags: it must carry the cluster
      // tag (an opt-in the user writes on each such instance) and must not carry aws:autoscaling:groupName,
      // which Auto Scaling puts on every instance of a group (and which users cannot write: the aws: prefix
      // is reserved) — instances of any group, ours included, can never be terminated this way.
      actions: ['ec2:TerminateInstances'],
      resources: [stack.formatArn({ service: 'ec2', resource: 'instance', resourceName: '*' })],
      conditions: {
        StringEquals: { [`aws:ResourceTag/${TagKey.CLUSTER}`]: cluster.clusterName },
        Null: { 'aws:ResourceTag/aws:autoscaling:groupName': 'true' },
      },
    }));
  }
  return statements;
}

function groupArnPattern(stack: Stack, name: string): string {
  return stack.formatArn({
    service: 'autoscaling',
    resource: 'autoScalingGroup',
    resourceName: `*:autoScalingGroupName/${name}`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

function templateArn(stack: Stack, id: string): string {
  return stack.formatArn({ service: 'ec2', resource: 'launch-template', resourceName: id });
}

/** Public parameters (`/aws/service/...`) have ARNs without an account; an ARN is used as given. */
function parameterArn(stack: Stack, name: string): string {
  if (name.startsWith('arn:')) return name;
  const path = name.startsWith('/') ? name.slice(1) : name;
  const account = path.startsWith('aws/service/') ? '' : undefined;
  return stack.formatArn({ service: 'ssm', resource: 'parameter', account, resourceName: path });
}

function launchTemplateOf(group: autoscaling.IAutoScalingGroup): ec2.LaunchTemplate | undefined {
  const child = group.node.tryFindChild('LaunchTemplate');
  return child instanceof ec2.LaunchTemplate && child.launchTemplateId ? child : undefined;
}

function instanceRoleOf(group: autoscaling.IAutoScalingGroup): iam.IRole | undefined {
  if (!(group instanceof autoscaling.AutoScalingGroup)) return undefined;
  try {
    return group.role;
  } catch {
    // A group made from a user's launch template has no role known to CDK.
    return undefined;
  }
}

function isDefined<T>(value: T | undefined): value is T {
  return value !== undefined;
}

/**
 * cdk-nag reads suppressions from `cdk_nag` metadata; writing it directly keeps cdk-nag a dev-only tool
 * for us while users' own cdk-nag runs see our reasons. Each wildcard is listed, so a new one fails the
 * nag test instead of being waved through.
 */
function addNagSuppressions(role: iam.Role): void {
  const policy = role.node.tryFindChild('DefaultPolicy')?.node.defaultChild as iam.CfnPolicy | undefined;
  // Region and account render as tokens in an environment-agnostic stack and as literals otherwise.
  const arn = (service: string, resources: string) =>
    ({ regex: `/^Resource::arn:<AWS::Partition>:${service}:(<AWS::Region>|[a-z0-9-]+):(<AWS::AccountId>|\\d{12})?:(${resources})$/g` });
  policy?.addMetadata('cdk_nag', {
    rules_to_suppress: [{
      id: 'AwsSolutions-IAM5',
      reason:
        'Describe actions accept only "*" (Service Authorization Reference); container-instance actions use "*" with an ' +
        'ecs:cluster condition because container instance ARNs exist in two formats; capacity providers are only read; ' +
        'group and launch template wildcards are narrowed by the cluster tag condition; launch configuration wildcards stand ' +
        "for the configuration's id, with names limited to the engine's own prefix for this cluster; RunInstances wildcards are " +
        'narrowed by ec2:LaunchTemplate (the launch must come from one of those templates), and only serve the launch check that Auto ' +
        'Scaling makes when a group is pointed at a new launch template version; the KMS key wildcard (only for a ' +
        'notification topic encrypted through a key alias) is narrowed by kms:ResourceAliases.',
      applies_to: [
        'Resource::*',
        arn('ecs', 'capacity-provider/\\*'),
        arn('cloudformation', 'stack/\\*'),
        // `*` stands for the group id, which changes when a group is replaced; the name is fixed or `*` + tag.
        arn('autoscaling', 'autoScalingGroup:\\*:autoScalingGroupName/[^*]+|autoScalingGroup:\\*:autoScalingGroupName/\\*'),
        arn('ec2', '(launch-template|image|instance|subnet|security-group|network-interface|volume|key-pair|placement-group)/\\*'),
        // A notification topic encrypted through an alias: the key is matched by kms:ResourceAliases.
        arn('kms', 'key/\\*'),
        // `*` stands for the configuration's id; the name is the engine's own prefix for this cluster.
        arn('autoscaling', 'launchConfiguration:\\*:launchConfigurationName/ecs-ami-refresher\\.[^*]+\\.\\*'),
      ],
    }],
  });
}
