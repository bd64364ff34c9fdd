import * as fc from 'fast-check';
import { GroupPlan, plan, PlanConfig } from '../../../src/engine/decide/plan';
import { ObservedCluster } from '../../../src/engine/model';
import { DEFAULT_AMI_PARAMETERS } from '../../../src/shared/ami-families';
import { TagKey } from '../../../src/shared/constants';
import { ImageInfo } from '../../../src/shared/image';
import {
  AL2023_ARM_PARAM,
  AL2023_X86_PARAM,
  al2023Image,
  amiId,
  BOTTLEROCKET_ARM_PARAM,
  bottlerocketImage,
  CLUSTER,
  clusterTag,
  containerInstanceArn,
  GroupSpec,
  instanceId,
  MemberSpec,
  NEW_AMI,
  OBSERVED_AT,
  observedCluster,
  OLD_AMI,
  PLAN_CONFIG,
  templateSource,
  webCluster,
  windowsImage,
} from '../fixtures';

const MISSING_AMI = amiId(0xdead);
const DAY = 86_400;

function only(cluster: ObservedCluster, config: Partial<PlanConfig> = {}): GroupPlan {
  const result = plan(cluster, { ...PLAN_CONFIG, ...config });
  expect(result.groups).toHaveLength(1);
  return result.groups[0];
}

/** The web cluster with the target image (NEW_AMI) replaced. */
function withTarget(target: ImageInfo | undefined): ObservedCluster {
  const images = [al2023Image(OLD_AMI), ...(target ? [target] : [])];
  return webCluster({ images });
}

