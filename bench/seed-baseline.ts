/**
 * Seed 004's updater (the retailer's script, `ecs_ami_updater`), as a policy driving the simulator's API, so
 * the benchmark runs it on the same clusters as the engine. It follows the published loop call for call:
 *
 *   ECS():   ListContainerInstances, DescribeContainerInstances (instance id, ARN, runningTasksCount), sorted by
 *            running count, ascending, once, at start; DescribeClusters, DescribeCapacityProviders, and the
 *            ACTIVE providers' groups (the name after the last `/` of the group ARN)
 *   per group, in the providers' order:
 *     ASG(): DescribeAutoScalingGroups (instances, launch template of the mixed instances policy or the group,
 *            desired capacity, the `OS` tag), DescribeLaunchTemplateVersions, DescribeImages (platform,
 *            architecture), the SSM parameter for (OS, architecture)
 *     if the template's image is not the newest: CreateLaunchTemplateVersion (ImageId only), ModifyLaunchTemplate
 *            (DefaultVersion)
 *     roll_instances: for each cluster instance of the sorted list that is in this group:
 *            DescribeInstances (its image); skipped if already on the newest (and not forced);
 *            DetachInstances (no decrement, so the group launches a replacement at once);
 *            UpdateContainerInstancesState DRAINING;
 *            poll DescribeContainerInstances until runningTasksCount is 0, sleeping 2 s between polls, the
 *            drain time counted as 2 s per poll, TimeoutError past 3,600 s;
 *            DeregisterContainerInstance; DescribeAutoScalingGroups (AssertionError if desired capacity fell
 *            below the original); TerminateInstances;
 *            sleep 120 s − drain/4 (900 s base on Windows), none once the drain counted 120 s or more, and none
 *            after the group's last-listed instance of the last group.
 *
 * Two deviations, both in the script's favour, named where they are made: the published code calls
 * ListContainerInstances and DescribeContainerInstances once (the first 100 instances, the API's default
 * page); here they are paginated, so it rotates a whole cluster of 1,000 and not the first 100. And
 * `ssm.get_parameter` is GetParameters with one name (the simulator's SSM speaks the batch call): one call each.
 * The script's flaws are kept: the detached instance leaves its group before its replacement is up (the group
 * serves one short), and it trusts runningTasksCount alone: where ECS leaves tasks still deregistering from a
 * load balancer out of that count it terminates them mid-deregistration (the simulator's default reading
 * counts them, `CloudOptions.stoppingTasksCountAsRunning`, so the benchmark does not charge it for that).
 */
import type { ContainerInstance } from '@aws-sdk/client-ecs';
import type { SimAwsApi } from '../test/sim';

export interface SeedBaselineOptions {
  readonly clusterName: string;
  /** The script's `ami_params`: OS (the group's `OS` tag) -> architecture -> SSM parameter. */
  readonly amiParameters: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** `--force`: replace instances already on the newest image. */
  readonly force?: boolean;
  readonly clock: { now(): number; sleep(ms: number): Promise<void> };
  readonly log?: (line: string) => void;
}

export interface SeedReplacement {
  readonly group: string;
  readonly instanceId: string;
  /** Virtual time of DetachInstances. */
  readonly detachedAt: number;
  /** Polls of DescribeContainerInstances while draining (the last one saw 0 running tasks). */
  readonly polls: number;
  /** The drain time as the script counts it: 2 s per poll that saw tasks. */
  readonly drainTimeS: number;
  /** Virtual time of TerminateInstances. */
  readonly terminatedAt: number;
  /** The sleep before the next instance (0 when none). */
  readonly sleptS: number;
}

export interface SeedBaselineResult {
  readonly groups: readonly string[];
  readonly replaced: readonly SeedReplacement[];
}

const POLL_MS = 2_000;
const DRAIN_LIMIT_S = 3600;

