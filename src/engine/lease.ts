/**
 * One actor per cluster. The Lambda has reserved concurrency 1, but an operator's terminal run is another
 * actor: both take this lease, a tag on the ECS cluster, before any write. Taking it is write-then-read:
 * of two actors writing at once, the one whose value is read back holds it; the other backs off. A tag has
 * no compare-and-set, so two writes far enough apart can each read back their own value: every round then
 * checks the tag it observes (`overtaken`), and the actor whose value is gone stops before its next write.
 */
import { AwsApi } from '../aws/ports';
import { decodeLease, encodeLease, Lease, LEASE_TAG, leaseOwner } from '../shared/records';

export type LeaseResult =
  | { readonly held: true; readonly lease: Lease }
  | { readonly held: false; readonly holder: Lease };

export interface LeaseRequest {
  readonly api: AwsApi;
  readonly clusterArn: string;
  readonly owner: string;
  readonly now: number;
  readonly ttlMs: number;
  /** The cluster's tags as just observed. */
  readonly tags: Readonly<Record<string, string>>;
}

/** Takes or renews the lease unless another owner holds an unexpired one. */
export async function acquireLease(request: LeaseRequest): Promise<LeaseResult> {
  const owner = leaseOwner(request.owner);
  const current = decodeLease(request.tags[LEASE_TAG]);
  if (current && current.owner !== owner && current.expiresAt > request.now) {
    return { held: false, holder: current };
  }
  const lease: Lease = { owner, expiresAt: request.now + request.ttlMs };
  await request.api.ecs.tagResource({ resourceArn: request.clusterArn, tags: [{ key: LEASE_TAG, value: encodeLease(lease) }] });
  const readBack = await request.api.ecs.describeClusters({ clusters: [request.clusterArn], include: ['TAGS'] });
  const value = readBack.clusters?.[0]?.tags?.find((t) => t.key === LEASE_TAG)?.value;
  const winner = decodeLease(value);
  if (!winner || winner.owner !== owner) {
    return { held: false, holder: winner ?? { owner: 'unknown', expiresAt: lease.expiresAt } };
  }
  return { held: true, lease: winner };
}

/** Gives the lease back if this owner still holds it (it may have expired and been taken meanwhile). */
export async function releaseLease(api: AwsApi, clusterArn: string, owner: string): Promise<void> {
  const response = await api.ecs.describeClusters({ clusters: [clusterArn], include: ['TAGS'] });
  const current = decodeLease(response.clusters?.[0]?.tags?.find((t) => t.key === LEASE_TAG)?.value);
  if (current?.owner !== leaseOwner(owner)) return;
  await api.ecs.untagResource({ resourceArn: clusterArn, tagKeys: [LEASE_TAG] });
}

/**
 * Another owner's lease is on the cluster though this run holds one: its write landed after ours was read
 * back. Whatever its expiry says, the run gives its own lease up and goes through `acquireLease` again before
 * it writes anything more: that backs off from a value this clock reads as live, and overwrites and reads back
 * one it reads as expired, which the other owner then finds in its place and backs off from in turn.
 */
export function overtaken(lease: Lease, tags: Readonly<Record<string, string>> | undefined): boolean {
  const current = decodeLease(tags?.[LEASE_TAG]);
  return current !== undefined && current.owner !== lease.owner;
}

/** How long a lease outlives its last renewal: a crashed holder blocks others this long at most. */
export const LEASE_TTL_MS = 5 * 60_000;

/**
 * The lease of one run: taken before its first write, renewed once half its time has passed, given up when
 * another owner's value is found on the cluster, and released when the run ends.
 */
export class RunLease {
  private lease: Lease | undefined;
  private clusterArn: string | undefined;

  constructor(
    private readonly api: AwsApi,
    private readonly owner: string,
    private readonly now: () => number,
  ) {}

  /**
   * Holds the lease for this round's writes; returns the other owner's lease when that one holds it.
   * `tags` are the cluster's tags as this round observed them.
   */
  async holdFor(clusterArn: string, tags: Readonly<Record<string, string>> | undefined): Promise<Lease | undefined> {
    if (this.lease && overtaken(this.lease, tags)) this.lease = undefined;
    if (this.lease && this.lease.expiresAt - this.now() >= LEASE_TTL_MS / 2) return undefined;
    const result = await acquireLease({ api: this.api, clusterArn, owner: this.owner, now: this.now(), ttlMs: LEASE_TTL_MS, tags: tags ?? {} });
    if (!result.held) return result.holder;
    this.lease = result.lease;
    this.clusterArn = clusterArn;
    return undefined;
  }

  /** Released at the end of every run, so a terminal run can act between two scheduled runs. */
  async release(): Promise<void> {
    if (this.lease && this.clusterArn) await releaseLease(this.api, this.clusterArn, this.owner);
  }
}
