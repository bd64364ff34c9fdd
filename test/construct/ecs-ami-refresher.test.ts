import {
  App,
  Aspects,
  Duration,
  Lazy,
  Stack,
  aws_autoscaling as autoscaling,
  aws_cloudwatch_actions as actions,
  aws_ec2 as ec2,
  aws_ecs as ecs,
  aws_events as events,
  aws_logs as logs,
  aws_sns as sns,
} from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { asList, environment, fixture, LT_FLAG, policyStatements, render, statement, synth } from './fixtures';
import { AmiParameters, DrainTimeoutAction, EcsAmiRefresher, MaintenanceWindow, MaxUnavailable, StandaloneTasks } from '../../src';
import { DEFAULT_AMI_PARAMETERS } from '../../src/shared/ami-families';
import { EnvName, METRIC_NAMESPACE, MetricName, TagKey } from '../../src/shared/constants';
import {
  BATCH_TAG,
  CORDON_ATTRIBUTE,
  FAILED_IMAGE_TAG,
  LAUNCH_CONFIGURATIONS_UNSUPPORTED_TAG,
  PASSED_OVER_TAG,
  REFUSED_TAG,
  LEASE_TAG,
  REPLACE_BEFORE_TAG,
  UNMANAGED_TAG,
} from '../../src/shared/records';

