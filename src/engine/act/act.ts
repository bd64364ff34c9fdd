/**
 * Actions -> AWS writes, within each API's batch limits. A failing action stops the rest of its group's
 * actions for this round (they depend on it) and is reported; other groups go on.
 */
import type { CreateLaunchConfigurationCommandInput, LaunchConfiguration } from '@aws-sdk/client-auto-scaling';
import { AwsApi } from '../../aws/ports';
import { chunk } from '../../shared/chunk';
import { BatchLimit, TagKey } from '../../shared/constants';
import { describeError } from '../../shared/describe-error';
import { isLaunchConfigurationUnsupported, launchConfigurationPrefix } from '../../shared/launch-configuration-names';
import type { Batch } from '../../shared/records';
import {
  BATCH_TAG,
  CORDON_ATTRIBUTE,
  encodeBatch,
  encodePhase,
  encodeUnmanagedReplacement,
  encodeNotified,
  FAILED_IMAGE_TAG,
  NOTIFIED_TAG,
  LAUNCH_CONFIGURATIONS_UNSUPPORTED_TAG,
  PHASE_ATTRIBUTE,
  REPLACE_BEFORE_TAG,
  UNMANAGED_TAG,
  VERSION_DESCRIPTION_PREFIX,
} from '../../shared/records';
import { Action, PruneTemplateVersions, SwitchLaunchConfiguration, UpdateMixedTemplates } from '../actions';

export interface ActContext {
  readonly api: AwsApi;
  readonly clusterArn: string;
}

export interface ActionOutcome {
  readonly action: Action;
  readonly ok: boolean;
  readonly error?: string;
}

export async function act(context: ActContext, actions: readonly Action[]): Promise<ActionOutcome[]> {
  const outcomes: ActionOutcome[] = [];
  const failedGroups = new Set<string>();
  for (const action of actions) {
    if (failedGroups.has(action.group)) continue;
    try {
      await perform(context, action);
      outcomes.push({ action, ok: true });
    } catch (error) {
      // A cordon is best effort (without it a task may move twice; nothing is unsafe): the group goes on.
      // So is a notification: the rotation never waits on a topic (a later round or run publishes it again).
      if (action.kind !== 'cordon' && action.kind !== 'uncordon' && action.kind !== 'notify') failedGroups.add(action.group);
      outcomes.push({ action, ok: false, error: describeError(error) + accessHint(action, error) });
    }
  }
  return outcomes;
}

/** An access error on a launch template or group usually means a missing cluster tag: say so. */
function accessHint(action: Action, error: unknown): string {
  if (!/AccessDenied|UnauthorizedOperation|not authorized/i.test(describeError(error))) return '';
  if (action.kind === 'notify') {
    return ' (the refresher may publish only to the construct\'s notificationTopic, and use the topic\'s KMS key only when the key is ' +
      'defined in the same CDK app or granted to refresher.role, and the key policy lets IAM policies grant its use)';
  }
  if (action.kind === 'terminate-unmanaged') {
    return ` (the refresher may terminate an instance outside every group only when it carries ${TagKey.CLUSTER}=<cluster name> and no aws:autoscaling:groupName tag)`;
  }
  if (action.kind === 'switch-launch-configuration' || action.kind === 'delete-launch-configurations') {
    return ' (the refresher may create and delete only launch configurations named ' +
      `${launchConfigurationPrefix('<cluster name>')}*, and switch only groups given to the construct or tagged ${TagKey.CLUSTER}=<cluster name>)`;
  }
  if (action.kind === 'create-template-version' || action.kind === 'use-template-version' || action.kind === 'update-mixed-templates'
    || action.kind === 'prune-template-versions') {
    return ` (the refresher may change a launch template only when it is tagged ${TagKey.CLUSTER}=<cluster name>, or belongs to a group defined in the same CDK app)`;
  }
  return ` (the refresher may change group ${action.group} only when it is given to the construct or tagged ${TagKey.CLUSTER}=<cluster name>)`;
}

