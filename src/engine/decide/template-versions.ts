/**
 * Old launch template versions this engine created are pruned once the rotation of every group using the
 * template has ended: the newest `keep` versions the engine created stay (a hand rollback can point a group
 * at any of them), and neither a template's default version nor a version any group references is ever
 * deleted. A version is the engine's when its description starts with VERSION_DESCRIPTION_PREFIX: versions
 * CloudFormation, Terraform or a person made are never touched.
 */
import type { Action } from '../actions';
import type { ObservedCluster, ObservedGroup } from '../model';
import type { GroupRotation } from './rotate';
import { BATCH_TAG } from '../../shared/records';

/** The templates a group launches from (its own, and those its mixed instances overrides name), each with the version it uses now. */
function templatesOf(group: ObservedGroup): Array<{ readonly launchTemplateId: string; readonly inUse?: number }> {
  const source = group.launchSource;
  if (source.kind !== 'launch-template') return [];
  return [
    { launchTemplateId: source.launchTemplateId, inUse: source.resolvedVersion },
    ...(source.overrides ?? []).flatMap((o) => (o.template
      ? [{ launchTemplateId: o.template.launchTemplateId, inUse: o.template.resolvedVersion }]
      : [])),
  ];
}

/**
 * For each group whose rotation ends this round (its record is cleared), the templates it launches from
 * that no other group is still rotating on, with every version the observed groups use.
 */
export function templateVersionPruning(
  observed: ObservedCluster,
  rotations: ReadonlyMap<string, GroupRotation>,
  keep: number | undefined,
): Action[] {
  if (keep === undefined) return [];
  const ending = observed.groups.filter((g) => rotations.get(g.name)?.actions.some((a) => a.kind === 'finish-batch'));
  const actions: Action[] = [];
  const done = new Set<string>();
  for (const group of ending) {
    for (const { launchTemplateId } of templatesOf(group)) {
      if (done.has(launchTemplateId)) continue;
      done.add(launchTemplateId);
      const users = observed.groups.filter((g) => templatesOf(g).some((t) => t.launchTemplateId === launchTemplateId));
      // Another group on the template still rotates (or is about to): its versions wait for its end.
      const busy = users.some((g) => g !== group && (g.tags[BATCH_TAG] !== undefined
        || rotations.get(g.name)?.phase === 'updating-launch-template' || rotations.get(g.name)?.phase === 'replacing'));
      if (busy) continue;
      const inUse = [...new Set(users.flatMap((g) => templatesOf(g).filter((t) => t.launchTemplateId === launchTemplateId)
        .map((t) => t.inUse).filter((v): v is number => v !== undefined)))].sort((a, b) => a - b);
      actions.push({ kind: 'prune-template-versions', group: group.name, launchTemplateId, keep, inUse });
    }
  }
  return actions;
}
