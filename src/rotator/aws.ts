/**
 * The narrow ports through which the engine reaches AWS: one method per API call, with the SDK's own
 * request and response shapes. The real implementation forwards to SDK v3 clients; the simulator and the
 * tests implement the same interfaces, so every call (and its batch size) is visible to them.
 */
import {
  AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  DescribeAutoScalingGroupsCommandInput,
  DescribeAutoScalingGroupsCommandOutput,
  DescribeLaunchConfigurationsCommand,
  DescribeLaunchConfigurationsCommandInput,
  DescribeLaunchConfigurationsCommandOutput,
} from '@aws-sdk/client-auto-scaling';
import {
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
} from '@aws-sdk/client-ec2';
import {
  DescribeCapacityProvidersCommand,
  DescribeCapacityProvidersCommandInput,
  DescribeCapacityProvidersCommandOutput,
  DescribeClustersCommand,
  DescribeClustersCommandInput,
  DescribeClustersCommandOutput,
  DescribeContainerInstancesCommand,
  DescribeContainerInstancesCommandInput,
  DescribeContainerInstancesCommandOutput,
  ECSClient,
  ListContainerInstancesCommand,
  ListContainerInstancesCommandInput,
  ListContainerInstancesCommandOutput,
} from '@aws-sdk/client-ecs';
import { GetParametersCommand, GetParametersCommandInput, GetParametersCommandOutput, SSMClient } from '@aws-sdk/client-ssm';

/** A response without the SDK's transport metadata, which no port user reads. */
export type Result<T> = Omit<T, '$metadata'>;

export interface EcsApi {
  describeClusters(input: DescribeClustersCommandInput): Promise<Result<DescribeClustersCommandOutput>>;
  describeCapacityProviders(input: DescribeCapacityProvidersCommandInput): Promise<Result<DescribeCapacityProvidersCommandOutput>>;
  listContainerInstances(input: ListContainerInstancesCommandInput): Promise<Result<ListContainerInstancesCommandOutput>>;
  describeContainerInstances(input: DescribeContainerInstancesCommandInput): Promise<Result<DescribeContainerInstancesCommandOutput>>;
}

export interface AutoScalingApi {
  describeAutoScalingGroups(input: DescribeAutoScalingGroupsCommandInput): Promise<Result<DescribeAutoScalingGroupsCommandOutput>>;
  describeLaunchConfigurations(input: DescribeLaunchConfigurationsCommandInput): Promise<Result<DescribeLaunchConfigurationsCommandOutput>>;
}

export interface Ec2Api {
  describeImages(input: DescribeImagesCommandInput): Promise<Result<DescribeImagesCommandOutput>>;
  describeInstances(input: DescribeInstancesCommandInput): Promise<Result<DescribeInstancesCommandOutput>>;
  describeLaunchTemplateVersions(input: DescribeLaunchTemplateVersionsCommandInput): Promise<Result<DescribeLaunchTemplateVersionsCommandOutput>>;
}

export interface SsmApi {
  getParameters(input: GetParametersCommandInput): Promise<Result<GetParametersCommandOutput>>;
}

/** Everything the engine may call. */
export interface AwsApi {
  readonly ecs: EcsApi;
  readonly autoScaling: AutoScalingApi;
  readonly ec2: Ec2Api;
  readonly ssm: SsmApi;
}

export interface SdkClients {
  readonly ecs: ECSClient;
  readonly autoScaling: AutoScalingClient;
  readonly ec2: EC2Client;
  readonly ssm: SSMClient;
}

/**
 * SDK clients configured for the engine. Retries are the engine's (see `retry.ts`), so they behave the
 * same on the simulator; the SDK makes a single attempt.
 */
export function createSdkClients(region?: string): SdkClients {
  const config = { region, maxAttempts: 1 };
  return {
    ecs: new ECSClient(config),
    autoScaling: new AutoScalingClient(config),
    ec2: new EC2Client(config),
    ssm: new SSMClient(config),
  };
}

/** The ports over real (or aws-sdk-client-mock'ed) SDK clients. */
export function sdkApi(clients: SdkClients): AwsApi {
  return {
    ecs: {
      describeClusters: (input) => clients.ecs.send(new DescribeClustersCommand(input)),
      describeCapacityProviders: (input) => clients.ecs.send(new DescribeCapacityProvidersCommand(input)),
      listContainerInstances: (input) => clients.ecs.send(new ListContainerInstancesCommand(input)),
      describeContainerInstances: (input) => clients.ecs.send(new DescribeContainerInstancesCommand(input)),
    },
    autoScaling: {
      describeAutoScalingGroups: (input) => clients.autoScaling.send(new DescribeAutoScalingGroupsCommand(input)),
      describeLaunchConfigurations: (input) => clients.autoScaling.send(new DescribeLaunchConfigurationsCommand(input)),
    },
    ec2: {
      describeImages: (input) => clients.ec2.send(new DescribeImagesCommand(input)),
      describeInstances: (input) => clients.ec2.send(new DescribeInstancesCommand(input)),
      describeLaunchTemplateVersions: (input) => clients.ec2.send(new DescribeLaunchTemplateVersionsCommand(input)),
    },
    ssm: {
      getParameters: (input) => clients.ssm.send(new GetParametersCommand(input)),
    },
  };
}

/** Splits a list into batches of at most `size`, for APIs with per-call limits. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const batches: T[][] = [];
  for (let i = 0; i < items.length; i += size) batches.push(items.slice(i, i + size));
  return batches;
}
