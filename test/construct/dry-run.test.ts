/**
 * `dryRun: true` synthesizes a read-only role: every statement of it is walked, and any action outside the
 * read-only allow-list fails the test, with every feature on that adds writes to the full policy.
 */
import { Duration, aws_autoscaling as autoscaling, aws_kms as kms, aws_sns as sns } from 'aws-cdk-lib';
import { asList, policyStatements, synth } from './fixtures';
import { EcsAmiRefresherProps, StandaloneTasks } from '../../src';

/**
 * What a dry run calls (observe and decide: engine/observe, engine/decide) and what the Lambda needs to log:
 * its metrics are Embedded Metric Format log lines, so no cloudwatch:PutMetricData. Nothing else.
 */
const READ_ONLY_ALLOW_LIST = new Set([
  'autoscaling:DescribeAutoScalingGroups', 'autoscaling:DescribeLaunchConfigurations', 'autoscaling:DescribeInstanceRefreshes', 'autoscaling:DescribeWarmPool',
  'ec2:DescribeImages', 'ec2:DescribeInstances', 'ec2:DescribeLaunchTemplateVersions',
  'cloudformation:DescribeStacks',
  'ecs:DescribeClusters', 'ecs:ListContainerInstances', 'ecs:DescribeCapacityProviders', 'ecs:DescribeContainerInstances',
  'ecs:ListTasks', 'ecs:DescribeTasks', 'ecs:DescribeServices',
  'ssm:GetParameters', 'ssm:GetParameter',
  // Reads the lease item only (LeaseItemOfThisCluster keeps its Get; a dry run takes no lease).
  'dynamodb:GetItem',
  // Its own log group only (checked below).
  'logs:CreateLogStream', 'logs:PutLogEvents',
]);

/** Every feature that adds a write to the full policy: named groups, unmanaged replacement, topic with a key, stopping tasks. */
function everything(f: Parameters<Parameters<typeof synth>[0]>[0]): EcsAmiRefresherProps {
  const other = autoscaling.AutoScalingGroup.fromAutoScalingGroupName(f.stack, 'Other', 'prod-other');
  const key = kms.Key.fromKeyArn(f.stack, 'Key', 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab');
  return {
    cluster: f.cluster,
    autoScalingGroups: [f.group, other],
    replaceUnmanagedInstancesThrough: other,
    groupOverrides: [{ autoScalingGroup: other, amiParameterName: '/golden/al2023' }],
    notificationTopic: new sns.Topic(f.stack, 'Topic', { masterKey: key }),
    canary: { soak: Duration.minutes(10) },
    waitForSteadyServices: true,
    standaloneTasks: StandaloneTasks.stopAfter(Duration.minutes(5)),
  };
}

/** `Action` of each statement outside the allow-list, with its Sid; every non-Allow statement. */
function outsideAllowList(statements: any[]): string[] {
  return statements.flatMap((s) => [
    ...(s.Effect !== 'Allow' ? [`${s.Sid}: ${s.Effect}`] : []),
    ...asList<string>(s.Action).filter((a) => !READ_ONLY_ALLOW_LIST.has(a)).map((a) => `${s.Sid}: ${a}`),
  ]);
}

describe('dryRun: true', () => {
  test('no action outside the read-only allow-list remains, with every feature on', () => {
    const { template } = synth((f) => ({ ...everything(f), dryRun: true }));
    const statements = policyStatements(template);
    expect(statements.length).toBeGreaterThan(3);
    expect(outsideAllowList(statements)).toEqual([]);
  });

  test('the logs statement names the rotator\'s own log group, nothing wider', () => {
    const { template } = synth((f) => ({ ...everything(f), dryRun: true }));
    const logs = policyStatements(template).filter((s) => asList<string>(s.Action).some((a) => a.startsWith('logs:')));
    expect(logs.map((s) => s.Sid)).toEqual(['WriteOwnLogs']);
    expect(logs[0].Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^RefresherLogGroup/), 'Arn'] });
  });

  test('the reads keep their scope: the container-instance reads stay conditioned on this cluster', () => {
    const { template } = synth((f) => ({ ...everything(f), dryRun: true }));
    const instances = policyStatements(template).find((s) => s.Sid === 'ContainerInstancesOfThisCluster');
    expect(asList(instances.Action)).toEqual(['ecs:DescribeContainerInstances', 'ecs:ListTasks', 'ecs:DescribeTasks']);
    expect(instances.Condition).toEqual({ ArnEquals: { 'ecs:cluster': { 'Fn::GetAtt': [expect.stringMatching(/^Cluster/), 'Arn'] } } });
  });

  test('the same props without dryRun have writes (the walk above can fail)', () => {
    const { template } = synth((f) => everything(f));
    const outside = outsideAllowList(policyStatements(template));
    for (const action of ['ecs:UpdateContainerInstancesState', 'dynamodb:PutItem', 'autoscaling:TerminateInstanceInAutoScalingGroup',
      'ec2:CreateLaunchTemplateVersion', 'ec2:TerminateInstances', 'ecs:StopTask', 'sns:Publish', 'kms:GenerateDataKey', 'iam:PassRole']) {
      expect(outside.some((o) => o.endsWith(`: ${action}`))).toBe(true);
    }
    expect(outside).toContain('SwitchGroupsOnlyToOwnLaunchConfigurations: Deny');
  });

  test('the default (dryRun unset) is the full policy', () => {
    const { template } = synth((f) => ({ cluster: f.cluster }));
    expect(outsideAllowList(policyStatements(template)).length).toBeGreaterThan(0);
  });
});
