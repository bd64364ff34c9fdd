/**
 * Launch-source updates: pointing a group's launch template (or launch configuration) at an image, before any
 * replacement is launched from it.
 */
import { LAUNCH_CONFIGURATION_NAME_MAX, launchConfigurationCopyName, launchConfigurationPrefix } from '../../shared/launch-configuration-names';
import { decodeEpoch, LAUNCH_CONFIGURATIONS_UNSUPPORTED_TAG } from '../../shared/records';
import { Action, MixedTemplateStep, TemplateUse, UpdateMixedTemplates } from '../actions';
import { ssmAliasParameter } from '../images';
import { ObservedGroup, TemplateVersion } from '../model';

/** A launch source update, or why the group must stop instead. */
export type LaunchSourceUpdate = { action: Action } | { stopped: string };

type LaunchConfigurationSource = Extract<ObservedGroup['launchSource'], { kind: 'launch-configuration' }>;
type LaunchTemplateSource = Extract<ObservedGroup['launchSource'], { kind: 'launch-template' }>;

/**
 * A new template version with only the image changed, then wherever the group reads its version from.
 * A version this engine already created for the target (found as `$Latest`) is reused, never duplicated.
 * A launch configuration is copied with the new image and the group switched to the copy.
 */
export function launchSourceAction(group: ObservedGroup, imageId: string, clusterName: string, now: number): LaunchSourceUpdate {
  const source = group.launchSource;
  if (source.kind === 'launch-configuration') return launchConfigurationCopy(group, source, imageId, clusterName, now);
  if (source.kind !== 'launch-template' || source.resolvedVersion === undefined) {
    return { stopped: `the launch template version of group ${group.name} could not be resolved` };
  }
  if (source.overrides?.some((o) => o.template)) return { action: mixedTemplatesAction(group, source, imageId) };
  return { action: templateVersionAction(group, source, source.resolvedVersion, imageId) };
}

function launchConfigurationCopy(
  group: ObservedGroup,
  source: LaunchConfigurationSource,
  imageId: string,
  clusterName: string,
  now: number,
): LaunchSourceUpdate {
  const refusedAt = decodeEpoch(group.tags[LAUNCH_CONFIGURATIONS_UNSUPPORTED_TAG]);
  if (refusedAt !== undefined) {
    return {
      stopped: `group ${group.name} uses launch configuration ${source.launchConfigurationName}, and this account may no longer create ` +
        `launch configurations (AWS refused at ${new Date(refusedAt).toISOString()}: accounts created on or after 1 October 2024 cannot); ` +
        'migrate the group to a launch template (Amazon EC2 Auto Scaling User Guide, "Migrate your Auto Scaling groups to launch ' +
        `templates"), or remove the ${LAUNCH_CONFIGURATIONS_UNSUPPORTED_TAG} tag to try again`,
    };
  }
  const name = launchConfigurationCopyName(clusterName, source.launchConfigurationName, imageId);
  if (name === undefined) {
    return {
      stopped: `group ${group.name} uses launch configuration ${source.launchConfigurationName}, and a copy's name ` +
        `(${launchConfigurationPrefix(clusterName)}<image>.<name>) cannot fit the ${LAUNCH_CONFIGURATION_NAME_MAX} characters AWS allows; ` +
        'migrate the group to a launch template',
    };
  }
  return { action: { kind: 'switch-launch-configuration', group: group.name, sourceName: source.launchConfigurationName, name, imageId, at: now } };
}

/** The group's own template (no override templates): a version this engine created for the image is reused, else one is created. */
function templateVersionAction(group: ObservedGroup, source: LaunchTemplateSource, resolvedVersion: number, imageId: string): Action {
  const use: TemplateUse = source.version === '$Latest' ? 'none' : source.version === '$Default' ? 'default-version' : 'group-version';
  const latest = source.latestVersion;
  if (use !== 'none' && latest && latest.imageIdExpression === imageId && latest.createdByEngine && latest.number !== resolvedVersion) {
    return {
      kind: 'use-template-version',
      group: group.name,
      launchTemplateId: source.launchTemplateId,
      version: latest.number,
      use,
      mixedInstancesPolicy: source.mixedInstancesPolicy,
    };
  }
  return {
    kind: 'create-template-version',
    group: group.name,
    launchTemplateId: source.launchTemplateId,
    sourceVersion: resolvedVersion,
    imageId,
    use,
    mixedInstancesPolicy: source.mixedInstancesPolicy,
  };
}

/**
 * Every template of a mixed instances policy with override templates that does not launch the image yet: the
 * group's own (unless it already does) and each distinct override template with a literal image (the planner,
 * target-image.ts, made sure the others resolve the group's parameter at launch), each once.
 */
function mixedTemplatesAction(
  group: ObservedGroup,
  source: LaunchTemplateSource,
  imageId: string,
): UpdateMixedTemplates {
  const steps: MixedTemplateStep[] = [];
  const seen = new Set<string>();
  const add = (t: { launchTemplateId: string; version: string; resolvedVersion?: number; latestVersion?: TemplateVersion }) => {
    const key = `${t.launchTemplateId}@${t.version}`;
    if (seen.has(key) || t.resolvedVersion === undefined) return;
    seen.add(key);
    const latest = t.latestVersion;
    const reusable = t.version !== '$Latest' && latest !== undefined && latest.imageIdExpression === imageId && latest.createdByEngine
      && latest.number !== t.resolvedVersion;
    steps.push(reusable
      ? { launchTemplateId: t.launchTemplateId, reference: t.version, reuseVersion: latest!.number }
      : { launchTemplateId: t.launchTemplateId, reference: t.version, sourceVersion: t.resolvedVersion });
  };
  if (group.currentImageId !== imageId) add(source);
  for (const o of source.overrides ?? []) {
    const t = o.template;
    if (t?.imageIdExpression !== undefined && ssmAliasParameter(t.imageIdExpression) === undefined && t.imageIdExpression !== imageId) add(t);
  }
  return {
    kind: 'update-mixed-templates',
    group: group.name,
    imageId,
    steps,
    main: { launchTemplateId: source.launchTemplateId, version: source.version },
    overrides: source.overrides ?? [],
  };
}
