/**
 * The replacement of instances outside every group, killed after each of its AWS writes (and at seeded random
 * moments before a call lands), then resumed by fresh scheduled runs: it must complete with nothing lost or
 * repeated — each instance terminated once, drained first, the group left with exactly one more instance per
 * replaced one, no record or mark left behind.
 */
import { TagKey } from '../../src/shared/constants';
import { PHASE_ATTRIBUTE, UNMANAGED_TAG } from '../../src/shared/records';
import { buildScenario, dyingApi, ProcessKilled, Simulation } from '../sim';
import { recordFigure } from './figures';
import { runInvocations, runScheduled, settingsFor } from './harness';

const HOUR = 3600_000;

const SETTINGS = (sim: Simulation) => settingsFor(sim.clusterName, { unmanagedReplacementGroup: 'web' });

/** Group `web` already on its target image (2 instances) and two tagged instances outside every group. */
function scenario(): Simulation {
  const sim = buildScenario({
    seed: 13,
    groups: [{ name: 'web', family: 'amazon-linux-2023', architecture: 'x86_64', instances: 2 }],
    ungrouped: [{ family: 'amazon-linux-2023', architecture: 'x86_64', count: 2 }],
    services: 'auto',
    standaloneTasks: { count: 1, durationS: 600 },
  });
  // The group is up to date: only the replacement of the two strangers writes anything.
  const images = sim.images['amazon-linux-2023/x86_64'];
  sim.cloud.setParameter(images.parameter, images.old.imageId);
  return sim;
}

function strangers(sim: Simulation): string[] {
  return [...sim.cloud.instances.values()].filter((i) => !i.group && i.tags.has(TagKey.CLUSTER)).map((i) => i.id).sort();
}

/** Once EC2 has finished terminating (a run may settle while the last one is still shutting down). */
async function expectDone(sim: Simulation, context: Record<string, unknown>, before: readonly string[]) {
  await sim.sleep(2 * 60_000);
  const group = sim.cloud.groups.get('web')!;
  const states = before.map((id) => sim.cloud.instances.get(id)!.state);
  expect({ ...context, states, desired: group.desired, record: group.tags.has(UNMANAGED_TAG) })
    .toEqual({ ...context, states: before.map(() => 'terminated'), desired: 4, record: false });
  expect({ ...context, live: sim.cloud.instancesOf('web').filter((i) => i.state === 'running').length }).toEqual({ ...context, live: 4 });
  // Each terminated exactly once through EC2, never with a task still on it.
  const terminated = sim.recorder.of('ec2:terminateInstances').flatMap((c) => (c.input as { InstanceIds: string[] }).InstanceIds);
  expect({ ...context, terminated: [...new Set(terminated)].sort() }).toEqual({ ...context, terminated: [...before] });
  expect({ ...context, violations: sim.invariants.terminationViolations, low: sim.invariants.servicesBelowMinimum() })
    .toEqual({ ...context, violations: [], low: [] });
  expect({ ...context, marks: sim.cloud.registeredContainerInstances().filter((ci) => ci.attributes.has(PHASE_ATTRIBUTE)).length })
    .toEqual({ ...context, marks: 0 });
}

test('killed after every write of the replacement, the next runs complete it safely', async () => {
  const reference = scenario();
  const counting = dyingApi(reference.api, { afterWrites: Number.MAX_SAFE_INTEGER });
  await runInvocations({
    api: counting.api, clock: reference.clock, settings: SETTINGS(reference), budgetMs: 24 * HOUR, periodMs: 5 * 60_000, maxVirtualMs: 24 * HOUR,
  });
  await expectDone(reference, { reference: true }, strangers(reference));
  const total = counting.writes();
  expect(total).toBeGreaterThan(12);
  recordFigure('unmanagedKilledAfterEachWrite', total);

  for (let k = 1; k <= total; k++) {
    const sim = scenario();
    const before = strangers(sim);
    const dying = dyingApi(sim.api, { afterWrites: k });
    const killed = runInvocations({
      api: dying.api, clock: sim.clock, settings: SETTINGS(sim), budgetMs: 24 * HOUR, periodMs: 5 * 60_000, maxVirtualMs: 24 * HOUR,
    });
    if (k < total) await expect(killed).rejects.toThrow(ProcessKilled);
    else await killed;
    const resumed = await runScheduled(sim, SETTINGS(sim), 24 * HOUR);
    expect({ k, settled: resumed.settled }).toEqual({ k, settled: true });
    await expectDone(sim, { k }, before);
  }
});

test('killed at random moments (any call, before it lands), the next runs complete the replacement safely', async () => {
  let seed = 20261122;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const reference = scenario();
  const first = reference.recorder.calls.length;
  await runScheduled(reference, SETTINGS(reference), 24 * HOUR);
  const totalCalls = reference.recorder.calls.length - first;

  const moments = 15;
  recordFigure('unmanagedKilledAtRandomMoments', moments);
  for (let i = 0; i < moments; i++) {
    const n = 1 + Math.floor(next() * totalCalls);
    const sim = scenario();
    const before = strangers(sim);
    await expect(runInvocations({
      api: dyingApi(sim.api, { atCall: n }).api,
      clock: sim.clock,
      settings: SETTINGS(sim),
      budgetMs: 24 * HOUR,
      periodMs: 5 * 60_000,
      maxVirtualMs: 24 * HOUR,
    })).rejects.toThrow(ProcessKilled);
    const resumed = await runScheduled(sim, SETTINGS(sim), 24 * HOUR);
    expect({ n, settled: resumed.settled }).toEqual({ n, settled: true });
    await expectDone(sim, { n }, before);
  }
});
