/**
 * A seeded scenario: images (an older and a newer one per family and architecture, named as AWS names
 * them), the public SSM parameters pointing at the newer ones, Auto Scaling groups on the older image
 * behind capacity providers, and services whose tasks are placed and RUNNING at t0. Same seed, same cloud.
 */
import { createSimApi } from './api';
import { DEFAULT_START, VirtualClock } from './clock';
import { Cloud, CloudTiming, PlacementTies, Seconds } from './cloud';
import { Faults } from './faults';
import { Invariants } from './invariants';
import { ManagedScalingOptions } from './managed-scaling';
import { LAUNCHING, TERMINATING } from './lifecycle-hooks';
import { SimContainerInstance, SimGroup, SimImage, SimInstance, SimService } from './model';
import { Random } from './random';
import { Recorder } from './recorder';
import type { AwsApi } from '../../src/aws/ports';
import { DEFAULT_AMI_PARAMETERS, parameterKey } from '../../src/shared/ami-families';
import { TagKey } from '../../src/shared/constants';

export type Architecture = 'x86_64' | 'arm64';

export interface GroupSpec {
  readonly name: string;
  /** An AMI family of DEFAULT_AMI_PARAMETERS, e.g. `amazon-linux-2023`, `bottlerocket-ecs-2`. */
  readonly family: string;
  readonly architecture: Architecture;
  readonly instances: number;
  /** What the group references. Default `$Default`. */
  readonly launchTemplateVersion?: '1' | '$Default' | '$Latest';
  readonly mixedInstancesPolicy?: boolean;
  /**
   * In a mixed instances policy, this many overrides (after one for the group's own template) name a launch
   * template of their own, `<name>-override-<i>`, on the same image and referenced like the group's template.
   */
  readonly overrideTemplates?: number;
  /**
   * The group launches from a launch configuration `<name>-lc` (user data, security group, instance profile,
   * block devices, metadata options) instead of a launch template.
   */
  readonly launchConfiguration?: boolean;
  /** The template's ImageId is `resolve:ssm:<the family's parameter>` instead of an AMI id. */
  readonly imageIdFromSsm?: boolean;
  /** Default 0. */
  readonly minSize?: number;
  /** Default twice the instances (at least instances + 1). */
  readonly maxSize?: number;
  /** Put the group behind a capacity provider of the cluster (default true). */
  readonly capacityProvider?: boolean;
  /**
   * The capacity provider's managed scaling, as CDK's `AsgCapacityProvider` builds it by default: ENABLED,
   * target 100, managed termination protection ENABLED (so the group protects new instances from scale-in).
   * `false` turns it off (the test says why). Ignored without a capacity provider.
   */
  readonly managedScaling?: false | ManagedScalingOptions;
  /** Leave the cluster tag off the group. */
  readonly untagged?: boolean;
  readonly protectedFromScaleIn?: boolean;
  /**
   * Its capacity provider's managed instance draining (default true, as ECS and aws-cdk's AsgCapacityProvider
   * default): ECS's termination hook on the group (lifecycle-hooks.ts). False without a capacity provider.
   */
  readonly managedDraining?: boolean;
  /**
   * aws-cdk's legacy InstanceDrainHook on the group, as aws-cdk-lib adds it when managed draining and managed
   * termination protection are off; its drain time in seconds (aws-cdk's code defaults to 300).
   */
  readonly cdkDrainHookS?: number;
  /** A launch hook no one completes: replacements wait in Pending:Wait for its heartbeat timeout, then its default result. */
  readonly launchHook?: { readonly heartbeatTimeoutS?: number; readonly defaultResult?: 'CONTINUE' | 'ABANDON' };
  /**
   * The CloudFormation stack that created the group (added `CREATE_COMPLETE` if the scenario has no stack of
   * that name yet): the group and its instances carry the `aws:cloudformation:*` tags.
   */
  readonly stack?: string;
  /** Boot and registration times of the instances it launches, over the scenario's (e.g. a slow Windows boot). */
  readonly timing?: { readonly bootS?: Seconds; readonly registerS?: Seconds };
}

/** EC2 instances in no Auto Scaling group, registered ACTIVE in the cluster on their family's older image. */
export interface UngroupedSpec {
  readonly family: string;
  readonly architecture: Architecture;
  readonly count: number;
  /** Tag them with the cluster tag (the opt-in replacement may terminate only tagged instances). Default true. */
  readonly clusterTag?: boolean;
}

