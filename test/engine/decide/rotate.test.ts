import * as fc from 'fast-check';
import { containerInstanceArn, instanceId, NEW_AMI, OLD_AMI, templateSource } from '../fixtures';
import {
  arn,
  batchTag,
  containerOf,
  drainingSince,
  GROUP,
  id,
  imageDecision,
  member,
  MemberSpec,
  NOW,
  REPLACING,
  replaceBeforeTag,
  rotate,
  rotationConfig,
  rotationInput,
  RotationSpec,
  TEMPLATE_ID,
} from './rotation-fixtures';
import { Action } from '../../../src/engine/actions';
import { budgetFor } from '../../../src/engine/budget';
import { GroupRotation, ImageDecision, rotateGroup, RotationConfig, WINDOW_BUDGETS } from '../../../src/engine/decide/rotate';
import { LaunchSource, ObservedContainerInstance } from '../../../src/engine/model';
import { Batch, BATCH_TAG, decodeBatch, decodePhase, encodeBatch, encodePhase, REPLACE_BEFORE_TAG } from '../../../src/shared/records';

const kinds = (rotation: GroupRotation): string[] => rotation.actions.map((a) => a.kind);
const ofKind = <K extends Action['kind']>(rotation: GroupRotation, kind: K) =>
  rotation.actions.filter((a): a is Extract<Action, { kind: K }> => a.kind === kind);

/** Four serving members on the old image, 1..4, and an outdated decision naming them all. */
const fourOutdated: RotationSpec = { desired: 4, max: 6, members: [1, 2, 3, 4].map((n) => member(n)) };
const allFour = [1, 2, 3, 4].map(id);

// -----------------------------------------------------------------------------------------------------------------
// 1. The launch source first
// -----------------------------------------------------------------------------------------------------------------

