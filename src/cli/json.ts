/**
 * `plan --output json` and `status --output json`: one JSON document on standard output, the same shape for
 * both commands (docs/cli.md has its field table). The shape is versioned: `schemaVersion` changes only when
 * a field is removed, renamed or changes its meaning; a new field keeps the version. Every field is always
 * present; what is unknown is `null`, never left out. Times are ISO 8601 strings in UTC.
 */
import { describeAction } from './describe-action';
import { groupCounts, groupProblem, iso, liveStatus, PlanView, scheduledWait } from './format';
import { decodeLease, LEASE_TAG } from '../shared/records';

export const JSON_SCHEMA_VERSION = 1;

export const OUTPUT_FORMATS = ['text', 'json'] as const;
export type OutputFormat = typeof OUTPUT_FORMATS[number];

export interface JsonLease {
  readonly state: 'free' | 'held' | 'expired';
  readonly owner: string | null;
  readonly expiresAt: string | null;
}

export interface JsonGroup {
  readonly name: string;
  readonly status: string;
  readonly phase: string | null;
  readonly desiredCapacity: number | null;
  readonly family: string | null;
  readonly architecture: string | null;
  readonly currentImageId: string | null;
  readonly targetImageId: string | null;
  readonly amiParameter: string | null;
  readonly instances: { readonly total: number; readonly old: number; readonly new: number; readonly draining: number };
  readonly outdatedInstances: ReadonlyArray<{
    readonly instanceId: string;
    readonly imageId: string | null;
    readonly containerInstanceStatus: string | null;
    readonly runningTasks: number;
  }>;
  readonly problem: string | null;
  readonly waiting: string | null;
  readonly nextActions: ReadonlyArray<{ readonly kind: string; readonly description: string }>;
}

export interface JsonView {
  readonly schemaVersion: typeof JSON_SCHEMA_VERSION;
  readonly command: 'plan' | 'status';
  readonly cluster: { readonly name: string; readonly arn: string };
  readonly observedAt: string;
  readonly lease: JsonLease;
  readonly groups: readonly JsonGroup[];
  readonly unmanagedInstances: ReadonlyArray<{
    readonly instanceId: string;
    readonly status: string;
    readonly runningTasks: number;
    readonly replaceable: boolean;
    readonly reason: string | null;
  }>;
  readonly needsAttention: boolean;
}

export function toJson(command: 'plan' | 'status', view: PlanView): JsonView {
  const { observed, plan } = view;
  const groups = plan.groups.map((g): JsonGroup => {
    const group = observed.groups.find((o) => o.name === g.groupName);
    const counts = groupCounts(observed, g);
    const rotation = view.rotations.get(g.groupName);
    return {
      name: g.groupName,
      status: liveStatus(g, counts),
      phase: rotation?.phase ?? null,
      desiredCapacity: group?.desiredCapacity ?? null,
      family: g.family ?? null,
      architecture: g.architecture ?? null,
      currentImageId: g.currentImageId ?? null,
      targetImageId: g.targetImageId ?? null,
      amiParameter: g.parameterName ?? null,
      instances: { total: g.instanceCount, ...counts },
      outdatedInstances: g.outdatedInstances.map((i) => ({
        instanceId: i.instanceId,
        imageId: i.imageId ?? null,
        containerInstanceStatus: i.containerInstanceStatus ?? null,
        runningTasks: i.runningTasksCount,
      })),
      problem: groupProblem(g, rotation) ?? null,
      waiting: scheduledWait(rotation) ?? null,
      nextActions: (rotation?.actions ?? []).map((a) => ({ kind: a.kind, description: describeAction(a, observed) })),
    };
  });
  return {
    schemaVersion: JSON_SCHEMA_VERSION,
    command,
    cluster: { name: observed.clusterName, arn: observed.clusterArn },
    observedAt: iso(observed.observedAt),
    lease: leaseOf(view),
    groups,
    unmanagedInstances: plan.unmanagedInstances.map((u) => ({
      instanceId: u.instanceId,
      status: u.status,
      runningTasks: u.runningTasksCount,
      replaceable: u.replaceable,
      reason: u.reason ?? null,
    })),
    needsAttention: groups.some((g) => g.problem !== null),
  };
}

function leaseOf(view: PlanView): JsonLease {
  const lease = decodeLease(view.observed.clusterTags?.[LEASE_TAG]);
  if (!lease) return { state: 'free', owner: null, expiresAt: null };
  return { state: lease.expiresAt <= view.observed.observedAt ? 'expired' : 'held', owner: lease.owner, expiresAt: iso(lease.expiresAt) };
}
