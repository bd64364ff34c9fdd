/**
 * The idle shortcut (observe.ts, `idleObservation`): a warm function confirms an idle cluster in six calls
 * whatever its size, reports what a full read would, and reads everything as soon as anything may need it.
 */
import { POLL_MS, settingsFor } from './harness';
import type { AwsApi } from '../../src/aws/ports';
import { FULL_READ_INTERVAL_MS, FullReads } from '../../src/engine/observe/full-reads';
import { strayFilter } from '../../src/engine/observe/idle-observation';
import { ImageCache } from '../../src/engine/observe/image-cache';
import { planMetrics } from '../../src/engine/report';
import { runEngine, RunResult } from '../../src/engine/run';
import { DEFAULT_AMI_PARAMETERS } from '../../src/shared/ami-families';
import { CORDON_ATTRIBUTE } from '../../src/shared/records';
import { buildScenario, GroupSpec, imageName, Simulation, UngroupedSpec } from '../sim';

const AL2023_X86 = 'amazon-linux-2023/x86_64';
const AL2023_ARM = 'amazon-linux-2023/arm64';
const IDLE_READS = [
  'ecs:describeClusters', 'autoscaling:describeAutoScalingGroups', 'ec2:describeLaunchTemplateVersions', 'ssm:getParameters',
  'ecs:listContainerInstances', 'ecs:listContainerInstances',
];

/** Groups whose instances all run their family's image, which their parameter names. */
function upToDate(groups: readonly GroupSpec[], ungrouped: readonly UngroupedSpec[] = []): Simulation {
  const sim = buildScenario({ seed: 11, groups, ungrouped, services: 'auto' });
  for (const images of Object.values(sim.images)) sim.cloud.setParameter(images.parameter, images.old.imageId);
  return sim;
}

const web = (instances: number): GroupSpec => ({ name: 'web', family: 'amazon-linux-2023', architecture: 'x86_64', instances });

/** One warm function: the image cache and the record of full reads are kept from run to run. */
function warmFunction(sim: Simulation, rotation = {}, options: { readonly api?: AwsApi; readonly fullReads?: FullReads } = {}) {
  const imageCache = new ImageCache();
  const fullReads = options.fullReads ?? new FullReads();
  return async (): Promise<{ result: RunResult; calls: string[] }> => {
    sim.recorder.clear();
    const result = await runEngine({
      api: options.api ?? sim.api,
      clock: sim.clock,
      settings: settingsFor(sim.clusterName, rotation, { knownCapacityProviders: Object.fromEntries(sim.groupNames.map((g) => [`${g}-cp`, g])) }),
      owner: 'lambda:test',
      deadline: sim.clock.now() + 60_000,
      pollIntervalMs: POLL_MS,
      imageCache,
      fullReads,
    });
    return { result, calls: sim.recorder.calls.map((c) => c.operation) };
  };
}

function report(result: RunResult) {
  const plan = result.last.plan;
  return { groups: plan.groups, unmanaged: plan.unmanagedInstances, totals: plan.totals, metrics: planMetrics(plan) };
}

