/**
 * Notifications, decided: which message a round owes for a group (from what was last told and what the round
 * does), where it goes among the group's actions, its text; the record's encoding; the topic's configuration.
 */
import type { AwsApi } from '../../../src/aws/ports';
import { act } from '../../../src/engine/act/act';
import type { Action, Notify } from '../../../src/engine/actions';
import { ConfigError, configFromEnvironment } from '../../../src/engine/config';
import { notificationFor, subjectLine, withNotifications } from '../../../src/engine/decide/notify';
import type { GroupPlan, RotationPlan } from '../../../src/engine/decide/plan';
import type { GroupRotation, RotationPhase } from '../../../src/engine/decide/rotate';
import type { ObservedCluster } from '../../../src/engine/model';
import { EnvName } from '../../../src/shared/constants';
import { BATCH_TAG, decodeNotified, encodeNotified, NOTIFIED_TAG } from '../../../src/shared/records';

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:rotations';
const OLD = 'ami-0123456789abcdef0';
const NEW = 'ami-0fedcba9876543210';
const NEWER = 'ami-0aaaaaaaaaaaaaaa1';
const NOW = Date.parse('2026-03-01T12:00:00.000Z');

interface Case {
  readonly told?: string;
  readonly phase: RotationPhase;
  readonly actions?: Array<Action['kind']>;
  readonly recorded?: boolean;
  /** Live outdated instances (of 4). */
  readonly outdated: number;
  readonly target?: string;
  /** One instance already terminating (outdated, but gone as far as anyone is told). */
  readonly terminating?: boolean;
  /** Why a waiting group waits. */
  readonly waitingOn?: GroupRotation['waitingOn'];
}

function scenario(c: Case): { observed: ObservedCluster; groupPlan: GroupPlan; rotation: GroupRotation } {
  const ids = ['i-1', 'i-2', 'i-3', 'i-4'];
  const outdatedIds = ids.slice(0, c.outdated + (c.terminating ? 1 : 0));
  const tags: Record<string, string> = {};
  if (c.told !== undefined) tags[NOTIFIED_TAG] = c.told;
  if (c.recorded) tags[BATCH_TAG] = `4:6:8:${NOW - 3_600_000}:az`;
  const observed = {
    clusterName: 'prod',
    observedAt: NOW,
    groups: [{
      name: 'web',
      tags,
      instances: ids.map((instanceId, i) => ({ instanceId, lifecycleState: c.terminating && i === 0 ? 'Terminating' : 'InService' })),
    }],
  } as unknown as ObservedCluster;
  const groupPlan = {
    groupName: 'web',
    status: c.outdated > 0 ? 'outdated' : 'up-to-date',
    targetImageId: c.target ?? NEW,
    updateLaunchSource: false,
    instanceCount: 4,
    upToDateCount: 4 - outdatedIds.length,
    outdatedInstances: outdatedIds.map((instanceId) => ({ instanceId, imageId: OLD, runningTasksCount: 1 })),
  } as unknown as GroupPlan;
  const rotation: GroupRotation = {
    phase: c.phase,
    ...(c.waitingOn ? { waitingOn: c.waitingOn } : {}),
    ...(c.phase === 'stopped' ? { stoppedReason: 'instance i-2 still runs 1 task(s) after the 600 s drain timeout' } : {}),
    actions: (c.actions ?? []).map((kind) => ({ kind, group: 'web' }) as unknown as Action),
    inFlight: 0,
    budget: 1,
  };
  return { observed, groupPlan, rotation };
}

const started = encodeNotified({ state: 'started', targetImageId: NEW, fromImageId: OLD });
const stopped = encodeNotified({ state: 'stopped', targetImageId: NEW, fromImageId: OLD });