describe('plan: groups that are planned', () => {
  test('an up-to-date group: every instance on the target, nothing to do', () => {
    const group = only(webCluster({
      group: {
        currentImageId: NEW_AMI,
        members: [
          { id: instanceId(1), imageId: NEW_AMI, tasks: 1 },
          { id: instanceId(2), imageId: NEW_AMI, tasks: 4 },
        ],
      },
    }));
    expect(group).toEqual({
      groupName: 'web',
      status: 'up-to-date',
      family: 'amazon-linux-2023',
      architecture: 'x86_64',
      familyFrom: 'image-name',
      parameterName: AL2023_X86_PARAM,
      parameterFrom: 'map',
      platform: 'linux',
      currentImageId: NEW_AMI,
      targetImageId: NEW_AMI,
      updateLaunchSource: false,
      instanceCount: 2,
      upToDateCount: 2,
      outdatedInstances: [],
      outdatedSince: undefined,
    });
  });

  test('an outdated group lists its old instances fewest running tasks first (then by id), with their ECS details', () => {
    const members: MemberSpec[] = [
      { id: instanceId(1), imageId: OLD_AMI, tasks: 5 },
      { id: instanceId(5), imageId: OLD_AMI, tasks: 3 },
      { id: instanceId(2), imageId: OLD_AMI, tasks: 0 },
      { id: instanceId(3), imageId: OLD_AMI, tasks: 3 },
      { id: instanceId(4), imageId: OLD_AMI }, // launched, not registered in ECS yet
      { id: instanceId(6), imageId: NEW_AMI, tasks: 9 },
      { id: instanceId(7), tasks: 1, amiAttribute: NEW_AMI }, // EC2 did not describe it; the agent's attribute says new
      { id: instanceId(8) }, // nothing known of its image: it must be replaced
    ];
    const group = only(webCluster({ group: { members } }));

    expect(group.status).toBe('outdated');
    expect(group.updateLaunchSource).toBe(true);
    expect(group.targetImageId).toBe(NEW_AMI);
    expect(group.instanceCount).toBe(8);
    expect(group.upToDateCount).toBe(2);
    expect(group.outdatedInstances.map((i) => [i.instanceId, i.runningTasksCount])).toEqual([
      [instanceId(2), 0],
      [instanceId(4), 0],
      [instanceId(8), 0],
      [instanceId(3), 3],
      [instanceId(5), 3],
      [instanceId(1), 5],
    ]);
    expect(group.outdatedInstances[0]).toEqual({
      instanceId: instanceId(2),
      imageId: OLD_AMI,
      containerInstanceArn: containerInstanceArn(instanceId(2)),
      runningTasksCount: 0,
      containerInstanceStatus: 'ACTIVE',
    });
    expect(group.outdatedInstances[1]).toEqual({
      instanceId: instanceId(4), imageId: OLD_AMI, containerInstanceArn: undefined, runningTasksCount: 0, containerInstanceStatus: undefined,
    });
    expect(group.outdatedInstances[2].imageId).toBeUndefined();
  });

  test('instances already on the target but a launch source on the old image: outdated, only the launch source to update', () => {
    const group = only(webCluster({ group: { members: [{ id: instanceId(1), imageId: NEW_AMI, tasks: 1 }] } }));
    expect(group).toMatchObject({ status: 'outdated', updateLaunchSource: true, upToDateCount: 1, outdatedInstances: [], outdatedSince: undefined });
  });

  test('force=true marks every instance, those on the target included', () => {
    const cluster = webCluster({
      group: {
        currentImageId: NEW_AMI,
        members: [
          { id: instanceId(1), imageId: NEW_AMI, tasks: 2 },
          { id: instanceId(2), imageId: OLD_AMI, tasks: 7 },
        ],
      },
    });
    expect(only(cluster).outdatedInstances.map((i) => i.instanceId)).toEqual([instanceId(2)]);

    const forced = only(cluster, { force: true });
    expect(forced.status).toBe('outdated');
    expect(forced.updateLaunchSource).toBe(false);
    expect(forced.upToDateCount).toBe(0);
    expect(forced.outdatedInstances.map((i) => i.instanceId)).toEqual([instanceId(1), instanceId(2)]);
  });

  const accepted: Array<[string, ObservedCluster, Partial<PlanConfig>, Partial<GroupPlan>]> = [
    [
      'a current image since deregistered: family and architecture are read from the image its instances run',
      webCluster({
        images: [al2023Image('ami-0aaaaaaaaaaaaaaa1'), al2023Image(NEW_AMI)],
        group: { members: [{ id: instanceId(1), imageId: 'ami-0aaaaaaaaaaaaaaa1', tasks: 1 }, { id: instanceId(2), imageId: 'ami-0aaaaaaaaaaaaaaa1', tasks: 2 }] },
      }),
      {},
      { status: 'outdated', family: 'amazon-linux-2023', targetImageId: NEW_AMI, updateLaunchSource: true },
    ],
    [
      'family tag override on an image of unrecognised name',
      webCluster({
        images: [al2023Image(OLD_AMI, { name: 'acme-golden-ecs-2025-01' }), al2023Image(NEW_AMI)],
        group: { tags: { [TagKey.AMI_FAMILY]: 'amazon-linux-2023' } },
      }),
      {},
      { status: 'outdated', family: 'amazon-linux-2023', familyFrom: 'tag', parameterName: AL2023_X86_PARAM, targetImageId: NEW_AMI },
    ],
    [
      'family tag overriding the detected family, with its own parameter',
      webCluster({
        parameters: { '/acme/golden/ecs': NEW_AMI },
        group: { tags: { [TagKey.AMI_FAMILY]: 'acme-golden' } },
      }),
      { amiParameters: { 'acme-golden/x86_64': '/acme/golden/ecs' } },
      { status: 'outdated', family: 'acme-golden', familyFrom: 'tag', parameterName: '/acme/golden/ecs', targetImageId: NEW_AMI },
    ],
    [
      'a JSON "recommended" parameter value',
      webCluster({
        parameters: {
          [AL2023_X86_PARAM]: JSON.stringify({
            schema_version: 1,
            image_name: 'al2023-ami-ecs-hvm-2023.0.20250101-kernel-6.1-x86_64',
            image_id: NEW_AMI,
            os: 'Amazon Linux 2023',
            ecs_runtime_version: 'Docker version 25.0.6',
            ecs_agent_version: '1.89.2',
          }),
        },
      }),
      {},
      { status: 'outdated', targetImageId: NEW_AMI },
    ],
    [
      'a plain value with surrounding whitespace',
      webCluster({ parameters: { [AL2023_X86_PARAM]: ` ${NEW_AMI}\n` } }),
      {},
      { status: 'outdated', targetImageId: NEW_AMI },
    ],
    [
      'a target deprecated only after the observation',
      withTarget(al2023Image(NEW_AMI, { deprecationTime: '2025-03-01T00:00:01.000Z' })),
      {},
      { status: 'outdated', targetImageId: NEW_AMI },
    ],
    [
      'requireClusterTag with the group tagged for this cluster',
      webCluster({ group: { tags: clusterTag() } }),
      { requireClusterTag: true },
      { status: 'outdated', targetImageId: NEW_AMI },
    ],
    [
      'a launch-configuration group',
      webCluster({ group: { launchSource: { kind: 'launch-configuration', launchConfigurationName: 'web-lc' } } }),
      {},
      { status: 'outdated', updateLaunchSource: true },
    ],
    [
      'a resolve:ssm template following the very parameter (as observed: its image is the target): no new template version',
      webCluster({ group: { currentImageId: NEW_AMI, launchSource: templateSource({ imageIdExpression: `resolve:ssm:${AL2023_X86_PARAM}` }) } }),
      {},
      { status: 'outdated', updateLaunchSource: false, targetImageId: NEW_AMI, upToDateCount: 1 },
    ],
    [
      'a resolve:ssm template following the very parameter, its image read before the parameter moved: still no new version',
      webCluster({ group: { launchSource: templateSource({ imageIdExpression: `resolve:ssm:${AL2023_X86_PARAM}` }) } }),
      {},
      { status: 'outdated', updateLaunchSource: false, targetImageId: NEW_AMI },
    ],
    [
      // The label stays on an old version when the parameter moves: new instances would boot the old image again.
      'a resolve:ssm template pinned to a label of the very parameter, on an older image: the template must change',
      webCluster({ group: { launchSource: templateSource({ imageIdExpression: `resolve:ssm:${AL2023_X86_PARAM}:prod` }) } }),
      {},
      { status: 'outdated', updateLaunchSource: true },
    ],
    [
      'a resolve:ssm template pinned to a version of the very parameter, on an older image: the template must change',
      webCluster({ group: { launchSource: templateSource({ imageIdExpression: `resolve:ssm:${AL2023_X86_PARAM}:3` }) } }),
      {},
      { status: 'outdated', updateLaunchSource: true },
    ],
    [
      'a resolve:ssm template pinned to a label that already names the target: nothing to change',
      webCluster({ group: { currentImageId: NEW_AMI, launchSource: templateSource({ imageIdExpression: `resolve:ssm:${AL2023_X86_PARAM}:prod` }) } }),
      {},
      { status: 'outdated', updateLaunchSource: false },
    ],
    [
      'a resolve:ssm template following another parameter: the template must change',
      webCluster({ group: { launchSource: templateSource({ imageIdExpression: 'resolve:ssm:/my/param' }) } }),
      {},
      { status: 'outdated', updateLaunchSource: true },
    ],
    [
      'an arm64 Bottlerocket group on its own parameter',
      observedCluster({
        images: [bottlerocketImage(OLD_AMI), bottlerocketImage(NEW_AMI)],
        parameters: { [BOTTLEROCKET_ARM_PARAM]: NEW_AMI },
        groups: [{ name: 'web', currentImageId: OLD_AMI, members: [{ id: instanceId(1), imageId: OLD_AMI, tasks: 1 }] }],
      }),
      {},
      { status: 'outdated', family: 'bottlerocket-ecs-2', architecture: 'arm64', parameterName: BOTTLEROCKET_ARM_PARAM },
    ],
  ];

  test.each(accepted)('accepted: %s', (_, cluster, config, expected) => {
    const group = only(cluster, config);
    expect(group.reason).toBeUndefined();
    expect(group).toMatchObject(expected);
  });
});

