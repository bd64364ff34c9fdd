/**
 * The narrow ports through which the engine reaches AWS: one method per API call, with the SDK's own
 * request and response shapes. The real implementation forwards to SDK v3 clients; the simulator and the
 * tests implement the same interfaces, so every call (and its batch size) is visible to them.
 */
import {
  AutoScalingClient,
  CreateLaunchConfigurationCommand,
  CreateLaunchConfigurationCommandInput,
  CreateLaunchConfigurationCommandOutput,
  CreateOrUpdateTagsCommand,
  CreateOrUpdateTagsCommandInput,
  CreateOrUpdateTagsCommandOutput,
  DeleteLaunchConfigurationCommand,
  DeleteLaunchConfigurationCommandInput,
  DeleteLaunchConfigurationCommandOutput,
  DeleteTagsCommand,
  DeleteTagsCommandInput,
  DeleteTagsCommandOutput,
  DescribeAutoScalingGroupsCommand,
  DescribeAutoScalingGroupsCommandInput,
  DescribeAutoScalingGroupsCommandOutput,
  DescribeInstanceRefreshesCommand,
  DescribeInstanceRefreshesCommandInput,
  DescribeInstanceRefreshesCommandOutput,
  DescribeLaunchConfigurationsCommand,
  DescribeLaunchConfigurationsCommandInput,
  DescribeLaunchConfigurationsCommandOutput,
  ResumeProcessesCommand,
  ResumeProcessesCommandInput,
  ResumeProcessesCommandOutput,
  SetDesiredCapacityCommand,
  SetDesiredCapacityCommandInput,
  SetDesiredCapacityCommandOutput,
  SuspendProcessesCommand,
  SuspendProcessesCommandInput,
  SuspendProcessesCommandOutput,
  TerminateInstanceInAutoScalingGroupCommand,
  TerminateInstanceInAutoScalingGroupCommandInput,
  TerminateInstanceInAutoScalingGroupCommandOutput,
  UpdateAutoScalingGroupCommand,
  UpdateAutoScalingGroupCommandInput,
  UpdateAutoScalingGroupCommandOutput,
} from '@aws-sdk/client-auto-scaling';
import {
  CloudFormationClient,
  DescribeStacksCommand,
  DescribeStacksCommandInput,
  DescribeStacksCommandOutput,
} from '@aws-sdk/client-cloudformation';
import {
  CreateLaunchTemplateVersionCommand,
  CreateLaunchTemplateVersionCommandInput,
  CreateLaunchTemplateVersionCommandOutput,
  DeleteLaunchTemplateVersionsCommand,
  DeleteLaunchTemplateVersionsCommandInput,
  DeleteLaunchTemplateVersionsCommandOutput,
  DescribeImagesCommand,
  DescribeImagesCommandInput,
  DescribeImagesCommandOutput,
  DescribeInstancesCommand,
  DescribeInstancesCommandInput,
  DescribeInstancesCommandOutput,
  DescribeLaunchTemplateVersionsCommand,
  DescribeLaunchTemplateVersionsCommandInput,
  DescribeLaunchTemplateVersionsCommandOutput,
  EC2Client,
  ModifyLaunchTemplateCommand,
  ModifyLaunchTemplateCommandInput,
  ModifyLaunchTemplateCommandOutput,
  TerminateInstancesCommand,
  TerminateInstancesCommandInput,
  TerminateInstancesCommandOutput,
} from '@aws-sdk/client-ec2';
import {
  DeleteAttributesCommand,
  DeleteAttributesCommandInput,
  DeleteAttributesCommandOutput,
  DeregisterContainerInstanceCommand,
  DeregisterContainerInstanceCommandInput,
  DeregisterContainerInstanceCommandOutput,
  DescribeCapacityProvidersCommand,
  DescribeCapacityProvidersCommandInput,
  DescribeCapacityProvidersCommandOutput,
  DescribeClustersCommand,
  DescribeClustersCommandInput,
  DescribeClustersCommandOutput,
  DescribeContainerInstancesCommand,
  DescribeContainerInstancesCommandInput,
  DescribeContainerInstancesCommandOutput,
  DescribeServicesCommand,
  DescribeServicesCommandInput,
  DescribeServicesCommandOutput,
  ECSClient,
  ListContainerInstancesCommand,
  ListContainerInstancesCommandInput,
  ListContainerInstancesCommandOutput,
  DescribeTasksCommand,
  DescribeTasksCommandInput,
  DescribeTasksCommandOutput,
  ListTasksCommand,
  ListTasksCommandInput,
  ListTasksCommandOutput,
  PutAttributesCommand,
  PutAttributesCommandInput,
  PutAttributesCommandOutput,
  StopTaskCommand,
  StopTaskCommandInput,
  StopTaskCommandOutput,
  TagResourceCommand,
  TagResourceCommandInput,
  TagResourceCommandOutput,
  UntagResourceCommand,
  UntagResourceCommandInput,
  UntagResourceCommandOutput,
  UpdateContainerInstancesStateCommand,
  UpdateContainerInstancesStateCommandInput,
  UpdateContainerInstancesStateCommandOutput,
} from '@aws-sdk/client-ecs';
// Types only: the client is built in sns.ts, which only the Lambda imports, so the CLI's bundle carries no SNS code.
import type { PublishCommandInput, PublishCommandOutput } from '@aws-sdk/client-sns';
import { GetParametersCommand, GetParametersCommandInput, GetParametersCommandOutput, SSMClient } from '@aws-sdk/client-ssm';

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