describe('defaults', () => {
  const { template, refresher } = synth((f) => ({ cluster: f.cluster }));

  test('schedule: every 5 minutes', () => {
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(5 minutes)', State: 'ENABLED' });
  });

  test('drainTimeout: 1 hour (3,600 s, the seed script\'s bound)', () => {
    expect(environment(template)[EnvName.DRAIN_TIMEOUT_SECONDS]).toBe('3600');
  });

  test('dryRun: false', () => {
    expect(environment(template)[EnvName.DRY_RUN]).toBe('false');
  });

  test('amiParameters: the default map', () => {
    const env = environment(template);
    expect(JSON.parse(env[EnvName.AMI_PARAMETERS] as string)).toEqual(DEFAULT_AMI_PARAMETERS);
    expect(AmiParameters.defaults()).toEqual(DEFAULT_AMI_PARAMETERS);
  });

  test('autoScalingGroups: discovered at run time, so groups must carry the cluster tag', () => {
    const env = environment(template);
    expect(env[EnvName.GROUP_NAMES]).toBe('[]');
    expect(env[EnvName.REQUIRE_CLUSTER_TAG]).toBe('true');
  });

  test('the capacity providers of this app are passed with their groups, so the engine need not describe them', () => {
    expect(render(environment(template)[EnvName.CAPACITY_PROVIDER_GROUPS])).toMatch(/^\{"\$\{Provider\w+\}":"\$\{AsgASG\w+\}"\}$/);
  });

  test('schedule: every 5 minutes; its period is passed so a run ends just before the next tick', () => {
    expect(environment(template)[EnvName.SCHEDULE_PERIOD_SECONDS]).toBe('300');
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(5 minutes)' });
  });

  test.each<[string, events.Schedule, string | undefined]>([
    ['rate in hours', events.Schedule.rate(Duration.hours(2)), '7200'],
    ['rate of one minute', events.Schedule.rate(Duration.minutes(1)), '60'],
    ['a cron schedule has no period', events.Schedule.cron({ minute: '0/10' }), undefined],
  ])('schedule period passed to the engine: %s', (_name, schedule, expected) => {
    const { template: t } = synth((f) => ({ cluster: f.cluster, schedule }));
    expect(environment(t)[EnvName.SCHEDULE_PERIOD_SECONDS]).toBe(expected);
  });

  test('maxUnavailable: 10% of each group (at least one instance)', () => {
    expect(environment(template)[EnvName.MAX_UNAVAILABLE]).toBe('10%');
  });

  test('onDrainTimeout: stop the rotation (the seed raises an error)', () => {
    expect(environment(template)[EnvName.ON_DRAIN_TIMEOUT]).toBe('stop');
  });

  test('cordonOutdatedInstances: true (inert for services without the placement constraint)', () => {
    expect(environment(template)[EnvName.CORDON]).toBe('true');
  });

  test('launchTemplateVersionsToKeep: 5, and the role may delete versions only of the templates it may change', () => {
    expect(environment(template)[EnvName.TEMPLATE_VERSIONS_TO_KEEP]).toBe('5');
    expect(statement(template, 'ChangeTaggedLaunchTemplates').Action).toEqual(
      ['ec2:CreateLaunchTemplateVersion', 'ec2:ModifyLaunchTemplate', 'ec2:DeleteLaunchTemplateVersions']);
  });

  test('launchTemplateVersionsToKeep is passed to the engine', () => {
    const { template: t } = synth((f) => ({ cluster: f.cluster, launchTemplateVersionsToKeep: 12 }));
    expect(environment(t)[EnvName.TEMPLATE_VERSIONS_TO_KEEP]).toBe('12');
  });

  test('cordonOutdatedInstances: false is passed to the engine', () => {
    const { template: t } = synth((f) => ({ cluster: f.cluster, cordonOutdatedInstances: false }));
    expect(environment(t)[EnvName.CORDON]).toBe('false');
  });

  test('placementConstraint(): a memberOf expression on the cordon attribute, usable on an Ec2Service', () => {
    const f = fixture();
    const taskDefinition = new ecs.Ec2TaskDefinition(f.stack, 'Task');
    taskDefinition.addContainer('app', { image: ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx'), memoryLimitMiB: 256 });
    new ecs.Ec2Service(f.stack, 'Web', { cluster: f.cluster, taskDefinition, placementConstraints: [EcsAmiRefresher.placementConstraint()] });
    Template.fromStack(f.stack).hasResourceProperties('AWS::ECS::Service', {
      PlacementConstraints: [{ Type: 'memberOf', Expression: `attribute:${CORDON_ATTRIBUTE} !exists` }],
    });
  });

  test('canary: none (no canary variable, the first window is twice maxUnavailable)', () => {
    expect(environment(template)).not.toHaveProperty(EnvName.CANARY);
  });

  test('waitForSteadyServices: false, and with no canary either the role reads no service', () => {
    expect(environment(template)[EnvName.WAIT_FOR_STEADY_SERVICES]).toBe('false');
    expect(policyStatements(template).map((st) => st.Sid)).not.toContain('ReadServicesOfThisCluster');
  });

  test('steadyServicesTimeout: the drain timeout', () => {
    expect(environment(template)[EnvName.STEADY_SERVICES_TIMEOUT_SECONDS]).toBe('3600');
    const { template: t } = synth((f) => ({ cluster: f.cluster, drainTimeout: Duration.minutes(20) }));
    expect(environment(t)[EnvName.STEADY_SERVICES_TIMEOUT_SECONDS]).toBe('1200');
  });

  test('standaloneTasks: wait for them, and the role may stop no task', () => {
    expect(environment(template)[EnvName.STANDALONE_TASKS]).toBe('wait');
    expect(policyStatements(template).flatMap((st) => asList<string>(st.Action))).not.toContain('ecs:StopTask');
    const { template: t } = synth((f) => ({ cluster: f.cluster, standaloneTasks: StandaloneTasks.waitForThem() }));
    expect(environment(t)[EnvName.STANDALONE_TASKS]).toBe('wait');
  });

  test('rollbackOnFailedReplacement: false (stop and alarm only)', () => {
    expect(environment(template)[EnvName.ROLLBACK_ON_FAILED_REPLACEMENT]).toBe('false');
  });

  test('alarmActions: none, but all eight alarms exist', () => {
    template.resourceCountIs('AWS::CloudWatch::Alarm', 8);
    for (const alarm of Object.values(template.findResources('AWS::CloudWatch::Alarm'))) {
      expect(alarm.Properties.AlarmActions).toBeUndefined();
    }
    expect(refresher.alarms).toHaveLength(8);
  });

  test('outdatedAlarmThreshold: 3 days', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: MetricName.OLDEST_OUTDATED_AGE,
      Threshold: 3 * 24 * 3600,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });

  test('logRetention: three months, in the construct\'s own log group (no LogRetention custom resource)', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
    template.hasResourceProperties('AWS::Lambda::Function', {
      LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp('^RefresherLogGroup') } },
    });
    template.resourceCountIs('Custom::LogRetention', 0);
  });

  test('one actor: reserved concurrency 1, no retries, stale events dropped after a minute', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Handler: 'index.handler',
      Architectures: ['arm64'],
      Timeout: 900,
      ReservedConcurrentExecutions: 1,
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumEventAgeInSeconds: 60, MaximumRetryAttempts: 0 });
  });

  test('the groups of the cluster\'s capacity providers are tagged, and so are their instances and launch template', () => {
    template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
      AutoScalingGroupName: 'prod-x86',
      Tags: Match.arrayWith([{ Key: TagKey.CLUSTER, Value: { Ref: Match.stringLikeRegexp('^Cluster') }, PropagateAtLaunch: true }]),
    });
    template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      TagSpecifications: Match.arrayWith([Match.objectLike({
        ResourceType: 'launch-template',
        Tags: Match.arrayWith([{ Key: TagKey.CLUSTER, Value: { Ref: Match.stringLikeRegexp('^Cluster') } }]),
      })]),
    });
  });

  test('exposes the function, rule, log group and role', () => {
    expect(refresher.function.functionArn).toBeDefined();
    expect(refresher.rule.ruleArn).toBeDefined();
    expect(refresher.logGroup.logGroupArn).toBeDefined();
    expect(refresher.role.roleArn).toBeDefined();
  });
});

