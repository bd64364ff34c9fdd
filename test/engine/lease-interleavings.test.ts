/**
 * Two engines (a Lambda run and a terminal run, each with its own RunLease) play a round each on one
 * simulated cluster, their AWS calls interleaved in every order a scheduler can choose, and in every
 * interleaving:
 *   - every write is made while the writer holds the lease: the lease item names it and has not expired;
 *   - every write acts on a decision observed while the writer already held the lease (not on a stale
 *     observation made before another engine's round and release);
 *   - the two engines never both write under overlapping leases (implied by the first, counted).
 *
 * How the interleavings are enumerated. Each AWS call an engine makes is a step, and before a step the
 * engine waits for the scheduler, which lets exactly one waiting engine go on; it runs alone until its next
 * step. Every DynamoDB call (the lease reads and writes) and every write is a step of its own. Consecutive
 * reads of one engine (describe, list, get: one observation) are one step: the other engine's calls could
 * land between two of them, which makes that observation inconsistent but changes nothing about who may
 * write, and the writes that follow are checked against the lease one by one. The scheduler's choices are explored depth first until every sequence of choices has
 * been run, each from a freshly built simulation; the count of complete runs is the count of
 * interleavings.
 */
import type { AwsApi } from '../../src/aws/ports';
import { LEASE_TTL_MS, RunLease } from '../../src/engine/lease';
import { playRound } from '../../src/engine/round';
import { LEASE_KEY, leaseTableName } from '../../src/shared/lease-table';
import { twoGroups } from '../cli/cli-harness';
import { settingsFor } from '../rotation/harness';
import type { Simulation } from '../sim';

const OWNERS = ['lambda:request-1', 'cli:laptop:4242'] as const;
const isRead = (operation: string) => /:(describe|list|get)/.test(operation);
const isLeaseCall = (operation: string) => operation.startsWith('dynamoDb:');

/** Lets one engine go at a time; the sequence of its choices names one interleaving. */
class Scheduler {
  readonly branching: number[] = [];
  readonly taken: number[] = [];
  private readonly waiting = new Map<number, () => void>();
  private readonly previous = new Map<number, string>();
  private running: number;
  private finished!: () => void;
  readonly done = new Promise<void>((resolve) => { this.finished = resolve; });

  constructor(private readonly choices: readonly number[], engines: number) {
    this.running = engines;
  }

  /** Before each AWS call of engine `id`. */
  async step(id: number, operation: string): Promise<void> {
    const previous = this.previous.get(id);
    this.previous.set(id, operation);
    const lease = isLeaseCall(operation);
    const readAfterRead = previous !== undefined && !isLeaseCall(previous) && isRead(previous) && isRead(operation);
    if (!lease && readAfterRead) return;
    await new Promise<void>((resolve) => {
      this.waiting.set(id, resolve);
      this.arrived();
    });
  }

  finish(): void {
    this.arrived();
  }

  private arrived(): void {
    if (--this.running > 0) return;
    const ready = [...this.waiting.keys()].sort();
    if (ready.length === 0) return this.finished();
    const at = this.branching.length;
    const choice = this.choices[at] ?? 0;
    this.branching.push(ready.length);
    this.taken.push(choice);
    const id = ready[choice];
    const resume = this.waiting.get(id)!;
    this.waiting.delete(id);
    this.running++;
    resume();
  }
}

/**
 * The simulator's API as engine `id` sees it: each call waits for the scheduler; each write is checked as
 * it is made; each observation's start (its DescribeClusters) is told.
 */
