/**
 * The construct's cluster-shape props: groups given as well as discovered, per-group settings (family, golden
 * parameter, readiness), readiness timeouts by platform, and the opt-in replacement of instances outside
 * every group, with the IAM each one needs and nothing more.
 */
import { App, Aspects, Duration, Stack, aws_autoscaling as autoscaling, aws_ec2 as ec2, aws_ecs as ecs, aws_ssm as ssm } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { EcsAmiRefresher, EcsAmiRefresherProps } from '../../src';
import { EnvName, METRIC_NAMESPACE, MetricName, TagKey } from '../../src/shared/constants';

interface Fixture {
  readonly stack: Stack;
  readonly cluster: ecs.Cluster;
  /** Behind a capacity provider. */
  readonly group: autoscaling.AutoScalingGroup;
  /** Joins the cluster through its user data, no capacity provider. */
  readonly windows: autoscaling.AutoScalingGroup;
}

function fixture(): Fixture {
  const app = new App({ context: { '@aws-cdk/aws-autoscaling:generateLaunchTemplateInsteadOfLaunchConfig': true } });
  const stack = new Stack(app, 'Shapes', { env: { account: '111111111111', region: 'eu-west-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0 });
  const cluster = new ecs.Cluster(stack, 'Cluster', { vpc, clusterName: 'prod' });
  const group = new autoscaling.AutoScalingGroup(stack, 'Linux', {
    vpc,
    instanceType: new ec2.InstanceType('m7g.large'),
    machineImage: ecs.EcsOptimizedImage.amazonLinux2023(ecs.AmiHardwareType.ARM),
    autoScalingGroupName: 'prod-linux',
  });
  cluster.addAsgCapacityProvider(new ecs.AsgCapacityProvider(stack, 'Provider', { autoScalingGroup: group }));
  const windows = new autoscaling.AutoScalingGroup(stack, 'Windows', {
    vpc,
    instanceType: new ec2.InstanceType('m6i.xlarge'),
    machineImage: ecs.EcsOptimizedImage.windows(ecs.WindowsOptimizedVersion.SERVER_2022),
    autoScalingGroupName: 'prod-windows',
  });
  return { stack, cluster, group, windows };
}

function synth(props: (f: Fixture) => Omit<EcsAmiRefresherProps, 'cluster'>, f: Fixture = fixture()) {
  const refresher = new EcsAmiRefresher(f.stack, 'Refresher', { cluster: f.cluster, ...props(f) });
  return { ...f, refresher, template: Template.fromStack(f.stack) };
}

function environment(template: Template): Record<string, any> {
  const [fn] = Object.values(template.findResources('AWS::Lambda::Function', {
    Properties: { Environment: { Variables: { [EnvName.CLUSTER_NAME]: Match.anyValue() } } },
  }));
  return fn.Properties.Environment.Variables;
}

function statements(template: Template): any[] {
  const ofRole = { Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^RefresherRole') }] } };
  return Object.values({ ...template.findResources('AWS::IAM::Policy', ofRole), ...template.findResources('AWS::IAM::ManagedPolicy', ofRole) })
    .flatMap((p: any) => p.Properties.PolicyDocument.Statement);
}

function statement(template: Template, sid: string): any {
  const found = statements(template).find((s) => s.Sid === sid);
  if (!found) throw new Error(`no statement ${sid}`);
  return found;
}

/** CloudFormation values as text: `Ref` and `Fn::Join` rendered, `Fn::GetAtt` as `${id.attr}`. */
function render(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(render).join(',');
  const v = value as Record<string, any>;
  if (v.Ref) return `\${${v.Ref}}`;
  if (v['Fn::GetAtt']) return `\${${v['Fn::GetAtt'].join('.')}}`;
  if (v['Fn::Join']) return v['Fn::Join'][1].map(render).join(v['Fn::Join'][0]);
  throw new Error(`cannot render ${JSON.stringify(value)}`);
}

describe('defaults of the cluster-shape props', () => {
  const { template, refresher } = synth(() => ({}));
  const env = environment(template);

  test('discoverCapacityProviderGroups: true (groups discovered, the cluster tag required of them)', () => {
    expect([env[EnvName.DISCOVER_GROUPS], env[EnvName.REQUIRE_CLUSTER_TAG], env[EnvName.GROUP_NAMES]]).toEqual(['true', 'true', '[]']);
    expect(statement(template, 'ChangeTaggedGroups').Condition).toBeDefined();
  });

  test('groupOverrides: none', () => {
    expect(env[EnvName.GROUP_OVERRIDES]).toBe('{}');
  });

  test('readinessTimeout: 30 minutes; windowsReadinessTimeout: 1 hour', () => {
    expect([env[EnvName.READINESS_TIMEOUT_SECONDS], env[EnvName.WINDOWS_READINESS_TIMEOUT_SECONDS]]).toEqual(['1800', '3600']);
  });

  test('replaceUnmanagedInstancesThrough: none (reported only): no variable, and no EC2 terminate permission at all', () => {
    expect(env[EnvName.UNMANAGED_REPLACEMENT_GROUP]).toBeUndefined();
    expect(statements(template).flatMap((s) => [s.Action].flat())).not.toContain('ec2:TerminateInstances');
  });

  test('unmanagedInstancesAlarm: instances outside every group for 30 minutes (two 15-minute periods at minimum >= 1)', () => {
    expect(refresher.alarms).toContain(refresher.unmanagedInstancesAlarm);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: METRIC_NAMESPACE,
      MetricName: MetricName.UNMANAGED_INSTANCES,
      Dimensions: [{ Name: 'ClusterName', Value: Match.anyValue() }],
      Statistic: 'Minimum',
      Period: 900,
      EvaluationPeriods: 2,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
  });
});

describe('many groups: given ones plus the discovered ones', () => {
  test('a group without a capacity provider is added to discovery: named by ARN, tagged, and the tagged statements stay', () => {
    const { template } = synth((f) => ({ autoScalingGroups: [f.windows] }));
    const env = environment(template);
    expect(env[EnvName.DISCOVER_GROUPS]).toBe('true');
    expect(env[EnvName.REQUIRE_CLUSTER_TAG]).toBe('true');
    expect(render(env[EnvName.GROUP_NAMES])).toMatch(/^\["\$\{WindowsASG\w+\}"\]$/);
    expect(render(statement(template, 'ChangeGivenGroups').Resource)).toMatch(/autoScalingGroupName\/\$\{WindowsASG\w+\}$/);
    expect(statement(template, 'ChangeTaggedGroups').Condition).toEqual({
      StringEquals: { [`autoscaling:ResourceTag/${TagKey.CLUSTER}`]: { Ref: expect.stringMatching(/^Cluster/) } },
    });
    // Both groups are tagged (the discovered one for the condition, the given one for its launch template).
    for (const name of ['prod-linux', 'prod-windows']) {
      template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
        AutoScalingGroupName: name,
        Tags: Match.arrayWith([Match.objectLike({ Key: TagKey.CLUSTER, PropagateAtLaunch: true })]),
      });
    }
  });

  test('a group both given and discovered is named once', () => {
    const { template } = synth((f) => ({ autoScalingGroups: [f.group, f.group], groupOverrides: [{ autoScalingGroup: f.group, family: 'amazon-linux-2023' }] }));
    expect(render(environment(template)[EnvName.GROUP_NAMES])).toMatch(/^\["\$\{LinuxASG\w+\}"\]$/);
  });

  test('without discovery and without a named group there is nothing to refresh: refused at synth', () => {
    const f = fixture();
    expect(() => new EcsAmiRefresher(f.stack, 'Refresher', { cluster: f.cluster, discoverCapacityProviderGroups: false }))
      .toThrow('discoverCapacityProviderGroups is false and no group is named');
  });
});

describe('groupOverrides', () => {
  test('family, golden parameter (construct or name) and readiness reach the engine; the role may read exactly those parameters', () => {
    const f = fixture();
    const golden = new ssm.StringParameter(f.stack, 'Golden', { parameterName: '/acme/golden/windows', stringValue: 'ami-0123456789abcdef0' });
    const { template } = synth(() => ({
      groupOverrides: [
        { autoScalingGroup: f.windows, amiParameter: golden, readinessTimeout: Duration.minutes(90) },
        { autoScalingGroup: f.group, family: 'amazon-linux-2023', amiParameterName: 'arn:aws:ssm:eu-west-1:222222222222:parameter/shared/al2023' },
      ],
    }), f);
    const env = environment(template);
    const overrides = render(env[EnvName.GROUP_OVERRIDES]);
    expect(overrides).toMatch(/"\$\{WindowsASG\w+\}":\{"amiParameter":"\$\{Golden\w+\}","readinessTimeoutSeconds":5400\}/);
    expect(overrides).toMatch(/"\$\{LinuxASG\w+\}":\{"family":"amazon-linux-2023","amiParameter":"arn:aws:ssm:eu-west-1:222222222222:parameter\/shared\/al2023"\}/);
    // Named groups are managed: in the environment and in ChangeGivenGroups.
    expect(render(env[EnvName.GROUP_NAMES])).toMatch(/^\["\$\{WindowsASG\w+\}","\$\{LinuxASG\w+\}"\]$/);
    const read = [statement(template, 'ReadAmiParameters').Resource].flat().map(render);
    expect(read).toContain('arn:aws:ssm:eu-west-1:222222222222:parameter/shared/al2023');
    // The parameter's own ARN (its name starts with '/', so CloudFormation's Ref supplies the separator).
    expect(read).toContainEqual(expect.stringMatching(/^arn:\$\{AWS::Partition\}:ssm:eu-west-1:111111111111:parameter\$\{Golden\w+\}$/));
  });

  const golden = (f: Fixture) => new ssm.StringParameter(f.stack, 'G', { stringValue: 'ami-0123456789abcdef0' });
  test.each([
    ['nothing set', (f: Fixture) => [{ autoScalingGroup: f.windows }], /groupOverrides\[0\] \(Shapes\/Windows\) sets nothing/],
    ['a family in upper case', (f: Fixture) => [{ autoScalingGroup: f.windows, family: 'Windows' }], /groupOverrides\[0\]\.family is 'Windows'/],
    ['both parameter props', (f: Fixture) => [{ autoScalingGroup: f.windows, amiParameter: golden(f), amiParameterName: '/x' }],
      /groupOverrides\[0\] gives both amiParameter and amiParameterName/],
    ['a bad parameter name', (f: Fixture) => [{ autoScalingGroup: f.windows, amiParameterName: 'two words' }], /groupOverrides\[0\]\.amiParameterName is 'two words'/],
    ['a readiness timeout under 5 minutes', (f: Fixture) => [{ autoScalingGroup: f.windows, readinessTimeout: Duration.minutes(2) }],
      /groupOverrides\[0\]\.readinessTimeout is 2 minutes; it must be between 5 minutes and 6 hours/],
    ['the same group twice', (f: Fixture) => [{ autoScalingGroup: f.windows, family: 'a' }, { autoScalingGroup: f.windows, family: 'b' }],
      /groupOverrides\[1\] names group Shapes\/Windows again/],
  ])('%s is refused at synth, naming the entry', (_, overrides, message) => {
    const f = fixture();
    expect(() => new EcsAmiRefresher(f.stack, 'Refresher', { cluster: f.cluster, groupOverrides: overrides(f) })).toThrow(message);
  });
});

describe('readiness timeouts', () => {
  test('given values reach the engine in seconds', () => {
    const { template } = synth(() => ({ readinessTimeout: Duration.minutes(10), windowsReadinessTimeout: Duration.hours(2) }));
    const env = environment(template);
    expect([env[EnvName.READINESS_TIMEOUT_SECONDS], env[EnvName.WINDOWS_READINESS_TIMEOUT_SECONDS]]).toEqual(['600', '7200']);
  });

  test.each([
    ['readinessTimeout', { readinessTimeout: Duration.minutes(4) }, /readinessTimeout is 4 minutes; it must be between 5 minutes and 6 hours/],
    ['windowsReadinessTimeout', { windowsReadinessTimeout: Duration.hours(7) }, /windowsReadinessTimeout is 7 hours; it must be between 5 minutes and 6 hours/],
  ])('%s out of range is refused at synth', (_, extra, message) => {
    const f = fixture();
    expect(() => new EcsAmiRefresher(f.stack, 'Refresher', { cluster: f.cluster, ...extra })).toThrow(message);
  });
});

describe('replaceUnmanagedInstancesThrough', () => {
  const { template } = synth((f) => ({ replaceUnmanagedInstancesThrough: f.group }));

  test('the group is named to the engine and managed by ARN', () => {
    const env = environment(template);
    expect(render(env[EnvName.UNMANAGED_REPLACEMENT_GROUP])).toMatch(/^\$\{LinuxASG\w+\}$/);
    expect(render(env[EnvName.GROUP_NAMES])).toMatch(/^\["\$\{LinuxASG\w+\}"\]$/);
    expect(render(statement(template, 'ChangeGivenGroups').Resource)).toMatch(/autoScalingGroupName\/\$\{LinuxASG\w+\}$/);
  });

  test('EC2 TerminateInstances only on instances carrying the cluster tag and in no Auto Scaling group', () => {
    const s = statement(template, 'TerminateTaggedInstancesOutsideGroups');
    expect(s.Action).toBe('ec2:TerminateInstances');
    expect(render(s.Resource)).toBe('arn:${AWS::Partition}:ec2:eu-west-1:111111111111:instance/*');
    expect(s.Condition).toEqual({
      StringEquals: { [`aws:ResourceTag/${TagKey.CLUSTER}`]: { Ref: expect.stringMatching(/^Cluster/) } },
      Null: { 'aws:ResourceTag/aws:autoscaling:groupName': 'true' },
    });
    // No other statement grants it.
    expect(statements(template).filter((x) => [x.Action].flat().includes('ec2:TerminateInstances'))).toHaveLength(1);
  });

  test('cdk-nag finds nothing unsuppressed on the refresher with every shape prop set', () => {
    const f = fixture();
    const golden = new ssm.StringParameter(f.stack, 'Golden', { stringValue: 'ami-0123456789abcdef0' });
    new EcsAmiRefresher(f.stack, 'Refresher', {
      cluster: f.cluster,
      autoScalingGroups: [f.windows],
      groupOverrides: [{ autoScalingGroup: f.windows, amiParameter: golden, family: 'windows-server-2022-full' }],
      replaceUnmanagedInstancesThrough: f.group,
    });
    Aspects.of(f.stack).add(new AwsSolutionsChecks());
    const annotations = Annotations.fromStack(f.stack);
    const findings = [
      ...annotations.findError('*', Match.stringLikeRegexp('AwsSolutions-.*')),
      ...annotations.findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*')),
    ].filter((x) => x.id.includes('/Refresher/'));
    expect(findings.map((x) => `${x.id}: ${String(x.entry.data).split('\n')[0]}`)).toEqual([]);
    // The check really ran (it reports on the fixture's own VPC).
    expect(annotations.findError('*', Match.stringLikeRegexp('AwsSolutions-.*')).some((x) => x.id.includes('/Vpc/'))).toBe(true);
  });
});
