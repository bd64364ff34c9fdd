/**
 * The narrow ports through which the engine reaches AWS: one method per API call, with the SDK's own
 * request and response shapes. The real implementation forwards to SDK v3 clients; the simulator and the
 * tests implement the same interfaces, so every call (and its batch size) is visible to them.
 */
import type {
  CompleteLifecycleActionCommandInput,
  CompleteLifecycleActionCommandOutput,
  CreateLaunchConfigurationCommandInput,
  CreateLaunchConfigurationCommandOutput,
  CreateOrUpdateTagsCommandInput,
  CreateOrUpdateTagsCommandOutput,
  DeleteLaunchConfigurationCommandInput,
  DeleteLaunchConfigurationCommandOutput,
  DeleteTagsCommandInput,
  DeleteTagsCommandOutput,
  DescribeAutoScalingGroupsCommandInput,
  DescribeAutoScalingGroupsCommandOutput,
  DescribeInstanceRefreshesCommandInput,
  DescribeInstanceRefreshesCommandOutput,
  DescribeLaunchConfigurationsCommandInput,
  DescribeLaunchConfigurationsCommandOutput,
  DescribeLifecycleHooksCommandInput,
  DescribeLifecycleHooksCommandOutput,
  ResumeProcessesCommandInput,
  ResumeProcessesCommandOutput,
  SetDesiredCapacityCommandInput,
  SetDesiredCapacityCommandOutput,
  SuspendProcessesCommandInput,
  SuspendProcessesCommandOutput,
  TerminateInstanceInAutoScalingGroupCommandInput,
  TerminateInstanceInAutoScalingGroupCommandOutput,
  UpdateAutoScalingGroupCommandInput,
  UpdateAutoScalingGroupCommandOutput,
} from '@aws-sdk/client-auto-scaling';
import type { DescribeStacksCommandInput, DescribeStacksCommandOutput } from '@aws-sdk/client-cloudformation';
import type {
  CreateLaunchTemplateVersionCommandInput,
  CreateLaunchTemplateVersionCommandOutput,
  DeleteLaunchTemplateVersionsCommandInput,
  DeleteLaunchTemplateVersionsCommandOutput,
  DescribeImagesCommandInput,
  DescribeImagesCommandOutput,
  DescribeInstancesCommandInput,
  DescribeInstancesCommandOutput,
  DescribeLaunchTemplateVersionsCommandInput,
  DescribeLaunchTemplateVersionsCommandOutput,
  ModifyLaunchTemplateCommandInput,
  ModifyLaunchTemplateCommandOutput,
  TerminateInstancesCommandInput,
  TerminateInstancesCommandOutput,
} from '@aws-sdk/client-ec2';
import type {
  DeleteAttributesCommandInput,
  DeleteAttributesCommandOutput,
  DeregisterContainerInstanceCommandInput,
  DeregisterContainerInstanceCommandOutput,
  DescribeCapacityProvidersCommandInput,
  DescribeCapacityProvidersCommandOutput,
  DescribeClustersCommandInput,
  DescribeClustersCommandOutput,
  DescribeContainerInstancesCommandInput,
  DescribeContainerInstancesCommandOutput,
  DescribeServicesCommandInput,
  DescribeServicesCommandOutput,
  ListContainerInstancesCommandInput,
  ListContainerInstancesCommandOutput,
  DescribeTasksCommandInput,
  DescribeTasksCommandOutput,
  ListTasksCommandInput,
  ListTasksCommandOutput,
  PutAttributesCommandInput,
  PutAttributesCommandOutput,
  StopTaskCommandInput,
  StopTaskCommandOutput,
  TagResourceCommandInput,
  TagResourceCommandOutput,
  UntagResourceCommandInput,
  UntagResourceCommandOutput,
  UpdateContainerInstancesStateCommandInput,
  UpdateContainerInstancesStateCommandOutput,
} from '@aws-sdk/client-ecs';
// Types only: the client is built in sns.ts, which only the Lambda imports, so the CLI's bundle carries no SNS code.
import type { PublishCommandInput, PublishCommandOutput } from '@aws-sdk/client-sns';
import type { GetParametersCommandInput, GetParametersCommandOutput } from '@aws-sdk/client-ssm';

/** A response without the SDK's transport metadata, which no port user reads. */
export type Result<T> = Omit<T, '$metadata'>;

export interface EcsApi {
  describeClusters(input: DescribeClustersCommandInput): Promise<Result<DescribeClustersCommandOutput>>;
  describeCapacityProviders(input: DescribeCapacityProvidersCommandInput): Promise<Result<DescribeCapacityProvidersCommandOutput>>;
  listContainerInstances(input: ListContainerInstancesCommandInput): Promise<Result<ListContainerInstancesCommandOutput>>;
  describeContainerInstances(input: DescribeContainerInstancesCommandInput): Promise<Result<DescribeContainerInstancesCommandOutput>>;
  listTasks(input: ListTasksCommandInput): Promise<Result<ListTasksCommandOutput>>;
  describeTasks(input: DescribeTasksCommandInput): Promise<Result<DescribeTasksCommandOutput>>;
  /** Only for services with tasks on instances a rotation policy looks at (10 a call). */
  describeServices(input: DescribeServicesCommandInput): Promise<Result<DescribeServicesCommandOutput>>;
  /** Only for standalone tasks on a drained instance, with the `stop` standalone-task policy. */
  stopTask(input: StopTaskCommandInput): Promise<Result<StopTaskCommandOutput>>;
  updateContainerInstancesState(input: UpdateContainerInstancesStateCommandInput): Promise<Result<UpdateContainerInstancesStateCommandOutput>>;
  deregisterContainerInstance(input: DeregisterContainerInstanceCommandInput): Promise<Result<DeregisterContainerInstanceCommandOutput>>;
  putAttributes(input: PutAttributesCommandInput): Promise<Result<PutAttributesCommandOutput>>;
  deleteAttributes(input: DeleteAttributesCommandInput): Promise<Result<DeleteAttributesCommandOutput>>;
  tagResource(input: TagResourceCommandInput): Promise<Result<TagResourceCommandOutput>>;
  untagResource(input: UntagResourceCommandInput): Promise<Result<UntagResourceCommandOutput>>;
}