function scheduledApi(sim: Simulation, scheduler: Scheduler, id: number, hooks: {
  onWrite(id: number, operation: string): void;
  onObserve(id: number): void;
}): AwsApi {
  const services = Object.entries(sim.api).filter(([name]) => name !== 'notEngine' && name !== 'sns');
  return Object.fromEntries(services.map(([service, methods]) => [service, Object.fromEntries(
    Object.entries(methods as Record<string, (input: unknown) => Promise<unknown>>).map(([name, method]) => {
      const operation = `${service}:${name}`;
      return [name, async (input: unknown) => {
        await scheduler.step(id, operation);
        if (operation === 'ecs:describeClusters') hooks.onObserve(id);
        if (!isLeaseCall(operation) && !isRead(operation)) hooks.onWrite(id, operation);
        return method(input);
      }];
    }),
  )])) as unknown as AwsApi;
}

/** An API whose every call goes to whichever API `current` names at the time of the call. */
function forwarding(current: () => AwsApi): AwsApi {
  type Methods = Record<string, Record<string, (i: unknown) => Promise<unknown>>>;
  const proxy = (service: string) => new Proxy({}, {
    get: (_target, name: string) => (input: unknown) => (current() as unknown as Methods)[service][name](input),
  });
  return { ecs: proxy('ecs'), autoScaling: proxy('autoScaling'), ec2: proxy('ec2'), ssm: proxy('ssm'), cloudFormation: proxy('cloudFormation'), dynamoDb: proxy('dynamoDb') } as unknown as AwsApi;
}

interface Setup {
  readonly name: string;
  /** Which engines may write at all in this setup. */
  readonly writers: 'one' | 'none';
  /** Prepares the cluster and the engines' leases before the interleaved rounds (calls made here are not scheduled). */
  prepare(sim: Simulation, leases: readonly RunLease[]): Promise<void>;
}

interface Tally {
  interleavings: number;
  /** Interleavings by which engines wrote: '' (none), '0', '1', '0,1' (one after the other's release). */
  byWriters: Record<string, number>;
  violations: string[];
  longest: number;
}

async function runOnce(setup: Setup, choices: readonly number[], tally: Tally): Promise<Scheduler> {
  const sim = twoGroups([{ name: 'web', family: 'amazon-linux-2023', architecture: 'x86_64', instances: 1 }]);
  const table = sim.cloud.dynamoDb.tables.get(leaseTableName('prod'))!;
  // Each engine's lease calls go through its API: unscheduled while the setup prepares, scheduled after.
  const apis: AwsApi[] = [sim.api, sim.api];
  const leases = OWNERS.map((owner, id) => new RunLease(forwarding(() => apis[id]), owner, () => sim.clock.now()));
  await setup.prepare(sim, leases);
  const scheduler = new Scheduler(choices, 2);
  const wrote = new Set<number>();
  const observedAt = new Map<number, number>();
  const order: number[] = [];
  const check = (id: number, operation: string) => {
    wrote.add(id);
    if (order[order.length - 1] !== id) order.push(id);
    const item = table.items.get('prod');
    const holds = item?.owner?.S === OWNERS[id] && Number(item?.expiresAt?.N) > sim.clock.now();
    const lease = leases[id];
    if (!holds) tally.violations.push(`${setup.name} [${scheduler.taken}]: ${OWNERS[id]} wrote ${operation} while the item says ${JSON.stringify(item)}`);
    if (!lease.heldSince(observedAt.get(id)!)) tally.violations.push(`${setup.name} [${scheduler.taken}]: ${OWNERS[id]} wrote ${operation} on an observation older than its lease`);
  };
  const settings = settingsFor('prod');
  const engine = async (id: number) => {
    const api = scheduledApi(sim, scheduler, id, { onWrite: check, onObserve: (at) => observedAt.set(at, sim.clock.now()) });
    apis[id] = api;
    try {
      await playRound({ api, settings, index: 1, lease: leases[id], now: sim.clock.now(), clock: () => sim.clock.now() });
    } finally {
      await leases[id].release().finally(() => scheduler.finish());
    }
  };
  await Promise.all([0, 1].map(engine));
  await scheduler.done;
  // Writes in blocks: one engine's writes all before the other's, never alternating.
  if (order.length > 2) tally.violations.push(`${setup.name} [${scheduler.taken}]: writes alternate between engines ${order}`);
  tally.interleavings++;
  const key = [...wrote].sort().join(',');
  tally.byWriters[key] = (tally.byWriters[key] ?? 0) + 1;
  tally.longest = Math.max(tally.longest, scheduler.taken.length);
  return scheduler;
}

