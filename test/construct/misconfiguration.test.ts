/**
 * No silent misconfiguration (issue 19): what used to synthesize without a word and fail only at run time is
 * either made to work (the order of the refresher and the capacity providers) or reported at synth, on the
 * refresher's path, naming the value and what to do.
 */
import { App, Duration, Stack, aws_autoscaling as autoscaling, aws_ec2 as ec2, aws_ecs as ecs } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { environment, fixture, LT_FLAG, render, statement, synth } from './fixtures';
import { AmiParameters, EcsAmiRefresher, EcsAmiRefresherProps } from '../../src';
import { LAUNCH_TEMPLATE_FLAG } from '../../src/construct/group-checks';
import { EnvName, TagKey } from '../../src/shared/constants';

const PATH = '/Test/Refresher';

/** A cluster with one group behind a capacity provider; the refresher made before or after the provider is added. */
function ordered(order: 'before' | 'after', groupProps: Partial<autoscaling.AutoScalingGroupProps> = {}, context: Record<string, unknown> = LT_FLAG) {
  const app = new App({ context });
  const stack = new Stack(app, 'Test', { env: { account: '111111111111', region: 'eu-west-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0 });
  const cluster = new ecs.Cluster(stack, 'Cluster', { vpc, clusterName: 'prod' });
  const group = new autoscaling.AutoScalingGroup(stack, 'Asg', {
    vpc, instanceType: new ec2.InstanceType('m7i.large'), machineImage: ecs.EcsOptimizedImage.amazonLinux2023(), autoScalingGroupName: 'prod-x86', ...groupProps,
  });
  const addProvider = () => cluster.addAsgCapacityProvider(new ecs.AsgCapacityProvider(stack, 'Provider', { autoScalingGroup: group }));
  const make = (props: Partial<EcsAmiRefresherProps> = {}) => new EcsAmiRefresher(stack, 'Refresher', { cluster, ...props });
  return {
    stack,
    group,
    synthesize: (props: Partial<EcsAmiRefresherProps> = {}) => {
      if (order === 'before') { make(props); addProvider(); } else { addProvider(); make(props); }
      return Template.fromStack(stack);
    },
  };
}

describe('the refresher made before cluster.addAsgCapacityProvider(...)', () => {
  test('synthesizes the same template as one made after it', () => {
    expect(ordered('before').synthesize().toJSON()).toEqual(ordered('after').synthesize().toJSON());
  });

  test('the group gets the cluster tag, the engine the provider mapping, the role the group\'s template and instance role', () => {
    const template = ordered('before').synthesize();
    template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
      Tags: Match.arrayWith([{ Key: TagKey.CLUSTER, Value: { Ref: Match.stringLikeRegexp('^Cluster') }, PropagateAtLaunch: true }]),
    });
    template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      TagSpecifications: Match.arrayWith([Match.objectLike({ Tags: Match.arrayWith([{ Key: TagKey.CLUSTER, Value: { Ref: Match.stringLikeRegexp('^Cluster') } }]) })]),
    });
    expect(render(environment(template)[EnvName.CAPACITY_PROVIDER_GROUPS])).toMatch(/^\{"\$\{Provider\w+\}":"\$\{AsgASG\w+\}"\}$/);
    expect(statement(template, 'ChangeLaunchTemplatesOfGroups').Resource).toBeDefined();
    expect(statement(template, 'PassInstanceRolesOfGroups').Resource).toBeDefined();
  });

  test('synthesizing twice adds nothing twice', () => {
    const app = ordered('before');
    const first = app.synthesize().toJSON();
    expect(Template.fromStack(app.stack).toJSON()).toEqual(first);
  });
});

describe('amiParameters', () => {
  test('an AMI id as a value is an error naming the key, the value and what to give instead', () => {
    const { stack } = synth((f) => ({ cluster: f.cluster, amiParameters: { 'amazon-linux-2023/x86_64': 'ami-0123456789abcdef0' } }));
    Annotations.fromStack(stack).hasError(PATH, Match.stringLikeRegexp(
      "amiParameters\\['amazon-linux-2023/x86_64'\\] is 'ami-0123456789abcdef0', an AMI id: each value names the SSM parameter.*parameter of your own"));
  });

  test('a key whose family is no known family is a warning, with the nearest family', () => {
    const { stack } = synth((f) => ({ cluster: f.cluster, amiParameters: { 'amazon-linux-2032/arm64': '/golden/al2023/arm64' } }));
    Annotations.fromStack(stack).hasWarning(PATH, Match.stringLikeRegexp(
      "amiParameters has key 'amazon-linux-2032/arm64', whose family 'amazon-linux-2032' is no known family.*ecs-ami-refresher:ami-family.*Did you mean 'amazon-linux-2023'\\?"));
  });

  test('a family of the catalog, or one a groupOverrides entry gives, is no warning; a parameter name is no error', () => {
    const { stack } = synth((f) => ({
      cluster: f.cluster,
      amiParameters: { 'bottlerocket-ecs-2/arm64': '/golden/bottlerocket/arm64', 'golden-al2023/x86_64': '/golden/al2023/x86_64' },
      groupOverrides: [{ autoScalingGroup: f.group, family: 'golden-al2023' }],
    }));
    Annotations.fromStack(stack).hasNoWarning(PATH, Match.stringLikeRegexp('amiParameters'));
    Annotations.fromStack(stack).hasNoError(PATH, Match.anyValue());
  });
});

