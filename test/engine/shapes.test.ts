/**
 * Cluster shapes in the planner and the rotation decision: where a group's family and parameter come from
 * (construct, tag, image name; golden parameters per group), groups given and discovered, Windows readiness,
 * and instances outside every group (reported, and replaced through a named group when opted in).
 */
import {
  al2023Image,
  AL2023_X86_PARAM,
  amiId,
  CLUSTER,
  clusterTag,
  containerInstanceArn,
  ec2Instance,
  instanceId,
  NEW_AMI,
  OBSERVED_AT,
  observedCluster,
  OLD_AMI,
  PLAN_CONFIG,
  webCluster,
  windowsImage,
} from './fixtures';
import { GroupPlan, plan, PlanConfig } from '../../src/engine/decide/plan';
import { RotationConfig } from '../../src/engine/decide/rotate';
import { readinessTimeoutFor } from '../../src/engine/decide/unmanaged';
import { ObservedCluster, ObservedContainerInstance } from '../../src/engine/model';
import { planMetrics } from '../../src/engine/report';
import { rotationsFor } from '../../src/engine/rotations';
import { DEFAULT_AMI_PARAMETERS } from '../../src/shared/ami-families';
import { MetricName, TagKey } from '../../src/shared/constants';
import { ImageInfo } from '../../src/shared/image';
import { BATCH_TAG, encodeBatch, encodeUnmanagedReplacement, UNMANAGED_TAG } from '../../src/shared/records';

const GOLDEN = '/acme/golden/web';
const GOLDEN_AMI = amiId(0x9001);
const ROTATION: RotationConfig = {
  maxUnavailable: { count: 1 },
  drainTimeoutSeconds: 3600,
  onDrainTimeout: 'stop',
  readinessTimeoutSeconds: 1800,
  windowsReadinessTimeoutSeconds: 3600,
  force: false,
};

function only(cluster: ObservedCluster, config: Partial<PlanConfig> = {}): GroupPlan {
  const result = plan(cluster, { ...PLAN_CONFIG, ...config });
  expect(result.groups).toHaveLength(1);
  return result.groups[0];
}

/** A golden image: the team's own name, which the refresher does not recognise. */
function goldenImage(id: string, overrides: Partial<ImageInfo> = {}): ImageInfo {
  return al2023Image(id, { name: `acme-ecs-base-${id}`, ...overrides });
}

