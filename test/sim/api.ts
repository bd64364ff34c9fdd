/**
 * The `AwsApi` port over the simulated cloud: SDK v3 request and response shapes, AWS's batch limits and
 * error codes, pagination tokens. Every call is recorded, may meet an injected fault, and is charged a
 * virtual latency (events due meanwhile run) before it answers.
 */
import type {
  AutoScalingGroup,
  DetachInstancesCommandInput,
  DetachInstancesCommandOutput,
  PutWarmPoolCommandInput,
  PutWarmPoolCommandOutput,
  WarmPoolConfiguration,
  Instance as AsgInstance,
  InstanceRefresh,
  LifecycleState,
  TagDescription,
} from '@aws-sdk/client-auto-scaling';
import type { Stack } from '@aws-sdk/client-cloudformation';
import type {
  ArchitectureValues,
  DescribeLaunchTemplateVersionsCommandInput,
  Filter,
  Image,
  ImageState,
  Instance,
  InstanceStateName,
  LaunchTemplateVersion,
  Reservation,
  ResponseLaunchTemplateData,
} from '@aws-sdk/client-ec2';
import type { Attribute, ContainerInstance, Failure } from '@aws-sdk/client-ecs';
import type { Parameter } from '@aws-sdk/client-ssm';
import { Cloud } from './cloud';
import { SimAwsError, SimService } from './errors';
import { Faults } from './faults';
import {
  SimContainerInstance,
  SimGroup,
  SimImage,
  SimInstance,
  SimInstanceRefresh,
  SimLaunchTemplate,
  SimStack,
  SimTemplateData,
  SimTemplateVersion,
  SimWarmPool,
} from './model';
import { parseClusterQuery, Query, QueryError } from './query';
import { Recorder } from './recorder';
import { DESCRIBE_WARM_POOL_MAX_RECORDS, putWarmPool } from './warm-pool';
import type { AutoScalingApi, CloudFormationApi, AwsApi, DynamoDbApi, Ec2Api, EcsApi, SnsApi, SsmApi } from '../../src/aws/ports';

export interface SimApiOptions {
  readonly cloud: Cloud;
  readonly recorder: Recorder;
  readonly faults: Faults;
  /** Virtual time each call takes (events due meanwhile run before it answers). */
  readonly latencyMs?: number;
}

// Documented limits (API references of each operation).
const LIMIT = {
  DESCRIBE_CLUSTERS: 100,
  DESCRIBE_CAPACITY_PROVIDERS: 100,
  DESCRIBE_CONTAINER_INSTANCES: 100,
  LIST_CONTAINER_INSTANCES_MAX: 100,
  UPDATE_CONTAINER_INSTANCES_STATE: 10,
  PUT_ATTRIBUTES: 10,
  DESCRIBE_SERVICES: 10,
  CUSTOM_ATTRIBUTES_PER_RESOURCE: 10,
  ECS_TAGS_PER_RESOURCE: 50,
  /** Without MaxRecords; with it, as many names as MaxRecords (see describeAutoScalingGroups). */
  DESCRIBE_AUTO_SCALING_GROUPS_NAMES: 50,
  DESCRIBE_AUTO_SCALING_GROUPS_MAX_RECORDS: 100,
  DESCRIBE_LAUNCH_CONFIGURATIONS: 50,
  DESCRIBE_LAUNCH_CONFIGURATIONS_MAX_RECORDS: 100,
  DELETE_LAUNCH_TEMPLATE_VERSIONS: 200,
  DESCRIBE_LAUNCH_TEMPLATE_VERSIONS_MAX_RESULTS: 200,
  /** "up to 10,000 versions per launch template" (Amazon EC2 User Guide, "Restrictions for Amazon EC2 launch templates"). */
  LAUNCH_TEMPLATE_VERSIONS_PER_TEMPLATE: 10_000,
  /** Tag keys: "Length Constraints: Minimum length of 1. Maximum length of 128" (Auto Scaling API reference, Tag). */
  ASG_TAG_KEY_LENGTH: 128,
  ASG_TAGS_PER_GROUP: 50,
  DESCRIBE_INSTANCE_REFRESHES_MAX_RECORDS: 100,
  DESCRIBE_INSTANCE_REFRESHES_DEFAULT: 50,
  EC2_FILTER_VALUES: 1000,
  SSM_GET_PARAMETERS: 10,
  DETACH_INSTANCES: 20,
} as const;

type Bag = Record<string, unknown>;

/**
 * The simulator's API: the engine's ports, and calls the engine never makes but the seed baseline does
 * (DetachInstances, limited as AWS limits it: "InstanceIds ... Array Members: Maximum number of 20 items").
 */
export interface SimAwsApi extends AwsApi {
  /** Apart from the engine's ports, so what enumerates them sees only the engine's calls. */
  readonly notEngine: {
    detachInstances(input: DetachInstancesCommandInput): Promise<DetachInstancesCommandOutput>;
    /** PutWarmPool, as the group's owner would call it (warm-pool.ts). */
    putWarmPool(input: PutWarmPoolCommandInput): Promise<PutWarmPoolCommandOutput>;
  };
}

/** The simulator's API behind an `AwsApi` (a scenario's `api`), with the calls only the baseline makes. */
export function simAwsApi(api: AwsApi): SimAwsApi {
  if (typeof (api as Partial<SimAwsApi>).notEngine?.detachInstances !== 'function') {
    throw new Error('not the simulator\'s API: it has no DetachInstances');
  }
  return api as SimAwsApi;
}