describe('plan: groups that are refused', () => {
  type Row = [string, ObservedCluster, Partial<PlanConfig>, readonly string[], Partial<GroupPlan>];
  const refused: Row[] = [
    [
      'an image of unknown family (the message names the image)',
      webCluster({ images: [al2023Image(OLD_AMI, { name: 'acme-golden-ecs-2025-01' }), al2023Image(NEW_AMI)] }),
      {},
      [OLD_AMI, "'acme-golden-ecs-2025-01'", 'not recognised'],
      {},
    ],
    [
      'a malformed family tag value',
      webCluster({ group: { tags: { [TagKey.AMI_FAMILY]: 'Amazon Linux 2023' } } }),
      {},
      ["'Amazon Linux 2023'", 'not a family name'],
      {},
    ],
    [
      'no parameter for the family/architecture key',
      webCluster({ group: { tags: { [TagKey.AMI_FAMILY]: 'acme-golden' } } }),
      {},
      ["'acme-golden/x86_64'", 'amiParameters'],
      { family: 'acme-golden', architecture: 'x86_64', familyFrom: 'tag' },
    ],
    [
      'a parameter SSM reports invalid (InvalidParameters)',
      webCluster({ parameters: { [AL2023_X86_PARAM]: undefined } }),
      {},
      [AL2023_X86_PARAM, 'does not exist'],
      { parameterName: AL2023_X86_PARAM },
    ],
    [
      'a parameter that was never read',
      webCluster({ parameters: {} }),
      {},
      [AL2023_X86_PARAM, 'does not exist'],
      {},
    ],
    [
      'a parameter value "latest"',
      webCluster({ parameters: { [AL2023_X86_PARAM]: 'latest' } }),
      {},
      [AL2023_X86_PARAM, "'latest'", 'neither an AMI id'],
      {},
    ],
    [
      'a parameter value of malformed JSON',
      webCluster({ parameters: { [AL2023_X86_PARAM]: '{"image_id": "ami-' } }),
      {},
      [AL2023_X86_PARAM, 'malformed JSON'],
      {},
    ],
    [
      'a JSON parameter value without image_id',
      webCluster({ parameters: { [AL2023_X86_PARAM]: '{"image_name":"al2023-ami-ecs-hvm-2023.0.20250101-kernel-6.1-x86_64"}' } }),
      {},
      [AL2023_X86_PARAM, 'without a valid image_id'],
      {},
    ],
    [
      'a JSON parameter value whose image_id is not an AMI id',
      webCluster({ parameters: { [AL2023_X86_PARAM]: '{"image_id":"latest"}' } }),
      {},
      ['without a valid image_id'],
      {},
    ],
    [
      'a target image that does not exist',
      webCluster({ parameters: { [AL2023_X86_PARAM]: MISSING_AMI } }),
      {},
      [MISSING_AMI, AL2023_X86_PARAM, 'does not exist or is not visible'],
      { targetImageId: MISSING_AMI, parameterName: AL2023_X86_PARAM },
    ],
    [
      'a target image for another architecture',
      withTarget(al2023Image(NEW_AMI, { architecture: 'arm64' })),
      {},
      [NEW_AMI, 'is for arm64, but the group runs x86_64'],
      {},
    ],
    [
      'a Windows target for a Linux group',
      withTarget(windowsImage(NEW_AMI)),
      {},
      [NEW_AMI, "platform 'Windows'", "runs 'Linux/UNIX'"],
      {},
    ],
    [
      'a Linux target for a Windows group',
      observedCluster({
        images: [windowsImage(OLD_AMI), al2023Image(NEW_AMI)],
        parameters: { [DEFAULT_AMI_PARAMETERS['windows-server-2022-full/x86_64']]: NEW_AMI },
        groups: [{ name: 'web', currentImageId: OLD_AMI, members: [{ id: instanceId(1), imageId: OLD_AMI, tasks: 0 }] }],
      }),
      {},
      [NEW_AMI, "platform 'Linux/UNIX'", "runs 'Windows'"],
      {},
    ],
    [
      'a target deprecated before the observation',
      withTarget(al2023Image(NEW_AMI, { deprecationTime: '2025-02-28T23:59:59.000Z' })),
      {},
      [NEW_AMI, 'deprecated at 2025-02-28T23:59:59.000Z'],
      {},
    ],
    [
      'a target that is not available',
      withTarget(al2023Image(NEW_AMI, { state: 'pending' })),
      {},
      [NEW_AMI, "'pending', not 'available'"],
      {},
    ],
    [
      'a deregistered target',
      withTarget(al2023Image(NEW_AMI, { state: 'deregistered' })),
      {},
      ["'deregistered'"],
      {},
    ],
    [
      'requireClusterTag and an untagged group',
      webCluster(),
      { requireClusterTag: true },
      ['web', `${TagKey.CLUSTER}=${CLUSTER}`],
      {},
    ],
    [
      'requireClusterTag and a group tagged for another cluster',
      webCluster({ group: { tags: clusterTag('staging') } }),
      { requireClusterTag: true },
      [`${TagKey.CLUSTER}=${CLUSTER}`],
      {},
    ],
    [
      'a group with neither launch template nor configuration',
      webCluster({ group: { launchSource: { kind: 'none' } } }),
      {},
      ['neither a launch template nor a launch configuration'],
      {},
    ],
    [
      'a resolve:ssm template whose parameter could not be read',
      webCluster({ group: { currentImageId: undefined, launchSource: templateSource({ imageIdExpression: 'resolve:ssm:/my/param' }) } }),
      {},
      ['/my/param', 'could not be read'],
      {},
    ],
    [
      'a template naming no image',
      webCluster({ group: { currentImageId: undefined } }),
      {},
      ['names no image'],
      {},
    ],
    [
      'a mixed instances policy with an override template whose image follows another parameter (another architecture, or unknown)',
      webCluster({
        group: {
          launchSource: templateSource({
            mixedInstancesPolicy: true,
            overrides: [{
              fields: { InstanceType: 'm7g.large' },
              template: { launchTemplateId: 'lt-0fedcba9876543210', version: '1', resolvedVersion: 1, imageIdExpression: 'ami-0a4a4a4a4a4a4a4a4' },
            }],
          }),
        },
      }),
      {},
      ['lt-0fedcba9876543210', 'launches image ami-0a4a4a4a4a4a4a4a4', "does not follow the group's parameter"],
      {},
    ],
    [
      'a current image EC2 could not describe, and no instance on a describable image either',
      webCluster({ images: [al2023Image(NEW_AMI)], group: { members: [{ id: instanceId(1), imageId: OLD_AMI, tasks: 1 }] } }),
      {},
      ['could not be described'],
      {},
    ],
    [
      'a current image of an unsupported architecture',
      webCluster({ images: [al2023Image(OLD_AMI, { architecture: 'i386' }), al2023Image(NEW_AMI)] }),
      {},
      [OLD_AMI, "'i386'"],
      {},
    ],
  ];

  test.each(refused)('refused: %s', (_, cluster, config, fragments, extra) => {
    const group = only(cluster, config);
    expect(group.status).toBe('refused');
    for (const fragment of fragments) expect(group.reason).toContain(fragment);
    // A refused group is never acted on.
    expect(group.outdatedInstances).toEqual([]);
    expect(group.updateLaunchSource).toBe(false);
    expect(group.upToDateCount).toBe(0);
    expect(group).toMatchObject(extra);
  });

  test('a refusal is counted, and no refused instance counts as outdated or up to date', () => {
    const result = plan(webCluster({ parameters: { [AL2023_X86_PARAM]: 'latest' } }), PLAN_CONFIG);
    expect(result.totals).toEqual({
      outdatedInstances: 0, upToDateInstances: 0, refusedGroups: 1, unobservedGroups: 0, unknownFamilyGroups: 0, oldestOutdatedAgeSeconds: 0,
    });
  });
});

