/**
 * IAM, evaluated not eyeballed: every call the engine makes in whole simulated rotations is mapped to the IAM
 * requests AWS authorizes for it (requests.ts) and evaluated against the construct's synthesized policy
 * (policy.ts) with an IAM policy simulator; the same mutating calls against another cluster's resources must
 * be denied.
 */
import { mkdirSync, writeFileSync } from 'fs';
import { join } from 'path';
import { Duration } from 'aws-cdk-lib';
import { PolicyDocument, PolicyStatement, synthesizePolicy, SynthesizedPolicy } from './policy';
import { IamRequest, requestsFor, simWorld, World } from './requests';
import { describe as describeRequest, PolicyEvaluator } from './simulate';
import { MappedCall, watch } from './watch';
import { StandaloneTasks } from '../../src';
import { TagKey } from '../../src/shared/constants';
import { BATCH_TAG, encodeLease, FAILED_IMAGE_TAG, LAUNCH_CONFIGURATIONS_UNSUPPORTED_TAG, LEASE_TAG, REPLACE_BEFORE_TAG } from '../../src/shared/records';
import { runToCompletion, settingsFor } from '../rotation/harness';
import { buildScenario, GroupSpec, RecordedCall, Simulation } from '../sim';

const HOUR = 3600_000;
const CLUSTER = 'sim-cluster';
const OTHER_CLUSTER = 'other-cluster';
const OTHER_CLUSTER_ARN = `arn:aws:ecs:us-east-1:123456789012:cluster/${OTHER_CLUSTER}`;

const GROUPS: GroupSpec[] = [
  { name: 'x86', family: 'amazon-linux-2023', architecture: 'x86_64', instances: 6, launchTemplateVersion: '1' },
  { name: 'arm', family: 'bottlerocket-ecs-2', architecture: 'arm64', instances: 6, launchTemplateVersion: '$Default', mixedInstancesPolicy: true },
];

// Every policy on: steady services (the default) and canary health read services, standalone tasks are stopped.
const POLICY_PROPS = { canary: { soak: Duration.minutes(10) }, standaloneTasks: StandaloneTasks.stopAfter(Duration.minutes(2)) };
const discovered = synthesizePolicy('discovered', { clusterName: CLUSTER, props: POLICY_PROPS });
// Only the named groups (no discovery): the policy names them by ARN and has no tag-conditioned group statements.
const given = synthesizePolicy('given', {
  // (`legacy`, `mixed`: the launch configuration and mixed instances groups of the whole rotations below.)
  clusterName: CLUSTER, groupNames: [...GROUPS.map((g) => g.name), 'legacy', 'mixed'], props: { ...POLICY_PROPS, discoverCapacityProviderGroups: false },
});
const POLICIES = [discovered, given];
/** Discovered groups, and instances outside every group replaced through group `x86`. */
const unmanaged = synthesizePolicy('unmanaged', { clusterName: CLUSTER, unmanagedReplacementGroupName: 'x86' });
const DENY_POLICIES = [...POLICIES, unmanaged];

/** Per policy: engine calls evaluated Allowed, deny cases evaluated Denied, and the IAM requests behind them. */
const figures = {
  allowedCalls: new Map<string, number>(),
  deniedCases: new Map<string, number>(),
  allowedRequests: 0,
  deniedRequests: 0,
  actions: new Set<string>(),
};

afterAll(() => {
  const dir = join(__dirname, '..', '..', 'test-reports');
  mkdirSync(dir, { recursive: true });
  const leastOf = (counts: Map<string, number>, policies: readonly unknown[]) => (counts.size === policies.length ? Math.min(...counts.values()) : 0);
  writeFileSync(join(dir, 'iam-figures.json'), JSON.stringify({
    // Engine calls from the simulated rotations allowed under every policy (discovered and given groups);
    // mutating calls against another cluster's resources denied under every policy; IAM actions evaluated.
    allowed: leastOf(figures.allowedCalls, POLICIES),
    denied: leastOf(figures.deniedCases, DENY_POLICIES),
    actions: figures.actions.size,
    actionNames: [...figures.actions].sort(),
    policies: DENY_POLICIES.map((p) => p.name),
    // Summed over the policies, launch checks included.
    allowedRequests: figures.allowedRequests,
    deniedRequests: figures.deniedRequests,
  }, null, 2) + '\n');
});

