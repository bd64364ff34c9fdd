import { aws_autoscaling as autoscaling, aws_ec2 as ec2, aws_iam as iam } from 'aws-cdk-lib';
import { templateArn } from './arns';
import { clusterTagCondition, isDefined, StatementInputs } from './inputs';

/**
 * Launch templates: those of groups defined here by id, any other by the cluster tag.
 * DeleteLaunchTemplateVersions: the versions this engine created, once a rotation has ended (launchTemplateVersionsToKeep).
 */
export function launchTemplateStatements(inputs: StatementInputs): iam.PolicyStatement[] {
  const { stack, cluster } = inputs;
  const templateActions = ['ec2:CreateLaunchTemplateVersion', 'ec2:ModifyLaunchTemplate', 'ec2:DeleteLaunchTemplateVersions'];
  const templateArns = templateArnsOfGroups(inputs);
  return [
    ...(templateArns.length > 0
      ? [new iam.PolicyStatement({ sid: 'ChangeLaunchTemplatesOfGroups', actions: templateActions, resources: templateArns })]
      : []),
    new iam.PolicyStatement({
      sid: 'ChangeTaggedLaunchTemplates',
      actions: templateActions,
      resources: [templateArn(stack, '*')],
      conditions: clusterTagCondition(cluster, 'aws:ResourceTag'),
    }),
  ];
}

/**
 * Pointing a group at a launch template version makes Auto Scaling check that the caller could launch
 * it (EC2 Auto Scaling User Guide, "Launch template permissions"). RunInstances is allowed only from a
 * launch template (instance condition), only from our templates (launch-template resource: by id or by
 * the cluster tag), and only with the other resources that template names.
 */
export function launchCheckStatements(inputs: StatementInputs): iam.PolicyStatement[] {
  const { stack, cluster } = inputs;
  const templateArns = templateArnsOfGroups(inputs);
  const fromOurTemplates = { ArnLike: { 'ec2:LaunchTemplate': templateArn(stack, '*') } };
  const ec2Arns = (resources: string[]) => resources.map((resource) => stack.formatArn({ service: 'ec2', resource, resourceName: '*' }));
  return [
    new iam.PolicyStatement({
      sid: 'LaunchOnlyFromATemplate',
      actions: ['ec2:RunInstances'],
      resources: ec2Arns(['instance']),
      conditions: fromOurTemplates,
    }),
    ...(templateArns.length > 0
      ? [new iam.PolicyStatement({ sid: 'LaunchFromTemplatesOfGroups', actions: ['ec2:RunInstances'], resources: templateArns })]
      : []),
    new iam.PolicyStatement({
      sid: 'LaunchFromTaggedTemplates',
      actions: ['ec2:RunInstances'],
      resources: [templateArn(stack, '*')],
      conditions: clusterTagCondition(cluster, 'aws:ResourceTag'),
    }),
    new iam.PolicyStatement({
      sid: 'LaunchWithTemplateResources',
      // The other resources of a launch from one of those templates. Conditioned on ec2:LaunchTemplate rather
      // than ec2:IsLaunchTemplateResource: a group's subnets come from its VPCZoneIdentifier, not the template.
      actions: ['ec2:RunInstances'],
      resources: [
        stack.formatArn({ service: 'ec2', resource: 'image', account: '', resourceName: '*' }),
        ...ec2Arns(['subnet', 'security-group', 'network-interface', 'volume', 'key-pair', 'placement-group']),
      ],
      conditions: fromOurTemplates,
    }),
    new iam.PolicyStatement({
      sid: 'TagAtLaunch',
      // Templates whose tag specifications tag instances and volumes at launch.
      actions: ['ec2:CreateTags'],
      resources: ec2Arns(['instance', 'volume', 'network-interface']),
      conditions: { StringEquals: { 'ec2:CreateAction': 'RunInstances' } },
    }),
  ];
}

/** Updating a group to a template version with an instance profile passes its role. */
export function instanceRoleStatements({ knownGroups }: StatementInputs): iam.PolicyStatement[] {
  const instanceRoles = knownGroups.map(instanceRoleOf).filter(isDefined);
  if (instanceRoles.length === 0) return [];
  return [new iam.PolicyStatement({
    sid: 'PassInstanceRolesOfGroups',
    actions: ['iam:PassRole'],
    resources: instanceRoles.map((r) => r.roleArn),
    conditions: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
  })];
}

function templateArnsOfGroups({ stack, knownGroups }: StatementInputs): string[] {
  return knownGroups.map(launchTemplateOf).filter(isDefined).map((t) => templateArn(stack, t.launchTemplateId!));
}

function launchTemplateOf(group: autoscaling.IAutoScalingGroup): ec2.LaunchTemplate | undefined {
  const child = group.node.tryFindChild('LaunchTemplate');
  return child instanceof ec2.LaunchTemplate && child.launchTemplateId ? child : undefined;
}

function instanceRoleOf(group: autoscaling.IAutoScalingGroup): iam.IRole | undefined {
  if (!(group instanceof autoscaling.AutoScalingGroup)) return undefined;
  try {
    return group.role;
  } catch {
    // A group made from a user's launch template has no role known to CDK.
    return undefined;
  }
}
