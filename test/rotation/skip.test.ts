/**
 * Standalone tasks, skip the instance: over a whole simulated rotation at production's cadence, an outdated
 * instance running a long standalone task is left in service, the others are replaced around it, and it is
 * replaced once its task has ended; it is never drained while the task runs, and no task is stopped.
 */
import { buildScenario } from '../sim';
import { runTicks, settingsFor } from './harness';

const HOUR = 3600_000;
const KEY = 'amazon-linux-2023/x86_64';

test('an instance with a long standalone task is replaced last, after its task ends, and never drained while it runs', async () => {
  const sim = buildScenario({
    seed: 53,
    groups: [{ name: 'web', family: 'amazon-linux-2023', architecture: 'x86_64', instances: 8 }],
    services: 'auto',
    standaloneTasks: { count: 0, durationS: 60 },
  });
  // A three-hour batch job on the instance with the fewest tasks: the one a rotation would take first.
  const job = sim.cloud.runStandaloneTask(3 * 3600)!;
  const busy = job.ci.instance.id;
  const settings = settingsFor(sim.clusterName, { maxUnavailable: { count: 2 }, skipInstancesWithStandaloneTasks: true });
  const { done, rounds } = await runTicks(sim, settings, 6 * HOUR);

  expect(sim.cloud.imagesOf('web')).toEqual({ [sim.images[KEY].new.imageId]: 8 });
  expect(sim.invariants.terminationViolations).toEqual([]);
  expect(sim.invariants.servicesBelowMinimum()).toEqual([]);
  expect(sim.recorder.count('ecs:stopTask')).toBe(0);
  expect(job.stoppedReason).toBe('Essential container in task exited');

  // Marked last: every other outdated instance was marked before it, and only after its job had ended.
  const arnOf = (id: string) => rounds[0].observed.containerInstances.find((c) => c.ec2InstanceId === id)!.containerInstanceArn;
  const marks = done.flatMap((d) => (d.action.kind === 'start-batch' || d.action.kind === 'mark-more'
    ? d.action.containerInstanceArns.map((arn) => ({ at: d.at, arn })) : []));
  expect(marks).toHaveLength(8);
  expect(marks[marks.length - 1].arn).toBe(arnOf(busy));
  expect(marks[marks.length - 1].at).toBeGreaterThanOrEqual(job.stoppedAt!);
  const drained = done.find((d) => d.action.kind === 'drain' && d.action.containerInstanceArns.includes(arnOf(busy)))!;
  expect(drained.at).toBeGreaterThanOrEqual(job.stoppedAt!);

  // Meanwhile it was reported skipped, with its task; once the others were done, the group waited for it.
  const skippedRounds = rounds.filter((r) => r.rotations.get('web')?.skipped?.some((s) => s.instanceId === busy));
  expect(skippedRounds.length).toBeGreaterThan(0);
  const taskId = job.arn.slice(job.arn.lastIndexOf('/') + 1);
  expect(skippedRounds[0].rotations.get('web')!.skipped).toEqual([{ instanceId: busy, reason: `runs standalone task(s) ${taskId}; it is replaced once they end` }]);
  const waiting = rounds.filter((r) => r.rotations.get('web')?.waitingOn === 'standalone-tasks');
  expect(waiting.length).toBeGreaterThan(0);
  expect(waiting[0].rotations.get('web')!.waitingReason).toBe(`the outdated instance(s) left run standalone tasks (${busy}); each is replaced once its standalone tasks end`);
  // Every other instance was replaced well before the job ended.
  const othersDone = done.filter((d) => d.action.kind === 'terminate' && d.action.instanceId !== busy).map((d) => d.at);
  expect(othersDone).toHaveLength(7);
  expect(Math.max(...othersDone)).toBeLessThan(job.stoppedAt!);
}, 60_000);
