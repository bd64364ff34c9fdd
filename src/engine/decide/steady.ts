/**
 * Steady services (`waitForSteadyServices`, and the canaries' judgement): a service is steady with one
 * deployment and as many tasks running as desired; a drain waits until every service it would move is.
 */
import { decodePhase, Phase } from '../../shared/records';
import { ObservedCluster, ObservedContainerInstance, ObservedGroup, ObservedService } from '../model';
import { RotationConfig } from './rotation-types';

/** Steady: one deployment and as many tasks running as desired (daemons are checked on the replacements). */
export function unsteadiness(service: ObservedService): string | undefined {
  if (service.deployments > 1) return `service ${service.name} has ${service.deployments} deployments in progress`;
  if (!service.daemon && service.runningCount !== service.desiredCount) {
    return `service ${service.name} runs ${service.runningCount} of ${service.desiredCount} desired tasks`;
  }
  return undefined;
}

/**
 * Why the instances about to drain must wait (waitForSteadyServices), or undefined when they may go: every
 * service with a task on them is steady, and every daemon among them runs (RUNNING) on each replacement that
 * registered since the earliest of them was marked. Tasks not read count as a reason to wait.
 */
export function steadyHold(
  observed: ObservedCluster,
  group: ObservedGroup,
  picked: ReadonlyArray<{
    readonly instance: { readonly instanceId: string };
    readonly container?: ObservedContainerInstance;
    readonly phase: Phase;
  }>,
  config: RotationConfig,
): string | undefined {
  if (config.waitForSteadyServices !== true) return undefined;
  const services = new Set<string>();
  for (const m of picked) {
    if (m.container?.tasks === undefined) return `the tasks of instance ${m.instance.instanceId} were not read`;
    for (const t of m.container.tasks) if (t.service) services.add(t.service);
  }
  const markedSince = Math.min(...picked.map((m) => m.phase.since ?? 0));
  const members = new Set(group.instances.filter((i) => i.lifecycleState === 'InService').map((i) => i.instanceId));
  const replacements = observed.containerInstances.filter((c) => members.has(c.ec2InstanceId) && c.status === 'ACTIVE'
    && decodePhase(c.phase) === undefined && Date.parse(c.registeredAt ?? '') >= markedSince);
  for (const name of [...services].sort()) {
    const service = observed.services?.[name];
    if (!service) continue; // deleted since: it can never be steady again, and ECS stops its tasks
    const reason = unsteadiness(service);
    if (reason) return reason;
    if (!service.daemon) continue;
    for (const r of replacements) {
      if (r.tasks === undefined) return `the tasks of replacement ${r.ec2InstanceId} were not read`;
      if (!r.tasks.some((t) => t.service === name && t.lastStatus === 'RUNNING')) {
        return `daemon service ${name} does not run on replacement ${r.ec2InstanceId} yet`;
      }
    }
  }
  return undefined;
}