async function explore(setup: Setup): Promise<Tally> {
  const tally: Tally = { interleavings: 0, byWriters: {}, violations: [], longest: 0 };
  let choices: number[] = [];
  for (;;) {
    const scheduler = await runOnce(setup, choices, tally);
    let i = scheduler.branching.length - 1;
    while (i >= 0 && scheduler.taken[i] + 1 >= scheduler.branching[i]) i--;
    if (i < 0) return tally;
    choices = [...scheduler.taken.slice(0, i), scheduler.taken[i] + 1];
  }
}

function holdItem(sim: Simulation, owner: string, expiresAt: number) {
  sim.cloud.dynamoDb.tables.get(leaseTableName('prod'))!.items.set('prod', {
    [LEASE_KEY]: { S: 'prod' }, owner: { S: owner }, expiresAt: { N: String(expiresAt) },
  });
}

/** The same take, with DynamoDB's condition ignored: a primitive that is not conditional. */
function unconditionalPuts(sim: Simulation): void {
  const db = sim.cloud.dynamoDb;
  const put = db.putItem.bind(db);
  db.putItem = (input) => put({ TableName: input.TableName, Item: input.Item });
}

const SETUPS: Setup[] = [
  { name: 'lease free', writers: 'one', prepare: async () => undefined },
  { name: 'a third owner\'s lease expired', writers: 'one', prepare: async (sim) => holdItem(sim, 'lambda:crashed', sim.clock.now() - 1) },
  { name: 'a third owner\'s lease live', writers: 'none', prepare: async (sim) => holdItem(sim, 'lambda:other', sim.clock.now() + 60_000) },
  {
    name: 'engine 0 held it in an earlier round and it expired: its renewal races engine 1\'s take',
    writers: 'one',
    prepare: async (sim, leases) => {
      await leases[0].holdFor('prod', {});
      await sim.sleep(LEASE_TTL_MS + 1_000);
    },
  },
  {
    name: 'engine 0 holds it past half its time: its renewal races engine 1\'s take',
    writers: 'one',
    prepare: async (sim, leases) => {
      await leases[0].holdFor('prod', {});
      await sim.sleep(LEASE_TTL_MS / 2 + 1_000);
    },
  },
];

describe('two engines, every interleaving of their calls', () => {
  test('the check catches a lease that is not conditional (a put that ignores its condition)', async () => {
    const tally = await explore({ name: 'unconditional', writers: 'one', prepare: async (sim) => unconditionalPuts(sim) });
    // eslint-disable-next-line no-console
    console.log(`unconditional put: ${tally.interleavings} interleavings, ${tally.violations.length} violation(s), by writers ${JSON.stringify(tally.byWriters)}`);
    expect(tally.violations.length).toBeGreaterThan(0);
    expect(tally.byWriters['0,1']).toBeGreaterThan(0);
  }, 300_000);

  test.each(SETUPS.map((s) => [s.name, s] as const))('%s', async (_name, setup) => {
    const tally = await explore(setup);
    expect(tally.violations).toEqual([]);
    // Never both under overlapping leases: two writers only one after the other gave the lease back, and
    // then the second decided again under its own lease (checked at every write above).
    if (setup.writers === 'none') expect(tally.byWriters).toEqual({ '': tally.interleavings });
    else expect(Object.keys(tally.byWriters).some((k) => k !== '')).toBe(true);
    expect(tally.interleavings).toBeGreaterThan(1);
    // eslint-disable-next-line no-console
    console.log(`${setup.name}: ${tally.interleavings} interleavings (at most ${tally.longest} scheduling choices), by writers ${JSON.stringify(tally.byWriters)}`);
  }, 300_000);
});