export interface ServiceSpec {
  readonly name: string;
  /** Ignored for daemon services. */
  readonly desiredCount: number;
  readonly minimumHealthyPercent: number;
  readonly maximumPercent: number;
  readonly daemon?: boolean;
  readonly deregistrationDelayS?: number;
  readonly taskStartS?: Seconds;
  /** `memberOf` placement constraint expressions (see Cloud.createService). */
  readonly placementConstraints?: readonly string[];
}

export interface ScenarioTiming extends Partial<CloudTiming> {
  /** Per service, drawn once from this range. */
  readonly deregistrationDelayS?: Seconds;
  /** Virtual time each API call takes. Default 25 ms. */
  readonly apiLatencyMs?: number;
}

export interface ScenarioSpec {
  readonly seed: number;
  readonly clusterName?: string;
  readonly groups: readonly GroupSpec[];
  readonly ungrouped?: readonly UngroupedSpec[];
  /** `auto`: a realistic mix sized to the cluster (replica services at 50%/100% minimum, 200% maximum; daemons). */
  readonly services?: readonly ServiceSpec[] | 'auto';
  /** Standalone tasks RUNNING at t0: how many and how long they run (seconds). Default with `auto`: 5% of instances. */
  readonly standaloneTasks?: { readonly count: number; readonly durationS: Seconds };
  readonly timing?: ScenarioTiming;
  /**
   * With `services: 'auto'`: the tasks each instance runs at t0, daemon tasks included, drawn per instance
   * uniformly from this range; the replica services are sized to fill those draws (in the auto mix's
   * proportions) and placed accordingly, and every instance has room for the range's maximum.
   */
  readonly tasksPerInstance?: readonly [number, number];
  /** Non-daemon tasks an instance holds; default: room for twice its share of replica tasks. */
  readonly taskSlotsPerInstance?: number;
  /** Start time, default 2026-01-01T00:00:00Z. */
  readonly start?: number;
  /** Given to every replica service (e.g. the refresher's cordon constraint). */
  readonly servicePlacementConstraints?: readonly string[];
  /** Also associate FARGATE with the cluster (the engine must skip it). */
  readonly withFargate?: boolean;
  readonly cloud?: {
    readonly stoppingTasksCountAsRunning?: boolean;
    readonly ec2PageSize?: number;
    readonly asgPageSize?: number;
    readonly placementTies?: PlacementTies;
  };
}

export interface FamilyImages {
  readonly old: SimImage;
  readonly new: SimImage;
  /** The SSM parameter (default path) naming the newer image. */
  readonly parameter: string;
}

export interface Simulation {
  readonly api: AwsApi;
  readonly clock: VirtualClock;
  readonly cloud: Cloud;
  readonly recorder: Recorder;
  readonly faults: Faults;
  readonly invariants: Invariants;
  readonly clusterName: string;
  readonly clusterArn: string;
  readonly groupNames: readonly string[];
  /** `family/arch` -> parameter name, for the families in the scenario (a subset of the defaults). */
  readonly amiParameters: Readonly<Record<string, string>>;
  /** Images per `family/arch`. */
  readonly images: Readonly<Record<string, FamilyImages>>;
  readonly services: readonly SimService[];
  /** A deterministic [0, 1) source for the engine's jitter. */
  readonly random: () => number;
  /** Advances virtual time. */
  sleep(ms: number): Promise<void>;
  /** Advances in steps of `stepMs` until `predicate` holds or `timeoutMs` passes; true when it held. */
  runUntil(predicate: () => boolean, options?: { timeoutMs?: number; stepMs?: number }): Promise<boolean>;
}

const OLD_DATE = '20250101';
const NEW_DATE = '20250612';