describe('canary', () => {
  test('canary.count at or above the group\'s maximum size is a warning naming the group and its maximum', () => {
    const f = fixture();
    // The fixture's group: maxCapacity unset, so CDK's default (its desired or minimum capacity, 1).
    const { stack } = synth(() => ({ cluster: f.cluster, canary: { count: 1, soak: Duration.minutes(10) } }), f);
    Annotations.fromStack(stack).hasWarning(PATH, Match.stringLikeRegexp(
      'canary.count is 1, at or above the maximum size \\(1\\) of group Test/Asg: every instance of the group is a canary.*Lower canary.count below 1'));
  });

  test('below the maximum size: no warning', () => {
    const { stack, synthesize } = ordered('before', { maxCapacity: 10 });
    synthesize({ canary: { count: 2, soak: Duration.minutes(10) } });
    Annotations.fromStack(stack).hasNoWarning(PATH, Match.stringLikeRegexp('canary'));
  });

  test('a group whose provider is added after the refresher is checked too', () => {
    const { stack, synthesize } = ordered('before', { maxCapacity: 3 });
    synthesize({ canary: { count: 3, soak: Duration.minutes(10) } });
    Annotations.fromStack(stack).hasWarning(PATH, Match.stringLikeRegexp('canary.count is 3, at or above the maximum size \\(3\\) of group Test/Asg'));
  });
});

describe('launch configurations', () => {
  test(`a default AutoScalingGroup without ${LAUNCH_TEMPLATE_FLAG} is a warning naming the flag and the 1 October 2024 limit`, () => {
    const { stack, synthesize } = ordered('after', {}, {});
    synthesize();
    Annotations.fromStack(stack).hasWarning(PATH, Match.stringLikeRegexp(
      `group Test/Asg gets a launch configuration \\(the feature flag '${LAUNCH_TEMPLATE_FLAG}' is not set\\)\\. ` +
      `Accounts created on or after 1 October 2024 cannot create launch configurations.*Set '${LAUNCH_TEMPLATE_FLAG}': true in cdk.json`));
  });

  test('with the flag: a launch template, no warning', () => {
    const { stack, synthesize } = ordered('after');
    synthesize();
    Annotations.fromStack(stack).hasNoWarning(PATH, Match.stringLikeRegexp('launch configuration'));
  });

  test('AmiParameters.imageResolvedAtLaunch on a launch-configuration group is an error (only a template resolves a parameter)', () => {
    const { stack, synthesize } = ordered('before', { machineImage: AmiParameters.imageResolvedAtLaunch('amazon-linux-2023/x86_64') }, {});
    synthesize();
    Annotations.fromStack(stack).hasError(PATH, Match.stringLikeRegexp(
      "group Test/Asg launches from a launch configuration with image 'resolve:ssm:/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id' " +
      `\\(AmiParameters.imageResolvedAtLaunch\\): only a launch template resolves an SSM parameter at launch.*'${LAUNCH_TEMPLATE_FLAG}'`));
    // One finding for the group: the error, not the warning as well.
    Annotations.fromStack(stack).hasNoWarning(PATH, Match.stringLikeRegexp('gets a launch configuration'));
  });

  test('imageResolvedAtLaunch on a launch-template group: nothing to report', () => {
    const { stack, synthesize } = ordered('before', { machineImage: AmiParameters.imageResolvedAtLaunch('amazon-linux-2023/x86_64') });
    synthesize();
    Annotations.fromStack(stack).hasNoError(PATH, Match.anyValue());
    Annotations.fromStack(stack).hasNoWarning(PATH, Match.anyValue());
  });
});

test('the usual cluster (the fixture: flag set, defaults) gets no annotation from the refresher', () => {
  const { stack } = synth((f) => ({ cluster: f.cluster }));
  Annotations.fromStack(stack).hasNoError(PATH, Match.anyValue());
  Annotations.fromStack(stack).hasNoWarning(PATH, Match.anyValue());
});
