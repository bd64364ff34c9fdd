/**
 * Whole rotations through lifecycle hooks (test/sim/lifecycle-hooks.ts): ECS managed instance draining (the
 * default of a capacity provider and of aws-cdk's AsgCapacityProvider), aws-cdk's legacy drain hook, and a
 * launch hook that holds replacements in Pending:Wait.
 */
import { Round } from '../../src/engine/run';
import { parameterKey } from '../../src/shared/ami-families';
import { buildScenario, GroupSpec, Simulation } from '../sim';
import { runScheduled, settingsFor } from './harness';
import { TERMINATING } from '../sim/lifecycle-hooks';

const HOUR = 3600_000;

function group(extra: Partial<GroupSpec> = {}): GroupSpec {
  return { name: 'app', family: 'amazon-linux-2023', architecture: 'x86_64', instances: 4, ...extra };
}

/** The longest an instance waited in Terminating:Wait, in ms. */
function longestTerminationWait(sim: Simulation): number {
  return Math.max(0, ...sim.cloud.lifecycleHooks.ended.filter((e) => e.transition === TERMINATING).map((e) => e.waitedMs));
}

function forcedDeregistrations(sim: Simulation): number {
  return sim.recorder.of('ecs:deregisterContainerInstance').filter((c) => (c.input as { force?: boolean }).force === true).length;
}

/** After the run settles (the last terminated instance still shutting down), every instance of the group is on the image. */
async function onAmi(sim: Simulation, imageId: string): Promise<boolean> {
  await sim.sleep(10 * 60_000);
  const app = sim.cloud.groups.get('app')!;
  return app.instances.size === 4 && [...app.instances.values()].every((i) => i.imageId === imageId && i.lifecycle === 'InService');
}

describe('ECS managed instance draining (on by default)', () => {
  test('a rotation goes through ECS\'s hook: no task killed or orphaned, no forced deregistration', async () => {
    const sim = buildScenario({ seed: 3, groups: [group()], services: 'auto' });
    const result = await runScheduled(sim, settingsFor(sim.clusterName), 12 * HOUR);
    expect(result.settled).toBe(true);
    expect(await onAmi(sim, sim.images[parameterKey('amazon-linux-2023', 'x86_64')].new.imageId)).toBe(true);
    expect(sim.invariants.terminations).toBe(4);
    expect(sim.invariants.terminationViolations).toEqual([]);
    expect(sim.invariants.tasksOrphaned).toBe(0);
    expect(forcedDeregistrations(sim)).toBe(0);
    // The engine terminates drained instances: ECS lets each go as soon as it sees it empty.
    expect(longestTerminationWait(sim)).toBeLessThanOrEqual(60_000);
  });

  test('onDrainTimeout force ends a drain that never finishes within a bounded time, and orphans nothing', async () => {
    // Standalone tasks for 30 hours: nothing else ever empties their instances (a service task would move).
    // Managed scaling off: with only standalone tasks, ECS's target tracking scales the group on its own (managed-scaling.ts).
    const sim = buildScenario({ seed: 5, groups: [group({ managedScaling: false })], services: [], standaloneTasks: { count: 4, durationS: 30 * 3600 } });
    const settings = settingsFor(sim.clusterName, { drainTimeoutSeconds: 900, onDrainTimeout: 'force' });
    const stopped: string[] = [];
    const onRound = (round: Round) => {
      for (const r of round.rotations.values()) if (r.phase === 'stopped' && r.stoppedReason) stopped.push(r.stoppedReason);
    };
    const result = await runScheduled(sim, settings, 12 * HOUR, onRound);
    expect(result.settled).toBe(true);
    expect(await onAmi(sim, sim.images[parameterKey('amazon-linux-2023', 'x86_64')].new.imageId)).toBe(true);
    expect(stopped).toEqual([]);
    // Forced: the tasks die with their instance, by the user's choice; none is orphaned first.
    expect(sim.invariants.tasksOrphaned).toBe(0);
    expect(forcedDeregistrations(sim)).toBe(0);
    expect(sim.recorder.of('autoscaling:completeLifecycleAction').length).toBeGreaterThan(0);
    // Without the engine's CompleteLifecycleAction ECS would hold each one while its task runs (up to 48 hours).
    expect(longestTerminationWait(sim)).toBeLessThanOrEqual(15 * 60_000);
  });
});