export function createSimApi(options: SimApiOptions): SimAwsApi {
  const { cloud, recorder, faults } = options;
  const latency = options.latencyMs ?? 0;

  function wrap<I, O>(service: SimService, name: string, fn: (input: I) => O): (input: I) => Promise<O> {
    const operation = `${service}:${name}`;
    return async (input: I) => {
      const at = cloud.now();
      const call = recorder.record(service, operation, at, input);
      try {
        const before = faults.apiFault(operation, input, 'before', at);
        if (before) throw before;
        let output: O;
        try {
          output = fn((input ?? {}) as I);
        } finally {
          cloud.settle();
        }
        const after = faults.apiFault(operation, input, 'after', at);
        if (after) throw after;
        return output;
      } catch (error) {
        call.error = (error as Error).name;
        throw error;
      } finally {
        if (latency > 0) cloud.clock.advance(latency);
      }
    };
  }

  const ecs: EcsApi = {
    describeClusters: wrap('ecs', 'describeClusters', (input) => {
      const names = input.clusters ?? ['default'];
      if (names.length > LIMIT.DESCRIBE_CLUSTERS) throw ecsInvalid(`clusters can have at most ${LIMIT.DESCRIBE_CLUSTERS} items`);
      const withTags = (input.include ?? []).includes('TAGS');
      const clusters = [];
      const failures: Failure[] = [];
      for (const ref of names) {
        const cluster = findCluster(cloud, ref);
        if (!cluster) {
          failures.push({ arn: ref.startsWith('arn:') ? ref : `arn:aws:ecs:${cloud.region}:${cloud.account}:cluster/${ref}`, reason: 'MISSING' });
          continue;
        }
        const registered = cloud.registeredContainerInstances();
        // "The number of container instances registered into the cluster. This includes container instances
        // in both ACTIVE and DRAINING status." (API reference, Cluster)
        const counted = registered.filter((ci) => ci.status === 'ACTIVE' || ci.status === 'DRAINING').length;
        let running = 0;
        let pending = 0;
        for (const ci of registered) {
          running += ci.runningCount;
          pending += ci.pendingCount;
        }
        clusters.push({
          clusterArn: cluster.arn,
          clusterName: cluster.name,
          status: cluster.status,
          registeredContainerInstancesCount: counted,
          runningTasksCount: running,
          pendingTasksCount: pending,
          activeServicesCount: cloud.services.size,
          capacityProviders: [...cluster.capacityProviders],
          tags: withTags ? [...cluster.tags].map(([key, value]) => ({ key, value })) : undefined,
        });
      }
      return { clusters, failures };
    }),

    describeCapacityProviders: wrap('ecs', 'describeCapacityProviders', (input) => {
      const names = input.capacityProviders ?? [...cloud.capacityProviders.keys()];
      if (names.length > LIMIT.DESCRIBE_CAPACITY_PROVIDERS) {
        throw ecsInvalid(`capacityProviders can have at most ${LIMIT.DESCRIBE_CAPACITY_PROVIDERS} items`);
      }
      const found = [];
      const failures: Failure[] = [];
      for (const ref of names) {
        const name = ref.startsWith('arn:') ? ref.slice(ref.lastIndexOf('/') + 1) : ref;
        if (name === 'FARGATE' || name === 'FARGATE_SPOT') {
          found.push({ capacityProviderArn: `arn:aws:ecs:${cloud.region}:${cloud.account}:capacity-provider/${name}`, name, status: 'ACTIVE' as const });
          continue;
        }
        const provider = cloud.capacityProviders.get(name);
        if (!provider) {
          failures.push({ arn: ref, reason: 'MISSING' });
          continue;
        }
        found.push({
          capacityProviderArn: provider.arn,
          name: provider.name,
          status: provider.status,
          autoScalingGroupProvider: {
            autoScalingGroupArn: provider.groupArn,
            managedScaling: { ...provider.managedScaling },
            managedTerminationProtection: provider.managedTerminationProtection,
          },
        });
      }
      const page = paginate(found, input.nextToken, input.maxResults ?? found.length, 'ecs');
      return { capacityProviders: page.items, failures, nextToken: page.nextToken };
    }),

    listContainerInstances: wrap('ecs', 'listContainerInstances', (input) => {
      requireCluster(cloud, input.cluster);
      const max = input.maxResults ?? 100;
      if (!Number.isInteger(max) || max < 1 || max > LIMIT.LIST_CONTAINER_INSTANCES_MAX) {
        throw ecsInvalid(`maxResults must be between 1 and ${LIMIT.LIST_CONTAINER_INSTANCES_MAX}`);
      }
      let query: Query | undefined;
      try {
        query = input.filter === undefined ? undefined : parseClusterQuery(input.filter);
      } catch (error) {
        if (error instanceof QueryError) throw ecsInvalid(error.message);
        throw error;
      }
      // "If you don't specify this parameter, the default is to include container instances set to all
      // states other than INACTIVE." ListContainerInstances API reference:
      // https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ListContainerInstances.html
      const wanted = input.status;
      const listed = (ci: SimContainerInstance) => (wanted ? ci.status === wanted : ci.status !== 'INACTIVE')
        && (query === undefined || query({ ec2InstanceId: ci.instance.id, attributes: ci.attributes }));
      const order = cloud.containerInstanceOrder;
      let i = decodeToken(input.nextToken, 'ecs');
      const arns: string[] = [];
      for (; i < order.length && arns.length < max; i++) {
        const ci = order[i];
        if (!listed(ci)) continue;
        arns.push(ci.arn);
      }
      // Another page only if something remains to be listed.
      let more = false;
      for (let j = i; j < order.length; j++) {
        if (listed(order[j])) {
          more = true;
          break;
        }
      }
      return { containerInstanceArns: arns, nextToken: more ? encodeToken(i) : undefined };
    }),

    describeContainerInstances: wrap('ecs', 'describeContainerInstances', (input) => {
      requireCluster(cloud, input.cluster);
      const refs = input.containerInstances ?? [];
      if (refs.length === 0) throw ecsInvalid('containerInstances must not be empty');
      if (refs.length > LIMIT.DESCRIBE_CONTAINER_INSTANCES) {
        throw ecsInvalid(`containerInstances can have at most ${LIMIT.DESCRIBE_CONTAINER_INSTANCES} items`);
      }
      const containerInstances: ContainerInstance[] = [];
      const failures: Failure[] = [];
      for (const ref of refs) {
        const ci = findCi(cloud, ref);
        if (ci) containerInstances.push(toContainerInstance(ci));
        else failures.push({ arn: ref, reason: 'MISSING' });
      }
      return { containerInstances, failures };
    }),

    // ListTasks: the tasks of a container instance with the given desired status (RUNNING by default);
    // stopped tasks stay listed for a while after they stop (API reference, ListTasks).
    listTasks: wrap('ecs', 'listTasks', (input) => {
      requireCluster(cloud, input.cluster);
      const max = input.maxResults ?? 100;
      if (max < 1 || max > 100) throw ecsInvalid('maxResults must be between 1 and 100');
      const desired = input.desiredStatus ?? 'RUNNING';
      const ci = input.containerInstance ? findCi(cloud, input.containerInstance) : undefined;
      if (input.containerInstance && !ci) throw ecsInvalid(`container instance ${input.containerInstance} not found`);
      const cis = ci ? [ci] : cloud.registeredContainerInstances();
      const arns = cis.flatMap((c) => [...c.tasks]).filter((t) => t.desiredStatus === desired).map((t) => t.arn);
      const start = input.nextToken ? Number(input.nextToken) : 0;
      const page = arns.slice(start, start + max);
      return { taskArns: page, nextToken: start + max < arns.length ? String(start + max) : undefined };
    }),

    describeTasks: wrap('ecs', 'describeTasks', (input) => {
      requireCluster(cloud, input.cluster);
      const refs = input.tasks ?? [];
      if (refs.length === 0 || refs.length > 100) throw ecsInvalid('tasks must have between 1 and 100 items');
      const all = new Map(cloud.registeredContainerInstances().flatMap((c) => [...c.tasks]).map((t) => [t.arn, t]));
      const tasks = refs.map((ref) => all.get(ref)).filter((t): t is NonNullable<typeof t> => t !== undefined);
      // A task still deregistering (DEACTIVATING) or stopping is reported with that status, not STOPPED.
      return {
        tasks: tasks.map((t) => ({
          taskArn: t.arn,
          lastStatus: t.lastStatus,
          desiredStatus: t.desiredStatus,
          containerInstanceArn: t.ci.arn,
          group: t.service ? `service:${t.service.name}` : 'family:standalone',
        })),
        failures: refs.filter((ref) => !all.has(ref)).map((arn) => ({ arn, reason: 'MISSING' })),
      };
    }),

    // DescribeServices: at most 10 services a call (API reference, DescribeServices `services`); an unknown
    // one is a failure with reason MISSING. A rolling deployment shows as a second deployment (the PRIMARY
    // one and the ACTIVE one it replaces) until it completes (API reference, Deployment `status`). A daemon
    // service's desired count is the number of instances it should run on: the ACTIVE ones (Amazon ECS
    // Developer Guide, "Daemon scheduling strategy").
    describeServices: wrap('ecs', 'describeServices', (input) => {
      const cluster = requireCluster(cloud, input.cluster);
      const refs = input.services ?? [];
      if (refs.length === 0 || refs.length > LIMIT.DESCRIBE_SERVICES) throw ecsInvalid(`services must have between 1 and ${LIMIT.DESCRIBE_SERVICES} items`);
      const services = [];
      const failures: Failure[] = [];
      for (const ref of refs) {
        const s = cloud.services.get(ref.startsWith('arn:') ? ref.slice(ref.lastIndexOf('/') + 1) : ref);
        if (!s) {
          failures.push({ arn: ref.startsWith('arn:') ? ref : `arn:aws:ecs:${cloud.region}:${cloud.account}:service/${cluster.name}/${ref}`, reason: 'MISSING' });
          continue;
        }
        const desiredCount = s.daemon ? cloud.registeredContainerInstances().filter((ci) => ci.placeable).length : s.desired;
        const pendingCount = s.activeCount - s.runningCount;
        const rolling = s.deploymentEndsAt !== undefined && s.deploymentEndsAt > cloud.now();
        const deployment = (id: string, status: string) => ({ id, status, desiredCount, runningCount: s.runningCount, pendingCount });
        services.push({
          serviceArn: s.arn,
          serviceName: s.name,
          clusterArn: cluster.arn,
          status: 'ACTIVE',
          schedulingStrategy: s.daemon ? 'DAEMON' as const : 'REPLICA' as const,
          desiredCount,
          runningCount: s.runningCount,
          pendingCount,
          deploymentConfiguration: { minimumHealthyPercent: s.minimumHealthyPercent, maximumPercent: s.maximumPercent },
          deployments: rolling ? [deployment('ecs-svc/2', 'PRIMARY'), deployment('ecs-svc/1', 'ACTIVE')] : [deployment('ecs-svc/1', 'PRIMARY')],
        });
      }
      return { services, failures };
    }),

    // StopTask: "the task's desired status is set to STOPPED"; a task of a service is then replaced by its
    // scheduler, a standalone one is not (API reference, StopTask). `reason` is at most 255 characters.
    stopTask: wrap('ecs', 'stopTask', (input) => {
      requireCluster(cloud, input.cluster);
      const ref = input.task ?? '';
      if ((input.reason ?? '').length > 255) throw ecsInvalid('reason must be at most 255 characters');
      const task = cloud.registeredContainerInstances().flatMap((c) => [...c.tasks]).find((t) => t.arn === ref || t.arn.endsWith(`/${ref}`));
      if (!task) throw ecsInvalid('The referenced task was not found.');
      cloud.stopTask(task, input.reason ?? 'Task stopped by user');
      return { task: { taskArn: task.arn, lastStatus: task.lastStatus, desiredStatus: task.desiredStatus, stoppedReason: task.stoppedReason } };
    }),

    updateContainerInstancesState: wrap('ecs', 'updateContainerInstancesState', (input) => {
      requireCluster(cloud, input.cluster);
      const refs = input.containerInstances ?? [];
      if (refs.length > LIMIT.UPDATE_CONTAINER_INSTANCES_STATE) {
        throw ecsInvalid(`containerInstances can have at most ${LIMIT.UPDATE_CONTAINER_INSTANCES_STATE} items`);
      }
      const status = input.status;
      if (status !== 'ACTIVE' && status !== 'DRAINING') throw ecsInvalid(`status must be ACTIVE or DRAINING, got ${String(status)}`);
      const updated: ContainerInstance[] = [];
      const failures: Failure[] = [];
      for (const ref of refs) {
        const ci = findCi(cloud, ref);
        if (!ci) {
          failures.push({ arn: ref, reason: 'MISSING' });
          continue;
        }
        if (ci.status !== 'ACTIVE' && ci.status !== 'DRAINING') {
          failures.push({ arn: ci.arn, reason: 'INACTIVE', detail: `Container instance is ${ci.status}; only ACTIVE or DRAINING instances can change state` });
          continue;
        }
        cloud.setCiStatus(ci, status);
        updated.push(toContainerInstance(ci));
      }
      return { containerInstances: updated, failures };
    }),

    deregisterContainerInstance: wrap('ecs', 'deregisterContainerInstance', (input) => {
      requireCluster(cloud, input.cluster);
      const ci = input.containerInstance ? findCi(cloud, input.containerInstance) : undefined;
      if (!ci) throw ecsInvalid(`Container instance ${input.containerInstance ?? ''} not found.`);
      if (ci.status !== 'INACTIVE') {
        if ((ci.runningCount > 0 || ci.pendingCount > 0) && !input.force) {
          throw ecsInvalid('Found running tasks on the instance. Stop them first or use the force option.');
        }
        cloud.deregister(ci);
      }
      return { containerInstance: toContainerInstance(ci) };
    }),

    putAttributes: wrap('ecs', 'putAttributes', (input) => {
      requireCluster(cloud, input.cluster);
      const attributes = input.attributes ?? [];
      if (attributes.length > LIMIT.PUT_ATTRIBUTES) throw ecsInvalid(`attributes can have at most ${LIMIT.PUT_ATTRIBUTES} items`);
      const targets = attributes.map((a) => {
        validateAttribute(a);
        const ci = a.targetId ? findCi(cloud, a.targetId) : undefined;
        if (!ci || ci.status === 'INACTIVE') {
          throw new SimAwsError('TargetNotFoundException', `Could not find ${a.targetId ?? '(no targetId)'}.`);
        }
        return ci;
      });
      attributes.forEach((a, i) => {
        const ci = targets[i];
        const custom = [...ci.attributes.keys()].filter((k) => !k.startsWith('ecs.')).length;
        if (!ci.attributes.has(a.name!) && custom >= LIMIT.CUSTOM_ATTRIBUTES_PER_RESOURCE) {
          throw new SimAwsError('AttributeLimitExceededException', `You can apply up to ${LIMIT.CUSTOM_ATTRIBUTES_PER_RESOURCE} custom attributes per resource.`);
        }
        cloud.setAttribute(ci, a.name!, a.value ?? '');
      });
      return { attributes };
    }),

    deleteAttributes: wrap('ecs', 'deleteAttributes', (input) => {
      requireCluster(cloud, input.cluster);
      const attributes = input.attributes ?? [];
      for (const a of attributes) {
        const ci = a.targetId ? findCi(cloud, a.targetId) : undefined;
        if (!ci) throw new SimAwsError('TargetNotFoundException', `Could not find ${a.targetId ?? '(no targetId)'}.`);
        cloud.setAttribute(ci, a.name ?? '', undefined);
      }
      return { attributes };
    }),

    tagResource: wrap('ecs', 'tagResource', (input) => {
      const tags = taggable(cloud, input.resourceArn);
      for (const t of input.tags ?? []) {
        if (!t.key) throw ecsInvalid('tag keys must not be empty');
        if (!tags.has(t.key) && tags.size >= LIMIT.ECS_TAGS_PER_RESOURCE) throw ecsInvalid(`a resource can have at most ${LIMIT.ECS_TAGS_PER_RESOURCE} tags`);
        if ((t.value ?? '').length > 256) throw ecsInvalid('tag values can be at most 256 characters');
        // ECS API reference, "Tag": values allow letters, digits, spaces and _ . : / = + - @ only.
        if (!/^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u.test(t.value ?? '')) throw ecsInvalid(`tag value '${t.value}' has characters ECS does not allow`);
        if (!/^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u.test(t.key ?? '')) throw ecsInvalid(`tag key '${t.key}' has characters ECS does not allow`);
        tags.set(t.key, t.value ?? '');
      }
      return {};
    }),

    untagResource: wrap('ecs', 'untagResource', (input) => {
      const tags = taggable(cloud, input.resourceArn);
      for (const key of input.tagKeys ?? []) tags.delete(key);
      return {};
    }),
  };

  const notEngine: SimAwsApi['notEngine'] = {
    putWarmPool: wrap('autoscaling', 'putWarmPool', (input: PutWarmPoolCommandInput): PutWarmPoolCommandOutput => {
      putWarmPool(cloud, requireGroup(cloud, input.AutoScalingGroupName), {
        minSize: input.MinSize,
        maxGroupPreparedCapacity: input.MaxGroupPreparedCapacity,
        poolState: input.PoolState,
        reuseOnScaleIn: input.InstanceReusePolicy?.ReuseOnScaleIn,
      });
      return { $metadata: {} };
    }),
    detachInstances: wrap('autoscaling', 'detachInstances', (input: DetachInstancesCommandInput): DetachInstancesCommandOutput => {
      const ids = input.InstanceIds ?? [];
      if (ids.length > LIMIT.DETACH_INSTANCES) throw asgValidation(`InstanceIds can have at most ${LIMIT.DETACH_INSTANCES} items`);
      if (input.ShouldDecrementDesiredCapacity === undefined) throw asgValidation('ShouldDecrementDesiredCapacity is required');
      const group = input.AutoScalingGroupName ? cloud.groups.get(input.AutoScalingGroupName) : undefined;
      if (!group) throw asgValidation(`AutoScalingGroup name not found - ${input.AutoScalingGroupName ?? ''}`);
      const activities = cloud.detachInstances(group, ids, input.ShouldDecrementDesiredCapacity);
      return {
        $metadata: {},
        Activities: activities.map((id, i) => ({
          ActivityId: id,
          AutoScalingGroupName: group.name,
          Description: `Detaching EC2 instance: ${ids[i]}`,
          Cause: `At ${new Date(cloud.now()).toISOString()} instance ${ids[i]} was detached in response to a user request.`,
          StartTime: new Date(cloud.now()),
          StatusCode: 'Successful',
          Progress: 100,
        })),
      };
    }),
  };

  const autoScaling: AutoScalingApi = {

    // DescribeWarmPool: AutoScalingGroupName required; "MaxRecords: The maximum number of instances to return with
    // this call. The maximum value is 50"; Instances are "The instances that are currently in the warm pool".
    // https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_DescribeWarmPool.html
    // A group without a warm pool answers no configuration and no instances (not documented; a guess).
    describeWarmPool: wrap('autoscaling', 'describeWarmPool', (input) => {
      const group = requireGroup(cloud, input.AutoScalingGroupName);
      const max = input.MaxRecords ?? DESCRIBE_WARM_POOL_MAX_RECORDS;
      if (max < 1 || max > DESCRIBE_WARM_POOL_MAX_RECORDS) throw asgValidation(`MaxRecords must be between 1 and ${DESCRIBE_WARM_POOL_MAX_RECORDS}`);
      const pool = group.warmPool;
      const page = paginate([...(pool?.instances.values() ?? [])], input.NextToken, max, 'autoscaling');
      return {
        WarmPoolConfiguration: pool ? toWarmPoolConfiguration(pool) : undefined,
        Instances: page.items.map(toAsgInstance),
        NextToken: page.nextToken,
      };
    }),

    // "InstanceRefreshes: The instance refreshes for the specified group, sorted by creation timestamp in
    // descending order"; MaxRecords "The default value is 50 and the maximum value is 100"; refreshes "from the
    // previous six weeks"; AutoScalingGroupName is required.
    // https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_DescribeInstanceRefreshes.html
    // A group that does not exist answers an empty list (not documented; a guess).
    describeInstanceRefreshes: wrap('autoscaling', 'describeInstanceRefreshes', (input) => {
      if (!input.AutoScalingGroupName) throw asgValidation("1 validation error detected: Value null at 'autoScalingGroupName' failed to satisfy constraint: Member must not be null");
      const max = input.MaxRecords ?? LIMIT.DESCRIBE_INSTANCE_REFRESHES_DEFAULT;
      if (max < 1 || max > LIMIT.DESCRIBE_INSTANCE_REFRESHES_MAX_RECORDS) {
        throw asgValidation(`MaxRecords must be between 1 and ${LIMIT.DESCRIBE_INSTANCE_REFRESHES_MAX_RECORDS}`);
      }
      const group = cloud.groups.get(input.AutoScalingGroupName);
      const since = cloud.now() - 42 * 24 * 3600_000;
      let refreshes = (group?.instanceRefreshes ?? []).filter((r) => r.createdAt >= since);
      if (input.InstanceRefreshIds?.length) refreshes = refreshes.filter((r) => input.InstanceRefreshIds!.includes(r.id));
      const newestFirst = [...refreshes].reverse();
      const page = paginate(newestFirst, input.NextToken, max, 'autoscaling');
      return { InstanceRefreshes: page.items.map((r) => toInstanceRefresh(cloud, r, group!)), NextToken: page.nextToken };
    }),

    describeAutoScalingGroups: wrap('autoscaling', 'describeAutoScalingGroups', (input) => {
      // "AutoScalingGroupNames: ... By default, you can only specify up to 50 names. You can optionally increase
      // this limit using the MaxRecords property." MaxRecords: "The default value is 50 and the maximum value is
      // 100." https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_DescribeAutoScalingGroups.html
      // The page does not say whether MaxRecords raises the limit to its own value or to 100: the simulator takes
      // the reading harder on the engine (no more names than MaxRecords). The error's wording is the simulator's.
      const names = input.AutoScalingGroupNames;
      const max = input.MaxRecords ?? cloud.asgPageSize;
      if (max < 1 || max > LIMIT.DESCRIBE_AUTO_SCALING_GROUPS_MAX_RECORDS) throw asgValidation('MaxRecords must be between 1 and 100');
      const nameLimit = input.MaxRecords ?? LIMIT.DESCRIBE_AUTO_SCALING_GROUPS_NAMES;
      if (names && names.length > nameLimit) {
        throw asgValidation(`The number of AutoScalingGroupNames (${names.length}) cannot exceed ${nameLimit}${input.MaxRecords === undefined ? ' unless MaxRecords is set' : ' (MaxRecords)'}.`);
      }
      let groups = names ? names.map((n) => cloud.groups.get(n)).filter((g): g is SimGroup => g !== undefined) : [...cloud.groups.values()];
      for (const f of input.Filters ?? []) groups = groups.filter((g) => matchesGroupFilter(g, f.Name ?? '', f.Values ?? []));
      const page = paginate(groups, input.NextToken, max, 'autoscaling');
      return { AutoScalingGroups: page.items.map((g) => toGroup(cloud, g)), NextToken: page.nextToken };
    }),

    describeLaunchConfigurations: wrap('autoscaling', 'describeLaunchConfigurations', (input) => {
      const names = input.LaunchConfigurationNames;
      if (names && names.length > LIMIT.DESCRIBE_LAUNCH_CONFIGURATIONS) {
        throw asgValidation(`The number of LaunchConfigurationNames cannot exceed ${LIMIT.DESCRIBE_LAUNCH_CONFIGURATIONS}.`);
      }
      // "MaxRecords: The maximum number of items to return with this call. The default value is 50 and the
      // maximum value is 100." https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_DescribeLaunchConfigurations.html
      const max = input.MaxRecords ?? 50;
      if (max < 1 || max > LIMIT.DESCRIBE_LAUNCH_CONFIGURATIONS_MAX_RECORDS) throw asgValidation('MaxRecords must be between 1 and 100');
      const all = names
        ? names.map((n) => cloud.launchConfigurations.get(n)).filter((x) => x !== undefined)
        : [...cloud.launchConfigurations.values()];
      const page = paginate(all, input.NextToken, max, 'autoscaling');
      return {
        LaunchConfigurations: page.items.map((lc) => ({
          // Unset kernel and ramdisk are described as empty strings, which CreateLaunchConfiguration refuses:
          // seed 000 deletes them with jq before creating its copy.
          KernelId: '',
          RamdiskId: '',
          ...structuredClone(lc.data),
          LaunchConfigurationName: lc.name,
          LaunchConfigurationARN: lc.arn,
          ImageId: lc.imageId,
          InstanceType: lc.instanceType,
          CreatedTime: new Date(lc.createdAt),
        })),
        NextToken: page.nextToken,
      };
    }),

    /**
     * CreateLaunchConfiguration: a name of 1 to 255 characters, unique in the region (AlreadyExists); an image
     * and an instance type (the simulator does not model InstanceId); no empty string values (the API's
     * length constraints); user data base64. https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_CreateLaunchConfiguration.html
     */
    createLaunchConfiguration: wrap('autoscaling', 'createLaunchConfiguration', (input) => {
      if (cloud.launchConfigurationsUnsupported) {
        throw new SimAwsError('UnsupportedOperation',
          'The Launch Configuration creation operation is not available in your account. Use launch templates to create configuration templates for your Auto Scaling groups.');
      }
      const name = input.LaunchConfigurationName ?? '';
      if (name.length < 1 || name.length > 255) {
        throw asgValidation(`1 validation error detected: Value '${name}' at 'launchConfigurationName' failed to satisfy constraint: Member must have length less than or equal to 255`);
      }
      for (const [key, value] of Object.entries(input)) {
        if (value === '') {
          throw asgValidation(`1 validation error detected: Value '' at '${key[0].toLowerCase()}${key.slice(1)}' failed to satisfy constraint: Member must have length greater than or equal to 1`);
        }
      }
      if (cloud.launchConfigurations.has(name)) {
        throw new SimAwsError('AlreadyExists', `Launch Configuration by this name already exists - A launch configuration already exists with the name ${name}`);
      }
      if (!input.ImageId) throw asgValidation('Valid requests must contain either the InstanceID parameter or both the ImageId and InstanceType parameters.');
      if (!input.InstanceType) throw asgValidation('Valid requests must contain either the InstanceID parameter or both the ImageId and InstanceType parameters.');
      if (input.UserData !== undefined && Buffer.from(input.UserData, 'base64').toString('base64') !== input.UserData) {
        throw asgValidation('Invalid BASE64 encoding of user data');
      }
      const { LaunchConfigurationName: _name, ImageId, InstanceType, ...data } = input;
      cloud.addLaunchConfiguration(name, ImageId, InstanceType, data as Record<string, unknown>);
      return {};
    }),

    /**
     * DeleteLaunchConfiguration: "The launch configuration must not be attached to an Auto Scaling group."
     * https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_DeleteLaunchConfiguration.html
     */
    deleteLaunchConfiguration: wrap('autoscaling', 'deleteLaunchConfiguration', (input) => {
      const name = input.LaunchConfigurationName ?? '';
      if (!cloud.launchConfigurations.has(name)) throw asgValidation(`Launch configuration name not found - ${name}`);
      const user = [...cloud.groups.values()].find((g) => g.launchConfigurationName === name);
      if (user) throw new SimAwsError('ResourceInUse', `Cannot delete launch configuration ${name} because it is attached to AutoScalingGroup ${user.name}`);
      cloud.launchConfigurations.delete(name);
      return {};
    }),

    setDesiredCapacity: wrap('autoscaling', 'setDesiredCapacity', (input) => {
      const group = requireGroup(cloud, input.AutoScalingGroupName);
      if (input.DesiredCapacity === undefined) throw asgValidation('DesiredCapacity is required');
      cloud.setDesiredCapacity(group, input.DesiredCapacity);
      return {};
    }),

    terminateInstanceInAutoScalingGroup: wrap('autoscaling', 'terminateInstanceInAutoScalingGroup', (input) => {
      if (input.ShouldDecrementDesiredCapacity === undefined) throw asgValidation('ShouldDecrementDesiredCapacity is required');
      const instance = input.InstanceId ? cloud.instances.get(input.InstanceId) : undefined;
      if (!instance || !instance.group) {
        throw asgValidation(`Instance Id not found - No managed instance found for instance ID: ${input.InstanceId ?? ''}`);
      }
      const activityId = cloud.terminateInGroup(instance, input.ShouldDecrementDesiredCapacity);
      return {
        Activity: {
          ActivityId: activityId,
          AutoScalingGroupName: instance.group.name,
          Description: `Terminating EC2 instance: ${instance.id}`,
          Cause: `At ${new Date(cloud.now()).toISOString()} instance ${instance.id} was taken out of service in response to a user request${input.ShouldDecrementDesiredCapacity ? ', shrinking the capacity' : ''}.`,
          StartTime: new Date(cloud.now()),
          StatusCode: 'InProgress',
          Progress: 0,
        },
      };
    }),

    updateAutoScalingGroup: wrap('autoscaling', 'updateAutoScalingGroup', (input) => {
      const group = requireGroup(cloud, input.AutoScalingGroupName);
      const spec = input.MixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification ?? input.LaunchTemplate;
      if (input.LaunchTemplate && input.MixedInstancesPolicy) {
        throw asgValidation('Valid requests must contain either LaunchTemplate, LaunchConfigurationName or MixedInstancesPolicy parameter.');
      }
      if (spec) {
        const template = findTemplate(cloud, spec.LaunchTemplateId, spec.LaunchTemplateName);
        if (!template) throw asgValidation(`The specified launch template, with template ID ${spec.LaunchTemplateId ?? spec.LaunchTemplateName ?? ''}, does not exist.`);
        const version = spec.Version ?? '$Default';
        if (!cloud.resolveTemplateVersion(template, version)) {
          throw asgValidation(`The specified launch template, with template ID ${template.id}, version ${version}, does not exist.`);
        }
        // Overrides given replace the policy's overrides; omitted, they stay as they are. Each override's own
        // template (and version) must exist, as the group's must.
        const given = input.MixedInstancesPolicy?.LaunchTemplate?.Overrides;
        const overrides = given?.map((o) => {
          if (!o.InstanceType) throw asgValidation('The simulator models overrides by InstanceType only.');
          const t = o.LaunchTemplateSpecification;
          if (!t) return { instanceType: o.InstanceType, weightedCapacity: o.WeightedCapacity };
          const own = findTemplate(cloud, t.LaunchTemplateId, t.LaunchTemplateName);
          if (!own) throw asgValidation(`The specified launch template, with template ID ${t.LaunchTemplateId ?? t.LaunchTemplateName ?? ''}, does not exist.`);
          const v = t.Version ?? '$Default';
          if (!cloud.resolveTemplateVersion(own, v)) throw asgValidation(`The specified launch template, with template ID ${own.id}, version ${v}, does not exist.`);
          return { instanceType: o.InstanceType, weightedCapacity: o.WeightedCapacity, launchTemplate: { id: own.id, name: own.name, version: v } };
        });
        group.launchTemplate = { id: template.id, name: template.name, version };
        group.launchConfigurationName = undefined;
        if (input.MixedInstancesPolicy) {
          group.mixedInstancesPolicy ??= { instanceTypes: ['m6i.large'], onDemandPercentage: 100, launches: 0 };
          if (overrides) {
            group.mixedInstancesPolicy = { ...group.mixedInstancesPolicy, instanceTypes: overrides.map((o) => o.instanceType), overrides };
          }
        } else if (input.LaunchTemplate) {
          group.mixedInstancesPolicy = undefined;
        }
      }
      if (input.LaunchConfigurationName) {
        if (!cloud.launchConfigurations.has(input.LaunchConfigurationName)) throw asgValidation(`Launch configuration name not found - ${input.LaunchConfigurationName}`);
        group.launchConfigurationName = input.LaunchConfigurationName;
        group.launchTemplate = undefined;
        group.mixedInstancesPolicy = undefined;
      }
      if (input.NewInstancesProtectedFromScaleIn !== undefined) group.newInstancesProtectedFromScaleIn = input.NewInstancesProtectedFromScaleIn;
      cloud.updateGroup(group, { minSize: input.MinSize, maxSize: input.MaxSize, desired: input.DesiredCapacity });
      return {};
    }),

    suspendProcesses: wrap('autoscaling', 'suspendProcesses', (input) => {
      cloud.suspendProcesses(requireGroup(cloud, input.AutoScalingGroupName), input.ScalingProcesses);
      return {};
    }),

    resumeProcesses: wrap('autoscaling', 'resumeProcesses', (input) => {
      cloud.resumeProcesses(requireGroup(cloud, input.AutoScalingGroupName), input.ScalingProcesses);
      return {};
    }),

    createOrUpdateTags: wrap('autoscaling', 'createOrUpdateTags', (input) => {
      const tags = input.Tags ?? [];
      const groups = tags.map((t) => {
        if (t.ResourceType && t.ResourceType !== 'auto-scaling-group') throw asgValidation(`ResourceType must be auto-scaling-group, got ${t.ResourceType}`);
        if (!t.Key) throw asgValidation('Tag key must not be empty');
        if (isReservedTagKey(t.Key)) throw asgValidation(`Tag keys starting with 'aws:' are reserved for internal use: ${t.Key}`);
        // Tag: Key 1 to 128 characters, Value 0 to 256 (Auto Scaling API reference, Tag:
        // https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_Tag.html).
        if (t.Key.length > LIMIT.ASG_TAG_KEY_LENGTH) {
          throw asgValidation(`1 validation error detected: Value '${t.Key}' at 'tags.member.1.key' failed to satisfy constraint: Member must have length less than or equal to ${LIMIT.ASG_TAG_KEY_LENGTH}`);
        }
        if ((t.Value ?? '').length > 256) {
          throw asgValidation('1 validation error detected: Value at \'tags.member.1.value\' failed to satisfy constraint: Member must have length less than or equal to 256');
        }
        return requireGroup(cloud, t.ResourceId);
      });
      tags.forEach((t, i) => {
        const group = groups[i];
        if (!group.tags.has(t.Key!) && userTagCount(group) >= LIMIT.ASG_TAGS_PER_GROUP) {
          throw new SimAwsError('LimitExceeded', `You have reached the limit of ${LIMIT.ASG_TAGS_PER_GROUP} tags for this Auto Scaling group.`);
        }
        group.tags.set(t.Key!, { value: t.Value ?? '', propagateAtLaunch: t.PropagateAtLaunch ?? false });
      });
      return {};
    }),

    deleteTags: wrap('autoscaling', 'deleteTags', (input) => {
      const tags = input.Tags ?? [];
      const groups = tags.map((t) => {
        if (t.Key && isReservedTagKey(t.Key)) throw asgValidation(`Tag keys starting with 'aws:' are reserved for internal use: ${t.Key}`);
        return requireGroup(cloud, t.ResourceId);
      });
      tags.forEach((t, i) => groups[i].tags.delete(t.Key ?? ''));
      return {};
    }),
  };

  const ec2: Ec2Api = {
    describeImages: wrap('ec2', 'describeImages', (input) => {
      const filters = input.Filters ?? [];
      checkFilterValues(filters);
      let images: SimImage[];
      if (input.ImageIds && input.ImageIds.length > 0) {
        images = input.ImageIds.map((id) => {
          const image = cloud.images.get(id);
          if (!image) throw new SimAwsError('InvalidAMIID.NotFound', `The image id '[${id}]' does not exist`);
          return image;
        });
      } else {
        const ids = filterValuesOf(filters, 'image-id');
        images = ids ? ids.map((id) => cloud.images.get(id)).filter((x): x is SimImage => x !== undefined) : [...cloud.images.values()];
        // Deprecated images are left out unless asked for (or named by ImageIds).
        // DescribeImages, IncludeDeprecated: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeImages.html
        if (!input.IncludeDeprecated) images = images.filter((i) => !isDeprecated(i, cloud.now()));
      }
      images = images.filter((i) => i.state !== 'deregistered');
      for (const f of filters) if (f.Name !== 'image-id') images = images.filter((i) => matchesImageFilter(i, f));
      const page = paginate(images, input.NextToken, ec2PageSize(cloud, input.MaxResults), 'ec2');
      return { Images: page.items.map(toImage), NextToken: page.nextToken };
    }),

    describeInstances: wrap('ec2', 'describeInstances', (input) => {
      const filters = input.Filters ?? [];
      checkFilterValues(filters);
      if (input.InstanceIds?.length && input.MaxResults !== undefined) {
        throw new SimAwsError('InvalidParameterCombination', 'The parameter instancesSet cannot be used with the parameter maxResults');
      }
      const visible = (i: SimInstance) => i.terminatedAt === undefined || cloud.now() - i.terminatedAt < cloud.timing.terminatedVisibleS * 1000;
      let instances: SimInstance[];
      if (input.InstanceIds?.length) {
        instances = input.InstanceIds.map((id) => {
          const i = cloud.instances.get(id);
          if (!i || !visible(i)) throw new SimAwsError('InvalidInstanceID.NotFound', `The instance ID '${id}' does not exist`);
          return i;
        });
      } else {
        const ids = filterValuesOf(filters, 'instance-id');
        instances = ids
          ? [...new Set(ids)]
            .map((id) => cloud.instances.get(id))
            .filter((i): i is SimInstance => i !== undefined && visible(i))
            .sort((a, b) => a.seq - b.seq)
          : [...cloud.instances.values()].filter(visible);
      }
      for (const f of filters) if (f.Name !== 'instance-id') instances = instances.filter((i) => matchesInstanceFilter(i, f));
      const page = paginate(instances, input.NextToken, ec2PageSize(cloud, input.MaxResults), 'ec2');
      const reservations: Reservation[] = page.items.map((i) => ({
        ReservationId: i.reservationId,
        OwnerId: cloud.account,
        Instances: [toInstance(i)],
      }));
      return { Reservations: reservations, NextToken: page.nextToken };
    }),

    describeLaunchTemplateVersions: wrap('ec2', 'describeLaunchTemplateVersions', (input) => {
      if (!input.LaunchTemplateId && !input.LaunchTemplateName) return accountTemplateVersions(cloud, input);
      if (input.Filters && input.Filters.length > 0) throw new SimAwsError('InvalidParameterValue', 'the simulator models Filters only without a launch template');
      const template = requireTemplate(cloud, input.LaunchTemplateId, input.LaunchTemplateName);
      let versions: SimTemplateVersion[];
      if (input.Versions && input.Versions.length > 0) {
        versions = [];
        for (const v of input.Versions) {
          const found = cloud.resolveTemplateVersion(template, v);
          if (!found) {
            throw new SimAwsError('InvalidLaunchTemplateId.VersionNotFound', `Could not find launch template version ${v} for launch template ${template.id}`);
          }
          if (!versions.includes(found)) versions.push(found);
        }
      } else {
        versions = [...template.versions.values()]
          .filter((v) => input.MinVersion === undefined || v.number >= Number(input.MinVersion))
          .filter((v) => input.MaxVersion === undefined || v.number <= Number(input.MaxVersion))
          .sort((a, b) => b.number - a.number);
      }
      // MaxResults: "Valid range: 1-200" (DescribeLaunchTemplateVersions).
      if (input.MaxResults !== undefined && (input.MaxResults < 1 || input.MaxResults > LIMIT.DESCRIBE_LAUNCH_TEMPLATE_VERSIONS_MAX_RESULTS)) {
        throw new SimAwsError('InvalidParameterValue', 'MaxResults must be between 1 and 200');
      }
      const page = paginate(versions, input.NextToken, input.MaxResults ?? 100, 'ec2');
      return {
        NextToken: page.nextToken,
        LaunchTemplateVersions: page.items.map((v) => toTemplateVersion(cloud, template, v, input.ResolveAlias ?? false)),
      };
    }),

    createLaunchTemplateVersion: wrap('ec2', 'createLaunchTemplateVersion', (input) => {
      const template = requireTemplate(cloud, input.LaunchTemplateId, input.LaunchTemplateName);
      if (input.ClientToken && template.clientTokens.has(input.ClientToken)) {
        const existing = template.versions.get(template.clientTokens.get(input.ClientToken)!)!;
        return { LaunchTemplateVersion: toTemplateVersion(cloud, template, existing, false) };
      }
      // "SourceVersion: The version of the launch template on which to base the new version. Snapshot
      // of the launch template parameters... the new version inherits the launch parameters from the
      // source version. If you specify additional launch parameters for the new version, they overwrite
      // any corresponding launch parameters inherited from the source version."
      // https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateLaunchTemplateVersion.html
      let base: SimTemplateData = {};
      if (input.SourceVersion !== undefined) {
        const source = cloud.resolveTemplateVersion(template, input.SourceVersion);
        if (!source) {
          throw new SimAwsError('InvalidLaunchTemplateId.VersionNotFound', `Could not find launch template version ${input.SourceVersion} for launch template ${template.id}`);
        }
        base = source.data;
      }
      // Parameters are not validated here (an image that does not exist fails the launch, not this call).
      const data: SimTemplateData = { ...structuredClone(base), ...structuredClone((input.LaunchTemplateData ?? {}) as SimTemplateData) };
      if (input.VersionDescription && input.VersionDescription.length > 255) throw new SimAwsError('InvalidParameterValue', 'VersionDescription is too long');
      // "Each AWS account can have ... up to 10,000 versions per launch template" (Amazon EC2 User Guide,
      // "Restrictions for Amazon EC2 launch templates":
      // https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/launch-template-restrictions.html). The page names no
      // error code for the quota: the simulator answers with EC2's quota-style code, and a client fault (400),
      // which is what the engine must treat as a refusal that will not change on its own.
      if (template.versions.size >= LIMIT.LAUNCH_TEMPLATE_VERSIONS_PER_TEMPLATE) {
        throw new SimAwsError('LaunchTemplateVersionLimitExceeded',
          `Launch template ${template.id} already has ${template.versions.size} versions; the limit is ${LIMIT.LAUNCH_TEMPLATE_VERSIONS_PER_TEMPLATE} versions per launch template.`);
      }
      const number = template.latestVersion + 1;
      const version: SimTemplateVersion = { number, description: input.VersionDescription, data, createdAt: cloud.now() };
      template.versions.set(number, version);
      template.latestVersion = number;
      if (input.ClientToken) template.clientTokens.set(input.ClientToken, number);
      return { LaunchTemplateVersion: toTemplateVersion(cloud, template, version, false) };
    }),

    /**
     * DeleteLaunchTemplateVersions: "You can't delete the default version of a launch template ... You can delete
     * up to 200 launch template versions in a single request." Versions that cannot be deleted are reported in
     * UnsuccessfullyDeletedLaunchTemplateVersions (a version that does not exist: launchTemplateVersionDoesNotExist;
     * the default version's code is the simulator's reading: unexpectedError). AWS does not check whether an
     * Auto Scaling group uses a version. https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteLaunchTemplateVersions.html
     */
    deleteLaunchTemplateVersions: wrap('ec2', 'deleteLaunchTemplateVersions', (input) => {
      const template = requireTemplate(cloud, input.LaunchTemplateId, input.LaunchTemplateName);
      const asked = input.Versions ?? [];
      if (asked.length === 0 || asked.length > LIMIT.DELETE_LAUNCH_TEMPLATE_VERSIONS) {
        throw new SimAwsError('InvalidParameterValue', `You can specify from 1 to ${LIMIT.DELETE_LAUNCH_TEMPLATE_VERSIONS} launch template versions.`);
      }
      const deleted = [];
      const failed = [];
      for (const v of asked) {
        const n = Number(v);
        if (!template.versions.has(n)) {
          failed.push({
            LaunchTemplateId: template.id, VersionNumber: n, ResponseError: { Code: 'launchTemplateVersionDoesNotExist' as const, Message: `version ${v} does not exist` },
          });
        } else if (n === template.defaultVersion) {
          failed.push({ LaunchTemplateId: template.id, VersionNumber: n, ResponseError: { Code: 'unexpectedError' as const, Message: 'Cannot delete the default version' } });
        } else {
          template.versions.delete(n);
          deleted.push({ LaunchTemplateId: template.id, LaunchTemplateName: template.name, VersionNumber: n });
        }
      }
      return { SuccessfullyDeletedLaunchTemplateVersions: deleted, UnsuccessfullyDeletedLaunchTemplateVersions: failed };
    }),

    modifyLaunchTemplate: wrap('ec2', 'modifyLaunchTemplate', (input) => {
      const template = requireTemplate(cloud, input.LaunchTemplateId, input.LaunchTemplateName);
      if (input.DefaultVersion !== undefined) {
        const version = cloud.resolveTemplateVersion(template, input.DefaultVersion);
        if (!version) {
          throw new SimAwsError('InvalidLaunchTemplateId.VersionNotFound', `Could not find launch template version ${input.DefaultVersion} for launch template ${template.id}`);
        }
        template.defaultVersion = version.number;
      }
      return {
        LaunchTemplate: {
          LaunchTemplateId: template.id,
          LaunchTemplateName: template.name,
          DefaultVersionNumber: template.defaultVersion,
          LatestVersionNumber: template.latestVersion,
          CreateTime: new Date(template.createdAt),
        },
      };
    }),

    /**
     * TerminateInstances: all or nothing ("If you specify multiple instances and the request fails (for
     * example, because of a single incorrect instance ID), none of the instances are terminated"); an instance
     * already terminated is reported as such, not an error; an instance of an Auto Scaling group is terminated
     * and its group, finding it unhealthy, replaces it.
     * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_TerminateInstances.html
     */
    terminateInstances: wrap('ec2', 'terminateInstances', (input) => {
      const ids = input.InstanceIds ?? [];
      if (ids.length === 0) throw new SimAwsError('MissingParameter', 'The request must contain the parameter InstanceIds');
      const visible = (i: SimInstance) => i.terminatedAt === undefined || cloud.now() - i.terminatedAt < cloud.timing.terminatedVisibleS * 1000;
      const instances = ids.map((id) => {
        const i = cloud.instances.get(id);
        if (!i || !visible(i)) throw new SimAwsError('InvalidInstanceID.NotFound', `The instance ID '${id}' does not exist`);
        return i;
      });
      const code: Record<string, number> = { 'pending': 0, 'running': 16, 'shutting-down': 32, 'terminated': 48 };
      return {
        TerminatingInstances: instances.map((i) => {
          const previous = i.state;
          cloud.terminateInstanceExternally(i.id);
          return {
            InstanceId: i.id,
            PreviousState: { Code: code[previous], Name: previous },
            CurrentState: { Code: code[i.state], Name: i.state },
          };
        }),
      };
    }),
  };

  const ssm: SsmApi = {
    getParameters: wrap('ssm', 'getParameters', (input) => {
      const names = input.Names ?? [];
      // "Names: ... Array Members: Minimum number of 1 item. Maximum number of 10 items."
      // https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetParameters.html
      if (names.length < 1 || names.length > LIMIT.SSM_GET_PARAMETERS) {
        throw new SimAwsError(
          'ValidationException',
          `1 validation error detected: Value '[${names.join(', ')}]' at 'names' failed to satisfy constraint: Member must have length less than or equal to ${LIMIT.SSM_GET_PARAMETERS}`,
        );
      }
      const parameters: Parameter[] = [];
      const invalid: string[] = [];
      for (const selector of [...new Set(names)]) {
        const found = cloud.parameterValue(selector);
        if (!found) {
          invalid.push(selector);
          continue;
        }
        const selectorPart = selector.startsWith('arn:') ? undefined : selector.slice(found.name.length) || undefined;
        parameters.push({
          Name: found.name,
          Type: 'String',
          Value: found.value,
          Version: found.version,
          Selector: selectorPart,
          LastModifiedDate: new Date(found.modifiedAt),
          ARN: `arn:aws:ssm:${cloud.region}:${found.name.startsWith('/aws/') ? '' : cloud.account}:parameter${found.name.startsWith('/') ? '' : '/'}${found.name}`,
          DataType: 'text',
        });
      }
      return { Parameters: parameters, InvalidParameters: invalid };
    }),
  };

  const cloudFormation: CloudFormationApi = {
    // "If the stack doesn't exist, a ValidationError is returned." StackName: "Running stacks: You can specify
    // either the stack's name or its unique stack ID. Deleted stacks: You must specify the unique stack ID."
    // Without StackName, every stack (deleted ones are left out: a guess, as ListStacks is where they show).
    // https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStacks.html
    describeStacks: wrap('cloudformation', 'describeStacks', (input) => {
      if (input.StackName === undefined) {
        const live = [...cloud.stacks.values()].filter((st) => st.deletedAt === undefined);
        const page = paginate(live, input.NextToken, 100, 'cloudformation');
        return { Stacks: page.items.map(toStack), NextToken: page.nextToken };
      }
      const stack = cloud.stacks.get(input.StackName) ?? cloud.liveStack(input.StackName);
      if (!stack) throw new SimAwsError('ValidationError', `Stack with id ${input.StackName} does not exist`);
      return { Stacks: [toStack(stack)] };
    }),
  };

  // Publish to a standard topic: "Subject ... must be ASCII text that begins with a letter, number, or punctuation
  // mark; must not include line breaks or control characters; and must be less than 100 characters long";
  // Message "must be less than 256 KB"; an unknown topic is NotFound (404).
  // https://docs.aws.amazon.com/sns/latest/api/API_Publish.html
  const sns: SnsApi = {
    publish: wrap('sns', 'publish', (input) => {
      const topic = input.TopicArn === undefined ? undefined : cloud.topics.get(input.TopicArn);
      if (!topic) throw new SimAwsError('NotFound', `Topic does not exist: ${input.TopicArn}`, 404);
      if (input.Message === undefined || input.Message === '') throw new SimAwsError('InvalidParameter', 'Invalid parameter: Empty message');
      if (Buffer.byteLength(input.Message, 'utf8') > 256 * 1024) throw new SimAwsError('InvalidParameter', 'Invalid parameter: Message too long');
      if (input.Subject !== undefined && (input.Subject.length >= 100 || !/^[\x21-\x7e][\x20-\x7e]*$/.test(input.Subject))) {
        throw new SimAwsError('InvalidParameter', 'Invalid parameter: Subject');
      }
      const messageId = `${topic.arn.slice(topic.arn.lastIndexOf(':') + 1)}-${topic.messages.length + 1}`;
      topic.messages.push({ subject: input.Subject, message: input.Message, at: cloud.now(), messageId });
      return { MessageId: messageId };
    }),
  };

  // The lease table's item: conditional writes as dynamodb.ts models them from the DynamoDB API reference.
  const dynamoDb: DynamoDbApi = {
    getItem: wrap('dynamodb', 'getItem', (input) => cloud.dynamoDb.getItem(input)),
    putItem: wrap('dynamodb', 'putItem', (input) => cloud.dynamoDb.putItem(input)),
    updateItem: wrap('dynamodb', 'updateItem', (input) => cloud.dynamoDb.updateItem(input)),
    deleteItem: wrap('dynamodb', 'deleteItem', (input) => cloud.dynamoDb.deleteItem(input)),
  };

  return { ecs, autoScaling, ec2, ssm, cloudFormation, sns, dynamoDb, notEngine };
}