describe('where a group\'s family and parameter come from', () => {
  test('the construct\'s family beats the family tag, which beats the image name; the architecture is always the image\'s', () => {
    const cluster = webCluster({
      images: [al2023Image(OLD_AMI), al2023Image(NEW_AMI)],
      parameters: { [DEFAULT_AMI_PARAMETERS['amazon-linux-2/x86_64']]: NEW_AMI, [DEFAULT_AMI_PARAMETERS['amazon-linux-2-gpu/x86_64']]: NEW_AMI },
      group: { tags: { [TagKey.AMI_FAMILY]: 'amazon-linux-2-gpu' } },
    });
    expect(only(cluster)).toMatchObject({ family: 'amazon-linux-2-gpu', familyFrom: 'tag', architecture: 'x86_64' });
    const fromProp = only(cluster, { groupOverrides: { web: { family: 'amazon-linux-2' } } });
    expect(fromProp).toMatchObject({
      status: 'outdated',
      family: 'amazon-linux-2',
      familyFrom: 'prop',
      architecture: 'x86_64',
      parameterName: DEFAULT_AMI_PARAMETERS['amazon-linux-2/x86_64'],
      parameterFrom: 'map',
    });
    // An override for another group changes nothing here.
    expect(only(cluster, { groupOverrides: { other: { family: 'amazon-linux-2' } } })).toMatchObject({ familyFrom: 'tag' });
  });

  test.each([
    ['a plain image id', GOLDEN_AMI],
    ['a JSON document with image_id (like the public .../recommended parameters)', JSON.stringify({ schema_version: 1, image_id: GOLDEN_AMI, image_name: 'acme' })],
  ])('a group\'s own parameter holding %s replaces the public one, and needs no known family', (_, value) => {
    const cluster = observedCluster({
      images: [goldenImage(OLD_AMI), goldenImage(GOLDEN_AMI)],
      parameters: { [GOLDEN]: value },
      groups: [{ name: 'web', currentImageId: OLD_AMI, members: [{ id: instanceId(1), imageId: OLD_AMI, tasks: 1 }] }],
    });
    // Without it, the team's image name is an unknown family: refused, never guessed.
    const refused = only(cluster);
    expect(refused).toMatchObject({ status: 'refused', unknownFamily: true, architecture: 'x86_64' });
    expect(refused.reason).toContain(`acme-ecs-base-${OLD_AMI}`);

    const group = only(cluster, { groupOverrides: { web: { amiParameter: GOLDEN } } });
    expect(group).toMatchObject({
      status: 'outdated', family: undefined, architecture: 'x86_64', parameterName: GOLDEN, parameterFrom: 'group', targetImageId: GOLDEN_AMI,
    });
    expect(group.outdatedInstances.map((i) => i.instanceId)).toEqual([instanceId(1)]);
  });

  test('a group\'s own parameter beats the family map, and its target is still checked (architecture, platform)', () => {
    const cluster = webCluster({
      images: [al2023Image(OLD_AMI), al2023Image(NEW_AMI), goldenImage(GOLDEN_AMI, { architecture: 'arm64' })],
      parameters: { [AL2023_X86_PARAM]: NEW_AMI, [GOLDEN]: GOLDEN_AMI },
    });
    const group = only(cluster, { groupOverrides: { web: { amiParameter: GOLDEN } } });
    expect(group).toMatchObject({ status: 'refused', family: 'amazon-linux-2023', parameterName: GOLDEN, parameterFrom: 'group' });
    expect(group.reason).toContain('is for arm64, but the group runs x86_64');
  });

  test('an unknown family is refused with the reason, counted apart and published as GroupsUnknownFamily', () => {
    const cluster = webCluster({ images: [goldenImage(OLD_AMI), al2023Image(NEW_AMI)] });
    const result = plan(cluster, PLAN_CONFIG);
    expect(result.groups[0]).toMatchObject({ status: 'refused', unknownFamily: true });
    expect(result.groups[0].reason).toMatch(/not recognised; name its family in groupOverrides or with the ecs-ami-refresher:ami-family tag/);
    expect(result.totals).toMatchObject({ refusedGroups: 1, unknownFamilyGroups: 1 });
    const metric = (name: string) => planMetrics(result).find((p) => p.name === name && p.group === undefined)?.value;
    expect([metric(MetricName.GROUPS_REFUSED), metric(MetricName.GROUPS_UNKNOWN_FAMILY)]).toEqual([1, 1]);
    // Other refusals are not unknown families.
    const missing = plan(webCluster({ parameters: {} }), PLAN_CONFIG);
    expect(missing.totals).toMatchObject({ refusedGroups: 1, unknownFamilyGroups: 0 });
    expect(planMetrics(missing).find((p) => p.name === MetricName.GROUPS_UNKNOWN_FAMILY)?.value).toBe(0);
  });

  test('with requireClusterTag, a discovered untagged group is refused but one given to the construct is planned', () => {
    expect(only(webCluster(), { requireClusterTag: true }).status).toBe('refused');
    expect(only(webCluster({ group: { source: 'configured' } }), { requireClusterTag: true }).status).toBe('outdated');
    expect(only(webCluster({ group: { tags: clusterTag() } }), { requireClusterTag: true }).status).toBe('outdated');
  });
});

