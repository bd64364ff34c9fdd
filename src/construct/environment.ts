/**
 * The rotator's environment: the props as the engine's configuration (`src/engine/config.ts`) reads them,
 * under the names in `EnvName`.
 */
import { Stack } from 'aws-cdk-lib';
import { DrainTimeoutAction } from './drain-timeout-action';
import { RefresherGroups } from './groups';
import { MaxUnavailable } from './max-unavailable';
import { EcsAmiRefresherProps } from './props';
import { LaterSettings, Settings } from './validation';
import { EnvName, METRIC_NAMESPACE } from '../shared/constants';

export interface EnvironmentInputs {
  readonly stack: Stack;
  readonly props: EcsAmiRefresherProps;
  readonly groups: RefresherGroups;
  readonly settings: Settings;
  readonly later: LaterSettings;
}

export function rotatorEnvironment(inputs: EnvironmentInputs): { [key: string]: string } {
  const { stack, props, groups: { named, discover, appProviders, overrides } } = inputs;
  const cluster = props.cluster;
  const { drainTimeout, readinessTimeout, windowsReadinessTimeout, amiParameters, policies, minimumAmiAge } = inputs.settings;
  const { versionsToKeep, schedulePeriod, windows } = inputs.later;
  return {
    [EnvName.CLUSTER_NAME]: cluster.clusterName,
    [EnvName.GROUP_NAMES]: stack.toJsonString(named.map((g) => g.autoScalingGroupName)),
    [EnvName.DISCOVER_GROUPS]: String(discover),
    // So the engine describes only capacity providers added outside this app.
    [EnvName.CAPACITY_PROVIDER_GROUPS]: stack.toJsonString(Object.fromEntries(
      appProviders.map((p) => [p.capacityProviderName, p.autoScalingGroup.autoScalingGroupName]))),
    ...(schedulePeriod === undefined ? {} : { [EnvName.SCHEDULE_PERIOD_SECONDS]: String(schedulePeriod) }),
    [EnvName.GROUP_OVERRIDES]: stack.toJsonString(Object.fromEntries(overrides.map((o) => [o.autoScalingGroup.autoScalingGroupName, {
      family: o.family,
      amiParameter: o.amiParameter?.parameterName ?? o.amiParameterName,
      readinessTimeoutSeconds: o.readinessTimeout?.toSeconds(),
    }]))),
    [EnvName.READINESS_TIMEOUT_SECONDS]: String(readinessTimeout.toSeconds()),
    [EnvName.WINDOWS_READINESS_TIMEOUT_SECONDS]: String(windowsReadinessTimeout.toSeconds()),
    ...(props.replaceUnmanagedInstancesThrough
      ? { [EnvName.UNMANAGED_REPLACEMENT_GROUP]: props.replaceUnmanagedInstancesThrough.autoScalingGroupName }
      : {}),
    [EnvName.AMI_PARAMETERS]: stack.toJsonString(amiParameters),
    [EnvName.DRY_RUN]: String(props.dryRun ?? false),
    [EnvName.DRAIN_TIMEOUT_SECONDS]: String(drainTimeout.toSeconds()),
    // Discovered groups need the cluster tag (the policy's condition); named ones are named by ARN.
    [EnvName.REQUIRE_CLUSTER_TAG]: String(discover),
    [EnvName.MAX_UNAVAILABLE]: (props.maxUnavailable ?? MaxUnavailable.percent(10)).value,
    [EnvName.ON_DRAIN_TIMEOUT]: props.onDrainTimeout ?? DrainTimeoutAction.STOP_ROTATION,
    [EnvName.ROLLBACK_ON_FAILED_REPLACEMENT]: String(props.rollbackOnFailedReplacement ?? false),
    [EnvName.CORDON]: String(props.cordonOutdatedInstances ?? true),
    [EnvName.TEMPLATE_VERSIONS_TO_KEEP]: String(versionsToKeep),
    ...(props.canary ? { [EnvName.CANARY]: `${props.canary.count ?? 1}:${props.canary.soak.toSeconds()}` } : {}),
    [EnvName.WAIT_FOR_STEADY_SERVICES]: String(policies.waitForSteadyServices),
    [EnvName.STEADY_SERVICES_TIMEOUT_SECONDS]: String(policies.steadyServicesTimeout.toSeconds()),
    [EnvName.STANDALONE_TASKS]: policies.stopStandaloneAfter !== undefined ? `stop:${policies.stopStandaloneAfter.toSeconds()}`
      : props.standaloneTasks?.mode === 'skip' ? 'skip' : 'wait',
    [EnvName.MAINTENANCE_WINDOWS]: stack.toJsonString(windows),
    [EnvName.MINIMUM_AMI_AGE_SECONDS]: String(minimumAmiAge.toSeconds()),
    ...(props.notificationTopic ? { [EnvName.NOTIFICATION_TOPIC_ARN]: props.notificationTopic.topicArn } : {}),
    POWERTOOLS_SERVICE_NAME: 'ecs-ami-refresher',
    POWERTOOLS_METRICS_NAMESPACE: METRIC_NAMESPACE,
  };
}
