import { ArnFormat, aws_iam as iam } from 'aws-cdk-lib';
import { groupArnPattern } from './arns';
import { StatementInputs } from './inputs';
import { launchConfigurationPrefix } from '../../shared/launch-configuration-names';

/**
 * Launch configurations (as in the AWS Compute Blog runbook): the engine copies a group's configuration with the new image and
 * deletes its own copies once unused. Launch configurations carry no tags, so the copies are scoped by name:
 * `ecs-ami-refresher.<cluster>.` (cluster names hold no '.', so the prefix names exactly this cluster).
 * CreateLaunchConfiguration and DeleteLaunchConfiguration take the launchConfiguration resource type (SAR);
 * the original configuration, named otherwise, can be neither deleted nor overwritten.
 */
export function launchConfigurationStatements({ stack, cluster }: StatementInputs): iam.PolicyStatement[] {
  const ownConfigurations = `${launchConfigurationPrefix(cluster.clusterName)}*`;
  return [
    new iam.PolicyStatement({
      sid: 'CopyLaunchConfigurationsOfThisCluster',
      actions: ['autoscaling:CreateLaunchConfiguration', 'autoscaling:DeleteLaunchConfiguration'],
      resources: [stack.formatArn({
        service: 'autoscaling',
        resource: 'launchConfiguration',
        resourceName: `*:launchConfigurationName/${ownConfigurations}`,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      })],
    }),
    new iam.PolicyStatement({
      sid: 'SwitchGroupsOnlyToOwnLaunchConfigurations',
      // A group may be switched only to a copy this engine made (autoscaling:LaunchConfigurationName); the
      // engine's other group writes name no launch configuration and are untouched (Null: the key must exist).
      effect: iam.Effect.DENY,
      actions: ['autoscaling:UpdateAutoScalingGroup'],
      resources: [groupArnPattern(stack, '*')],
      conditions: {
        Null: { 'autoscaling:LaunchConfigurationName': 'false' },
        StringNotLike: { 'autoscaling:LaunchConfigurationName': ownConfigurations },
      },
    }),
  ];
}
