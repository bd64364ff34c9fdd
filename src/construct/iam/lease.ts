import { aws_iam as iam } from 'aws-cdk-lib';
import { StatementInputs } from './inputs';

/**
 * The lease: the four item calls, on the cluster's lease table only, and on its one item only: the
 * dynamodb:LeadingKeys condition key holds the partition key values a request touches ("Represents the
 * first key attribute of a table ... the partition key", DynamoDB Developer Guide, "Using IAM policy
 * conditions for fine-grained access control"), and the item's partition key is the cluster's name.
 */
export function leaseStatements({ cluster, leaseTableArn }: StatementInputs): iam.PolicyStatement[] {
  return [new iam.PolicyStatement({
    sid: 'LeaseItemOfThisCluster',
    actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
    resources: [leaseTableArn],
    conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [cluster.clusterName] } },
  })];
}
