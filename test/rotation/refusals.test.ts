/**
 * A write AWS refuses every time, injected on one kind of write at a time in a whole rotation: the group either
 * gets past the instance it is about (the rest rotates, then the group stops naming it) or stops for good with
 * AWS's error. Counted: start/finish cycles (never more than one without progress) and rounds to a stop.
 */
import { buildScenario, GroupSpec, Simulation } from '../sim';
import { runScheduled, settingsFor } from './harness';
import type { Round } from '../../src/engine/run';

const HOUR = 3600_000;
const spec: GroupSpec = { name: 'web', family: 'amazon-linux-2023', architecture: 'x86_64', instances: 5 };

interface Refusal {
  readonly operation: string;
  readonly error: string;
  /** Only calls about the chosen instance (EC2 id, container instance ARN). */
  readonly aboutInstance?: (input: unknown, id: string, arn: string) => boolean;
}

const CASES: Record<string, Refusal> = {
  'mark (PutAttributes)': {
    operation: 'ecs:putAttributes',
    error: 'AttributeLimitExceededException',
    aboutInstance: (input, _id, arn) => (input as { attributes?: Array<{ targetId?: string }> }).attributes?.some((a) => a.targetId === arn) ?? false,
  },
  'drain (UpdateContainerInstancesState)': {
    operation: 'ecs:updateContainerInstancesState',
    error: 'InvalidParameterException',
    aboutInstance: (input, _id, arn) => ((input as { containerInstances?: string[] }).containerInstances ?? []).includes(arn),
  },
  'terminate (TerminateInstanceInAutoScalingGroup)': {
    operation: 'autoscaling:terminateInstanceInAutoScalingGroup',
    error: 'ValidationError',
    aboutInstance: (input, id) => (input as { InstanceId?: string }).InstanceId === id,
  },
  'group record (CreateOrUpdateTags)': { operation: 'autoscaling:createOrUpdateTags', error: 'LimitExceeded' },
  'capacity (UpdateAutoScalingGroup)': { operation: 'autoscaling:updateAutoScalingGroup', error: 'ValidationError' },
  'AZRebalance (SuspendProcesses)': { operation: 'autoscaling:suspendProcesses', error: 'AccessDenied' },
  'launch template (CreateLaunchTemplateVersion)': { operation: 'ec2:createLaunchTemplateVersion', error: 'LaunchTemplateVersionLimitExceeded' },
  'launch template (ModifyLaunchTemplate)': { operation: 'ec2:modifyLaunchTemplate', error: 'UnauthorizedOperation' },
};

/** The most rounds any case takes from its first refusal to a stable stop (stated in the note). */
const MAX_ROUNDS_TO_STOP = 4;

function run(refusal: Refusal) {
  const sim: Simulation = buildScenario({ seed: 18, groups: [spec], services: 'auto' });
  const group = sim.cloud.groups.get('web')!;
  const victimId = [...group.instances.keys()][2];
  const victimArn = sim.cloud.containerInstanceOrder.find((c) => c.instance.id === victimId)!.arn;
  sim.faults.inject(refusal.operation, {
    error: refusal.error,
    message: `${refusal.error} (injected: refused every time)`,
    when: refusal.aboutInstance ? (input) => refusal.aboutInstance!(input, victimId, victimArn) : undefined,
  });
  return { sim, victimId };
}

describe('a permanent refusal on each kind of write', () => {
  test.each(Object.entries(CASES))('%s: progress past it or a stable stop, no start/finish cycle without progress', async (_name, refusal) => {
    const { sim, victimId } = run(refusal);
    const rounds: Round[] = [];
    await runScheduled(sim, settingsFor(sim.clusterName, { maxUnavailable: { count: 1 } }), 6 * HOUR, (r) => rounds.push(r));
    const phases = rounds.map((r) => r.rotations.get('web')?.phase);
    const starts = rounds.flatMap((r) => r.outcomes).filter((o) => o.ok && o.action.kind === 'start-batch').length;
    const finishes = rounds.flatMap((r) => r.outcomes).filter((o) => o.ok && o.action.kind === 'finish-batch').length;
    const firstRefusal = rounds.findIndex((r) => r.outcomes.some((o) => o.refusal !== undefined));
    expect(firstRefusal).toBeGreaterThanOrEqual(0);
    const firstStop = phases.indexOf('stopped');
    expect(firstStop).toBeGreaterThanOrEqual(0);
    // Stable: once stopped, stopped in every later round, and nothing more is written.
    expect(phases.slice(firstStop).every((p) => p === 'stopped')).toBe(true);
    // About the group: a stop within a few rounds. About one instance: the rest rotates first, then the stop.
    if (!refusal.aboutInstance) expect(firstStop - firstRefusal).toBeLessThanOrEqual(MAX_ROUNDS_TO_STOP);
    const later = rounds.slice(firstStop + 1).flatMap((r) => r.outcomes).filter((o) => o.action.kind !== 'notify');
    expect(later.filter((o) => o.ok)).toEqual([]);
    // At most one start/finish cycle per instance passed over, and never a start/finish loop.
    expect(starts).toBeLessThanOrEqual(3);
    expect(finishes).toBeLessThanOrEqual(starts);
    const last = rounds[rounds.length - 1].rotations.get('web')!;
    if (refusal.aboutInstance) {
      // The instance is passed over, recorded on the group, and never terminated; the group ends in a stable stop.
      // (Known gap, reported in the issue note: the stop comes from the readiness or drain timeout of the instances
      // around it, not yet from the pass-over itself, and only after the rotation ran that far.)
      expect(last.skipped?.map((s) => s.instanceId)).toContain(victimId);
      expect(sim.cloud.groups.get('web')!.tags.get('ecs-ami-refresher:passed-over')?.value).toContain(`${victimId}=${refusal.error}`);
      expect(sim.cloud.instances.get(victimId)!.state).toBe('running');
    } else {
      expect(last.stoppedReason).toContain(refusal.error);
    }
    expect(sim.invariants.terminationViolations).toEqual([]);
    // Reported for the note: the counts per write kind.
    process.stdout.write(`${_name}: first refusal round ${firstRefusal + 1}, stopped round ${firstStop + 1}, start/finish ${starts}/${finishes}\n`);
  });
});
