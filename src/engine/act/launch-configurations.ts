/**
 * The writes of a group on a launch configuration: the engine's copy of it with the new image, the switch
 * to that copy, and the deletion of copies no group uses any more.
 */
import type { CreateLaunchConfigurationCommandInput, LaunchConfiguration } from '@aws-sdk/client-auto-scaling';
import { AwsApi } from '../../aws/ports';
import { describeError } from '../../shared/describe-error';
import { isLaunchConfigurationUnsupported } from '../../shared/launch-configuration-names';
import { LAUNCH_CONFIGURATIONS_UNSUPPORTED_TAG } from '../../shared/records';
import { SwitchLaunchConfiguration } from '../actions';
import { writeGroupTag } from './auto-scaling';
import { Handler } from './context';

export const switchLaunchConfiguration: Handler<'switch-launch-configuration'> = async ({ api }, action) => {
  await copyLaunchConfiguration(api, action);
  await api.autoScaling.updateAutoScalingGroup({ AutoScalingGroupName: action.group, LaunchConfigurationName: action.name });
};

export const deleteLaunchConfigurations: Handler<'delete-launch-configurations'> = async ({ api }, action) => {
  for (const name of action.names) {
    try {
      await api.autoScaling.deleteLaunchConfiguration({ LaunchConfigurationName: name });
    } catch (error) {
      // In use by a group this engine does not see (AWS refuses): it stays. Already gone: what was wanted.
      if (!/ResourceInUse|not found/i.test(describeError(error))) throw error;
    }
  }
};

/**
 * The group's configuration, read now, created again under the copy's name with only the image changed:
 * every other field (user data, still base64 as DescribeLaunchConfigurations returns it and
 * CreateLaunchConfiguration takes it from an SDK; block devices; security groups; instance profile; metadata
 * options; monitoring; tenancy; ...) is carried across. Fields AWS describes as empty strings (KernelId,
 * RamdiskId, KeyName when unset) are left out: CreateLaunchConfiguration refuses empty values, which is why
 * the AWS Compute Blog runbook deletes them with jq. A copy already there (a run killed before switching) is used if it names
 * the image, and refused otherwise.
 */
async function copyLaunchConfiguration(api: AwsApi, action: SwitchLaunchConfiguration): Promise<void> {
  const source = await describeLaunchConfiguration(api, action.sourceName);
  if (!source) throw new Error(`launch configuration ${action.sourceName} of group ${action.group} was not found; nothing was copied`);
  try {
    await api.autoScaling.createLaunchConfiguration(copyInput(source, action));
  } catch (error) {
    const message = describeError(error);
    if (isLaunchConfigurationUnsupported(message)) {
      // Recorded, so the next rounds stop the group with this advice instead of failing the same call again.
      await writeGroupTag(api, action.group, LAUNCH_CONFIGURATIONS_UNSUPPORTED_TAG, String(action.at));
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

/** The CreateLaunchConfiguration input of the copy: `source` under the copy's name and image, its empty fields left out. */
function copyInput(source: LaunchConfiguration, action: SwitchLaunchConfiguration): CreateLaunchConfigurationCommandInput {
  const { LaunchConfigurationARN: _arn, CreatedTime: _created, LaunchConfigurationName: _name, ImageId: _image, ...fields } = source;
  const copied: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined || value === '' || (Array.isArray(value) && value.length === 0 && key.startsWith('ClassicLink'))) continue;
    copied[key] = value;
  }
  return { ...copied, LaunchConfigurationName: action.name, ImageId: action.imageId };
}

async function describeLaunchConfiguration(api: AwsApi, name: string): Promise<LaunchConfiguration | undefined> {
  const response = await api.autoScaling.describeLaunchConfigurations({ LaunchConfigurationNames: [name] });
  return response.LaunchConfigurations?.find((lc) => lc.LaunchConfigurationName === name);
}
