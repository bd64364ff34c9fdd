/**
 * Every API call the engine makes, in order: service, operation, virtual time, input, batch size (the ids or
 * names it carries) and outcome. Tests assert batch limits, call counts and burst rates from it.
 */
import { SimService } from './errors';

export interface RecordedCall {
  readonly seq: number;
  readonly service: SimService;
  /** `ecs:describeContainerInstances`: service prefix and the port method's name. */
  readonly operation: string;
  readonly at: number;
  readonly input: unknown;
  /** Ids, names or entries carried by the call (1 for calls that name a single resource). */
  readonly batchSize: number;
  /** The error code it failed with, if it did. */
  error?: string;
}

export class Recorder {
  readonly calls: RecordedCall[] = [];
  private seq = 0;

  record(service: SimService, operation: string, at: number, input: unknown): RecordedCall {
    const call: RecordedCall = { seq: this.seq++, service, operation, at, input, batchSize: batchSizeOf(operation, input) };
    this.calls.push(call);
    return call;
  }

  clear(): void {
    this.calls.length = 0;
  }

  of(operation: string): RecordedCall[] {
    return this.calls.filter((c) => c.operation === operation);
  }

  /** Calls per operation, e.g. `{ 'ecs:listContainerInstances': 10 }`. */
  countByOperation(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const c of this.calls) counts[c.operation] = (counts[c.operation] ?? 0) + 1;
    return counts;
  }

  count(operation: string): number {
    let n = 0;
    for (const c of this.calls) if (c.operation === operation) n++;
    return n;
  }

  /** The largest batch per operation. */
  maxBatchByOperation(): Record<string, number> {
    const max: Record<string, number> = {};
    for (const c of this.calls) max[c.operation] = Math.max(max[c.operation] ?? 0, c.batchSize);
    return max;
  }

  maxBatch(operation: string): number {
    let max = 0;
    for (const c of this.calls) if (c.operation === operation) max = Math.max(max, c.batchSize);
    return max;
  }

  /**
   * The most calls made within any window of `windowMs` (1 s by default) of virtual time, optionally for one
   * operation or service prefix (`ecs:`).
   */
  peakCallsPerSecond(filter?: string, windowMs = 1000): { readonly calls: number; readonly at: number } {
    const times = this.calls
      .filter((c) => filter === undefined || c.operation === filter || c.operation.startsWith(filter))
      .map((c) => c.at);
    let best = 0;
    let bestAt = times[0] ?? 0;
    let lo = 0;
    for (let hi = 0; hi < times.length; hi++) {
      while (times[hi] - times[lo] >= windowMs) lo++;
      if (hi - lo + 1 > best) {
        best = hi - lo + 1;
        bestAt = times[lo];
      }
    }
    return { calls: best, at: bestAt };
  }

  /** Calls that failed, by error code. */
  errors(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const c of this.calls) if (c.error) counts[`${c.operation} ${c.error}`] = (counts[`${c.operation} ${c.error}`] ?? 0) + 1;
    return counts;
  }
}

type Bag = Record<string, unknown>;

function len(value: unknown): number {
  return Array.isArray(value) ? value.length : 0;
}

function filterValues(input: Bag): number {
  const filters = input.Filters;
  if (!Array.isArray(filters)) return 0;
  return filters.reduce((n: number, f: unknown) => n + len((f as Bag).Values), 0);
}

/** The number of ids, names or entries a call carries. */
export function batchSizeOf(operation: string, input: unknown): number {
  const i = (input ?? {}) as Bag;
  switch (operation) {
    case 'ecs:describeClusters': return len(i.clusters);
    case 'ecs:describeCapacityProviders': return len(i.capacityProviders);
    case 'ecs:describeContainerInstances':
    case 'ecs:updateContainerInstancesState': return len(i.containerInstances);
    case 'ecs:putAttributes':
    case 'ecs:deleteAttributes': return len(i.attributes);
    case 'ecs:tagResource': return len(i.tags);
    case 'ecs:untagResource': return len(i.tagKeys);
    case 'autoscaling:describeAutoScalingGroups': return len(i.AutoScalingGroupNames);
    case 'autoscaling:detachInstances': return len(i.InstanceIds);
    case 'autoscaling:describeLaunchConfigurations': return len(i.LaunchConfigurationNames);
    case 'autoscaling:createOrUpdateTags':
    case 'autoscaling:deleteTags': return len(i.Tags);
    case 'ec2:describeInstances': return len(i.InstanceIds) + filterValues(i);
    case 'ec2:describeImages': return len(i.ImageIds) + filterValues(i);
    case 'ec2:describeLaunchTemplateVersions': return Math.max(1, len(i.Versions));
    case 'ec2:deleteLaunchTemplateVersions': return len(i.Versions);
    case 'ssm:getParameters': return len(i.Names);
    default: return 1;
  }
}
