/** Whether something else is changing a group: an instance refresh, or an update of its CloudFormation stack. */
import { AwsApi } from '../../aws/ports';
import { resolveGroupTarget } from '../../shared/ami-families';
import { describeError } from '../../shared/describe-error';
import { BATCH_TAG, REPLACE_BEFORE_TAG } from '../../shared/records';
import { overrideImageIds } from '../images';
import { ObservedGroup, ObservedInstance, ParameterReading } from '../model';
import { imageIdFromValue } from './parameters';

/** What else is changing a group, and the image it is to run (undefined when its target is not known). */
export type GroupActivity = Pick<ObservedGroup, 'instanceRefresh' | 'stack' | 'lifecycleHooks'> & { readonly targetImageId?: string };

/**
 * For the groups the engine may act on this round — a rotation recorded on them, or an instance or launch
 * source not on the target image — whether something else is changing them: an instance refresh, or an
 * update of the CloudFormation stack that manages them. Idle groups cost no call.
 */
export async function groupActivity(
  api: AwsApi,
  groups: readonly ObservedGroup[],
  instances: Readonly<Record<string, ObservedInstance>>,
  parameters: Readonly<Record<string, ParameterReading>>,
  targetOf: (group: ObservedGroup) => ReturnType<typeof resolveGroupTarget>,
  force: boolean,
): Promise<Map<string, GroupActivity>> {
  const result = new Map<string, GroupActivity>();
  const stackStatus = new Map<string, Promise<string | undefined>>();
  for (const group of groups) {
    const resolved = targetOf(group);
    const target = resolved.ok ? imageIdFromValue(parameters[resolved.parameterName]?.value) : undefined;
    const recorded = group.tags[BATCH_TAG] !== undefined || group.tags[REPLACE_BEFORE_TAG] !== undefined;
    const behind = target !== undefined && (group.currentImageId !== target || overrideImageIds(group).some((id) => id !== target)
      || group.instances.some((i) => instances[i.instanceId] !== undefined && instances[i.instanceId].imageId !== target));
    if (!recorded && !behind && !force) continue;

    let newest: { InstanceRefreshId?: string; Status?: string } | undefined;
    try {
      const refreshes = await api.autoScaling.describeInstanceRefreshes({ AutoScalingGroupName: group.name, MaxRecords: 1 });
      newest = refreshes.InstanceRefreshes?.[0];
    } catch (error) {
      // Not knowing whether something else replaces the group's instances is a reason to wait, for this group only.
      newest = { InstanceRefreshId: 'unknown', Status: `Unreadable (${describeError(error)})` };
    }
    const stackName = group.tags['aws:cloudformation:stack-id'] ?? group.tags['aws:cloudformation:stack-name'];
    if (stackName && !stackStatus.has(stackName)) stackStatus.set(stackName, readStackStatus(api, stackName));
    result.set(group.name, {
      targetImageId: target,
      lifecycleHooks: await readLifecycleHooks(api, group.name),
      instanceRefresh: newest?.InstanceRefreshId ? { id: newest.InstanceRefreshId, status: newest.Status ?? 'Unknown' } : undefined,
      stack: stackName ? { name: group.tags['aws:cloudformation:stack-name'] ?? stackName, status: await stackStatus.get(stackName) } : undefined,
    });
  }
  return result;
}

/**
 * The group's lifecycle hooks: launch hooks hold replacements in Pending:Wait, termination hooks (ECS managed
 * draining's, aws-cdk's drain hook) hold terminated instances in Terminating:Wait. Unreadable: undefined.
 * https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_DescribeLifecycleHooks.html
 */
async function readLifecycleHooks(api: AwsApi, group: string): Promise<ObservedGroup['lifecycleHooks']> {
  try {
    const response = await api.autoScaling.describeLifecycleHooks({ AutoScalingGroupName: group });
    return (response.LifecycleHooks ?? []).map((h) => ({
      name: h.LifecycleHookName ?? '',
      transition: h.LifecycleTransition ?? '',
      // "The default value is 3600 seconds (1 hour)" (PutLifecycleHook API reference).
      heartbeatTimeoutSeconds: h.HeartbeatTimeout ?? 3600,
      defaultResult: h.DefaultResult ?? 'ABANDON',
    }));
  } catch {
    return undefined;
  }
}

/** A stack deleted since (its tags stay on the group) or not readable is reported without a status. */
async function readStackStatus(api: AwsApi, stack: string): Promise<string | undefined> {
  try {
    const response = await api.cloudFormation.describeStacks({ StackName: stack });
    return response.Stacks?.[0]?.StackStatus;
  } catch {
    return undefined;
  }
}
