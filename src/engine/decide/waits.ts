/**
 * What makes a group wait that is not the rotation's own doing: a closed maintenance window, another actor
 * changing the group (an instance refresh, a CloudFormation update).
 */
import { describeWindow, windowState } from '../../shared/maintenance-window';
import { ObservedGroup } from '../model';
import { RotationConfig } from './rotation-types';

/**
 * Why new work may not start at `now` because every maintenance window is closed, or undefined when one is
 * open (or none is configured).
 */
export function maintenanceWindowClosed(config: Pick<RotationConfig, 'maintenanceWindows'>, now: number): string | undefined {
  const maintenanceWindows = config.maintenanceWindows ?? [];
  if (maintenanceWindows.length === 0) return undefined;
  const state = windowState(maintenanceWindows, now);
  if (state.open) return undefined;
  const next = state.nextOpensAt === undefined ? 'none opens again' : `the next opens at ${new Date(state.nextOpensAt).toISOString()}`;
  return `outside maintenance windows (${maintenanceWindows.map(describeWindow).join(', ')}); ${next}`;
}

/** Instance refresh states in which Auto Scaling is replacing the group's instances itself. */
const REFRESH_ACTIVE = new Set(['Pending', 'InProgress', 'Cancelling', 'RollbackInProgress', 'Baking']);

/**
 * Another actor is changing the group: the engine does nothing to it until that is over. An instance refresh
 * replaces instances itself; a CloudFormation update may rewrite desired capacity, size or template.
 */
export function otherActor(group: ObservedGroup): string | undefined {
  if (group.instanceRefresh && (REFRESH_ACTIVE.has(group.instanceRefresh.status) || group.instanceRefresh.status.startsWith('Unreadable'))) {
    return `instance refresh ${group.instanceRefresh.id} of ${group.name} is ${group.instanceRefresh.status}; the rotation waits for it to end`;
  }
  if (group.stack?.status?.endsWith('_IN_PROGRESS')) {
    return `CloudFormation stack ${group.stack.name}, which manages ${group.name}, is ${group.stack.status}; the rotation waits for it to end`;
  }
  return undefined;
}

