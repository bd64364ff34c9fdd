/**
 * The ports over real SDK v3 clients (or aws-sdk-client-mock'ed ones): each method sends one command. The
 * simulator and the tests implement the ports of `ports.ts` directly.
 */
import {
  AutoScalingClient,
  CreateLaunchConfigurationCommand,
  CreateOrUpdateTagsCommand,
  DeleteLaunchConfigurationCommand,
  DeleteTagsCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeInstanceRefreshesCommand,
  DescribeWarmPoolCommand,
  DescribeLaunchConfigurationsCommand,
  ResumeProcessesCommand,
  SetDesiredCapacityCommand,
  SuspendProcessesCommand,
  TerminateInstanceInAutoScalingGroupCommand,
  UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DeleteItemCommand, DynamoDBClient, GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import {
  CreateLaunchTemplateVersionCommand,
  DeleteLaunchTemplateVersionsCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeLaunchTemplateVersionsCommand,
  EC2Client,
  ModifyLaunchTemplateCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import {
  DeleteAttributesCommand,
  DeregisterContainerInstanceCommand,
  DescribeCapacityProvidersCommand,
  DescribeClustersCommand,
  DescribeContainerInstancesCommand,
  DescribeServicesCommand,
  ECSClient,
  ListContainerInstancesCommand,
  DescribeTasksCommand,
  ListTasksCommand,
  PutAttributesCommand,
  StopTaskCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateContainerInstancesStateCommand,
} from '@aws-sdk/client-ecs';


import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';

/** A response without the SDK's transport metadata, which no port user reads. */
import type { AwsApi } from './ports';

export interface SdkClients {
  readonly ecs: ECSClient;
  readonly autoScaling: AutoScalingClient;
  readonly ec2: EC2Client;
  readonly ssm: SSMClient;
  readonly cloudFormation: CloudFormationClient;
  readonly dynamoDb: DynamoDBClient;
}

/**
 * SDK clients configured for the engine. Retries are the engine's (see `retry.ts`), so they behave the
 * same on the simulator; the SDK makes a single attempt.
 */
export function createSdkClients(region?: string): SdkClients {
  return sdkClients(sdkClientConfig(region));
}

/** What the clients are configured with: one SDK attempt always (the retries are the engine's). */
export interface SdkClientConfig {
  readonly region?: string;
  readonly profile?: string;
  readonly maxAttempts: number;
  readonly requestHandler?: { readonly connectionTimeout: number; readonly requestTimeout: number };
}

/** One client per port, all with the same configuration (the Lambda's above, the CLI's with a profile). */
export function sdkClients(config: SdkClientConfig): SdkClients {
  return {
    ecs: new ECSClient(config),
    autoScaling: new AutoScalingClient(config),
    ec2: new EC2Client(config),
    ssm: new SSMClient(config),
    cloudFormation: new CloudFormationClient(config),
    dynamoDb: new DynamoDBClient(config),
  };
}

/** The engine's SDK client configuration (also for the SNS client, see sns.ts). */
export function sdkClientConfig(region?: string): SdkClientConfig {
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
      describeWarmPool: (input) => clients.autoScaling.send(new DescribeWarmPoolCommand(input)),
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
    dynamoDb: {
      getItem: (input) => clients.dynamoDb.send(new GetItemCommand(input)),
      putItem: (input) => clients.dynamoDb.send(new PutItemCommand(input)),
      updateItem: (input) => clients.dynamoDb.send(new UpdateItemCommand(input)),
      deleteItem: (input) => clients.dynamoDb.send(new DeleteItemCommand(input)),
    },
  };
}
