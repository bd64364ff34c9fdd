/**
 * The props checked against the groups of the complete app, at synth (groups-at-synth.ts): what would
 * synthesize and deploy, and fail or surprise only at run time. Each finding is an annotation on the
 * refresher that names the group's path, the value and what to do: an error for what can only fail, a
 * warning for what works otherwise than meant or fails in some accounts.
 */
import { Annotations, Token, aws_autoscaling as autoscaling } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { Settings } from './validation';

/** aws-cdk-lib's flag (cx-api AUTOSCALING_GENERATE_LAUNCH_TEMPLATE), as cdk.json names it. */
export const LAUNCH_TEMPLATE_FLAG = '@aws-cdk/aws-autoscaling:generateLaunchTemplateInsteadOfLaunchConfig';

export function checkGroups(scope: Construct, groups: readonly autoscaling.IAutoScalingGroup[], settings: Settings): void {
  for (const group of groups) {
    if (!(group instanceof autoscaling.AutoScalingGroup)) continue;
    checkLaunchConfiguration(scope, group);
    checkCanary(scope, group, settings.values.canary?.count);
  }
}

/**
 * A group of this app on a launch configuration: aws-cdk-lib makes one for an AutoScalingGroup without the
 * feature flag. "Accounts created on or after October 1, 2024 cannot create new launch configurations using
 * any method" (EC2 Auto Scaling User Guide, "Auto Scaling launch configurations"), and a rotation copies the
 * configuration with each new image. An image resolved at launch (`resolve:ssm:`) is a launch template
 * feature ("Use AWS Systems Manager parameters instead of AMI IDs in launch templates"); a launch
 * configuration's ImageId is an AMI id (CreateLaunchConfiguration), so that one can only fail.
 */
function checkLaunchConfiguration(scope: Construct, group: autoscaling.AutoScalingGroup): void {
  const configuration = group.node.tryFindChild('LaunchConfig');
  if (!(configuration instanceof autoscaling.CfnLaunchConfiguration)) return;
  const imageId = configuration.imageId;
  if (!Token.isUnresolved(imageId) && imageId.startsWith('resolve:ssm:')) {
    Annotations.of(scope).addError(`group ${group.node.path} launches from a launch configuration with image '${imageId}' ` +
      '(AmiParameters.imageResolvedAtLaunch): only a launch template resolves an SSM parameter at launch; a launch configuration ' +
      `needs an AMI id. Set the feature flag '${LAUNCH_TEMPLATE_FLAG}' to true in cdk.json (context), or give the group a launchTemplate`);
    return;
  }
  // aws-cdk-lib makes the configuration only without the flag and without a launchTemplate or mixedInstancesPolicy.
  Annotations.of(scope).addWarningV2('ecs-ami-refresher:launchConfiguration',
    `group ${group.node.path} gets a launch configuration (the feature flag '${LAUNCH_TEMPLATE_FLAG}' is not set). Accounts created on or after 1 October 2024 cannot create ` +
    'launch configurations, and a rotation copies it with each new image: there the rotation stops on its alarm. ' +
    `Set '${LAUNCH_TEMPLATE_FLAG}': true in cdk.json (context) so that the group gets a launch template, or give it a launchTemplate`);
}

/** Canaries as many as the group can ever hold: the whole group is replaced first, with nothing left to compare. */
function checkCanary(scope: Construct, group: autoscaling.AutoScalingGroup, count: number | undefined): void {
  const cfn = group.node.defaultChild;
  if (count === undefined || Token.isUnresolved(count) || !(cfn instanceof autoscaling.CfnAutoScalingGroup)) return;
  const maxSize = cfn.maxSize;
  if (Token.isUnresolved(maxSize) || !/^\d+$/.test(maxSize) || count < Number(maxSize)) return;
  Annotations.of(scope).addWarningV2('ecs-ami-refresher:canaryIsWholeGroup',
    `canary.count is ${count}, at or above the maximum size (${maxSize}) of group ${group.node.path}: every instance of the group is ` +
    `a canary, so the whole group is replaced before anything is judged. Lower canary.count below ${maxSize}`);
}