describe('props', () => {
  test('schedule, drainTimeout, dryRun, outdatedAlarmThreshold, logRetention are passed through', () => {
    const { template } = synth((f) => ({
      cluster: f.cluster,
      schedule: events.Schedule.cron({ minute: '*/10' }),
      drainTimeout: Duration.minutes(30),
      dryRun: true,
      outdatedAlarmThreshold: Duration.hours(12),
      logRetention: logs.RetentionDays.ONE_WEEK,
    }));
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'cron(*/10 * * * ? *)' });
    expect(environment(template)[EnvName.DRAIN_TIMEOUT_SECONDS]).toBe('1800');
    expect(environment(template)[EnvName.DRY_RUN]).toBe('true');
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: MetricName.OLDEST_OUTDATED_AGE, Threshold: 43200 });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 7 });
  });

  test.each([
    [MaxUnavailable.count(3), '3'],
    [MaxUnavailable.percent(25), '25%'],
  ])('maxUnavailable %j is passed as %s', (maxUnavailable, expected) => {
    const { template } = synth((f) => ({
      cluster: f.cluster, maxUnavailable, onDrainTimeout: DrainTimeoutAction.FORCE_TERMINATE, rollbackOnFailedReplacement: true,
    }));
    expect(environment(template)[EnvName.MAX_UNAVAILABLE]).toBe(expected);
    expect(environment(template)[EnvName.ON_DRAIN_TIMEOUT]).toBe('force');
    expect(environment(template)[EnvName.ROLLBACK_ON_FAILED_REPLACEMENT]).toBe('true');
  });

  test('amiParameters are merged over the defaults', () => {
    const { template } = synth((f) => ({ cluster: f.cluster, amiParameters: { 'amazon-linux-2023/x86_64': '/golden/al2023', 'my-os/arm64': 'golden-arm' } }));
    const map = JSON.parse(environment(template)[EnvName.AMI_PARAMETERS] as string);
    expect(map['amazon-linux-2023/x86_64']).toBe('/golden/al2023');
    expect(map['my-os/arm64']).toBe('golden-arm');
    expect(map['bottlerocket-ecs-2/arm64']).toBe(DEFAULT_AMI_PARAMETERS['bottlerocket-ecs-2/arm64']);
  });

  test('alarmActions are added to every alarm', () => {
    const f = fixture();
    const topic = new sns.Topic(f.stack, 'Topic');
    const { template } = synth((g) => ({ cluster: g.cluster, alarmActions: [new actions.SnsAction(topic)] }), f);
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms).toHaveLength(8);
    for (const alarm of alarms) expect(alarm.Properties.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^Topic/) }]);
  });

  test('given groups without discovery: named in the environment, scoped by ARN, and tagged', () => {
    const f = fixture();
    const other = new autoscaling.AutoScalingGroup(f.stack, 'Other', {
      vpc: f.vpc,
      instanceType: new ec2.InstanceType('m7g.large'),
      machineImage: ecs.EcsOptimizedImage.amazonLinux2023(ecs.AmiHardwareType.ARM),
      autoScalingGroupName: 'prod-arm',
    });
    const { template } = synth((g) => ({ cluster: g.cluster, autoScalingGroups: [g.group, other], discoverCapacityProviderGroups: false }), f);
    const env = environment(template);
    expect(env[EnvName.REQUIRE_CLUSTER_TAG]).toBe('false');
    expect(env[EnvName.DISCOVER_GROUPS]).toBe('false');
    expect(render(env[EnvName.GROUP_NAMES])).toMatch(/^\["\$\{AsgASG\w+\}","\$\{OtherASG\w+\}"\]$/);
    const groups = statement(template, 'ChangeGivenGroups');
    expect(groups.Condition).toBeUndefined();
    expect(asList<unknown>(groups.Resource).map(render)).toEqual([
      expect.stringMatching(/^arn:\$\{AWS::Partition\}:autoscaling:eu-west-1:111111111111:autoScalingGroup:\*:autoScalingGroupName\/\$\{AsgASG\w+\}$/),
      expect.stringMatching(/^arn:\$\{AWS::Partition\}:autoscaling:eu-west-1:111111111111:autoScalingGroup:\*:autoScalingGroupName\/\$\{OtherASG\w+\}$/),
    ]);
    expect(policyStatements(template).some((s) => s.Sid === 'ChangeTaggedGroups')).toBe(false);
    const tags = statement(template, 'TagGivenGroups');
    expect(tags.Resource).toEqual(groups.Resource);
    expect(tags.Condition).toEqual({ 'ForAllValues:StringEquals': { 'aws:TagKeys': [BATCH_TAG, REPLACE_BEFORE_TAG, FAILED_IMAGE_TAG, UNMANAGED_TAG, LAUNCH_CONFIGURATIONS_UNSUPPORTED_TAG, PASSED_OVER_TAG, REFUSED_TAG] } });
    template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
      AutoScalingGroupName: 'prod-arm',
      Tags: Match.arrayWith([Match.objectLike({ Key: TagKey.CLUSTER, PropagateAtLaunch: true })]),
    });
  });

  test('imported cluster and group work (nothing to tag, ARN-scoped)', () => {
    const app = new App();
    const stack = new Stack(app, 'Imported', { env: { account: '111111111111', region: 'eu-west-1' } });
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', { vpcId: 'vpc-1', availabilityZones: ['eu-west-1a'] });
    const cluster = ecs.Cluster.fromClusterAttributes(stack, 'Cluster', { clusterName: 'legacy', vpc });
    const group = autoscaling.AutoScalingGroup.fromAutoScalingGroupName(stack, 'Group', 'legacy-asg');
    new EcsAmiRefresher(stack, 'Refresher', { cluster, autoScalingGroups: [group] });
    const template = Template.fromStack(stack);
    expect(environment(template)[EnvName.CLUSTER_NAME]).toBe('legacy');
    expect(JSON.stringify(statement(template, 'ChangeGivenGroups').Resource)).toContain('autoScalingGroupName/legacy-asg');
    expect(render(statement(template, 'ReadCluster').Resource)).toBe('arn:${AWS::Partition}:ecs:eu-west-1:111111111111:cluster/legacy');
  });
});

