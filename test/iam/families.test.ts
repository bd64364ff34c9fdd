/**
 * The policy's statement families, each built alone: which statements a family gives for which inputs, and
 * that the policy is the families in a fixed order. (What the whole policy allows is in evaluate.test.ts.)
 */
import { Stack, aws_ecs as ecs, aws_iam as iam, aws_sns as sns } from 'aws-cdk-lib';
import { autoScalingGroupStatements } from '../../src/construct/iam/auto-scaling-groups';
import { describeStatements } from '../../src/construct/iam/describe';
import { ecsClusterStatements } from '../../src/construct/iam/ecs-cluster';
import { StatementInputs } from '../../src/construct/iam/inputs';
import { launchConfigurationStatements } from '../../src/construct/iam/launch-configurations';
import { instanceRoleStatements, launchCheckStatements, launchTemplateStatements } from '../../src/construct/iam/launch-templates';
import { leaseStatements } from '../../src/construct/iam/lease';
import { notificationStatements } from '../../src/construct/iam/notifications';
import { rotatorStatements } from '../../src/construct/iam/rotator-policy';
import { ssmParameterStatements } from '../../src/construct/iam/ssm-parameters';
import { ungroupedInstanceStatements } from '../../src/construct/iam/ungrouped-instances';
import { fixture, render } from '../construct/fixtures';

function inputs(overrides: Partial<StatementInputs> = {}): StatementInputs {
  const f = fixture();
  return {
    stack: f.stack,
    cluster: f.cluster,
    dryRun: false,
    givenGroups: undefined,
    knownGroups: [f.group],
    discover: true,
    amiParameters: { 'amazon-linux-2023/x86_64': '/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended' },
    groupParameterArns: [],
    terminateUngrouped: false,
    readServices: false,
    stopTasks: false,
    leaseTableArn: 'arn:aws:dynamodb:eu-west-1:111111111111:table/ecs-ami-refresher-lease.prod',
    ...overrides,
  };
}

const sids = (statements: iam.PolicyStatement[]) => statements.map((s) => s.sid);

describe('statement families', () => {
  test('read-only describes', () => {
    expect(sids(describeStatements(inputs()))).toEqual(['DescribeWithoutResourceLevelPermissions', 'ReadStacks', 'ReadCluster', 'ReadCapacityProviders']);
  });

  test('ECS writes on this cluster: services and task stops only when a setting needs them', () => {
    expect(sids(ecsClusterStatements(inputs()))).toEqual(['ContainerInstancesOfThisCluster', 'DeregisterFromThisCluster']);
    expect(sids(ecsClusterStatements(inputs({ readServices: true, stopTasks: true })))).toEqual([
      'ContainerInstancesOfThisCluster', 'ReadServicesOfThisCluster', 'StopTasksOfThisCluster', 'DeregisterFromThisCluster',
    ]);
  });

  test('container-instance, service and task actions carry the ecs:cluster condition', () => {
    const f = inputs({ readServices: true, stopTasks: true });
    const conditioned = ecsClusterStatements(f).filter((s) => s.resources.includes('*'));
    expect(conditioned).toHaveLength(3);
    for (const s of conditioned) expect(s.conditions).toEqual({ ArnEquals: { 'ecs:cluster': (f.cluster as ecs.Cluster).clusterArn } });
  });

  test('the lease: the four item calls, on the lease table only, on the cluster\'s item only', () => {
    const f = inputs();
    const [statement, ...rest] = leaseStatements(f);
    expect(rest).toEqual([]);
    expect(statement.sid).toBe('LeaseItemOfThisCluster');
    expect(statement.actions).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem']);
    expect(statement.resources).toEqual([f.leaseTableArn]);
    expect(statement.conditions).toEqual({ 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [f.cluster.clusterName] } });
  });

  test('groups: named ones by ARN, discovered ones by the cluster tag', () => {
    const f = inputs();
    expect(sids(autoScalingGroupStatements(f))).toEqual(['ChangeTaggedGroups', 'TagTaggedGroups']);
    expect(sids(autoScalingGroupStatements({ ...f, givenGroups: f.knownGroups, discover: false }))).toEqual(['ChangeGivenGroups', 'TagGivenGroups']);
    expect(sids(autoScalingGroupStatements({ ...f, givenGroups: f.knownGroups }))).toEqual(['ChangeGivenGroups', 'TagGivenGroups', 'ChangeTaggedGroups', 'TagTaggedGroups']);
  });

  test('launch templates of groups defined here are named by id; without one only the tagged ones remain', () => {
    const f = inputs();
    expect(sids(launchTemplateStatements(f))).toEqual(['ChangeLaunchTemplatesOfGroups', 'ChangeTaggedLaunchTemplates']);
    expect(sids(launchCheckStatements(f))).toEqual(['LaunchOnlyFromATemplate', 'LaunchFromTemplatesOfGroups', 'LaunchFromTaggedTemplates', 'LaunchWithTemplateResources', 'TagAtLaunch']);
    expect(sids(instanceRoleStatements(f))).toEqual(['PassInstanceRolesOfGroups']);
    const none = { ...f, knownGroups: [] };
    expect(sids(launchTemplateStatements(none))).toEqual(['ChangeTaggedLaunchTemplates']);
    expect(sids(launchCheckStatements(none))).toEqual(['LaunchOnlyFromATemplate', 'LaunchFromTaggedTemplates', 'LaunchWithTemplateResources', 'TagAtLaunch']);
    expect(sids(instanceRoleStatements(none))).toEqual([]);
  });

  test('optional families give nothing unless asked', () => {
    const f = inputs();
    expect(sids(notificationStatements(f))).toEqual([]);
    expect(sids(ungroupedInstanceStatements(f))).toEqual([]);
    expect(sids(notificationStatements({ ...f, notificationTopic: new sns.Topic(f.stack, 'Topic') }))).toEqual(['PublishNotifications']);
    expect(sids(ungroupedInstanceStatements({ ...f, terminateUngrouped: true }))).toEqual(['TerminateTaggedInstancesOutsideGroups']);
  });

  test('AMI parameters: public ones without an account, each ARN once', () => {
    const f = inputs({ groupParameterArns: ['arn:aws:ssm:eu-west-1:222222222222:parameter/golden', 'arn:aws:ssm:eu-west-1:222222222222:parameter/golden'] });
    const [statement] = ssmParameterStatements(f);
    expect(Stack.of(f.stack).resolve(statement.resources).map(render)).toEqual([
      'arn:${AWS::Partition}:ssm:eu-west-1::parameter/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended',
      'arn:aws:ssm:eu-west-1:222222222222:parameter/golden',
    ]);
  });

  test('the policy is the families in order', () => {
    const f = inputs({ readServices: true, terminateUngrouped: true });
    expect(sids(rotatorStatements(f))).toEqual(sids([
      ...describeStatements(f), ...ecsClusterStatements(f), ...leaseStatements(f), ...autoScalingGroupStatements(f),
      ...launchConfigurationStatements(f),
      ...launchTemplateStatements(f), ...launchCheckStatements(f), ...instanceRoleStatements(f), ...ssmParameterStatements(f),
      ...notificationStatements(f), ...ungroupedInstanceStatements(f),
    ]));
  });
});
