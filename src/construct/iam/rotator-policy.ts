import { Stack, aws_iam as iam, aws_logs as logs } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { autoScalingGroupStatements } from './auto-scaling-groups';
import { describeStatements } from './describe';
import { ecsClusterStatements } from './ecs-cluster';
import { isDefined, StatementInputs } from './inputs';
import { launchConfigurationStatements } from './launch-configurations';
import { instanceRoleStatements, launchCheckStatements, launchTemplateStatements } from './launch-templates';
import { notificationStatements } from './notifications';
import { groupParameterArn, ssmParameterStatements } from './ssm-parameters';
import { ungroupedInstanceStatements } from './ungrouped-instances';
import { RefresherGroups } from '../groups';
import { EcsAmiRefresherProps } from '../props';
import { Settings } from '../validation';

/** The rotator's execution role, with its own logs and `rotatorStatements`. */
export function rotatorRole(scope: Construct, logGroup: logs.ILogGroup, inputs: StatementInputs): iam.Role {
  const role = new iam.Role(scope, 'Role', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: `Rotates the EC2 container instances of ECS cluster ${inputs.cluster.clusterName} onto the newest AMI`,
  });
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: 'WriteOwnLogs',
    actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    resources: [logGroup.logGroupArn],
  }));
  for (const statement of rotatorStatements(inputs)) role.addToPrincipalPolicy(statement);
  return role;
}

/**
 * The rotator's permissions. Reads that AWS's Service Authorization Reference defines on no resource type
 * are on `*`; every write is scoped to the cluster, its groups or their launch templates. The engine
 * replaces capacity through Auto Scaling (raise desired capacity, then terminate-and-decrement), and keeps
 * its progress in ECS attributes, so it needs no EC2 instance-level write at all.
 */
export function rotatorStatements(inputs: StatementInputs): iam.PolicyStatement[] {
  return [
    describeStatements,
    ecsClusterStatements,
    autoScalingGroupStatements,
    launchConfigurationStatements,
    launchTemplateStatements,
    launchCheckStatements,
    instanceRoleStatements,
    ssmParameterStatements,
    notificationStatements,
    ungroupedInstanceStatements,
  ].flatMap((family) => family(inputs));
}

/** What the policy needs to know of the props, the groups and the settings. */
export function statementInputs(stack: Stack, props: EcsAmiRefresherProps, groups: RefresherGroups, settings: Settings): StatementInputs {
  return {
    stack,
    cluster: props.cluster,
    givenGroups: groups.givenGroups,
    knownGroups: groups.knownGroups,
    discover: groups.discover,
    amiParameters: settings.amiParameters,
    groupParameterArns: groups.overrides.map((o) => groupParameterArn(stack, o)).filter(isDefined),
    terminateUngrouped: props.replaceUnmanagedInstancesThrough !== undefined,
    readServices: settings.values.waitForSteadyServices || settings.values.canary !== undefined,
    stopTasks: settings.values.standaloneTasks.mode === 'stop',
    notificationTopic: props.notificationTopic,
  };
}
