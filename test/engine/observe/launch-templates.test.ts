import { AwsApi } from '../../../src/aws/ports';
import { TemplateReads } from '../../../src/engine/observe/launch-templates';
import { VERSION_DESCRIPTION_PREFIX } from '../../../src/shared/records';

/** An EC2 port whose DescribeLaunchTemplateVersions answers from `versions` and records every input. */
function ec2(versions: Array<{ VersionNumber: number; DefaultVersion?: boolean; ImageId: string; VersionDescription?: string }>, fail = false) {
  const inputs: unknown[] = [];
  const api = {
    ec2: {
      describeLaunchTemplateVersions: async (input: { Versions: string[] }) => {
        inputs.push(input);
        if (fail) throw Object.assign(new Error('denied'), { name: 'UnauthorizedOperation' });
        const wanted = versions.filter((v) => input.Versions.some((w) => w === String(v.VersionNumber)
          || (w === '$Default' && v.DefaultVersion) || (w === '$Latest' && v === versions[versions.length - 1])));
        return {
          LaunchTemplateVersions: wanted.map((v) => ({
            LaunchTemplateId: 'lt-1',
            LaunchTemplateName: 'web',
            VersionNumber: v.VersionNumber,
            DefaultVersion: v.DefaultVersion ?? false,
            VersionDescription: v.VersionDescription,
            LaunchTemplateData: { ImageId: v.ImageId },
          })),
        };
      },
    },
  } as unknown as AwsApi;
  return { api, inputs };
}

describe('TemplateReads: each template version read once, with $Latest', () => {
  test('two asks for the same version share one call; another version is one more', async () => {
    const { api, inputs } = ec2([
      { VersionNumber: 1, DefaultVersion: true, ImageId: 'ami-1' },
      { VersionNumber: 2, ImageId: 'ami-2', VersionDescription: `${VERSION_DESCRIPTION_PREFIX}ami-2` },
    ]);
    const reads = new TemplateReads(api);
    const [a, b] = await Promise.all([reads.read('lt-1', undefined, '$Default'), reads.read('lt-1', 'web', '$Default')]);
    expect(a).toBe(b);
    expect(inputs).toEqual([{ LaunchTemplateId: 'lt-1', LaunchTemplateName: undefined, Versions: ['$Default', '$Latest'] }]);
    expect(a).toEqual({
      ok: true,
      launchTemplateId: 'lt-1',
      launchTemplateName: 'web',
      versionNumber: 1,
      imageIdExpression: 'ami-1',
      latest: { number: 2, imageIdExpression: 'ami-2', createdByEngine: true },
    });
    await reads.read('lt-1', undefined, '2');
    expect(inputs).toHaveLength(2);
  });

  test('a refusal is a reading, not a rejection', async () => {
    const { api } = ec2([], true);
    const reading = await new TemplateReads(api).read(undefined, 'web', '$Latest');
    expect(reading.ok).toBe(false);
    expect(reading).toMatchObject({ reason: expect.stringContaining('launch template web version $Latest could not be read') });
  });
});