export async function runSeedBaseline(api: SimAwsApi, options: SeedBaselineOptions): Promise<SeedBaselineResult> {
  const { clusterName: cluster, clock } = options;
  const log = options.log ?? (() => undefined);

  // ECS.__cluster_instances (paginated here; see the header).
  const clusterInstances: Array<{ instanceId: string; arn: string; running: number }> = [];
  let token: string | undefined;
  do {
    const page = await api.ecs.listContainerInstances({ cluster, nextToken: token });
    const arns = page.containerInstanceArns ?? [];
    if (arns.length > 0) {
      const described = await api.ecs.describeContainerInstances({ cluster, containerInstances: arns });
      for (const ci of described.containerInstances ?? []) {
        clusterInstances.push({ instanceId: ci.ec2InstanceId!, arn: ci.containerInstanceArn!, running: ci.runningTasksCount ?? 0 });
      }
    }
    token = page.nextToken;
  } while (token);
  // Python's sorted() is stable, as Array.prototype.sort is.
  clusterInstances.sort((a, b) => a.running - b.running);

  // ECS.__cluster_asgs
  const clusters = await api.ecs.describeClusters({ clusters: [cluster] });
  const providerNames = clusters.clusters?.[0]?.capacityProviders ?? [];
  const providers = providerNames.length > 0
    ? await api.ecs.describeCapacityProviders({ capacityProviders: providerNames })
    : { capacityProviders: [] };
  const groups = (providers.capacityProviders ?? [])
    .filter((p) => p.status === 'ACTIVE' && p.autoScalingGroupProvider?.autoScalingGroupArn)
    .map((p) => p.autoScalingGroupProvider!.autoScalingGroupArn!.split('/').pop()!);

  const replaced: SeedReplacement[] = [];
  for (const groupName of groups) {
    // ASG.__asg_info
    const described = await api.autoScaling.describeAutoScalingGroups({ AutoScalingGroupNames: [groupName] });
    const group = described.AutoScalingGroups![0];
    const asgInstances = (group.Instances ?? []).map((i) => i.InstanceId!);
    const template = group.MixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification ?? group.LaunchTemplate;
    if (!template) throw new Error(`${groupName}: no launch template (the script's __asg_info returns None and the run fails)`);
    const origDesired = group.DesiredCapacity!;
    const osTag = (group.Tags ?? []).find((t) => t.Key === 'OS');
    if (!osTag) throw new Error(`${groupName}: no OS tag (the script's next() raises StopIteration)`);
    const os = osTag.Value!;

    // ASG.__lt_curr_ami
    const versions = await api.ec2.describeLaunchTemplateVersions({ LaunchTemplateName: template.LaunchTemplateName, Versions: [template.Version!] });
    const currentAmi = versions.LaunchTemplateVersions![0].LaunchTemplateData!.ImageId!;
    const images = await api.ec2.describeImages({ ImageIds: [currentAmi] });
    const platform = images.Images![0].PlatformDetails!.toLowerCase();
    const architecture = images.Images![0].Architecture!.toLowerCase();

    // ASG.__latest_ami
    const parameter = options.amiParameters[os]?.[architecture];
    if (!parameter) throw new Error(`${groupName}: no parameter for ${os}/${architecture} (KeyError in the script)`);
    const param = await api.ssm.getParameters({ Names: [parameter] });
    const latestAmi = param.Parameters![0].Value!;
    log(`found AMI for ${groupName}: ${latestAmi}`);

    if (currentAmi === latestAmi) {
      log(`ami for ${groupName} is up to date`);
    } else {
      log(`found newer AMI for ${groupName} (${latestAmi}), updating launch template`);
      const created = await api.ec2.createLaunchTemplateVersion({
        LaunchTemplateName: template.LaunchTemplateName,
        SourceVersion: template.Version,
        VersionDescription: 'Automated AMI Update',
        LaunchTemplateData: { ImageId: latestAmi },
      });
      await api.ec2.modifyLaunchTemplate({
        LaunchTemplateName: template.LaunchTemplateName,
        DefaultVersion: String(created.LaunchTemplateVersion!.VersionNumber),
      });
    }
    log(`rolling instances in the ${cluster} ECS cluster`);

    // Updater.roll_instances
    for (const instance of clusterInstances) {
      if (!asgInstances.includes(instance.instanceId)) continue;
      const ec2 = await api.ec2.describeInstances({ InstanceIds: [instance.instanceId] });
      const ami = ec2.Reservations![0].Instances![0].ImageId;
      if (ami === latestAmi && !options.force) {
        log(`AMI for ${instance.instanceId} is up to date and FORCE not set, not rotating`);
        continue;
      }
      // detach_and_drain
      const detachedAt = clock.now();
      log(`detaching ${instance.instanceId} from ASG`);
      await api.notEngine.detachInstances({
        InstanceIds: [instance.instanceId],
        AutoScalingGroupName: groupName,
        ShouldDecrementDesiredCapacity: false,
      });
      log(`draining ${instance.instanceId} of all container tasks....`);
      await api.ecs.updateContainerInstancesState({ cluster, containerInstances: [instance.arn], status: 'DRAINING' });
      let drainTimeS = 0;
      let polls = 0;
      for (;;) {
        polls++;
        if ((await taskCount(api, cluster, instance.arn)) === 0) break;
        await clock.sleep(POLL_MS);
        drainTimeS += 2;
        if (drainTimeS > DRAIN_LIMIT_S) throw new Error(`TimeoutError: ${instance.instanceId} took too long to drain, maybe it is stuck?`);
      }
      // deregister
      log(`deregistering ${instance.instanceId} from ECS cluster`);
      await api.ecs.deregisterContainerInstance({ cluster, containerInstance: instance.arn });
      const current = await desiredCapacity(api, groupName);
      // Python evaluates curr_capacity() a second time for the right-hand side of the `and`.
      if (current !== origDesired && (await desiredCapacity(api, groupName)) < origDesired) {
        throw new Error(`AssertionError: ${groupName} ASG doesnt have as many instances as it originally had, maybe it cant make new instances?`);
      }
      log(`terminating ${instance.instanceId}`);
      await api.ec2.terminateInstances({ InstanceIds: [instance.instanceId] });
      const terminatedAt = clock.now();
      // Updater.sleep, skipped after the last-listed instance of the group that comes last.
      let sleptS = 0;
      const last = groupName === groups[groups.length - 1] && instance.instanceId === asgInstances[asgInstances.length - 1];
      if (!last) {
        const base = platform.startsWith('windows') ? 900 : 120;
        sleptS = drainTimeS < 120 ? base - drainTimeS * 0.25 : 0;
        if (sleptS !== 0) {
          log(`sleeping ${sleptS} seconds before moving to next server`);
          await clock.sleep(sleptS * 1000);
        }
      }
      replaced.push({ group: groupName, instanceId: instance.instanceId, detachedAt, polls, drainTimeS, terminatedAt, sleptS });
    }
  }
  log('all instances have been replaced');
  return { groups, replaced };
}

