/**
 * The image a group rotates to: its family and architecture (from its reference image, its tag or its
 * override), the SSM parameter that follows them, the image the parameter names, and whether it is usable
 * and old enough (`minimumAmiAge`) to adopt. Every reason a group is refused on the way is named.
 */
import { isWindows, parseParameterValue, resolveGroupTarget, targetImageProblem } from '../../shared/ami-families';
import { TagKey } from '../../shared/constants';
import { ImageInfo } from '../../shared/image';
import { groupReferenceImage, ssmAliasParameter } from '../images';
import { ObservedCluster, ObservedGroup } from '../model';
import { GroupPlan, PlanConfig } from './plan-types';
import { PendingImage } from './rotation-types';

/** What the plan knows of a group once its family resolves to a parameter. */
export type KnownTarget = Pick<GroupPlan, 'family' | 'architecture' | 'familyFrom' | 'platform' | 'parameterFrom'>;

export type TargetResolution =
  | { readonly ok: false; readonly reason: string; readonly known: Partial<GroupPlan> }
  | {
    readonly ok: true;
    readonly known: KnownTarget;
    readonly parameterName: string;
    /** The image the parameter names. */
    readonly named: ImageInfo;
    /** The group's reference image (what it launches or runs now). */
    readonly current: ImageInfo;
  };

/** The group's family and parameter, and the parameter's image if it is one the group may rotate to. */
export function resolveTarget(observed: ObservedCluster, group: ObservedGroup, config: PlanConfig): TargetResolution {
  const current = groupReferenceImage(group, observed.instances, observed.images);
  const resolved = resolveGroupTarget(current, group.tags[TagKey.AMI_FAMILY], config.groupOverrides?.[group.name], config.amiParameters);
  const platform = current ? (isWindows(current) ? 'windows' as const : 'linux' as const) : undefined;
  if (!resolved.ok) {
    const { family, architecture, familyFrom, unknownFamily } = resolved;
    return { ok: false, reason: resolved.reason, known: { family, architecture, familyFrom, platform, unknownFamily: unknownFamily || undefined } };
  }
  const { parameterName, parameterFrom } = resolved;
  const known = { family: resolved.family, architecture: resolved.architecture, familyFrom: resolved.familyFrom, platform, parameterFrom };
  const refused = (reason: string, extra: Partial<GroupPlan> = {}): TargetResolution => (
    { ok: false, reason, known: { ...known, parameterName, ...extra } });
  const reading = observed.parameters[parameterName];
  if (reading?.error) return refused(`SSM parameter ${parameterName} could not be read: ${reading.error}`);
  const parsed = parseParameterValue(parameterName, reading?.value);
  if (!parsed.ok) return refused(parsed.reason);

  const named = observed.images[parsed.imageId];
  const problem = targetImageProblem(named, parsed.imageId, current!, parameterName)
    ?? deprecationProblem(named!, observed.observedAt, parameterName)
    ?? overrideTemplatesProblem(observed, group, parameterName, resolved.architecture, config);
  if (problem) return refused(problem, { targetImageId: parsed.imageId });
  return { ok: true, known, parameterName, named: named!, current: current! };
}

/**
 * The image the group rotates to. The parameter's image once it is at least `minimumAgeMs` old (from its
 * CreationDate; an image without one cannot be aged, so it waits). Before that, the group keeps the image it
 * launches now, if that one is usable, and stragglers still rotate to it; otherwise (it is the young image
 * itself, set by a deploy, or unusable) the target stays the young image and nothing new starts towards it.
 */
