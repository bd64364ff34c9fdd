/**
 * The cluster's lease table: one item, taken and given back with conditional writes by the rotator and by
 * terminal runs (engine/lease.ts). Its name is derived from the cluster's name (shared/lease-table.ts):
 * the CLI finds it from `--cluster` alone, for a cluster given by import as well as one defined here, and
 * a second refresher on the same cluster fails to deploy ("already exists") instead of taking a lease of
 * its own that the first would never see.
 */
import { RemovalPolicy, Token, aws_dynamodb as dynamodb, aws_ecs as ecs } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { LEASE_KEY, leaseTableName, leaseTableNameProblem } from '../shared/lease-table';

export function rotatorLeaseTable(scope: Construct, cluster: ecs.ICluster): dynamodb.Table {
  if (!Token.isUnresolved(cluster.clusterName)) {
    const problem = leaseTableNameProblem(cluster.clusterName);
    if (problem) throw new Error(`${scope.node.path}: cluster: ${problem}`);
  }
  const table = new dynamodb.Table(scope, 'LeaseTable', {
    // A token name (a cluster defined in this stack without a name) becomes Fn::Join, resolved as the Lambda resolves it.
    tableName: leaseTableName(cluster.clusterName),
    partitionKey: { name: LEASE_KEY, type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    // The item is a lease that expires within minutes: nothing to recover, nothing to keep.
    pointInTimeRecovery: false,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  (table.node.defaultChild as dynamodb.CfnTable).addMetadata('cdk_nag', {
    rules_to_suppress: [{
      id: 'AwsSolutions-DDB3',
      reason: 'The lease table holds one item, a lease that expires within minutes: there is nothing to recover to a point in time.',
    }],
  });
  return table;
}
