/**
 * Warm pools: the instances prepared beside a group keep the AMI they were launched with when the launch
 * template changes, and a scale-out puts them in service before it launches anything (Amazon EC2 Auto Scaling
 * User Guide, "Warm pools for Amazon EC2 Auto Scaling"; Amazon ECS Developer Guide, "Configuring pre-initialized
 * instances for your Amazon ECS Auto Scaling group"). Read only for groups DescribeAutoScalingGroups shows with a
 * WarmPoolConfiguration, so a group without one costs no call; paged to the end, at most 50 a page
 * (DescribeWarmPool API reference).
 */
import type { AutoScalingGroup } from '@aws-sdk/client-auto-scaling';
import { AwsApi } from '../../aws/ports';
import { BatchLimit } from '../../shared/constants';
import { GroupInstance } from '../model';
import { allPages } from './pages';

/** Group name -> the instances in its warm pool, for the groups that have one. */
export async function warmPools(api: AwsApi, asgs: readonly AutoScalingGroup[]): Promise<Map<string, GroupInstance[]>> {
  const pools = new Map<string, GroupInstance[]>();
  for (const asg of asgs) {
    const name = asg.AutoScalingGroupName;
    if (!name || asg.WarmPoolConfiguration === undefined) continue;
    const pages = await allPages(
      (NextToken) => api.autoScaling.describeWarmPool({ AutoScalingGroupName: name, MaxRecords: BatchLimit.DESCRIBE_WARM_POOL_PAGE, NextToken }),
      (p) => p.NextToken);
    pools.set(name, pages.flatMap((p) => p.Instances ?? []).map((i) => ({
      instanceId: i.InstanceId!,
      lifecycleState: i.LifecycleState ?? 'Unknown',
      healthStatus: i.HealthStatus ?? 'Unknown',
      protectedFromScaleIn: i.ProtectedFromScaleIn ?? false,
    })));
  }
  return pools;
}
