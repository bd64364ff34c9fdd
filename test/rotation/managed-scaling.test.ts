/**
 * A cluster as CDK's AsgCapacityProvider builds it by default (managed scaling ENABLED at target 100,
 * managed termination protection ENABLED, new instances protected from scale-in): the rotation does not
 * fight ECS's target tracking. No replacement is scaled in while the rotation still needs it, no old
 * instance is scaled in while it still runs tasks, and no task is killed.
 */
import { BATCH_TAG } from '../../src/shared/records';
import { buildScenario, GroupSpec, SimInstance, Simulation } from '../sim';
import { runScheduled, settingsFor } from './harness';

const HOUR = 3600_000;

/** What Auto Scaling's own scale-ins did to the rotation (the engine's terminations are not counted). */
interface ScaleInWatch {
  /** Instances on the target image scaled in before the rotation ended. */
  replacementsScaledIn: number;
  /** Instances scaled in with non-daemon tasks still alive on them. */
  scaledInWithTasks: number;
  /** Non-daemon tasks alive on any instance as it started shutting down. */
  tasksKilled: number;
  /** Daemon tasks cut short by Auto Scaling's scale-ins (MTP ignores daemon tasks, so AWS does this too). */
  daemonTasksCutByScaleIn: number;
}

function watchScaleIns(sim: Simulation, targetImage: string, rotating: () => boolean): ScaleInWatch {
  const watch: ScaleInWatch = { replacementsScaledIn: 0, scaledInWithTasks: 0, tasksKilled: 0, daemonTasksCutByScaleIn: 0 };
  const byScaleIn = (i: SimInstance) => i.group?.activities.some((a) => a.description === `Terminating EC2 instance: ${i.id} (scale in)`) ?? false;
  sim.cloud.listeners.push({
    onInstanceTerminating: (instance, alive) => {
      const replicas = alive.filter((t) => !t.service?.daemon).length;
      watch.tasksKilled += replicas;
      if (!byScaleIn(instance)) return;
      watch.daemonTasksCutByScaleIn += alive.length - replicas;
      if (replicas > 0) watch.scaledInWithTasks++;
      if (instance.imageId === targetImage && rotating()) watch.replacementsScaledIn++;
    },
  });
  return watch;
}

function cdkDefaultCluster(instances: number, seed: number): { sim: Simulation; spec: GroupSpec } {
  // managedScaling left out on purpose: the scenario builds CDK's default (ENABLED, target 100, MTP ENABLED).
  const spec: GroupSpec = { name: 'cdk-default', family: 'amazon-linux-2023', architecture: 'x86_64', instances };
  const sim = buildScenario({ seed, groups: [spec], services: 'auto', standaloneTasks: { count: 1, durationS: [300, 1200] } });
  return { sim, spec };
}

describe.each([
  { instances: 10, seed: 3 },
  { instances: 40, seed: 11 },
])('a CDK-default capacity provider group of $instances instances (managed scaling + MTP)', ({ instances, seed }) => {
  test('rotates to the end: no replacement scaled in while needed, no instance scaled in with tasks, no task killed', async () => {
    const { sim, spec } = cdkDefaultCluster(instances, seed);
    const group = sim.cloud.groups.get(spec.name)!;
    expect(group.managedScaling).toMatchObject({ targetCapacityPercent: 100, managedTerminationProtection: true });
    expect(group.newInstancesProtectedFromScaleIn).toBe(true);
    const target = sim.images['amazon-linux-2023/x86_64'].new.imageId;
    const minBefore = group.minSize;
    const rotating = () => Object.keys(sim.cloud.imagesOf(spec.name)).some((image) => image !== target);
    const watch = watchScaleIns(sim, target, rotating);

    const result = await runScheduled(sim, settingsFor(sim.clusterName), 24 * HOUR);

    expect(result.settled).toBe(true);
    expect(Object.keys(sim.cloud.imagesOf(spec.name))).toEqual([target]);
    expect(watch).toEqual({ replacementsScaledIn: 0, scaledInWithTasks: 0, tasksKilled: 0, daemonTasksCutByScaleIn: 0 });
    expect(sim.invariants.terminationViolations).toEqual([]);
    expect(sim.invariants.servicesBelowMinimum()).toEqual([]);
    // The hold is gone: the group's minimum is what it was, and no batch record is left.
    expect(group.minSize).toBe(minBefore);
    expect(group.tags.has(BATCH_TAG)).toBe(false);
    // The engine never wrote desired capacity directly to a group ECS scales.
    expect(sim.recorder.count('autoscaling:setDesiredCapacity')).toBe(0);
  });
});
