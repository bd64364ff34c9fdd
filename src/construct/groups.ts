/**
 * The Auto Scaling groups a refresher acts on: those named in the props (`autoScalingGroups`,
 * `groupOverrides`, `replaceUnmanagedInstancesThrough`), which the policy names by ARN, and those of the
 * capacity providers this app associates with the cluster, which the policy reaches through the cluster tag.
 * The named ones are known when the construct is made; the capacity providers' only once the app is complete
 * (`appGroups`, read at synth by groups-at-synth.ts), so that a provider added after the refresher counts too.
 */
import { Stack, Tag, Token, aws_autoscaling as autoscaling, aws_ecs as ecs } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { GroupOverride } from './group-override';
import { EcsAmiRefresherProps } from './props';
import { checkDuration } from './settings';
import { FAMILY_PATTERN, PARAMETER_NAME_PATTERN } from '../shared/ami-families';
import { TagKey } from '../shared/constants';
import { SETTINGS } from '../shared/settings';

/** The groups of one refresher named in its props, validated. */
export interface RefresherGroups {
  readonly overrides: readonly GroupOverride[];
  /** Capacity provider groups are discovered at run time. */
  readonly discover: boolean;
  /** Groups named in the props, each once: the policy names them by ARN. */
  readonly named: autoscaling.IAutoScalingGroup[];
  /** `named`, or undefined when none is. */
  readonly givenGroups: autoscaling.IAutoScalingGroup[] | undefined;
}

/** The groups as the complete app has them (read at synth: capacity providers may be added after the refresher). */
export interface AppGroups {
  /** The capacity providers this app associates with the cluster (with discovery only). */
  readonly appProviders: ecs.AsgCapacityProvider[];
  /** Groups known in this app: the named ones, and those of the capacity providers this app associates. */
  readonly knownGroups: autoscaling.IAutoScalingGroup[];
}

export function resolveGroups(props: EcsAmiRefresherProps): RefresherGroups {
  if (props.autoScalingGroups !== undefined && props.autoScalingGroups.length === 0) {
    throw new Error('autoScalingGroups is an empty list; give at least one group, or leave it unset (the cluster\'s capacity provider groups are discovered anyway)');
  }
  const overrides = validateGroupOverrides(props.groupOverrides ?? []);
  const discover = props.discoverCapacityProviderGroups ?? SETTINGS.discoverGroups.default;
  const named = uniqueGroups([
    ...(props.autoScalingGroups ?? []),
    ...overrides.map((o) => o.autoScalingGroup),
    ...(props.replaceUnmanagedInstancesThrough ? [props.replaceUnmanagedInstancesThrough] : []),
  ]);
  if (!discover && named.length === 0) {
    throw new Error('discoverCapacityProviderGroups is false and no group is named; name groups in autoScalingGroups, or leave discovery on');
  }
  const givenGroups = named.length > 0 ? named : undefined;
  return { overrides, discover, named, givenGroups };
}

/** The groups of the app as it is now: call it once the app is complete (at synth). */
export function appGroups(groups: RefresherGroups, cluster: ecs.ICluster): AppGroups {
  const appProviders = groups.discover ? capacityProviders(cluster) : [];
  const knownGroups = uniqueGroups([...groups.named, ...appProviders.map((p) => p.autoScalingGroup)]);
  return { appProviders, knownGroups };
}

/**
 * The cluster tag on every group known in this app, on what it owns (its launch template or configuration)
 * and on the instances it launches. Applied at synth, after other aspects may have visited the groups, so
 * the tag is written into each taggable resource of the group directly (`Tag.visit`, as `Tags.of(group).add`
 * would through an aspect of its own).
 */
export function tagKnownGroups(groups: AppGroups, cluster: ecs.ICluster): void {
  const tag = new Tag(TagKey.CLUSTER, cluster.clusterName, { applyToLaunchedInstances: true });
  for (const group of groups.knownGroups) {
    // Imported groups are not constructs with resources: nothing of theirs is taggable.
    for (const construct of group.node.findAll()) tag.visit(construct);
  }
}

function validateGroupOverrides(overrides: readonly GroupOverride[]): readonly GroupOverride[] {
  const seen = new Set<string>();
  overrides.forEach((o, i) => {
    const at = `groupOverrides[${i}]`;
    const key = groupKey(o.autoScalingGroup);
    if (seen.has(key)) throw new Error(`${at} names group ${key} again; give each group's settings in one entry`);
    seen.add(key);
    if (o.family === undefined && o.amiParameter === undefined && o.amiParameterName === undefined && o.readinessTimeout === undefined) {
      throw new Error(`${at} (${key}) sets nothing; give family, amiParameter, amiParameterName or readinessTimeout`);
    }
    if (o.family !== undefined && !Token.isUnresolved(o.family) && !FAMILY_PATTERN.test(o.family)) {
      throw new Error(`${at}.family is '${o.family}'; a family is lower-case letters, digits, '.' and '-', e.g. 'amazon-linux-2023-gpu'`);
    }
    if (o.amiParameter !== undefined && o.amiParameterName !== undefined) {
      throw new Error(`${at} gives both amiParameter and amiParameterName; give one`);
    }
    if (o.amiParameterName !== undefined && !Token.isUnresolved(o.amiParameterName) && !PARAMETER_NAME_PATTERN.test(o.amiParameterName)) {
      throw new Error(`${at}.amiParameterName is '${o.amiParameterName}', which is not an SSM parameter name (letters, digits, '_', '.', '-', '/') or parameter ARN`);
    }
    if (o.readinessTimeout !== undefined) checkDuration(`${at}.readinessTimeout`, o.readinessTimeout, SETTINGS.readinessTimeoutSeconds.kind);
  });
  return overrides;
}

/** A group's identity for de-duplication: its construct path (an imported group's name may be a token). */
function groupKey(group: autoscaling.IAutoScalingGroup): string {
  return Token.isUnresolved(group.autoScalingGroupName) ? group.node.path : group.autoScalingGroupName;
}

function uniqueGroups(groups: readonly autoscaling.IAutoScalingGroup[]): autoscaling.IAutoScalingGroup[] {
  const seen = new Set<autoscaling.IAutoScalingGroup>();
  const names = new Set<string>();
  return groups.filter((g) => {
    const name = Token.isUnresolved(g.autoScalingGroupName) ? undefined : g.autoScalingGroupName;
    if (seen.has(g) || (name !== undefined && names.has(name))) return false;
    seen.add(g);
    if (name !== undefined) names.add(name);
    return true;
  });
}

/** The Auto Scaling group capacity providers this app associates with the cluster. */
function capacityProviders(cluster: ecs.ICluster): ecs.AsgCapacityProvider[] {
  if (!(cluster instanceof ecs.Cluster)) return [];
  const names = new Set(cluster.capacityProviderNames);
  return Stack.of(cluster).node.findAll()
    .filter((c: IConstruct): c is ecs.AsgCapacityProvider => c instanceof ecs.AsgCapacityProvider)
    .filter((provider) => names.has(provider.capacityProviderName));
}