async function taskCount(api: SimAwsApi, cluster: string, arn: string): Promise<number> {
  const described = await api.ecs.describeContainerInstances({ cluster, containerInstances: [arn] });
  const ci: ContainerInstance = described.containerInstances![0];
  return ci.runningTasksCount ?? 0;
}

async function desiredCapacity(api: SimAwsApi, groupName: string): Promise<number> {
  const described = await api.autoScaling.describeAutoScalingGroups({ AutoScalingGroupNames: [groupName] });
  return described.AutoScalingGroups![0].DesiredCapacity!;
}

/**
 * Readies a simulated cluster for the script: tags each group with `OS` (the script's key into its parameter
 * map; here the group's AMI family) and returns that map, built from the scenario's parameters.
 */
export function prepareForSeed(sim: {
  readonly cloud: { readonly groups: ReadonlyMap<string, { readonly tags: Map<string, { value: string; propagateAtLaunch: boolean }> }> };
  readonly amiParameters: Readonly<Record<string, string>>;
}, families: Readonly<Record<string, string>>): Record<string, Record<string, string>> {
  for (const [group, family] of Object.entries(families)) {
    const g = sim.cloud.groups.get(group);
    if (!g) throw new Error(`no group ${group}`);
    g.tags.set('OS', { value: family, propagateAtLaunch: true });
  }
  const map: Record<string, Record<string, string>> = {};
  for (const [key, parameter] of Object.entries(sim.amiParameters)) {
    const [family, architecture] = key.split('/');
    (map[family] ??= {})[architecture] = parameter;
  }
  return map;
}
