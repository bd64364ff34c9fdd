/**
 * Groups on a launch configuration (the AWS Compute Blog runbook's procedure): a launch configuration cannot be changed, so the
 * engine copies it with only the image changed, switches the group to the copy, and deletes the copies it
 * made once no group uses them. The original is never deleted: it usually belongs to a CloudFormation or
 * Terraform stack (which would then fail to update or roll back), and accounts created since 1 October 2024
 * can no longer create launch configurations at all, so a deleted original could never be made again.
 *
 * The copy's name is derived from the source's name and the image, so a run killed between creating the copy
 * and switching the group finds it again (AlreadyExists) and switches to it, never creating a second one.
 * It starts with `ecs-ami-refresher.<cluster>.`: cluster names hold no `.`, so the prefix names exactly one
 * cluster, and the IAM policy lets the engine create and delete only configurations named so.
 */
import { createHash } from 'crypto';

/** Launch configuration names are 1 to 255 characters (CreateLaunchConfiguration, LaunchConfigurationName). */
export const LAUNCH_CONFIGURATION_NAME_MAX = 255;

/** The start of every launch configuration this engine creates for a cluster. */
export function launchConfigurationPrefix(clusterName: string): string {
  return `ecs-ami-refresher.${clusterName}.`;
}

/** A configuration this engine created for the cluster. */
export function isEngineLaunchConfiguration(clusterName: string, name: string): boolean {
  return name.startsWith(launchConfigurationPrefix(clusterName));
}

/**
 * `ecs-ami-refresher.<cluster>.<image>.<stem>`, where the stem is the source's name (without this engine's
 * prefix and image when the source is itself a copy, so copies of copies do not grow). A stem too long for
 * 255 characters is cut and followed by 8 hex digits of its hash, so two long names that share a beginning
 * never map to one copy. Undefined when even the prefix and the image leave no room (a cluster name of
 * over 200 characters).
 */
export function launchConfigurationCopyName(clusterName: string, sourceName: string, imageId: string): string | undefined {
  const prefix = launchConfigurationPrefix(clusterName);
  let stem = sourceName;
  if (sourceName.startsWith(prefix)) {
    const rest = sourceName.slice(prefix.length);
    const dot = rest.indexOf('.');
    stem = dot >= 0 ? rest.slice(dot + 1) : rest;
  }
  const head = `${prefix}${imageId}.`;
  if (head.length + stem.length <= LAUNCH_CONFIGURATION_NAME_MAX) return head + stem;
  const hash = createHash('sha256').update(stem).digest('hex').slice(0, 8);
  const room = LAUNCH_CONFIGURATION_NAME_MAX - head.length - hash.length - 1;
  if (room < 1) return undefined;
  return `${head}${stem.slice(0, room)}.${hash}`;
}

/** AWS's answer to CreateLaunchConfiguration in accounts that may no longer create launch configurations. */
export function isLaunchConfigurationUnsupported(message: string): boolean {
  return /UnsupportedOperation|creation operation is not available/i.test(message);
}