describe('rotation policies', () => {
  test('canary: count and soak are passed to the engine; count defaults to 1', () => {
    const { template: t } = synth((f) => ({ cluster: f.cluster, canary: { count: 2, soak: Duration.minutes(30) } }));
    expect(environment(t)[EnvName.CANARY]).toBe('2:1800');
    const { template: one } = synth((f) => ({ cluster: f.cluster, canary: { soak: Duration.hours(1) } }));
    expect(environment(one)[EnvName.CANARY]).toBe('1:3600');
  });

  test('waitForSteadyServices on: the role may describe this cluster\'s services, and a canary needs them too', () => {
    const { template: t } = synth((f) => ({ cluster: f.cluster, waitForSteadyServices: true }));
    expect(environment(t)[EnvName.WAIT_FOR_STEADY_SERVICES]).toBe('true');
    const s = statement(t, 'ReadServicesOfThisCluster');
    expect(s.Action).toBe('ecs:DescribeServices');
    expect(s.Condition).toEqual({ ArnEquals: { 'ecs:cluster': { 'Fn::GetAtt': [expect.stringMatching(/^Cluster/), 'Arn'] } } });
    // A canary's health needs its services, whatever waitForSteadyServices says.
    const { template: c } = synth((f) => ({ cluster: f.cluster, waitForSteadyServices: false, canary: { soak: Duration.minutes(5) } }));
    expect(policyStatements(c).map((st) => st.Sid)).toContain('ReadServicesOfThisCluster');
  });

  test('steadyServicesTimeout is passed in seconds', () => {
    const { template: t } = synth((f) => ({ cluster: f.cluster, steadyServicesTimeout: Duration.minutes(45) }));
    expect(environment(t)[EnvName.STEADY_SERVICES_TIMEOUT_SECONDS]).toBe('2700');
  });

  test('standaloneTasks stopAfter: the grace period is passed, and StopTask is allowed on this cluster\'s tasks only', () => {
    const { template: t } = synth((f) => ({ cluster: f.cluster, standaloneTasks: StandaloneTasks.stopAfter(Duration.minutes(2)) }));
    expect(environment(t)[EnvName.STANDALONE_TASKS]).toBe('stop:120');
    const s = statement(t, 'StopTasksOfThisCluster');
    expect(s.Action).toBe('ecs:StopTask');
    expect(s.Condition).toEqual({ ArnEquals: { 'ecs:cluster': { 'Fn::GetAtt': [expect.stringMatching(/^Cluster/), 'Arn'] } } });
  });

  test.each([
    ['canary count 0', { canary: { count: 0, soak: Duration.minutes(5) } }, /canary.count is 0; it must be a whole number from 1 to 100/],
    ['canary count 1.5', { canary: { count: 1.5, soak: Duration.minutes(5) } }, /canary.count is 1.5; it must be a whole number from 1 to 100/],
    ['canary count 101', { canary: { count: 101, soak: Duration.minutes(5) } }, /canary.count is 101/],
    ['canary soak too short', { canary: { soak: Duration.seconds(30) } }, /canary.soak is 30 seconds; it must be between 1 minute and 7 days/],
    ['canary soak too long', { canary: { soak: Duration.days(8) } }, /canary.soak is 8 days; it must be between 1 minute and 7 days/],
    ['steadyServicesTimeout', { steadyServicesTimeout: Duration.seconds(20) }, /steadyServicesTimeout is 20 seconds; it must be between 1 minute and 2 days/],
    ['a grace period as long as the drain timeout', { drainTimeout: Duration.minutes(10), standaloneTasks: StandaloneTasks.stopAfter(Duration.minutes(10)) },
      /standaloneTasks stops tasks after 10 minutes; it must be shorter than drainTimeout \(10 minutes\)/],
  ])('%s is refused at synth', (_name, extra, message) => {
    const f = fixture();
    expect(() => new EcsAmiRefresher(f.stack, 'Refresher', { cluster: f.cluster, ...(extra as object) })).toThrow(message);
  });

  test('standaloneTasks skipInstance: passed as skip; the role may stop no task (it only reads tasks, as it already may)', () => {
    const { template: t } = synth((f) => ({ cluster: f.cluster, standaloneTasks: StandaloneTasks.skipInstance() }));
    expect(environment(t)[EnvName.STANDALONE_TASKS]).toBe('skip');
    const allowed = policyStatements(t).flatMap((st) => asList<string>(st.Action));
    expect(allowed).not.toContain('ecs:StopTask');
    expect(statement(t, 'ContainerInstancesOfThisCluster').Action).toEqual(expect.arrayContaining(['ecs:ListTasks', 'ecs:DescribeTasks']));
  });

  test('StandaloneTasks.stopAfter refuses a grace period over 2 days', () => {
    expect(() => StandaloneTasks.stopAfter(Duration.days(3))).toThrow(/standaloneTasks grace period is 3 days; it must be between 0 seconds and 2 days/);
  });
});