describe('plan: the cluster as a whole', () => {
  test('unobserved groups come from groupFailures, sorted among the others by name', () => {
    const result = plan(webCluster({ groupFailures: [{ name: 'zeta', reason: 'Auto Scaling group zeta was not found' }, { name: 'alpha', reason: 'boom' }] }), PLAN_CONFIG);
    expect(result.groups.map((g) => [g.groupName, g.status])).toEqual([['alpha', 'unobserved'], ['web', 'outdated'], ['zeta', 'unobserved']]);
    expect(result.groups[2]).toEqual({
      groupName: 'zeta',
      status: 'unobserved',
      reason: 'Auto Scaling group zeta was not found',
      updateLaunchSource: false,
      instanceCount: 0,
      upToDateCount: 0,
      outdatedInstances: [],
    });
    expect(result.totals.unobservedGroups).toBe(2);
  });

  test('container instances no managed group owns are listed as unmanaged, sorted', () => {
    const result = plan(webCluster({ strangers: { [instanceId(0x99)]: 3, [instanceId(0x42)]: 0 } }), PLAN_CONFIG);
    expect(result.unmanagedInstanceIds).toEqual([instanceId(0x42), instanceId(0x99)]);
    expect(result.groups[0].outdatedInstances.map((i) => i.instanceId)).toEqual([instanceId(1)]);
  });

  test('totals: counts across groups, and the age of the oldest outdated instance from the target image creation', () => {
    const older = amiId(0x3003);
    const cluster = observedCluster({
      images: [
        al2023Image(OLD_AMI),
        al2023Image(NEW_AMI, { creationDate: '2025-02-01T00:00:00.000Z' }),
        al2023Image(older, { architecture: 'arm64', creationDate: '2025-01-15T12:00:00.000Z' }),
        al2023Image(amiId(0x4004), { architecture: 'arm64' }),
      ],
      parameters: { [AL2023_X86_PARAM]: NEW_AMI, [AL2023_ARM_PARAM]: older },
      groups: [
        { name: 'x86', currentImageId: OLD_AMI, members: [{ id: instanceId(1), imageId: OLD_AMI, tasks: 1 }, { id: instanceId(2), imageId: NEW_AMI, tasks: 1 }] },
        { name: 'arm', currentImageId: amiId(0x4004), members: [{ id: instanceId(3), imageId: amiId(0x4004), tasks: 1 }] },
        { name: 'done', currentImageId: NEW_AMI, members: [{ id: instanceId(4), imageId: NEW_AMI, tasks: 1 }] },
      ],
    });
    const result = plan(cluster, PLAN_CONFIG);

    expect(result.groups.find((g) => g.groupName === 'x86')?.outdatedSince).toBe(Date.parse('2025-02-01T00:00:00.000Z'));
    expect(result.groups.find((g) => g.groupName === 'done')?.outdatedSince).toBeUndefined();
    expect(result.totals).toEqual({
      outdatedInstances: 2,
      upToDateInstances: 2,
      refusedGroups: 0,
      unobservedGroups: 0,
      unknownFamilyGroups: 0,
      // 2025-01-15T12:00Z to 2025-03-01T00:00Z: 44.5 days
      oldestOutdatedAgeSeconds: 44.5 * DAY,
    });
    expect(result.observedAt).toBe(OBSERVED_AT);
    expect(result.clusterName).toBe(CLUSTER);
  });

  test('oldestOutdatedAgeSeconds is 0 when nothing is outdated, and never negative', () => {
    const upToDate = webCluster({ group: { currentImageId: NEW_AMI, members: [{ id: instanceId(1), imageId: NEW_AMI, tasks: 0 }] } });
    expect(plan(upToDate, PLAN_CONFIG).totals.oldestOutdatedAgeSeconds).toBe(0);

    const createdAfterObservation = webCluster({ images: [al2023Image(OLD_AMI), al2023Image(NEW_AMI, { creationDate: '2025-03-02T00:00:00.000Z' })] });
    const result = plan(createdAfterObservation, PLAN_CONFIG);
    expect(result.totals.outdatedInstances).toBe(1);
    expect(result.totals.oldestOutdatedAgeSeconds).toBe(0);
  });

  test('a target without a creation date gives no age rather than a wrong one', () => {
    const result = plan(withTarget(al2023Image(NEW_AMI, { creationDate: undefined })), PLAN_CONFIG);
    expect(result.groups[0].outdatedSince).toBeUndefined();
    expect(result.totals.outdatedInstances).toBe(1);
    expect(result.totals.oldestOutdatedAgeSeconds).toBe(0);
  });

  test('the plan does not depend on the wall clock: observedAt decides deprecation', () => {
    const cluster = withTarget(al2023Image(NEW_AMI, { deprecationTime: '2025-03-01T12:00:00.000Z' }));
    expect(only(cluster).status).toBe('outdated');
    expect(only({ ...cluster, observedAt: Date.parse('2025-03-02T00:00:00.000Z') }).status).toBe('refused');
  });
});