async function perform({ api, clusterArn }: ActContext, action: Action): Promise<void> {
  switch (action.kind) {
    case 'create-template-version': {
      const created = await api.ec2.createLaunchTemplateVersion({
        LaunchTemplateId: action.launchTemplateId,
        SourceVersion: String(action.sourceVersion),
        VersionDescription: `${VERSION_DESCRIPTION_PREFIX}${action.imageId}`,
        LaunchTemplateData: { ImageId: action.imageId },
      });
      const version = created.LaunchTemplateVersion?.VersionNumber;
      if (version === undefined) throw new Error(`CreateLaunchTemplateVersion on ${action.launchTemplateId} returned no version number`);
      if (action.use !== 'none') {
        await useTemplateVersion(api, action.group, action.launchTemplateId, version, action.use, action.mixedInstancesPolicy);
      }
      return;
    }
    case 'use-template-version':
      return useTemplateVersion(api, action.group, action.launchTemplateId, action.version, action.use, action.mixedInstancesPolicy);
    case 'start-batch': {
      await recordBatch(api, action.group, action.batch);
      if (action.batch.suspendedAzRebalance) {
        await api.autoScaling.suspendProcesses({ AutoScalingGroupName: action.group, ScalingProcesses: ['AZRebalance'] });
      }
      await putPhase(api, clusterArn, action.containerInstanceArns, encodePhase({ kind: 'replacing', since: action.batch.startedAt }));
      await setDesired(api, action.group, action.batch.target, action.raiseMaxTo);
      return;
    }
    case 'hold-az-rebalance':
      await api.autoScaling.suspendProcesses({ AutoScalingGroupName: action.group, ScalingProcesses: ['AZRebalance'] });
      return;
    case 'mark-more':
      await putPhase(api, clusterArn, action.containerInstanceArns, encodePhase({ kind: 'replacing', since: action.since }));
      if (action.record) await recordBatch(api, action.group, action.record);
      if (action.raiseDesiredTo !== undefined) await setDesired(api, action.group, action.raiseDesiredTo, action.raiseMaxTo);
      return;
    case 'set-desired':
      if (action.record) await recordBatch(api, action.group, action.record);
      return setDesired(api, action.group, action.desired, action.raiseMaxTo);
    case 'drain': {
      const toMark = action.containerInstanceArns.filter((arn) => !action.alreadyMarked.includes(arn));
      await putPhase(api, clusterArn, toMark, encodePhase({ kind: 'draining', since: action.since }));
      for (const batch of chunk(action.containerInstanceArns, BatchLimit.UPDATE_CONTAINER_INSTANCES_STATE)) {
        const response = await api.ecs.updateContainerInstancesState({ cluster: clusterArn, containerInstances: batch, status: 'DRAINING' });
        const failure = response.failures?.find((f) => f.reason !== 'MISSING');
        if (failure) throw new Error(`UpdateContainerInstancesState failed for ${failure.arn}: ${failure.reason} ${failure.detail ?? ''}`.trim());
      }
      return;
    }
    case 'terminate': {
      await api.autoScaling.terminateInstanceInAutoScalingGroup({
        InstanceId: action.instanceId,
        ShouldDecrementDesiredCapacity: action.decrement ?? true,
      });
      if (action.containerInstanceArn) await deregister(api, clusterArn, action.containerInstanceArn);
      return;
    }
    case 'start-unmanaged-replacement':
      // The record first: a crash after it is finished by repeating this action, never forgotten.
      await api.autoScaling.createOrUpdateTags({
        Tags: [{
          ResourceId: action.group,
          ResourceType: 'auto-scaling-group',
          Key: UNMANAGED_TAG,
          Value: encodeUnmanagedReplacement(action.record),
          PropagateAtLaunch: false,
        }],
      });
      await putPhase(api, clusterArn, [action.containerInstanceArn], encodePhase({ kind: 'replacing' }));
      await api.autoScaling.setDesiredCapacity({ AutoScalingGroupName: action.group, DesiredCapacity: action.record.base + 1, HonorCooldown: false });
      return;
    case 'terminate-unmanaged':
      await api.ec2.terminateInstances({ InstanceIds: [action.instanceId] });
      await deregister(api, clusterArn, action.containerInstanceArn);
      return;
    case 'finish-unmanaged-replacement':
      if (action.containerInstanceArn) await deregister(api, clusterArn, action.containerInstanceArn);
      await api.autoScaling.deleteTags({ Tags: [{ ResourceId: action.group, ResourceType: 'auto-scaling-group', Key: UNMANAGED_TAG }] });
      return;
    case 'finish-batch':
      if (action.resumeAzRebalance) {
        await api.autoScaling.resumeProcesses({ AutoScalingGroupName: action.group, ScalingProcesses: ['AZRebalance'] });
      }
      if (action.restoreMaxTo !== undefined) {
        await api.autoScaling.updateAutoScalingGroup({ AutoScalingGroupName: action.group, MaxSize: action.restoreMaxTo });
      }
      await api.autoScaling.deleteTags({ Tags: [{ ResourceId: action.group, ResourceType: 'auto-scaling-group', Key: BATCH_TAG }] });
      return;
    case 'set-replace-before':
      await api.autoScaling.createOrUpdateTags({
        Tags: [{
          ResourceId: action.group,
          ResourceType: 'auto-scaling-group',
          Key: REPLACE_BEFORE_TAG,
          Value: String(action.before),
          PropagateAtLaunch: false,
        }],
      });
      return;
    case 'mark-failed-image':
      await api.autoScaling.createOrUpdateTags({
        Tags: [{ ResourceId: action.group, ResourceType: 'auto-scaling-group', Key: FAILED_IMAGE_TAG, Value: action.imageId, PropagateAtLaunch: false }],
      });
      return;
    case 'clear-failed-image':
      await api.autoScaling.deleteTags({ Tags: [{ ResourceId: action.group, ResourceType: 'auto-scaling-group', Key: FAILED_IMAGE_TAG }] });
      return;
    case 'unmark':
      for (const batch of chunk(action.reactivate, BatchLimit.UPDATE_CONTAINER_INSTANCES_STATE)) {
        await api.ecs.updateContainerInstancesState({ cluster: clusterArn, containerInstances: batch, status: 'ACTIVE' });
      }
      for (const batch of chunk(action.containerInstanceArns, BatchLimit.PUT_ATTRIBUTES)) {
        await api.ecs.deleteAttributes({
          cluster: clusterArn,
          attributes: batch.map((arn) => ({ name: PHASE_ATTRIBUTE, targetType: 'container-instance', targetId: arn })),
        });
      }
      return;
    case 'cordon':
      for (const batch of chunk(action.containerInstanceArns, BatchLimit.PUT_ATTRIBUTES)) {
        await api.ecs.putAttributes({
          cluster: clusterArn,
          attributes: batch.map((arn) => ({ name: CORDON_ATTRIBUTE, value: action.imageId, targetType: 'container-instance', targetId: arn })),
        });
      }
      return;
    case 'uncordon':
      for (const batch of chunk(action.containerInstanceArns, BatchLimit.PUT_ATTRIBUTES)) {
        await api.ecs.deleteAttributes({
          cluster: clusterArn,
          attributes: batch.map((arn) => ({ name: CORDON_ATTRIBUTE, targetType: 'container-instance', targetId: arn })),
        });
      }
      return;
    case 'record-batch':
      await api.autoScaling.createOrUpdateTags({
        Tags: [{ ResourceId: action.group, ResourceType: 'auto-scaling-group', Key: BATCH_TAG, Value: encodeBatch(action.batch), PropagateAtLaunch: false }],
      });
      return;
    case 'stop-tasks':
      for (const task of action.taskArns) {
        try {
          await api.ecs.stopTask({ cluster: clusterArn, task, reason: action.reason });
        } catch (error) {
          // A task that ended meanwhile is what was wanted.
          if (!/InvalidParameter|not found|MISSING/i.test(describeError(error))) throw error;
        }
      }
      return;
    case 'clear-replace-before':
      await api.autoScaling.deleteTags({ Tags: [{ ResourceId: action.group, ResourceType: 'auto-scaling-group', Key: REPLACE_BEFORE_TAG }] });
      return;
    case 'notify':
      if (!api.sns) throw new Error(`no SNS client to publish to ${action.topicArn}`);
      // Published first, recorded after: a crash between the two repeats the message, never loses it.
      await api.sns.publish({ TopicArn: action.topicArn, Subject: action.subject, Message: action.message });
      if (action.record) {
        await api.autoScaling.createOrUpdateTags({
          Tags: [{
            ResourceId: action.group,
            ResourceType: 'auto-scaling-group',
            Key: NOTIFIED_TAG,
            Value: encodeNotified(action.record),
            PropagateAtLaunch: false,
          }],
        });
      } else {
        await api.autoScaling.deleteTags({ Tags: [{ ResourceId: action.group, ResourceType: 'auto-scaling-group', Key: NOTIFIED_TAG }] });
      }
      return;
    case 'switch-launch-configuration':
      await copyLaunchConfiguration(api, action);
      await api.autoScaling.updateAutoScalingGroup({ AutoScalingGroupName: action.group, LaunchConfigurationName: action.name });
      return;
    case 'update-mixed-templates':
      return updateMixedTemplates(api, action);
    case 'prune-template-versions':
      return pruneTemplateVersions(api, action);
    case 'clear-launch-configurations-unsupported':
      await api.autoScaling.deleteTags({
        Tags: [{ ResourceId: action.group, ResourceType: 'auto-scaling-group', Key: LAUNCH_CONFIGURATIONS_UNSUPPORTED_TAG }],
      });
      return;
    case 'delete-launch-configurations':
      for (const name of action.names) {
        try {
          await api.autoScaling.deleteLaunchConfiguration({ LaunchConfigurationName: name });
        } catch (error) {
          // In use by a group this engine does not see (AWS refuses): it stays. Already gone: what was wanted.
          if (!/ResourceInUse|not found/i.test(describeError(error))) throw error;
        }
      }
      return;
  }
}

