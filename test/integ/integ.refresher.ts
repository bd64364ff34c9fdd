/**
 * The integration test: a VPC, an ECS cluster with an Auto Scaling group behind an AsgCapacityProvider, and
 * the refresher, as a user deploys them; then the assertions a real deploy runs: the function is invoked by
 * hand and its run summary must name the group and refuse none.
 *
 * A maintainer with an AWS account deploys it, asserts and destroys it with integ-runner (docs/development.md).
 * The build never deploys: test/integ/snapshot.test.ts synthesizes this app and compares it with the committed
 * snapshot beside it (integ.refresher.ts.snapshot/), asset hashes aside. `npx projen integ:snapshot` rewrites
 * the snapshot after an intended change.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ExpectedResult, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { App, AppProps, Stack, aws_autoscaling as autoscaling, aws_ec2 as ec2, aws_ecs as ecs } from 'aws-cdk-lib';
import { EcsAmiRefresher } from '../../src';

export const SNAPSHOT_DIR = path.join(__dirname, 'integ.refresher.ts.snapshot');
export const STACK_NAME = 'EcsAmiRefresherInteg';

export function integApp(props: AppProps = {}): App {
  const app = new App({
    ...props,
    // As in every `cdk init` project's cdk.json: a launch template, not a launch configuration (which new
    // accounts can no longer create).
    context: {
      '@aws-cdk/aws-autoscaling:generateLaunchTemplateInsteadOfLaunchConfig': true,
      // No stack traces in the metadata: they name this machine's paths, and the snapshot is compared.
      'aws:cdk:disable-stack-trace': true,
      ...props.context,
    },
  });
  const stack = new Stack(app, STACK_NAME);

  // Public subnets only, so the test costs no NAT gateway: the instances reach ECS through their public address.
  const vpc = new ec2.Vpc(stack, 'Vpc', {
    maxAzs: 2,
    natGateways: 0,
    subnetConfiguration: [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC }],
  });
  const cluster = new ecs.Cluster(stack, 'Cluster', { vpc });
  const autoScalingGroup = new autoscaling.AutoScalingGroup(stack, 'Capacity', {
    vpc,
    vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
    associatePublicIpAddress: true,
    instanceType: new ec2.InstanceType('t3.small'),
    machineImage: ecs.EcsOptimizedImage.amazonLinux2023(),
    minCapacity: 1,
    maxCapacity: 2,
    requireImdsv2: true,
  });
  cluster.addAsgCapacityProvider(new ecs.AsgCapacityProvider(stack, 'CapacityProvider', { autoScalingGroup }));
  const refresher = new EcsAmiRefresher(stack, 'Refresher', { cluster });

  const integ = new IntegTest(app, 'RefresherTest', { testCases: [stack] });
  // A manual run ({} is a manual invocation): it observes the cluster and returns its run summary. The group
  // was launched on the newest image minutes ago, so the run has nothing to replace and returns within seconds.
  const run = integ.assertions.invokeFunction({ functionName: refresher.function.functionName, payload: JSON.stringify({}) });
  run.expect(ExpectedResult.objectLike({
    StatusCode: 200,
    Payload: Match.serializedJson(Match.objectLike({
      cluster: cluster.clusterName,
      groups: Match.arrayWith([Match.objectLike({ name: autoScalingGroup.autoScalingGroupName })]),
      totals: Match.objectLike({ refusedGroups: 0 }),
    })),
  }));
  return app;
}

// Run as a CDK app by integ-runner or the cdk CLI (they set the output directory); with INTEG_SNAPSHOT=1
// (`npx projen integ:snapshot`), into the committed snapshot.
if (require.main === module) {
  if (process.env.INTEG_SNAPSHOT === '1') {
    fs.rmSync(SNAPSHOT_DIR, { recursive: true, force: true });
    integApp({ outdir: SNAPSHOT_DIR }).synth();
  } else {
    integApp().synth();
  }
}
