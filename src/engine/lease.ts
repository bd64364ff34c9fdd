/**
 * One actor per cluster. The Lambda has reserved concurrency 1, but an operator's terminal run is another
 * actor: both take this lease before any write. The lease is one DynamoDB item (shared/lease-table.ts)
 * written under a condition, which DynamoDB evaluates and applies as one step: "If the condition expression
 * evaluates to true, the operation succeeds. Otherwise, the operation fails" (Developer Guide, "Condition and
 * filter expressions, operators, and functions"), failing with ConditionalCheckFailedException.
 *
 * - take: PutItem if no item, an expired one, or our own (a retried put whose first attempt landed);
 * - renew: UpdateItem of the expiry only while the item still names us;
 * - give back: DeleteItem only while the item still names us.
 *
 * DynamoDB's condition language has no clock (its functions are attribute_exists, attribute_not_exists,
 * attribute_type, begins_with, contains, size), so "expired" is judged by the taker's clock against the
 * expiry the holder wrote. A holder acts only while at least half the lease is left (it renews past half),
 * so two clocks may disagree by up to that half, less one round's writes, before two actors could overlap.
 *
 * The previous release's lease, a cluster tag (LEASE_TAG), is still honoured for reading: while another
 * owner's unexpired tag is on the cluster, an engine of that release may be mid-run, and this one backs off.
 * It is never written any more (this release's policy no longer allows it).
 */
import type { AwsApi } from '../aws/ports';
import { LEASE_EXPIRES, LEASE_KEY, LEASE_OWNER, leaseTableName } from '../shared/lease-table';
import { decodeLease, Lease, LEASE_TAG, leaseOwner } from '../shared/records';

export type LeaseResult =
  | { readonly held: true; readonly lease: Lease }
  | { readonly held: false; readonly holder: Lease };

export interface LeaseRequest {
  readonly api: AwsApi;
  readonly clusterName: string;
  readonly owner: string;
  readonly now: number;
  readonly ttlMs: number;
}

/** DynamoDB's answer to a write whose condition is false. */
export const CONDITION_FAILED = 'ConditionalCheckFailedException';
/** DynamoDB's answer to a call on a table that does not exist ("The operation tried to access a nonexistent table or index"). */
export const TABLE_NOT_FOUND = 'ResourceNotFoundException';

/** The cluster has no lease table: it was not deployed with this release of the construct. */
export class LeaseTableMissingError extends Error {
  constructor(readonly tableName: string, clusterName: string) {
    super(`the lease table ${tableName} of cluster ${clusterName} does not exist. The construct creates it; for a cluster ` +
      `without the construct create it once: aws dynamodb create-table --table-name ${tableName} --billing-mode PAY_PER_REQUEST ` +
      `--attribute-definitions AttributeName=${LEASE_KEY},AttributeType=S --key-schema AttributeName=${LEASE_KEY},KeyType=HASH`);
    this.name = 'LeaseTableMissingError';
  }
}

const NAMES = { '#o': LEASE_OWNER, '#e': LEASE_EXPIRES };

function key(clusterName: string) {
  return { [LEASE_KEY]: { S: clusterName } };
}

function conditionFailed(error: unknown): boolean {
  return (error as { name?: string } | undefined)?.name === CONDITION_FAILED;
}

/** Takes the lease unless another owner holds an unexpired one (one conditional PutItem). */
export async function acquireLease(request: LeaseRequest): Promise<LeaseResult> {
  const owner = leaseOwner(request.owner);
  const lease: Lease = { owner, expiresAt: request.now + request.ttlMs };
  try {
    await request.api.dynamoDb.putItem({
      TableName: leaseTableName(request.clusterName),
      Item: { ...key(request.clusterName), [LEASE_OWNER]: { S: owner }, [LEASE_EXPIRES]: { N: String(lease.expiresAt) } },
      ConditionExpression: 'attribute_not_exists(#o) OR #e < :now OR #o = :me',
      ExpressionAttributeNames: NAMES,
      ExpressionAttributeValues: { ':now': { N: String(request.now) }, ':me': { S: owner } },
    });
    return { held: true, lease };
  } catch (error) {
    if ((error as Error | undefined)?.name === TABLE_NOT_FOUND) {
      throw new LeaseTableMissingError(leaseTableName(request.clusterName), request.clusterName);
    }
    if (!conditionFailed(error)) throw error;
    return { held: false, holder: await readHolder(request.api, request.clusterName, lease.expiresAt) };
  }
}

