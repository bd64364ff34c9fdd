/**
 * The construct's notification topic (environment, the role's sns:Publish and KMS statements, what it refuses)
 * and its opt-in dashboard (widgets and metrics read from the synthesized body).
 */
import { Aspects, Lazy, Stack, aws_kms as kms, aws_sns as sns } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { environment, Fixture, fixture, policyStatements, render, synth as synthFull } from './fixtures';
import { EcsAmiRefresher, EcsAmiRefresherProps } from '../../src';
import { groupSearch } from '../../src/construct/dashboard';
import { Dimension, EnvName, METRIC_NAMESPACE, MetricName } from '../../src/shared/constants';
import { NOTIFIED_TAG } from '../../src/shared/records';

/** The refresher on the fixture's cluster with these props besides. */
function synth(props: (f: Fixture) => Omit<EcsAmiRefresherProps, 'cluster'>, f: Fixture = fixture()) {
  return synthFull((x) => ({ cluster: x.cluster, ...props(x) }), f);
}

const statementsWith = (template: Template, sid: string) => policyStatements(template).filter((s) => s.Sid === sid);
const tagKeys = (template: Template) => policyStatements(template).find((s) => s.Sid === 'TagTaggedGroups').Condition['ForAllValues:StringEquals']['aws:TagKeys'];

interface Widget {
  readonly type: string;
  readonly width: number;
  readonly properties: { readonly title: string; readonly metrics?: unknown[][]; readonly alarms?: string[] };
}

function dashboardBody(template: Template): { widgets: Widget[] } {
  const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
  return JSON.parse(render(dashboard.Properties.DashboardBody));
}

/** Each metric line of a widget: a SEARCH expression, or `namespace/name/statistic`. */
function lines(widget: Widget): string[] {
  return (widget.properties.metrics ?? []).map((m) => {
    const last = m[m.length - 1] as Record<string, unknown>;
    if (typeof last === 'object' && last !== null && 'expression' in last) return String(last.expression);
    // The dashboard leaves out the default statistic, Average.
    return `${String(m[0])}/${String(m[1])}/${String(last.stat ?? 'Average')}`;
  });
}

describe('defaults', () => {
  const { template, refresher } = synth(() => ({}));

  test('notificationTopic: none, so nothing is published, no sns permission and no notification tag', () => {
    expect(environment(template)[EnvName.NOTIFICATION_TOPIC_ARN]).toBeUndefined();
    expect(policyStatements(template).flatMap((s) => [s.Action].flat()).filter((a: string) => a.startsWith('sns:') || a.startsWith('kms:'))).toEqual([]);
    expect(tagKeys(template)).not.toContain(NOTIFIED_TAG);
  });

  test('dashboard: false, so no dashboard resource and `dashboard` is undefined', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    expect(refresher.dashboard).toBeUndefined();
  });

  test('dashboardName: CloudFormation generates one (no DashboardName property)', () => {
    const { template: t } = synth(() => ({ dashboard: true }));
    const [dashboard] = Object.values(t.findResources('AWS::CloudWatch::Dashboard'));
    expect(dashboard.Properties.DashboardName).toBeUndefined();
  });
});

