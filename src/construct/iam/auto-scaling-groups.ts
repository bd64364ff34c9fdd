import { aws_iam as iam } from 'aws-cdk-lib';
import { groupArnPattern } from './arns';
import { clusterTagCondition, StatementInputs } from './inputs';
import { GROUP_RECORD_TAGS, NOTIFIED_TAG } from '../../shared/records';

const GROUP_ACTIONS = [
  'autoscaling:SetDesiredCapacity',
  'autoscaling:UpdateAutoScalingGroup',
  'autoscaling:TerminateInstanceInAutoScalingGroup',
  // Only for an instance the engine terminated after its drain timeout with onDrainTimeout FORCE_TERMINATE,
  // held in Terminating:Wait by a termination hook (ECS managed draining's); CONTINUE lets it terminate.
  'autoscaling:CompleteLifecycleAction',
  // AZRebalance only, for the length of a batch (the engine names no other process).
  'autoscaling:SuspendProcesses',
  'autoscaling:ResumeProcesses',
];
// The engine's own bookkeeping tags on a group; no other tag may be written or removed.
const GROUP_TAG_ACTIONS = ['autoscaling:CreateOrUpdateTags', 'autoscaling:DeleteTags'];

/** Auto Scaling group writes: the named groups by ARN, discovered ones by the cluster tag. */
export function autoScalingGroupStatements(inputs: StatementInputs): iam.PolicyStatement[] {
  const { stack, cluster, givenGroups, discover } = inputs;
  // The notification record only when there is a topic: without one the engine never writes it.
  const ownTags = GROUP_RECORD_TAGS.filter((key) => key !== NOTIFIED_TAG || inputs.notificationTopic !== undefined);
  const ownTagKeys = { 'ForAllValues:StringEquals': { 'aws:TagKeys': ownTags } };
  const statements: iam.PolicyStatement[] = [];
  if (givenGroups) {
    const resources = givenGroups.map((g) => groupArnPattern(stack, g.autoScalingGroupName));
    statements.push(new iam.PolicyStatement({ sid: 'ChangeGivenGroups', actions: GROUP_ACTIONS, resources }));
    statements.push(new iam.PolicyStatement({ sid: 'TagGivenGroups', actions: GROUP_TAG_ACTIONS, resources, conditions: ownTagKeys }));
  }
  if (discover) {
    statements.push(new iam.PolicyStatement({
      sid: 'ChangeTaggedGroups',
      actions: GROUP_ACTIONS,
      resources: [groupArnPattern(stack, '*')],
      conditions: clusterTagCondition(cluster, 'autoscaling:ResourceTag'),
    }));
    statements.push(new iam.PolicyStatement({
      sid: 'TagTaggedGroups',
      actions: GROUP_TAG_ACTIONS,
      resources: [groupArnPattern(stack, '*')],
      conditions: { ...clusterTagCondition(cluster, 'autoscaling:ResourceTag'), ...ownTagKeys },
    }));
  }
  return statements;
}