describe('notificationFor: the message a round owes', () => {
  test.each<[string, Case, string | undefined, string | undefined]>([
    ['a rotation record written this round, nothing told yet', { phase: 'replacing', actions: ['start-batch'], outdated: 4 }, 'started', started],
    ['a rotation in flight the topic was just configured for', { phase: 'draining', recorded: true, outdated: 3 }, 'started', started],
    ['a rotation in flight, "started" told', { told: started, phase: 'draining', recorded: true, outdated: 3 }, undefined, undefined],
    ['the canaries soaking, "started" told', { told: started, phase: 'soaking', recorded: true, outdated: 3 }, undefined, undefined],
    ['a stop, "started" told', { told: started, phase: 'stopped', recorded: true, outdated: 3 }, 'stopped', stopped],
    ['a stop before anything was told (a launch configuration group)', { phase: 'stopped', outdated: 4 }, 'stopped', stopped],
    ['a stop already told', { told: stopped, phase: 'stopped', recorded: true, outdated: 3 }, undefined, undefined],
    ['going on after a stop', { told: stopped, phase: 'draining', recorded: true, outdated: 2 }, 'resumed', started],
    ['the record removed this round, none outdated', { told: started, phase: 'idle', actions: ['finish-batch'], recorded: true, outdated: 0 }, 'finished', undefined],
    ['the last instance terminating: it counts as gone', { told: started, phase: 'idle', actions: ['finish-batch'], recorded: true, outdated: 0, terminating: true }, 'finished', undefined],
    ['no record left and none outdated (a crash after the removal)', { told: started, phase: 'idle', outdated: 0 }, 'finished', undefined],
    ['finished from a stop (the cause went away and the rest drained)', { told: stopped, phase: 'idle', actions: ['finish-batch'], recorded: true, outdated: 0 }, 'finished', undefined],
    ['the record removed with instances still outdated (canaries never marked)', { told: started, phase: 'idle', actions: ['finish-batch'], recorded: true, outdated: 2 }, undefined, undefined],
    ['the record removed this round while a newer image waits for its minimum age (reported as waiting)',
      { told: started, phase: 'waiting', waitingOn: 'minimum-ami-age', actions: ['finish-batch'], recorded: true, outdated: 0 }, 'finished', undefined],
    ['a newer image waits for its minimum age, nothing in flight, "finished" told before', { phase: 'waiting', waitingOn: 'minimum-ami-age', outdated: 0 }, undefined, undefined],
    ['the last in-flight instance gone after the window closed, others left for the next window',
      { told: started, phase: 'waiting', waitingOn: 'maintenance-window', actions: ['finish-batch'], recorded: true, outdated: 2 }, undefined, undefined],
    ['waiting for another actor', { told: started, phase: 'waiting', recorded: true, outdated: 3 }, undefined, undefined],
    ['waiting with nothing told', { phase: 'waiting', recorded: true, outdated: 3 }, undefined, undefined],
    ['up to date, nothing told', { phase: 'idle', outdated: 0 }, undefined, undefined],
    ['a newer image mid-rotation', { told: started, phase: 'draining', recorded: true, outdated: 3, target: NEWER }, 'started',
      encodeNotified({ state: 'started', targetImageId: NEWER, fromImageId: OLD })],
    ['a stop told for an older target, now stopped on a newer one', { told: stopped, phase: 'stopped', recorded: true, outdated: 3, target: NEWER }, 'stopped',
      encodeNotified({ state: 'stopped', targetImageId: NEWER, fromImageId: OLD })],
    ['a record this engine did not write is as none', { told: 'bogus', phase: 'draining', recorded: true, outdated: 3 }, 'started', started],
  ])('%s', (_name, c, event, record) => {
    const { observed, groupPlan, rotation } = scenario(c);
    const notify = notificationFor(observed, groupPlan, rotation, TOPIC);
    expect(notify?.event).toBe(event);
    expect(notify?.record === undefined ? undefined : encodeNotified(notify.record)).toBe(record);
    if (notify) expect(notify.topicArn).toBe(TOPIC);
  });

  test('the message: a summary line, the images, live counts, the reason of a stop, the time observed', () => {
    const { observed, groupPlan, rotation } = scenario({ told: started, phase: 'stopped', recorded: true, outdated: 2, terminating: true });
    const notify = notificationFor(observed, groupPlan, rotation, TOPIC)!;
    expect(notify.subject).toBe('ecs-ami-refresher: prod/web rotation stopped');
    expect(JSON.parse(notify.message)).toEqual({
      summary: `AMI rotation of Auto Scaling group web (ECS cluster prod) ${OLD} -> ${NEW} stopped: instance i-2 still runs 1 task(s) after ` +
        `the 600 s drain timeout. 3 instance(s): 1 on ${NEW}, 2 outdated.`,
      event: 'stopped',
      cluster: 'prod',
      autoScalingGroup: 'web',
      fromImageId: OLD,
      toImageId: NEW,
      instances: { total: 3, upToDate: 1, outdated: 2 },
      reason: 'instance i-2 still runs 1 task(s) after the 600 s drain timeout',
      at: '2026-03-01T12:00:00.000Z',
    });
  });

  test('"finished" names the image it came from, from the record (no instance is outdated any more)', () => {
    const { observed, groupPlan, rotation } = scenario({ told: started, phase: 'idle', outdated: 0 });
    const message = JSON.parse(notificationFor(observed, groupPlan, rotation, TOPIC)!.message);
    expect(message).toMatchObject({ fromImageId: OLD, toImageId: NEW });
    expect(message).not.toHaveProperty('reason');
  });
});

