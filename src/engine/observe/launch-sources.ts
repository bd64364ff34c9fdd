/**
 * What each group launches: its launch template (with a mixed instances policy's overrides) or its launch
 * configuration, and the image id that names (a literal id, or a `resolve:ssm:` parameter).
 */
import type { AutoScalingGroup, LaunchConfiguration, LaunchTemplateSpecification } from '@aws-sdk/client-auto-scaling';
import { AwsApi } from '../../aws/ports';
import { chunk } from '../../shared/chunk';
import { BatchLimit } from '../../shared/constants';
import { isEngineLaunchConfiguration } from '../../shared/launch-configuration-names';
import { ssmAliasParameter } from '../images';
import { GroupObserveFailure, LaunchSource, MixedOverride } from '../model';
import { TemplateReads, TemplateSource, unchangedDefaults } from './launch-templates';
import { allPages } from './pages';

export interface SourceReading {
  readonly launchSource: LaunchSource;
  readonly literalImageId?: string;
  readonly aliasParameter?: string;
}

/** Why a group's launch source could not be read. */
interface SourceFailure {
  readonly failure: string;
}

/**
 * Reads each distinct launch template version and launch configuration once. A group `remembered` from an
 * idle full read, still naming the same template and version, is recalled instead of read when that version
 * cannot have changed: a numbered version never does, and a `$Default` is confirmed, for all such groups at
 * once, to be the same version (see `unchangedDefaults`). `recalled` counts those groups.
 */
export async function launchSources(
  api: AwsApi,
  asgs: readonly AutoScalingGroup[],
  failures: GroupObserveFailure[],
  remembered?: ReadonlyMap<string, TemplateSource>,
): Promise<{ sources: Map<string, SourceReading>; recalled: number }> {
  const recalled = await recallTemplates(api, asgs, remembered);
  const templates = new TemplateReads(api);
  const configurationNames = new Set<string>();
  for (const asg of asgs) {
    if (recalled.has(asg.AutoScalingGroupName!)) continue;
    if (!startTemplateReads(asg, templates) && asg.LaunchConfigurationName) configurationNames.add(asg.LaunchConfigurationName);
  }
  const configurations = await launchConfigurationsByName(api, [...configurationNames]);

  const result = new Map<string, SourceReading>();
  for (const asg of asgs) {
    const name = asg.AutoScalingGroupName!;
    const recall = recalled.get(name);
    const source: SourceReading | SourceFailure = recall
      ? { launchSource: recall, literalImageId: recall.imageIdExpression }
      : await readSource(asg, templates, configurations);
    if ('failure' in source) failures.push({ name, reason: source.failure });
    else result.set(name, source);
  }
  return { sources: result, recalled: recalled.size };
}

/** The groups `remembered` whose template version cannot have changed since: group name -> its reading then. */
async function recallTemplates(
  api: AwsApi,
  asgs: readonly AutoScalingGroup[],
  remembered: ReadonlyMap<string, TemplateSource> | undefined,
): Promise<Map<string, TemplateSource>> {
  const recalled = new Map<string, TemplateSource>();
  const defaults = new Map<string, TemplateSource>();
  for (const asg of asgs) {
    const source = remembered?.get(asg.AutoScalingGroupName!);
    if (!source || !namesSameTemplate(asg, source)) continue;
    if (/^\d+$/.test(source.version)) recalled.set(asg.AutoScalingGroupName!, source);
    else if (source.version === '$Default') defaults.set(asg.AutoScalingGroupName!, source);
  }
  const confirmed = await unchangedDefaults(api, [...defaults.values()]);
  for (const [name, source] of defaults) if (confirmed.has(source)) recalled.set(name, source);
  return recalled;
}

/** The group still names the template and version it named when `source` was read, and no override names one. */
function namesSameTemplate(asg: AutoScalingGroup, source: TemplateSource): boolean {
  const mixed = asg.MixedInstancesPolicy?.LaunchTemplate;
  const spec = mixed?.LaunchTemplateSpecification ?? asg.LaunchTemplate;
  if (!spec || (mixed !== undefined) !== source.mixedInstancesPolicy || (spec.Version ?? '$Default') !== source.version) return false;
  const overrideTemplates = (mixed?.Overrides ?? []).filter((o) => o.LaunchTemplateSpecification?.LaunchTemplateId
    || o.LaunchTemplateSpecification?.LaunchTemplateName);
  if (overrideTemplates.length > 0) return false;
  return spec.LaunchTemplateId ? spec.LaunchTemplateId === source.launchTemplateId
    : spec.LaunchTemplateName !== undefined && spec.LaunchTemplateName === source.launchTemplateName;
}

/** The group's own template specification (its mixed instances policy's, else its own), when it names a template. */
function templateSpecification(asg: AutoScalingGroup): LaunchTemplateSpecification | undefined {
  const spec = asg.MixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification ?? asg.LaunchTemplate;
  return spec && (spec.LaunchTemplateId || spec.LaunchTemplateName) ? spec : undefined;
}

