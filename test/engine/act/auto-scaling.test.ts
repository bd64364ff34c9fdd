import { AwsApi } from '../../../src/aws/ports';
import { writeGroupTag } from '../../../src/engine/act/auto-scaling';
import { FAILED_IMAGE_TAG } from '../../../src/shared/records';

function recordingApi() {
  const calls: Array<{ call: string; input: unknown }> = [];
  const api = {
    autoScaling: {
      createOrUpdateTags: async (input: unknown) => { calls.push({ call: 'createOrUpdateTags', input }); return {}; },
      deleteTags: async (input: unknown) => { calls.push({ call: 'deleteTags', input }); return {}; },
    },
  } as unknown as AwsApi;
  return { api, calls };
}

describe('the one Auto Scaling tag writer', () => {
  test('a value is written on the group, never propagated to its instances', async () => {
    const { api, calls } = recordingApi();
    await writeGroupTag(api, 'web', 'ecs-ami-refresher:batch', '{"n":1}');
    expect(calls).toEqual([{
      call: 'createOrUpdateTags',
      input: { Tags: [{ ResourceId: 'web', ResourceType: 'auto-scaling-group', Key: 'ecs-ami-refresher:batch', Value: '{"n":1}', PropagateAtLaunch: false }] },
    }]);
  });

  test('no value deletes the tag', async () => {
    const { api, calls } = recordingApi();
    await writeGroupTag(api, 'web', 'ecs-ami-refresher:batch', undefined);
    expect(calls).toEqual([{
      call: 'deleteTags',
      input: { Tags: [{ ResourceId: 'web', ResourceType: 'auto-scaling-group', Key: 'ecs-ami-refresher:batch' }] },
    }]);
  });

  test('an empty value is a value, not a deletion', async () => {
    const { api, calls } = recordingApi();
    await writeGroupTag(api, 'web', FAILED_IMAGE_TAG, '');
    expect(calls.map((c) => c.call)).toEqual(['createOrUpdateTags']);
  });
});
