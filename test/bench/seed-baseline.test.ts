/**
 * The seed baseline behaves as seed 004's script: one instance at a time, detached without decrement, polled
 * every 2 s until ECS counts no running task, then deregistered and terminated, and a sleep of 120 s − drain/4
 * (900 s base on Windows) before the next one. Virtual-clock assertions.
 */
import { prepareForSeed, runSeedBaseline, SeedBaselineResult } from '../../bench/seed-baseline';
import { buildScenario, GroupSpec, RecordedCall, ServiceSpec, simAwsApi, Simulation } from '../sim';

const LATENCY_MS = 25;

/** Quick drains: a service ECS may stop at once (minimum 0%), no load balancer delay. */
const QUICK: ServiceSpec[] = [{ name: 'batch', desiredCount: 4, minimumHealthyPercent: 0, maximumPercent: 200, deregistrationDelayS: 0 }];

function cluster(group: GroupSpec, services: readonly ServiceSpec[] | 'auto' = QUICK): Simulation {
  // Managed scaling off: the runbook sets desired capacity by hand, which ECS's target tracking would undo.
  return buildScenario({ seed: 11, groups: [{ managedScaling: false, ...group }], services, standaloneTasks: { count: 0, durationS: 60 } });
}

async function run(sim: Simulation, family: string): Promise<SeedBaselineResult> {
  const amiParameters = prepareForSeed(sim, { [sim.groupNames[0]]: family });
  return runSeedBaseline(simAwsApi(sim.api), { clusterName: sim.clusterName, amiParameters, clock: sim.clock });
}

describe('seed 004\'s loop on a Linux group of four', () => {
  let sim: Simulation;
  let result: SeedBaselineResult;
  const desiredBefore = 4;
  beforeAll(async () => {
    sim = cluster({ name: 'web', family: 'amazon-linux-2023', architecture: 'x86_64', instances: desiredBefore });
    result = await run(sim, 'amazon-linux-2023');
  });

  test('replaces every instance, one at a time: the next is detached only after the previous is terminated', () => {
    expect(result.replaced).toHaveLength(4);
    for (let i = 1; i < result.replaced.length; i++) expect(result.replaced[i].detachedAt).toBeGreaterThan(result.replaced[i - 1].terminatedAt);
    const key = 'amazon-linux-2023/x86_64';
    return sim.runUntil(() => sim.cloud.imagesOf('web')[sim.images[key].new.imageId] === 4, { timeoutMs: 600_000 }).then((done) => {
      expect(done).toBe(true);
      expect(sim.cloud.imagesOf('web')).toEqual({ [sim.images[key].new.imageId]: 4 });
    });
  });

  test('detaches without decrement: the group\'s desired capacity never changes, and each detach launches a replacement', () => {
    const detaches = sim.recorder.of('autoscaling:detachInstances');
    expect(detaches).toHaveLength(4);
    const decrement = (c: RecordedCall) => (c.input as { ShouldDecrementDesiredCapacity: boolean }).ShouldDecrementDesiredCapacity;
    expect(detaches.every((c) => decrement(c) === false && c.batchSize === 1)).toBe(true);
    expect(sim.cloud.groups.get('web')!.desired).toBe(desiredBefore);
    expect(sim.cloud.groups.get('web')!.activities.filter((a) => a.description.startsWith('Launching a new EC2 instance: '))).toHaveLength(4);
  });

  test('polls DescribeContainerInstances every 2 s (plus the call itself) between DRAINING and deregistration', () => {
    const calls = sim.recorder.calls;
    for (const r of result.replaced) {
      const start = calls.findIndex((c) => c.operation === 'ecs:updateContainerInstancesState' && c.at >= r.detachedAt);
      const end = calls.findIndex((c, i) => i > start && c.operation === 'ecs:deregisterContainerInstance');
      const polls = calls.slice(start + 1, end);
      expect(polls.every((c) => c.operation === 'ecs:describeContainerInstances' && c.batchSize === 1)).toBe(true);
      expect(polls).toHaveLength(r.polls);
      for (let i = 1; i < polls.length; i++) expect(polls[i].at - polls[i - 1].at).toBe(2000 + LATENCY_MS);
      expect(r.drainTimeS).toBe(2 * (r.polls - 1));
    }
  });

  test('sleeps 120 s − drain/4 when the drain counted under 120 s, none otherwise, and none after the group\'s last-listed instance', () => {
    expect(result.replaced.filter((r) => r.sleptS > 0)).toHaveLength(3);
    expect(result.replaced[3].sleptS).toBe(0);
    for (let i = 0; i < result.replaced.length; i++) {
      const r = result.replaced[i];
      const next = result.replaced[i + 1];
      if (next) {
        expect(r.sleptS).toBe(r.drainTimeS < 120 ? 120 - r.drainTimeS / 4 : 0);
        // Sleep, then DescribeInstances for the next one, then its detach.
        expect(next.detachedAt - r.terminatedAt).toBe(r.sleptS * 1000 + LATENCY_MS);
      }
    }
  });

  test('terminates with TerminateInstances (not through its group) once ECS counts no running task; the group serves short meanwhile', () => {
    expect(sim.recorder.count('ec2:terminateInstances')).toBe(4);
    expect(sim.recorder.count('autoscaling:terminateInstanceInAutoScalingGroup')).toBe(0);
    // Detached before its replacement is up, and a 120 s sleep is shorter than a boot (120-180 s, then the
    // agent registers): the next is detached while the previous replacement still boots, two short.
    expect(sim.invariants.groups.get('web')!.lowestServing).toBe(desiredBefore - 2);
  });
});

test('drains of 120 s or more (services at 100% minimum, load balancer delays): no sleep at all', async () => {
  const sim = cluster({ name: 'web', family: 'amazon-linux-2023', architecture: 'x86_64', instances: 3 }, 'auto');
  const result = await run(sim, 'amazon-linux-2023');
  expect(result.replaced).toHaveLength(3);
  expect(result.replaced.every((r) => r.drainTimeS >= 120 && r.sleptS === 0)).toBe(true);
});

test('a Windows group sleeps from a 900 s base', async () => {
  const sim = cluster({ name: 'win', family: 'windows-server-2022-core', architecture: 'x86_64', instances: 2 });
  const result = await run(sim, 'windows-server-2022-core');
  expect(result.replaced).toHaveLength(2);
  const first = result.replaced[0];
  expect(first.sleptS).toBe(first.drainTimeS < 120 ? 900 - first.drainTimeS / 4 : 0);
  expect(first.sleptS).toBeGreaterThan(120);
});

test('an up-to-date cluster: nothing detached, nothing written', async () => {
  const sim = cluster({ name: 'web', family: 'amazon-linux-2023', architecture: 'x86_64', instances: 3 });
  const key = 'amazon-linux-2023/x86_64';
  sim.cloud.setParameter(sim.images[key].parameter, sim.images[key].old.imageId);
  const result = await run(sim, 'amazon-linux-2023');
  expect(result.replaced).toEqual([]);
  expect(sim.recorder.calls.filter((c) => !/:(describe|list|get)/.test(c.operation))).toEqual([]);
});