describe('validation', () => {
  test.each([
    ['drainTimeout', { drainTimeout: Duration.seconds(30) }, /drainTimeout is 30 seconds; it must be between 1 minute and 2 days/],
    ['drainTimeout', { drainTimeout: Duration.hours(49) }, /drainTimeout is 2 days 1 hour; it must be between 1 minute and 2 days/],
    ['outdatedAlarmThreshold', { outdatedAlarmThreshold: Duration.minutes(10) }, /outdatedAlarmThreshold is 10 minutes; it must be at least 1 hour/],
    ['amiParameters key', { amiParameters: { 'amazon-linux-2023': '/p' } }, /amiParameters has key 'amazon-linux-2023'; a key is 'family\/architecture'/],
    ['amiParameters arch', { amiParameters: { 'amazon-linux-2023/aarch64': '/p' } }, /key 'amazon-linux-2023\/aarch64'.*'x86_64' or 'arm64'/],
    ['amiParameters value', { amiParameters: { 'amazon-linux-2023/arm64': 'has spaces' } }, /amiParameters\['amazon-linux-2023\/arm64'\] is 'has spaces', which is not an SSM parameter name/],
    ['autoScalingGroups', { autoScalingGroups: [] }, /autoScalingGroups is an empty list/],
    ['launchTemplateVersionsToKeep', { launchTemplateVersionsToKeep: 0 }, /launchTemplateVersionsToKeep is 0; it must be a whole number from 1 to 100/],
    ['launchTemplateVersionsToKeep', { launchTemplateVersionsToKeep: 101 }, /launchTemplateVersionsToKeep is 101; it must be a whole number from 1 to 100/],
    ['launchTemplateVersionsToKeep', { launchTemplateVersionsToKeep: 2.5 }, /launchTemplateVersionsToKeep is 2.5; it must be a whole number from 1 to 100/],
  ])('%s: %j is refused at synth', (_name, extra, message) => {
    const f = fixture();
    expect(() => new EcsAmiRefresher(f.stack, 'Refresher', { cluster: f.cluster, ...(extra as object) })).toThrow(message);
  });

  test.each([
    [() => MaxUnavailable.count(0), /maxUnavailable count is 0; it must be a whole number of at least 1/],
    [() => MaxUnavailable.count(1.5), /maxUnavailable count is 1.5/],
    [() => MaxUnavailable.percent(0), /maxUnavailable percent is 0; it must be a whole number from 1 to 100/],
    [() => MaxUnavailable.percent(101), /maxUnavailable percent is 101/],
  ])('MaxUnavailable refuses bad values (%#)', (make, message) => {
    expect(make).toThrow(message);
  });

  test('tokens are not validated at synth', () => {
    const f = fixture();
    const lazySeconds = Lazy.number({ produce: () => 5 });
    const lazyName = Lazy.string({ produce: () => 'not a valid name' });
    expect(() => new EcsAmiRefresher(f.stack, 'Refresher', {
      cluster: f.cluster,
      drainTimeout: Duration.seconds(lazySeconds),
      amiParameters: { 'amazon-linux-2023/x86_64': lazyName },
      launchTemplateVersionsToKeep: Lazy.number({ produce: () => 0 }),
    })).not.toThrow();
  });
});

