/** Deleting the launch configurations this engine copied once nothing uses them (see `launch-configuration-names.ts`). */
import { isEngineLaunchConfiguration } from '../../shared/launch-configuration-names';
import type { Action } from '../actions';
import type { ObservedCluster } from '../model';

/**
 * The copies this engine made for the cluster that no group it sees uses any more, and that no action of
 * this round is about to create or switch to. AWS refuses to delete a configuration any Auto Scaling group
 * uses (ResourceInUse), which covers groups this engine does not see; `act` leaves those in place.
 */
export function unusedLaunchConfigurations(observed: ObservedCluster, actions: readonly Action[]): Action[] {
  const own = observed.launchConfigurations ?? [];
  if (own.length === 0) return [];
  const used = new Set<string>();
  for (const g of observed.groups) if (g.launchSource.kind === 'launch-configuration') used.add(g.launchSource.launchConfigurationName);
  for (const a of actions) if (a.kind === 'switch-launch-configuration') used.add(a.name);
  // A group that could not be read may use one: nothing is deleted until every group is seen.
  if (observed.groupFailures.length > 0) return [];
  const unused = own.filter((name) => isEngineLaunchConfiguration(observed.clusterName, name) && !used.has(name)).sort();
  return unused.length === 0 ? [] : [{ kind: 'delete-launch-configurations', group: '(launch configurations)', names: unused }];
}