// -------------------------------------------------------------------------------------------------------------
// Properties
// -------------------------------------------------------------------------------------------------------------

type Kind = 'al2023-x86' | 'al2023-arm' | 'bottlerocket-arm' | 'unknown-family' | 'no-parameter';

const KIND_IMAGES: Record<Kind, { old: ImageInfo; new: ImageInfo; tag?: string }> = {
  'al2023-x86': { old: al2023Image(amiId(0x11)), new: al2023Image(amiId(0x12)) },
  'al2023-arm': { old: al2023Image(amiId(0x21), { architecture: 'arm64' }), new: al2023Image(amiId(0x22), { architecture: 'arm64' }) },
  'bottlerocket-arm': { old: bottlerocketImage(amiId(0x31)), new: bottlerocketImage(amiId(0x32)) },
  'unknown-family': { old: al2023Image(amiId(0x41), { name: 'acme-ecs-1' }), new: al2023Image(amiId(0x42), { name: 'acme-ecs-2' }) },
  'no-parameter': { old: al2023Image(amiId(0x51)), new: al2023Image(amiId(0x52)), tag: 'acme-golden' },
};

const PROPERTY_PARAMETERS = {
  [AL2023_X86_PARAM]: KIND_IMAGES['al2023-x86'].new.imageId,
  [AL2023_ARM_PARAM]: KIND_IMAGES['al2023-arm'].new.imageId,
  [BOTTLEROCKET_ARM_PARAM]: KIND_IMAGES['bottlerocket-arm'].new.imageId,
};