/** Starts the reads of the group's template and of its overrides' templates (awaited later); false when it names none. */
function startTemplateReads(asg: AutoScalingGroup, templates: TemplateReads): boolean {
  const spec = templateSpecification(asg);
  if (!spec) return false;
  void templates.read(spec.LaunchTemplateId, spec.LaunchTemplateName, spec.Version ?? '$Default');
  for (const o of asg.MixedInstancesPolicy?.LaunchTemplate?.Overrides ?? []) {
    const t = o.LaunchTemplateSpecification;
    if (t && (t.LaunchTemplateId || t.LaunchTemplateName)) void templates.read(t.LaunchTemplateId, t.LaunchTemplateName, t.Version ?? '$Default');
  }
  return true;
}

async function launchConfigurationsByName(api: AwsApi, names: readonly string[]): Promise<Map<string, LaunchConfiguration>> {
  const configurations = new Map<string, LaunchConfiguration>();
  for (const batch of chunk(names, BatchLimit.DESCRIBE_LAUNCH_CONFIGURATIONS)) {
    const pages = await allPages(
      (NextToken) => api.autoScaling.describeLaunchConfigurations({ LaunchConfigurationNames: batch, NextToken }), (p) => p.NextToken);
    for (const lc of pages.flatMap((p) => p.LaunchConfigurations ?? [])) configurations.set(lc.LaunchConfigurationName!, lc);
  }
  return configurations;
}

async function readSource(
  asg: AutoScalingGroup,
  templates: TemplateReads,
  configurations: ReadonlyMap<string, LaunchConfiguration>,
): Promise<SourceReading | SourceFailure> {
  const name = asg.AutoScalingGroupName!;
  const spec = templateSpecification(asg);
  if (spec) return templateSource(asg, spec, templates);
  if (asg.LaunchConfigurationName) {
    const lc = configurations.get(asg.LaunchConfigurationName);
    if (!lc) return { failure: `launch configuration ${asg.LaunchConfigurationName} of group ${name} was not found` };
    return {
      launchSource: { kind: 'launch-configuration', launchConfigurationName: asg.LaunchConfigurationName },
      literalImageId: lc.ImageId,
    };
  }
  return { launchSource: { kind: 'none' } };
}

async function templateSource(
  asg: AutoScalingGroup,
  spec: LaunchTemplateSpecification,
  templates: TemplateReads,
): Promise<SourceReading | SourceFailure> {
  const version = spec.Version ?? '$Default';
  const reading = await templates.read(spec.LaunchTemplateId, spec.LaunchTemplateName, version);
  if (!reading.ok) return { failure: reading.reason };
  const aliasParameter = ssmAliasParameter(reading.imageIdExpression);
  const read = await overridesOf(asg, templates);
  if ('failure' in read) return read;
  const { overrides } = read;
  return {
    launchSource: {
      kind: 'launch-template',
      launchTemplateId: reading.launchTemplateId,
      launchTemplateName: reading.launchTemplateName,
      version,
      resolvedVersion: reading.versionNumber,
      mixedInstancesPolicy: asg.MixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification !== undefined,
      ...(overrides.some((o) => o.template) ? { overrides } : {}),
      imageIdExpression: reading.imageIdExpression,
      latestVersion: reading.latest,
    },
    literalImageId: aliasParameter ? undefined : reading.imageIdExpression,
    aliasParameter,
  };
}

/**
 * Overrides that name a template of their own: each read like the group's, kept with the override's
 * other fields so the policy can be written back whole.
 */
async function overridesOf(asg: AutoScalingGroup, templates: TemplateReads): Promise<{ readonly overrides: MixedOverride[] } | SourceFailure> {
  const overrides: MixedOverride[] = [];
  let overrideFailure: string | undefined;
  for (const o of asg.MixedInstancesPolicy?.LaunchTemplate?.Overrides ?? []) {
    const { LaunchTemplateSpecification: t, ...fields } = o;
    if (!t || !(t.LaunchTemplateId || t.LaunchTemplateName)) {
      overrides.push({ fields });
      continue;
    }
    const overrideVersion = t.Version ?? '$Default';
    const r = await templates.read(t.LaunchTemplateId, t.LaunchTemplateName, overrideVersion);
    if (!r.ok) {
      overrideFailure ??= `an override of the mixed instances policy of group ${asg.AutoScalingGroupName}: ${r.reason}`;
      continue;
    }
    overrides.push({
      fields,
      template: {
        launchTemplateId: r.launchTemplateId,
        launchTemplateName: r.launchTemplateName,
        version: overrideVersion,
        resolvedVersion: r.versionNumber,
        imageIdExpression: r.imageIdExpression,
        latestVersion: r.latest,
      },
    });
  }
  return overrideFailure ? { failure: overrideFailure } : { overrides };
}

/** The names of every launch configuration in the region that this engine created for the cluster. */
export async function engineLaunchConfigurations(api: AwsApi, clusterName: string): Promise<string[]> {
  const pages = await allPages((NextToken) => api.autoScaling.describeLaunchConfigurations({
    MaxRecords: BatchLimit.DESCRIBE_LAUNCH_CONFIGURATIONS_PAGE, NextToken,
  }), (p) => p.NextToken);
  return pages.flatMap((p) => p.LaunchConfigurations ?? [])
    .map((lc) => lc.LaunchConfigurationName ?? '')
    .filter((name) => isEngineLaunchConfiguration(clusterName, name));
}