export function buildScenario(spec: ScenarioSpec): Simulation {
  const random = new Random(spec.seed);
  const clock = new VirtualClock(spec.start ?? DEFAULT_START);
  const faults = new Faults();
  const recorder = new Recorder();
  const timing = spec.timing ?? {};
  const cloud = new Cloud({
    clock,
    faults,
    seed: random.int(0, 0x7fffffff),
    timing,
    stoppingTasksCountAsRunning: spec.cloud?.stoppingTasksCountAsRunning,
    ec2PageSize: spec.cloud?.ec2PageSize,
    asgPageSize: spec.cloud?.asgPageSize,
    placementTies: spec.cloud?.placementTies,
  });
  const clusterName = spec.clusterName ?? 'sim-cluster';
  const cluster = cloud.addCluster(clusterName, spec.withFargate ? ['FARGATE'] : []);
  const imageRandom = random.fork(1);

  // Images and parameters per family/arch.
  const images: Record<string, FamilyImages> = {};
  const amiParameters: Record<string, string> = {};
  for (const g of [...spec.groups, ...(spec.ungrouped ?? [])]) {
    const key = parameterKey(g.family, g.architecture);
    if (images[key]) continue;
    const parameter = DEFAULT_AMI_PARAMETERS[key];
    if (!parameter) throw new Error(`no default AMI parameter for ${key}; families: ${Object.keys(DEFAULT_AMI_PARAMETERS).join(', ')}`);
    const old = cloud.addImage(makeImage(imageRandom, g.family, g.architecture, OLD_DATE, '2025-01-01T06:12:00.000Z', '1.29.0'));
    const newer = cloud.addImage(makeImage(imageRandom, g.family, g.architecture, NEW_DATE, '2025-06-12T06:40:00.000Z', '1.40.0'));
    cloud.setParameter(parameter, newer.imageId);
    images[key] = { old, new: newer, parameter };
    amiParameters[key] = parameter;
  }

  const groupRandom = random.fork(2);
  const serviceRandom = random.fork(3);
  const totalInstances = spec.groups.reduce((n, g) => n + g.instances, 0) + (spec.ungrouped ?? []).reduce((n, u) => n + u.count, 0);
  const auto = spec.services === 'auto';
  if (spec.tasksPerInstance && !auto) throw new Error('tasksPerInstance needs services: \'auto\'');
  // Drawn from a stream of its own, so scenarios without it are unchanged.
  const loadRandom = random.fork(5);
  const perInstanceLoad = spec.tasksPerInstance ? drawLoads(loadRandom, totalInstances, spec.tasksPerInstance) : undefined;
  const services = auto ? autoServices(totalInstances, serviceRandom, timing, perInstanceLoad) : spec.services ?? [];
  const replicaTasks = services.filter((s) => !s.daemon).reduce((n, s) => n + s.desiredCount, 0);
  const slots = spec.taskSlotsPerInstance
    ?? (spec.tasksPerInstance
      ? spec.tasksPerInstance[1] - AUTO_DAEMONS
      : Math.max(4, Math.ceil((2 * replicaTasks) / Math.max(1, totalInstances)) + 1));
  cloud.maxTasksPerInstance = slots;

  // Groups, templates, capacity providers, and their instances, running since before t0.
  const groups: SimGroup[] = [];
  const seeded: SimInstance[] = [];
  for (const g of spec.groups) {
    const key = parameterKey(g.family, g.architecture);
    const familyImages = images[key];
    const template = cloud.addLaunchTemplate(`${g.name}-lt`, {
      ImageId: g.imageIdFromSsm ? `resolve:ssm:${familyImages.parameter}` : familyImages.old.imageId,
      InstanceType: g.architecture === 'arm64' ? 'm7g.large' : 'm6i.large',
      UserData: Buffer.from(`#!/bin/bash\necho ECS_CLUSTER=${clusterName} >> /etc/ecs/ecs.config\n`).toString('base64'),
    });
    // The construct tags the group with Tags.of(group), which reaches its LaunchTemplate child too.
    if (!g.untagged) cloud.tagLaunchTemplate(template.id, { [TagKey.CLUSTER]: clusterName });
    if (g.stack) {
      const stackId = cloud.liveStack(g.stack)?.id ?? cloud.addStack(g.stack);
      // CloudFormation's stack-level tags on the template it creates ("CloudFormation resource tagging").
      cloud.tagLaunchTemplate(template.id, {
        'aws:cloudformation:stack-name': g.stack,
        'aws:cloudformation:stack-id': stackId,
        'aws:cloudformation:logical-id': `${g.name.replace(/[^A-Za-z0-9]/g, '')}LaunchTemplate`,
      });
    }
    const tags: Record<string, { value: string; propagateAtLaunch: boolean }> = {
      Name: { value: g.name, propagateAtLaunch: true },
    };
    if (!g.untagged) tags[TagKey.CLUSTER] = { value: clusterName, propagateAtLaunch: true };
    const overrideTemplates = Array.from({ length: g.overrideTemplates ?? 0 }, (_, i) => {
      const own = cloud.addLaunchTemplate(`${g.name}-override-${i}`, {
        ImageId: familyImages.old.imageId,
        UserData: Buffer.from(`#!/bin/bash\necho ECS_CLUSTER=${clusterName} >> /etc/ecs/ecs.config\n`).toString('base64'),
      });
      if (!g.untagged) cloud.tagLaunchTemplate(own.id, { [TagKey.CLUSTER]: clusterName });
      return own;
    });
    const overrideTypes = g.architecture === 'arm64' ? ['m7g.large', 'c7g.large', 'r7g.large', 'm6g.large'] : ['m6i.large', 'c6i.large', 'r6i.large', 'm5.large'];
    if (g.launchConfiguration) {
      cloud.addLaunchConfiguration(`${g.name}-lc`, familyImages.old.imageId, g.architecture === 'arm64' ? 'm6g.large' : 'm5.large', {
        UserData: Buffer.from(`#!/bin/bash\necho ECS_CLUSTER=${clusterName} >> /etc/ecs/ecs.config\n`).toString('base64'),
        SecurityGroups: ['sg-0a1b2c3d4e5f60718'],
        IamInstanceProfile: `${g.name}-instance-profile`,
        BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { VolumeSize: 30, VolumeType: 'gp3', DeleteOnTermination: true, Encrypted: true } }],
        InstanceMonitoring: { Enabled: true },
        EbsOptimized: true,
        MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 2, HttpEndpoint: 'enabled' },
      });
    }
    const group = cloud.addGroup({
      name: g.name,
      minSize: g.minSize ?? 0,
      maxSize: g.maxSize ?? Math.max(g.instances * 2, g.instances + 1),
      desired: g.instances,
      ...(g.launchConfiguration
        ? { launchConfigurationName: `${g.name}-lc` }
        : { launchTemplate: { id: template.id, version: g.launchTemplateVersion ?? '$Default' } }),
      mixedInstancesPolicy: g.mixedInstancesPolicy,
      ...(g.overrideTemplates
        ? {
          mixedOverrides: [
            { instanceType: overrideTypes[0] },
            ...overrideTemplates.map((t, i) => ({
              instanceType: overrideTypes[(i + 1) % overrideTypes.length],
              launchTemplate: { id: t.id, version: g.launchTemplateVersion ?? '$Default' },
            })),
          ],
        }
        : {}),
      tags,
      newInstancesProtectedFromScaleIn: g.protectedFromScaleIn ?? managedTerminationProtection(g),
      stack: g.stack ? { name: g.stack } : undefined,
    });
    if (g.timing) group.timing = g.timing;
    if (g.capacityProvider ?? true) {
      const provider = cloud.addCapacityProvider(`${g.name}-cp`, group, g.protectedFromScaleIn ? 'ENABLED' : 'DISABLED',
        g.managedDraining ?? true ? 'ENABLED' : 'DISABLED');
      cluster.capacityProviders.push(provider.name);
      if (g.managedScaling !== false) cloud.enableManagedScaling(group, g.managedScaling ?? {});
    }
    if (g.cdkDrainHookS !== undefined) {
      cloud.lifecycleHooks.put(group, {
        name: 'DrainECSHookDrainHook', transition: TERMINATING, heartbeatTimeoutS: g.cdkDrainHookS, defaultResult: 'CONTINUE', owner: 'cdk-instance-drain-hook',
      });
    }
    if (g.launchHook) {
      cloud.lifecycleHooks.put(group, { name: 'launch-hook', transition: LAUNCHING, heartbeatTimeoutS: g.launchHook.heartbeatTimeoutS, defaultResult: g.launchHook.defaultResult ?? 'CONTINUE' });
    }
    for (let i = 0; i < g.instances; i++) {
      const ageMs = groupRandom.int(1, 90 * 24) * 3600_000;
      seeded.push(cloud.seedInstance(group, { launchTime: clock.now() - ageMs, maxTasks: slots, imageId: familyImages.old.imageId }));
    }
    groups.push(group);
  }
  for (const u of spec.ungrouped ?? []) {
    for (let i = 0; i < u.count; i++) {
      const ageMs = groupRandom.int(1, 90 * 24) * 3600_000;
      seeded.push(cloud.seedUngroupedInstance({
        imageId: images[parameterKey(u.family, u.architecture)].old.imageId,
        launchTime: clock.now() - ageMs,
        maxTasks: slots,
        instanceType: u.architecture === 'arm64' ? 'm7g.large' : 'm6i.large',
        tags: { Name: `ungrouped-${i}`, ...(u.clusterTag ?? true ? { [TagKey.CLUSTER]: clusterName } : {}) },
      }));
    }
  }

  // Each seeded instance's drawn share of replica tasks, dealt to the services in a shuffled order.
  const placements = new Map<string, SimContainerInstance[]>();
  if (perInstanceLoad) {
    const slotsOf: SimContainerInstance[] = [];
    seeded.forEach((instance, i) => {
      for (let k = 0; k < perInstanceLoad[i]; k++) slotsOf.push(instance.ci!);
    });
    for (let i = slotsOf.length - 1; i > 0; i--) {
      const j = loadRandom.int(0, i);
      [slotsOf[i], slotsOf[j]] = [slotsOf[j], slotsOf[i]];
    }
    let next = 0;
    for (const s of services.filter((x) => !x.daemon)) {
      placements.set(s.name, slotsOf.slice(next, next + s.desiredCount));
      next += s.desiredCount;
    }
  }

  const created = services.map((s) => cloud.createService({
    name: s.name,
    desired: s.desiredCount,
    minimumHealthyPercent: s.minimumHealthyPercent,
    maximumPercent: s.maximumPercent,
    daemon: s.daemon,
    deregistrationDelayS: s.deregistrationDelayS ?? seconds(serviceRandom, timing.deregistrationDelayS ?? [30, 300]),
    taskStartS: s.taskStartS ?? timing.taskStartS,
    startRunning: true,
    placementConstraints: s.placementConstraints ?? (s.daemon ? undefined : spec.servicePlacementConstraints),
    placedOn: placements.get(s.name),
  }));

  const standalone = spec.standaloneTasks ?? (spec.services === 'auto' ? { count: Math.ceil(totalInstances * 0.05), durationS: [600, 5400] as const } : undefined);
  if (standalone) {
    for (let i = 0; i < standalone.count; i++) cloud.runStandaloneTask(seconds(serviceRandom, standalone.durationS));
  }
  cloud.settle();

  const invariants = new Invariants(cloud);
  const api = createSimApi({ cloud, recorder, faults, latencyMs: timing.apiLatencyMs ?? 25 });
  const engineRandom = random.fork(4);

  return {
    api,
    clock,
    cloud,
    recorder,
    faults,
    invariants,
    clusterName,
    clusterArn: cluster.arn,
    groupNames: groups.map((g) => g.name),
    amiParameters,
    images,
    services: created,
    random: () => engineRandom.next(),
    sleep: (ms) => clock.sleep(ms),
    async runUntil(predicate, options = {}) {
      const deadline = clock.now() + (options.timeoutMs ?? 24 * 3600_000);
      const step = options.stepMs ?? 10_000;
      while (!predicate()) {
        if (clock.now() >= deadline) return false;
        await clock.sleep(Math.min(step, deadline - clock.now()));
      }
      return true;
    },
  };
}

