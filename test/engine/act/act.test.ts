import { AwsApi } from '../../../src/aws/ports';
import { act } from '../../../src/engine/act/act';

/** An Auto Scaling port that reports the group as given and records every write. */
function autoScaling(group: { desired: number; max: number }) {
  const writes: Array<{ call: string; input: unknown }> = [];
  const api = {
    autoScaling: {
      describeAutoScalingGroups: async () => ({ AutoScalingGroups: [{ AutoScalingGroupName: 'web', DesiredCapacity: group.desired, MaxSize: group.max }] }),
      setDesiredCapacity: async (input: unknown) => { writes.push({ call: 'setDesiredCapacity', input }); return {}; },
      updateAutoScalingGroup: async (input: unknown) => { writes.push({ call: 'updateAutoScalingGroup', input }); return {}; },
    },
  } as unknown as AwsApi;
  return { api, writes };
}

describe('desired capacity is only ever raised, from what the group shows at the time of the write', () => {
  test('managed scaling raised desired since the observation: nothing is written', async () => {
    const { api, writes } = autoScaling({ desired: 7, max: 10 });
    const outcomes = await act({ api, clusterArn: 'arn:aws:ecs:us-east-1:123456789012:cluster/prod' }, [
      { kind: 'set-desired', group: 'web', desired: 5 },
    ]);
    expect(outcomes.map((o) => o.ok)).toEqual([true]);
    expect(writes).toEqual([]);
  });

  test('below what is needed: raised to it', async () => {
    const { api, writes } = autoScaling({ desired: 4, max: 10 });
    await act({ api, clusterArn: 'arn' }, [{ kind: 'set-desired', group: 'web', desired: 5 }]);
    expect(writes).toEqual([{ call: 'setDesiredCapacity', input: { AutoScalingGroupName: 'web', DesiredCapacity: 5, HonorCooldown: false } }]);
  });

  test('max raised with desired when needed; desired never below the group\'s own, max never below desired', async () => {
    const { api, writes } = autoScaling({ desired: 8, max: 8 });
    await act({ api, clusterArn: 'arn' }, [{ kind: 'set-desired', group: 'web', desired: 6, raiseMaxTo: 7 }]);
    expect(writes).toEqual([]);
    const second = autoScaling({ desired: 6, max: 6 });
    await act({ api: second.api, clusterArn: 'arn' }, [{ kind: 'set-desired', group: 'web', desired: 7, raiseMaxTo: 7 }]);
    expect(second.writes).toEqual([{ call: 'updateAutoScalingGroup', input: { AutoScalingGroupName: 'web', MaxSize: 7, DesiredCapacity: 7 } }]);
  });
});

describe('terminate-warm', () => {
  test('terminates the warm instance through Auto Scaling, never decrementing desired capacity, and deregisters nothing', async () => {
    const calls: Array<{ call: string; input: unknown }> = [];
    const api = {
      autoScaling: { terminateInstanceInAutoScalingGroup: async (input: unknown) => { calls.push({ call: 'terminateInstanceInAutoScalingGroup', input }); return {}; } },
      ecs: { deregisterContainerInstance: async (input: unknown) => { calls.push({ call: 'deregisterContainerInstance', input }); return {}; } },
    } as unknown as AwsApi;
    const outcomes = await act({ api, clusterArn: 'arn' }, [{ kind: 'terminate-warm', group: 'web', instanceId: 'i-warm1' }]);
    expect(outcomes.map((o) => o.ok)).toEqual([true]);
    expect(calls).toEqual([{ call: 'terminateInstanceInAutoScalingGroup', input: { InstanceId: 'i-warm1', ShouldDecrementDesiredCapacity: false } }]);
  });
});
