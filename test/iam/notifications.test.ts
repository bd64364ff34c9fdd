/**
 * IAM of rotation notifications, evaluated: every call of simulated rotations that publish (started, stopped,
 * resumed, finished) and record what they told is allowed under the policy synthesized with the topic, the
 * KMS calls SNS makes for an encrypted topic included; another topic, another key, and the notification record
 * without a topic are denied.
 */
import { synthesizePolicy } from './policy';
import { IamRequest, requestsFor, simWorld } from './requests';
import { describe as describeRequest, PolicyEvaluator } from './simulate';
import { NOTIFIED_TAG } from '../../src/shared/records';
import { runToCompletion, settingsFor } from '../rotation/harness';
import { buildScenario, RecordedCall } from '../sim';

const HOUR = 3600_000;
const CLUSTER = 'sim-cluster';
const TOPIC = 'rotations';
const KEY_ARN = 'arn:aws:kms:us-east-1:123456789012:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
const OTHER_KEY_ARN = 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555';

const withTopic = synthesizePolicy('with an encrypted topic', { clusterName: CLUSTER, notificationTopic: { name: TOPIC, keyArn: KEY_ARN } });
const withoutTopic = synthesizePolicy('without a topic', { clusterName: CLUSTER });

interface Mapped {
  readonly call: RecordedCall;
  readonly requests: IamRequest[];
}

let mapped: Mapped[] = [];

beforeAll(async () => {
  // A drain past its (10-minute) timeout, so the rotation starts, stops, resumes and finishes.
  const sim = buildScenario({
    seed: 5,
    clusterName: CLUSTER,
    groups: [{ name: 'web', family: 'amazon-linux-2023', architecture: 'x86_64', instances: 4 }],
    services: 'auto',
    standaloneTasks: { count: 1, durationS: 2 * 3600 },
  });
  const topicArn = sim.cloud.addTopic(TOPIC, { arn: KEY_ARN });
  const events = () => sim.cloud.topics.get(topicArn)!.messages.map((m) => (JSON.parse(m.message) as { event: string }).event);
  // A stopped group settles a run; runs go on every 5 minutes until the rotation finishes.
  for (let run = 0; run < 100 && !events().includes('finished'); run++) {
    await runToCompletion(sim.api, sim.clock, settingsFor(CLUSTER, { drainTimeoutSeconds: 600 }, { notificationTopicArn: topicArn }), 12 * HOUR);
    await sim.sleep(5 * 60_000);
  }
  expect(events()).toEqual(['started', 'stopped', 'resumed', 'finished']);
  // Mapped after the run: the notification calls' requests depend on nothing that changed since.
  const world = simWorld(sim.cloud);
  mapped = sim.recorder.calls
    .filter((c) => c.operation === 'sns:publish' || JSON.stringify(c.input).includes(NOTIFIED_TAG))
    .map((call) => ({ call, requests: requestsFor(call, world) }));
}, 60_000);

test('the notification calls: 4 publishes, each with the two KMS calls SNS makes; 3 records written and 1 removed', () => {
  const count = (operation: string) => mapped.filter((m) => m.call.operation === operation).length;
  expect(count('sns:publish')).toBe(4);
  expect(count('autoscaling:createOrUpdateTags')).toBe(3);
  expect(count('autoscaling:deleteTags')).toBe(1);
  const actions = mapped.filter((m) => m.call.operation === 'sns:publish').flatMap((m) => m.requests.map((r) => `${r.action} ${r.resource}`));
  expect(new Set(actions)).toEqual(new Set([
    `sns:Publish arn:aws:sns:us-east-1:123456789012:${TOPIC}`,
    `kms:GenerateDataKey ${KEY_ARN}`,
    `kms:Decrypt ${KEY_ARN}`,
  ]));
});

test('the policy with the topic allows every request of every notification call', async () => {
  const evaluator = new PolicyEvaluator(withTopic.name, withTopic.document);
  const denied: string[] = [];
  for (const { call, requests } of mapped) {
    for (const request of requests) {
      const evaluation = await evaluator.evaluate(request);
      if (evaluation.decision !== 'Allowed') denied.push(`#${call.seq} ${call.operation}: ${describeRequest(request)} -> ${evaluation.decision}`);
    }
  }
  expect(denied).toEqual([]);
});

test('denied: publishing to another topic, using another key, and any of it without a topic', async () => {
  const allRequests = mapped.flatMap((m) => m.requests);
  const elsewhere = allRequests.flatMap((r): IamRequest[] => {
    if (r.action === 'sns:Publish') return [{ ...r, resource: 'arn:aws:sns:us-east-1:123456789012:someone-elses-topic' }];
    if (r.action.startsWith('kms:')) return [{ ...r, resource: OTHER_KEY_ARN }];
    return [];
  });
  expect(elsewhere).toHaveLength(12);
  const evaluator = new PolicyEvaluator(withTopic.name, withTopic.document);
  for (const request of elsewhere) {
    expect({ request: describeRequest(request), decision: (await evaluator.evaluate(request)).decision })
      .toEqual({ request: describeRequest(request), decision: 'ImplicitlyDenied' });
  }
  // Without a topic the role may neither publish, nor use the key, nor write or remove the notification record.
  const none = new PolicyEvaluator(withoutTopic.name, withoutTopic.document);
  expect(allRequests.length).toBe(4 * 3 + 4);
  for (const request of allRequests) {
    expect({ request: describeRequest(request), decision: (await none.evaluate(request)).decision })
      .toEqual({ request: describeRequest(request), decision: 'ImplicitlyDenied' });
  }
});

test('a key policy that does not delegate to IAM denies the KMS calls whatever the role may do (the README says so)', async () => {
  const kmsRequests = mapped.flatMap((m) => m.requests).filter((r) => r.action.startsWith('kms:'));
  expect(kmsRequests).toHaveLength(8);
  const ownersOnly = {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:role/KeyAdmins' }, Action: 'kms:*', Resource: '*' }],
  };
  const evaluator = new PolicyEvaluator(withTopic.name, withTopic.document);
  for (const request of kmsRequests) {
    expect((await evaluator.evaluate({ ...request, resourcePolicy: ownersOnly })).decision).toBe('ImplicitlyDenied');
    expect((await evaluator.evaluate(request)).decision).toBe('Allowed');
  }
});