describe('IAM', () => {
  const { template } = synth((f) => ({ cluster: f.cluster }));
  const statements = policyStatements(template);
  const isReadOnly = (action: string) => /^[a-z0-9]+:(Describe|List|Get)/.test(action);

  test('every mutation on a wildcard resource carries a condition (launch configurations: a name prefix instead)', () => {
    const offenders = statements.filter((s) => {
      const wildcard = asList(s.Resource).some((r: unknown) => JSON.stringify(r).includes('*'));
      const mutates = asList<string>(s.Action).some((a) => !isReadOnly(a));
      return wildcard && mutates && !s.Condition && s.Sid !== 'CopyLaunchConfigurationsOfThisCluster';
    });
    expect(offenders).toEqual([]);
  });

  test('launch configurations: only copies named ecs-ami-refresher.<this cluster>.* may be created or deleted, and groups switched only to them', () => {
    // Launch configurations have no tags and no resource condition keys (SAR): the name is the only scope.
    const copies = statement(template, 'CopyLaunchConfigurationsOfThisCluster');
    expect(copies.Action).toEqual(['autoscaling:CreateLaunchConfiguration', 'autoscaling:DeleteLaunchConfiguration']);
    expect(render(copies.Resource)).toMatch(
      /^arn:\$\{AWS::Partition\}:autoscaling:eu-west-1:111111111111:launchConfiguration:\*:launchConfigurationName\/ecs-ami-refresher\.\$\{Cluster\w+\}\.\*$/);
    const only = statement(template, 'SwitchGroupsOnlyToOwnLaunchConfigurations');
    expect({ effect: only.Effect, action: only.Action }).toEqual({ effect: 'Deny', action: 'autoscaling:UpdateAutoScalingGroup' });
    expect(only.Condition.Null).toEqual({ 'autoscaling:LaunchConfigurationName': 'false' });
    expect(render(only.Condition.StringNotLike['autoscaling:LaunchConfigurationName'])).toMatch(/^ecs-ami-refresher\.\$\{Cluster\w+\}\.\*$/);
  });

  test('only read actions are on the bare "*" resource without a condition', () => {
    const bare = statements.filter((s) => s.Resource === '*' && !s.Condition);
    expect(bare.map((s) => s.Sid)).toEqual(['DescribeWithoutResourceLevelPermissions']);
    expect(asList<string>(bare[0].Action).every(isReadOnly)).toBe(true);
  });

  test('container-instance actions are limited to this cluster by ecs:cluster', () => {
    const s = statement(template, 'ContainerInstancesOfThisCluster');
    expect(s.Action).toEqual(expect.arrayContaining(['ecs:UpdateContainerInstancesState', 'ecs:PutAttributes', 'ecs:DescribeContainerInstances']));
    expect(s.Condition).toEqual({ ArnEquals: { 'ecs:cluster': { 'Fn::GetAtt': [expect.stringMatching(/^Cluster/), 'Arn'] } } });
    expect(statement(template, 'DeregisterFromThisCluster').Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^Cluster/), 'Arn'] });
  });

  test('discovered groups and their launch templates are changed only when they carry the cluster tag', () => {
    const groups = statement(template, 'ChangeTaggedGroups');
    expect(groups.Action).toEqual([
      'autoscaling:SetDesiredCapacity',
      'autoscaling:UpdateAutoScalingGroup',
      'autoscaling:TerminateInstanceInAutoScalingGroup',
      'autoscaling:SuspendProcesses',
      'autoscaling:ResumeProcesses',
    ]);
    expect(groups.Condition).toEqual({ StringEquals: { [`autoscaling:ResourceTag/${TagKey.CLUSTER}`]: { Ref: expect.stringMatching(/^Cluster/) } } });
    const templates = statement(template, 'ChangeTaggedLaunchTemplates');
    expect(templates.Condition).toEqual({ StringEquals: { [`aws:ResourceTag/${TagKey.CLUSTER}`]: { Ref: expect.stringMatching(/^Cluster/) } } });
  });

  test('the launch template of a group defined in the app is named by id', () => {
    const s = statement(template, 'ChangeLaunchTemplatesOfGroups');
    expect(render(s.Resource)).toMatch(/^arn:\$\{AWS::Partition\}:ec2:eu-west-1:111111111111:launch-template\/\$\{AsgLaunchTemplate\w+\}$/);
    expect(s.Condition).toBeUndefined();
  });

  test('CloudFormation: only DescribeStacks (to wait while a group\'s stack updates)', () => {
    const s = statement(template, 'ReadStacks');
    expect(s.Action).toBe('cloudformation:DescribeStacks');
    expect(render(s.Resource)).toBe('arn:${AWS::Partition}:cloudformation:eu-west-1:111111111111:stack/*');
  });

  test('the lease: only the lease tag, only on this cluster', () => {
    const s = statement(template, 'LeaseOnThisCluster');
    expect(s.Action).toEqual(['ecs:TagResource', 'ecs:UntagResource']);
    expect(s.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^Cluster/), 'Arn'] });
    expect(s.Condition).toEqual({ 'ForAllValues:StringEquals': { 'aws:TagKeys': [LEASE_TAG] } });
  });

  test('group bookkeeping tags: only the engine\'s own keys, only on tagged groups', () => {
    const s = statement(template, 'TagTaggedGroups');
    expect(s.Action).toEqual(['autoscaling:CreateOrUpdateTags', 'autoscaling:DeleteTags']);
    expect(s.Condition).toEqual({
      'StringEquals': { [`autoscaling:ResourceTag/${TagKey.CLUSTER}`]: { Ref: expect.stringMatching(/^Cluster/) } },
      'ForAllValues:StringEquals': { 'aws:TagKeys': [BATCH_TAG, REPLACE_BEFORE_TAG, FAILED_IMAGE_TAG, UNMANAGED_TAG, LAUNCH_CONFIGURATIONS_UNSUPPORTED_TAG, PASSED_OVER_TAG, REFUSED_TAG] },
    });
  });

  test('RunInstances only from a launch template, with the template\'s own resources', () => {
    const fromTemplate = statement(template, 'LaunchOnlyFromATemplate');
    expect(render(fromTemplate.Resource)).toBe('arn:${AWS::Partition}:ec2:eu-west-1:111111111111:instance/*');
    expect(render(fromTemplate.Condition.ArnLike['ec2:LaunchTemplate'])).toBe('arn:${AWS::Partition}:ec2:eu-west-1:111111111111:launch-template/*');
    const resources = statement(template, 'LaunchWithTemplateResources');
    expect(render(resources.Condition.ArnLike['ec2:LaunchTemplate'])).toBe('arn:${AWS::Partition}:ec2:eu-west-1:111111111111:launch-template/*');
    expect(statement(template, 'TagAtLaunch').Condition).toEqual({ StringEquals: { 'ec2:CreateAction': 'RunInstances' } });
  });

  test('PassRole only for the instance role of the groups, only to EC2', () => {
    const s = statement(template, 'PassInstanceRolesOfGroups');
    expect(s.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^AsgInstanceRole/), 'Arn'] });
    expect(s.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } });
  });

  test('SSM: only the parameters of the map; public ones without an account, golden ones with it', () => {
    const { template: golden } = synth((f) => ({
      cluster: f.cluster,
      amiParameters: {
        'amazon-linux-2023/x86_64': '/golden/al2023',
        'my-os/arm64': 'arn:aws:ssm:eu-west-1:222222222222:parameter/shared/golden',
      },
    }));
    const s = statement(golden, 'ReadAmiParameters');
    expect(s.Action).toEqual(['ssm:GetParameters', 'ssm:GetParameter']);
    const resources = asList<unknown>(s.Resource).map(render);
    expect(resources).toContain('arn:${AWS::Partition}:ssm:eu-west-1:111111111111:parameter/golden/al2023');
    expect(resources).toContain('arn:aws:ssm:eu-west-1:222222222222:parameter/shared/golden');
    expect(resources).toContain('arn:${AWS::Partition}:ssm:eu-west-1::parameter/aws/service/bottlerocket/aws-ecs-2/arm64/latest/image_id');
    // The overridden public parameter is no longer readable.
    expect(resources).not.toContain('arn:${AWS::Partition}:ssm:eu-west-1::parameter/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id');
    expect(resources).toHaveLength(new Set(Object.values({ ...DEFAULT_AMI_PARAMETERS, 'amazon-linux-2023/x86_64': 'x', 'my-os/arm64': 'y' })).size);
  });

  test('no EC2 instance-level write: capacity goes through Auto Scaling', () => {
    const actionsAll = statements.flatMap((s) => asList<string>(s.Action));
    expect(actionsAll).not.toContain('ec2:TerminateInstances');
    expect(actionsAll).not.toContain('autoscaling:DetachInstances');
    expect(actionsAll.filter((a) => a === 'ec2:CreateTags')).toHaveLength(1);
  });
});