describe('withNotifications: where each message goes among the group\'s actions', () => {
  const order = (c: Case, topic: string | undefined) => {
    const { observed, groupPlan, rotation } = scenario(c);
    const plan = { groups: [groupPlan] } as unknown as RotationPlan;
    return withNotifications(observed, plan, new Map([['web', rotation]]), topic).map((a) => (a.kind === 'notify' ? `notify:${(a as Notify).event}` : a.kind));
  };

  test('"started" after the writes that start the rotation (sent only once they landed)', () => {
    expect(order({ phase: 'replacing', actions: ['start-batch'], outdated: 4 }, TOPIC)).toEqual(['start-batch', 'notify:started']);
  });

  test('"finished" after the record is removed', () => {
    expect(order({ told: started, phase: 'idle', actions: ['finish-batch'], recorded: true, outdated: 0 }, TOPIC)).toEqual(['finish-batch', 'notify:finished']);
  });

  test('"stopped" and "resumed" first: they hold whatever the group\'s other writes do', () => {
    expect(order({ told: started, phase: 'stopped', actions: ['terminate'], recorded: true, outdated: 3 }, TOPIC)).toEqual(['notify:stopped', 'terminate']);
    expect(order({ told: stopped, phase: 'draining', actions: ['drain'], recorded: true, outdated: 3 }, TOPIC)).toEqual(['notify:resumed', 'drain']);
  });

  test('without a topic: the group\'s actions exactly, nothing added', () => {
    expect(order({ phase: 'replacing', actions: ['start-batch'], outdated: 4 }, undefined)).toEqual(['start-batch']);
  });
});

describe('the record and the subject', () => {
  test.each([
    [{ state: 'started' as const, targetImageId: NEW, fromImageId: OLD }, `started:${NEW}:${OLD}`],
    [{ state: 'stopped' as const, targetImageId: NEW }, `stopped:${NEW}`],
  ])('%j <-> %s', (record, value) => {
    expect(encodeNotified(record)).toBe(value);
    expect(decodeNotified(value)).toEqual(record);
  });

  test.each([undefined, '', 'finished:ami-0123456789abcdef0', 'started:', 'started:ami-xyz', `started:${NEW}:`])('%j is not a record', (value) => {
    expect(decodeNotified(value)).toBeUndefined();
  });

  test('a subject stays under SNS\'s 100 characters, printable ASCII on one line', () => {
    expect(subjectLine('short')).toBe('short');
    const long = subjectLine(`ecs-ami-refresher: prod/${'g'.repeat(255)} rotation finished`);
    expect(long).toHaveLength(99);
    expect(long.endsWith('...')).toBe(true);
    expect(subjectLine('grüppe\nnext')).toBe('gr?ppe?next');
  });
});