describe('notificationTopic', () => {
  test('the topic ARN reaches the engine; the role may publish to that topic only, and write its notification tag', () => {
    const f = fixture();
    const topic = new sns.Topic(f.stack, 'Topic');
    const { template } = synth(() => ({ notificationTopic: topic }), f);
    expect(environment(template)[EnvName.NOTIFICATION_TOPIC_ARN]).toEqual({ Ref: expect.stringMatching(/^Topic/) });
    const publish = statementsWith(template, 'PublishNotifications');
    expect(publish).toEqual([{ Sid: 'PublishNotifications', Effect: 'Allow', Action: 'sns:Publish', Resource: { Ref: expect.stringMatching(/^Topic/) } }]);
    expect(policyStatements(template).filter((s) => [s.Action].flat().includes('sns:Publish'))).toHaveLength(1);
    expect(tagKeys(template)).toContain(NOTIFIED_TAG);
    // Not encrypted: no KMS statement.
    expect(statementsWith(template, 'EncryptNotifications')).toEqual([]);
  });

  test('a topic encrypted with a customer managed key: GenerateDataKey and Decrypt on that key only', () => {
    const f = fixture();
    const key = new kms.Key(f.stack, 'Key');
    const topic = new sns.Topic(f.stack, 'Topic', { masterKey: key });
    const { template } = synth(() => ({ notificationTopic: topic }), f);
    expect(statementsWith(template, 'EncryptNotifications')).toEqual([{
      Sid: 'EncryptNotifications',
      Effect: 'Allow',
      Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
      Resource: { 'Fn::GetAtt': [expect.stringMatching(/^Key/), 'Arn'] },
    }]);
  });

  test('a topic encrypted with the AWS managed key (alias/aws/sns): no KMS statement (its key policy allows SNS use)', () => {
    const f = fixture();
    const topic = new sns.Topic(f.stack, 'Topic', { masterKey: kms.Alias.fromAliasName(f.stack, 'Managed', 'alias/aws/sns') });
    const { template } = synth(() => ({ notificationTopic: topic }), f);
    expect(statementsWith(template, 'EncryptNotifications')).toEqual([]);
    expect(statementsWith(template, 'PublishNotifications')).toHaveLength(1);
  });

  test('an imported topic: sns:Publish on its ARN as given', () => {
    const f = fixture();
    const arn = 'arn:aws:sns:eu-west-1:111111111111:platform-alerts';
    const { template } = synth((g) => ({ notificationTopic: sns.Topic.fromTopicArn(g.stack, 'Alerts', arn) }), f);
    expect(environment(template)[EnvName.NOTIFICATION_TOPIC_ARN]).toBe(arn);
    expect(statementsWith(template, 'PublishNotifications')[0].Resource).toBe(arn);
  });

  test('a FIFO topic is refused at synth', () => {
    const f = fixture();
    const topic = new sns.Topic(f.stack, 'Topic', { fifo: true, topicName: 'rotations' });
    expect(() => new EcsAmiRefresher(f.stack, 'Refresher', { cluster: f.cluster, notificationTopic: topic }))
      .toThrow(/notificationTopic is the FIFO topic Test\/Topic; it must be a standard topic/);
  });

  test('the topic is not made an alarm action: the rotation-stopped alarm would repeat the "stopped" message', () => {
    const f = fixture();
    const { template } = synth(() => ({ notificationTopic: new sns.Topic(f.stack, 'Topic') }), f);
    for (const alarm of Object.values(template.findResources('AWS::CloudWatch::Alarm'))) expect(alarm.Properties.AlarmActions).toBeUndefined();
  });
});

describe('dashboard', () => {
  const { template, refresher, stack, cluster } = synth(() => ({ dashboard: true, dashboardName: 'prod-ami-refresher' }));
  const body = dashboardBody(template);
  // The cluster's name is a Ref (rendered `${LogicalId}`), resolved by CloudFormation to 'prod'.
  const clusterName = `\${${stack.getLogicalId(cluster.node.defaultChild as never)}}`;
  const byTitle = (pattern: RegExp) => {
    const found = body.widgets.filter((w) => pattern.test(w.properties.title));
    expect(found).toHaveLength(1);
    return found[0];
  };

  test('one dashboard, named as given, exposed as `dashboard`; CDK warns of nothing (the SEARCH expressions need no metric)', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue()).filter((w) => w.id.includes('/Refresher/'))).toEqual([]);
    template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'prod-ami-refresher' });
    expect(refresher.dashboard).toBeDefined();
  });

  test('five widgets, in this order: alarms, old vs new per group, drains, drain durations, errors', () => {
    expect(body.widgets.map((w) => w.type)).toEqual(['alarm', 'metric', 'metric', 'metric', 'metric']);
    expect(body.widgets.map((w) => w.properties.title)).toEqual([
      `AMI refresher of ${clusterName}: alarms`,
      'Instances on an older AMI (old) and on the target AMI (new), per group',
      'Drains in progress',
      'Drain duration (from DRAINING to terminated)',
      'Errors',
    ]);
  });

  test('the alarm widget shows every alarm of the construct', () => {
    const widget = byTitle(/alarms$/);
    expect(widget.properties.alarms).toHaveLength(refresher.alarms.length);
    expect(refresher.alarms).toHaveLength(8);
    for (const alarm of refresher.alarms) {
      const id = Stack.of(alarm).getLogicalId(alarm.node.defaultChild as never);
      expect(widget.properties.alarms).toContain(`\${${id}.Arn}`);
    }
  });

  test('old vs new AMI per group: SEARCH over the per-group dimensions of this cluster, for groups discovered at run time', () => {
    expect(lines(byTitle(/per group$/))).toEqual([
      groupSearch(clusterName, MetricName.OUTDATED_INSTANCES, 'Maximum'),
      groupSearch(clusterName, MetricName.UP_TO_DATE_INSTANCES, 'Maximum'),
    ]);
    expect(groupSearch('prod', MetricName.OUTDATED_INSTANCES, 'Maximum')).toBe(
      `SEARCH('{${METRIC_NAMESPACE},${Dimension.GROUP},${Dimension.CLUSTER}} MetricName="OutdatedInstances" ClusterName="prod"', 'Maximum', 300)`);
    // One line per group, labelled with its name.
    const labels = (byTitle(/per group$/).properties.metrics ?? []).map((m) => (m[m.length - 1] as { label?: string }).label);
    expect(labels).toEqual([`old \${PROP('Dim.${Dimension.GROUP}')}`, `new \${PROP('Dim.${Dimension.GROUP}')}`]);
  });

  test('drains in progress: the cluster total and each group', () => {
    expect(lines(byTitle(/^Drains in progress$/))).toEqual([
      `${METRIC_NAMESPACE}/${MetricName.INSTANCES_DRAINING}/Maximum`,
      groupSearch(clusterName, MetricName.INSTANCES_DRAINING, 'Maximum'),
    ]);
  });

  test('drain durations: average and maximum of the new DrainDurationSeconds metric', () => {
    expect(lines(byTitle(/^Drain duration/))).toEqual([
      `${METRIC_NAMESPACE}/${MetricName.DRAIN_DURATION}/Average`,
      `${METRIC_NAMESPACE}/${MetricName.DRAIN_DURATION}/Maximum`,
    ]);
  });

  test('errors: function errors, failed writes, groups not observed, stopped and refused', () => {
    expect(lines(byTitle(/^Errors$/))).toEqual([
      'AWS/Lambda/Errors/Sum',
      `${METRIC_NAMESPACE}/${MetricName.ACTION_FAILURES}/Sum`,
      `${METRIC_NAMESPACE}/${MetricName.OBSERVE_FAILURES}/Maximum`,
      `${METRIC_NAMESPACE}/${MetricName.GROUPS_STOPPED}/Maximum`,
      `${METRIC_NAMESPACE}/${MetricName.GROUPS_REFUSED}/Maximum`,
    ]);
  });

  test('cluster metrics carry only the cluster dimension (the one the engine publishes them with)', () => {
    for (const widget of body.widgets) {
      for (const m of widget.properties.metrics ?? []) {
        if (m[0] !== METRIC_NAMESPACE) continue;
        expect(m.slice(2, -1)).toEqual([Dimension.CLUSTER, clusterName]);
      }
    }
  });
});

