/**
 * The lease table's name: derived from the cluster's name (literal or token), and a literal name that cannot
 * name a DynamoDB table is refused at synth time with the construct's path.
 */
import { App, Stack, aws_ecs as ecs } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Construct } from 'constructs';
import { rotatorLeaseTable } from '../../src/construct/lease-table';
import { LEASE_CLUSTER_NAME_MAX } from '../../src/shared/lease-table';

function build(clusterName: string) {
  const stack = new Stack(new App(), 'Stack');
  const scope = new Construct(stack, 'Refresher');
  const cluster = ecs.Cluster.fromClusterAttributes(stack, 'Imported', { clusterName, vpc: undefined as never, securityGroups: [] });
  return { stack, scope, cluster };
}

test('an imported cluster: the table is named from its literal name', () => {
  const { stack, scope, cluster } = build('prod');
  rotatorLeaseTable(scope, cluster);
  Template.fromStack(stack).hasResourceProperties('AWS::DynamoDB::Table', { TableName: 'ecs-ami-refresher-lease.prod' });
});

test(`a cluster name longer than ${LEASE_CLUSTER_NAME_MAX} characters: refused with the path, the length and the limit`, () => {
  const { scope, cluster } = build('c'.repeat(LEASE_CLUSTER_NAME_MAX + 1));
  expect(() => rotatorLeaseTable(scope, cluster)).toThrow(
    `Stack/Refresher: cluster: cluster name "${'c'.repeat(40)}..." is ${LEASE_CLUSTER_NAME_MAX + 1} characters; the lease table ` +
    `"ecs-ami-refresher-lease.<cluster name>" needs it to be at most ${LEASE_CLUSTER_NAME_MAX} (DynamoDB table names are at most 255)`);
});

test(`a cluster name of exactly ${LEASE_CLUSTER_NAME_MAX} characters names a 255-character table`, () => {
  const { stack, scope, cluster } = build('c'.repeat(LEASE_CLUSTER_NAME_MAX));
  rotatorLeaseTable(scope, cluster);
  const [table] = Object.values(Template.fromStack(stack).findResources('AWS::DynamoDB::Table'));
  expect((table.Properties.TableName as string).length).toBe(255);
});