export interface SdkClients {
  readonly ecs: ECSClient;
  readonly autoScaling: AutoScalingClient;
  readonly ec2: EC2Client;
  readonly ssm: SSMClient;
  readonly cloudFormation: CloudFormationClient;
}

/**
 * SDK clients configured for the engine. Retries are the engine's (see `retry.ts`), so they behave the
 * same on the simulator; the SDK makes a single attempt.
 */
export function createSdkClients(region?: string): SdkClients {
  const config = sdkClientConfig(region);
  return {
    ecs: new ECSClient(config),
    autoScaling: new AutoScalingClient(config),
    ec2: new EC2Client(config),
    ssm: new SSMClient(config),
    cloudFormation: new CloudFormationClient(config),
  };
}

/** The engine's SDK client configuration (also for the SNS client, see sns.ts). */
export function sdkClientConfig(region?: string) {
  // Bounded calls: a hung connection must not carry a Lambda run past its timeout (retries are the engine's).
  return { region, maxAttempts: 1, requestHandler: { connectionTimeout: 5_000, requestTimeout: 20_000 } };
}

/** The ports over real (or aws-sdk-client-mock'ed) SDK clients. */
export function sdkApi(clients: SdkClients): AwsApi {
  return {
    ecs: {
      describeClusters: (input) => clients.ecs.send(new DescribeClustersCommand(input)),
      describeCapacityProviders: (input) => clients.ecs.send(new DescribeCapacityProvidersCommand(input)),
      listContainerInstances: (input) => clients.ecs.send(new ListContainerInstancesCommand(input)),
      describeContainerInstances: (input) => clients.ecs.send(new DescribeContainerInstancesCommand(input)),
      listTasks: (input) => clients.ecs.send(new ListTasksCommand(input)),
      describeTasks: (input) => clients.ecs.send(new DescribeTasksCommand(input)),
      describeServices: (input) => clients.ecs.send(new DescribeServicesCommand(input)),
      stopTask: (input) => clients.ecs.send(new StopTaskCommand(input)),
      updateContainerInstancesState: (input) => clients.ecs.send(new UpdateContainerInstancesStateCommand(input)),
      deregisterContainerInstance: (input) => clients.ecs.send(new DeregisterContainerInstanceCommand(input)),
      putAttributes: (input) => clients.ecs.send(new PutAttributesCommand(input)),
      deleteAttributes: (input) => clients.ecs.send(new DeleteAttributesCommand(input)),
      tagResource: (input) => clients.ecs.send(new TagResourceCommand(input)),
      untagResource: (input) => clients.ecs.send(new UntagResourceCommand(input)),
    },
    autoScaling: {
      describeAutoScalingGroups: (input) => clients.autoScaling.send(new DescribeAutoScalingGroupsCommand(input)),
      describeLaunchConfigurations: (input) => clients.autoScaling.send(new DescribeLaunchConfigurationsCommand(input)),
      describeInstanceRefreshes: (input) => clients.autoScaling.send(new DescribeInstanceRefreshesCommand(input)),
      setDesiredCapacity: (input) => clients.autoScaling.send(new SetDesiredCapacityCommand(input)),
      terminateInstanceInAutoScalingGroup: (input) => clients.autoScaling.send(new TerminateInstanceInAutoScalingGroupCommand(input)),
      updateAutoScalingGroup: (input) => clients.autoScaling.send(new UpdateAutoScalingGroupCommand(input)),
      createOrUpdateTags: (input) => clients.autoScaling.send(new CreateOrUpdateTagsCommand(input)),
      suspendProcesses: (input) => clients.autoScaling.send(new SuspendProcessesCommand(input)),
      resumeProcesses: (input) => clients.autoScaling.send(new ResumeProcessesCommand(input)),
      deleteTags: (input) => clients.autoScaling.send(new DeleteTagsCommand(input)),
      createLaunchConfiguration: (input) => clients.autoScaling.send(new CreateLaunchConfigurationCommand(input)),
      deleteLaunchConfiguration: (input) => clients.autoScaling.send(new DeleteLaunchConfigurationCommand(input)),
    },
    ec2: {
      describeImages: (input) => clients.ec2.send(new DescribeImagesCommand(input)),
      describeInstances: (input) => clients.ec2.send(new DescribeInstancesCommand(input)),
      describeLaunchTemplateVersions: (input) => clients.ec2.send(new DescribeLaunchTemplateVersionsCommand(input)),
      createLaunchTemplateVersion: (input) => clients.ec2.send(new CreateLaunchTemplateVersionCommand(input)),
      modifyLaunchTemplate: (input) => clients.ec2.send(new ModifyLaunchTemplateCommand(input)),
      deleteLaunchTemplateVersions: (input) => clients.ec2.send(new DeleteLaunchTemplateVersionsCommand(input)),
      terminateInstances: (input) => clients.ec2.send(new TerminateInstancesCommand(input)),
    },
    ssm: {
      getParameters: (input) => clients.ssm.send(new GetParametersCommand(input)),
    },
    cloudFormation: {
      describeStacks: (input) => clients.cloudFormation.send(new DescribeStacksCommand(input)),
    },
  };
}

/** Splits a list into batches of at most `size`, for APIs with per-call limits. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const batches: T[][] = [];
  for (let i = 0; i < items.length; i += size) batches.push(items.slice(i, i + size));
  return batches;
}
