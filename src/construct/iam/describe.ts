import { aws_iam as iam } from 'aws-cdk-lib';
import { StatementInputs } from './inputs';

/** Read-only: the describes that accept only `*`, the stacks, the cluster and its capacity providers. */
export function describeStatements({ stack, cluster }: StatementInputs): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({
      sid: 'DescribeWithoutResourceLevelPermissions',
      // The Service Authorization Reference lists no resource type for these: they only accept '*'.
      actions: [
        'autoscaling:DescribeAutoScalingGroups',
        'autoscaling:DescribeLaunchConfigurations',
        'autoscaling:DescribeInstanceRefreshes',
        'autoscaling:DescribeLifecycleHooks',
        'ec2:DescribeImages',
        'ec2:DescribeInstances',
        'ec2:DescribeLaunchTemplateVersions',
      ],
      resources: ['*'],
    }),
    new iam.PolicyStatement({
      sid: 'ReadStacks',
      // Only to wait while the stack that manages a group is being updated; read-only.
      actions: ['cloudformation:DescribeStacks'],
      resources: [stack.formatArn({ service: 'cloudformation', resource: 'stack', resourceName: '*' })],
    }),
    new iam.PolicyStatement({
      sid: 'ReadCluster',
      actions: ['ecs:DescribeClusters', 'ecs:ListContainerInstances'],
      resources: [cluster.clusterArn],
    }),
    new iam.PolicyStatement({
      sid: 'ReadCapacityProviders',
      actions: ['ecs:DescribeCapacityProviders'],
      resources: [stack.formatArn({ service: 'ecs', resource: 'capacity-provider', resourceName: '*' })],
    }),
  ];
}