// -------------------------------------------------------------------------------------------------------
// Lookups

function ecsInvalid(message: string): SimAwsError {
  return new SimAwsError('InvalidParameterException', message);
}

function asgValidation(message: string): SimAwsError {
  return new SimAwsError('ValidationError', message);
}

function findCluster(cloud: Cloud, ref: string | undefined) {
  const name = ref === undefined ? 'default' : ref.startsWith('arn:') ? ref.slice(ref.lastIndexOf('/') + 1) : ref;
  return cloud.clusters.get(name);
}

function requireCluster(cloud: Cloud, ref: string | undefined) {
  const cluster = findCluster(cloud, ref);
  if (!cluster) throw new SimAwsError('ClusterNotFoundException', 'Cluster not found.');
  return cluster;
}

function findCi(cloud: Cloud, ref: string): SimContainerInstance | undefined {
  const direct = cloud.containerInstances.get(ref);
  if (direct) return direct;
  // A bare id (the ARN's last segment).
  if (!ref.startsWith('arn:')) {
    const arn = `arn:aws:ecs:${cloud.region}:${cloud.account}:container-instance/${cloud.cluster.name}/${ref}`;
    return cloud.containerInstances.get(arn);
  }
  return undefined;
}

function taggable(cloud: Cloud, arn: string | undefined): Map<string, string> {
  const cluster = arn ? [...cloud.clusters.values()].find((c) => c.arn === arn) : undefined;
  if (cluster) return cluster.tags;
  const ci = arn ? cloud.containerInstances.get(arn) : undefined;
  if (ci) return ci.tags;
  throw new SimAwsError('InvalidParameterException', `The specified resource ${arn ?? ''} is not valid.`);
}