/** Pushes the expiry out while the item still names this owner; otherwise the lease was lost. */
export async function renewLease(request: LeaseRequest): Promise<LeaseResult> {
  const owner = leaseOwner(request.owner);
  const lease: Lease = { owner, expiresAt: request.now + request.ttlMs };
  try {
    await request.api.dynamoDb.updateItem({
      TableName: leaseTableName(request.clusterName),
      Key: key(request.clusterName),
      UpdateExpression: 'SET #e = :expires',
      ConditionExpression: '#o = :me',
      ExpressionAttributeNames: NAMES,
      ExpressionAttributeValues: { ':expires': { N: String(lease.expiresAt) }, ':me': { S: owner } },
    });
    return { held: true, lease };
  } catch (error) {
    if (!conditionFailed(error)) throw error;
    return { held: false, holder: await readHolder(request.api, request.clusterName, lease.expiresAt) };
  }
}

/** Gives the lease back if this owner still holds it (it may have expired and been taken meanwhile). */
export async function releaseLease(api: AwsApi, clusterName: string, owner: string): Promise<void> {
  try {
    await api.dynamoDb.deleteItem({
      TableName: leaseTableName(clusterName),
      Key: key(clusterName),
      ConditionExpression: '#o = :me',
      ExpressionAttributeNames: { '#o': LEASE_OWNER },
      ExpressionAttributeValues: { ':me': { S: leaseOwner(owner) } },
    });
  } catch (error) {
    if (!conditionFailed(error)) throw error;
  }
}

/** The lease as the table holds it now (a strongly consistent read), or undefined when it is free. */
export async function readLease(api: AwsApi, clusterName: string): Promise<Lease | undefined> {
  const response = await api.dynamoDb.getItem({ TableName: leaseTableName(clusterName), Key: key(clusterName), ConsistentRead: true });
  const owner = response.Item?.[LEASE_OWNER]?.S;
  const expiresAt = Number(response.Item?.[LEASE_EXPIRES]?.N);
  return owner !== undefined && Number.isFinite(expiresAt) ? { owner, expiresAt } : undefined;
}

/** Who holds it after our condition failed; it may already be gone again (then it is named `unknown`). */
async function readHolder(api: AwsApi, clusterName: string, fallbackExpiry: number): Promise<Lease> {
  return (await readLease(api, clusterName)) ?? { owner: 'unknown', expiresAt: fallbackExpiry };
}

/** The previous release's lease tag, when another owner's unexpired one is on the cluster. */
export function legacyHolder(tags: Readonly<Record<string, string>> | undefined, owner: string, now: number): Lease | undefined {
  const tagged = decodeLease(tags?.[LEASE_TAG]);
  return tagged && tagged.owner !== leaseOwner(owner) && tagged.expiresAt > now ? tagged : undefined;
}

/** How long a lease outlives its last renewal: a crashed holder blocks others this long at most. */
export const LEASE_TTL_MS = 5 * 60_000;

/**
 * The lease of one run: taken before its first write, renewed once half its time has passed, and released
 * when the run ends.
 */
export class RunLease {
  private lease: Lease | undefined;
  private clusterName: string | undefined;
  /** When the lease held now was taken (renewals keep it). */
  private takenAt: number | undefined;

  constructor(
    private readonly api: AwsApi,
    private readonly owner: string,
    private readonly now: () => number,
  ) {}

  /**
   * Holds the lease for this round's writes; returns the other owner's lease when that one holds it.
   * `tags` are the cluster's tags as this round observed them (for the previous release's lease tag).
   */
  async holdFor(clusterName: string, tags: Readonly<Record<string, string>> | undefined): Promise<Lease | undefined> {
    const legacy = legacyHolder(tags, this.owner, this.now());
    if (legacy) return legacy;
    if (this.lease && this.lease.expiresAt - this.now() >= LEASE_TTL_MS / 2) return undefined;
    const request = { api: this.api, clusterName, owner: this.owner, now: this.now(), ttlMs: LEASE_TTL_MS };
    const result = this.lease ? await renewLease(request) : await acquireLease(request);
    if (!result.held) {
      this.lease = undefined;
      this.takenAt = undefined;
      return result.holder;
    }
    if (!this.lease) this.takenAt = request.now;
    this.lease = result.lease;
    this.clusterName = clusterName;
    return undefined;
  }

  /**
   * Whether the lease held now was already held at `at` (and still is by this run's reckoning): then what
   * was observed from `at` on was observed under it. A lease that lapsed and was taken again is not.
   */
  heldSince(at: number): boolean {
    return this.lease !== undefined && this.takenAt !== undefined && this.takenAt <= at && this.lease.expiresAt > this.now();
  }

  /** Released at the end of every run, so a terminal run can act between two scheduled runs. */
  async release(): Promise<void> {
    if (this.lease && this.clusterName) await releaseLease(this.api, this.clusterName, this.owner);
    this.lease = undefined;
    this.takenAt = undefined;
  }
}