describe('the launch source is updated before any batch', () => {
  type SourceOverrides = Partial<Extract<LaunchSource, { kind: 'launch-template' }>>;

  it.each<[string, SourceOverrides, Action]>([
    ['a numeric version: the group is pointed at the new version', { version: '3', resolvedVersion: 3 },
      { kind: 'create-template-version', group: GROUP, launchTemplateId: TEMPLATE_ID, sourceVersion: 3, imageId: NEW_AMI, use: 'group-version', mixedInstancesPolicy: false }],
    ['$Default: the template default is moved', { version: '$Default', resolvedVersion: 5 },
      { kind: 'create-template-version', group: GROUP, launchTemplateId: TEMPLATE_ID, sourceVersion: 5, imageId: NEW_AMI, use: 'default-version', mixedInstancesPolicy: false }],
    ['$Latest: creating the version is enough', { version: '$Latest', resolvedVersion: 7 },
      { kind: 'create-template-version', group: GROUP, launchTemplateId: TEMPLATE_ID, sourceVersion: 7, imageId: NEW_AMI, use: 'none', mixedInstancesPolicy: false }],
    ['a numeric version in a mixed instances policy', { version: '12', resolvedVersion: 12, mixedInstancesPolicy: true },
      { kind: 'create-template-version', group: GROUP, launchTemplateId: TEMPLATE_ID, sourceVersion: 12, imageId: NEW_AMI, use: 'group-version', mixedInstancesPolicy: true }],
    ['$Default in a mixed instances policy', { version: '$Default', resolvedVersion: 2, mixedInstancesPolicy: true },
      { kind: 'create-template-version', group: GROUP, launchTemplateId: TEMPLATE_ID, sourceVersion: 2, imageId: NEW_AMI, use: 'default-version', mixedInstancesPolicy: true }],
    ['$Latest in a mixed instances policy', { version: '$Latest', resolvedVersion: 4, mixedInstancesPolicy: true },
      { kind: 'create-template-version', group: GROUP, launchTemplateId: TEMPLATE_ID, sourceVersion: 4, imageId: NEW_AMI, use: 'none', mixedInstancesPolicy: true }],
    ['$Latest, whose latest is the engine\'s but on another image',
      { version: '$Latest', resolvedVersion: 4, latestVersion: { number: 4, imageIdExpression: OLD_AMI, createdByEngine: true } },
      { kind: 'create-template-version', group: GROUP, launchTemplateId: TEMPLATE_ID, sourceVersion: 4, imageId: NEW_AMI, use: 'none', mixedInstancesPolicy: false }],
    ['a numeric version, the latest on the target image but not created by the engine',
      { version: '3', resolvedVersion: 3, latestVersion: { number: 4, imageIdExpression: NEW_AMI, createdByEngine: false } },
      { kind: 'create-template-version', group: GROUP, launchTemplateId: TEMPLATE_ID, sourceVersion: 3, imageId: NEW_AMI, use: 'group-version', mixedInstancesPolicy: false }],
    ['a numeric version, the engine\'s latest on another image',
      { version: '3', resolvedVersion: 3, latestVersion: { number: 4, imageIdExpression: OLD_AMI, createdByEngine: true } },
      { kind: 'create-template-version', group: GROUP, launchTemplateId: TEMPLATE_ID, sourceVersion: 3, imageId: NEW_AMI, use: 'group-version', mixedInstancesPolicy: false }],
    ['a numeric version, the engine\'s version on the target image already reused',
      { version: '3', resolvedVersion: 3, latestVersion: { number: 4, imageIdExpression: NEW_AMI, createdByEngine: true } },
      { kind: 'use-template-version', group: GROUP, launchTemplateId: TEMPLATE_ID, version: 4, use: 'group-version', mixedInstancesPolicy: false }],
    ['$Default, the engine\'s version on the target image already reused',
      { version: '$Default', resolvedVersion: 3, latestVersion: { number: 9, imageIdExpression: NEW_AMI, createdByEngine: true } },
      { kind: 'use-template-version', group: GROUP, launchTemplateId: TEMPLATE_ID, version: 9, use: 'default-version', mixedInstancesPolicy: false }],
    ['a mixed instances policy, the engine\'s version reused',
      { version: '3', resolvedVersion: 3, mixedInstancesPolicy: true, latestVersion: { number: 4, imageIdExpression: NEW_AMI, createdByEngine: true } },
      { kind: 'use-template-version', group: GROUP, launchTemplateId: TEMPLATE_ID, version: 4, use: 'group-version', mixedInstancesPolicy: true }],
  ])('%s', (_name, source, expected) => {
    const rotation = rotate(
      { ...fourOutdated, launchSource: templateSource({ launchTemplateId: TEMPLATE_ID, ...source }) },
      imageDecision(allFour, { updateLaunchSource: true }),
      { maxUnavailable: { count: 4 } },
    );
    expect(rotation.actions).toEqual([expected]);
    expect(rotation.phase).toBe('updating-launch-template');
    expect(kinds(rotation)).not.toContain('start-batch');
    expect(rotation.inFlight).toBe(0);
  });

  it('a batch in flight goes on while the launch source is updated (a newer image appeared mid-rotation)', () => {
    const rotation = rotate(
      {
        desired: 3,
        tags: batchTag({ base: 2, target: 3, originalMax: 4, startedAt: NOW - 1000 }),
        members: [member(1, { container: { phase: REPLACING } }), member(2), member(3)],
      },
      imageDecision([id(1)], { updateLaunchSource: true }),
    );
    expect(kinds(rotation)).toEqual(['create-template-version', 'drain']);
    expect(rotation.inFlight).toBe(1);
  });

  it.each<[string, LaunchSource, RegExp]>([
    ['a launch configuration whose copy cannot be named in 255 characters', { kind: 'launch-configuration', launchConfigurationName: 'web-lc-2021' },
      /launch configuration web-lc-2021, and a copy's name .* cannot fit the 255 characters AWS allows; migrate the group to a launch template/],
    ['no launch source', { kind: 'none' }, /could not be resolved/],
    ['an unresolved template version', templateSource({ version: '$Default', resolvedVersion: undefined }), /could not be resolved/],
  ])('stops on %s, naming it', (_name, launchSource, reason) => {
    // A cluster name of 240 characters leaves no room for a launch configuration copy's name.
    const input = rotationInput({ ...fourOutdated, launchSource });
    const rotation = rotateGroup({ ...input.observed, clusterName: 'c'.repeat(240) }, input.group,
      imageDecision(allFour, { updateLaunchSource: true }), rotationConfig());
    expect(rotation.phase).toBe('stopped');
    expect(rotation.stoppedReason).toMatch(reason);
    expect(rotation.stoppedReason).toContain(GROUP);
    expect(rotation.actions).toEqual([]);
  });

  it('a forced run still records its intent on a group it stops for its launch source', () => {
    const rotation = rotate({ ...fourOutdated, launchSource: { kind: 'none' } }, imageDecision(allFour, { updateLaunchSource: true }), { force: true });
    expect(rotation.phase).toBe('stopped');
    expect(rotation.actions).toEqual([{ kind: 'set-replace-before', group: GROUP, before: NOW }]);
  });

  it.each<[string, string, string]>([
    ['an original configuration', 'web-lc-2021', `ecs-ami-refresher.${'prod'}.${NEW_AMI}.web-lc-2021`],
    ['a copy this engine made for an older image', `ecs-ami-refresher.prod.${OLD_AMI}.web-lc-2021`, `ecs-ami-refresher.prod.${NEW_AMI}.web-lc-2021`],
    ['a copy made for another cluster', `ecs-ami-refresher.other.${OLD_AMI}.web-lc-2021`, `ecs-ami-refresher.prod.${NEW_AMI}.ecs-ami-refresher.other.${OLD_AMI}.web-lc-2021`],
  ])('a launch configuration (%s) is copied with the target image under a name derived from both, and nothing else happens', (_name, source, copy) => {
    const rotation = rotate(
      { ...fourOutdated, launchSource: { kind: 'launch-configuration', launchConfigurationName: source } },
      imageDecision(allFour, { updateLaunchSource: true }),
    );
    expect(rotation.phase).toBe('updating-launch-template');
    expect(rotation.actions).toEqual([{ kind: 'switch-launch-configuration', group: GROUP, sourceName: source, name: copy, imageId: NEW_AMI, at: NOW }]);
  });
});

describe('a mixed instances policy whose overrides carry launch templates of their own', () => {
  const override = (templateId: string, version: string, image: string, latest?: { number: number; image: string }) => ({
    fields: { InstanceType: 'c6i.large', WeightedCapacity: '2' },
    template: {
      launchTemplateId: templateId,
      version,
      resolvedVersion: 1,
      imageIdExpression: image,
      ...(latest ? { latestVersion: { number: latest.number, imageIdExpression: latest.image, createdByEngine: true } } : {}),
    },
  });
  const plain = { fields: { InstanceType: 'm6i.large' } };

  it.each<[string, Parameters<typeof templateSource>[0], ReadonlyArray<Record<string, unknown>>]>([
    ['every template behind: one step each, the group\'s first, a template named twice once',
      { version: '3', resolvedVersion: 3, mixedInstancesPolicy: true, overrides: [plain, override('lt-a', '1', OLD_AMI), override('lt-a', '1', OLD_AMI), override('lt-b', '$Default', OLD_AMI)] },
      [{ launchTemplateId: TEMPLATE_ID, reference: '3', sourceVersion: 3 }, { launchTemplateId: 'lt-a', reference: '1', sourceVersion: 1 },
        { launchTemplateId: 'lt-b', reference: '$Default', sourceVersion: 1 }]],
    ['a version this engine made for the image (a killed run) is reused, not made again',
      { version: '3', resolvedVersion: 3, mixedInstancesPolicy: true, overrides: [override('lt-a', '1', OLD_AMI, { number: 2, image: NEW_AMI })] },
      [{ launchTemplateId: TEMPLATE_ID, reference: '3', sourceVersion: 3 }, { launchTemplateId: 'lt-a', reference: '1', reuseVersion: 2 }]],
    ['templates already on the image, or resolving the parameter at launch, have no step',
      { version: '3', resolvedVersion: 3, mixedInstancesPolicy: true, overrides: [override('lt-a', '1', NEW_AMI), override('lt-b', '1', 'resolve:ssm:/p'), override('lt-c', '$Latest', OLD_AMI)] },
      [{ launchTemplateId: TEMPLATE_ID, reference: '3', sourceVersion: 3 }, { launchTemplateId: 'lt-c', reference: '$Latest', sourceVersion: 1 }]],
  ])('%s', (_name, source, steps) => {
    const rotation = rotate({ ...fourOutdated, launchSource: templateSource({ launchTemplateId: TEMPLATE_ID, ...source }) },
      imageDecision(allFour, { updateLaunchSource: true }));
    expect(rotation.phase).toBe('updating-launch-template');
    const [action] = ofKind(rotation, 'update-mixed-templates');
    expect(action.steps).toEqual(steps);
    expect(action.main).toEqual({ launchTemplateId: TEMPLATE_ID, version: '3' });
    // The overrides travel as observed, so the policy is written back whole.
    expect(action.overrides).toEqual(source!.overrides);
  });
});

// -----------------------------------------------------------------------------------------------------------------
// 2. Starting a batch
// -----------------------------------------------------------------------------------------------------------------

describe('start-batch', () => {
  interface StartCase {
    readonly spec: RotationSpec;
    readonly outdated: readonly string[];
    readonly maxUnavailable: RotationConfig['maxUnavailable'];
    readonly chosen: readonly number[];
    readonly raiseMaxTo?: number;
    readonly budget: number;
  }

  const serving = (n: number) => [...Array(n).keys()].map((i) => member(i + 1));

  it.each<[string, StartCase]>([
    ['a count of 1 takes the first two outdated (one drains while the other\'s replacement boots)', {
      spec: fourOutdated, outdated: allFour, maxUnavailable: { count: 1 }, chosen: [1, 2], budget: 1,
    }],
    ['a count of 2 takes four in the given order', {
      spec: { desired: 6, max: 10, members: serving(6) },
      outdated: [3, 1, 6, 4, 2].map(id),
      maxUnavailable: { count: 2 },
      chosen: [3, 1, 6, 4],
      budget: 2,
    }],
    ['a count above the outdated takes them all', {
      spec: fourOutdated, outdated: [id(2), id(4)], maxUnavailable: { count: 5 }, chosen: [2, 4], budget: 5,
    }],
    ['a count of 0 still takes one budget', { spec: fourOutdated, outdated: allFour, maxUnavailable: { count: 0 }, chosen: [1, 2], budget: 1 }],
    ['50 % of 5 is 2 (rounded down)', {
      spec: { desired: 5, max: 9, members: serving(5) },
      outdated: [1, 2, 3, 4, 5].map(id),
      maxUnavailable: { percent: 50 },
      chosen: [1, 2, 3, 4],
      budget: 2,
    }],
    ['10 % of 4 is at least 1', { spec: fourOutdated, outdated: allFour, maxUnavailable: { percent: 10 }, chosen: [1, 2], budget: 1 }],
    ['34 % of 3 is 1', {
      spec: { desired: 3, max: 5, members: serving(3) }, outdated: [1, 2, 3].map(id), maxUnavailable: { percent: 34 }, chosen: [1, 2], budget: 1,
    }],
    ['100 % of 4 is all of them', { spec: fourOutdated, outdated: allFour, maxUnavailable: { percent: 100 }, chosen: [1, 2, 3, 4], raiseMaxTo: 8, budget: 4 }],
    ['no setting: 10 % (at least 1)', {
      spec: { desired: 20, max: 30, members: serving(20) }, outdated: [5, 6, 7, 8, 9].map(id), maxUnavailable: {}, chosen: [5, 6, 7, 8], budget: 2,
    }],
    ['a window larger than the outdated takes them all', {
      spec: { desired: 20, max: 30, members: serving(20) }, outdated: [5, 6, 7].map(id), maxUnavailable: {}, chosen: [5, 6, 7], budget: 2,
    }],
    ['a count wins over a percent', { spec: fourOutdated, outdated: allFour, maxUnavailable: { count: 1, percent: 100 }, chosen: [1, 2], budget: 1 }],
    ['max raised when the target exceeds it', {
      spec: { ...fourOutdated, max: 4 }, outdated: allFour, maxUnavailable: { count: 1 }, chosen: [1, 2], raiseMaxTo: 6, budget: 1,
    }],
    ['max not raised when the target equals it', {
      spec: { ...fourOutdated, max: 6 }, outdated: allFour, maxUnavailable: { count: 1 }, chosen: [1, 2], budget: 1,
    }],
    ['only InService members with an ACTIVE container are taken', {
      spec: {
        desired: 7,
        max: 9,
        members: [
          member(1, { lifecycleState: 'Pending' }),
          member(2, { container: { status: 'DRAINING' } }),
          member(3, { container: false }),
          member(4, { lifecycleState: 'Standby' }),
          member(5, { container: { status: 'REGISTERING' } }),
          member(6, { lifecycleState: 'Terminating:Wait' }),
          member(7, { container: { running: 9, agentConnected: false } }),
          member(8),
        ],
      },
      outdated: [1, 2, 3, 4, 5, 6, 7, 8].map(id),
      maxUnavailable: { count: 2 },
      chosen: [7, 8],
      budget: 2,
    }],
    ['an outdated id that is not a member is never taken', {
      spec: fourOutdated, outdated: [instanceId(99), id(2)], maxUnavailable: { count: 2 }, chosen: [2], budget: 2,
    }],
  ])('%s', (_name, c) => {
    const rotation = rotate(c.spec, c.outdated, { maxUnavailable: c.maxUnavailable });
    const base = c.spec.desired;
    const target = base + c.chosen.length;
    expect(rotation.actions).toEqual([{
      kind: 'start-batch',
      group: GROUP,
      // AZRebalance is running in these groups: the batch suspends it for its length.
      batch: { base, target, originalMax: c.spec.max, startedAt: NOW, suspendedAzRebalance: true },
      containerInstanceArns: c.chosen.map(arn),
      raiseMaxTo: c.raiseMaxTo,
    }]);
    expect(ofKind(rotation, 'start-batch')[0].raiseMaxTo).toBe(c.raiseMaxTo);
    expect(rotation.phase).toBe('replacing');
    expect(rotation.inFlight).toBe(c.chosen.length);
    expect(rotation.budget).toBe(c.budget);
  });

  it.each<[string, RotationSpec, readonly string[]]>([
    ['nothing outdated', fourOutdated, []],
    ['only booting members outdated', { desired: 2, members: [member(1, { lifecycleState: 'Pending:Wait' }), member(2)] }, [id(1)]],
    ['only a draining container outdated', { desired: 2, members: [member(1, { container: { status: 'DRAINING' } }), member(2)] }, [id(1)]],
    ['an empty group', { desired: 0, members: [] }, []],
    ['a garbage mark is not a mark', { desired: 1, members: [member(1, { container: { phase: 'replacing-ish' } })] }, []],
  ])('does nothing with %s (idle)', (_name, spec, outdated) => {
    const rotation = rotate(spec, outdated, { maxUnavailable: { count: 3 } });
    expect(rotation).toEqual({ phase: 'idle', actions: [], inFlight: 0, budget: 3 });
  });
});

// -----------------------------------------------------------------------------------------------------------------
// 3. A batch in flight
// -----------------------------------------------------------------------------------------------------------------

describe('a batch in flight', () => {
  const started = NOW - 60_000;
  const batch = (base: number, target: number, originalMax = base + 2, startedAt = started) =>
    batchTag({ base, target, originalMax, startedAt });

  describe('replacement capacity', () => {
    it.each<[string, number, number, number | undefined]>([
      ['desired never raised', 2, 4, undefined],
      ['desired never raised, above max', 2, 2, 3],
      ['desired lowered by someone', 1, 5, undefined],
    ])('%s: sets desired back to base + marked', (_name, desired, max, raiseMaxTo) => {
      const rotation = rotate({
        desired,
        max,
        tags: batch(2, 3),
        members: [member(1, { container: { phase: REPLACING } }), member(2, { lifecycleState: 'Pending' })],
      }, [id(1)]);
      expect(ofKind(rotation, 'set-desired')).toEqual([{ kind: 'set-desired', group: GROUP, desired: 3, raiseMaxTo }]);
      expect(kinds(rotation)).not.toContain('drain');
    });

    it('leaves desired alone when it is already at base + marked (or above)', () => {
      for (const desired of [3, 4]) {
        const rotation = rotate({
          desired,
          tags: batch(2, 3),
          members: [member(1, { container: { phase: REPLACING } }), member(2, { lifecycleState: 'Pending' })],
        }, [id(1)]);
        expect(kinds(rotation)).not.toContain('set-desired');
      }
    });
  });

  describe('drain once replacements are ready', () => {
    /** Base 2: members 1 and 2 (marked) are replaced by 3 and 4. */
    const replacingSpec = (third: MemberSpec, fourth: MemberSpec = member(4)): RotationSpec => ({
      desired: 4,
      tags: batch(2, 4),
      members: [member(1, { container: { phase: REPLACING, running: 3 } }), member(2, { container: { phase: REPLACING } }), third, fourth],
    });

    it('drains every replacing instance when their replacements serve and the budget allows', () => {
      const rotation = rotate(replacingSpec(member(3)), [id(1), id(2)], { maxUnavailable: { count: 2 } });
      expect(rotation.actions).toEqual([{
        kind: 'drain', group: GROUP, containerInstanceArns: [arn(1), arn(2)], alreadyMarked: [], since: NOW,
      }]);
      expect(rotation.phase).toBe('draining');
      expect(rotation.inFlight).toBe(2);
    });

    it('drains no more than the budget at once, the longest marked first', () => {
      const spec = replacingSpec(member(3));
      const rotation = rotate({
        ...spec,
        members: [
          member(1, { container: { phase: encodePhase({ kind: 'replacing', since: NOW - 1000 }) } }),
          member(2, { container: { phase: encodePhase({ kind: 'replacing', since: NOW - 5000 }) } }),
          member(3), member(4),
        ],
      }, [id(1), id(2)], { maxUnavailable: { count: 1 } });
      expect(rotation.actions).toEqual([{ kind: 'drain', group: GROUP, containerInstanceArns: [arn(2)], alreadyMarked: [], since: NOW }]);
    });

    it('counts draining instances against the budget', () => {
      const rotation = rotate({
        desired: 5,
        tags: batch(3, 5),
        members: [
          member(1, { container: { phase: drainingSince(NOW - 1000), status: 'DRAINING', running: 2 } }),
          member(2, { container: { phase: REPLACING } }),
          member(3), member(4), member(5),
        ],
      }, [id(1), id(2)], { maxUnavailable: { count: 1 } });
      expect(kinds(rotation)).toEqual([]);
      expect(rotation.phase).toBe('draining');
    });

    it('counts an unmarked instance on the old image as ready capacity (ready > base)', () => {
      const rotation = rotate({ ...replacingSpec(member(3)), members: [...replacingSpec(member(3)).members!, member(5)] }, [id(1), id(2)]);
      expect(kinds(rotation)).toEqual(['drain']);
    });

    it.each<[string, MemberSpec]>([
      ['still Pending', member(3, { lifecycleState: 'Pending' })],
      ['in a lifecycle hook', member(3, { lifecycleState: 'Pending:Wait' })],
      ['not registered in the cluster', member(3, { container: false })],
      ['REGISTERING', member(3, { container: { status: 'REGISTERING' } })],
      ['its agent disconnected', member(3, { container: { agentConnected: false } })],
      ['DRAINING (not by the engine)', member(3, { container: { status: 'DRAINING' } })],
      ['Terminating', member(3, { lifecycleState: 'Terminating' })],
      ['in Standby', member(3, { lifecycleState: 'Standby' })],
    ])('does not count a replacement that is %s as serving: drains one, not both', (_name, third) => {
      // Serving: 1 and 2 (marked, still ACTIVE) and 4; base 2: one may go.
      const rotation = rotate(replacingSpec(third), [id(1), id(2)], { maxUnavailable: { count: 2 } });
      expect(rotation.actions).toEqual([{ kind: 'drain', group: GROUP, containerInstanceArns: [arn(1)], alreadyMarked: [], since: NOW }]);
    });

    it('drains nothing while no replacement serves (serving = base)', () => {
      const rotation = rotate(replacingSpec(member(3, { lifecycleState: 'Pending' }), member(4, { container: false })), [id(1), id(2)], {
        maxUnavailable: { count: 2 },
      });
      expect(rotation.actions).toEqual([]);
      expect(rotation.phase).toBe('replacing');
    });

    it('a marked instance still serves until it drains: capacity is counted with it', () => {
      const rotation = rotate({
        desired: 3,
        tags: batch(2, 3),
        members: [member(1, { container: { phase: REPLACING } }), member(2), member(3, { container: { phase: REPLACING } })],
      }, [id(1)]);
      // Base 2, serving 3 (members 1, 2 and 3): one may drain; desired is repaired to base + marked.
      expect(rotation.actions).toEqual([
        { kind: 'set-desired', group: GROUP, desired: 4, raiseMaxTo: undefined },
        { kind: 'drain', group: GROUP, containerInstanceArns: [arn(1)], alreadyMarked: [], since: NOW },
      ]);
    });

    it.each<[string, number, 'stopped' | 'replacing']>([
      ['past the readiness timeout: stops', 900_001, 'stopped'],
      ['exactly at the readiness timeout: waits', 900_000, 'replacing'],
      ['before the readiness timeout: waits', 10_000, 'replacing'],
    ])('%s', (_name, age, phase) => {
      const spec = { ...replacingSpec(member(3, { lifecycleState: 'Pending' }), member(4, { lifecycleState: 'Pending' })), tags: batch(2, 4, 4, NOW - age) };
      const rotation = rotate(spec, [id(1), id(2)], { readinessTimeoutSeconds: 900 });
      expect(rotation.phase).toBe(phase);
      expect(rotation.actions).toEqual([]);
      if (phase === 'stopped') {
        expect(rotation.stoppedReason).toMatch(/did not become ACTIVE in the cluster within 900 s \(2 instances serving, 3 needed to drain one\)/);
        expect(rotation.stoppedReason).toContain(GROUP);
      } else {
        expect(rotation.stoppedReason).toBeUndefined();
      }
    });

    // Regressions of defects the properties below found.
    it('does not set an instance DRAINING again while the rest of the group is below its base', () => {
      const rotation = rotate({
        desired: 3,
        tags: batch(2, 3, 4, NOW - 60_000),
        members: [
          member(1, { container: { phase: drainingSince(NOW - 1000), status: 'ACTIVE', running: 2 } }),
          member(2),
          member(3, { lifecycleState: 'Pending' }),
        ],
      }, [id(1)]);
      expect(rotation.actions.filter((a) => a.kind === 'drain')).toEqual([]);
    });

    it('a drain past its timeout (stop) drains no replacing instance in the same decision', () => {
      const rotation = rotate({
        desired: 4,
        tags: batch(2, 4, 6, NOW - 1000),
        members: [
          member(1, { container: { phase: REPLACING, running: 3 } }),
          member(2, { container: { phase: drainingSince(NOW - 700_000), status: 'DRAINING', running: 2 } }),
          member(3),
          member(4),
        ],
      }, [id(1), id(2)], { drainTimeoutSeconds: 600, onDrainTimeout: 'stop' });
      expect(rotation.phase).toBe('stopped');
      expect(rotation.actions).toEqual([]);
    });

    it('marks adopted while desired capacity is below their number make a batch that reads back', () => {
      const rotation = rotate({
        desired: 1,
        max: 3,
        members: [member(1, { container: { phase: REPLACING } }), member(2, { container: { phase: REPLACING } })],
      }, [id(1), id(2)]);
      const start = rotation.actions.find((a) => a.kind === 'start-batch');
      expect(start).toMatchObject({ batch: { base: 0, target: 2 } });
    });

    it('judges readiness from the mark of the longest-waiting instance, not the rotation start', () => {
      const spec = {
        ...replacingSpec(member(3, { lifecycleState: 'Pending' }), member(4, { lifecycleState: 'Pending' })),
        tags: batch(2, 4, 4, NOW - 10_000_000),
        members: [
          member(1, { container: { phase: encodePhase({ kind: 'replacing', since: NOW - 100_000 }) } }),
          member(2, { container: { phase: encodePhase({ kind: 'replacing', since: NOW - 200_000 }) } }),
          member(3, { lifecycleState: 'Pending' }), member(4, { lifecycleState: 'Pending' }),
        ],
      };
      expect(rotate(spec, [id(1), id(2)], { readinessTimeoutSeconds: 200 }).phase).toBe('replacing');
      expect(rotate(spec, [id(1), id(2)], { readinessTimeoutSeconds: 199 }).phase).toBe('stopped');
    });

    it('does not stop for readiness while another marked instance is draining', () => {
      const rotation = rotate({
        desired: 3,
        tags: batch(1, 3, 3, NOW - 10_000_000),
        members: [
          member(1, { container: { phase: REPLACING } }),
          member(2, { container: { phase: drainingSince(NOW - 1000), status: 'DRAINING', running: 1 } }),
          member(3, { lifecycleState: 'Pending' }),
        ],
      }, [id(1), id(2)], { readinessTimeoutSeconds: 60 });
      expect(rotation.phase).toBe('draining');
      expect(rotation.actions).toEqual([]);
    });
  });

  describe('terminate what ECS reports empty', () => {
    const drainStart = NOW - 120_000;
    const drainingSpec = (container: MemberSpec['container'], since = drainStart): RotationSpec => ({
      desired: 3,
      tags: batch(2, 3),
      members: [member(1, { container: { phase: drainingSince(since), status: 'DRAINING', ...(container || {}) } }), member(2), member(3)],
    });

    it('terminates an empty draining instance (not forced)', () => {
      const rotation = rotate(drainingSpec({ running: 0, pending: 0 }), [id(1)]);
      expect(rotation.actions).toEqual([{
        kind: 'terminate', group: GROUP, instanceId: id(1), containerInstanceArn: arn(1), forced: false, runningTasks: 0,
      }]);
      expect(rotation.phase).toBe('draining');
    });

    it.each<[string, number, number]>([
      ['running tasks', 2, 0],
      ['pending tasks only', 0, 1],
    ])('waits while it still has %s before the drain timeout', (_name, running, pending) => {
      const rotation = rotate(drainingSpec({ running, pending }), [id(1)], { drainTimeoutSeconds: 600 });
      expect(rotation.actions).toEqual([]);
      expect(rotation.phase).toBe('draining');
    });

    it('waits exactly at the drain timeout', () => {
      const rotation = rotate(drainingSpec({ running: 1 }, NOW - 600_000), [id(1)], { drainTimeoutSeconds: 600, onDrainTimeout: 'force' });
      expect(rotation.actions).toEqual([]);
    });

    it('stops past the drain timeout with onDrainTimeout stop, terminating nothing', () => {
      const rotation = rotate(drainingSpec({ running: 2, pending: 1 }, NOW - 600_001), [id(1)], { drainTimeoutSeconds: 600, onDrainTimeout: 'stop' });
      expect(rotation.phase).toBe('stopped');
      expect(kinds(rotation)).not.toContain('terminate');
      expect(rotation.actions).toEqual([]);
      expect(rotation.stoppedReason).toMatch(new RegExp(`instance ${id(1)} still runs 3 task\\(s\\) after the 600 s drain timeout`));
      expect(rotation.stoppedReason).toContain(GROUP);
    });

    it('still terminates the empty ones of a batch it stops', () => {
      const rotation = rotate({
        desired: 4,
        tags: batch(2, 4),
        members: [
          member(1, { container: { phase: drainingSince(NOW - 700_000), status: 'DRAINING', running: 1 } }),
          member(2, { container: { phase: drainingSince(NOW - 700_000), status: 'DRAINING' } }),
          member(3),
          member(4),
        ],
      }, [id(1), id(2)], { drainTimeoutSeconds: 600, onDrainTimeout: 'stop' });
      expect(rotation.phase).toBe('stopped');
      expect(rotation.actions).toEqual([{
        kind: 'terminate', group: GROUP, instanceId: id(2), containerInstanceArn: arn(2), forced: false, runningTasks: 0,
      }]);
    });

    it('terminates past the drain timeout with onDrainTimeout force (forced, counting running + pending)', () => {
      const rotation = rotate(drainingSpec({ running: 2, pending: 1 }, NOW - 600_001), [id(1)], { drainTimeoutSeconds: 600, onDrainTimeout: 'force' });
      expect(rotation.actions).toEqual([{
        kind: 'terminate', group: GROUP, instanceId: id(1), forced: true, runningTasks: 3,
      }]);
      expect(rotation.phase).toBe('draining');
    });

    it('sets DRAINING again (only the state call) for one marked draining but still ACTIVE, never terminating it', () => {
      const rotation = rotate(drainingSpec({ status: 'ACTIVE', running: 0 }, NOW - 10_000_000), [id(1)], { onDrainTimeout: 'force' });
      expect(rotation.actions).toEqual([{
        kind: 'drain', group: GROUP, containerInstanceArns: [arn(1)], alreadyMarked: [arn(1)], since: NOW,
      }]);
    });

    it('never terminates an instance whose container is gone or not DRAINING', () => {
      for (const container of [{ status: 'INACTIVE' }, { status: 'REGISTERING' }, { status: 'DEREGISTERING' }]) {
        const rotation = rotate(drainingSpec(container, NOW - 10_000_000), [id(1)], { onDrainTimeout: 'force' });
        expect(kinds(rotation)).not.toContain('terminate');
      }
    });

    it('never terminates a DRAINING instance it did not mark', () => {
      const rotation = rotate({
        desired: 3,
        tags: batch(2, 3),
        members: [
          member(1, { container: { phase: REPLACING } }),
          member(2, { container: { status: 'DRAINING', running: 0 } }),
          member(3, { container: { status: 'DRAINING', running: 0, phase: 'draining:yesterday' } }),
        ],
      }, [id(1), id(2), id(3)]);
      expect(kinds(rotation)).not.toContain('terminate');
    });
  });

  describe('the window refills as instances go', () => {
    /** Base 4, a window of 2: member 1 drained empty, member 2 replacing, 3 and 4 outdated, 5 and 6 new. */
    const refill = (overrides: Partial<RotationSpec> = {}): RotationSpec => ({
      desired: 6,
      max: 8,
      tags: batch(4, 6),
      members: [
        member(1, { container: { phase: drainingSince(NOW - 60_000), status: 'DRAINING', running: 0 } }),
        member(2, { container: { phase: REPLACING } }),
        member(3, { container: { running: 5 } }), member(4, { container: { running: 7 } }), member(5), member(6),
      ],
      ...overrides,
    });

    it('marks the next outdated instance in the slot of the one terminated, and drains the next in the same round', () => {
      const rotation = rotate(refill(), [id(1), id(2), id(3), id(4)], { maxUnavailable: { count: 1 } });
      expect(rotation.actions).toEqual([
        { kind: 'mark-more', group: GROUP, containerInstanceArns: [arn(3)], since: NOW, raiseDesiredTo: undefined, raiseMaxTo: undefined },
        { kind: 'terminate', group: GROUP, instanceId: id(1), containerInstanceArn: arn(1), forced: false, runningTasks: 0, decrement: false },
        { kind: 'drain', group: GROUP, containerInstanceArns: [arn(2)], alreadyMarked: [], since: NOW },
      ]);
      expect(rotation.inFlight).toBe(2);
      expect(rotation.phase).toBe('draining');
    });

    it('raises desired capacity for the marks no termination makes room for, never lowering it', () => {
      const rotation = rotate(refill({ tags: batch(4, 8) }), [id(1), id(2), id(3), id(4)], { maxUnavailable: { count: 2 } });
      expect(ofKind(rotation, 'mark-more')).toEqual([
        { kind: 'mark-more', group: GROUP, containerInstanceArns: [arn(3), arn(4)], since: NOW, raiseDesiredTo: 7, raiseMaxTo: undefined },
      ]);
      expect(ofKind(rotation, 'terminate').map((t) => t.decrement)).toEqual([false]);
    });

    it('decrements when nothing is left to mark', () => {
      const rotation = rotate(refill(), [id(1), id(2)], { maxUnavailable: { count: 1 } });
      expect(kinds(rotation)).toEqual(['terminate', 'drain']);
      expect(ofKind(rotation, 'terminate')[0].decrement).toBeUndefined();
    });

    it('takes on nothing more while Launch is suspended, and gives the slot back', () => {
      const spec = refill();
      const { observed, group } = rotationInput(spec);
      const rotation = rotateGroup(observed, { ...group, suspendedProcesses: ['Launch'] }, imageDecision([id(1), id(2), id(3), id(4)]), rotationConfig());
      expect(kinds(rotation)).toEqual(['terminate', 'drain']);
      expect(ofKind(rotation, 'terminate')[0].decrement).toBe(true);
      expect(rotation.phase).toBe('waiting');
    });
  });

  describe('finish and adopt', () => {
    it('never restores max below the desired capacity (it would terminate instances undrained)', () => {
      const rotation = rotate({ desired: 5, max: 5, tags: batch(4, 5, 4), members: [member(1), member(2), member(3), member(4), member(5)] }, []);
      expect(rotation.actions).toEqual([{ kind: 'finish-batch', group: GROUP, restoreMaxTo: undefined }]);
    });

    it.each<[string, number, number, number, number | undefined]>([
      ['max raised by the batch: restored', 5, 5, 4, 4],
      ['max raised by the batch, then changed by someone: left alone', 7, 5, 4, undefined],
      ['max never raised (someone else raised it): left alone', 6, 4, 4, undefined],
      ['max unchanged: left alone', 4, 4, 4, undefined],
      ['max lowered by someone: left alone', 3, 4, 4, undefined],
    ])('finishes the batch when every marked instance is gone; %s', (_name, max, target, originalMax, restoreMaxTo) => {
      const rotation = rotate({
        desired: 2,
        max,
        tags: batch(2, target, originalMax),
        members: [
          member(1, { lifecycleState: 'Terminating:Wait', container: { phase: drainingSince(NOW - 1000), status: 'DRAINING' } }),
          member(3),
          member(4),
        ],
      }, []);
      expect(rotation.actions).toEqual([{ kind: 'finish-batch', group: GROUP, restoreMaxTo }]);
      expect(rotation.phase).toBe('idle');
      expect(rotation.inFlight).toBe(0);
    });

    it.each<[string, Record<string, string>]>([
      ['no batch tag', {}],
      ['a batch tag it did not write', { [BATCH_TAG]: 'half-done' }],
      ['a batch tag with target below base', { [BATCH_TAG]: '5:3:6:100' }],
    ])('adopts marks found with %s as a batch already counted in desired', (_name, tags) => {
      const rotation = rotate({
        desired: 5,
        max: 6,
        tags,
        members: [
          member(1, { container: { phase: REPLACING } }),
          member(2, { container: { phase: drainingSince(NOW - 1000), status: 'DRAINING' } }),
          member(3), member(4), member(5),
        ],
      }, [id(1), id(2), id(3)], { maxUnavailable: { count: 3 } });
      expect(rotation.actions).toEqual([{
        kind: 'start-batch',
        group: GROUP,
        // Held like a started rotation's: AZ rebalancing would terminate instances of its own choosing.
        batch: { base: 3, target: 5, originalMax: 6, startedAt: NOW, suspendedAzRebalance: true },
        containerInstanceArns: [],
      }]);
      expect(ofKind(rotation, 'start-batch')[0].raiseMaxTo).toBeUndefined();
      expect(rotation.phase).toBe('replacing');
      expect(rotation.inFlight).toBe(2);
    });
  });
});

// -----------------------------------------------------------------------------------------------------------------
// 4. Forced runs
// -----------------------------------------------------------------------------------------------------------------

describe('forced replacement', () => {
  const before = NOW - 3_600_000;

  it.each<[string, RotationSpec, readonly string[], boolean, Action[]]>([
    ['force without the tag: records it', fourOutdated, allFour, true,
      [{ kind: 'set-replace-before', group: GROUP, before: NOW }, expect.objectContaining({ kind: 'start-batch' })]],
    ['force without the tag, nothing outdated: records it', fourOutdated, [], true,
      [{ kind: 'set-replace-before', group: GROUP, before: NOW }]],
    ['force with a tag it did not write: records it', { ...fourOutdated, tags: { [REPLACE_BEFORE_TAG]: 'soon' } }, [], true,
      [{ kind: 'set-replace-before', group: GROUP, before: NOW }]],
    ['force with the tag: nothing more', { ...fourOutdated, tags: replaceBeforeTag(before) }, [], true, []],
    ['the tag, nothing outdated, not forced: clears it', { ...fourOutdated, tags: replaceBeforeTag(before) }, [], false,
      [{ kind: 'clear-replace-before', group: GROUP }]],
    ['the tag, an outdated instance still booting: keeps it',
      { desired: 2, tags: replaceBeforeTag(before), members: [member(1, { lifecycleState: 'Pending' }), member(2)] }, [id(1)], false, []],
    ['the tag, a batch finishing: keeps it for now', {
      desired: 2,
      tags: { ...replaceBeforeTag(before), ...batchTag({ base: 2, target: 3, originalMax: 4, startedAt: before }) },
      members: [member(1), member(2)],
    }, [], false, [{ kind: 'finish-batch', group: GROUP, restoreMaxTo: undefined }]],
    ['no tag, not forced: nothing', fourOutdated, [], false, []],
  ])('%s', (_name, spec, outdated, force, expected) => {
    const rotation = rotate(spec, outdated, { force });
    expect(rotation.actions).toEqual(expected);
  });
});

// -----------------------------------------------------------------------------------------------------------------
// 5. Properties: the safety rules hold for every generated group state
// -----------------------------------------------------------------------------------------------------------------

const LIFECYCLE_STATES = [
  'InService', 'InService', 'InService', 'Pending', 'Pending:Wait', 'Pending:Proceed', 'Standby', 'EnteringStandby',
  'Terminating', 'Terminating:Wait', 'Terminating:Proceed', 'Terminated', 'Detaching', 'Detached',
] as const;

interface GeneratedMember {
  readonly lifecycleState: string;
  readonly container?: {
    readonly status: string;
    readonly agentConnected: boolean;
    readonly running: number;
    readonly pending: number;
    /** none, replacing, draining for this percentage of the drain timeout, or garbage. */
    readonly phase: { kind: 'none' } | { kind: 'replacing' } | { kind: 'draining'; agePercent: number } | { kind: 'garbage'; value: string };
    readonly cordoned?: boolean;
    /** Its tasks, as a policy read them (absent: not read). */
    readonly tasks?: ReadonlyArray<{ readonly service?: string; readonly status: string }>;
    /** Registered this many ms before the observation (absent: unknown). */
    readonly registeredAgo?: number;
  };
  readonly outdated: boolean;
  readonly order: number;
}

/** An age in percent of its timeout: 100 is exactly the timeout. */
const agePercentArb = fc.oneof(fc.integer({ min: 0, max: 200 }), fc.constant(100));

/** Tasks of two replica services (a, b), a daemon (d), and standalone ones; sometimes not read. */
const tasksArb = fc.option(fc.array(fc.record({
  service: fc.constantFrom('a', 'b', 'd', undefined),
  status: fc.constantFrom('RUNNING', 'RUNNING', 'PENDING'),
}), { maxLength: 3 }), { nil: undefined, freq: 4 });
const registeredAgoArb = fc.option(fc.integer({ min: 0, max: 7_200_000 }), { nil: undefined });
const serviceArb = fc.record({ running: fc.nat(3), desired: fc.nat(3), deployments: fc.constantFrom(1, 1, 1, 2) });

type GeneratedContainer = NonNullable<GeneratedMember['container']>;

const phaseArb: fc.Arbitrary<GeneratedContainer['phase']> = fc.oneof(
  fc.constant({ kind: 'none' as const }),
  fc.constant({ kind: 'replacing' as const }),
  fc.record({ kind: fc.constant('draining' as const), agePercent: agePercentArb }),
  fc.record({ kind: fc.constant('garbage' as const), value: fc.constantFrom('draining:', 'draining:-1', 'replaced', 'draining:1.5', '') }),
);

/** Any combination of states, however unlikely. */
const randomMemberArb: fc.Arbitrary<GeneratedMember> = fc.record({
  lifecycleState: fc.constantFrom(...LIFECYCLE_STATES),
  container: fc.option(fc.record({
    status: fc.constantFrom('ACTIVE', 'ACTIVE', 'DRAINING', 'DRAINING', 'REGISTERING', 'INACTIVE'),
    agentConnected: fc.boolean(),
    running: fc.oneof(fc.constant(0), fc.nat(4)),
    pending: fc.oneof(fc.constant(0), fc.constant(0), fc.nat(2)),
    phase: phaseArb,
    cordoned: fc.boolean(),
    tasks: tasksArb,
    registeredAgo: registeredAgoArb,
  }), { nil: undefined, freq: 6 }),
  outdated: fc.boolean(),
  order: fc.nat(1000),
});

/** The members a rotation is made of (a ready replacement, a replacing, draining or re-draining one), so they meet often. */
const roleMemberArb: fc.Arbitrary<GeneratedMember> = fc.record({
  role: fc.constantFrom('ready', 'ready', 'replacing', 'draining', 'draining', 'draining-active'),
  running: fc.oneof(fc.constant(0), fc.nat(3)),
  agePercent: agePercentArb,
  outdated: fc.boolean(),
  order: fc.nat(1000),
  tasks: tasksArb,
  registeredAgo: registeredAgoArb,
}).map(({ role, running, agePercent, outdated, order, tasks, registeredAgo }): GeneratedMember => ({
  lifecycleState: 'InService',
  container: {
    status: role === 'draining' ? 'DRAINING' : 'ACTIVE',
    agentConnected: true,
    running,
    pending: 0,
    phase: role === 'ready' ? { kind: 'none' } : role === 'replacing' ? { kind: 'replacing' } : { kind: 'draining', agePercent },
    tasks,
    registeredAgo,
  },
  outdated: role === 'ready' ? outdated : true,
  order,
}));

/** A healthy canary: serving on the target image, its tasks (standalone or of service a) RUNNING. */
const canaryMemberArb: fc.Arbitrary<GeneratedMember> = fc.record({
  tasks: fc.array(fc.record({ service: fc.constantFrom('a', undefined), status: fc.constant('RUNNING') }), { maxLength: 2 }),
  order: fc.nat(1000),
}).map(({ tasks, order }): GeneratedMember => ({
  lifecycleState: 'InService',
  container: { status: 'ACTIVE', agentConnected: true, running: tasks.length, pending: 0, phase: { kind: 'none' }, tasks },
  outdated: false,
  order,
}));

const memberArb: fc.Arbitrary<GeneratedMember> = fc.oneof(randomMemberArb, roleMemberArb, canaryMemberArb);

const scenarioArb = fc.record({
  desired: fc.nat(8),
  headroom: fc.nat(3),
  members: fc.array(memberArb, { maxLength: 10 }),
  batch: fc.oneof(
    fc.constant({ kind: 'none' as const }),
    fc.record({
      kind: fc.constant('valid' as const),
      base: fc.oneof(fc.nat(3), fc.nat(8)),
      extra: fc.nat(4),
      originalMax: fc.nat(12),
      agePercent: agePercentArb,
      canary: fc.constantFrom('none', 'none', 'pending', 'soaking', 'soaked'),
      waitingPercent: fc.option(agePercentArb, { nil: undefined }),
    }),
    fc.record({ kind: fc.constant('garbage' as const), value: fc.constantFrom('in progress', '3:1:4:100', '-1:2:3:4', '') }),
  ),
  replaceBefore: fc.constantFrom<'none' | 'set' | 'garbage'>('none', 'set', 'garbage'),
  updateLaunchSource: fc.boolean().chain((b) => (b ? fc.boolean() : fc.constant(false))),
  launchSource: fc.constantFrom<LaunchSource>(
    templateSource({ version: '3', resolvedVersion: 3 }),
    templateSource({ version: '$Default', resolvedVersion: 3, mixedInstancesPolicy: true }),
    templateSource({ version: '$Latest', resolvedVersion: 3 }),
    templateSource({ version: '3', resolvedVersion: 3, latestVersion: { number: 4, imageIdExpression: NEW_AMI, createdByEngine: true } }),
    { kind: 'launch-configuration', launchConfigurationName: 'lc' },
  ),
  maxUnavailable: fc.oneof(
    fc.record({ count: fc.nat(4) }),
    fc.record({ percent: fc.integer({ min: 1, max: 100 }) }),
  ),
  drainTimeoutSeconds: fc.integer({ min: 1, max: 3600 }),
  readinessTimeoutSeconds: fc.integer({ min: 1, max: 3600 }),
  onDrainTimeout: fc.constantFrom<'stop' | 'force'>('stop', 'force'),
  force: fc.boolean(),
  cordon: fc.boolean(),
  canary: fc.option(fc.record({ count: fc.integer({ min: 1, max: 3 }), soakSeconds: fc.integer({ min: 1, max: 3600 }) }), { nil: undefined }),
  waitForSteadyServices: fc.boolean(),
  steadyServicesTimeoutSeconds: fc.option(fc.integer({ min: 1, max: 3600 }), { nil: undefined }),
  stopStandaloneTasksAfterSeconds: fc.option(fc.integer({ min: 0, max: 3600 }), { nil: undefined }),
  services: fc.record({ a: serviceArb, b: serviceArb, d: serviceArb }),
  /** Container instances of another group's instances, in the same cluster: never this group's to touch. */
  strangers: fc.array(fc.record({
    status: fc.constantFrom('ACTIVE', 'DRAINING'),
    running: fc.nat(2),
    marked: fc.constantFrom('replacing', 'draining', 'none'),
  }), { maxLength: 3 }),
});

type Scenario = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never;

interface Built {
  readonly observed: ReturnType<typeof rotationInput>['observed'];
  readonly group: ReturnType<typeof rotationInput>['group'];
  readonly decision: ImageDecision;
  readonly config: RotationConfig;
}

function build(s: Scenario): Built {
  const drainMs = s.drainTimeoutSeconds * 1000;
  const members: MemberSpec[] = s.members.map((m, i) => {
    const c = m.container;
    let phase: string | undefined;
    if (c?.phase.kind === 'replacing') phase = REPLACING;
    if (c?.phase.kind === 'draining') phase = drainingSince(NOW - Math.round((c.phase.agePercent * drainMs) / 100));
    if (c?.phase.kind === 'garbage') phase = c.phase.value;
    return member(i + 1, {
      lifecycleState: m.lifecycleState,
      container: c ? {
        status: c.status,
        agentConnected: c.agentConnected,
        running: c.running,
        pending: c.pending,
        phase,
        cordoned: c.cordoned ? NEW_AMI : undefined,
        tasks: c.tasks?.map((t, k) => ({ taskArn: `arn:aws:ecs:us-east-1:123456789012:task/prod/${i}-${k}`, lastStatus: t.status, service: t.service })),
        registeredAt: c.registeredAgo === undefined ? undefined : NOW - c.registeredAgo,
      } : false,
    });
  });
  const tags: Record<string, string> = {};
  if (s.batch.kind === 'valid') {
    tags[BATCH_TAG] = encodeBatch({
      base: s.batch.base,
      target: s.batch.base + s.batch.extra,
      originalMax: s.batch.originalMax,
      startedAt: NOW - Math.round((s.batch.agePercent * s.readinessTimeoutSeconds * 1000) / 100),
      ...(s.batch.canary === 'none' ? {} : { canary: s.batch.canary === 'pending' ? {} : { soakUntil: NOW + (s.batch.canary === 'soaking' ? 1000 : -1000) } }),
      ...(s.batch.waitingPercent === undefined ? {} : {
        waitingSince: NOW - Math.round((s.batch.waitingPercent * (s.steadyServicesTimeoutSeconds ?? s.drainTimeoutSeconds) * 1000) / 100),
      }),
    });
  }
  if (s.batch.kind === 'garbage') tags[BATCH_TAG] = s.batch.value;
  if (s.replaceBefore === 'set') tags[REPLACE_BEFORE_TAG] = String(NOW - 86_400_000);
  if (s.replaceBefore === 'garbage') tags[REPLACE_BEFORE_TAG] = 'tomorrow';

  const strangers: ObservedContainerInstance[] = s.strangers.map((st, i) => {
    const strangerId = instanceId(0x900 + i);
    const phase = st.marked === 'replacing' ? REPLACING : st.marked === 'draining' ? encodePhase({ kind: 'draining', since: 0 }) : undefined;
    return { ...containerOf(strangerId, { status: st.status, running: st.running, phase }), containerInstanceArn: containerInstanceArn(strangerId) };
  });

  const { observed, group } = rotationInput({
    desired: s.desired,
    max: s.desired + s.headroom,
    tags,
    members,
    launchSource: s.launchSource,
    strangers,
    services: Object.fromEntries(Object.entries(s.services).map(([name, v]) => [name, {
      name, daemon: name === 'd', desiredCount: v.desired, runningCount: v.running, deployments: v.deployments,
    }])),
  });
  const outdated = s.members
    .map((m, i) => ({ m, id: id(i + 1) }))
    .filter(({ m }) => m.outdated)
    .sort((a, b) => a.m.order - b.m.order)
    .map(({ id: outdatedId }) => outdatedId);
  const decision = imageDecision(outdated, { updateLaunchSource: s.updateLaunchSource });
  const config = rotationConfig({
    maxUnavailable: s.maxUnavailable,
    drainTimeoutSeconds: s.drainTimeoutSeconds,
    readinessTimeoutSeconds: s.readinessTimeoutSeconds,
    onDrainTimeout: s.onDrainTimeout,
    force: s.force,
    cordon: s.cordon,
    canary: s.canary,
    waitForSteadyServices: s.waitForSteadyServices,
    steadyServicesTimeoutSeconds: s.steadyServicesTimeoutSeconds,
    stopStandaloneTasksAfterSeconds: s.stopStandaloneTasksAfterSeconds,
  });
  return { observed, group, decision, config };
}

/** What the safety rules are judged against, computed here rather than taken from rotate.ts. */
function facts(b: Built) {
  const container = new Map(b.observed.containerInstances.map((c) => [c.ec2InstanceId, c]));
  const byArn = new Map(b.observed.containerInstances.map((c) => [c.containerInstanceArn, c]));
  const members = new Map(b.group.instances.map((i) => [i.instanceId, i]));
  const alive = b.group.instances.filter((i) => !/^(Terminating|Terminated|Detach)/.test(i.lifecycleState));
  const markedIds = new Set(alive.filter((i) => decodePhase(container.get(i.instanceId)?.phase) !== undefined).map((i) => i.instanceId));
  /** Members that serve: InService, ACTIVE and connected, marked or not. */
  const serving = alive.filter((i) => {
    const c = container.get(i.instanceId);
    return i.lifecycleState === 'InService' && c?.status === 'ACTIVE' && c.agentConnected;
  }).length;
  const batch = decodeBatch(b.group.tags[BATCH_TAG]);
  const { count, percent } = b.config.maxUnavailable;
  const budget = count !== undefined ? Math.max(1, count) : Math.max(1, Math.floor((b.group.desiredCapacity * (percent ?? 10)) / 100));
  const memberOf = (arnOf: string) => {
    const c = byArn.get(arnOf);
    return c && members.has(c.ec2InstanceId) ? { container: c, instance: members.get(c.ec2InstanceId)! } : undefined;
  };
  return { container, members, markedIds, serving, batch, budget, memberOf };
}

const PROPERTY_RUNS = 1500;

describe('safety properties over generated group states', () => {
  const check = (predicate: (b: Built, rotation: GroupRotation) => void) => {
    fc.assert(fc.property(scenarioArb, (s) => {
      const b = build(s);
      predicate(b, rotateGroup(b.observed, b.group, b.decision, b.config));
    }), { numRuns: PROPERTY_RUNS });
  };

  it('(a) terminates only a marked member of this group that ECS reports DRAINING, and empty unless a timed-out drain is forced', () => {
    check((b, rotation) => {
      const f = facts(b);
      for (const t of ofKind(rotation, 'terminate')) {
        const instance = f.members.get(t.instanceId);
        const c = f.container.get(t.instanceId);
        expect(instance).toBeDefined();
        expect(c?.status).toBe('DRAINING');
        // Deregistered at once only when empty (the group has no termination hook here): never with tasks on it.
        expect(t.containerInstanceArn).toBe(t.forced ? undefined : c!.containerInstanceArn);
        const phase = decodePhase(c!.phase);
        expect(phase?.kind).toBe('draining');
        const tasks = c!.runningTasksCount + c!.pendingTasksCount;
        expect(t.runningTasks).toBe(tasks);
        expect(t.forced).toBe(tasks > 0);
        if (tasks > 0) {
          expect(b.config.onDrainTimeout).toBe('force');
          const since = phase!.kind === 'draining' ? phase!.since : Infinity;
          expect(b.observed.observedAt - since).toBeGreaterThan(b.config.drainTimeoutSeconds * 1000);
        }
      }
      expect(new Set(ofKind(rotation, 'terminate').map((t) => t.instanceId)).size).toBe(ofKind(rotation, 'terminate').length);
    });
  });

  it('(b) drains only while the instances that keep serving stay at the base, and never more than the budget at once', () => {
    check((b, rotation) => {
      const f = facts(b);
      const drained = ofKind(rotation, 'drain').flatMap((d) => d.containerInstanceArns);
      if (!f.batch) {
        expect(drained).toEqual([]);
        return;
      }
      for (const a of drained) expect(f.markedIds.has(f.memberOf(a)!.instance.instanceId)).toBe(true);
      // Only a drain of a serving instance takes capacity out; one already out of service is only recorded.
      const taken = drained.filter((a) => f.memberOf(a)!.container.status === 'ACTIVE');
      if (taken.length === 0) return;
      const terminated = new Set(ofKind(rotation, 'terminate').map((t) => t.instanceId));
      const outAlready = [...f.markedIds].filter((i) => f.container.get(i)?.status !== 'ACTIVE' && !terminated.has(i)).length;
      expect(f.serving - taken.length).toBeGreaterThanOrEqual(f.batch.base);
      expect(outAlready + taken.length).toBeLessThanOrEqual(budgetFor(b.config.maxUnavailable, f.batch.base));
    });
  });

  it('(g) the window refills only in a rotation in flight, with outdated serving members, within the window, never lowering desired', () => {
    check((b, rotation) => {
      const f = facts(b);
      const more = ofKind(rotation, 'mark-more');
      const terminations = ofKind(rotation, 'terminate');
      const slotsTaken = terminations.filter((t) => t.decrement === false).length;
      if (!f.batch || rotation.phase === 'stopped') expect(more).toEqual([]);
      if (more.length === 0) {
        expect(slotsTaken).toBe(0);
        return;
      }
      expect(more.length).toBe(1);
      const arns = more[0].containerInstanceArns;
      expect(new Set(arns).size).toBe(arns.length);
      for (const a of arns) {
        const m = f.memberOf(a);
        expect(m).toBeDefined();
        expect(f.markedIds.has(m!.instance.instanceId)).toBe(false);
        expect(b.decision.outdatedInstanceIds).toContain(m!.instance.instanceId);
        expect(m!.instance.lifecycleState).toBe('InService');
        expect(m!.container.status).toBe('ACTIVE');
      }
      expect(f.markedIds.size - terminations.length + arns.length).toBeLessThanOrEqual(f.batch!.target - f.batch!.base);
      expect(slotsTaken).toBeLessThanOrEqual(arns.length);
      // Every new mark has its replacement: a slot given up by a termination, or desired capacity raised.
      const desiredBefore = Math.max(b.group.desiredCapacity, f.batch!.base + f.markedIds.size);
      const raisedBy = more[0].raiseDesiredTo === undefined ? 0 : more[0].raiseDesiredTo - desiredBefore;
      expect(slotsTaken + raisedBy).toBe(arns.length);
      if (more[0].raiseDesiredTo !== undefined) expect(more[0].raiseDesiredTo).toBeGreaterThan(b.group.desiredCapacity);
    });
  });

  it('(c) a batch marks at most the budget of outdated, InService, ACTIVE members, only with no batch and no launch-source update', () => {
    check((b, rotation) => {
      const f = facts(b);
      const starts = ofKind(rotation, 'start-batch');
      expect(starts.length).toBeLessThanOrEqual(1);
      for (const start of starts) {
        if (f.batch) {
          // Only a canary batch whose soak is over, its canaries healthy, becomes an ordinary one (property (k)).
          expect(f.batch.canary?.soakUntil).toBeLessThanOrEqual(b.observed.observedAt);
          expect(start.batch.canary).toBeUndefined();
          expect(start.batch.base).toBe(f.batch.base);
          expect(start.containerInstanceArns.length).toBeGreaterThan(0);
          expect(start.containerInstanceArns.length).toBeLessThanOrEqual(WINDOW_BUDGETS * budgetFor(b.config.maxUnavailable, f.batch.base));
          continue;
        }
        // What it records is what the next run reads back.
        expect(decodeBatch(encodeBatch(start.batch))).toEqual(start.batch);
        expect(b.decision.updateLaunchSource).toBe(false);
        expect(start.containerInstanceArns.length).toBeLessThanOrEqual(start.batch.canary ? b.config.canary!.count : WINDOW_BUDGETS * f.budget);
        expect(new Set(start.containerInstanceArns).size).toBe(start.containerInstanceArns.length);
        for (const chosen of start.containerInstanceArns) {
          const m = f.memberOf(chosen);
          expect(m).toBeDefined();
          expect(b.decision.outdatedInstanceIds).toContain(m!.instance.instanceId);
          expect(m!.instance.lifecycleState).toBe('InService');
          expect(m!.container.status).toBe('ACTIVE');
        }
        if (start.containerInstanceArns.length > 0) {
          // A new batch: nothing marked, desired raised by exactly the instances it replaces.
          expect(f.markedIds.size).toBe(0);
          expect(start.batch).toEqual({
            base: b.group.desiredCapacity,
            target: b.group.desiredCapacity + start.containerInstanceArns.length,
            originalMax: b.group.maxSize,
            startedAt: b.observed.observedAt,
            ...(b.group.suspendedProcesses?.includes('AZRebalance') ? {} : { suspendedAzRebalance: true }),
            ...(start.batch.canary ? { canary: {} } : {}),
          });
          expect(start.raiseMaxTo).toBe(start.batch.target > b.group.maxSize ? start.batch.target : undefined);
        } else {
          // An adopted batch: marks found without a record.
          expect(f.markedIds.size).toBeGreaterThan(0);
        }
      }
      // With no batch in flight, a launch-source update is all that happens; a batch in flight goes on.
      if (b.decision.updateLaunchSource && !f.batch) {
        const allowed = ['create-template-version', 'use-template-version', 'switch-launch-configuration', 'update-mixed-templates', 'set-replace-before', 'uncordon'];
        expect(rotation.actions.filter((a) => !allowed.includes(a.kind))).toEqual([]);
      }
    });
  });

  it('(d) a stopped group terminates no instance with tasks and starts no new drain', () => {
    check((b, rotation) => {
      if (rotation.phase !== 'stopped') return;
      const f = facts(b);
      expect(rotation.stoppedReason).toEqual(expect.any(String));
      for (const t of ofKind(rotation, 'terminate')) {
        const c = f.container.get(t.instanceId)!;
        expect(c.runningTasksCount + c.pendingTasksCount).toBe(0);
        expect(t.forced).toBe(false);
      }
      for (const drain of ofKind(rotation, 'drain')) {
        const fresh = drain.containerInstanceArns.filter((a) => !drain.alreadyMarked.includes(a));
        const freshReplacing = fresh.filter((a) => decodePhase(f.memberOf(a)?.container.phase)?.kind === 'replacing');
        expect({ phase: rotation.phase, freshReplacing }).toEqual({ phase: 'stopped', freshReplacing: [] });
      }
      expect(kinds(rotation)).not.toContain('start-batch');
    });
  });

  it('(e) every action names this group and touches only its members', () => {
    check((b, rotation) => {
      const f = facts(b);
      for (const action of rotation.actions) {
        expect(action.group).toBe(b.group.name);
        const arns = action.kind === 'start-batch' || action.kind === 'drain' ? action.containerInstanceArns : [];
        for (const a of arns) expect(f.memberOf(a)).toBeDefined();
        if (action.kind === 'drain') {
          for (const a of action.alreadyMarked) expect(action.containerInstanceArns).toContain(a);
        }
      }
    });
  });

  it('(h) cordons only with cordoning on, only outdated serving members, before any drain; never lifts a marked member\'s cordon', () => {
    check((b, rotation) => {
      const f = facts(b);
      const cordons = ofKind(rotation, 'cordon');
      const lifted = ofKind(rotation, 'uncordon').flatMap((u) => u.containerInstanceArns);
      if (!b.config.cordon) expect(cordons).toEqual([]);
      for (const a of cordons.flatMap((c) => c.containerInstanceArns)) {
        const m = f.memberOf(a);
        expect(m).toBeDefined();
        expect(m!.container.status).toBe('ACTIVE');
        expect(m!.container.cordoned).toBeUndefined();
        expect(b.decision.outdatedInstanceIds).toContain(m!.instance.instanceId);
      }
      if (cordons.length > 0) {
        const firstDrain = rotation.actions.findIndex((a) => a.kind === 'drain');
        expect(rotation.actions.findIndex((a) => a.kind === 'cordon')).toBeLessThan(firstDrain === -1 ? Infinity : firstDrain);
      }
      for (const a of lifted) {
        const m = f.memberOf(a);
        expect(m).toBeDefined();
        expect(m!.container.cordoned).toBeDefined();
        expect(f.markedIds.has(m!.instance.instanceId)).toBe(false);
      }
      // Cordoning off, or a group at rest: nothing unmarked stays cordoned.
      if (!b.config.cordon || rotation.phase === 'idle' || rotation.phase === 'stopped') {
        const stays = b.observed.containerInstances.filter((c) => f.members.has(c.ec2InstanceId) && c.status === 'ACTIVE' && c.cordoned !== undefined
          && f.members.get(c.ec2InstanceId)!.lifecycleState === 'InService' && !f.markedIds.has(c.ec2InstanceId) && !lifted.includes(c.containerInstanceArn));
        expect(stays).toEqual([]);
      }
    });
  });

  it('(i) with waitForSteadyServices, an instance is taken out of service only when every service with a task on it is steady', () => {
    check((b, rotation) => {
      if (!b.config.waitForSteadyServices) return;
      const f = facts(b);
      for (const a of ofKind(rotation, 'drain').flatMap((d) => d.containerInstanceArns)) {
        const c = f.memberOf(a)!.container;
        if (c.status !== 'ACTIVE') continue; // already out of service: recording it moves nothing
        expect(c.tasks).toBeDefined();
        for (const name of new Set(c.tasks!.map((t) => t.service).filter((n): n is string => n !== undefined))) {
          const svc = b.observed.services?.[name];
          if (!svc) continue;
          expect(svc.deployments).toBe(1);
          if (!svc.daemon) expect(svc.runningCount).toBe(svc.desiredCount);
        }
      }
    });
  });

  it('(j) stops only standalone tasks, of a drained member of this group, past the grace period, and only with the stop policy', () => {
    check((b, rotation) => {
      const f = facts(b);
      const stops = ofKind(rotation, 'stop-tasks');
      if (b.config.stopStandaloneTasksAfterSeconds === undefined) expect(stops).toEqual([]);
      for (const stop of stops) {
        const m = f.memberOf(stop.containerInstanceArn);
        expect(m?.instance.instanceId).toBe(stop.instanceId);
        expect(m!.container.status).toBe('DRAINING');
        const phase = decodePhase(m!.container.phase);
        expect(phase?.kind).toBe('draining');
        expect(b.observed.observedAt - phase!.since!).toBeGreaterThanOrEqual(b.config.stopStandaloneTasksAfterSeconds! * 1000);
        const standalone = new Set((m!.container.tasks ?? []).filter((t) => t.service === undefined).map((t) => t.taskArn));
        expect(stop.taskArns.length).toBeGreaterThan(0);
        for (const t of stop.taskArns) expect(standalone.has(t)).toBe(true);
      }
    });
  });

  it('(k) canaries: a first batch of at most the canary count, nothing more marked until the soak is over and they are healthy', () => {
    check((b, rotation) => {
      const f = facts(b);
      const outdated = new Set(b.decision.outdatedInstanceIds);
      const alive = b.group.instances.filter((i) => !/^(Terminating|Terminated|Detach)/.test(i.lifecycleState));
      for (const start of ofKind(rotation, 'start-batch')) {
        if (start.batch.canary) {
          expect(b.config.canary).toBeDefined();
          expect(start.containerInstanceArns.length).toBeLessThanOrEqual(b.config.canary!.count);
          expect(alive.some((i) => i.lifecycleState === 'InService' && !outdated.has(i.instanceId))).toBe(false);
        }
        if (f.batch?.canary) {
          // Promotion: the canaries (serving members on the target image) are healthy by this independent reading.
          const canaries = alive.filter((i) => !outdated.has(i.instanceId));
          expect(canaries.length).toBeGreaterThan(0);
          for (const i of canaries) {
            const c = f.container.get(i.instanceId);
            expect(i.lifecycleState).toBe('InService');
            expect(c?.status).toBe('ACTIVE');
            expect(c?.agentConnected).toBe(true);
            expect(c?.tasks?.every((t) => t.lastStatus === 'RUNNING')).toBe(true);
            for (const t of c!.tasks!) {
              const svc = t.service ? b.observed.services?.[t.service] : undefined;
              if (svc) expect(svc.deployments === 1 && (svc.daemon || svc.runningCount === svc.desiredCount)).toBe(true);
            }
          }
        }
      }
      if (f.batch?.canary) expect(ofKind(rotation, 'mark-more')).toEqual([]);
      if (rotation.phase === 'soaking') {
        expect(f.batch?.canary).toBeDefined();
        expect(rotation.actions.filter((a) => a.kind !== 'record-batch' && a.kind !== 'uncordon' && a.kind !== 'set-replace-before'
          && a.kind !== 'clear-failed-image' && a.kind !== 'create-template-version' && a.kind !== 'use-template-version'
          && a.kind !== 'switch-launch-configuration')).toEqual([]);
      }
    });
  });

  it('(l) a batch record written later in a round keeps what earlier writes of that round recorded (a raised max)', () => {
    check((b, rotation) => {
      let recorded: Batch | undefined = decodeBatch(b.group.tags[BATCH_TAG]);
      for (const a of rotation.actions) {
        if ((a.kind === 'set-desired' || a.kind === 'mark-more') && a.record) recorded = a.record;
        if (a.kind === 'record-batch') {
          expect(a.batch.raisedMax).toBe(recorded?.raisedMax);
          expect({ ...a.batch, canary: undefined, waitingSince: undefined }).toEqual({ ...recorded, canary: undefined, waitingSince: undefined });
          recorded = a.batch;
        }
      }
    });
  });

  it('(f) is deterministic and leaves its input untouched', () => {
    fc.assert(fc.property(scenarioArb, (s) => {
      const b = build(s);
      const snapshot = structuredClone(b);
      const first = rotateGroup(b.observed, b.group, b.decision, b.config);
      const again = rotateGroup(snapshot.observed, snapshot.group, snapshot.decision, snapshot.config);
      expect(again).toEqual(first);
      expect(JSON.stringify(again)).toBe(JSON.stringify(first));
      expect(b).toEqual(snapshot);
    }), { numRuns: 500 });
  });

  it('the budget used is the independent computation, and the generator reaches every phase and action', () => {
    const phases = new Set<string>();
    const actionKinds = new Set<string>();
    fc.assert(fc.property(scenarioArb, (s) => {
      const b = build(s);
      const rotation = rotateGroup(b.observed, b.group, b.decision, b.config);
      phases.add(rotation.phase);
      rotation.actions.forEach((a) => actionKinds.add(a.kind + (a.kind === 'terminate' && a.forced ? ':forced' : '')));
      rotation.actions.forEach((a) => a.kind === 'terminate' && a.decrement === false && actionKinds.add('terminate:slot'));
      const f = facts(b);
      // The policies' outcomes: a canary batch promoted, a drain held for unsteady services.
      if (f.batch?.canary && rotation.actions.some((a) => a.kind === 'start-batch')) actionKinds.add('start-batch:promote');
      if (rotation.waitingReason?.startsWith('the next drain waits')) phases.add(`${rotation.phase}:holding`);
      if (!f.batch) expect(rotation.budget).toBe(f.budget);
      expect(rotation.budget).toBe(budgetFor(b.config.maxUnavailable, f.batch?.base ?? b.group.desiredCapacity));
    }), { numRuns: PROPERTY_RUNS, seed: 20250301 });
    expect([...phases].sort()).toEqual([
      'draining', 'draining:holding', 'idle', 'replacing', 'replacing:holding', 'soaking', 'stopped', 'updating-launch-template',
    ]);
    expect([...actionKinds].sort()).toEqual([
      'clear-replace-before', 'cordon', 'create-template-version', 'drain', 'finish-batch', 'mark-more', 'record-batch', 'set-desired',
      'set-replace-before', 'start-batch', 'start-batch:promote', 'stop-tasks', 'switch-launch-configuration', 'terminate', 'terminate:forced',
      'terminate:slot', 'uncordon', 'use-template-version',
    ]);
  });
});