describe('aws-cdk\'s legacy InstanceDrainHook (managed draining off)', () => {
  test('the Lambda finds the container instance and lets it go: no instance sits out the heartbeat timeout', async () => {
    const sim = buildScenario({ seed: 3, groups: [group({ managedDraining: false, cdkDrainHookS: 300 })], services: 'auto' });
    const result = await runScheduled(sim, settingsFor(sim.clusterName), 12 * HOUR);
    expect(result.settled).toBe(true);
    expect(await onAmi(sim, sim.images[parameterKey('amazon-linux-2023', 'x86_64')].new.imageId)).toBe(true);
    const waits = sim.cloud.lifecycleHooks.ended.filter((e) => e.transition === TERMINATING);
    expect(waits).toHaveLength(4);
    expect(waits.filter((w) => w.by === 'timeout')).toEqual([]);
    expect(longestTerminationWait(sim)).toBeLessThanOrEqual(60_000);
    expect(sim.invariants.terminationViolations).toEqual([]);
  });
});

describe('a launch hook', () => {
  test('replacements held in Pending:Wait for the hook\'s hour are waited for, not failed', async () => {
    const sim = buildScenario({ seed: 13, groups: [group({ launchHook: { heartbeatTimeoutS: 3600, defaultResult: 'CONTINUE' } })], services: 'auto' });
    const stopped: string[] = [];
    let sawPendingWait = false;
    const onRound = (round: Round) => {
      sawPendingWait ||= round.observed.groups.some((g) => g.instances.some((i) => i.lifecycleState === 'Pending:Wait'));
      for (const r of round.rotations.values()) if (r.phase === 'stopped' && r.stoppedReason) stopped.push(r.stoppedReason);
    };
    const result = await runScheduled(sim, settingsFor(sim.clusterName), 24 * HOUR, onRound);
    expect(sawPendingWait).toBe(true);
    expect(stopped).toEqual([]);
    expect(result.settled).toBe(true);
    expect(await onAmi(sim, sim.images[parameterKey('amazon-linux-2023', 'x86_64')].new.imageId)).toBe(true);
    expect(sim.invariants.terminationViolations).toEqual([]);
  });

  test('a replacement held longer than readiness + the hook\'s heartbeat stops the group, saying it waits on the hook', async () => {
    const sim = buildScenario({ seed: 13, groups: [group({ launchHook: { heartbeatTimeoutS: 7200, defaultResult: 'CONTINUE' } })], services: 'auto' });
    // Whoever owns the hook keeps it alive (heartbeats, up to its global timeout of 100 x 7200 s > 48 h: 48 h).
    const stopped: string[] = [];
    const onRound = (round: Round) => {
      for (const i of sim.cloud.groups.get('app')!.instances.values()) {
        for (const a of sim.cloud.lifecycleHooks.openActions(i.id)) sim.cloud.lifecycleHooks.heartbeat('app', a.hook.name, { instanceId: i.id });
      }
      for (const r of round.rotations.values()) if (r.phase === 'stopped' && r.stoppedReason) stopped.push(r.stoppedReason);
    };
    await runScheduled(sim, settingsFor(sim.clusterName, { readinessTimeoutSeconds: 1800 }), 4 * HOUR, onRound);
    expect(stopped.length).toBeGreaterThan(0);
    expect(stopped[0]).toMatch(/wait in Pending:Wait on launch hook\(s\) launch-hook \(heartbeat timeout 7200 s\)/);
    expect(stopped[0]).toMatch(/they have not failed/);
    expect(sim.invariants.terminationViolations).toEqual([]);
  });
});
