import { aws_iam as iam } from 'aws-cdk-lib';
import { StatementInputs } from './inputs';

/**
 * ECS writes, on this cluster only: container instances (drain, cordon, progress attributes), their tasks and
 * services, deregistration. (The lease is a DynamoDB item since this release, see lease.ts: the cluster's
 * tags are no longer written.)
 */
export function ecsClusterStatements({ cluster, readServices, stopTasks }: StatementInputs): iam.PolicyStatement[] {
  const ofThisCluster = { ArnEquals: { 'ecs:cluster': cluster.clusterArn } };
  return [
    new iam.PolicyStatement({
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
      conditions: ofThisCluster,
    }),
    ...(readServices ? [new iam.PolicyStatement({
      sid: 'ReadServicesOfThisCluster',
      // Steady services and canary health: the services with tasks on the instances looked at. Service ARNs
      // also exist in an old format without the cluster name, so '*' with ecs:cluster, as above.
      actions: ['ecs:DescribeServices'],
      resources: ['*'],
      conditions: ofThisCluster,
    })] : []),
    ...(stopTasks ? [new iam.PolicyStatement({
      sid: 'StopTasksOfThisCluster',
      // The standalone-task policy `stop`: only tasks of this cluster (task ARNs also exist without the cluster name).
      actions: ['ecs:StopTask'],
      resources: ['*'],
      conditions: ofThisCluster,
    })] : []),
    new iam.PolicyStatement({
      sid: 'DeregisterFromThisCluster',
      // DeregisterContainerInstance is authorised against the cluster and has no ecs:cluster key.
      actions: ['ecs:DeregisterContainerInstance'],
      resources: [cluster.clusterArn],
    }),
  ];
}
