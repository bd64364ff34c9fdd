/**
 * The built Lambda asset (assets/lambda/rotator.lambda/index.js, made by `npx projen bundle`), loaded as
 * the Lambda runtime loads it and invoked against a fake AWS on 127.0.0.1. This catches what tests of
 * the TypeScript cannot: a bundling mistake, an SDK client that does not serialize or parse in the
 * bundle, a Powertools logger or metrics set-up that prints nothing, or prints the wrong dimensions.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { el, FakeAws, queryList, raw, startFakeAws, useFakeAwsEnvironment } from './fake-aws';
import type { RunSummary } from '../../src/lambda/event';
import { Dimension, EnvName, METRIC_NAMESPACE, MetricName, TagKey } from '../../src/shared/constants';

const ASSET = path.join(__dirname, '..', '..', 'assets', 'lambda', 'rotator.lambda', 'index.js');

const ACCOUNT = '111122223333';
const CLUSTER = 'shop';
const CLUSTER_ARN = `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/${CLUSTER}`;
const PROVIDER = 'shop-cp';
const GROUP = 'shop-asg';
const GROUP_ARN = `arn:aws:autoscaling:us-east-1:${ACCOUNT}:autoScalingGroup:0b5e6f3a-1111-2222-3333-444455556666:autoScalingGroupName/${GROUP}`;
const TEMPLATE_ID = 'lt-0a1b2c3d4e5f60718';
const PARAMETER = '/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id';

const OLD_AMI = 'ami-0123456789abcdef0';
const NEW_AMI = 'ami-0fedcba9876543210';
const IMAGES: Record<string, { name: string; created: string }> = {
  [OLD_AMI]: { name: 'al2023-ami-ecs-hvm-2023.0.20240101-kernel-6.1-x86_64', created: '2024-01-02T00:00:00.000Z' },
  [NEW_AMI]: { name: 'al2023-ami-ecs-hvm-2023.0.20240601-kernel-6.1-x86_64', created: '2024-06-02T00:00:00.000Z' },
};
/** EC2 id -> image; i-...01 and i-...02 are outdated, i-...03 is already on the new image. */
const INSTANCES: Record<string, string> = {
  'i-00000000000000001': OLD_AMI,
  'i-00000000000000002': OLD_AMI,
  'i-00000000000000003': NEW_AMI,
};
const containerInstanceArn = (id: string) => `arn:aws:ecs:us-east-1:${ACCOUNT}:container-instance/${CLUSTER}/ci-${id.slice(-2)}`;

/**
 * The cluster, served in each service's wire format: by default two instances behind (INSTANCES), or as
 * given, with the template on `templateImage`, the group on version 3 of it or as given (`$Default`: version 3
 * is the default).
 */
