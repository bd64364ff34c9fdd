/**
 * The lease of one run (RunLease) against the simulator's DynamoDB: taken with a conditional put before
 * the first write, renewed (conditioned on still holding it) only past half its time, given back with a
 * conditional delete; the previous release's lease tag is honoured for reading only.
 */
import { acquireLease, LEASE_TTL_MS, readLease, RunLease } from '../../src/engine/lease';
import { LEASE_KEY, leaseTableName } from '../../src/shared/lease-table';
import { encodeLease, Lease, LEASE_TAG } from '../../src/shared/records';
import { twoGroups } from '../cli/cli-harness';

function setUp() {
  const sim = twoGroups();
  const cluster = sim.cloud.clusters.get('prod')!;
  const table = sim.cloud.dynamoDb.tables.get(leaseTableName('prod'))!;
  const tags = () => Object.fromEntries(cluster.tags);
  const lease = new RunLease(sim.api, 'lambda:run-1', () => sim.clock.now());
  const stored = () => readLease(sim.api, 'prod');
  const put = (other: Lease) => table.items.set('prod', {
    [LEASE_KEY]: { S: 'prod' }, owner: { S: other.owner }, expiresAt: { N: String(other.expiresAt) },
  });
  sim.recorder.clear();
  return { sim, cluster, table, tags, lease, stored, put };
}

const dynamoWrites = (sim: ReturnType<typeof twoGroups>) =>
  sim.recorder.count('dynamodb:putItem') + sim.recorder.count('dynamodb:updateItem') + sim.recorder.count('dynamodb:deleteItem');

describe('RunLease', () => {
  test('taken once, renewed only once half its time has passed, released at the end', async () => {
    const { sim, tags, lease, stored, table } = setUp();
    const takenAt = sim.clock.now();
    expect(await lease.holdFor('prod', tags())).toBeUndefined();
    const taken = (await stored())!;
    expect(taken.owner).toBe('lambda:run-1');
    expect(taken.expiresAt - takenAt).toBeGreaterThanOrEqual(LEASE_TTL_MS);
    expect(taken.expiresAt - takenAt).toBeLessThan(LEASE_TTL_MS + 1_000);
    expect(sim.recorder.count('dynamodb:putItem')).toBe(1);

    await sim.sleep(LEASE_TTL_MS / 2 - 1_000);
    expect(await lease.holdFor('prod', tags())).toBeUndefined();
    expect(dynamoWrites(sim)).toBe(1);

    await sim.sleep(2_000);
    const renewedAt = sim.clock.now();
    expect(await lease.holdFor('prod', tags())).toBeUndefined();
    expect(sim.recorder.count('dynamodb:updateItem')).toBe(1);
    expect((await stored())!.expiresAt).toBeGreaterThanOrEqual(renewedAt + LEASE_TTL_MS);

    await lease.release();
    expect(table.items.size).toBe(0);
    expect(sim.recorder.count('ecs:tagResource') + sim.recorder.count('ecs:untagResource')).toBe(0);
  });

  test('another owner\'s live lease: named, its item unchanged, nothing released', async () => {
    const { sim, tags, lease, stored, put } = setUp();
    const other = { owner: 'cli:laptop:42', expiresAt: sim.clock.now() + 60_000 };
    put(other);
    expect(await lease.holdFor('prod', tags())).toEqual(other);
    // The holder is read strongly consistent (the simulator answers both kinds alike, see dynamodb.ts).
    const reads = sim.recorder.calls.filter((c) => c.operation === 'dynamodb:getItem');
    expect(reads.map((c) => (c.input as { ConsistentRead?: boolean }).ConsistentRead)).toEqual([true]);
    await lease.release();
    expect(await stored()).toEqual(other);
    expect(sim.recorder.errors()).toEqual({ 'dynamodb:putItem ConditionalCheckFailedException': 1 });
    expect(sim.recorder.count('dynamodb:deleteItem')).toBe(0);
  });

  test('another owner\'s expired lease is taken over', async () => {
    const { sim, tags, lease, stored, put } = setUp();
    put({ owner: 'lambda:crashed', expiresAt: sim.clock.now() - 1 });
    expect(await lease.holdFor('prod', tags())).toBeUndefined();
    expect((await stored())!.owner).toBe('lambda:run-1');
  });

  test('taken over after it expired: the renewal fails, the other owner is named, and the run\'s end leaves its lease', async () => {
    const { sim, tags, lease, stored } = setUp();
    expect(await lease.holdFor('prod', tags())).toBeUndefined();
    await sim.sleep(LEASE_TTL_MS + 1_000);
    const other = new RunLease(sim.api, 'cli:laptop:42', () => sim.clock.now());
    expect(await other.holdFor('prod', tags())).toBeUndefined();
    const theirs = (await stored())!;
    expect(theirs.owner).toBe('cli:laptop:42');
    expect(await lease.holdFor('prod', tags())).toEqual(theirs);
    await lease.release();
    expect(await stored()).toEqual(theirs);
  });

  test('a put retried after its first attempt landed finds its own item and holds the lease', async () => {
    const { sim, stored } = setUp();
    const request = { api: sim.api, clusterName: 'prod', owner: 'lambda:run-1', now: sim.clock.now(), ttlMs: LEASE_TTL_MS };
    expect((await acquireLease(request)).held).toBe(true);
    expect((await acquireLease(request)).held).toBe(true);
    expect((await stored())!.owner).toBe('lambda:run-1');
  });

  test('the previous release\'s live lease tag: backed off from with no DynamoDB write; an expired one is ignored', async () => {
    const { sim, cluster, tags, lease } = setUp();
    const old = { owner: 'lambda:previous-release', expiresAt: sim.clock.now() + 60_000 };
    cluster.tags.set(LEASE_TAG, encodeLease(old));
    expect(await lease.holdFor('prod', tags())).toEqual(old);
    expect(dynamoWrites(sim)).toBe(0);
    await sim.sleep(61_000);
    expect(await lease.holdFor('prod', tags())).toBeUndefined();
    expect(sim.recorder.count('dynamodb:putItem')).toBe(1);
  });

  test('no lease table: an error naming the table and how to create it', async () => {
    const { sim, tags, lease, table } = setUp();
    sim.cloud.dynamoDb.tables.delete(table.name);
    await expect(lease.holdFor('prod', tags())).rejects.toThrow(
      /the lease table ecs-ami-refresher-lease\.prod of cluster prod does not exist.*aws dynamodb create-table --table-name ecs-ami-refresher-lease\.prod/,
    );
  });
});