function requireGroup(cloud: Cloud, name: string | undefined): SimGroup {
  const group = name ? cloud.groups.get(name) : undefined;
  if (!group) throw asgValidation(`AutoScalingGroup name not found - AutoScalingGroup '${name ?? ''}' not found`);
  return group;
}

function findTemplate(cloud: Cloud, id: string | undefined, name: string | undefined): SimLaunchTemplate | undefined {
  return id ? cloud.templates.get(id) : name ? cloud.templatesByName.get(name) : undefined;
}

/**
 * DescribeLaunchTemplateVersions without a template: "To describe all launch templates in your account that are
 * defined as the latest version, the valid value is $Latest. To describe all launch templates in your account
 * that are defined as the default version, the valid value is $Default. You can specify $Latest and $Default in
 * the same request. You cannot specify numbers." The `image-id` filter is modelled; any other is refused, so a
 * filter the simulator skipped can never make a test pass.
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeLaunchTemplateVersions.html
 */
function accountTemplateVersions(
  cloud: Cloud,
  input: DescribeLaunchTemplateVersionsCommandInput,
): { NextToken?: string; LaunchTemplateVersions: LaunchTemplateVersion[] } {
  const wanted = input.Versions ?? [];
  if (wanted.length === 0 || wanted.some((v) => v !== '$Latest' && v !== '$Default')) {
    throw new SimAwsError('InvalidParameterValue', 'Without a launch template, Versions must be $Latest and/or $Default');
  }
  let images: Set<string> | undefined;
  for (const filter of input.Filters ?? []) {
    if (filter.Name !== 'image-id') throw new SimAwsError('InvalidParameterValue', `the simulator does not model the filter ${filter.Name}`);
    images = new Set([...(images ?? []), ...(filter.Values ?? [])]);
  }
  const found: Array<{ template: SimLaunchTemplate; version: SimTemplateVersion }> = [];
  for (const template of [...cloud.templates.values()].sort((a, b) => a.id.localeCompare(b.id))) {
    const versions = new Set(wanted.map((v) => cloud.resolveTemplateVersion(template, v)).filter((v): v is SimTemplateVersion => v !== undefined));
    for (const version of versions) {
      if (images && !images.has(String(version.data.ImageId ?? ''))) continue;
      found.push({ template, version });
    }
  }
  if (input.MaxResults !== undefined && (input.MaxResults < 1 || input.MaxResults > LIMIT.DESCRIBE_LAUNCH_TEMPLATE_VERSIONS_MAX_RESULTS)) {
    throw new SimAwsError('InvalidParameterValue', 'MaxResults must be between 1 and 200');
  }
  const page = paginate(found, input.NextToken, input.MaxResults ?? 100, 'ec2');
  return {
    NextToken: page.nextToken,
    LaunchTemplateVersions: page.items.map((f) => toTemplateVersion(cloud, f.template, f.version, input.ResolveAlias ?? false)),
  };
}

