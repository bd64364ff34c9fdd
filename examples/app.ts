/**
 * A CDK app a user can copy: a VPC, an ECS cluster with an Auto Scaling group capacity provider on
 * Amazon Linux 2023, and an EcsAmiRefresher that keeps it on the newest ECS-optimized AMI.
 * It synthesizes without AWS credentials (no context lookups; the AMI comes from an SSM parameter
 * that CloudFormation resolves at deploy time).
 */
import { App, Duration, Stack, StackProps, aws_autoscaling as autoscaling, aws_ec2 as ec2, aws_ecs as ecs } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { EcsAmiRefresher } from '../src';

export class ClusterWithRefresherStack extends Stack {
  public readonly refresher: EcsAmiRefresher;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    const vpc = new ec2.Vpc(this, 'Vpc', { maxAzs: 2, natGateways: 1 });
    const cluster = new ecs.Cluster(this, 'Cluster', { vpc, containerInsightsV2: ecs.ContainerInsights.ENABLED });

    const group = new autoscaling.AutoScalingGroup(this, 'Capacity', {
      vpc,
      instanceType: new ec2.InstanceType('m7g.large'),
      machineImage: ecs.EcsOptimizedImage.amazonLinux2023(ecs.AmiHardwareType.ARM),
      minCapacity: 2,
      maxCapacity: 10,
      requireImdsv2: true,
    });
    const provider = new ecs.AsgCapacityProvider(this, 'CapacityProvider', { autoScalingGroup: group });
    cluster.addAsgCapacityProvider(provider);

    // The one line this library is for.
    this.refresher = new EcsAmiRefresher(this, 'Refresher', { cluster, drainTimeout: Duration.minutes(30) });
  }
}

if (require.main === module) {
  const app = new App({
    outdir: process.env.CDK_OUTDIR ?? 'examples/cdk.out',
    // As in every `cdk init` project's cdk.json: groups get a launch template, not a launch configuration
    // (which new AWS accounts can no longer create).
    context: { '@aws-cdk/aws-autoscaling:generateLaunchTemplateInsteadOfLaunchConfig': true },
  });
  new ClusterWithRefresherStack(app, 'EcsAmiRefresherExample');
  app.synth();
}