function startShopCluster(instances: Record<string, string> = INSTANCES, templateImage = OLD_AMI, templateVersion = '3'): Promise<FakeAws> {
  return startFakeAws({
    ecs: {
      DescribeClusters: () => ({
        clusters: [{
          clusterArn: CLUSTER_ARN,
          clusterName: CLUSTER,
          status: 'ACTIVE',
          capacityProviders: [PROVIDER, 'FARGATE'],
          registeredContainerInstancesCount: Object.keys(instances).length,
        }],
        failures: [],
      }),
      DescribeCapacityProviders: () => ({
        capacityProviders: [{
          capacityProviderArn: `arn:aws:ecs:us-east-1:${ACCOUNT}:capacity-provider/${PROVIDER}`,
          name: PROVIDER,
          status: 'ACTIVE',
          autoScalingGroupProvider: { autoScalingGroupArn: GROUP_ARN, managedTerminationProtection: 'DISABLED' },
        }],
        failures: [],
      }),
      // The idle shortcut's two listings, answered from the instances: none is DRAINING, and the query
      // (checked by the test that sends it) asks for those on another image than the parameter's.
      ListContainerInstances: (params) => ({
        containerInstanceArns: Object.keys(instances)
          .filter(() => params.status === undefined || params.status === 'ACTIVE')
          .filter((id) => params.filter === undefined || instances[id] !== NEW_AMI)
          .map(containerInstanceArn),
      }),
      DescribeContainerInstances: (params) => ({
        containerInstances: Object.entries(instances)
          .filter(([id]) => (params.containerInstances as string[]).includes(containerInstanceArn(id)))
          .map(([id, ami], i) => ({
            containerInstanceArn: containerInstanceArn(id),
            ec2InstanceId: id,
            status: 'ACTIVE',
            agentConnected: true,
            runningTasksCount: i + 1,
            pendingTasksCount: 0,
            attributes: [{ name: 'ecs.ami-id', value: ami }],
            registeredAt: 1704153600, // JSON 1.1 timestamps are epoch seconds
          })),
        failures: [],
      }),
    },
    ssm: {
      GetParameters: (params) => ({
        Parameters: (params.Names as string[]).filter((n) => n === PARAMETER).map((n) => ({
          Name: n,
          Type: 'String',
          Value: NEW_AMI,
          Version: 42,
          DataType: 'aws:ec2:image',
          ARN: `arn:aws:ssm:us-east-1::parameter${n}`,
        })),
        InvalidParameters: (params.Names as string[]).filter((n) => n !== PARAMETER),
      }),
    },
    autoscaling: {
      // No instance refresh was ever started on the group.
      DescribeInstanceRefreshes: () => raw('InstanceRefreshes'),
      // Nor any lifecycle hook (its capacity provider's managed draining is off).
      DescribeLifecycleHooks: () => raw('LifecycleHooks'),
      DescribeAutoScalingGroups: () => raw('AutoScalingGroups', raw('member',
        el('AutoScalingGroupName', GROUP),
        el('AutoScalingGroupARN', GROUP_ARN),
        raw('LaunchTemplate', el('LaunchTemplateId', TEMPLATE_ID), el('LaunchTemplateName', 'shop-lt'), el('Version', templateVersion)),
        el('MinSize', 0), el('MaxSize', 6), el('DesiredCapacity', 3),
        raw('Instances', ...Object.keys(instances).map((id) => raw('member',
          el('InstanceId', id), el('AvailabilityZone', 'us-east-1a'), el('LifecycleState', 'InService'),
          el('HealthStatus', 'Healthy'), el('ProtectedFromScaleIn', false)))),
        raw('Tags', raw('member',
          el('ResourceId', GROUP), el('ResourceType', 'auto-scaling-group'),
          el('Key', TagKey.CLUSTER), el('Value', CLUSTER), el('PropagateAtLaunch', true))),
      )),
    },
    ec2: {
      DescribeLaunchTemplateVersions: () => raw('launchTemplateVersionSet', raw('item',
        el('launchTemplateId', TEMPLATE_ID), el('launchTemplateName', 'shop-lt'), el('versionNumber', 3),
        el('defaultVersion', templateVersion === '$Default'), raw('launchTemplateData', el('imageId', templateImage), el('instanceType', 't3.large')),
      )),
      DescribeImages: (form) => raw('imagesSet', ...queryList(form, 'Filter.1.Value').filter((id) => IMAGES[id]).map((id) => raw('item',
        el('imageId', id), el('imageState', 'available'), el('name', IMAGES[id].name), el('architecture', 'x86_64'),
        el('platformDetails', 'Linux/UNIX'), el('creationDate', IMAGES[id].created), el('imageOwnerAlias', 'amazon'),
      ))),
      DescribeInstances: (form) => raw('reservationSet', raw('item',
        el('reservationId', 'r-0123456789abcdef0'),
        raw('instancesSet', ...queryList(form, 'Filter.1.Value').filter((id) => instances[id]).map((id) => raw('item',
          el('instanceId', id), el('imageId', instances[id]), raw('instanceState', el('code', 16), el('name', 'running')),
          el('launchTime', '2024-01-03T00:00:00.000Z'),
          raw('tagSet', raw('item', el('key', 'aws:autoscaling:groupName'), el('value', GROUP))),
        ))),
      )),
    },
  });
}

type Asset = { handler: (event: unknown) => Promise<RunSummary> };