const memberArbitrary = fc.record({
  image: fc.constantFrom('old', 'new', 'unknown' as const),
  tasks: fc.option(fc.nat(30), { nil: undefined }),
  attributeNew: fc.boolean(),
});

const clusterArbitrary = fc.record({
  groups: fc.array(fc.record({
    kind: fc.constantFrom<Kind>('al2023-x86', 'al2023-arm', 'bottlerocket-arm', 'unknown-family', 'no-parameter'),
    currentIsNew: fc.boolean(),
    tagged: fc.boolean(),
    members: fc.array(memberArbitrary, { maxLength: 8 }),
  }), { maxLength: 6 }),
  strangers: fc.array(fc.nat(30), { maxLength: 3 }),
  failures: fc.nat(2),
  force: fc.boolean(),
  requireClusterTag: fc.boolean(),
});

type GeneratedCluster = typeof clusterArbitrary extends fc.Arbitrary<infer T> ? T : never;

function buildCluster(spec: GeneratedCluster): ObservedCluster {
  let next = 1;
  const groups: GroupSpec[] = spec.groups.map((g, gi) => {
    const images = KIND_IMAGES[g.kind];
    return {
      name: `g${gi}-${g.kind}`,
      currentImageId: (g.currentIsNew ? images.new : images.old).imageId,
      tags: { ...(g.tagged ? clusterTag() : {}), ...(images.tag ? { [TagKey.AMI_FAMILY]: images.tag } : {}) },
      members: g.members.map((m): MemberSpec => ({
        id: instanceId(next++),
        imageId: m.image === 'unknown' ? undefined : (m.image === 'new' ? images.new : images.old).imageId,
        tasks: m.tasks,
        amiAttribute: m.attributeNew ? images.new.imageId : images.old.imageId,
      })),
    };
  });
  const strangers = Object.fromEntries(spec.strangers.map((tasks) => [instanceId(0x100000 + next++), tasks]));
  return observedCluster({
    groups,
    strangers,
    images: Object.values(KIND_IMAGES).flatMap((k) => [k.old, k.new]),
    parameters: PROPERTY_PARAMETERS,
    groupFailures: Array.from({ length: spec.failures }, (_, i) => ({ name: `failed-${i}`, reason: 'not found' })),
  });
}

