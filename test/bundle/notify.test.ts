/**
 * The built Lambda asset publishes rotation notifications through its bundled SNS client: a group whose
 * rotation was told "started" and is now all on the target image gets its "finished" message (an awsQuery
 * Publish, signed for SNS), then its notification record is removed, under the cluster lease; a topic that
 * refuses the publish is logged and counted, and the run goes on.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { el, FakeAws, queryList, raw, startFakeAws, useFakeAwsEnvironment } from './fake-aws';
import type { RunSummary } from '../../src/lambda/event';
import { Dimension, EnvName, METRIC_NAMESPACE, MetricName, TagKey } from '../../src/shared/constants';
import { encodeNotified, NOTIFIED_TAG } from '../../src/shared/records';

const ASSET = path.join(__dirname, '..', '..', 'assets', 'lambda', 'rotator.lambda', 'index.js');

const ACCOUNT = '111122223333';
const CLUSTER = 'shop';
const CLUSTER_ARN = `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/${CLUSTER}`;
const GROUP = 'shop-asg';
const GROUP_ARN = `arn:aws:autoscaling:us-east-1:${ACCOUNT}:autoScalingGroup:0b5e6f3a-1111-2222-3333-444455556666:autoScalingGroupName/${GROUP}`;
const TEMPLATE_ID = 'lt-0a1b2c3d4e5f60718';
const PARAMETER = '/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id';
const TOPIC_ARN = `arn:aws:sns:us-east-1:${ACCOUNT}:rotations`;
const OLD_AMI = 'ami-0123456789abcdef0';
const NEW_AMI = 'ami-0fedcba9876543210';
const INSTANCES = ['i-00000000000000001', 'i-00000000000000002'];
const containerInstanceArn = (id: string) => `arn:aws:ecs:us-east-1:${ACCOUNT}:container-instance/${CLUSTER}/ci-${id.slice(-2)}`;

/** A group already on the new image whose last notification said "started"; tags kept as AWS would. */
async function startFinishedGroup(options: { readonly publish: boolean }): Promise<{ aws: FakeAws; groupTags: Map<string, string> }> {
  const groupTags = new Map<string, string>([
    [TagKey.CLUSTER, CLUSTER],
    [NOTIFIED_TAG, encodeNotified({ state: 'started', targetImageId: NEW_AMI, fromImageId: OLD_AMI })],
  ]);
  const leaseItems = new Map<string, unknown>();
  const aws = await startFakeAws({
    // The lease item, stored as sent (the conditions are the simulator's to evaluate: test/sim/dynamodb.ts).
    dynamodb: {
      PutItem: (params) => {
        leaseItems.set(params.Item.cluster.S, params.Item);
        return {};
      },
      DeleteItem: (params) => {
        leaseItems.delete(params.Key.cluster.S);
        return {};
      },
      GetItem: (params) => (leaseItems.has(params.Key.cluster.S) ? { Item: leaseItems.get(params.Key.cluster.S) } : {}),
    },
    ecs: {
      DescribeClusters: () => ({
        clusters: [{
          clusterArn: CLUSTER_ARN,
          clusterName: CLUSTER,
          status: 'ACTIVE',
          capacityProviders: [],
          tags: [],
        }],
        failures: [],
      }),
      ListContainerInstances: () => ({ containerInstanceArns: INSTANCES.map(containerInstanceArn) }),
      DescribeContainerInstances: () => ({
        containerInstances: INSTANCES.map((id) => ({
          containerInstanceArn: containerInstanceArn(id),
          ec2InstanceId: id,
          status: 'ACTIVE',
          agentConnected: true,
          runningTasksCount: 1,
          pendingTasksCount: 0,
          attributes: [{ name: 'ecs.ami-id', value: NEW_AMI }],
          registeredAt: 1717286400,
        })),
        failures: [],
      }),
    },
    ssm: {
      GetParameters: (params) => ({
        Parameters: [{ Name: PARAMETER, Type: 'String', Value: NEW_AMI, Version: 42, DataType: 'aws:ec2:image', ARN: `arn:aws:ssm:us-east-1::parameter${PARAMETER}` }],
        InvalidParameters: (params.Names as string[]).filter((n) => n !== PARAMETER),
      }),
    },
    autoscaling: {
      DescribeInstanceRefreshes: () => raw('InstanceRefreshes'),
      DescribeAutoScalingGroups: () => raw('AutoScalingGroups', raw('member',
        el('AutoScalingGroupName', GROUP), el('AutoScalingGroupARN', GROUP_ARN),
        raw('LaunchTemplate', el('LaunchTemplateId', TEMPLATE_ID), el('LaunchTemplateName', 'shop-lt'), el('Version', '4')),
        el('MinSize', 0), el('MaxSize', 4), el('DesiredCapacity', 2),
        raw('Instances', ...INSTANCES.map((id) => raw('member',
          el('InstanceId', id), el('AvailabilityZone', 'us-east-1a'), el('LifecycleState', 'InService'),
          el('HealthStatus', 'Healthy'), el('ProtectedFromScaleIn', false)))),
        raw('Tags', ...[...groupTags].map(([key, value]) => raw('member',
          el('ResourceId', GROUP), el('ResourceType', 'auto-scaling-group'), el('Key', key), el('Value', value), el('PropagateAtLaunch', false)))),
      )),
      DeleteTags: (form) => {
        for (let i = 1; form[`Tags.member.${i}.Key`] !== undefined; i++) groupTags.delete(form[`Tags.member.${i}.Key`]);
        return '';
      },
    },
    ec2: {
      DescribeLaunchTemplateVersions: () => raw('launchTemplateVersionSet', raw('item',
        el('launchTemplateId', TEMPLATE_ID), el('launchTemplateName', 'shop-lt'), el('versionNumber', 4),
        el('defaultVersion', false), raw('launchTemplateData', el('imageId', NEW_AMI), el('instanceType', 't3.large')),
      )),
      DescribeImages: (form) => raw('imagesSet', ...queryList(form, 'Filter.1.Value').filter((id) => id === NEW_AMI).map((id) => raw('item',
        el('imageId', id), el('imageState', 'available'), el('name', 'al2023-ami-ecs-hvm-2023.0.20240601-kernel-6.1-x86_64'),
        el('architecture', 'x86_64'), el('platformDetails', 'Linux/UNIX'), el('creationDate', '2024-06-02T00:00:00.000Z'), el('imageOwnerAlias', 'amazon'),
      ))),
    },
    // Without a Publish route the fake answers 400 InvalidAction, as a topic refusing the call would.
    ...(options.publish ? { sns: { Publish: () => el('MessageId', '5b6c7d8e-0000-1111-2222-333344445555') } } : {}),
  });
  return { aws, groupTags };
}

