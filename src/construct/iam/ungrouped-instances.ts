import { aws_iam as iam } from 'aws-cdk-lib';
import { StatementInputs } from './inputs';
import { TagKey } from '../../shared/constants';

/** `replaceUnmanagedInstancesThrough`: terminating the tagged instances outside every group, and only them. */
export function ungroupedInstanceStatements({ stack, cluster, terminateUngrouped }: StatementInputs): iam.PolicyStatement[] {
  if (!terminateUngrouped) return [];
  return [new iam.PolicyStatement({
    sid: 'TerminateTaggedInstancesOutsideGroups',
    // Instances outside every group are replaced through a group, then terminated with EC2. IAM cannot see
    // an instance's ECS cluster, so the condition is on the instance's own tags: it must carry the cluster
    // tag (an opt-in the user writes on each such instance) and must not carry aws:autoscaling:groupName,
    // which Auto Scaling puts on every instance of a group (and which users cannot write: the aws: prefix
    // is reserved) — instances of any group, ours included, can never be terminated this way.
    actions: ['ec2:TerminateInstances'],
    resources: [stack.formatArn({ service: 'ec2', resource: 'instance', resourceName: '*' })],
    conditions: {
      StringEquals: { [`aws:ResourceTag/${TagKey.CLUSTER}`]: cluster.clusterName },
      Null: { 'aws:ResourceTag/aws:autoscaling:groupName': 'true' },
    },
  })];
}
