/**
 * The refusals of writes about single instances (see refusals.ts): one refused instance is told apart from the
 * others of its call, which are written, and the action then fails naming only it.
 */
import { AwsApi } from '../../aws/ports';
import { errorCode, isPermanentRefusal } from '../../aws/retry';
import { describeError } from '../../shared/describe-error';

/** A write AWS refused for good about these instances (EC2 ids) only; the rest of the action was done. */
export class InstanceRefusal extends Error {
  constructor(readonly instanceIds: readonly string[], readonly code: string, readonly cause: unknown) {
    super(`AWS refused ${instanceIds.join(', ')} for good (${describeError(cause)})`);
    this.name = 'InstanceRefusal';
  }
}

/**
 * Runs `write` over `items` in one call; when AWS refuses it for good and there are several items, once per item,
 * so one refused item does not hold the others. Returns the items refused, with the first refusal.
 */
export async function isolating<T>(items: readonly T[], write: (items: readonly T[]) => Promise<void>): Promise<{ refused: T[]; error?: unknown }> {
  if (items.length === 0) return { refused: [] };
  try {
    await write(items);
    return { refused: [] };
  } catch (error) {
    if (!isPermanentRefusal(error)) throw error;
    if (items.length === 1) return { refused: [...items], error };
    const refused: T[] = [];
    let first: unknown;
    for (const item of items) {
      try {
        await write([item]);
      } catch (e) {
        if (!isPermanentRefusal(e)) throw e;
        refused.push(item);
        first ??= e;
      }
    }
    return { refused, error: first };
  }
}

/** The EC2 instance ids of container instances (ARNs), as ECS describes them. */
export async function ec2InstanceIds(api: AwsApi, clusterArn: string, containerInstanceArns: readonly string[]): Promise<string[]> {
  if (containerInstanceArns.length === 0) return [];
  const response = await api.ecs.describeContainerInstances({ cluster: clusterArn, containerInstances: [...containerInstanceArns] });
  return (response.containerInstances ?? []).map((c) => c.ec2InstanceId).filter((id): id is string => id !== undefined);
}

/** Throws the refusal of these container instances, once the rest of the action is done. */
export async function refuseContainerInstances(api: AwsApi, clusterArn: string, refused: readonly string[], error: unknown): Promise<void> {
  if (refused.length === 0) return;
  const ids = await ec2InstanceIds(api, clusterArn, refused);
  throw new InstanceRefusal(ids.length > 0 ? ids : [...refused], errorCode(error) ?? 'Refused', error);
}
