/**
 * The warm pool step (src/engine/decide/warm-pool.ts): outdated warm instances are terminated, without
 * decrement, once the launch source names the target and before any batch starts or goes on.
 */
import { rotateGroup } from '../../../src/engine/decide/rotate';
import { outdatedWarmInstances } from '../../../src/engine/decide/warm-pool';
import { GroupInstance, ObservedCluster, ObservedGroup } from '../../../src/engine/model';
import { maintenanceWindow } from '../../../src/shared/maintenance-window';
import { NEW_AMI, OLD_AMI } from '../fixtures';
import { batchTag, GROUP, id, imageDecision, member, NOW, REPLACING, rotationConfig, rotationInput, RotationSpec } from './rotation-fixtures';

const warm = (n: number, lifecycleState = 'Warmed:Stopped'): GroupInstance => ({ instanceId: `i-warm${n}`, lifecycleState, healthStatus: 'Healthy', protectedFromScaleIn: false });

/** The spec's group with a warm pool of these instances, each on the image given. */
function withPool(spec: RotationSpec, pool: ReadonlyArray<[GroupInstance, string | undefined]>): { observed: ObservedCluster; group: ObservedGroup } {
  const { observed, group } = rotationInput(spec);
  const pooled: ObservedGroup = { ...group, warmPool: { instances: pool.map(([i]) => i) } };
  const instances = { ...observed.instances };
  for (const [i, image] of pool) if (image) instances[i.instanceId] = { instanceId: i.instanceId, imageId: image, state: 'stopped', tags: {} };
  return { observed: { ...observed, groups: [pooled], instances }, group: pooled };
}

const members = [member(1, { container: { running: 2 } }), member(2, { container: { running: 3 } })];

describe('outdated warm instances', () => {
  test('those on another image than the target, not leaving the pool, whose image is known', () => {
    const { observed, group } = withPool({ desired: 2, members }, [
      [warm(1), OLD_AMI], [warm(2), NEW_AMI], [warm(3, 'Warmed:Pending'), OLD_AMI], [warm(4, 'Warmed:Terminating'), OLD_AMI],
      [warm(5, 'Warmed:Terminating:Proceed'), OLD_AMI], [warm(6), undefined],
    ]);
    expect(outdatedWarmInstances(observed, group, NEW_AMI)).toEqual(['i-warm1', 'i-warm3']);
  });
});

describe('the rotation refreshes the warm pool first', () => {
  test('before the first batch: the outdated warm instances are terminated without decrement, and no batch starts this round', () => {
    const { observed, group } = withPool({ desired: 2, members }, [[warm(1), OLD_AMI], [warm(2), NEW_AMI]]);
    const rotation = rotateGroup(observed, group, imageDecision([id(1), id(2)]), rotationConfig());
    expect(rotation.phase).toBe('updating-launch-template');
    expect(rotation.actions).toEqual([{ kind: 'terminate-warm', group: GROUP, instanceId: 'i-warm1' }]);
    expect(rotation.waitingReason).toBe('1 warm pool instance(s) on an older image go first');
  });

  test('the round after (they are Warmed:Terminating), the batch starts', () => {
    const { observed, group } = withPool({ desired: 2, members }, [[warm(1, 'Warmed:Terminating'), OLD_AMI], [warm(2), NEW_AMI]]);
    const rotation = rotateGroup(observed, group, imageDecision([id(1), id(2)]), rotationConfig());
    expect(rotation.actions.map((a) => a.kind)).toContain('start-batch');
    expect(rotation.actions.map((a) => a.kind)).not.toContain('terminate-warm');
  });

  test('not while the launch source still names the old image: the pool would re-prepare it', () => {
    const { observed, group } = withPool({ desired: 2, members }, [[warm(1), OLD_AMI]]);
    const rotation = rotateGroup(observed, group, imageDecision([id(1), id(2)], { updateLaunchSource: true }), rotationConfig());
    expect(rotation.actions.map((a) => a.kind)).not.toContain('terminate-warm');
    expect(rotation.phase).toBe('updating-launch-template');
  });

  test('mid-batch (a scale-out in the group filled the pool again from an older template): refreshed before the batch goes on', () => {
    const batch = { base: 2, target: 3, originalMax: 4, startedAt: NOW - 600_000 };
    const spec: RotationSpec = { desired: 3, tags: batchTag(batch), members: [member(1, { container: { phase: REPLACING } }), member(2), member(3)] };
    const { observed, group } = withPool(spec, [[warm(1), OLD_AMI]]);
    const rotation = rotateGroup(observed, group, imageDecision([id(1), id(2)]), rotationConfig());
    expect(rotation.actions).toEqual([{ kind: 'terminate-warm', group: GROUP, instanceId: 'i-warm1' }]);
  });

  test('outside every maintenance window nothing new starts, the pool included', () => {
    const { observed, group } = withPool({ desired: 2, members }, [[warm(1), OLD_AMI]]);
    const closed = { maintenanceWindows: [maintenanceWindow('0 2 ? * MON', 3600, 'w')] };
    const rotation = rotateGroup(observed, group, imageDecision([id(1), id(2)]), rotationConfig(closed));
    expect(rotation.phase).toBe('waiting');
    expect(rotation.actions.map((a) => a.kind)).not.toContain('terminate-warm');
  });

  test('a pool on the target changes nothing', () => {
    const { observed, group } = withPool({ desired: 2, members }, [[warm(1), NEW_AMI]]);
    const rotation = rotateGroup(observed, group, imageDecision([]), rotationConfig());
    expect(rotation.actions).toEqual([]);
  });
});
