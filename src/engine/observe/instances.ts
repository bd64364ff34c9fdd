/**
 * EC2 instances: what the planner needs of each group member (mostly known from ECS at no EC2 cost), and
 * what EC2 says of instances outside every group.
 */
import type { Filter, Instance } from '@aws-sdk/client-ec2';
import { AwsApi } from '../../aws/ports';
import { chunk } from '../../shared/chunk';
import { BatchLimit } from '../../shared/constants';
import { decodeEpoch, REPLACE_BEFORE_TAG } from '../../shared/records';
import { ObservedContainerInstance, ObservedGroup, ObservedInstance } from '../model';
import { allPages } from './pages';

/** The instances of the groups' members and, when `describeUnmanaged`, of the container instances outside every group. */
export async function instancesOf(
  api: AwsApi,
  groups: readonly ObservedGroup[],
  containerInstances: readonly ObservedContainerInstance[],
  describeUnmanaged: boolean,
): Promise<Record<string, ObservedInstance>> {
  const instances = await groupInstances(api, groups, containerInstances);
  if (describeUnmanaged) {
    // Instances outside every group are replaced only on what EC2 says of them (tags, state, image).
    const members = new Set(groups.flatMap((g) => g.instances.map((i) => i.instanceId)));
    const loose = containerInstances.map((c) => c.ec2InstanceId).filter((id) => id !== '' && !members.has(id));
    Object.assign(instances, await describeInstances(api, loose));
  }
  return instances;
}

/**
 * The EC2 facts the planner needs of each group member: its image and when it was launched. A registered
 * instance's agent reports its image (`ecs.ami-id`) and ECS its registration time, so only members not (yet)
 * registered, or whose agent did not report the image, cost a DescribeInstances; a member registered after
 * a forced run's time is described too, as it may have been launched before it.
 */
async function groupInstances(
  api: AwsApi,
  groups: readonly ObservedGroup[],
  containerInstances: readonly ObservedContainerInstance[],
): Promise<Record<string, ObservedInstance>> {
  const byInstance = new Map(containerInstances.map((c) => [c.ec2InstanceId, c]));
  const result: Record<string, ObservedInstance> = {};
  const toDescribe: string[] = [];
  for (const group of groups) {
    const replaceBefore = decodeEpoch(group.tags[REPLACE_BEFORE_TAG]);
    for (const member of group.instances) {
      const container = byInstance.get(member.instanceId);
      const registered = Date.parse(container?.registeredAt ?? '');
      if (container?.amiIdAttribute && !Number.isNaN(registered) && (replaceBefore === undefined || registered < replaceBefore)) {
        result[member.instanceId] = {
          instanceId: member.instanceId,
          imageId: container.amiIdAttribute,
          state: 'running',
          // Launched before it registered: for "launched before a forced run's time" that is enough.
          launchTime: container.registeredAt,
          tags: {},
        };
      } else {
        toDescribe.push(member.instanceId);
      }
    }
    // Warm pool instances are not registered in ECS (the agent registers once one leaves the pool): EC2 tells their image.
    for (const warm of group.warmPool?.instances ?? []) toDescribe.push(warm.instanceId);
  }
  return { ...result, ...(await describeInstances(api, toDescribe)) };
}

/**
 * Instances by id. A filter, not `InstanceIds`: an id that no longer exists then drops out instead of
 * failing the whole call with InvalidInstanceID.NotFound.
 */
async function describeInstances(api: AwsApi, ids: readonly string[]): Promise<Record<string, ObservedInstance>> {
  const result: Record<string, ObservedInstance> = {};
  for (const batch of chunk(ids, BatchLimit.EC2_FILTER_VALUES)) {
    const filters: Filter[] = [{ Name: 'instance-id', Values: batch }];
    const pages = await allPages((NextToken) => api.ec2.describeInstances({ Filters: filters, NextToken }), (p) => p.NextToken);
    for (const instance of pages.flatMap((p) => p.Reservations ?? []).flatMap((r) => r.Instances ?? [])) {
      const observed = toInstance(instance);
      if (observed) result[observed.instanceId] = observed;
    }
  }
  return result;
}

function toInstance(instance: Instance): ObservedInstance | undefined {
  if (!instance.InstanceId || !instance.ImageId) return undefined;
  const tags: Record<string, string> = {};
  for (const tag of instance.Tags ?? []) if (tag.Key) tags[tag.Key] = tag.Value ?? '';
  return {
    instanceId: instance.InstanceId,
    imageId: instance.ImageId,
    state: instance.State?.Name ?? 'unknown',
    launchTime: instance.LaunchTime?.toISOString(),
    tags,
  };
}