/**
 * The group's configuration, read now, created again under the copy's name with only the image changed:
 * every other field (user data, still base64 as DescribeLaunchConfigurations returns it and
 * CreateLaunchConfiguration takes it from an SDK; block devices; security groups; instance profile; metadata
 * options; monitoring; tenancy; ...) is carried across. Fields AWS describes as empty strings (KernelId,
 * RamdiskId, KeyName when unset) are left out: CreateLaunchConfiguration refuses empty values, which is why
 * seed 000 deletes them with jq. A copy already there (a run killed before switching) is used if it names
 * the image, and refused otherwise.
 */
async function copyLaunchConfiguration(api: AwsApi, action: SwitchLaunchConfiguration): Promise<void> {
  const source = await describeLaunchConfiguration(api, action.sourceName);
  if (!source) throw new Error(`launch configuration ${action.sourceName} of group ${action.group} was not found; nothing was copied`);
  const { LaunchConfigurationARN: _arn, CreatedTime: _created, LaunchConfigurationName: _name, ImageId: _image, ...fields } = source;
  const copied: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined || value === '' || (Array.isArray(value) && value.length === 0 && key.startsWith('ClassicLink'))) continue;
    copied[key] = value;
  }
  const input: CreateLaunchConfigurationCommandInput = { ...copied, LaunchConfigurationName: action.name, ImageId: action.imageId };
  try {
    await api.autoScaling.createLaunchConfiguration(input);
  } catch (error) {
    const message = describeError(error);
    if (isLaunchConfigurationUnsupported(message)) {
      // Recorded, so the next rounds stop the group with this advice instead of failing the same call again.
      await api.autoScaling.createOrUpdateTags({
        Tags: [{
          ResourceId: action.group,
          ResourceType: 'auto-scaling-group',
          Key: LAUNCH_CONFIGURATIONS_UNSUPPORTED_TAG,
          Value: String(action.at),
          PropagateAtLaunch: false,
        }],
      });
      throw new Error(
        `group ${action.group} uses launch configuration ${action.sourceName}, and this account may no longer create launch ` +
        `configurations (${message}); AWS stopped them for accounts created on or after 1 October 2024. Migrate the group to a ` +
        'launch template (Amazon EC2 Auto Scaling User Guide, "Migrate your Auto Scaling groups to launch templates"); ' +
        'the refresher then rotates it without creating anything else');
    }
    if (!/AlreadyExists/i.test(message)) throw error;
    const existing = await describeLaunchConfiguration(api, action.name);
    if (existing?.ImageId !== action.imageId) {
      throw new Error(`launch configuration ${action.name} already exists with image ${existing?.ImageId ?? 'unknown'}, not ${action.imageId}; ` +
        `group ${action.group} is not switched to it (delete it, and the refresher copies ${action.sourceName} again)`);
    }
  }
}