function loadAsset(): { handler: (event: unknown) => Promise<RunSummary> } {
  if (!existsSync(ASSET)) throw new Error(`the bundled rotator ${path.relative(process.cwd(), ASSET)} is missing: run npx projen bundle`);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(ASSET);
}

/** JSON lines written to stdout and stderr (Powertools writes ERROR records to stderr). */
function outputLines(...spies: jest.SpyInstance[]): Array<Record<string, any>> {
  return spies.flatMap((spy) => spy.mock.calls).flatMap(([chunk]) => String(chunk).split('\n'))
    .filter((l) => l.trim().startsWith('{')).map((l) => JSON.parse(l));
}

describe('the bundled rotator with a notification topic', () => {
  const savedEnv = { ...process.env };
  let stdout: jest.SpyInstance;
  let stderr: jest.SpyInstance;

  function configure(url: string): void {
    useFakeAwsEnvironment(url, {
      [EnvName.CLUSTER_NAME]: CLUSTER,
      [EnvName.GROUP_NAMES]: JSON.stringify([GROUP]),
      [EnvName.DISCOVER_GROUPS]: 'false',
      [EnvName.AMI_PARAMETERS]: JSON.stringify({ 'amazon-linux-2023/x86_64': PARAMETER }),
      [EnvName.NOTIFICATION_TOPIC_ARN]: TOPIC_ARN,
    });
    stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  }

  afterEach(() => {
    stdout?.mockRestore();
    stderr?.mockRestore();
    for (const name of Object.keys(process.env)) if (!(name in savedEnv)) delete process.env[name];
    Object.assign(process.env, savedEnv);
  });

  test('publishes "finished" to the topic (signed for SNS), then removes the record; the next run publishes nothing', async () => {
    const { aws, groupTags } = await startFinishedGroup({ publish: true });
    try {
      configure(aws.url);
      const summary = await loadAsset().handler({});
      expect(summary.actions).toEqual([{ kind: 'notify', group: GROUP, ok: true }]);
      expect(summary.rounds).toBe(1);

      const writes = aws.calls.filter((c) => !/^(Describe|List|Get)/.test(c.action)).map((c) => `${c.service}:${c.action}`);
      expect(writes).toEqual(['dynamodb:PutItem', 'sns:Publish', 'autoscaling:DeleteTags', 'dynamodb:DeleteItem']);
      // The lease: a conditional put on the cluster's item of its lease table, signed for DynamoDB.
      const take = aws.calls.find((c) => c.action === 'PutItem')!;
      expect(take.signedFor).toBe('us-east-1/dynamodb');
      expect(take.params).toMatchObject({
        TableName: `ecs-ami-refresher-lease.${CLUSTER}`,
        Item: { cluster: { S: CLUSTER }, owner: { S: expect.any(String) }, expiresAt: { N: expect.stringMatching(/^\d+$/) } },
        ConditionExpression: 'attribute_not_exists(#o) OR #e < :now OR #o = :me',
      });
      const publish = aws.calls.find((c) => c.action === 'Publish')!;
      expect(publish.signedFor).toBe('us-east-1/sns');
      expect(publish.params).toMatchObject({ TopicArn: TOPIC_ARN, Subject: `ecs-ami-refresher: ${CLUSTER}/${GROUP} rotation finished` });
      expect(JSON.parse(String(publish.params.Message))).toEqual({
        summary: `AMI rotation of Auto Scaling group ${GROUP} (ECS cluster ${CLUSTER}) ${OLD_AMI} -> ${NEW_AMI} finished. 2 instance(s): 2 on ${NEW_AMI}, 0 outdated.`,
        event: 'finished',
        cluster: CLUSTER,
        autoScalingGroup: GROUP,
        fromImageId: OLD_AMI,
        toImageId: NEW_AMI,
        instances: { total: 2, upToDate: 2, outdated: 0 },
        at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      });
      expect(aws.calls.find((c) => c.action === 'DeleteTags')!.params).toMatchObject({ 'Tags.member.1.Key': NOTIFIED_TAG, 'Tags.member.1.ResourceId': GROUP });
      expect(groupTags.has(NOTIFIED_TAG)).toBe(false);
      expect(outputLines(stdout, stderr)).toContainEqual(expect.objectContaining({ message: 'did notify', autoScalingGroup: GROUP, cluster: CLUSTER }));

      // Told once: the next run only observes (no lease, no publish).
      aws.calls.length = 0;
      await loadAsset().handler({});
      expect(aws.calls.filter((c) => !/^(Describe|List|Get)/.test(c.action))).toEqual([]);
    } finally {
      await aws.close();
    }
  });

  test('a refused publish is logged and counted in ActionFailures; the record stays for the next run to try again', async () => {
    const { aws, groupTags } = await startFinishedGroup({ publish: false });
    try {
      configure(aws.url);
      const summary = await loadAsset().handler({});
      expect(summary.actions).toEqual([expect.objectContaining({ kind: 'notify', group: GROUP, ok: false, error: expect.stringContaining('InvalidAction') })]);
      // One attempt a run: a notification alone keeps no run going, so the next run tries again, not the next round.
      expect(summary.rounds).toBe(1);
      expect(aws.calls.filter((c) => c.action === 'Publish')).toHaveLength(1);
      expect(aws.calls.filter((c) => c.action === 'DeleteTags')).toEqual([]);
      expect(groupTags.has(NOTIFIED_TAG)).toBe(true);
      const lines = outputLines(stdout, stderr);
      expect(lines).toContainEqual(expect.objectContaining({ level: 'ERROR', message: 'failed notify', autoScalingGroup: GROUP }));
      const clusterEmf = lines.filter((l) => l._aws?.CloudWatchMetrics?.[0]?.Namespace === METRIC_NAMESPACE
        && JSON.stringify(l._aws.CloudWatchMetrics[0].Dimensions) === JSON.stringify([[Dimension.CLUSTER]]) && MetricName.ACTION_FAILURES in l);
      expect(clusterEmf.map((l) => l[MetricName.ACTION_FAILURES])).toEqual([1]);
      // The lease was given back all the same.
      expect(aws.calls.filter((c) => c.action === 'DeleteItem').map((c) => c.params)).toEqual([expect.objectContaining({
        TableName: `ecs-ami-refresher-lease.${CLUSTER}`, Key: { cluster: { S: CLUSTER } }, ConditionExpression: '#o = :me',
      })]);
    } finally {
      await aws.close();
    }
  });
});
