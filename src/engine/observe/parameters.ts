/** SSM parameters: the image a group launches through `resolve:ssm:`, and the image a group is to run. */
import { AwsApi } from '../../aws/ports';
import { resolveGroupTarget } from '../../shared/ami-families';
import { chunk } from '../../shared/chunk';
import { BatchLimit, TagKey } from '../../shared/constants';
import { describeError } from '../../shared/describe-error';
import { ImageInfo } from '../../shared/image';
import { groupReferenceImage } from '../images';
import { ObservedGroup, ObservedInstance, ParameterReading } from '../model';
import { ObserveOptions } from './options';

/** The parameter a group follows, from its family (told by its reference image, its tag or its override). */
export function groupTarget(
  group: ObservedGroup,
  instances: Readonly<Record<string, ObservedInstance>>,
  images: Readonly<Record<string, ImageInfo>>,
  options: Pick<ObserveOptions, 'groupOverrides' | 'amiParameters'>,
): ReturnType<typeof resolveGroupTarget> {
  const reference = groupReferenceImage(group, instances, images);
  return resolveGroupTarget(reference, group.tags[TagKey.AMI_FAMILY], options.groupOverrides?.[group.name], options.amiParameters);
}

/** Reads parameters ten at a time. Names SSM reports invalid are kept, valueless, so the planner can say so. */
export async function readParameters(api: AwsApi, names: readonly string[]): Promise<Record<string, ParameterReading>> {
  const readings: Record<string, ParameterReading> = {};
  for (const batch of chunk([...new Set(names)], BatchLimit.SSM_GET_PARAMETERS)) {
    let response;
    try {
      response = await api.ssm.getParameters({ Names: batch });
    } catch (error) {
      // One unreadable name (IAM allows only the map's parameters) fails the whole call: read them one by
      // one, so only the groups that name the unreadable one are refused.
      if (batch.length === 1) {
        readings[batch[0]] = { name: batch[0], error: describeError(error) };
        continue;
      }
      Object.assign(readings, ...(await Promise.all(batch.map((name) => readParameters(api, [name])))));
      continue;
    }
    for (const p of response.Parameters ?? []) {
      // SSM answers with the name as asked for plain names, and with the ARN's name for ARNs.
      const asked = batch.find((n) => n === p.Name || n === p.ARN || n === p.Selector || stripSelector(n) === p.Name) ?? p.Name!;
      readings[asked] = { name: asked, value: p.Value };
    }
    for (const invalid of response.InvalidParameters ?? []) readings[invalid] = { name: invalid };
  }
  return readings;
}

function stripSelector(name: string): string {
  // `name:3` or `name:label` selects a version; the response's Name has no selector.
  const at = name.lastIndexOf(':');
  return at > 0 && !name.startsWith('arn:') ? name.slice(0, at) : name;
}

/** An image id from a parameter value: plain, or the `image_id` of a JSON document. */
export function imageIdFromValue(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (trimmed.startsWith('ami-')) return trimmed;
  try {
    const doc = JSON.parse(trimmed) as { image_id?: unknown };
    return typeof doc.image_id === 'string' ? doc.image_id : undefined;
  } catch {
    return undefined;
  }
}
