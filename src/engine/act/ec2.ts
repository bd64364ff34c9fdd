/**
 * The writes whose target is EC2: launch template versions (created, put to use, pruned) and the
 * termination of an instance outside every group.
 */
import { AwsApi } from '../../aws/ports';
import { chunk } from '../../shared/chunk';
import { BatchLimit } from '../../shared/constants';
import { VERSION_DESCRIPTION_PREFIX } from '../../shared/records';
import { TemplateUse } from '../actions';
import { Handler } from './context';
import { deregister } from './ecs';

export const createTemplateVersion: Handler<'create-template-version'> = async ({ api }, action) => {
  const version = await newTemplateVersion(api, action.launchTemplateId, action.sourceVersion, action.imageId);
  if (action.use !== 'none') {
    await pointAtVersion(api, action.group, action.launchTemplateId, version, action.use, action.mixedInstancesPolicy);
  }
};

export const useTemplateVersion: Handler<'use-template-version'> = ({ api }, action) =>
  pointAtVersion(api, action.group, action.launchTemplateId, action.version, action.use, action.mixedInstancesPolicy);

export const terminateUnmanaged: Handler<'terminate-unmanaged'> = async ({ api, clusterArn }, action) => {
  await api.ec2.terminateInstances({ InstanceIds: [action.instanceId] });
  await deregister(api, clusterArn, action.containerInstanceArn);
};

/** A version of the template with only the image changed, described as the engine's; its number. */
async function newTemplateVersion(api: AwsApi, launchTemplateId: string, sourceVersion: number | undefined, imageId: string): Promise<number> {
  const created = await api.ec2.createLaunchTemplateVersion({
    LaunchTemplateId: launchTemplateId,
    SourceVersion: String(sourceVersion),
    VersionDescription: `${VERSION_DESCRIPTION_PREFIX}${imageId}`,
    LaunchTemplateData: { ImageId: imageId },
  });
  const version = created.LaunchTemplateVersion?.VersionNumber;
  if (version === undefined) throw new Error(`CreateLaunchTemplateVersion on ${launchTemplateId} returned no version number`);
  return version;
}

/** The group (or, for `default-version`, the template's default) pointed at `version`. */
async function pointAtVersion(
  api: AwsApi,
  group: string,
  launchTemplateId: string,
  version: number,
  use: Exclude<TemplateUse, 'none'>,
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
export const updateMixedTemplates: Handler<'update-mixed-templates'> = async ({ api }, action) => {
  const versions = new Map<string, number>();
  for (const step of action.steps) {
    const version = versions.get(step.launchTemplateId) ?? step.reuseVersion
      ?? await newTemplateVersion(api, step.launchTemplateId, step.sourceVersion, action.imageId);
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
};

/** Deletes the engine's versions beyond the newest `keep`, except the default and those in use. */
export const pruneTemplateVersions: Handler<'prune-template-versions'> = async ({ api }, action) => {
  const inUse = new Set(action.inUse);
  const ours = (await templateVersions(api, action.launchTemplateId)).filter((v) => v.engine).sort((a, b) => b.number - a.number);
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
};

/** Every version of the template, paginated to the end: its number, whether the engine made it, whether it is the default. */
async function templateVersions(api: AwsApi, launchTemplateId: string): Promise<Array<{ number: number; engine: boolean; isDefault: boolean }>> {
  const versions: Array<{ number: number; engine: boolean; isDefault: boolean }> = [];
  let NextToken: string | undefined;
  do {
    const page = await api.ec2.describeLaunchTemplateVersions({
      LaunchTemplateId: launchTemplateId, MaxResults: BatchLimit.DESCRIBE_LAUNCH_TEMPLATE_VERSIONS_PAGE, NextToken,
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
  return versions;
}
