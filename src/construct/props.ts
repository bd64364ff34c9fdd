import { Duration, aws_autoscaling as autoscaling, aws_cloudwatch as cloudwatch, aws_ecs as ecs, aws_events as events, aws_logs as logs, aws_sns as sns } from 'aws-cdk-lib';
import { Canary } from './canary';
import { DrainTimeoutAction } from './drain-timeout-action';
import { GroupOverride } from './group-override';
import { MaintenanceWindow } from './maintenance-window';
import { MaxUnavailable } from './max-unavailable';
import { StandaloneTasks } from './standalone-tasks';

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
   * @default Duration.hours(1) - the AWS for Industries updater paced Windows 7.5 times slower than Linux (900 s against 120 s);
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
   * @default Duration.hours(1) - as the AWS for Industries updater waits (3,600 s)
   */
  readonly drainTimeout?: Duration;

  /**
   * What happens to an instance still running tasks when `drainTimeout` has passed.
   *
   * @default DrainTimeoutAction.STOP_ROTATION - as the AWS for Industries updater, which raises an error: the group's
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
   * Observe and report only: log the plan and publish metrics, change nothing. The role is then read-only
   * too: it keeps only the Describe, List and Get actions (and writing its own logs), so a dry run is an IAM
   * boundary, not only a promise of the code. A dry run takes no lease either (it writes nothing, and a
   * lease would hold off an operator's real run for nothing). Turning it off later redeploys the full policy.
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
