import { Stack, aws_cloudwatch as cloudwatch, aws_ecs as ecs, aws_events as events, aws_iam as iam, aws_lambda as lambda, aws_logs as logs } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { rotatorAlarms } from './alarms';
import { checkAmiParameters } from './ami-parameter-checks';
import { rotationDashboard, validateDashboard } from './dashboard';
import { rotatorEnvironment } from './environment';
import { rotatorFunction, rotatorLogGroup } from './function';
import { resolveGroups } from './groups';
import { GroupsAtSynth } from './groups-at-synth';
import { rotatorRole } from './iam/rotator-policy';
import { rotatorLeaseTable } from './lease-table';
import { addNagSuppressions } from './nag';
import { validateNotificationTopic } from './notification-topic';
import { EcsAmiRefresherProps } from './props';
import { heartbeatWindow, scheduleRule } from './schedule';
import { validateLaterSettings, validateSettings } from './validation';
import { CORDON_ATTRIBUTE } from '../shared/records';

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

  /**
   * Fires when no run has completed for three schedule periods (missing data breaches): the schedule rule is
   * disabled, or the function throttled, failing or deleted. The other alarms cannot fire then.
   */
  public readonly heartbeatAlarm: cloudwatch.IAlarm;

  /** Every alarm above. */
  public readonly alarms: cloudwatch.IAlarm[];

  /** The dashboard, with `dashboard: true`; undefined otherwise. */
  public readonly dashboard?: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: EcsAmiRefresherProps) {
    super(scope, id);
    const cluster = props.cluster;
    const stack = Stack.of(this);

    const settings = validateSettings(props);
    const groups = resolveGroups(props);
    validateNotificationTopic(props.notificationTopic);
    validateDashboard(props);
    const later = validateLaterSettings(this, props, settings);
    checkAmiParameters(this, props.amiParameters, groups.overrides);

    this.logGroup = rotatorLogGroup(this, props.logRetention);
    const leaseTable = rotatorLeaseTable(this, cluster);
    const role = rotatorRole(this, this.logGroup, cluster);
    this.role = role;
    // The capacity providers' groups, their tag and the role's statements: at synth, whatever the order in which
    // the refresher and the providers were added to the app.
    const atSynth = new GroupsAtSynth(this, { props, groups, settings, role, leaseTableArn: leaseTable.tableArn });
    const fn = rotatorFunction(this, {
      clusterName: cluster.clusterName,
      role,
      logGroup: this.logGroup,
      environment: rotatorEnvironment({ stack, props, groups, settings, later, knownCapacityProviders: () => atSynth.knownCapacityProviders() }),
    });
    this.function = fn;
    this.rule = scheduleRule(this, fn, later.schedule, cluster.clusterName);

    const alarms = rotatorAlarms(this, {
      clusterName: cluster.clusterName,
      fn,
      outdatedAlarmThreshold: settings.outdatedAlarmThreshold,
      alarmActions: props.alarmActions ?? [],
      heartbeat: heartbeatWindow(later.schedule),
    });
    this.errorsAlarm = alarms.errors;
    this.observeFailuresAlarm = alarms.observeFailures;
    this.refusedGroupsAlarm = alarms.refusedGroups;
    this.rotationStoppedAlarm = alarms.rotationStopped;
    this.actionFailuresAlarm = alarms.actionFailures;
    this.outdatedAlarm = alarms.outdated;
    this.unmanagedInstancesAlarm = alarms.unmanagedInstances;
    this.heartbeatAlarm = alarms.heartbeat;
    this.alarms = Object.values(alarms);

    if (props.dashboard) {
      this.dashboard = rotationDashboard(this, { clusterName: cluster.clusterName, dashboardName: props.dashboardName, fn, alarms: this.alarms });
    }
    addNagSuppressions(role);
  }
}