async function describeLaunchConfiguration(api: AwsApi, name: string): Promise<LaunchConfiguration | undefined> {
  const response = await api.autoScaling.describeLaunchConfigurations({ LaunchConfigurationNames: [name] });
  return response.LaunchConfigurations?.find((lc) => lc.LaunchConfigurationName === name);
}

/** ECS deregisters a terminated instance by itself; doing it now frees the cluster's view at once. */
async function deregister(api: AwsApi, clusterArn: string, containerInstanceArn: string): Promise<void> {
  try {
    await api.ecs.deregisterContainerInstance({ cluster: clusterArn, containerInstance: containerInstanceArn, force: true });
  } catch (error) {
    if (!/InvalidParameter|ClientException|not found|MISSING/i.test(describeError(error))) throw error;
  }
}

async function useTemplateVersion(
  api: AwsApi,
  group: string,
  launchTemplateId: string,
  version: number,
  use: 'default-version' | 'group-version',
  mixedInstancesPolicy: boolean,
): Promise<void> {
  if (use === 'default-version') {
    await api.ec2.modifyLaunchTemplate({ LaunchTemplateId: launchTemplateId, DefaultVersion: String(version) });
    return;
  }
  const specification = { LaunchTemplateId: launchTemplateId, Version: String(version) };
  await api.autoScaling.updateAutoScalingGroup(mixedInstancesPolicy
    ? { AutoScalingGroupName: group, MixedInstancesPolicy: { LaunchTemplate: { LaunchTemplateSpecification: specification } } }
    : { AutoScalingGroupName: group, LaunchTemplate: specification });
}