/** Loads the built asset as the Lambda runtime does (CommonJS, `index.handler`). */
function loadAsset(): Asset {
  if (!existsSync(ASSET)) {
    throw new Error(`the bundled rotator ${path.relative(process.cwd(), ASSET)} is missing: run npx projen bundle`);
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(ASSET);
}

/** The asset in a module registry of its own: a function started afresh (nothing kept from other tests). */
function loadFreshAsset(): Asset {
  let asset: Asset | undefined;
  jest.isolateModules(() => {
    asset = loadAsset();
  });
  return asset!;
}

const SCHEDULED = { 'source': 'aws.events', 'detail-type': 'Scheduled Event', 'detail': {} };

/** Everything written to stdout, one parsed JSON value per line (non-JSON lines kept as strings). */
function stdoutLines(spy: jest.SpyInstance): unknown[] {
  return spy.mock.calls
    .flatMap(([chunk]) => String(chunk).split('\n'))
    .filter((line) => line.trim() !== '')
    .map((line) => {
      try {
        return JSON.parse(line) as unknown;
      } catch {
        return line;
      }
    });
}

interface Emf {
  _aws: { CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string; Unit: string }> }> };
  [key: string]: unknown;
}

function isEmf(line: unknown): line is Emf {
  return typeof line === 'object' && line !== null && '_aws' in line;
}

const ENGINE_ENVIRONMENT = {
  [EnvName.CLUSTER_NAME]: CLUSTER,
  [EnvName.AMI_PARAMETERS]: JSON.stringify({ 'amazon-linux-2023/x86_64': PARAMETER }),
  [EnvName.REQUIRE_CLUSTER_TAG]: 'true',
  [EnvName.DRY_RUN]: 'true',
};

