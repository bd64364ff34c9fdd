/**
 * The planner's vocabulary: its configuration and its result, per group (target image, outdated instances)
 * and for the instances outside every group.
 */
import type { PendingImage } from './rotation-types';
import { GroupSettings } from '../../shared/ami-families';

export interface PlanConfig {
  /** `family/arch` -> SSM parameter name. */
  readonly amiParameters: Readonly<Record<string, string>>;
  /**
   * Discovered groups must carry the cluster tag (the IAM policy lets the engine act on them only when they
   * do); groups given to the construct are named in the policy by ARN and need no tag.
   */
  readonly requireClusterTag: boolean;
  /** Per-group family and parameter (construct `groupOverrides`), by group name. */
  readonly groupOverrides?: Readonly<Record<string, GroupSettings>>;
  /** The managed group through which container instances outside every group are replaced (opt-in). */
  readonly unmanagedReplacementGroup?: string;
  /**
   * Replace instances even when they already run the target image (the AWS for Industries updater's FORCE): every instance
   * launched before this observation. The engine records the time on the group so later runs finish it.
   */
  readonly force: boolean;
  /**
   * An image the parameter names is adopted only once it is this old (from its CreationDate). Until then
   * the group keeps the image it launches now; unset or 0: adopted at once.
   */
  readonly minimumAmiAgeSeconds?: number;
}

export type GroupStatus = 'up-to-date' | 'outdated' | 'refused' | 'unobserved';

export interface OutdatedInstance {
  readonly instanceId: string;
  readonly imageId?: string;
  readonly containerInstanceArn?: string;
  /** ECS's count; instances not (yet) registered count 0. */
  readonly runningTasksCount: number;
  readonly containerInstanceStatus?: string;
}

export interface GroupPlan {
  readonly groupName: string;
  readonly status: GroupStatus;
  /** Why the group is refused or unobserved. */
  readonly reason?: string;
  readonly family?: string;
  readonly architecture?: string;
  readonly familyFrom?: 'prop' | 'tag' | 'image-name';
  /** The family could not be told, so the group was refused (never guessed). */
  readonly unknownFamily?: boolean;
  readonly parameterName?: string;
  /** `group`: the group's own parameter (a golden AMI); `map`: the family map. */
  readonly parameterFrom?: 'group' | 'map';
  /** The platform of the group's image: Windows hosts get a longer readiness timeout. */
  readonly platform?: 'windows' | 'linux';
  readonly currentImageId?: string;
  readonly targetImageId?: string;
  /** The launch template or configuration must be pointed at the target image. */
  readonly updateLaunchSource: boolean;
  readonly instanceCount: number;
  readonly upToDateCount: number;
  /** Fewest running tasks first (as the AWS for Industries updater orders them), so the first replacements disturb the least. */
  readonly outdatedInstances: readonly OutdatedInstance[];
  /**
   * Epoch ms since when the group's outdated instances are outdated: when the target image was adopted, its
   * creation plus `minimumAmiAge` (so the outdated alarm measures the rotation, not the wait for the image).
   */
  readonly outdatedSince?: number;
  /** A newer image the parameter names, not adopted yet (`minimumAmiAge`), and why. */
  readonly pendingImage?: PendingImage;
}

export interface RotationPlan {
  readonly clusterName: string;
  readonly observedAt: number;
  readonly groups: readonly GroupPlan[];
  /** EC2 ids of container instances no managed group owns. */
  readonly unmanagedInstanceIds: readonly string[];
  /** The same instances, with whether the opt-in policy may replace each and, if not, why. */
  readonly unmanagedInstances: readonly UnmanagedInstance[];
  readonly totals: PlanTotals;
}

export interface UnmanagedInstance {
  readonly instanceId: string;
  readonly containerInstanceArn: string;
  /** ACTIVE, DRAINING, ... */
  readonly status: string;
  readonly runningTasksCount: number;
  readonly imageId?: string;
  /** The Auto Scaling group it belongs to (one the refresher does not manage), from `aws:autoscaling:groupName`. */
  readonly autoScalingGroup?: string;
  /** The opt-in policy may replace it through `unmanagedReplacementGroup`. */
  readonly replaceable: boolean;
  /** Why it is not replaceable. */
  readonly reason?: string;
}

export interface PlanTotals {
  readonly outdatedInstances: number;
  readonly upToDateInstances: number;
  readonly refusedGroups: number;
  readonly unobservedGroups: number;
  /** Refused groups whose AMI family could not be told. */
  readonly unknownFamilyGroups: number;
  /** 0 when nothing is outdated. */
  readonly oldestOutdatedAgeSeconds: number;
}