describe('readiness timeouts by platform', () => {
  const windowsCluster = () => observedCluster({
    images: [windowsImage(OLD_AMI), windowsImage(NEW_AMI, { creationDate: '2025-02-12T00:00:00.000Z' })],
    parameters: { [DEFAULT_AMI_PARAMETERS['windows-server-2022-full/x86_64']]: NEW_AMI },
    groups: [{ name: 'win', currentImageId: OLD_AMI, members: [{ id: instanceId(1), imageId: OLD_AMI, tasks: 1 }] }],
  });

  test('a Windows group is planned as windows, a Linux one as linux', () => {
    expect(only(windowsCluster())).toMatchObject({ family: 'windows-server-2022-full', platform: 'windows' });
    expect(only(webCluster())).toMatchObject({ platform: 'linux' });
  });

  test.each([
    ['linux', undefined, 1800],
    ['windows', undefined, 3600],
    ['windows', 5400, 5400],
    ['linux', 600, 600],
  ] as const)('%s group, own timeout %s: %i s', (platform, own, expected) => {
    const config: RotationConfig = { ...ROTATION, groupReadinessTimeoutSeconds: own === undefined ? {} : { g: own as number } };
    expect(readinessTimeoutFor({ groupName: 'g', platform }, config)).toBe(expected);
  });

  test('without a Windows timeout, Windows groups use the Linux one', () => {
    expect(readinessTimeoutFor({ groupName: 'g', platform: 'windows' }, { ...ROTATION, windowsReadinessTimeoutSeconds: undefined })).toBe(1800);
  });

  test('a Windows batch waiting 45 minutes for its replacements goes on; a Linux one stops at 30', () => {
    const startedAt = OBSERVED_AT - 45 * 60_000;
    const inFlight = (cluster: ObservedCluster, name: string): ObservedCluster => ({
      ...cluster,
      groups: cluster.groups.map((g) => g.name === name
        ? { ...g, desiredCapacity: 2, tags: { ...g.tags, [BATCH_TAG]: encodeBatch({ base: 1, target: 2, originalMax: 3, startedAt }) } }
        : g),
      containerInstances: cluster.containerInstances.map((c) => ({ ...c, phase: 'replacing' })),
    });
    const decide = (cluster: ObservedCluster) => {
      const p = plan(cluster, PLAN_CONFIG);
      return [...rotationsFor(cluster, p, ROTATION).values()][0];
    };
    expect(decide(inFlight(windowsCluster(), 'win'))).toMatchObject({ phase: 'replacing' });
    const linux = webCluster({ group: { members: [{ id: instanceId(1), imageId: OLD_AMI, tasks: 1 }] } });
    const stopped = decide(inFlight(linux, 'web'));
    expect(stopped.phase).toBe('stopped');
    expect(stopped.stoppedReason).toContain('within 1800 s');
  });
});

