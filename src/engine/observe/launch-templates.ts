/**
 * Launch template versions: each read once with the template's `$Latest`, and a `$Default` remembered from
 * an idle full read confirmed unchanged for all groups at once.
 */
import type { LaunchTemplateVersion } from '@aws-sdk/client-ec2';
import { AwsApi } from '../../aws/ports';
import { BatchLimit } from '../../shared/constants';
import { describeError } from '../../shared/describe-error';
import { VERSION_DESCRIPTION_PREFIX } from '../../shared/records';
import { LaunchSource, TemplateVersion } from '../model';
import { allPages } from './pages';

export type TemplateSource = Extract<LaunchSource, { kind: 'launch-template' }>;


/**
 * Those of `sources` (all on `$Default`) whose template's default version is still the version they were read
 * at, with the same image: one DescribeLaunchTemplateVersions for all of them, of every template in the account
 * whose default version launches one of their images (without a template, the API describes the `$Default`
 * version of each; the `image-id` filter keeps the answer to the templates that matter). A version's content
 * never changes, so the reading is still exact. Any error: none is confirmed, and each is read as usual.
 */
export async function unchangedDefaults(api: AwsApi, sources: readonly TemplateSource[]): Promise<Set<TemplateSource>> {
  if (sources.length === 0) return new Set();
  try {
    const pages = await allPages((NextToken) => api.ec2.describeLaunchTemplateVersions({
      Versions: ['$Default'],
      Filters: [{ Name: 'image-id', Values: [...new Set(sources.map((s) => s.imageIdExpression!))] }],
      MaxResults: BatchLimit.DESCRIBE_LAUNCH_TEMPLATE_VERSIONS_PAGE,
      NextToken,
    }), (p) => p.NextToken);
    const defaults = new Map(pages.flatMap((p) => p.LaunchTemplateVersions ?? []).filter((v) => v.DefaultVersion)
      .map((v) => [v.LaunchTemplateId, v]));
    return new Set(sources.filter((s) => {
      const now = defaults.get(s.launchTemplateId);
      return now !== undefined && now.VersionNumber === s.resolvedVersion && now.LaunchTemplateData?.ImageId === s.imageIdExpression;
    }));
  } catch {
    return new Set();
  }
}

export type TemplateReading =
  | {
    readonly ok: true;
    readonly launchTemplateId: string;
    readonly launchTemplateName?: string;
    readonly versionNumber?: number;
    readonly imageIdExpression?: string;
    readonly latest?: TemplateVersion;
  }
  | { readonly ok: false; readonly reason: string };

/**
 * Each distinct template version read once: the first ask starts the call, later asks share its reading.
 * A reading never rejects (its failure is a value), so one may be started now and awaited later.
 */
export class TemplateReads {
  private readonly started = new Map<string, Promise<TemplateReading>>();

  constructor(private readonly api: AwsApi) {}

  read(id: string | undefined, name: string | undefined, version: string): Promise<TemplateReading> {
    const key = `${id ?? name}@${version}`;
    if (!this.started.has(key)) this.started.set(key, readTemplateVersion(this.api, id, name, version));
    return this.started.get(key)!;
  }
}

async function readTemplateVersion(api: AwsApi, id: string | undefined, name: string | undefined, version: string): Promise<TemplateReading> {
  try {
    // ResolveAlias stays false: a `resolve:ssm:` image id must be seen as such (its value is read from SSM).
    // `$Latest` too, in the same call: a version this engine created but did not yet put to use is found
    // there, and reused rather than created again.
    const response = await api.ec2.describeLaunchTemplateVersions({
      LaunchTemplateId: id,
      LaunchTemplateName: id ? undefined : name,
      Versions: version === '$Latest' ? [version] : [version, '$Latest'],
    });
    const versions = response.LaunchTemplateVersions ?? [];
    const v = version === '$Default' ? versions.find((x) => x.DefaultVersion) ?? versions[0]
      : version === '$Latest' ? maxBy(versions)
        : versions.find((x) => String(x.VersionNumber) === version);
    if (!v) return { ok: false, reason: `launch template ${id ?? name} has no version ${version}` };
    const latest = maxBy(versions);
    return {
      ok: true,
      launchTemplateId: v.LaunchTemplateId ?? id!,
      launchTemplateName: v.LaunchTemplateName ?? name,
      versionNumber: v.VersionNumber,
      imageIdExpression: v.LaunchTemplateData?.ImageId,
      latest: latest?.VersionNumber === undefined ? undefined : {
        number: latest.VersionNumber,
        imageIdExpression: latest.LaunchTemplateData?.ImageId,
        createdByEngine: (latest.VersionDescription ?? '').startsWith(VERSION_DESCRIPTION_PREFIX),
      },
    };
  } catch (error) {
    return { ok: false, reason: `launch template ${id ?? name} version ${version} could not be read: ${describeError(error)}` };
  }
}

function maxBy(versions: readonly LaunchTemplateVersion[]): LaunchTemplateVersion | undefined {
  return versions.reduce<LaunchTemplateVersion | undefined>(
    (best, v) => (best === undefined || (v.VersionNumber ?? 0) > (best.VersionNumber ?? 0) ? v : best), undefined);
}