describe('the bundled rotator asset', () => {
  const savedEnv = { ...process.env };
  let aws: FakeAws;
  let stdout: jest.SpyInstance;

  beforeAll(async () => {
    aws = await startShopCluster();
  });

  afterAll(async () => {
    await aws.close();
  });

  beforeEach(() => {
    aws.calls.length = 0;
    useFakeAwsEnvironment(aws.url, ENGINE_ENVIRONMENT);
    // Powertools (outside Lambda, POWERTOOLS_DEV unset) logs and publishes EMF through its own
    // `new Console({ stdout: process.stdout })`, not the global console: stdout is where to listen.
    stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  });

  afterEach(() => {
    stdout.mockRestore();
    for (const name of Object.keys(process.env)) if (!(name in savedEnv)) delete process.env[name];
    Object.assign(process.env, savedEnv);
  });

  test('exports the handler the function is configured with (index.handler)', () => {
    expect(typeof loadAsset().handler).toBe('function');
  });

  test('observes the cluster through the bundled SDK clients and reports the outdated group', async () => {
    const summary = await loadAsset().handler(SCHEDULED);
    const output = stdoutLines(stdout);
    stdout.mockRestore();

    // The summary the function returns.
    expect(summary).toMatchObject({
      cluster: CLUSTER,
      dryRun: true,
      groups: [{ name: GROUP, status: 'outdated', targetImageId: NEW_AMI, outdatedInstances: 2 }],
      totals: { outdatedInstances: 2, upToDateInstances: 1, refusedGroups: 0, unobservedGroups: 0 },
    });
    expect(summary.totals.oldestOutdatedAgeSeconds).toBeGreaterThan(0);

    // Every read, in order, of the service that serves it, signed for that service in the configured region.
    expect(aws.calls.map((c) => `${c.service}:${c.action}`)).toEqual([
      'ecs:DescribeClusters',
      'ecs:DescribeCapacityProviders',
      'autoscaling:DescribeAutoScalingGroups',
      'ec2:DescribeLaunchTemplateVersions',
      'ecs:ListContainerInstances',
      'ecs:DescribeContainerInstances',
      // The images the group and its instances run: each registered instance's agent reports its image
      // (ecs.ami-id), so no DescribeInstances is needed.
      'ec2:DescribeImages',
      'ssm:GetParameters',
      // The group has outdated instances, so the engine checks nothing else is replacing them.
      'autoscaling:DescribeInstanceRefreshes',
      // And which lifecycle hooks would hold its instances.
      'autoscaling:DescribeLifecycleHooks',
      // The target, read afresh because the group may act on it this round.
      'ec2:DescribeImages',
    ]);
    for (const call of aws.calls) expect(call.signedFor).toBe(`us-east-1/${call.service}`);
    const params = (action: string) => aws.calls.filter((c) => c.action === action).map((c) => c.params);
    expect(params('DescribeClusters')).toEqual([{ clusters: [CLUSTER], include: ['TAGS'] }]);
    // Fargate providers are never described: they are not Auto Scaling group providers.
    expect(params('DescribeCapacityProviders')).toEqual([{ capacityProviders: [PROVIDER] }]);
    expect(params('DescribeAutoScalingGroups')).toEqual([expect.objectContaining({ 'AutoScalingGroupNames.member.1': GROUP })]);
    expect(params('DescribeLaunchTemplateVersions')).toEqual([
      expect.objectContaining({ 'LaunchTemplateId': TEMPLATE_ID, 'LaunchTemplateVersion.1': '3' }),
    ]);
    expect(params('GetParameters')).toEqual([{ Names: [PARAMETER] }]);
    expect(params('ListContainerInstances')).toEqual([{ cluster: CLUSTER_ARN, maxResults: 100 }]);
    // Every member is registered and its agent reported its image: no instance is described.
    expect(params('DescribeInstances')).toEqual([]);
    // What the instances run (one already on the newer image), then the target afresh.
    expect(params('DescribeImages').map((p) => queryList(p as Record<string, string>, 'Filter.1.Value'))).toEqual([[OLD_AMI, NEW_AMI], [NEW_AMI]]);
    expect(params('DescribeImages')).toEqual([
      expect.objectContaining({ IncludeDeprecated: 'true' }),
      expect.objectContaining({ IncludeDeprecated: 'true' }),
    ]);

    // Structured JSON log lines, the cluster on every one and the group on the group's.
    const logs = output.filter((line): line is Record<string, unknown> => typeof line === 'object' && line !== null && !isEmf(line));
    expect(logs.length).toBeGreaterThanOrEqual(2);
    for (const log of logs) {
      expect(log).toMatchObject({ service: 'ecs-ami-refresher', cluster: CLUSTER, level: expect.any(String), timestamp: expect.any(String) });
    }
    expect(logs).toContainEqual(expect.objectContaining({
      level: 'INFO',
      message: 'group has instances to replace',
      autoScalingGroup: GROUP,
      status: 'outdated',
      family: 'amazon-linux-2023',
      architecture: 'x86_64',
      currentImageId: OLD_AMI,
      targetImageId: NEW_AMI,
      updateLaunchSource: true,
      outdated: [
        { instanceId: 'i-00000000000000001', imageId: OLD_AMI, runningTasks: 1 },
        { instanceId: 'i-00000000000000002', imageId: OLD_AMI, runningTasks: 2 },
      ],
    }));
    expect(logs).toContainEqual(expect.objectContaining({ message: 'run finished', summary }));
    expect(output.filter((line) => typeof line === 'string')).toEqual([]);

    // EMF: one blob with only the cluster dimension (what the alarms watch), one per group, and the run's
    // heartbeat (cluster dimension only) once the run completed, last.
    const emf = output.filter(isEmf);
    const withDimensions = (dimensions: string[]) => emf.filter((blob) =>
      blob._aws.CloudWatchMetrics.some((m) => m.Namespace === METRIC_NAMESPACE && m.Dimensions.some((d) => sameSet(d, dimensions))));
    const cluster = withDimensions([Dimension.CLUSTER]);
    expect(cluster).toHaveLength(2);
    expect(cluster[1]).toMatchObject({ [Dimension.CLUSTER]: CLUSTER, [MetricName.RUNS_COMPLETED]: 1 });
    expect(cluster[1]._aws.CloudWatchMetrics[0].Metrics).toEqual([{ Name: MetricName.RUNS_COMPLETED, Unit: 'Count' }]);
    expect(emf[emf.length - 1]).toBe(cluster[1]);
    expect(cluster[0]).not.toHaveProperty(MetricName.RUNS_COMPLETED);
    expect(cluster[0]._aws.CloudWatchMetrics[0].Dimensions).toEqual([[Dimension.CLUSTER]]);
    expect(cluster[0]).toMatchObject({
      [Dimension.CLUSTER]: CLUSTER,
      [MetricName.OUTDATED_INSTANCES]: 2,
      [MetricName.UP_TO_DATE_INSTANCES]: 1,
      [MetricName.GROUPS_REFUSED]: 0,
      [MetricName.OBSERVE_FAILURES]: 0,
      [MetricName.UNMANAGED_INSTANCES]: 0,
    });
    expect(cluster[0]._aws.CloudWatchMetrics[0].Metrics).toContainEqual({ Name: MetricName.OUTDATED_INSTANCES, Unit: 'Count' });
    const group = withDimensions([Dimension.CLUSTER, Dimension.GROUP]);
    expect(group).toHaveLength(1);
    expect(group[0]._aws.CloudWatchMetrics[0].Dimensions).toEqual([[Dimension.CLUSTER, Dimension.GROUP]]);
    expect(group[0]).toMatchObject({ [Dimension.GROUP]: GROUP, [MetricName.OUTDATED_INSTANCES]: 2, [MetricName.UP_TO_DATE_INSTANCES]: 1 });
    expect(emf).toHaveLength(3);
  });

  // Pinned to version 3, the group's template cannot have changed since the first run read it; on $Default one
  // call, for every such template at once, confirms the default version is still the one read.
  test.each([
    ['pinned to a version: five calls', '3', []],
    ['on $Default: six calls', '$Default', [{ 'LaunchTemplateVersion.1': '$Default', 'Filter.1.Name': 'image-id', 'Filter.1.Value.1': NEW_AMI, 'MaxResults': '200' }]],
  ])('a warm function confirms an idle cluster after its first full read, the group %s', async (_name, version, templateReads) => {
    const idleInstances = Object.fromEntries(Object.keys(INSTANCES).map((id) => [id, NEW_AMI]));
    const idle = await startShopCluster(idleInstances, NEW_AMI, version);
    try {
      // As the construct configures it when the app declares the cluster's capacity provider.
      useFakeAwsEnvironment(idle.url, { ...ENGINE_ENVIRONMENT, [EnvName.CAPACITY_PROVIDER_GROUPS]: JSON.stringify({ [PROVIDER]: GROUP }) });
      const { handler } = loadFreshAsset();
      const first = await handler(SCHEDULED);
      expect(first).toMatchObject({ settled: true, totals: { outdatedInstances: 0, upToDateInstances: 3 } });
      expect(idle.calls.map((c) => c.action)).toContain('DescribeContainerInstances');
      idle.calls.length = 0;

      const second = await handler(SCHEDULED);
      expect(second).toEqual({ ...first, actions: [] });
      expect(idle.calls.map((c) => `${c.service}:${c.action}`)).toEqual([
        'ecs:DescribeClusters',
        'autoscaling:DescribeAutoScalingGroups',
        ...templateReads.map(() => 'ec2:DescribeLaunchTemplateVersions'),
        'ssm:GetParameters',
        'ecs:ListContainerInstances',
        'ecs:ListContainerInstances',
      ]);
      expect(idle.calls.filter((c) => c.action === 'ListContainerInstances').map((c) => c.params)).toEqual([
        {
          cluster: CLUSTER_ARN,
          filter: `attribute:ecs.ami-id !exists or attribute:ecs.ami-id not_in [${NEW_AMI}] or attribute:ecs-ami-refresher.phase exists`
            + ' or attribute:ecs-ami-refresher.cordoned exists',
          maxResults: 100,
        },
        { cluster: CLUSTER_ARN, status: 'DRAINING', maxResults: 100 },
      ]);
      const wire = idle.calls.filter((c) => c.action === 'DescribeLaunchTemplateVersions').map((c) => c.params);
      expect(wire).toEqual(templateReads.map((read) => expect.objectContaining(read)));
      for (const params of wire) expect(params).not.toHaveProperty('LaunchTemplateId');

      // A manual invocation reads everything.
      idle.calls.length = 0;
      await handler({});
      expect(idle.calls.map((c) => c.action)).toContain('DescribeContainerInstances');
    } finally {
      await idle.close();
    }
  });

  test('refuses a malformed event before any AWS call, naming the field', async () => {
    const { handler } = loadAsset();
    await expect(handler({ forse: true })).rejects.toMatchObject({
      name: 'EventError',
      message: expect.stringMatching(/unknown field\(s\) forse\b.*accepts only: force/),
    });
    await expect(handler({ force: 'yes' })).rejects.toThrow(/'force' is "yes"/);
    expect(aws.calls).toEqual([]);
  });
});

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}