/**
 * A version with only the image changed for each template of the policy that needs one (one per template,
 * even when two references name it), each made the default where the policy reads `$Default`; then, when a
 * reference is pinned, one UpdateAutoScalingGroup with the whole policy's template part: the group's own
 * specification and every override, its fields as they were and pinned references moved to the new versions.
 * InstancesDistribution is not sent, so Auto Scaling keeps it as it is.
 */
async function updateMixedTemplates(api: AwsApi, action: UpdateMixedTemplates): Promise<void> {
  const versions = new Map<string, number>();
  for (const step of action.steps) {
    let version = versions.get(step.launchTemplateId) ?? step.reuseVersion;
    if (version === undefined) {
      const created = await api.ec2.createLaunchTemplateVersion({
        LaunchTemplateId: step.launchTemplateId,
        SourceVersion: String(step.sourceVersion),
        VersionDescription: `${VERSION_DESCRIPTION_PREFIX}${action.imageId}`,
        LaunchTemplateData: { ImageId: action.imageId },
      });
      version = created.LaunchTemplateVersion?.VersionNumber;
      if (version === undefined) throw new Error(`CreateLaunchTemplateVersion on ${step.launchTemplateId} returned no version number`);
    }
    versions.set(step.launchTemplateId, version);
    if (step.reference === '$Default') await api.ec2.modifyLaunchTemplate({ LaunchTemplateId: step.launchTemplateId, DefaultVersion: String(version) });
  }
  const pinned = (id: string, reference: string) => /^\d+$/.test(reference) && versions.has(id);
  const spec = (id: string, reference: string) => ({ LaunchTemplateId: id, Version: pinned(id, reference) ? String(versions.get(id)) : reference });
  const anyPinned = pinned(action.main.launchTemplateId, action.main.version)
    || action.overrides.some((o) => o.template && pinned(o.template.launchTemplateId, o.template.version));
  if (!anyPinned) return;
  await api.autoScaling.updateAutoScalingGroup({
    AutoScalingGroupName: action.group,
    MixedInstancesPolicy: {
      LaunchTemplate: {
        LaunchTemplateSpecification: spec(action.main.launchTemplateId, action.main.version),
        Overrides: action.overrides.map((o) => ({
          ...o.fields,
          ...(o.template ? { LaunchTemplateSpecification: spec(o.template.launchTemplateId, o.template.version) } : {}),
        })),
      },
    },
  });
}

