/** Images: what DescribeImages says of them, through a cache kept across observations in one process. */
import type { Image } from '@aws-sdk/client-ec2';
import { allPages } from './pages';
import { AwsApi } from '../../aws/ports';
import { chunk } from '../../shared/chunk';
import { BatchLimit } from '../../shared/constants';
import { ImageInfo } from '../../shared/image';

/**
 * What DescribeImages said of images, kept across observations in one process (a warm Lambda, a CLI run).
 * An image's name, architecture and platform never change; its state and deprecation can, so an entry is
 * trusted for `ttlMs` only, and the target image of a group that is about to act is always read afresh.
 */
export class ImageCache {
  private readonly entries = new Map<string, { readonly info: ImageInfo; readonly readAt: number }>();

  constructor(private readonly ttlMs: number = 60 * 60_000) {}

  get(imageId: string, now: number): ImageInfo | undefined {
    const entry = this.entries.get(imageId);
    return entry && now - entry.readAt < this.ttlMs ? entry.info : undefined;
  }

  put(info: ImageInfo, now: number): void {
    this.entries.set(info.imageId, { info, readAt: now });
  }
}

/** Images by id: from the cache unless asked `fresh`, else described (and cached). */
export async function imagesOf(
  api: AwsApi,
  ids: Iterable<string>,
  now: number,
  cache: ImageCache,
  fresh: ReadonlySet<string>,
): Promise<Record<string, ImageInfo>> {
  const result: Record<string, ImageInfo> = {};
  const missing: string[] = [];
  for (const id of new Set(ids)) {
    const cached = fresh.has(id) ? undefined : cache.get(id, now);
    if (cached) result[id] = cached;
    else missing.push(id);
  }
  const described = await describeImages(api, missing);
  for (const info of Object.values(described)) cache.put(info, now);
  return { ...result, ...described };
}

/**
 * Images by id, deprecated ones included. A filter, not `ImageIds`, so an id that does not exist (a bad
 * parameter value) is simply absent and the planner can refuse the group that names it.
 */
async function describeImages(api: AwsApi, ids: readonly string[]): Promise<Record<string, ImageInfo>> {
  const result: Record<string, ImageInfo> = {};
  for (const batch of chunk([...new Set(ids)], BatchLimit.EC2_FILTER_VALUES)) {
    const pages = await allPages(
      (NextToken) => api.ec2.describeImages({ Filters: [{ Name: 'image-id', Values: batch }], IncludeDeprecated: true, NextToken }),
      (p) => p.NextToken);
    for (const image of pages.flatMap((p) => p.Images ?? [])) {
      const info = toImage(image);
      if (info) result[info.imageId] = info;
    }
  }
  return result;
}

function toImage(image: Image): ImageInfo | undefined {
  if (!image.ImageId) return undefined;
  return {
    imageId: image.ImageId,
    name: image.Name,
    architecture: image.Architecture,
    platformDetails: image.PlatformDetails,
    state: image.State,
    creationDate: image.CreationDate,
    deprecationTime: image.DeprecationTime,
  };
}