export interface AutoScalingApi {
  describeAutoScalingGroups(input: DescribeAutoScalingGroupsCommandInput): Promise<Result<DescribeAutoScalingGroupsCommandOutput>>;
  describeLaunchConfigurations(input: DescribeLaunchConfigurationsCommandInput): Promise<Result<DescribeLaunchConfigurationsCommandOutput>>;
  describeInstanceRefreshes(input: DescribeInstanceRefreshesCommandInput): Promise<Result<DescribeInstanceRefreshesCommandOutput>>;
  /** The group's lifecycle hooks (ECS managed draining's termination hook among them), for groups the engine acts on. */
  describeLifecycleHooks(input: DescribeLifecycleHooksCommandInput): Promise<Result<DescribeLifecycleHooksCommandOutput>>;
  /** Only to end the termination wait of an instance the engine terminated after its drain timeout, with force. */
  completeLifecycleAction(input: CompleteLifecycleActionCommandInput): Promise<Result<CompleteLifecycleActionCommandOutput>>;
  setDesiredCapacity(input: SetDesiredCapacityCommandInput): Promise<Result<SetDesiredCapacityCommandOutput>>;
  terminateInstanceInAutoScalingGroup(
    input: TerminateInstanceInAutoScalingGroupCommandInput,
  ): Promise<Result<TerminateInstanceInAutoScalingGroupCommandOutput>>;
  updateAutoScalingGroup(input: UpdateAutoScalingGroupCommandInput): Promise<Result<UpdateAutoScalingGroupCommandOutput>>;
  createOrUpdateTags(input: CreateOrUpdateTagsCommandInput): Promise<Result<CreateOrUpdateTagsCommandOutput>>;
  suspendProcesses(input: SuspendProcessesCommandInput): Promise<Result<SuspendProcessesCommandOutput>>;
  resumeProcesses(input: ResumeProcessesCommandInput): Promise<Result<ResumeProcessesCommandOutput>>;
  deleteTags(input: DeleteTagsCommandInput): Promise<Result<DeleteTagsCommandOutput>>;
  /** Only for groups on a launch configuration: a copy with the new image, named `ecs-ami-refresher.<cluster>.*`. */
  createLaunchConfiguration(input: CreateLaunchConfigurationCommandInput): Promise<Result<CreateLaunchConfigurationCommandOutput>>;
  /** Only copies this engine made, once no group uses them. */
  deleteLaunchConfiguration(input: DeleteLaunchConfigurationCommandInput): Promise<Result<DeleteLaunchConfigurationCommandOutput>>;
}

export interface Ec2Api {
  describeImages(input: DescribeImagesCommandInput): Promise<Result<DescribeImagesCommandOutput>>;
  describeInstances(input: DescribeInstancesCommandInput): Promise<Result<DescribeInstancesCommandOutput>>;
  describeLaunchTemplateVersions(input: DescribeLaunchTemplateVersionsCommandInput): Promise<Result<DescribeLaunchTemplateVersionsCommandOutput>>;
  createLaunchTemplateVersion(input: CreateLaunchTemplateVersionCommandInput): Promise<Result<CreateLaunchTemplateVersionCommandOutput>>;
  modifyLaunchTemplate(input: ModifyLaunchTemplateCommandInput): Promise<Result<ModifyLaunchTemplateCommandOutput>>;
  /** Only versions this engine created, once a rotation ended (see template-versions.ts). */
  deleteLaunchTemplateVersions(input: DeleteLaunchTemplateVersionsCommandInput): Promise<Result<DeleteLaunchTemplateVersionsCommandOutput>>;
  /** Only for instances outside every Auto Scaling group, replaced under the opt-in policy. */
  terminateInstances(input: TerminateInstancesCommandInput): Promise<Result<TerminateInstancesCommandOutput>>;
}

export interface SsmApi {
  getParameters(input: GetParametersCommandInput): Promise<Result<GetParametersCommandOutput>>;
}

/** Only to see whether the stack that manages a group is being updated (the engine then waits). */
export interface CloudFormationApi {
  describeStacks(input: DescribeStacksCommandInput): Promise<Result<DescribeStacksCommandOutput>>;
}

/** Only to publish rotation notifications to the topic the construct was given (`notificationTopic`). */
export interface SnsApi {
  publish(input: PublishCommandInput): Promise<Result<PublishCommandOutput>>;
}

/** Everything the engine may call. */
export interface AwsApi {
  readonly ecs: EcsApi;
  readonly autoScaling: AutoScalingApi;
  readonly ec2: Ec2Api;
  readonly ssm: SsmApi;
  readonly cloudFormation: CloudFormationApi;
  /** Absent where no notification topic is configured (the CLI, most tests): nothing is published then. */
  readonly sns?: SnsApi;
}
