/**
 * Many groups at once versus one at a time, on the simulator at production's cadence (5-minute schedule, the
 * Lambda's budget): how long, in virtual time, a cluster of four groups of three families and two
 * architectures takes to rotate together, and each group alone. Groups progress together, each in its own
 * budget, so the cluster takes about as long as its slowest group, not the sum.
 *
 *   npx ts-node --project tsconfig.dev.json bench/groups.ts
 *
 * Prints a table and writes bench/results/groups.tmp.json.
 */
import * as fs from 'fs';
import * as path from 'path';
import { MANY_GROUPS, runScheduled, settingsFor } from '../test/rotation/harness';
import { buildScenario, GroupSpec } from '../test/sim';

const HOUR = 3600_000;
const GROUPS = MANY_GROUPS;

interface Row {
  readonly run: string;
  readonly instances: number;
  readonly settled: boolean;
  readonly virtualMinutes: number;
  readonly invocations: number;
  readonly apiCalls: number;
}

async function rotate(run: string, groups: readonly GroupSpec[]): Promise<Row> {
  const sim = buildScenario({ seed: 31, groups, services: 'auto', standaloneTasks: { count: 1, durationS: [300, 1800] } });
  const given = groups.filter((g) => g.capacityProvider === false).map((g) => g.name);
  const result = await runScheduled(sim, settingsFor(sim.clusterName, { maxUnavailable: { count: 2 } }, { groupNames: given }), 48 * HOUR);
  return {
    run,
    instances: groups.reduce((n, g) => n + g.instances, 0),
    settled: result.settled,
    virtualMinutes: Math.round(result.elapsedMs / 60_000),
    invocations: result.invocations,
    apiCalls: sim.recorder.calls.length,
  };
}

async function main(): Promise<void> {
  const rows: Row[] = [await rotate('all four together', GROUPS)];
  for (const group of GROUPS) rows.push(await rotate(`${group.name} alone`, [group]));
  const alone = rows.slice(1);
  const sum = alone.reduce((n, r) => n + r.virtualMinutes, 0);
  const slowest = Math.max(...alone.map((r) => r.virtualMinutes));

  console.log('| Run | Instances | Settled | Virtual minutes | Invocations | API calls |');
  console.log('|---|---:|---|---:|---:|---:|');
  for (const r of rows) console.log(`| ${r.run} | ${r.instances} | ${r.settled} | ${r.virtualMinutes} | ${r.invocations} | ${r.apiCalls} |`);
  console.log(`\nTogether: ${rows[0].virtualMinutes} min; one group after another would take ${sum} min; the slowest group alone ${slowest} min.`);

  const out = path.join(__dirname, 'results', 'groups.tmp.json');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify({ rows, sequentialMinutes: sum, slowestAloneMinutes: slowest }, null, 2) + '\n');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