describe('dashboard validation', () => {
  test.each([
    [{ dashboardName: 'prod' }, /dashboardName is 'prod' but dashboard is not true/],
    [{ dashboard: false, dashboardName: 'prod' }, /dashboardName is 'prod' but dashboard is not true/],
    [{ dashboard: true, dashboardName: 'has spaces' }, /dashboardName is 'has spaces'; allowed: 1 to 255 letters, digits, '-' and '_'/],
    [{ dashboard: true, dashboardName: 'x'.repeat(256) }, /allowed: 1 to 255 letters/],
  ])('%j is refused at synth', (extra, message) => {
    const f = fixture();
    expect(() => new EcsAmiRefresher(f.stack, 'Refresher', { cluster: f.cluster, ...extra })).toThrow(message);
  });

  test('a token name is not validated at synth', () => {
    const f = fixture();
    expect(() => new EcsAmiRefresher(f.stack, 'Refresher', {
      cluster: f.cluster,
      dashboard: true,
      dashboardName: Lazy.string({ produce: () => 'not valid' }),
    })).not.toThrow();
  });
});

test.each([
  ['a customer managed key', (stack: Stack) => new kms.Key(stack, 'Key', { enableKeyRotation: true })],
  ['an alias of a customer managed key', (stack: Stack) => new kms.Key(stack, 'Key', { enableKeyRotation: true }).addAlias('alias/rotations')],
])('cdk-nag: a topic encrypted with %s and a dashboard leave no unsuppressed finding on the refresher', (_name, masterKey) => {
  const f = fixture();
  const topic = new sns.Topic(f.stack, 'Topic', { masterKey: masterKey(f.stack) });
  new EcsAmiRefresher(f.stack, 'Refresher', { cluster: f.cluster, notificationTopic: topic, dashboard: true });
  Aspects.of(f.stack).add(new AwsSolutionsChecks({ verbose: true }));
  const template = Template.fromStack(f.stack);
  // The statement under check is there.
  expect(statementsWith(template, 'EncryptNotifications')).toHaveLength(1);
  const annotations = Annotations.fromStack(f.stack);
  const findings = [
    ...annotations.findError('*', Match.stringLikeRegexp('AwsSolutions-.*')),
    ...annotations.findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*')),
  ];
  expect(findings.filter((x) => x.id.includes('/Refresher/')).map((x) => `${x.id}: ${String(x.entry.data).split('\n')[0]}`)).toEqual([]);
  // The check runs: it reports the fixture's VPC, which is the user's.
  expect(findings.some((x) => x.id === '/Test/Vpc/Resource')).toBe(true);
});

test('a topic encrypted through an alias: the key is matched by its alias (an alias ARN would authorize nothing)', () => {
  const f = fixture();
  const key = new kms.Key(f.stack, 'Key');
  const topic = new sns.Topic(f.stack, 'Topic', { masterKey: key.addAlias('alias/rotations') });
  const { template } = synth(() => ({ notificationTopic: topic }), f);
  expect(statementsWith(template, 'EncryptNotifications')).toEqual([{
    Sid: 'EncryptNotifications',
    Effect: 'Allow',
    Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
    Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':kms:eu-west-1:111111111111:key/*']] },
    Condition: { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': 'alias/rotations' } },
  }]);
});
