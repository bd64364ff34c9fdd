/**
 * The rotator's environment: one variable per row of the settings table (src/shared/settings.ts), written by
 * the row's kind from the setting props and from what the construct derives from the others (names of the
 * cluster and groups, the schedule's period, the maintenance windows), as the engine's configuration
 * (src/engine/config.ts) reads them.
 */
import { Lazy, Stack } from 'aws-cdk-lib';
import { RefresherGroups } from './groups';
import { EcsAmiRefresherProps } from './props';
import { settingsEnvironment } from './settings';
import { LaterSettings, Settings } from './validation';
import { METRIC_NAMESPACE } from '../shared/constants';

export interface EnvironmentInputs {
  readonly stack: Stack;
  readonly props: EcsAmiRefresherProps;
  readonly groups: RefresherGroups;
  readonly settings: Settings;
  readonly later: LaterSettings;
  /** The capacity providers this app associates with the cluster, by name, to their groups' names: read at synth. */
  readonly knownCapacityProviders: () => Record<string, string>;
}

export function rotatorEnvironment(inputs: EnvironmentInputs): { [key: string]: string } {
  const { stack, props, groups: { named, discover, overrides } } = inputs;
  return {
    ...settingsEnvironment(stack, {
      ...inputs.settings.values,
      clusterName: props.cluster.clusterName,
      groupNames: named.map((g) => g.autoScalingGroupName),
      // So the engine describes only capacity providers added outside this app; at synth, so that a provider
      // added to the cluster after the refresher is known too.
      knownCapacityProviders: Lazy.any({ produce: inputs.knownCapacityProviders }),
      schedulePeriodSeconds: inputs.later.schedulePeriod,
      groupOverrides: Object.fromEntries(overrides.map((o) => [o.autoScalingGroup.autoScalingGroupName, {
        family: o.family,
        amiParameter: o.amiParameter?.parameterName ?? o.amiParameterName,
        readinessTimeoutSeconds: o.readinessTimeout?.toSeconds(),
      }])),
      unmanagedReplacementGroup: props.replaceUnmanagedInstancesThrough?.autoScalingGroupName,
      amiParameters: inputs.settings.amiParameters,
      // Discovered groups need the cluster tag (the policy's condition); named ones are named by ARN.
      requireClusterTag: discover,
      maintenanceWindows: inputs.later.windows,
      notificationTopicArn: props.notificationTopic?.topicArn,
    }),
    POWERTOOLS_SERVICE_NAME: 'ecs-ami-refresher',
    POWERTOOLS_METRICS_NAMESPACE: METRIC_NAMESPACE,
  };
}