describe('the synthesized policy', () => {
  test.each(DENY_POLICIES.map((p) => [p.name, p] as const))('%s: resolved to plain strings, in one or more policies of the role', (_name, policy) => {
    const text = JSON.stringify(policy.document);
    expect(text).not.toMatch(/Fn::|"Ref"|\$\{Token/);
    // One Deny only: it narrows UpdateAutoScalingGroup to the engine's own launch configurations.
    expect(policy.document.Statement.filter((s) => s.Effect !== 'Allow').map((s) => s.Sid)).toEqual(['SwitchGroupsOnlyToOwnLaunchConfigurations']);
  });
});

describe('whole rotations: every call the engine makes is allowed', () => {
  let sim: Simulation;
  let rollbackSim: Simulation;
  let lcSim: Simulation;
  let mapped: MappedCall[];

  beforeAll(async () => {
    sim = buildScenario({
      seed: 23,
      clusterName: CLUSTER,
      groups: GROUPS,
      services: 'auto',
      standaloneTasks: { count: 1, durationS: [300, 900] },
    });
    // The x86 group is managed by a CloudFormation stack (the engine reads its status) and its template tags
    // instances and volumes at launch, as a CDK-made template does (the launch check then covers CreateTags).
    const x86 = sim.cloud.groups.get('x86')!;
    x86.tags.set('aws:cloudformation:stack-name', { value: 'app', propagateAtLaunch: true });
    x86.tags.set('aws:cloudformation:stack-id', { value: 'arn:aws:cloudformation:us-east-1:123456789012:stack/app/5f2c0e30-9a1b-11f0-8de9-0a1b2c3d4e5f', propagateAtLaunch: true });
    const x86Template = sim.cloud.templates.get(x86.launchTemplate!.id)!;
    x86Template.versions.get(1)!.data.TagSpecifications = ['instance', 'volume'].map((ResourceType) => ({
      ResourceType,
      Tags: [{ Key: TagKey.CLUSTER, Value: CLUSTER }, { Key: 'Name', Value: 'x86' }],
    }));

    const watcher = watch(sim);
    mapped = watcher.mapped;
    // 1. An ordinary rotation of both groups.
    const first = await runToCompletion(sim.api, sim.clock, settingsFor(CLUSTER), 24 * HOUR);
    expect(first.settled).toBe(true);
    // 2. Another actor holds the lease: a forced run only observes; once the lease expires, it takes over
    // (tagging the cluster while the old lease tag is still there) and replaces everything once more.
    const cluster = sim.cloud.clusters.get(CLUSTER)!;
    cluster.tags.set(LEASE_TAG, encodeLease({ owner: 'cli:operator-laptop:4242', expiresAt: sim.clock.now() + 10 * 60_000 }));
    const blocked = await runToCompletion(sim.api, sim.clock, settingsFor(CLUSTER, { force: true }), HOUR);
    expect(blocked.leaseHolder?.owner).toBe('cli:operator-laptop:4242');
    await sim.sleep(11 * 60_000);
    // (With cordoning and every rotation policy on: the attribute writes of cordon and uncordon, the services
    // read for steady drains and canary health, and the StopTask of a standalone task are evaluated too.)
    for (let i = 0; i < 3; i++) sim.cloud.runStandaloneTask(40 * 3600);
    const forced = await runToCompletion(sim.api, sim.clock, settingsFor(CLUSTER, {
      force: true, cordon: true, canary: { count: 1, soakSeconds: 600 }, waitForSteadyServices: true, stopStandaloneTasksAfterSeconds: 120,
    }), 24 * HOUR);
    expect(forced.outcomes.some((o) => o.action.kind === 'set-replace-before')).toBe(true);
    expect(forced.outcomes.some((o) => o.action.kind === 'cordon')).toBe(true);
    expect(forced.outcomes.some((o) => o.action.kind === 'stop-tasks')).toBe(true);
    expect(forced.settled).toBe(true);
    expect(forced.outcomes.filter((o) => !o.ok)).toEqual([]);
    watcher.stop();

    // 3. A group pinned to a version inside a mixed instances policy, at its maximum size, whose new image
    // never registers: the engine raises the maximum, points the policy at a new version (the launch check),
    // then rolls back and releases the batch; a fixed image then rotates.
    rollbackSim = buildScenario({
      seed: 29,
      clusterName: CLUSTER,
      groups: [{ name: 'arm', family: 'amazon-linux-2023', architecture: 'arm64', instances: 4, launchTemplateVersion: '1', mixedInstancesPolicy: true, maxSize: 4 }],
      services: 'auto',
      standaloneTasks: { count: 1, durationS: 600 },
    });
    const key = 'amazon-linux-2023/arm64';
    rollbackSim.images[key].new.bad = true;
    const rollbackWatcher = watch(rollbackSim);
    const settings = settingsFor(CLUSTER, { rollbackOnFailedReplacement: true });
    const failed = await runToCompletion(rollbackSim.api, rollbackSim.clock, settings, 3 * HOUR);
    expect(failed.last.rotations.get('arm')).toMatchObject({ phase: 'stopped' });
    const fixed = rollbackSim.cloud.addImage({ ...rollbackSim.images[key].new, imageId: 'ami-0f1ced0000000000a', creationDate: '2025-06-19T06:00:00.000Z', bad: false });
    rollbackSim.cloud.setParameter(rollbackSim.images[key].parameter, fixed.imageId);
    const done = await runToCompletion(rollbackSim.api, rollbackSim.clock, settings, 24 * HOUR);
    expect(done.settled).toBe(true);
    rollbackWatcher.stop();

    // 4. A group on a launch configuration (seed 000), rotated to two images in turn: a copy per image, the
    // group switched to each, the first copy deleted once unused. Its configuration names no instance profile:
    // the groups here are imported, so the policy knows no instance role to pass (see the deny matrix).
    lcSim = buildScenario({
      seed: 37,
      clusterName: CLUSTER,
      groups: [
        // Its capacity provider has managed draining off (no termination hook): the engine deregisters the
        // instances it terminates empty, so DeregisterContainerInstance is evaluated too.
        { name: 'legacy', family: 'amazon-linux-2023', architecture: 'x86_64', instances: 3, launchConfiguration: true, managedDraining: false },
        // And a mixed instances policy pinned to a version, whose overrides name templates of their own.
        { name: 'mixed', family: 'amazon-linux-2023', architecture: 'x86_64', instances: 3, mixedInstancesPolicy: true, overrideTemplates: 2, launchTemplateVersion: '1' },
      ],
      services: 'auto',
      standaloneTasks: { count: 1, durationS: 600 },
    });
    const legacy = lcSim.cloud.launchConfigurations.get('legacy-lc')!;
    const { IamInstanceProfile: _profile, ...withoutProfile } = legacy.data;
    lcSim.cloud.launchConfigurations.set('legacy-lc', { ...legacy, data: withoutProfile });
    const lcWatcher = watch(lcSim);
    // (Keeping one version per template: the second rotation's end deletes the first one's versions.)
    const pruning = settingsFor(CLUSTER, { templateVersionsToKeep: 1 });
    expect((await runToCompletion(lcSim.api, lcSim.clock, pruning, 24 * HOUR)).settled).toBe(true);
    const lcKey = 'amazon-linux-2023/x86_64';
    const newer = lcSim.cloud.addImage({ ...lcSim.images[lcKey].new, imageId: 'ami-0feed000000000b22', creationDate: '2025-09-01T06:00:00.000Z' });
    lcSim.cloud.setParameter(lcSim.images[lcKey].parameter, newer.imageId);
    expect((await runToCompletion(lcSim.api, lcSim.clock, pruning, 24 * HOUR)).settled).toBe(true);
    lcWatcher.stop();
    mapped = [...mapped, ...rollbackWatcher.mapped, ...lcWatcher.mapped];
  }, 120_000);

  test('every recorded call is mapped to IAM requests (an unknown call fails here)', () => {
    expect(mapped.length).toBe(sim.recorder.calls.length + rollbackSim.recorder.calls.length + lcSim.recorder.calls.length);
    expect(mapped.filter((m) => m.error).map((m) => `${m.call.operation}: ${m.error}`)).toEqual([]);
    expect(mapped.filter((m) => m.requests.length === 0).map((m) => m.call.operation)).toEqual([]);
    // The rotation exercised the writes that matter, including the launch check of a new template version.
    const operations = new Set(mapped.map((m) => m.call.operation));
    for (const op of ['ecs:updateContainerInstancesState', 'ecs:putAttributes', 'ecs:tagResource', 'ecs:untagResource',
      'autoscaling:setDesiredCapacity', 'autoscaling:updateAutoScalingGroup', 'autoscaling:terminateInstanceInAutoScalingGroup',
      'autoscaling:createOrUpdateTags', 'autoscaling:deleteTags', 'ec2:createLaunchTemplateVersion', 'ec2:modifyLaunchTemplate',
      'ssm:getParameters', 'cloudformation:describeStacks', 'ecs:deregisterContainerInstance', 'ecs:deleteAttributes',
      'ecs:describeServices', 'ecs:stopTask', 'autoscaling:createLaunchConfiguration', 'autoscaling:deleteLaunchConfiguration',
      'ec2:deleteLaunchTemplateVersions', 'autoscaling:describeLifecycleHooks']) {
      expect({ op, seen: operations.has(op) }).toEqual({ op, seen: true });
    }
    const actions = new Set(mapped.flatMap((m) => m.requests.map((r) => r.action)));
    for (const action of ['ec2:RunInstances', 'ec2:CreateTags']) expect({ action, seen: actions.has(action) }).toEqual({ action, seen: true });
    // Both ways of pointing a group at a version were checked: LaunchTemplate, and inside a mixed instances policy.
    const pointed = mapped.filter((m) => m.call.operation === 'autoscaling:updateAutoScalingGroup' && m.requests.some((r) => r.action === 'ec2:RunInstances'));
    const input = (m: MappedCall) => m.call.input as { LaunchTemplate?: unknown; MixedInstancesPolicy?: unknown };
    expect(pointed.some((m) => input(m).LaunchTemplate)).toBe(true);
    expect(pointed.some((m) => input(m).MixedInstancesPolicy)).toBe(true);
    // And a policy whose overrides name templates of their own: each override template is launch-checked (once
    // per image the group was brought to).
    const overrideChecked = pointed.filter((m) => m.requests.filter((r) => r.action === 'ec2:RunInstances' && r.resource.includes(':launch-template/'))
      .map((r) => r.resource).filter((v, i, all) => all.indexOf(v) === i).length === 3);
    expect(overrideChecked.length).toBe(2);
  });

  test.each(POLICIES.map((p) => [p.name, p] as const))('%s policy allows every IAM request of every call', async (_name, policy) => {
    const evaluator = new PolicyEvaluator(policy.name, policy.document);
    const denied: string[] = [];
    const ignored = new Map<string, Set<string>>();
    let requests = 0;
    let allowedCalls = 0;
    for (const { call, requests: calls } of mapped) {
      let ok = true;
      for (const request of calls) {
        requests++;
        const evaluation = await evaluator.evaluate(request);
        for (const key of evaluation.ignoredContextKeys) {
          if (!ignored.has(request.action)) ignored.set(request.action, new Set());
          ignored.get(request.action)!.add(key);
        }
        if (evaluation.decision !== 'Allowed') {
          ok = false;
          denied.push(`#${call.seq} ${call.operation}: ${describeRequest(request)} -> ${evaluation.decision}`);
        }
        figures.actions.add(request.action);
      }
      if (ok) allowedCalls++;
    }
    expect([...new Set(denied)]).toEqual([]);
    // The keys that decide the policy's conditions reached the evaluation (none was dropped as inapplicable).
    const dropped = [...ignored].flatMap(([action, keys]) => [...keys].map((k) => `${action} ${k}`));
    for (const key of ['ecs:cluster', 'autoscaling:resourcetag/ecs-ami-refresher:cluster', 'aws:tagkeys', 'aws:resourcetag/ecs-ami-refresher:cluster',
      'ec2:launchtemplate', 'ec2:islaunchtemplateresource', 'ec2:createaction']) {
      expect(dropped.filter((d) => d.toLowerCase().endsWith(` ${key}`) && !/^ecs:(Describe|List)/.test(d) && !/^ssm:|^cloudformation:/.test(d))).toEqual([]);
    }
    figures.allowedCalls.set(policy.name, allowedCalls);
    figures.allowedRequests += requests;
    // eslint-disable-next-line no-console
    console.log(`${policy.name}: ${allowedCalls} of ${mapped.length} engine calls allowed (${requests} IAM requests, ${evaluator.size} distinct)` +
      (dropped.length ? `; context keys the SAR does not apply: ${dropped.join(', ')}` : ''));
    expect(allowedCalls).toBe(mapped.length);
  }, 120_000);

  test('the allow check catches a policy that lost a permission the engine needs', async () => {
    const narrowed = (sid: string, change: (s: PolicyStatement) => PolicyStatement): SynthesizedPolicy => ({
      ...discovered,
      name: `discovered, ${sid} narrowed`,
      document: { ...discovered.document, Statement: discovered.document.Statement.map((s) => (s.Sid === sid ? change({ ...s }) : s)) },
    });
    const without = (action: string) => (s: PolicyStatement) => ({ ...s, Action: ([] as string[]).concat(s.Action).filter((a) => a !== action) });
    const cases: Array<[SynthesizedPolicy, string]> = [
      [narrowed('ContainerInstancesOfThisCluster', without('ecs:PutAttributes')), 'ecs:PutAttributes'],
      [narrowed('ChangeTaggedGroups', (s) => ({ ...s, Condition: { StringEquals: { [`autoscaling:ResourceTag/${TagKey.CLUSTER}`]: OTHER_CLUSTER } } })), 'autoscaling:SetDesiredCapacity'],
      [narrowed('LaunchWithTemplateResources', (s) => ({ ...s, Resource: ([] as string[]).concat(s.Resource).filter((r) => !r.includes(':image/')) })), 'ec2:RunInstances'],
      [narrowed('TagAtLaunch', (s) => ({ ...s, Condition: { StringEquals: { 'ec2:CreateAction': 'CreateVolume' } } })), 'ec2:CreateTags'],
      [narrowed('LeaseOnThisCluster', without('ecs:UntagResource')), 'ecs:UntagResource'],
      [narrowed('CopyLaunchConfigurationsOfThisCluster', (s) => ({
        ...s, Resource: `arn:aws:autoscaling:us-east-1:123456789012:launchConfiguration:*:launchConfigurationName/ecs-ami-refresher.${OTHER_CLUSTER}.*`,
      })), 'autoscaling:CreateLaunchConfiguration'],
      [narrowed('SwitchGroupsOnlyToOwnLaunchConfigurations', (s) => ({
        ...s, Condition: { ...s.Condition, StringNotLike: { 'autoscaling:LaunchConfigurationName': `ecs-ami-refresher.${OTHER_CLUSTER}.*` } },
      })), 'autoscaling:UpdateAutoScalingGroup'],
    ];
    for (const [policy, action] of cases) {
      const evaluator = new PolicyEvaluator(policy.name, policy.document);
      let denied = 0;
      for (const request of mapped.flatMap((m) => m.requests).filter((r) => r.action === action)) {
        if ((await evaluator.evaluate(request)).decision !== 'Allowed') denied++;
      }
      expect({ policy: policy.name, caught: denied > 0 }).toEqual({ policy: policy.name, caught: true });
    }
  }, 60_000);
});

describe('instances outside every group replaced through a group: every call allowed, under that policy only', () => {
  let mapped: MappedCall[];
  let sim: Simulation;

  beforeAll(async () => {
    sim = buildScenario({
      seed: 37,
      clusterName: CLUSTER,
      groups: [GROUPS[0]],
      ungrouped: [{ family: 'amazon-linux-2023', architecture: 'x86_64', count: 2 }],
      services: 'auto',
      standaloneTasks: { count: 1, durationS: 600 },
    });
    const watcher = watch(sim);
    const result = await runToCompletion(sim.api, sim.clock, settingsFor(CLUSTER, { unmanagedReplacementGroup: 'x86' }), 24 * HOUR);
    watcher.stop();
    expect(result.settled).toBe(true);
    expect(result.outcomes.filter((o) => !o.ok)).toEqual([]);
    mapped = watcher.mapped;
  }, 120_000);

  test('every call maps, and the replacement ran: EC2 TerminateInstances of both instances', () => {
    expect(mapped.filter((m) => m.error).map((m) => `${m.call.operation}: ${m.error}`)).toEqual([]);
    const terminated = mapped.filter((m) => m.call.operation === 'ec2:terminateInstances').flatMap((m) => m.requests.map((r) => r.resource));
    expect(terminated).toHaveLength(2);
    const loose = [...sim.cloud.instances.values()].filter((i) => !i.group).map((i) => i.id);
    expect(terminated.map((r) => r.slice(r.lastIndexOf('/') + 1)).sort()).toEqual(loose.sort());
  });

  test('the unmanaged policy allows every IAM request of every call', async () => {
    const evaluator = new PolicyEvaluator(unmanaged.name, unmanaged.document);
    const denied: string[] = [];
    for (const { call, requests } of mapped) {
      for (const request of requests) {
        figures.actions.add(request.action);
        const evaluation = await evaluator.evaluate(request);
        if (evaluation.decision !== 'Allowed') denied.push(`#${call.seq} ${call.operation}: ${describeRequest(request)} -> ${evaluation.decision}`);
        if (request.action === 'ec2:TerminateInstances') {
          // The conditions were evaluated, not skipped as inapplicable.
          expect(evaluation.ignoredContextKeys.filter((k) => /resourcetag/i.test(k))).toEqual([]);
        }
      }
    }
    expect([...new Set(denied)]).toEqual([]);
  }, 60_000);

  test('the policies without the opt-in deny its TerminateInstances calls', async () => {
    for (const policy of POLICIES) {
      const evaluator = new PolicyEvaluator(policy.name, policy.document);
      for (const request of mapped.filter((m) => m.call.operation === 'ec2:terminateInstances').flatMap((m) => m.requests)) {
        expect({ policy: policy.name, decision: (await evaluator.evaluate(request)).decision }).not.toEqual({ policy: policy.name, decision: 'Allowed' });
      }
    }
  });
});

// -------------------------------------------------------------------------------------------------------
// The deny matrix

interface DenyCase {
  readonly name: string;
  /** An engine-shaped call (mapped like the engine's own) or IAM requests built by hand. */
  readonly call?: Pick<RecordedCall, 'operation' | 'input'>;
  readonly requests?: IamRequest[];
  /** Which of the call's requests must be denied (default: all). */
  readonly mustDeny?: (request: IamRequest) => boolean;
}

interface DenyWorld {
  readonly sim: Simulation;
  readonly world: World;
  readonly cases: DenyCase[];
}

/** Another cluster's resources next to ours, and the calls the engine could make against them. */
function denyWorld(): DenyWorld {
  const sim = buildScenario({ seed: 5, clusterName: CLUSTER, groups: GROUPS });
  const cloud = sim.cloud;
  const x86 = cloud.groups.get('x86')!;
  const ourTemplate = x86.launchTemplate!.id;

  // Another cluster's group, launch template (tagged for that cluster) and instance; and an untagged group.
  const otherTemplate = cloud.addLaunchTemplate('other-lt', { ImageId: sim.images['amazon-linux-2023/x86_64'].new.imageId, InstanceType: 'm6i.large' });
  const other = cloud.addGroup({
    name: 'other-asg',
    minSize: 0,
    maxSize: 4,
    desired: 2,
    launchTemplate: { id: otherTemplate.id, version: '$Default' },
    tags: { [TagKey.CLUSTER]: { value: OTHER_CLUSTER, propagateAtLaunch: true } },
  });
  const untaggedTemplate = cloud.addLaunchTemplate('untagged-lt', { ImageId: sim.images['amazon-linux-2023/x86_64'].new.imageId, InstanceType: 'm6i.large' });
  const untagged = cloud.addGroup({ name: 'untagged-asg', minSize: 0, maxSize: 4, desired: 2, launchTemplate: { id: untaggedTemplate.id, version: '$Default' } });
  // A version of our own template that launches with an unrelated role's instance profile.
  const ours = cloud.templates.get(ourTemplate)!;
  const profiled = ours.latestVersion + 1;
  ours.versions.set(profiled, {
    number: profiled,
    data: { ...ours.versions.get(1)!.data, IamInstanceProfile: { Name: 'admin-profile' } },
    createdAt: cloud.now(),
  });
  ours.latestVersion = profiled;

  const world = simWorld(cloud, {
    templateTags: { [otherTemplate.id]: { [TagKey.CLUSTER]: OTHER_CLUSTER } },
    instanceGroups: { 'i-0other00000000001': other.name, 'i-0untagged0000001': untagged.name },
    instanceProfileRoles: { 'admin-profile': 'arn:aws:iam::123456789012:role/AdminRole' },
    instanceTags: {
      'i-0untaggedloose001': { Name: 'loose' },
      'i-0otherloose000001': { [TagKey.CLUSTER]: OTHER_CLUSTER },
      'i-0other00000000001': { [TagKey.CLUSTER]: OTHER_CLUSTER, 'aws:autoscaling:groupName': 'other-asg' },
    },
  });

  const otherCi = `arn:aws:ecs:us-east-1:123456789012:container-instance/${OTHER_CLUSTER}/0f1e2d3c4b5a69788796a5b4c3d2e1f0`;
  // The old ARN format names no cluster: only ecs:cluster tells them apart.
  const otherCiOldFormat = 'arn:aws:ecs:us-east-1:123456789012:container-instance/5a69788796a5b4c30f1e2d3c4b2e1f0d';
  const ourCi = [...cloud.containerInstances.keys()][0];
  const cases: DenyCase[] = [];
  const add = (name: string, operation: string, input: unknown, mustDeny?: DenyCase['mustDeny']) =>
    cases.push({ name, call: { operation, input }, mustDeny });

  // ECS: container instances and the cluster of another cluster.
  for (const ci of [otherCi, otherCiOldFormat]) {
    add(`drain another cluster's instance (${ci === otherCi ? 'new' : 'old'} ARN format)`, 'ecs:updateContainerInstancesState',
      { cluster: OTHER_CLUSTER_ARN, containerInstances: [ci], status: 'DRAINING' });
    add(`mark another cluster's instance (${ci === otherCi ? 'new' : 'old'} ARN format)`, 'ecs:putAttributes',
      { cluster: OTHER_CLUSTER_ARN, attributes: [{ name: 'ecs-ami-refresher.phase', value: 'x', targetType: 'container-instance', targetId: ci }] });
    add(`unmark another cluster's instance (${ci === otherCi ? 'new' : 'old'} ARN format)`, 'ecs:deleteAttributes',
      { cluster: OTHER_CLUSTER_ARN, attributes: [{ name: 'ecs-ami-refresher.phase', targetType: 'container-instance', targetId: ci }] });
  }
  // (The SAR's task resource type has the cluster in its ARN; the old format is not a resource type it defines.)
  add('stop another cluster\'s task', 'ecs:stopTask',
    { cluster: OTHER_CLUSTER_ARN, task: `arn:aws:ecs:us-east-1:123456789012:task/${OTHER_CLUSTER}/0f1e2d3c4b5a69788796a5b4c3d2e1f0`, reason: 'x' });
  add('read another cluster\'s services', 'ecs:describeServices', { cluster: OTHER_CLUSTER_ARN, services: ['web'] });
  add('deregister from another cluster', 'ecs:deregisterContainerInstance', { cluster: OTHER_CLUSTER_ARN, containerInstance: otherCi, force: true });
  add('take the lease on another cluster', 'ecs:tagResource', { resourceArn: OTHER_CLUSTER_ARN, tags: [{ key: LEASE_TAG, value: 'x' }] });
  add('release the lease on another cluster', 'ecs:untagResource', { resourceArn: OTHER_CLUSTER_ARN, tagKeys: [LEASE_TAG] });
  add('tag our cluster with another key', 'ecs:tagResource', { resourceArn: sim.clusterArn, tags: [{ key: 'owner', value: 'x' }] });
  add('tag our cluster with the lease and another key', 'ecs:tagResource', { resourceArn: sim.clusterArn, tags: [{ key: LEASE_TAG, value: 'x' }, { key: 'owner', value: 'x' }] });
  add('untag another key from our cluster', 'ecs:untagResource', { resourceArn: sim.clusterArn, tagKeys: ['owner'] });
  add('tag our container instance (not the cluster)', 'ecs:tagResource', { resourceArn: ourCi, tags: [{ key: LEASE_TAG, value: 'x' }] });

  // Auto Scaling: a group of another cluster, and an untagged one.
  for (const [group, instanceId] of [[other.name, 'i-0other00000000001'], [untagged.name, 'i-0untagged0000001']]) {
    add(`set the desired capacity of ${group}`, 'autoscaling:setDesiredCapacity', { AutoScalingGroupName: group, DesiredCapacity: 3, HonorCooldown: false });
    add(`raise the maximum of ${group}`, 'autoscaling:updateAutoScalingGroup', { AutoScalingGroupName: group, MaxSize: 5, DesiredCapacity: 3 });
    add(`terminate an instance of ${group}`, 'autoscaling:terminateInstanceInAutoScalingGroup', { InstanceId: instanceId, ShouldDecrementDesiredCapacity: true });
    add(`protect an instance of ${group}`, 'autoscaling:setInstanceProtection', { AutoScalingGroupName: group, InstanceIds: [instanceId], ProtectedFromScaleIn: true });
    for (const key of [BATCH_TAG, REPLACE_BEFORE_TAG, FAILED_IMAGE_TAG, LAUNCH_CONFIGURATIONS_UNSUPPORTED_TAG]) {
      add(`write ${key} on ${group}`, 'autoscaling:createOrUpdateTags', { Tags: [{ ResourceId: group, ResourceType: 'auto-scaling-group', Key: key, Value: 'x', PropagateAtLaunch: false }] });
      add(`delete ${key} from ${group}`, 'autoscaling:deleteTags', { Tags: [{ ResourceId: group, ResourceType: 'auto-scaling-group', Key: key }] });
    }
    add(`point ${group} at a new version of its template`, 'autoscaling:updateAutoScalingGroup',
      { AutoScalingGroupName: group, LaunchTemplate: { LaunchTemplateId: group === other.name ? otherTemplate.id : untaggedTemplate.id, Version: '1' } },
      (r) => r.action === 'autoscaling:UpdateAutoScalingGroup' || r.resource.includes(':launch-template/'));
  }
  // Our group, tags other than the engine's own: claiming a group for a cluster, or renaming it.
  for (const key of [TagKey.CLUSTER, 'Name']) {
    add(`write ${key} on our group`, 'autoscaling:createOrUpdateTags', { Tags: [{ ResourceId: 'x86', ResourceType: 'auto-scaling-group', Key: key, Value: OTHER_CLUSTER, PropagateAtLaunch: true }] });
    add(`delete ${key} from our group`, 'autoscaling:deleteTags', { Tags: [{ ResourceId: 'x86', ResourceType: 'auto-scaling-group', Key: key }] });
  }
  add('write the batch tag and another key on our group', 'autoscaling:createOrUpdateTags', {
    Tags: [BATCH_TAG, 'owner'].map((Key) => ({ ResourceId: 'x86', ResourceType: 'auto-scaling-group', Key, Value: 'x', PropagateAtLaunch: false })),
  });
  add('write the batch tag on our group and on another cluster\'s group in one call', 'autoscaling:createOrUpdateTags', {
    Tags: ['x86', other.name].map((ResourceId) => ({ ResourceId, ResourceType: 'auto-scaling-group', Key: BATCH_TAG, Value: 'x', PropagateAtLaunch: false })),
  }, (r) => r.resource.endsWith(`/${other.name}`));

  // EC2: another cluster's launch template, an untagged one.
  for (const [label, id] of [['another cluster\'s', otherTemplate.id], ['an untagged', untaggedTemplate.id]]) {
    add(`new version of ${label} launch template`, 'ec2:createLaunchTemplateVersion',
      { LaunchTemplateId: id, SourceVersion: '1', VersionDescription: 'x', LaunchTemplateData: { ImageId: 'ami-0123456789abcdef0' } });
    add(`new default version of ${label} launch template`, 'ec2:modifyLaunchTemplate', { LaunchTemplateId: id, DefaultVersion: '1' });
    add(`delete versions of ${label} launch template`, 'ec2:deleteLaunchTemplateVersions', { LaunchTemplateId: id, Versions: ['1'] });
    // RunInstances from a template that is not ours: pointing our own group at it fails the launch check.
    add(`point our group at ${label} launch template (launch check)`, 'autoscaling:updateAutoScalingGroup',
      { AutoScalingGroupName: 'x86', LaunchTemplate: { LaunchTemplateId: id, Version: '1' } },
      (r) => r.action === 'ec2:RunInstances' && r.resource.includes(':launch-template/'));
  }
  // PassRole of an unrelated role: our group, our template, a version carrying another role's profile.
  add('point our group at a template version passing an unrelated role', 'autoscaling:updateAutoScalingGroup',
    { AutoScalingGroupName: 'x86', LaunchTemplate: { LaunchTemplateId: ourTemplate, Version: String(profiled) } },
    (r) => r.action === 'iam:PassRole');
  cases.push({
    name: 'pass an unrelated role to EC2 directly',
    requests: [{ action: 'iam:PassRole', resource: 'arn:aws:iam::123456789012:role/AdminRole', context: { 'iam:PassedToService': 'ec2.amazonaws.com' }, reason: 'call' }],
  });
  cases.push({
    name: 'tag an existing instance (not at launch)',
    requests: [{ action: 'ec2:CreateTags', resource: 'arn:aws:ec2:us-east-1:123456789012:instance/i-0other00000000001', context: { 'aws:TagKeys': [TagKey.CLUSTER], [`aws:RequestTag/${TagKey.CLUSTER}`]: CLUSTER }, reason: 'call' }],
  });
  cases.push({
    name: 'launch an instance without a launch template',
    requests: [{ action: 'ec2:RunInstances', resource: 'arn:aws:ec2:us-east-1:123456789012:instance/i-00000000000000000', context: { 'ec2:InstanceType': 'm6i.large' }, reason: 'call' }],
  });

  // EC2 TerminateInstances: only instances tagged for this cluster and in no Auto Scaling group (the opt-in
  // replacement of instances outside every group). Our own group's instance carries the cluster tag too.
  const ourInstance = [...x86.instances.keys()][0];
  add('terminate an instance of our own group with EC2 (it carries the cluster tag, and aws:autoscaling:groupName)',
    'ec2:terminateInstances', { InstanceIds: [ourInstance] });
  add('terminate an untagged instance outside every group', 'ec2:terminateInstances', { InstanceIds: ['i-0untaggedloose001'] });
  add('terminate another cluster\'s instance outside every group', 'ec2:terminateInstances', { InstanceIds: ['i-0otherloose000001'] });
  add('terminate an instance of another cluster\'s group', 'ec2:terminateInstances', { InstanceIds: ['i-0other00000000001'] });

  // Auto Scaling launch configurations: only copies named for this cluster are made or deleted, and a group is
  // switched only to one of them. Another cluster whose name starts with ours is another cluster.
  const image = 'ami-0123456789abcdef0';
  for (const [label, name] of [
    ['another cluster\'s copy', `ecs-ami-refresher.${OTHER_CLUSTER}.${image}.web-lc`],
    ['a copy for a cluster whose name starts with ours', `ecs-ami-refresher.${CLUSTER}-2.${image}.web-lc`],
    ['a configuration not named by the refresher', 'web-lc'],
  ]) {
    add(`create ${label}`, 'autoscaling:createLaunchConfiguration', { LaunchConfigurationName: name, ImageId: image, InstanceType: 'm5.large' });
    add(`delete ${label}`, 'autoscaling:deleteLaunchConfiguration', { LaunchConfigurationName: name });
    add(`switch our group to ${label}`, 'autoscaling:updateAutoScalingGroup', { AutoScalingGroupName: 'x86', LaunchConfigurationName: name });
  }
  add('copy a launch configuration passing an unrelated role', 'autoscaling:createLaunchConfiguration',
    { LaunchConfigurationName: `ecs-ami-refresher.${CLUSTER}.${image}.web-lc`, ImageId: image, InstanceType: 'm5.large', IamInstanceProfile: 'admin-profile' },
    (r) => r.action === 'iam:PassRole');

  // SSM: parameters outside the map.
  for (const name of ['/golden/al2023', '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64', 'arn:aws:ssm:us-east-1:123456789012:parameter/team/db-password']) {
    add(`read parameter ${name}`, 'ssm:getParameters', { Names: [name] });
  }
  return { sim, world, cases };
}

function caseRequests(c: DenyCase, world: World): IamRequest[] {
  return c.requests ?? requestsFor(c.call!, world);
}

/** The cases a policy fails to deny, with the requests it allows. */
async function undenied(policy: { name: string; document: PolicyDocument }, deny: DenyWorld, tally = false): Promise<string[]> {
  const evaluator = new PolicyEvaluator(policy.name, policy.document);
  const failures: string[] = [];
  let deniedCases = 0;
  for (const c of deny.cases) {
    const requests = caseRequests(c, deny.world);
    const targeted = requests.filter(c.mustDeny ?? (() => true));
    if (targeted.length === 0) throw new Error(`deny case "${c.name}" selects no request`);
    let allDenied = true;
    for (const request of targeted) {
      const { decision } = await evaluator.evaluate(request);
      if (decision === 'Allowed') {
        allDenied = false;
        failures.push(`${c.name}: ${describeRequest(request)} is allowed`);
      } else if (tally) {
        figures.deniedRequests++;
      }
    }
    if (allDenied) deniedCases++;
  }
  if (tally) figures.deniedCases.set(policy.name, deniedCases);
  return failures;
}

describe('deny matrix: the same mutating calls against another cluster\'s resources', () => {
  const deny = denyWorld();

  test('every case maps to IAM requests', () => {
    for (const c of deny.cases) expect({ case: c.name, requests: caseRequests(c, deny.world).length > 0 }).toEqual({ case: c.name, requests: true });
  });

  test.each(DENY_POLICIES.map((p) => [p.name, p] as const))('%s policy denies every case', async (_name, policy) => {
    expect(await undenied(policy, deny, true)).toEqual([]);
    // eslint-disable-next-line no-console
    console.log(`${policy.name}: ${deny.cases.length} cross-cluster calls denied`);
  }, 60_000);

  test.each(DENY_POLICIES.map((p) => [p.name, p] as const))('%s policy: each case differs from an allowed call only by whose resource it is', async (_name, policy) => {
    // The group and template cases are denied for the resource, not the action: the same call on our group
    // or template is allowed (so a denial above is not an artefact of a missing context key).
    const evaluator = new PolicyEvaluator(policy.name, policy.document);
    const ownCopy = `ecs-ami-refresher.${CLUSTER}.ami-0123456789abcdef0.web-lc`;
    const ours: Array<Pick<RecordedCall, 'operation' | 'input'>> = [
      { operation: 'autoscaling:setDesiredCapacity', input: { AutoScalingGroupName: 'x86', DesiredCapacity: 3 } },
      { operation: 'autoscaling:createOrUpdateTags', input: { Tags: [{ ResourceId: 'x86', ResourceType: 'auto-scaling-group', Key: BATCH_TAG, Value: 'x' }] } },
      { operation: 'autoscaling:createOrUpdateTags', input: { Tags: [{ ResourceId: 'x86', ResourceType: 'auto-scaling-group', Key: LAUNCH_CONFIGURATIONS_UNSUPPORTED_TAG, Value: '1' }] } },
      { operation: 'autoscaling:deleteTags', input: { Tags: [{ ResourceId: 'x86', ResourceType: 'auto-scaling-group', Key: LAUNCH_CONFIGURATIONS_UNSUPPORTED_TAG }] } },
      { operation: 'ec2:createLaunchTemplateVersion', input: { LaunchTemplateId: deny.sim.cloud.groups.get('x86')!.launchTemplate!.id } },
      { operation: 'ecs:updateContainerInstancesState', input: { cluster: deny.sim.clusterArn, containerInstances: ['0f1e2d3c4b5a69788796a5b4c3d2e1f0'], status: 'DRAINING' } },
      { operation: 'ecs:tagResource', input: { resourceArn: deny.sim.clusterArn, tags: [{ key: LEASE_TAG, value: 'x' }] } },
      { operation: 'autoscaling:updateAutoScalingGroup', input: { AutoScalingGroupName: 'x86', LaunchTemplate: { LaunchTemplateId: deny.sim.cloud.groups.get('x86')!.launchTemplate!.id, Version: '1' } } },
      { operation: 'autoscaling:createLaunchConfiguration', input: { LaunchConfigurationName: ownCopy, ImageId: 'ami-0123456789abcdef0', InstanceType: 'm5.large' } },
      { operation: 'autoscaling:deleteLaunchConfiguration', input: { LaunchConfigurationName: ownCopy } },
      { operation: 'autoscaling:updateAutoScalingGroup', input: { AutoScalingGroupName: 'x86', LaunchConfigurationName: ownCopy } },
    ];
    for (const call of ours) {
      for (const request of requestsFor(call, deny.world)) {
        expect({ request: describeRequest(request), decision: (await evaluator.evaluate(request)).decision })
          .toEqual({ request: describeRequest(request), decision: 'Allowed' });
      }
    }
  });

  test('the matrix catches a broken policy (each mutation lets some case through)', async () => {
    const mutate = (sid: string, change: (s: PolicyStatement) => PolicyStatement): SynthesizedPolicy => ({
      ...discovered,
      name: `discovered, ${sid} broken`,
      document: { ...discovered.document, Statement: discovered.document.Statement.map((s) => (s.Sid === sid ? change({ ...s }) : s)) },
    });
    const withoutCondition = ({ Condition: _dropped, ...s }: PolicyStatement) => s;
    const mutations = [
      mutate('ContainerInstancesOfThisCluster', withoutCondition),
      mutate('ChangeTaggedGroups', withoutCondition),
      mutate('TagTaggedGroups', (s) => ({ ...s, Condition: { StringEquals: s.Condition!.StringEquals } })),
      mutate('ChangeTaggedLaunchTemplates', withoutCondition),
      mutate('LaunchFromTaggedTemplates', withoutCondition),
      mutate('LeaseOnThisCluster', (s) => ({ ...s, Resource: 'arn:aws:ecs:us-east-1:123456789012:cluster/*' })),
      mutate('DeregisterFromThisCluster', (s) => ({ ...s, Resource: '*' })),
      mutate('ReadAmiParameters', (s) => ({ ...s, Resource: 'arn:aws:ssm:us-east-1:*:parameter/*' })),
      mutate('StopTasksOfThisCluster', withoutCondition),
      mutate('ReadServicesOfThisCluster', withoutCondition),
      mutate('CopyLaunchConfigurationsOfThisCluster', (s) => ({ ...s, Resource: 'arn:aws:autoscaling:us-east-1:123456789012:launchConfiguration:*:launchConfigurationName/ecs-ami-refresher.*' })),
    ];
    for (const broken of mutations) {
      const through = await undenied(broken, deny);
      expect({ policy: broken.name, caught: through.length > 0 }).toEqual({ policy: broken.name, caught: true });
    }
    // The opt-in's TerminateInstances without either of its conditions lets an instance through.
    for (const drop of ['StringEquals', 'Null']) {
      const broken: SynthesizedPolicy = {
        ...unmanaged,
        name: `unmanaged, TerminateTaggedInstancesOutsideGroups without ${drop}`,
        document: {
          ...unmanaged.document,
          Statement: unmanaged.document.Statement.map((s) => {
            if (s.Sid !== 'TerminateTaggedInstancesOutsideGroups') return s;
            const { [drop]: _dropped, ...condition } = s.Condition!;
            return { ...s, Condition: condition };
          }),
        },
      };
      const through = await undenied(broken, deny);
      expect({ policy: broken.name, caught: through.some((f) => f.includes('ec2:TerminateInstances')) }).toEqual({ policy: broken.name, caught: true });
    }
    // Without the Deny, a group could be switched to any launch configuration.
    const withoutDeny: SynthesizedPolicy = {
      ...discovered,
      name: 'discovered, without SwitchGroupsOnlyToOwnLaunchConfigurations',
      document: { ...discovered.document, Statement: discovered.document.Statement.filter((s) => s.Sid !== 'SwitchGroupsOnlyToOwnLaunchConfigurations') },
    };
    expect((await undenied(withoutDeny, deny)).some((f) => f.startsWith('switch our group to'))).toBe(true);
    const passRole = { ...given, name: 'given, PassRole on *', document: { ...given.document, Statement: [...given.document.Statement, { Effect: 'Allow' as const, Action: 'iam:PassRole', Resource: '*' }] } };
    expect((await undenied(passRole, deny)).some((f) => f.includes('iam:PassRole'))).toBe(true);
  }, 60_000);
});