function requireTemplate(cloud: Cloud, id: string | undefined, name: string | undefined): SimLaunchTemplate {
  if (id && name) throw new SimAwsError('InvalidParameterCombination', 'Specify either LaunchTemplateId or LaunchTemplateName, not both');
  const template = findTemplate(cloud, id, name);
  if (!template) {
    if (id) throw new SimAwsError('InvalidLaunchTemplateId.NotFound', `The specified launch template, with template ID ${id}, does not exist.`);
    throw new SimAwsError('InvalidLaunchTemplateName.NotFoundException', `The specified launch template, with template name ${name ?? ''}, does not exist.`);
  }
  return template;
}

// -------------------------------------------------------------------------------------------------------
// Pagination: opaque tokens carrying an offset into a stable order.

function encodeToken(offset: number): string {
  return Buffer.from(`sim:${offset}`).toString('base64');
}

function decodeToken(token: string | undefined, service: SimService): number {
  if (!token) return 0;
  const match = Buffer.from(token, 'base64').toString().match(/^sim:(\d+)$/);
  if (!match) {
    const code = service === 'ecs' ? 'InvalidParameterException' : service === 'autoscaling' ? 'InvalidNextToken' : 'InvalidParameterValue';
    throw new SimAwsError(code, `The nextToken '${token}' is not valid`);
  }
  return Number(match[1]);
}