describe('a warm function confirms an idle cluster in six calls at any size', () => {
  test.each([10, 100, 1000])('%i instances: the first run reads everything, the next ones six calls', async (n) => {
    const sim = upToDate([web(n)]);
    const run = warmFunction(sim);
    const first = await run();
    expect(first.result.settled).toBe(true);
    expect(first.calls).toContain('ecs:describeContainerInstances');
    const second = await run();
    expect(second.result.settled).toBe(true);
    expect(second.calls).toEqual(IDLE_READS);
    expect(second.result.last.observed.idle).toEqual({ registeredContainerInstances: n });
    // The two ListContainerInstances: the query for anything not idle, then DRAINING instances.
    expect(sim.recorder.of('ecs:listContainerInstances').map((c) => c.input)).toEqual([
      { cluster: sim.clusterArn, filter: strayFilter([sim.images[AL2023_X86].old.imageId]), maxResults: 100 },
      { cluster: sim.clusterArn, status: 'DRAINING', maxResults: 100 },
    ]);
    // It reports what the full read reported: every member up to date, the same metrics.
    expect(report(second.result)).toEqual(report(first.result));
    expect(second.result.last.plan.totals.upToDateInstances).toBe(n);
  });

  test('two groups of different architectures: one query names both targets', async () => {
    const sim = upToDate([web(20), { name: 'arm', family: 'amazon-linux-2023', architecture: 'arm64', instances: 10 }]);
    const run = warmFunction(sim);
    const first = await run();
    const second = await run();
    expect(second.result.last.observed.idle).toBeDefined();
    expect(sim.recorder.of('ecs:listContainerInstances')[0].input).toMatchObject({
      filter: strayFilter([sim.images[AL2023_X86].old.imageId, sim.images[AL2023_ARM].old.imageId]),
    });
    expect(report(second.result)).toEqual(report(first.result));
  });

  test('a full read again once an hour has passed since the last', async () => {
    const sim = upToDate([web(10)]);
    const run = warmFunction(sim);
    await run();
    await sim.sleep(FULL_READ_INTERVAL_MS - 60_000);
    expect((await run()).calls).toEqual(IDLE_READS);
    await sim.sleep(60_000);
    expect((await run()).calls).toContain('ecs:describeContainerInstances');
    expect((await run()).calls).toEqual(IDLE_READS);
  });

  test('a run without the record of full reads (the CLI), and a forced run, read everything', async () => {
    const sim = upToDate([web(10)]);
    const run = warmFunction(sim);
    await run();
    const listings = () => sim.recorder.of('ecs:listContainerInstances').map((c) => c.input);
    sim.recorder.clear();
    await runEngine({
      api: sim.api, clock: sim.clock, settings: settingsFor(sim.clusterName), owner: 'cli:test', deadline: sim.clock.now() + 60_000, pollIntervalMs: POLL_MS,
    });
    expect(listings()).toEqual([{ cluster: sim.clusterArn, maxResults: 100 }]);
    const forced = warmFunction(sim, { force: true });
    await forced();
    expect(listings().length).toBeGreaterThan(0);
    expect(listings()).toEqual(listings().map(() => ({ cluster: sim.clusterArn, maxResults: 100 })));
  });
});

describe('launch templates in an idle run: one call for all those on $Default, none for a numbered version', () => {
  const arm = (extra: Partial<GroupSpec> = {}): GroupSpec => ({ name: 'arm', family: 'amazon-linux-2023', architecture: 'arm64', instances: 10, ...extra });
  const templateReads = (sim: Simulation) => sim.recorder.of('ec2:describeLaunchTemplateVersions').map((c) => c.input);
  const templateOf = (sim: Simulation, group: string) => sim.cloud.templatesByName.get(sim.cloud.groups.get(group)!.launchTemplate!.name)!;

  test('two groups on two templates at $Default: six calls, the two defaults confirmed in one', async () => {
    const sim = upToDate([web(20), arm()]);
    const run = warmFunction(sim);
    const first = await run();
    expect(templateReads(sim)).toHaveLength(2);
    const second = await run();
    expect(second.calls).toEqual(IDLE_READS);
    expect(templateReads(sim)).toEqual([{
      Versions: ['$Default'],
      Filters: [{ Name: 'image-id', Values: [sim.images[AL2023_X86].old.imageId, sim.images[AL2023_ARM].old.imageId] }],
      MaxResults: 200,
    }]);
    expect(second.result.last.observed.groups.map((g) => g.launchSource)).toEqual(first.result.last.observed.groups.map((g) => g.launchSource));
    expect(report(second.result)).toEqual(report(first.result));
  });

  test('groups pinned to a numbered version (as CDK writes them): five calls, no template read (a version never changes)', async () => {
    const sim = upToDate([web(20), arm()].map((g) => ({ ...g, launchTemplateVersion: '1' as const })));
    const run = warmFunction(sim);
    await run();
    const second = await run();
    expect(second.calls).toEqual(IDLE_READS.filter((c) => c !== 'ec2:describeLaunchTemplateVersions'));
    expect(second.result.last.observed.idle).toBeDefined();
  });

  test('$Latest is read each run: its newest version may launch anything', async () => {
    const sim = upToDate([{ ...web(10), launchTemplateVersion: '$Latest' }]);
    const run = warmFunction(sim);
    await run();
    const second = await run();
    expect(second.calls).toEqual(IDLE_READS);
    expect(templateReads(sim)).toEqual([{ LaunchTemplateId: templateOf(sim, 'web').id, Versions: ['$Latest'] }]);
  });

  test('a default version moved to another image is read, seen, and pointed back at the target', async () => {
    const sim = upToDate([web(10), arm()]);
    const run = warmFunction(sim);
    await run();
    const template = templateOf(sim, 'web');
    const other = sim.images[AL2023_X86].new.imageId;
    await sim.api.ec2.createLaunchTemplateVersion({ LaunchTemplateId: template.id, SourceVersion: '1', LaunchTemplateData: { ImageId: other } });
    await sim.api.ec2.modifyLaunchTemplate({ LaunchTemplateId: template.id, DefaultVersion: '2' });
    const next = await run();
    // Confirmed together: the arm template only; the web template is read on its own, then everything.
    expect(templateReads(sim).slice(0, 2)).toEqual([
      expect.objectContaining({ Versions: ['$Default'] }),
      { LaunchTemplateId: template.id, Versions: ['$Default', '$Latest'] },
    ]);
    expect(next.result.last.observed.idle).toBeUndefined();
    expect(next.calls).toContain('ecs:describeContainerInstances');
    const target = sim.images[AL2023_X86].old.imageId;
    expect(sim.recorder.of('ec2:createLaunchTemplateVersion').map((c) => c.input)).toEqual([
      expect.objectContaining({ LaunchTemplateId: template.id, SourceVersion: '2', LaunchTemplateData: { ImageId: target } }),
    ]);
    expect(next.result.last.observed.groups.find((g) => g.name === 'web')).toMatchObject({
      currentImageId: target, launchSource: { resolvedVersion: 3, imageIdExpression: target },
    });
  });

  test('a default version moved to a new version with the same image: read on its own, still idle', async () => {
    const sim = upToDate([web(10)]);
    const run = warmFunction(sim);
    await run();
    const template = templateOf(sim, 'web');
    await sim.api.ec2.createLaunchTemplateVersion({ LaunchTemplateId: template.id, SourceVersion: '1', LaunchTemplateData: { InstanceType: 'm7i.large' } });
    await sim.api.ec2.modifyLaunchTemplate({ LaunchTemplateId: template.id, DefaultVersion: '2' });
    const next = await run();
    expect(next.calls).toEqual([...IDLE_READS.slice(0, 3), 'ec2:describeLaunchTemplateVersions', ...IDLE_READS.slice(3)]);
    expect(next.result.last.observed.idle).toBeDefined();
    expect(next.result.last.observed.groups[0].launchSource).toMatchObject({ resolvedVersion: 2 });
  });

  test('when the confirming call fails, each template is read as before and the run is still idle', async () => {
    const sim = upToDate([web(10), arm()]);
    const run = warmFunction(sim);
    await run();
    sim.faults.inject('ec2:describeLaunchTemplateVersions', { times: 1, error: 'UnauthorizedOperation' });
    const next = await run();
    expect(next.calls.filter((c) => c === 'ec2:describeLaunchTemplateVersions')).toHaveLength(3);
    expect(next.result.last.observed.idle).toBeDefined();
    expect((await run()).calls).toEqual(IDLE_READS);
  });
});