describe('alarms', () => {
  const { template } = synth((f) => ({ cluster: f.cluster }));

  test.each([
    [MetricName.OBSERVE_FAILURES, 'Maximum', 1],
    [MetricName.GROUPS_REFUSED, 'Maximum', 1],
    [MetricName.OLDEST_OUTDATED_AGE, 'Maximum', 259200],
    [MetricName.GROUPS_STOPPED, 'Maximum', 1],
    [MetricName.ACTION_FAILURES, 'Sum', 1],
  ])('engine metric %s alarms on the cluster dimension', (metricName, statistic, threshold) => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: METRIC_NAMESPACE,
      MetricName: metricName,
      Statistic: statistic,
      Threshold: threshold,
      Dimensions: [{ Name: 'ClusterName', Value: { Ref: Match.stringLikeRegexp('^Cluster') } }],
      TreatMissingData: 'notBreaching',
    });
  });

  test('function errors alarm: 2 failing runs of 3', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Threshold: 1,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
    });
  });
});

test('cdk-nag: given groups (ARN-scoped policy) leave no unsuppressed finding on the refresher', () => {
  const f = fixture();
  new EcsAmiRefresher(f.stack, 'Refresher', { cluster: f.cluster, autoScalingGroups: [f.group] });
  Aspects.of(f.stack).add(new AwsSolutionsChecks());
  const annotations = Annotations.fromStack(f.stack);
  const findings = [
    ...annotations.findError('*', Match.stringLikeRegexp('AwsSolutions-.*')),
    ...annotations.findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*')),
  ].filter((finding) => finding.id.includes('/Refresher/'));
  expect(findings.map((finding) => finding.id)).toEqual([]);
});

describe('AmiParameters.imageResolvedAtLaunch (the conflict-free pattern)', () => {
  test('the launch template holds resolve:ssm of the very parameter the refresher follows, no AMI id', () => {
    const app = new App({ context: LT_FLAG });
    const stack = new Stack(app, 'Launch', { env: { account: '111111111111', region: 'eu-west-1' } });
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0 });
    const cluster = new ecs.Cluster(stack, 'Cluster', { vpc });
    const group = new autoscaling.AutoScalingGroup(stack, 'Asg', {
      vpc,
      instanceType: new ec2.InstanceType('m7g.large'),
      machineImage: AmiParameters.imageResolvedAtLaunch('amazon-linux-2023/arm64'),
    });
    cluster.addAsgCapacityProvider(new ecs.AsgCapacityProvider(stack, 'Provider', { autoScalingGroup: group }));
    new EcsAmiRefresher(stack, 'Refresher', { cluster });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: Match.objectLike({ ImageId: `resolve:ssm:${DEFAULT_AMI_PARAMETERS['amazon-linux-2023/arm64']}` }),
    });
    // CloudFormation resolves no AMI for it: nothing a later deploy could roll back.
    expect(Object.keys(template.toJSON().Parameters ?? {}).filter((p) => p.startsWith('SsmParameterValue'))).toEqual([]);
  });

  test('a golden parameter is followed as given', () => {
    const image = AmiParameters.imageResolvedAtLaunch('acme/x86_64', '/golden/acme');
    const stack = new Stack();
    expect(image.getImage(stack).imageId).toBe('resolve:ssm:/golden/acme');
  });

  test.each([
    [() => AmiParameters.imageResolvedAtLaunch('nope/x86_64'), /'nope\/x86_64' is not a key of the default AMI parameter map/],
    [() => AmiParameters.imageResolvedAtLaunch('acme/x86_64', 'bad name'), /parameterName 'bad name' is not an SSM parameter name/],
  ])('bad input is refused (%#)', (make, message) => {
    expect(make).toThrow(message);
  });
});