export function adoptedTarget(
  observed: ObservedCluster,
  group: ObservedGroup,
  named: ImageInfo,
  current: ImageInfo,
  parameterName: string,
  minimumAgeMs: number,
): { readonly target: ImageInfo; readonly pendingImage?: PendingImage } {
  if (minimumAgeMs <= 0) return { target: named };
  const created = creationTime(named);
  const adoptedAt = created === undefined ? undefined : created + minimumAgeMs;
  if (adoptedAt !== undefined && adoptedAt <= observed.observedAt) return { target: named };
  const age = humanAge(minimumAgeMs);
  const reason = created === undefined
    ? `image ${named.imageId} named by SSM parameter ${parameterName} has no creation date, so its age cannot be told (minimumAmiAge ${age}); it is not adopted`
    : `image ${named.imageId} was published at ${isoSeconds(created)}; adopted from ${isoSeconds(adoptedAt!)} (minimumAmiAge ${age})`;
  const kept = group.currentImageId !== undefined && group.currentImageId !== named.imageId ? observed.images[group.currentImageId] : undefined;
  const usable = kept !== undefined && targetImageProblem(kept, kept.imageId, current, parameterName) === undefined
    && deprecationProblem(kept, observed.observedAt, parameterName) === undefined;
  return usable
    ? { target: kept!, pendingImage: { imageId: named.imageId, reason, holdsNewWork: false } }
    : { target: named, pendingImage: { imageId: named.imageId, reason, holdsNewWork: true } };
}

function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** `3 days`, `12 hours`, `90 minutes`. */
function humanAge(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s % 86400 === 0) return `${s / 86400} day${s === 86400 ? '' : 's'}`;
  if (s % 3600 === 0) return `${s / 3600} hour${s === 3600 ? '' : 's'}`;
  if (s % 60 === 0) return `${s / 60} minute${s === 60 ? '' : 's'}`;
  return `${s} seconds`;
}

/**
 * The launch templates of a mixed instances policy's overrides must launch what the group's own template
 * launches: the same parameter's image (a literal image of the same family and architecture, or
 * `resolve:ssm:` of that very parameter). An override template for another architecture or family would need
 * a target of its own; such a group is refused with the template named, never rotated to a wrong image.
 */
function overrideTemplatesProblem(
  observed: ObservedCluster,
  group: ObservedGroup,
  parameterName: string,
  architecture: string | undefined,
  config: PlanConfig,
): string | undefined {
  if (group.launchSource.kind !== 'launch-template') return undefined;
  for (const o of group.launchSource.overrides ?? []) {
    const t = o.template;
    if (!t) continue;
    const name = `launch template ${t.launchTemplateName ?? t.launchTemplateId} (version ${t.version}) of an override of group ${group.name}'s mixed instances policy`;
    const alias = ssmAliasParameter(t.imageIdExpression);
    if (alias !== undefined) {
      if (alias !== parameterName) return `${name} resolves its image from SSM parameter ${alias}, not from the group's ${parameterName}`;
      continue;
    }
    if (!t.imageIdExpression || t.resolvedVersion === undefined) return `${name} names no image, or its version could not be resolved`;
    const image = observed.images[t.imageIdExpression];
    const resolved = resolveGroupTarget(image, group.tags[TagKey.AMI_FAMILY], config.groupOverrides?.[group.name], config.amiParameters);
    if (!image || !resolved.ok || resolved.parameterName !== parameterName || image.architecture !== architecture) {
      return `${name} launches image ${t.imageIdExpression} (${image?.architecture ?? 'unknown architecture'}), which does not follow the group's ` +
        `parameter ${parameterName} (${architecture ?? 'unknown architecture'}); the refresher rotates a mixed instances policy whose ` +
        'templates all follow one parameter';
    }
  }
  return undefined;
}

/**
 * A template whose image is `resolve:ssm:` of the very parameter we follow needs no new version. Only the
 * bare name counts: `name:3` or `name:label` stays on that version when the parameter moves, so instances
 * launched from it would boot the old image again.
 */
export function resolvesFromParameter(group: ObservedGroup, parameterName: string): boolean {
  if (group.launchSource.kind !== 'launch-template') return false;
  return ssmAliasParameter(group.launchSource.imageIdExpression) === parameterName;
}

function deprecationProblem(target: ImageInfo, now: number, parameterName: string): string | undefined {
  if (!target.deprecationTime) return undefined;
  const at = Date.parse(target.deprecationTime);
  if (Number.isNaN(at) || at > now) return undefined;
  return `image ${target.imageId} named by SSM parameter ${parameterName} was deprecated at ${target.deprecationTime}`;
}

export function creationTime(image: ImageInfo): number | undefined {
  if (!image.creationDate) return undefined;
  const at = Date.parse(image.creationDate);
  return Number.isNaN(at) ? undefined : at;
}