describe('anything that may need more than the shortcut sees is read in full', () => {
  async function afterFirstRun(sim: Simulation) {
    const run = warmFunction(sim);
    await run();
    return run;
  }

  test('a newer image: the rotation starts on the next run', async () => {
    const sim = upToDate([web(10)]);
    const run = await afterFirstRun(sim);
    sim.cloud.setParameter(sim.images[AL2023_X86].parameter, sim.images[AL2023_X86].new.imageId);
    const next = await run();
    expect(next.result.last.observed.idle).toBeUndefined();
    expect(next.result.last.plan.totals.outdatedInstances).toBe(10);
    expect(next.result.outcomes.length).toBeGreaterThan(0);
  });

  test('the template moved to the target outside the engine (IaC) while the instances still run the old image', async () => {
    const sim = upToDate([web(10)]);
    const run = await afterFirstRun(sim);
    const target = sim.images[AL2023_X86].new.imageId;
    await pointTemplateAt(sim, 'web', target);
    sim.cloud.setParameter(sim.images[AL2023_X86].parameter, target);
    const next = await run();
    // The group launches another image than at the last full read: everything is read, no query asked.
    expect(sim.recorder.of('ecs:listContainerInstances').map((c) => c.input)[0]).toEqual({ cluster: sim.clusterArn, maxResults: 100 });
    expect(sim.recorder.of('ecs:listContainerInstances').filter((c) => (c.input as { filter?: string }).filter !== undefined)).toEqual([]);
    expect(next.result.last.observed.idle).toBeUndefined();
    expect(next.result.last.plan.totals.outdatedInstances).toBe(10);
  });

  test('an instance that reports another image than its group\'s target is found by ECS\'s query', async () => {
    const sim = upToDate([web(10)]);
    const run = await afterFirstRun(sim);
    const target = sim.images[AL2023_X86].old.imageId;
    sim.cloud.setAttribute(sim.cloud.registeredContainerInstances()[4], 'ecs.ami-id', sim.images[AL2023_X86].new.imageId);
    const next = await run();
    expect(sim.recorder.of('ecs:listContainerInstances')[0].input).toMatchObject({ filter: strayFilter([target]) });
    expect(next.result.last.observed.idle).toBeUndefined();
    expect(next.result.last.plan.totals.outdatedInstances).toBe(1);
  });

  test('a group moved to another architecture, its old members on another group\'s target, is read in full', async () => {
    // Both groups on Amazon Linux 2023 x86; `web`'s IaC moves it to the arm64 image the arm64 parameter names.
    // Its members still run the x86 image `api` follows, which a query over both targets lets through.
    const sim = upToDate([web(6), { name: 'api', family: 'amazon-linux-2023', architecture: 'x86_64', instances: 4 },
      { name: 'arm', family: 'amazon-linux-2023', architecture: 'arm64', instances: 2 }]);
    const run = await afterFirstRun(sim);
    await pointTemplateAt(sim, 'web', sim.images[AL2023_ARM].old.imageId);
    const next = await run();
    expect(next.result.last.observed.idle).toBeUndefined();
    const webPlan = next.result.last.plan.groups.find((g) => g.groupName === 'web')!;
    expect(webPlan).toMatchObject({ architecture: 'arm64', status: 'outdated' });
    expect(webPlan.outdatedInstances).toHaveLength(6);
    // Every run reads in full until one finds the cluster idle again.
    expect((await run()).calls).toContain('ecs:describeContainerInstances');
  });

  test('what a full read saw and the counts cannot is never hidden again: an instance outside the groups while a member is unregistered', async () => {
    const sim = upToDate([web(10)], [{ family: 'amazon-linux-2023', architecture: 'x86_64', count: 1 }]);
    const run = warmFunction(sim);
    await run();
    // One member never registered: ECS counts 10 registered for 10 members, and every registered one is on target.
    sim.cloud.deregister(sim.cloud.registeredContainerInstances().find((c) => c.instance.group?.name === 'web')!);
    for (let i = 0; i < 3; i++) {
      const next = await run();
      expect(next.result.last.observed.idle).toBeUndefined();
      expect(next.result.last.plan.unmanagedInstanceIds).toHaveLength(1);
    }
  });

  test('a group moved to another family whose instances run another group\'s target of the same architecture', async () => {
    // Both groups on Amazon Linux 2023; then `web`'s template is moved to Bottlerocket by its IaC, and the
    // Bottlerocket parameter names that image. Its instances run the Amazon Linux image `api` follows, which
    // a query over both targets cannot tell from `api`'s own: the shortcut must not be taken.
    const sim = upToDate([web(6), { name: 'api', family: 'amazon-linux-2023', architecture: 'x86_64', instances: 4 }]);
    const run = await afterFirstRun(sim);
    const bottlerocket = sim.cloud.addImage({
      imageId: 'ami-0b0771e0c0ffee001',
      name: imageName('bottlerocket-ecs-2', 'x86_64', '20250612', '1.40.0', 'a1b2c3d4'),
      architecture: 'x86_64',
      platformDetails: 'Linux/UNIX',
      state: 'available',
      creationDate: new Date(sim.clock.now() - 86_400_000).toISOString(),
    });
    sim.cloud.setParameter(DEFAULT_AMI_PARAMETERS['bottlerocket-ecs-2/x86_64'], bottlerocket.imageId);
    await pointTemplateAt(sim, 'web', bottlerocket.imageId);
    const next = await run();
    expect(next.result.last.observed.idle).toBeUndefined();
    const webPlan = next.result.last.plan.groups.find((g) => g.groupName === 'web')!;
    expect(webPlan).toMatchObject({ family: 'bottlerocket-ecs-2', targetImageId: bottlerocket.imageId, status: 'outdated' });
    expect(webPlan.outdatedInstances).toHaveLength(6);
  });

  test('an instance drained by someone else is counted as draining, as a full read counts it', async () => {
    const sim = upToDate([web(10)]);
    const run = await afterFirstRun(sim);
    sim.cloud.setCiStatus(sim.cloud.registeredContainerInstances()[0], 'DRAINING');
    const next = await run();
    // The template the idle check recalled is read again for the full read.
    expect(next.calls).toEqual([...IDLE_READS, 'ec2:describeLaunchTemplateVersions', 'ecs:listContainerInstances', 'ecs:describeContainerInstances']);
    expect(next.result.last.observed.idle).toBeUndefined();
    expect(next.result.last.observed.containerInstances.filter((c) => c.status === 'DRAINING')).toHaveLength(1);
  });

  test('a member that is not registered in the cluster', async () => {
    const sim = upToDate([web(10)]);
    const run = await afterFirstRun(sim);
    sim.cloud.deregister(sim.cloud.registeredContainerInstances()[0]);
    const next = await run();
    expect(next.result.last.observed.idle).toBeUndefined();
    // The count told: ECS was not queried, everything was read (one page of ten instances).
    expect(sim.recorder.of('ecs:listContainerInstances').map((c) => c.input)).toEqual([{ cluster: sim.clusterArn, maxResults: 100 }]);
    expect(next.calls).toContain('ec2:describeInstances');
  });

  test('a cordon left on an instance is found and removed', async () => {
    const sim = upToDate([web(10)]);
    const run = await afterFirstRun(sim);
    const ci = sim.cloud.registeredContainerInstances()[3];
    sim.cloud.setAttribute(ci, CORDON_ATTRIBUTE, sim.images[AL2023_X86].old.imageId);
    const next = await run();
    // ECS's query found it, everything was read; the lease, taken fresh, has the round decide again (query,
    // everything read) before it removes the cordon; the round after is idle again.
    expect(sim.recorder.of('ecs:listContainerInstances').map((c) => c.input)).toEqual([
      expect.objectContaining({ filter: expect.any(String) }),
      { cluster: sim.clusterArn, maxResults: 100 },
      expect.objectContaining({ filter: expect.any(String) }),
      { cluster: sim.clusterArn, maxResults: 100 },
      expect.objectContaining({ filter: expect.any(String) }),
      expect.objectContaining({ status: 'DRAINING' }),
    ]);
    expect(next.result.outcomes.map((o) => o.action.kind)).toEqual(['uncordon']);
    expect(ci.attributes.has(CORDON_ATTRIBUTE)).toBe(false);
    expect(next.result.last.observed.idle).toBeDefined();
  });

  test('an instance outside every group, even on the target image', async () => {
    const sim = upToDate([web(10)], [{ family: 'amazon-linux-2023', architecture: 'x86_64', count: 1 }]);
    const run = await afterFirstRun(sim);
    const next = await run();
    expect(next.result.last.observed.idle).toBeUndefined();
    expect(next.result.last.plan.unmanagedInstanceIds).toHaveLength(1);
  });
});