describe('when rotations happen: maintenance windows and a minimum AMI age', () => {
  test('defaults: no maintenance window (rotations start whenever the schedule runs) and no minimum AMI age', () => {
    const { template } = synth((f) => ({ cluster: f.cluster }));
    expect(environment(template)[EnvName.MAINTENANCE_WINDOWS]).toBe('[]');
    expect(environment(template)[EnvName.MINIMUM_AMI_AGE_SECONDS]).toBe('0');
  });

  test('windows reach the engine as the five cron fields and a duration; day is every day unless weekDay is given', () => {
    const { template } = synth((f) => ({
      cluster: f.cluster,
      maintenanceWindows: [
        MaintenanceWindow.cron({ minute: '0', hour: '2', weekDay: 'SUN' }, Duration.hours(4)),
        MaintenanceWindow.cron({ minute: '30', hour: '22' }, Duration.minutes(90)),
        MaintenanceWindow.cron({ minute: '0', hour: '0', day: '1', month: 'JAN,JUL' }, Duration.days(2)),
        MaintenanceWindow.cron({ minute: '0', hour: '3', day: '?', weekDay: 'SAT' }, Duration.hours(1)),
      ],
      minimumAmiAge: Duration.days(3),
    }));
    expect(JSON.parse(environment(template)[EnvName.MAINTENANCE_WINDOWS] as string)).toEqual([
      { cron: '0 2 ? * SUN', durationSeconds: 14400 },
      { cron: '30 22 * * ?', durationSeconds: 5400 },
      { cron: '0 0 1 JAN,JUL ?', durationSeconds: 172800 },
      { cron: '0 3 ? * SAT', durationSeconds: 3600 },
    ]);
    expect(environment(template)[EnvName.MINIMUM_AMI_AGE_SECONDS]).toBe('259200');
  });

  const sunday = { minute: '0', hour: '2', weekDay: 'SUN' };
  test.each([
    ['no minute', [MaintenanceWindow.cron({ hour: '2' }, Duration.hours(1))], {},
      /maintenanceWindows\[0\] has no minute; allowed: a window opens at a given minute and hour/],
    ['no hour', [MaintenanceWindow.cron({ minute: '0' }, Duration.hours(1))], {}, /maintenanceWindows\[0\] has no hour/],
    ['a year', [MaintenanceWindow.cron({ ...sunday, year: '2027' }, Duration.hours(1))], {},
      /maintenanceWindows\[0\] has year '2027'; allowed: no year/],
    ['day and weekDay', [MaintenanceWindow.cron({ ...sunday, day: '1' }, Duration.hours(1))], {},
      /maintenanceWindows\[0\] has both day '1' and weekDay 'SUN'; allowed: one of the two/],
    ['an unsupported field', [MaintenanceWindow.cron(sunday, Duration.hours(1)), MaintenanceWindow.cron({ minute: '0', hour: '2', weekDay: 'MON#1' }, Duration.hours(1))], {},
      /maintenanceWindows\[1\] has weekDay 'MON#1'; allowed: \*, \?, numbers 1-7 or SUN-SAT/],
    ['an hour out of range', [MaintenanceWindow.cron({ minute: '0', hour: '25' }, Duration.hours(1))], {},
      /maintenanceWindows\[0\] has hour '25'; allowed: \*, numbers 0-23/],
    ['a day that never comes', [MaintenanceWindow.cron({ minute: '0', hour: '0', day: '30', month: '2' }, Duration.hours(1))], {},
      /maintenanceWindows\[0\] is '0 0 30 2 \?', which names no day that exists/],
    ['a window of 10 minutes', [MaintenanceWindow.cron(sunday, Duration.minutes(10))], {},
      /maintenanceWindows\[0\].duration is 10 minutes; it must be between 15 minutes and 7 days/],
    ['a window of 8 days', [MaintenanceWindow.cron(sunday, Duration.days(8))], {},
      /maintenanceWindows\[0\].duration is 8 days; it must be between 15 minutes and 7 days/],
    ['a window shorter than the schedule\'s period', [MaintenanceWindow.cron(sunday, Duration.minutes(30))], { schedule: events.Schedule.rate(Duration.hours(1)) },
      /maintenanceWindows\[0\].duration is 30 minutes, shorter than the schedule's period \(3600 seconds\); allowed: at least the period/],
    ['a minimum AMI age of 91 days', [], { minimumAmiAge: Duration.days(91) }, /minimumAmiAge is 91 days; it must be between 0 seconds and 90 days/],
  ])('%s is refused at synth, naming the prop', (_name, windows, extra, message) => {
    const f = fixture();
    expect(() => new EcsAmiRefresher(f.stack, 'Refresher', { cluster: f.cluster, maintenanceWindows: windows, ...(extra as object) })).toThrow(message);
  });

  test('an outdated alarm shorter than the longest closed time warns: it would fire while a rotation waits for its window', () => {
    const weekly = [MaintenanceWindow.cron({ minute: '0', hour: '2', weekDay: 'SUN' }, Duration.hours(4))];
    const { stack } = synth((f) => ({ cluster: f.cluster, maintenanceWindows: weekly }));
    Annotations.fromStack(stack).hasWarning('*', Match.stringLikeRegexp(
      'outdatedAlarmThreshold is 3 days, shorter than the longest time every maintenance window is closed \\(6 days 20 hours\\)'));
    const { stack: long } = synth((f) => ({ cluster: f.cluster, maintenanceWindows: weekly, outdatedAlarmThreshold: Duration.days(8) }));
    expect(Annotations.fromStack(long).findWarning('*', Match.stringLikeRegexp('outdatedAlarmThreshold'))).toEqual([]);
    const { stack: daily } = synth((f) => ({ cluster: f.cluster, maintenanceWindows: [MaintenanceWindow.cron({ minute: '0', hour: '1' }, Duration.hours(2))] }));
    expect(Annotations.fromStack(daily).findWarning('*', Match.stringLikeRegexp('outdatedAlarmThreshold'))).toEqual([]);
  });

  test('a token in a window is not validated at synth (the engine checks the value it resolves to)', () => {
    const hour = Lazy.string({ produce: () => '99' });
    const { template } = synth((f) => ({ cluster: f.cluster, maintenanceWindows: [MaintenanceWindow.cron({ minute: '0', hour }, Duration.hours(1))] }));
    expect(JSON.stringify(environment(template)[EnvName.MAINTENANCE_WINDOWS])).toContain('0 99 * * ?');
  });
});