function paginate<T>(items: readonly T[], token: string | undefined, size: number, service: SimService): { items: T[]; nextToken?: string } {
  const start = decodeToken(token, service);
  const end = start + Math.max(1, size);
  return { items: items.slice(start, end), nextToken: end < items.length ? encodeToken(end) : undefined };
}

function ec2PageSize(cloud: Cloud, maxResults: number | undefined): number {
  if (maxResults === undefined) return cloud.ec2PageSize;
  if (maxResults < 5 || maxResults > 1000) throw new SimAwsError('InvalidParameterValue', `Value ( ${maxResults} ) for parameter maxResults is invalid. Expecting a value between 5 and 1000.`);
  return maxResults;
}

// -------------------------------------------------------------------------------------------------------
// Filters

function checkFilterValues(filters: readonly Filter[]): void {
  for (const f of filters) {
    if ((f.Values ?? []).length > LIMIT.EC2_FILTER_VALUES) {
      throw new SimAwsError('FilterLimitExceeded', `The maximum number of filter values specified on a single call is ${LIMIT.EC2_FILTER_VALUES}`);
    }
  }
}

function filterValuesOf(filters: readonly Filter[], name: string): string[] | undefined {
  const f = filters.find((x) => x.Name === name);
  return f ? f.Values ?? [] : undefined;
}