function seconds(random: Random, s: Seconds): number {
  return typeof s === 'number' ? s : Math.round(s[0] + random.next() * (s[1] - s[0]));
}

/** The daemon services of the auto mix: each runs one task on every instance. */
const AUTO_DAEMONS = 2;

/** Per instance, the replica tasks it runs at t0: its drawn total less the daemon tasks. */
function drawLoads(random: Random, instances: number, range: readonly [number, number]): number[] {
  if (range[0] < AUTO_DAEMONS || range[1] < range[0]) throw new Error(`tasksPerInstance [${range.join(', ')}]: need ${AUTO_DAEMONS} <= min <= max`);
  return Array.from({ length: instances }, () => random.int(range[0], range[1]) - AUTO_DAEMONS);
}

/**
 * A realistic mix for `services: 'auto'`. Without `loads`, sized to the instance count; with them, the replica
 * services share their total (cache and scheduler fixed, the rest as web 1 : api 0.8 : worker 0.5).
 */
function autoServices(instances: number, random: Random, timing: ScenarioTiming, loads?: readonly number[]): ServiceSpec[] {
  const n = Math.max(1, instances);
  const delay = () => seconds(random, timing.deregistrationDelayS ?? [30, 300]);
  const cache = Math.min(3, n);
  let size = (k: number) => Math.max(1, Math.round(n * k));
  let worker = size(0.5);
  if (loads) {
    const total = loads.reduce((a, b) => a + b, 0);
    const shared = Math.max(3, total - cache - 1);
    size = (k: number) => Math.max(1, Math.floor((shared * k) / 2.3));
    // The worker takes what rounding leaves, so the services fill the draws exactly.
    worker = Math.max(1, shared - size(1) - size(0.8));
  }
  return [
    { name: 'web', desiredCount: size(1), minimumHealthyPercent: 100, maximumPercent: 200, deregistrationDelayS: delay() },
    { name: 'api', desiredCount: size(0.8), minimumHealthyPercent: 50, maximumPercent: 200, deregistrationDelayS: delay() },
    { name: 'worker', desiredCount: worker, minimumHealthyPercent: 50, maximumPercent: 200, deregistrationDelayS: 0 },
    { name: 'cache', desiredCount: cache, minimumHealthyPercent: 100, maximumPercent: 200, deregistrationDelayS: delay() },
    { name: 'scheduler', desiredCount: 1, minimumHealthyPercent: 100, maximumPercent: 200, deregistrationDelayS: delay() },
    { name: 'log-router', desiredCount: 0, minimumHealthyPercent: 0, maximumPercent: 100, daemon: true, deregistrationDelayS: 0 },
    { name: 'node-exporter', desiredCount: 0, minimumHealthyPercent: 0, maximumPercent: 100, daemon: true, deregistrationDelayS: 0 },
  ];
}