describe('instances outside every group', () => {
  const STRANGER = instanceId(0x77);

  /** Group `web` (2 instances, all on NEW_AMI: idle) and one instance outside every group. */
  function cluster(options: {
    strangerImage?: ImageInfo;
    strangerTags?: Record<string, string>;
    strangerState?: string;
    container?: Partial<ObservedContainerInstance>;
    groupTags?: Record<string, string>;
    desired?: number;
    maxSize?: number;
    groupMembers?: number;
  } = {}): ObservedCluster {
    const members = Array.from({ length: options.groupMembers ?? 2 }, (_, i) => ({ id: instanceId(i + 1), imageId: NEW_AMI, tasks: 2 }));
    const base = webCluster({
      images: [al2023Image(OLD_AMI), al2023Image(NEW_AMI), ...(options.strangerImage ? [options.strangerImage] : [])],
      group: { currentImageId: NEW_AMI, members, tags: options.groupTags ?? {} },
      strangers: { [STRANGER]: 3 },
    });
    const strangerImage = options.strangerImage?.imageId ?? OLD_AMI;
    return {
      ...base,
      groups: base.groups.map((g) => ({
        ...g,
        desiredCapacity: options.desired ?? g.desiredCapacity,
        maxSize: options.maxSize ?? g.maxSize,
      })),
      containerInstances: base.containerInstances.map((c) => c.ec2InstanceId === STRANGER ? { ...c, ...options.container } : c),
      instances: {
        ...base.instances,
        [STRANGER]: {
          ...ec2Instance(STRANGER, strangerImage),
          state: options.strangerState ?? 'running',
          tags: options.strangerTags ?? { [TagKey.CLUSTER]: CLUSTER },
        },
      },
    };
  }

  test.each([
    ['no replacement group is configured', {}, undefined, /no replacement group is configured/],
    ['it belongs to an Auto Scaling group the refresher does not manage',
      { strangerTags: { [TagKey.CLUSTER]: CLUSTER, 'aws:autoscaling:groupName': 'legacy' } }, 'web', /Auto Scaling group legacy/],
    ['it lacks the cluster tag', { strangerTags: {} }, 'web', new RegExp(`not tagged ${TagKey.CLUSTER}=${CLUSTER}`)],
    ['it is tagged for another cluster', { strangerTags: { [TagKey.CLUSTER]: 'staging' } }, 'web', /not tagged/],
    ['it runs arm64 and the group x86_64', { strangerImage: al2023Image(amiId(0x55), { architecture: 'arm64' }) }, 'web', /runs arm64, replacement group web launches x86_64/],
    ['it runs Windows and the group Linux', { strangerImage: windowsImage(amiId(0x56)) }, 'web', /platform 'Windows'/],
    ['the replacement group is not managed', {}, 'elsewhere', /replacement group elsewhere is not a managed group/],
    ['it is stopping', { strangerState: 'stopping' }, 'web', /it is stopping/],
  ] as const)('not replaceable when %s: the reason is given', (_, options, through, reason) => {
    const result = plan(cluster(options), { ...PLAN_CONFIG, unmanagedReplacementGroup: through });
    expect(result.unmanagedInstanceIds).toEqual([STRANGER]);
    expect(result.unmanagedInstances).toHaveLength(1);
    expect(result.unmanagedInstances[0]).toMatchObject({ instanceId: STRANGER, replaceable: false, runningTasksCount: 3 });
    expect(result.unmanagedInstances[0].reason).toMatch(reason);
    expect(planMetrics(result).find((p) => p.name === MetricName.UNMANAGED_INSTANCES)?.value).toBe(1);
  });

  test('replaceable: in no group, tagged for this cluster, same architecture and platform as the group', () => {
    const result = plan(cluster(), { ...PLAN_CONFIG, unmanagedReplacementGroup: 'web' });
    expect(result.unmanagedInstances).toEqual([{
      instanceId: STRANGER,
      containerInstanceArn: containerInstanceArn(STRANGER),
      status: 'ACTIVE',
      runningTasksCount: 3,
      imageId: OLD_AMI,
      autoScalingGroup: undefined,
      replaceable: true,
    }]);
  });

  const decide = (c: ObservedCluster, config: Partial<RotationConfig> = {}) => {
    const p = plan(c, { ...PLAN_CONFIG, unmanagedReplacementGroup: 'web' });
    return rotationsFor(c, p, { ...ROTATION, unmanagedReplacementGroup: 'web', ...config }).get('web')!;
  };
  const record = (base: number, startedAt = OBSERVED_AT - 60_000) =>
    ({ [UNMANAGED_TAG]: encodeUnmanagedReplacement({ instanceId: STRANGER, base, startedAt }) });

  test('an idle group starts the replacement: record, mark, desired + 1', () => {
    const rotation = decide(cluster());
    expect(rotation.phase).toBe('replacing');
    expect(rotation.actions).toEqual([{
      kind: 'start-unmanaged-replacement',
      group: 'web',
      record: { instanceId: STRANGER, base: 2, startedAt: OBSERVED_AT },
      containerInstanceArn: containerInstanceArn(STRANGER),
    }]);
  });

  test('nothing starts without the opt-in, while the group is busy, or at its max size', () => {
    const p = plan(cluster(), PLAN_CONFIG);
    expect(rotationsFor(cluster(), p, ROTATION).get('web')!.actions).toEqual([]);
    // Busy: the group has outdated instances of its own and starts its batch first.
    const busy = cluster();
    const outdated: ObservedCluster = { ...busy, instances: { ...busy.instances, [instanceId(1)]: ec2Instance(instanceId(1), OLD_AMI) } };
    expect(decide(outdated).actions.map((a) => a.kind)).toEqual(['start-batch']);
    const full = decide(cluster({ maxSize: 2 }));
    expect(full).toMatchObject({ phase: 'waiting', actions: [] });
    expect(full.waitingReason).toContain('at its max size (2)');
  });

  test('in flight, marked, replacement not ready yet: nothing is drained, and a lowered desired capacity is restored', () => {
    const rotation = decide(cluster({ groupTags: record(2), desired: 2, container: { phase: 'replacing' } }));
    expect(rotation.phase).toBe('replacing');
    expect(rotation.actions).toEqual([{ kind: 'set-desired', group: 'web', desired: 3 }]);
  });

  test('in flight, the mark lost: the start is repeated (every write of it is idempotent)', () => {
    const rotation = decide(cluster({ groupTags: record(2, OBSERVED_AT - 120_000), desired: 3 }));
    expect(rotation.actions).toEqual([{
      kind: 'start-unmanaged-replacement',
      group: 'web',
      record: { instanceId: STRANGER, base: 2, startedAt: OBSERVED_AT - 120_000 },
      containerInstanceArn: containerInstanceArn(STRANGER),
    }]);
  });

  test('in flight, the group serves base + 1 ACTIVE without it: it is drained', () => {
    const rotation = decide(cluster({ groupTags: record(2), desired: 3, groupMembers: 3, container: { phase: 'replacing' } }));
    expect(rotation.phase).toBe('draining');
    expect(rotation.actions).toEqual([{
      kind: 'drain', group: 'web', containerInstanceArns: [containerInstanceArn(STRANGER)], alreadyMarked: [], since: OBSERVED_AT,
    }]);
  });

  test('in flight, the group\'s own new batch waits until it is done', () => {
    const c = cluster({ groupTags: record(2), desired: 3, container: { phase: 'replacing' } });
    const withOutdated: ObservedCluster = { ...c, instances: { ...c.instances, [instanceId(1)]: ec2Instance(instanceId(1), OLD_AMI) } };
    // Without the replacement in flight the group would start a batch now.
    const idle = cluster();
    expect(decide({ ...idle, instances: { ...idle.instances, [instanceId(1)]: ec2Instance(instanceId(1), OLD_AMI) } }).actions.map((a) => a.kind))
      .toEqual(['start-batch']);
    expect(decide(withOutdated)).toMatchObject({ phase: 'replacing', actions: [] });
  });

  test('draining and empty (no task left, none stopping): terminated through EC2 and deregistered', () => {
    const draining = { status: 'DRAINING', phase: `draining:${OBSERVED_AT - 300_000}`, runningTasksCount: 0, liveTasks: 0 };
    const rotation = decide(cluster({ groupTags: record(2), desired: 3, groupMembers: 3, container: draining }));
    expect(rotation.actions).toEqual([{
      kind: 'terminate-unmanaged', group: 'web', instanceId: STRANGER, containerInstanceArn: containerInstanceArn(STRANGER), forced: false, runningTasks: 0,
    }]);
  });

  test('draining with tasks still stopping (ECS counts 0 but one is not STOPPED): not terminated', () => {
    const draining = { status: 'DRAINING', phase: `draining:${OBSERVED_AT - 300_000}`, runningTasksCount: 0, liveTasks: 1 };
    expect(decide(cluster({ groupTags: record(2), desired: 3, groupMembers: 3, container: draining })).actions).toEqual([]);
  });

  test('a drain past its timeout stops the group (or, when forced, terminates)', () => {
    const draining = { status: 'DRAINING', phase: `draining:${OBSERVED_AT - 2 * 3600_000}`, runningTasksCount: 2 };
    const c = cluster({ groupTags: record(2), desired: 3, groupMembers: 3, container: draining });
    const stopped = decide(c);
    expect(stopped).toMatchObject({ phase: 'stopped', actions: [] });
    expect(stopped.stoppedReason).toContain('still runs 2 task(s) after the 3600 s drain timeout');
    expect(decide(c, { onDrainTimeout: 'force' }).actions).toEqual([{
      kind: 'terminate-unmanaged', group: 'web', instanceId: STRANGER, containerInstanceArn: containerInstanceArn(STRANGER), forced: true, runningTasks: 2,
    }]);
  });

  test('a replacement not ACTIVE within the readiness timeout stops the group; nothing is drained', () => {
    const rotation = decide(cluster({ groupTags: record(2, OBSERVED_AT - 31 * 60_000), desired: 3, container: { phase: 'replacing' } }));
    expect(rotation).toMatchObject({ phase: 'stopped', actions: [] });
    expect(rotation.stoppedReason).toContain('did not become ACTIVE in the cluster within 1800 s (2 of 3 instances of web ready)');
  });

  test.each([
    ['shutting down, still registered', { strangerState: 'shutting-down' }, containerInstanceArn(STRANGER)],
    ['terminated and deregistered', { strangerState: 'terminated', container: { status: 'INACTIVE' } }, undefined],
    ['stopped by someone else (it is left registered, as it was)', { strangerState: 'stopped' }, undefined],
  ] as const)('the instance %s: the replacement is finished, the record cleared', (_, options, arn) => {
    const rotation = decide(cluster({ groupTags: record(2), desired: 3, groupMembers: 3, ...options }));
    expect(rotation.actions).toEqual([{ kind: 'finish-unmanaged-replacement', group: 'web', instanceId: STRANGER, containerInstanceArn: arn }]);
  });
});