function wildcard(pattern: string, value: string | undefined): boolean {
  if (value === undefined) return false;
  if (!pattern.includes('*') && !pattern.includes('?')) return pattern === value;
  const re = new RegExp('^' + pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$');
  return re.test(value);
}

function matchesImageFilter(image: SimImage, f: Filter): boolean {
  const values = f.Values ?? [];
  const field = (): string | undefined => {
    switch (f.Name) {
      case 'name': return image.name;
      case 'architecture': return image.architecture;
      case 'state': return image.state;
      case 'platform-details': return image.platformDetails;
      default: throw new SimAwsError('InvalidParameterValue', `The filter '${f.Name ?? ''}' is not supported by the simulator`);
    }
  };
  const actual = field();
  return values.some((v) => wildcard(v, actual));
}

function matchesInstanceFilter(instance: SimInstance, f: Filter): boolean {
  const values = f.Values ?? [];
  const name = f.Name ?? '';
  if (name.startsWith('tag:')) return values.some((v) => wildcard(v, instance.tags.get(name.slice(4))));
  switch (name) {
    case 'tag-key': return values.some((v) => instance.tags.has(v));
    case 'image-id': return values.includes(instance.imageId);
    case 'instance-state-name': return values.includes(instance.state);
    case 'availability-zone': return values.includes(instance.availabilityZone);
    default: throw new SimAwsError('InvalidParameterValue', `The filter '${name}' is not supported by the simulator`);
  }
}

function matchesGroupFilter(group: SimGroup, name: string, values: readonly string[]): boolean {
  if (name.startsWith('tag:')) {
    const tag = group.tags.get(name.slice(4));
    return tag !== undefined && values.includes(tag.value);
  }
  if (name === 'tag-key') return values.some((v) => group.tags.has(v));
  if (name === 'tag-value') return [...group.tags.values()].some((t) => values.includes(t.value));
  throw asgValidation(`Filter name ${name} is not valid`);
}

function isDeprecated(image: SimImage, now: number): boolean {
  return image.deprecationTime !== undefined && Date.parse(image.deprecationTime) <= now;
}

function validateAttribute(a: Attribute): void {
  // Attribute names: up to 128 letters, numbers, hyphens, underscores, slashes, backslashes or periods;
  // values: up to 128 of those, plus @, colons and spaces. Amazon ECS API reference, "Attribute":
  // https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Attribute.html
  if (!a.name || !/^[a-zA-Z0-9_.\-/\\]{1,128}$/.test(a.name)) throw ecsInvalid(`attribute name '${a.name ?? ''}' is not valid`);
  if (a.value !== undefined && !/^[a-zA-Z0-9_.\-/\\@: ]{1,128}$/.test(a.value)) throw ecsInvalid(`attribute value '${a.value}' is not valid`);
  if (a.targetType !== undefined && a.targetType !== 'container-instance') throw ecsInvalid(`targetType must be container-instance, got ${a.targetType}`);
}

// -------------------------------------------------------------------------------------------------------
// Shapes

function toContainerInstance(ci: SimContainerInstance): ContainerInstance {
  return {
    containerInstanceArn: ci.arn,
    ec2InstanceId: ci.instance.id,
    capacityProviderName: ci.capacityProviderName,
    version: ci.version,
    status: ci.status,
    agentConnected: ci.agentConnected,
    runningTasksCount: ci.status === 'INACTIVE' ? 0 : ci.runningCount,
    pendingTasksCount: ci.status === 'INACTIVE' ? 0 : ci.pendingCount,
    attributes: [...ci.attributes].map(([name, value]) => (value === '' ? { name } : { name, value })),
    registeredAt: new Date(ci.registeredAt),
    tags: [...ci.tags].map(([key, value]) => ({ key, value })),
  };
}

// InstanceState codes (EC2 API reference, InstanceState): https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_InstanceState.html
const EC2_STATE_CODE: Record<string, number> = { 'pending': 0, 'running': 16, 'shutting-down': 32, 'terminated': 48, 'stopped': 80 };

function toInstance(i: SimInstance): Instance {
  return {
    InstanceId: i.id,
    ImageId: i.imageId,
    InstanceType: i.instanceType as Instance['InstanceType'],
    Architecture: i.architecture as ArchitectureValues,
    State: { Code: EC2_STATE_CODE[i.state], Name: i.state as InstanceStateName },
    LaunchTime: new Date(i.launchTime),
    Placement: { AvailabilityZone: i.availabilityZone },
    Tags: [...i.tags].map(([Key, Value]) => ({ Key, Value })),
  };
}

function toImage(image: SimImage): Image {
  return {
    ImageId: image.imageId,
    Name: image.name,
    Architecture: image.architecture as ArchitectureValues,
    PlatformDetails: image.platformDetails,
    State: image.state as ImageState,
    CreationDate: image.creationDate,
    DeprecationTime: image.deprecationTime,
    OwnerId: '591542846629',
    Public: true,
    ImageOwnerAlias: 'amazon',
  };
}

function toTemplateVersion(cloud: Cloud, template: SimLaunchTemplate, v: SimTemplateVersion, resolveAlias: boolean): LaunchTemplateVersion {
  const data = structuredClone(v.data) as ResponseLaunchTemplateData & Bag;
  // ResolveAlias: "If true, and if a Systems Manager parameter is specified for ImageId, the AMI ID is
  // displayed in the response for imageId." Otherwise the parameter itself is shown.
  // https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeLaunchTemplateVersions.html
  if (resolveAlias && typeof data.ImageId === 'string' && data.ImageId.startsWith('resolve:ssm:')) {
    data.ImageId = cloud.parameterValue(data.ImageId.slice('resolve:ssm:'.length))?.value ?? data.ImageId;
  }
  return {
    LaunchTemplateId: template.id,
    LaunchTemplateName: template.name,
    VersionNumber: v.number,
    VersionDescription: v.description,
    CreateTime: new Date(v.createdAt),
    DefaultVersion: v.number === template.defaultVersion,
    LaunchTemplateData: data,
  };
}

function toGroup(cloud: Cloud, g: SimGroup): AutoScalingGroup {
  const lt = g.launchTemplate;
  const spec = lt ? { LaunchTemplateId: lt.id, LaunchTemplateName: lt.name, Version: lt.version } : undefined;
  const instances: AsgInstance[] = [...g.instances.values()].map(toAsgInstance);
  const tags: TagDescription[] = [...g.tags].map(([Key, t]) => ({
    ResourceId: g.name,
    ResourceType: 'auto-scaling-group',
    Key,
    Value: t.value,
    PropagateAtLaunch: t.propagateAtLaunch,
  }));
  return {
    AutoScalingGroupName: g.name,
    AutoScalingGroupARN: g.arn,
    LaunchTemplate: g.mixedInstancesPolicy ? undefined : spec,
    LaunchConfigurationName: g.launchConfigurationName,
    MixedInstancesPolicy: g.mixedInstancesPolicy && spec
      ? {
        LaunchTemplate: {
          LaunchTemplateSpecification: spec,
          Overrides: g.mixedInstancesPolicy.overrides
            ? g.mixedInstancesPolicy.overrides.map((o) => ({
              InstanceType: o.instanceType,
              ...(o.weightedCapacity !== undefined ? { WeightedCapacity: o.weightedCapacity } : {}),
              ...(o.launchTemplate
                ? {
                  LaunchTemplateSpecification: {
                    LaunchTemplateId: o.launchTemplate.id,
                    LaunchTemplateName: o.launchTemplate.name,
                    Version: o.launchTemplate.version,
                  },
                }
                : {}),
            }))
            : g.mixedInstancesPolicy.instanceTypes.map((InstanceType) => ({ InstanceType })),
        },
        InstancesDistribution: { OnDemandPercentageAboveBaseCapacity: g.mixedInstancesPolicy.onDemandPercentage },
      }
      : undefined,
    MinSize: g.minSize,
    MaxSize: g.maxSize,
    DesiredCapacity: g.desired,
    DefaultCooldown: 300,
    AvailabilityZones: [`${cloud.region}a`, `${cloud.region}b`, `${cloud.region}c`],
    HealthCheckType: 'EC2',
    CreatedTime: new Date(g.createdAt),
    Instances: instances,
    Tags: tags,
    NewInstancesProtectedFromScaleIn: g.newInstancesProtectedFromScaleIn,
    SuspendedProcesses: [...g.suspended].map(([ProcessName, SuspensionReason]) => ({ ProcessName, SuspensionReason })),
    // "WarmPoolConfiguration: The warm pool for the group"; "WarmPoolSize: The current size of the warm pool"
    // (AutoScalingGroup data type): https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_AutoScalingGroup.html
    ...(g.warmPool ? { WarmPoolConfiguration: toWarmPoolConfiguration(g.warmPool), WarmPoolSize: g.warmPool.instances.size } : {}),
  };
}

function toAsgInstance(i: SimInstance): AsgInstance {
  return {
    InstanceId: i.id,
    InstanceType: i.instanceType,
    AvailabilityZone: i.availabilityZone,
    LifecycleState: i.lifecycle as LifecycleState,
    HealthStatus: i.health,
    ProtectedFromScaleIn: i.protectedFromScaleIn,
    LaunchTemplate: i.templateId ? { LaunchTemplateId: i.templateId, LaunchTemplateName: i.templateName, Version: i.templateVersion } : undefined,
    LaunchConfigurationName: i.launchConfigurationName,
  };
}

function toWarmPoolConfiguration(pool: SimWarmPool): WarmPoolConfiguration {
  return {
    MinSize: pool.minSize,
    ...(pool.maxGroupPreparedCapacity !== undefined ? { MaxGroupPreparedCapacity: pool.maxGroupPreparedCapacity } : {}),
    PoolState: pool.poolState,
    InstanceReusePolicy: { ReuseOnScaleIn: pool.reuseOnScaleIn },
  };
}

function toInstanceRefresh(cloud: Cloud, r: SimInstanceRefresh, g: SimGroup): InstanceRefresh {
  const span = r.endsAt - r.inProgressAt;
  const done = r.status === 'Successful' ? 100 : r.startedAt === undefined ? 0
    : Math.min(100, Math.floor((100 * ((r.endedAt ?? cloud.now()) - r.inProgressAt)) / Math.max(1, span)));
  return {
    InstanceRefreshId: r.id,
    AutoScalingGroupName: r.groupName,
    Status: r.status,
    StatusReason: r.statusReason,
    StartTime: new Date(r.createdAt),
    EndTime: r.endedAt === undefined ? undefined : new Date(r.endedAt),
    PercentageComplete: done,
    InstancesToUpdate: Math.round((g.instances.size * (100 - done)) / 100),
    Preferences: { MinHealthyPercentage: 90, InstanceWarmup: 300, SkipMatching: false },
  };
}

function toStack(st: SimStack): Stack {
  return {
    StackName: st.name,
    StackId: st.id,
    StackStatus: st.status as Stack['StackStatus'],
    CreationTime: new Date(st.createdAt),
    LastUpdatedTime: st.lastUpdatedAt === undefined ? undefined : new Date(st.lastUpdatedAt),
    DeletionTime: st.deletedAt === undefined ? undefined : new Date(st.deletedAt),
  };
}

/**
 * "The aws: prefix is reserved for AWS use. This prefix is case-insensitive. If you use this prefix in the Key
 * or Value property, you can't update or delete the tag. Tags with this prefix don't count toward the number
 * of tags per resource." ("CloudFormation resource tagging":
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-resource-tags.html).
 * The error's wording is the simulator's.
 */
function isReservedTagKey(key: string): boolean {
  return key.toLowerCase().startsWith('aws:');
}

function userTagCount(g: SimGroup): number {
  let n = 0;
  for (const k of g.tags.keys()) if (!isReservedTagKey(k)) n++;
  return n;
}
