import { Stack, aws_ecs as ecs, aws_iam as iam, aws_logs as logs } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { autoScalingGroupStatements } from './auto-scaling-groups';
import { describeStatements } from './describe';
import { ecsClusterStatements } from './ecs-cluster';
import { isDefined, StatementInputs } from './inputs';
import { launchConfigurationStatements } from './launch-configurations';
import { instanceRoleStatements, launchCheckStatements, launchTemplateStatements } from './launch-templates';
import { leaseStatements } from './lease';
import { notificationStatements } from './notifications';
import { groupParameterArn, ssmParameterStatements } from './ssm-parameters';
import { ungroupedInstanceStatements } from './ungrouped-instances';
import { AppGroups, RefresherGroups } from '../groups';
import { EcsAmiRefresherProps } from '../props';
import { Settings } from '../validation';

/**
 * The rotator's execution role, with its own logs; `rotatorStatements` are added at synth (groups-at-synth.ts),
 * once every capacity provider of the app is known.
 */
export function rotatorRole(scope: Construct, logGroup: logs.ILogGroup, cluster: ecs.ICluster): iam.Role {
  const role = new iam.Role(scope, 'Role', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: `Rotates the EC2 container instances of ECS cluster ${cluster.clusterName} onto the newest AMI`,
  });
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: 'WriteOwnLogs',
    actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    resources: [logGroup.logGroupArn],
  }));
  return role;
}

/**
 * The rotator's permissions. Reads that AWS's Service Authorization Reference defines on no resource type
 * are on `*`; every write is scoped to the cluster, its groups or their launch templates. The engine
 * replaces capacity through Auto Scaling (raise desired capacity, then terminate-and-decrement), and keeps
 * its progress in ECS attributes, so it needs no EC2 instance-level write at all.
 */
export function rotatorStatements(inputs: StatementInputs): iam.PolicyStatement[] {
  const statements = [
    describeStatements,
    ecsClusterStatements,
    leaseStatements,
    autoScalingGroupStatements,
    launchConfigurationStatements,
    launchTemplateStatements,
    launchCheckStatements,
    instanceRoleStatements,
    ssmParameterStatements,
    notificationStatements,
    ungroupedInstanceStatements,
  ].flatMap((family) => family(inputs));
  return inputs.dryRun ? statements.map(readOnly).filter(isDefined) : statements;
}

/**
 * What a dry run does: it observes and decides, and writes nothing (engine/round.ts acts only without
 * `dryRun`), not even the lease, so it needs only the reads. A statement keeps its Describe, List and Get
 * actions, with its resources and conditions; one with none left goes, and so does the Deny (it narrows a
 * write that is no longer allowed).
 */
function readOnly(statement: iam.PolicyStatement): iam.PolicyStatement | undefined {
  if (statement.effect !== iam.Effect.ALLOW) return undefined;
  const actions = statement.actions.filter((action) => READ_ACTION.test(action));
  if (actions.length === 0) return undefined;
  return new iam.PolicyStatement({ sid: statement.sid, actions, resources: statement.resources, conditions: statement.conditions });
}

/** An action that only reads, by its verb (the Service Authorization Reference's Read and List access levels). */
export const READ_ACTION = /^[a-z0-9-]+:(Describe|List|Get)[A-Za-z]*$/;

/** What the policy needs to know of the props, the groups (as the complete app has them) and the settings. */
export function statementInputs(
  stack: Stack, props: EcsAmiRefresherProps, groups: RefresherGroups & AppGroups, settings: Settings, leaseTableArn: string,
): StatementInputs {
  return {
    stack,
    cluster: props.cluster,
    dryRun: settings.values.dryRun === true,
    givenGroups: groups.givenGroups,
    knownGroups: groups.knownGroups,
    discover: groups.discover,
    amiParameters: settings.amiParameters,
    groupParameterArns: groups.overrides.map((o) => groupParameterArn(stack, o)).filter(isDefined),
    terminateUngrouped: props.replaceUnmanagedInstancesThrough !== undefined,
    readServices: settings.values.waitForSteadyServices || settings.values.canary !== undefined,
    stopTasks: settings.values.standaloneTasks.mode === 'stop',
    notificationTopic: props.notificationTopic,
    leaseTableArn,
  };
}
