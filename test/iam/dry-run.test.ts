/**
 * `dryRun: true` as an IAM boundary, evaluated: every call a dry run makes in the simulator (scheduled runs
 * over outdated groups of every shape, with every rotation policy on and another actor holding the lease) is
 * allowed by the dry-run policy, and every write a real rotation of the same cluster makes is denied by it.
 */
import { Duration } from 'aws-cdk-lib';
import { synthesizePolicy } from './policy';
import { describe as describeRequest, PolicyEvaluator } from './simulate';
import { MappedCall, watch } from './watch';
import { StandaloneTasks } from '../../src';
import { encodeLease, LEASE_TAG } from '../../src/shared/records';
import { runToCompletion, settingsFor } from '../rotation/harness';
import { buildScenario, GroupSpec, Simulation } from '../sim';

const HOUR = 3600_000;
const CLUSTER = 'sim-cluster';
const GROUPS: GroupSpec[] = [
  { name: 'x86', family: 'amazon-linux-2023', architecture: 'x86_64', instances: 4, launchTemplateVersion: '1' },
  { name: 'arm', family: 'bottlerocket-ecs-2', architecture: 'arm64', instances: 4, launchTemplateVersion: '$Default', mixedInstancesPolicy: true },
  { name: 'legacy', family: 'amazon-linux-2023', architecture: 'x86_64', instances: 2, launchConfiguration: true },
];
/** Every policy that reads more on: services (steady services, canary health) and tasks (standalone tasks). */
const PROPS = {
  dryRun: true,
  canary: { soak: Duration.minutes(10) },
  waitForSteadyServices: true,
  standaloneTasks: StandaloneTasks.stopAfter(Duration.minutes(2)),
};
const ROTATION = { canary: { count: 1, soakSeconds: 600 }, waitForSteadyServices: true, stopStandaloneTasksAfterSeconds: 120, unmanagedReplacementGroup: 'x86' };
const POLICIES = [
  synthesizePolicy('dry run, discovered', { clusterName: CLUSTER, props: PROPS, unmanagedReplacementGroupName: 'x86' }),
  synthesizePolicy('dry run, given', {
    clusterName: CLUSTER, groupNames: GROUPS.map((g) => g.name), props: { ...PROPS, discoverCapacityProviderGroups: false }, unmanagedReplacementGroupName: 'x86',
  }),
];

function scenario(seed: number): Simulation {
  return buildScenario({
    seed,
    clusterName: CLUSTER,
    groups: GROUPS,
    ungrouped: [{ family: 'amazon-linux-2023', architecture: 'x86_64', count: 1 }],
    services: 'auto',
    standaloneTasks: { count: 1, durationS: 600 },
  });
}

let dryRunCalls: MappedCall[];
let writes: MappedCall[];

beforeAll(async () => {
  // Dry runs, scheduled: the first alone, the next while another actor holds the lease, a forced one last.
  const sim = scenario(41);
  const watcher = watch(sim);
  const settings = (force: boolean) => settingsFor(CLUSTER, { ...ROTATION, force }, { dryRun: true });
  const first = await runToCompletion(sim.api, sim.clock, settings(false), HOUR);
  expect(first.outcomes).toEqual([]);
  expect(first.last.plan.groups.filter((g) => g.status === 'outdated').map((g) => g.groupName).sort()).toEqual(['arm', 'legacy', 'x86']);
  await sim.sleep(5 * 60_000);
  sim.cloud.clusters.get(CLUSTER)!.tags.set(LEASE_TAG, encodeLease({ owner: 'cli:operator-laptop:4242', expiresAt: sim.clock.now() + 10 * 60_000 }));
  expect((await runToCompletion(sim.api, sim.clock, settings(false), HOUR)).outcomes).toEqual([]);
  await sim.sleep(5 * 60_000);
  expect((await runToCompletion(sim.api, sim.clock, settings(true), HOUR)).outcomes).toEqual([]);
  watcher.stop();
  dryRunCalls = watcher.mapped;

  // The same cluster rotated for real: its writes are what the dry-run policy must refuse.
  const real = scenario(41);
  // A standalone task that outlasts the grace period, so the rotation stops it.
  real.cloud.runStandaloneTask(40 * 3600);
  const realWatcher = watch(real);
  const done = await runToCompletion(real.api, real.clock, settingsFor(CLUSTER, ROTATION), 24 * HOUR);
  expect(done.settled).toBe(true);
  realWatcher.stop();
  writes = realWatcher.mapped.filter((m) => !/^[a-z0-9-]+:(describe|list|get)/.test(m.call.operation));
}, 120_000);

test('a dry run reads only: every call it makes is a Describe, List or Get, and it never takes the lease', () => {
  expect(dryRunCalls.length).toBeGreaterThan(10);
  expect(dryRunCalls.filter((m) => m.error).map((m) => `${m.call.operation}: ${m.error}`)).toEqual([]);
  expect(dryRunCalls.map((m) => m.call.operation).filter((op) => !/^[a-z0-9-]+:(describe|list|get)/.test(op))).toEqual([]);
  const operations = new Set(dryRunCalls.map((m) => m.call.operation));
  // It read what deciding needs: the cluster and its instances, groups, launch configurations, images, parameters.
  // (Services and tasks are read for drains and canaries in flight, which a dry run never starts.)
  for (const op of ['ecs:describeClusters', 'ecs:describeContainerInstances', 'autoscaling:describeAutoScalingGroups', 'autoscaling:describeLaunchConfigurations', 'ec2:describeImages', 'ssm:getParameters']) {
    expect({ op, seen: operations.has(op) }).toEqual({ op, seen: true });
  }
});

test.each(POLICIES.map((p) => [p.name, p] as const))('%s: every IAM request of every dry-run call is allowed', async (_name, policy) => {
  const evaluator = new PolicyEvaluator(policy.name, policy.document);
  const denied: string[] = [];
  for (const { call, requests } of dryRunCalls) {
    for (const request of requests) {
      const { decision } = await evaluator.evaluate(request);
      if (decision !== 'Allowed') denied.push(`#${call.seq} ${call.operation}: ${describeRequest(request)} -> ${decision}`);
    }
  }
  expect([...new Set(denied)]).toEqual([]);
}, 120_000);

test.each(POLICIES.map((p) => [p.name, p] as const))('%s: every write of a real rotation of the same cluster is denied', async (_name, policy) => {
  const evaluator = new PolicyEvaluator(policy.name, policy.document);
  const operations = new Set(writes.map((m) => m.call.operation));
  // The rotation wrote to every service the full policy writes to.
  for (const op of ['dynamodb:putItem', 'ecs:updateContainerInstancesState', 'ecs:putAttributes', 'ecs:deregisterContainerInstance', 'ecs:stopTask',
    'autoscaling:setDesiredCapacity', 'autoscaling:terminateInstanceInAutoScalingGroup', 'autoscaling:createLaunchConfiguration',
    'ec2:createLaunchTemplateVersion', 'ec2:terminateInstances']) {
    expect({ op, seen: operations.has(op) }).toEqual({ op, seen: true });
  }
  const allowed: string[] = [];
  for (const { call, requests } of writes) {
    // A write is refused when its own request (not a check AWS makes on its behalf) is.
    for (const request of requests.filter((r) => r.reason === 'call')) {
      if ((await evaluator.evaluate(request)).decision === 'Allowed') allowed.push(`#${call.seq} ${call.operation}: ${describeRequest(request)}`);
    }
  }
  expect(allowed).toEqual([]);
}, 120_000);
