import { Stack, aws_autoscaling as autoscaling, aws_ecs as ecs, aws_sns as sns } from 'aws-cdk-lib';
import { TagKey } from '../../shared/constants';

/** What the rotator's policy is built from: the cluster, its groups, and which optional actions the settings need. */
export interface StatementInputs {
  readonly stack: Stack;
  readonly cluster: ecs.ICluster;
  /** `dryRun`: the role keeps only the reads (rotator-policy.ts `readOnly`). */
  readonly dryRun: boolean;
  /** Groups named in the props (by ARN in the policy); undefined when none is. */
  readonly givenGroups: autoscaling.IAutoScalingGroup[] | undefined;
  readonly knownGroups: autoscaling.IAutoScalingGroup[];
  /** Capacity provider groups are discovered at run time: the policy also allows groups with the cluster tag. */
  readonly discover: boolean;
  readonly amiParameters: Record<string, string>;
  /** The groups' own parameters (`groupOverrides`). */
  readonly groupParameterArns: readonly string[];
  /** Instances outside every group may be replaced: allow terminating them, and only them. */
  readonly terminateUngrouped: boolean;
  /** A policy reads services (steady services, canary health). */
  readonly readServices: boolean;
  /** The standalone-task policy stops tasks. */
  readonly stopTasks: boolean;
  /** The cluster's lease table (construct/lease-table.ts). */
  readonly leaseTableArn: string;
  /** Rotation notifications are published here. */
  readonly notificationTopic?: sns.ITopic;
}

/** Resources of this cluster's refresher carry the cluster tag; `prefix` is the condition key's service. */
export function clusterTagCondition(cluster: ecs.ICluster, prefix: string) {
  return { StringEquals: { [`${prefix}/${TagKey.CLUSTER}`]: cluster.clusterName } };
}

export function isDefined<T>(value: T | undefined): value is T {
  return value !== undefined;
}