async function pruneTemplateVersions(api: AwsApi, action: PruneTemplateVersions): Promise<void> {
  const versions: Array<{ number: number; engine: boolean; isDefault: boolean }> = [];
  let NextToken: string | undefined;
  do {
    const page = await api.ec2.describeLaunchTemplateVersions({
      LaunchTemplateId: action.launchTemplateId, MaxResults: BatchLimit.DESCRIBE_LAUNCH_TEMPLATE_VERSIONS_PAGE, NextToken,
    });
    for (const v of page.LaunchTemplateVersions ?? []) {
      if (v.VersionNumber === undefined) continue;
      versions.push({
        number: v.VersionNumber,
        engine: (v.VersionDescription ?? '').startsWith(VERSION_DESCRIPTION_PREFIX),
        isDefault: v.DefaultVersion === true,
      });
    }
    NextToken = page.NextToken;
  } while (NextToken);
  const inUse = new Set(action.inUse);
  const ours = versions.filter((v) => v.engine).sort((a, b) => b.number - a.number);
  const doomed = ours.slice(action.keep).filter((v) => !v.isDefault && !inUse.has(v.number)).map((v) => String(v.number));
  for (const batch of chunk(doomed, BatchLimit.DELETE_LAUNCH_TEMPLATE_VERSIONS)) {
    const response = await api.ec2.deleteLaunchTemplateVersions({ LaunchTemplateId: action.launchTemplateId, Versions: batch });
    const failed = (response.UnsuccessfullyDeletedLaunchTemplateVersions ?? [])
      .filter((f) => f.ResponseError?.Code !== 'launchTemplateVersionDoesNotExist');
    if (failed.length > 0) {
      throw new Error(`DeleteLaunchTemplateVersions on ${action.launchTemplateId} left version(s) ` +
        failed.map((f) => `${f.VersionNumber} (${f.ResponseError?.Code ?? 'unknown'}: ${f.ResponseError?.Message ?? ''})`).join(', '));
    }
  }
}

async function recordBatch(api: AwsApi, group: string, batch: Batch): Promise<void> {
  await api.autoScaling.createOrUpdateTags({
    Tags: [{ ResourceId: group, ResourceType: 'auto-scaling-group', Key: BATCH_TAG, Value: encodeBatch(batch), PropagateAtLaunch: false }],
  });
}

/**
 * Raises desired capacity to at least `desired`, never lowering it: the value was computed from an
 * observation seconds old, and managed scaling may have raised desired since; writing a lower value would
 * make Auto Scaling scale in instances of its own choosing. So the group is read again just before.
 */
async function setDesired(api: AwsApi, group: string, desired: number, raiseMaxTo?: number): Promise<void> {
  const current = (await api.autoScaling.describeAutoScalingGroups({ AutoScalingGroupNames: [group] })).AutoScalingGroups?.[0];
  const now = current?.DesiredCapacity ?? 0;
  const target = Math.max(desired, now);
  const maxNeeded = raiseMaxTo !== undefined && raiseMaxTo > (current?.MaxSize ?? 0) ? Math.max(raiseMaxTo, target) : undefined;
  if (maxNeeded !== undefined) {
    await api.autoScaling.updateAutoScalingGroup({ AutoScalingGroupName: group, MaxSize: maxNeeded, DesiredCapacity: target });
    return;
  }
  if (target === now) return;
  await api.autoScaling.setDesiredCapacity({ AutoScalingGroupName: group, DesiredCapacity: target, HonorCooldown: false });
}

/** PutAttributes takes at most 10 attributes a call; each names its container instance. */
async function putPhase(api: AwsApi, clusterArn: string, containerInstanceArns: readonly string[], value: string): Promise<void> {
  for (const batch of chunk(containerInstanceArns, BatchLimit.PUT_ATTRIBUTES)) {
    await api.ecs.putAttributes({
      cluster: clusterArn,
      attributes: batch.map((arn) => ({ name: PHASE_ATTRIBUTE, value, targetType: 'container-instance', targetId: arn })),
    });
  }
}
