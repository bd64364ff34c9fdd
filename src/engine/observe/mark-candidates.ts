/** The tasks of the next candidates for marking, for `skipInstancesWithStandaloneTasks`. */
import { AwsApi } from '../../aws/ports';
import { ObservedCluster, ObservedContainerInstance, ObservedTask } from '../model';
import { tasksOf } from './workload';

/**
 * For `skipInstancesWithStandaloneTasks`: the tasks of each group's next candidates for marking, read in the
 * order they would be marked, `room` at a time, until `room` of them run no standalone task or none is left.
 * So a round reads about as many instances as it may mark, plus those it passes over. Instances whose tasks
 * were read already (by a policy above) are not read again.
 */
export async function readMarkCandidates(
  api: AwsApi,
  observed: ObservedCluster,
  wanted: ReadonlyArray<{ readonly candidates: readonly ObservedContainerInstance[]; readonly room: number }>,
): Promise<ObservedCluster> {
  const read = new Map<string, ObservedTask[]>();
  for (const { candidates, room } of wanted) {
    let free = 0;
    for (let i = 0; i < candidates.length && free < room; i += room) {
      const slice = candidates.slice(i, i + room);
      const unread = slice.filter((c) => c.tasks === undefined && !read.has(c.containerInstanceArn)).map((c) => c.containerInstanceArn);
      for (const [arn, tasks] of await tasksOf(api, observed.clusterArn, unread)) read.set(arn, tasks);
      free += slice.filter((c) => !(c.tasks ?? read.get(c.containerInstanceArn) ?? []).some((t) => t.service === undefined)).length;
    }
  }
  if (read.size === 0) return observed;
  return {
    ...observed,
    containerInstances: observed.containerInstances
      .map((c) => (read.has(c.containerInstanceArn) ? { ...c, tasks: read.get(c.containerInstanceArn)! } : c)),
  };
}