/** What a user's IaC does: a new template version on `imageId`, made the default the group launches. */
async function pointTemplateAt(sim: Simulation, groupName: string, imageId: string): Promise<void> {
  const group = (await sim.api.autoScaling.describeAutoScalingGroups({ AutoScalingGroupNames: [groupName] })).AutoScalingGroups![0];
  const templateId = group.LaunchTemplate!.LaunchTemplateId!;
  const created = await sim.api.ec2.createLaunchTemplateVersion({ LaunchTemplateId: templateId, SourceVersion: '$Default', LaunchTemplateData: { ImageId: imageId } });
  await sim.api.ec2.modifyLaunchTemplate({ LaunchTemplateId: templateId, DefaultVersion: String(created.LaunchTemplateVersion!.VersionNumber) });
  sim.recorder.clear();
}

describe('ECS refusing the query', () => {
  test.each([
    ['refused (InvalidParameterException): every later run of the process reads everything too', 'InvalidParameterException', true],
    ['throttled past its retries: this run reads everything, the next one asks again', 'ThrottlingException', false],
  ])('%s', async (_, errorName, forGood) => {
    const sim = upToDate([web(10)]);
    const fullReads = new FullReads();
    let failing = true;
    const refusing = {
      ...sim.api,
      ecs: {
        ...sim.api.ecs,
        listContainerInstances: async (input: Parameters<typeof sim.api.ecs.listContainerInstances>[0]) => {
          if (input.filter !== undefined && failing) throw Object.assign(new Error('Unsupported filter'), { name: errorName });
          return sim.api.ecs.listContainerInstances(input);
        },
      },
    };
    const warm = warmFunction(sim, {}, { api: refusing, fullReads });
    const run = async () => {
      const { result } = await warm();
      return { result, listings: sim.recorder.of('ecs:listContainerInstances').map((c) => c.input) };
    };
    await run();
    const refused = await run();
    expect(refused.result.settled).toBe(true);
    expect(refused.result.last.plan.totals.upToDateInstances).toBe(10);
    expect(fullReads.refused).toBe(forGood ? `${errorName}: Unsupported filter` : undefined);
    expect(refused.listings).toEqual([{ cluster: sim.clusterArn, maxResults: 100 }]);
    failing = false;
    const later = await run();
    if (forGood) expect(later.listings).toEqual([{ cluster: sim.clusterArn, maxResults: 100 }]);
    else expect(later.result.last.observed.idle).toBeDefined();
  });
});
