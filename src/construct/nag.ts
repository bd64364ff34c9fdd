import { aws_iam as iam } from 'aws-cdk-lib';

/**
 * cdk-nag reads suppressions from `cdk_nag` metadata; writing it directly keeps cdk-nag a dev-only tool
 * for us while users' own cdk-nag runs see our reasons. Each wildcard is listed, so a new one fails the
 * nag test instead of being waved through.
 */
export function addNagSuppressions(role: iam.Role): void {
  const policy = role.node.tryFindChild('DefaultPolicy')?.node.defaultChild as iam.CfnPolicy | undefined;
  // Region and account render as tokens in an environment-agnostic stack and as literals otherwise.
  const arn = (service: string, resources: string) =>
    ({ regex: `/^Resource::arn:<AWS::Partition>:${service}:(<AWS::Region>|[a-z0-9-]+):(<AWS::AccountId>|\\d{12})?:(${resources})$/g` });
  policy?.addMetadata('cdk_nag', {
    rules_to_suppress: [{
      id: 'AwsSolutions-IAM5',
      reason:
        'Describe actions accept only "*" (Service Authorization Reference); container-instance actions use "*" with an ' +
        'ecs:cluster condition because container instance ARNs exist in two formats; capacity providers are only read; ' +
        'group and launch template wildcards are narrowed by the cluster tag condition; launch configuration wildcards stand ' +
        "for the configuration's id, with names limited to the engine's own prefix for this cluster; RunInstances wildcards are " +
        'narrowed by ec2:LaunchTemplate (the launch must come from one of those templates), and only serve the launch check that Auto ' +
        'Scaling makes when a group is pointed at a new launch template version; the KMS key wildcard (only for a ' +
        'notification topic encrypted through a key alias) is narrowed by kms:ResourceAliases.',
      applies_to: [
        'Resource::*',
        arn('ecs', 'capacity-provider/\\*'),
        arn('cloudformation', 'stack/\\*'),
        // `*` stands for the group id, which changes when a group is replaced; the name is fixed or `*` + tag.
        arn('autoscaling', 'autoScalingGroup:\\*:autoScalingGroupName/[^*]+|autoScalingGroup:\\*:autoScalingGroupName/\\*'),
        arn('ec2', '(launch-template|image|instance|subnet|security-group|network-interface|volume|key-pair|placement-group)/\\*'),
        // A notification topic encrypted through an alias: the key is matched by kms:ResourceAliases.
        arn('kms', 'key/\\*'),
        // `*` stands for the configuration's id; the name is the engine's own prefix for this cluster.
        arn('autoscaling', 'launchConfiguration:\\*:launchConfigurationName/ecs-ami-refresher\\.[^*]+\\.\\*'),
      ],
    }],
  });
}