/** Image names as AWS publishes them, per family. */
export function imageName(family: string, architecture: Architecture, date: string, bottlerocketVersion: string, suffix: string): string {
  const al2Arch = architecture === 'arm64' ? 'arm64' : 'x86_64';
  const brArch = architecture === 'arm64' ? 'aarch64' : 'x86_64';
  let m: RegExpMatchArray | null;
  if ((m = family.match(/^amazon-linux-2023(?:-(gpu|neuron))?$/))) {
    return `al2023-ami-ecs-${m[1] ? `${m[1]}-` : ''}hvm-2023.0.${date}-kernel-6.1-${al2Arch}`;
  }
  if ((m = family.match(/^amazon-linux-2(-kernel-5\.10)?(?:-(gpu|inf))?$/))) {
    return `amzn2-ami-ecs-${m[1] ? 'kernel-5.10-' : ''}${m[2] ? `${m[2]}-` : ''}hvm-2.0.${date}-${al2Arch}-ebs`;
  }
  if ((m = family.match(/^bottlerocket-ecs-(\d+)(-nvidia)?$/))) {
    return `bottlerocket-aws-ecs-${m[1]}${m[2] ?? ''}-${brArch}-v${bottlerocketVersion}-${suffix}`;
  }
  if ((m = family.match(/^windows-server-(\d{4})-(full|core)$/))) {
    const edition = m[2] === 'full' ? 'Full' : 'Core';
    return `Windows_Server-${m[1]}-English-${edition}-ECS_Optimized-${date.slice(0, 4)}.${date.slice(4, 6)}.${date.slice(6, 8)}`;
  }
  return `${family}-${architecture}-${date}`;
}

function makeImage(random: Random, family: string, architecture: Architecture, date: string, creationDate: string, brVersion: string): SimImage {
  const created = Date.parse(creationDate);
  return {
    imageId: `ami-${random.hex(17)}`,
    name: imageName(family, architecture, date, brVersion, random.hex(8)),
    architecture,
    platformDetails: family.startsWith('windows') ? 'Windows' : 'Linux/UNIX',
    state: 'available',
    creationDate,
    // Public ECS-optimized AMIs carry a deprecation time two years after creation.
    deprecationTime: new Date(created + 2 * 365 * 24 * 3600_000).toISOString(),
  };
}

/** CDK's AsgCapacityProvider turns managed termination protection on by default, and with it the group's protection. */
function managedTerminationProtection(g: GroupSpec): boolean {
  return (g.capacityProvider ?? true) && g.managedScaling !== false && (g.managedScaling?.managedTerminationProtection ?? true);
}