describe('configuration', () => {
  const MINIMAL = {
    [EnvName.CLUSTER_NAME]: 'prod',
    [EnvName.AMI_PARAMETERS]: JSON.stringify({ 'amazon-linux-2023/x86_64': '/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id' }),
  };

  test('default: no topic, nothing published', () => {
    expect(configFromEnvironment(MINIMAL).notificationTopicArn).toBeUndefined();
    expect(configFromEnvironment({ ...MINIMAL, [EnvName.NOTIFICATION_TOPIC_ARN]: '' }).notificationTopicArn).toBeUndefined();
  });

  test.each([TOPIC, 'arn:aws-us-gov:sns:us-gov-west-1:123456789012:rot_ations-1'])('%s is read', (arn) => {
    expect(configFromEnvironment({ ...MINIMAL, [EnvName.NOTIFICATION_TOPIC_ARN]: arn }).notificationTopicArn).toBe(arn);
  });

  test.each(['rotations', 'arn:aws:sqs:us-east-1:123456789012:rotations', 'arn:aws:sns:us-east-1:123456789012:rotations.fifo', 'arn:aws:sns:us-east-1:1234:x'])(
    '%s is refused, naming the variable and what is allowed', (raw) => {
      expect(() => configFromEnvironment({ ...MINIMAL, [EnvName.NOTIFICATION_TOPIC_ARN]: raw })).toThrow(ConfigError);
      expect(() => configFromEnvironment({ ...MINIMAL, [EnvName.NOTIFICATION_TOPIC_ARN]: raw }))
        .toThrow(`environment variable ${EnvName.NOTIFICATION_TOPIC_ARN} is '${raw}'; allowed: the ARN of a standard SNS topic`);
    });
});

describe('act: a notification is best effort', () => {
  const notify: Notify = {
    kind: 'notify',
    group: 'web',
    topicArn: TOPIC,
    event: 'stopped',
    subject: 'ecs-ami-refresher: prod/web rotation stopped',
    message: '{}',
    record: { state: 'stopped', targetImageId: NEW },
  };
  const terminate: Action = { kind: 'terminate', group: 'web', instanceId: 'i-1', forced: false, runningTasks: 0 };

  function fakeApi(publish: () => Promise<unknown>) {
    const calls: string[] = [];
    const record = (name: string) => async (input: unknown) => {
      calls.push(`${name} ${JSON.stringify(input)}`);
      return {};
    };
    const api = {
      autoScaling: {
        terminateInstanceInAutoScalingGroup: record('terminate'),
        createOrUpdateTags: record('tag'),
        deleteTags: record('untag'),
      },
      sns: { publish: async (input: unknown) => { calls.push(`publish ${JSON.stringify(input)}`); return publish(); } },
    } as unknown as AwsApi;
    return { api, calls };
  }

  test('published, then recorded on the group; the group\'s next write goes on', async () => {
    const { api, calls } = fakeApi(async () => ({ MessageId: 'm-1' }));
    const outcomes = await act({ api, clusterArn: 'arn:aws:ecs:us-east-1:123456789012:cluster/prod' }, [notify, terminate]);
    expect(outcomes.map((o) => o.ok)).toEqual([true, true]);
    expect(calls.map((c) => c.split(' ')[0])).toEqual(['publish', 'tag', 'terminate']);
    expect(calls[0]).toContain(`"TopicArn":"${TOPIC}"`);
    expect(calls[1]).toContain(`"Key":"${NOTIFIED_TAG}","Value":"stopped:${NEW}"`);
  });

  test('refused: not recorded (so tried again), reported with a hint, and the group\'s next write still goes on', async () => {
    const denied = Object.assign(new Error('User is not authorized to perform: SNS:Publish'), { name: 'AuthorizationError' });
    const { api, calls } = fakeApi(async () => { throw denied; });
    const outcomes = await act({ api, clusterArn: 'arn:aws:ecs:us-east-1:123456789012:cluster/prod' }, [notify, terminate]);
    expect(outcomes.map((o) => o.ok)).toEqual([false, true]);
    expect(outcomes[0].error).toMatch(/not authorized.*\(the refresher may publish only to the construct's notificationTopic/);
    expect(calls.map((c) => c.split(' ')[0])).toEqual(['publish', 'terminate']);
  });

  test('no SNS port (a terminal run given a notify action): a reported failure, nothing else held', async () => {
    const { api, calls } = fakeApi(async () => ({}));
    const outcomes = await act({ api: { ...api, sns: undefined }, clusterArn: 'arn:aws:ecs:us-east-1:123456789012:cluster/prod' }, [notify, terminate]);
    expect(outcomes[0]).toMatchObject({ ok: false, error: expect.stringContaining(`no SNS client to publish to ${TOPIC}`) });
    expect(calls.map((c) => c.split(' ')[0])).toEqual(['terminate']);
  });
});
