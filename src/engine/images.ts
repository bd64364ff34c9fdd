/**
 * Where a group's images come from, read off the observed model: the parameter a `resolve:ssm:` template
 * follows, the literal images of mixed-instances override templates, the image a group is measured against.
 * Pure; shared by the observation, the planner and the rotation decision.
 */
import type { ObservedGroup, ObservedInstance } from './model';
import { referenceImage } from '../shared/ami-families';
import type { ImageInfo } from '../shared/image';

const RESOLVE_SSM_PREFIX = 'resolve:ssm:';

/** `resolve:ssm:/name`, `resolve:ssm:/name:3` or `resolve:ssm:name:label` -> the parameter selector. */
export function ssmAliasParameter(imageIdExpression: string | undefined): string | undefined {
  if (!imageIdExpression?.startsWith(RESOLVE_SSM_PREFIX)) return undefined;
  return imageIdExpression.slice(RESOLVE_SSM_PREFIX.length);
}

/** The literal images of the launch templates the group's mixed instances overrides name (not `resolve:ssm:` ones). */
export function overrideImageIds(group: ObservedGroup): string[] {
  if (group.launchSource.kind !== 'launch-template') return [];
  return (group.launchSource.overrides ?? []).map((o) => o.template?.imageIdExpression)
    .filter((e): e is string => e !== undefined && ssmAliasParameter(e) === undefined);
}

/** See `referenceImage`: the current image, else the one most of the group's instances run. */
export function groupReferenceImage(
  group: ObservedGroup,
  instances: Readonly<Record<string, ObservedInstance>>,
  images: Readonly<Record<string, ImageInfo>>,
): ImageInfo | undefined {
  return referenceImage(group.currentImageId, group.instances.map((i) => instances[i.instanceId]?.imageId), images);
}