/** The image the planner should see for an instance: EC2's, else the ECS agent's attribute. */
function effectiveImage(cluster: ObservedCluster, id: string): string | undefined {
  return cluster.instances[id]?.imageId ?? cluster.containerInstances.find((c) => c.ec2InstanceId === id)?.amiIdAttribute;
}

describe('plan: properties over generated clusters', () => {
  test('outdated instances belong to their group, are never on the target unless forced, are sorted, and counts add up', () => {
    fc.assert(fc.property(clusterArbitrary, (spec) => {
      const cluster = buildCluster(spec);
      const config: PlanConfig = { ...PLAN_CONFIG, force: spec.force, requireClusterTag: spec.requireClusterTag };
      const result = plan(cluster, config);

      expect(result.groups).toHaveLength(cluster.groups.length + cluster.groupFailures.length);
      for (const g of result.groups) {
        const observed = cluster.groups.find((o) => o.name === g.groupName);
        if (!observed) {
          expect(g.status).toBe('unobserved');
          continue;
        }
        const members = new Set(observed.instances.map((i) => i.instanceId));
        const outdatedIds = g.outdatedInstances.map((i) => i.instanceId);
        expect(new Set(outdatedIds).size).toBe(outdatedIds.length);
        for (const id of outdatedIds) expect(members.has(id)).toBe(true);

        if (g.status === 'refused') {
          expect(g.outdatedInstances).toEqual([]);
          expect(g.upToDateCount).toBe(0);
          continue;
        }
        expect(g.upToDateCount + g.outdatedInstances.length).toBe(observed.instances.length);
        expect(g.instanceCount).toBe(observed.instances.length);
        const onTarget = observed.instances.filter((i) => effectiveImage(cluster, i.instanceId) === g.targetImageId).length;
        if (spec.force) {
          expect(g.upToDateCount).toBe(0);
        } else {
          expect(g.upToDateCount).toBe(onTarget);
          for (const i of g.outdatedInstances) expect(effectiveImage(cluster, i.instanceId)).not.toBe(g.targetImageId);
        }
        const tasks = g.outdatedInstances.map((i) => i.runningTasksCount);
        expect(tasks).toEqual([...tasks].sort((a, b) => a - b));
      }

      expect(result.totals.outdatedInstances).toBe(result.groups.reduce((n, g) => n + g.outdatedInstances.length, 0));
      expect(result.totals.upToDateInstances).toBe(result.groups.reduce((n, g) => n + g.upToDateCount, 0));
      expect(result.totals.refusedGroups).toBe(result.groups.filter((g) => g.status === 'refused').length);
      expect(result.unmanagedInstanceIds).toHaveLength(spec.strangers.length);
    }), { numRuns: 300 });
  });

  test('groups of unknown family, without a parameter, or untagged when the tag is required are always refused', () => {
    fc.assert(fc.property(clusterArbitrary, (spec) => {
      const cluster = buildCluster(spec);
      const result = plan(cluster, { ...PLAN_CONFIG, force: spec.force, requireClusterTag: spec.requireClusterTag });
      spec.groups.forEach((g, gi) => {
        const planned = result.groups.find((p) => p.groupName === `g${gi}-${g.kind}`)!;
        const mustRefuse = g.kind === 'unknown-family' || g.kind === 'no-parameter' || (spec.requireClusterTag && !g.tagged);
        expect(planned.status === 'refused').toBe(mustRefuse);
      });
    }), { numRuns: 200 });
  });

  test('deterministic: the same input (even reordered) gives a deep-equal plan, and the input is not mutated', () => {
    fc.assert(fc.property(clusterArbitrary, (spec) => {
      const cluster = buildCluster(spec);
      const config: PlanConfig = { ...PLAN_CONFIG, force: spec.force, requireClusterTag: spec.requireClusterTag };
      const snapshot = structuredClone(cluster);
      const first = plan(cluster, config);

      expect(plan(structuredClone(cluster), config)).toEqual(first);
      const reordered: ObservedCluster = {
        ...cluster,
        groups: [...cluster.groups].reverse(),
        groupFailures: [...cluster.groupFailures].reverse(),
        containerInstances: [...cluster.containerInstances].reverse(),
      };
      expect(plan(reordered, config)).toEqual(first);
      expect(cluster).toEqual(snapshot);
    }), { numRuns: 200 });
  });
});
