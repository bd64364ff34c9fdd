/**
 * Rotation benchmarks on the simulator: the engine (at production's cadence: a Lambda run every 5 minutes,
 * each with its 15-minute budget) and seed 004's script, on identical seeded clusters, in virtual time.
 *
 *   npm run bench                                   # N = 10, 100, 1,000; one and two groups; seed 1
 *   npm run bench -- --sizes 100 --groups 1 --seeds 1,2 --policies engine,seed
 *   npm run bench -- --scenarios cdk-defaults                # only the cdk-defaults rows
 *
 * Options: --sizes, --groups (1 and/or 2), --seeds, --policies (engine, engine-b1, engine-cordon,
 * engine-steady, seed; default engine,engine-b1,seed), --svg N (the one-group run drawn, default 100),
 * --ties uniform|first-reached (how the simulator breaks placement ties, default uniform; see `PlacementTies`
 * in test/sim/cloud.ts), --out DIR (default bench/results), --scenarios plain,cdk-defaults (default both).
 * `cdk-defaults` (bench/measure.ts, `BENCH_SCENARIOS`) is the cluster a default CDK capacity provider runs, rotated
 * by the engine with its defaults, one group, at each size; its rows add `azSpread`. When --scenarios leaves a
 * scenario out, its rows in DIR/latest.json are kept as they were.
 * Without --policies, the budget-1 engine runs up to N = 100 only: at N = 1,000 it is 77 hours of virtual time
 * in 15-second rounds, each observing some 1,000 instances (18,000 rounds, 572,000 calls), 25 minutes of wall
 * time on a shared machine; ask for it with --policies engine-b1.
 * Prints a table, writes DIR/latest.json (one row per run), DIR/asset.json and DIR/rotation-N<n>.svg. Figures
 * are definitions in bench/measure.ts and the README's "Performance" section.
 */
import * as fs from 'fs';
import * as path from 'path';
import { describeBuild, measureBuild, recordBuild } from './asset';
import { BENCH_SCENARIOS, BenchScenario, placementTiesOption, POLICIES, POLICY_LABELS, PolicyName, Row, runCase } from './measure';
import { Series, timelineSvg } from './svg';
import { PlacementTies } from '../test/sim';

interface Options {
  /** --policies was given: run every policy named at every size. */
  readonly explicitPolicies: boolean;
  readonly sizes: number[];
  readonly groups: Array<1 | 2>;
  readonly seeds: number[];
  readonly policies: PolicyName[];
  readonly out: string;
  readonly svgSize: number;
  readonly ties: PlacementTies;
  readonly scenarios: BenchScenario[];
}

function parseArgs(argv: readonly string[]): Options {
  const get = (name: string, fallback: string) => {
    const i = argv.indexOf(`--${name}`);
    if (i < 0) return fallback;
    const value = argv[i + 1];
    if (value === undefined || value.startsWith('--')) throw new Error(`--${name} needs a value`);
    return value;
  };
  const known = new Set(['sizes', 'groups', 'seeds', 'policies', 'out', 'svg', 'ties', 'scenarios']);
  for (const arg of argv) {
    if (arg.startsWith('--') && !known.has(arg.slice(2))) throw new Error(`unknown option ${arg}; options: ${[...known].map((k) => `--${k}`).join(', ')}`);
  }
  const numbers = (name: string, fallback: string) => get(name, fallback).split(',').map((v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name}: '${v}' is not a whole number of at least 1`);
    return n;
  });
  const groups = numbers('groups', '1,2');
  if (!groups.every((g) => g === 1 || g === 2)) throw new Error('--groups: 1 and/or 2');
  const policies = get('policies', 'engine,engine-b1,seed').split(',');
  for (const p of policies) if (!(POLICIES as readonly string[]).includes(p)) throw new Error(`--policies: '${p}'; allowed: ${POLICIES.join(', ')}`);
  const sizes = numbers('sizes', '10,100,1000');
  const scenarios = get('scenarios', BENCH_SCENARIOS.join(',')).split(',');
  for (const s of scenarios) if (!(BENCH_SCENARIOS as readonly string[]).includes(s)) throw new Error(`--scenarios: '${s}'; allowed: ${BENCH_SCENARIOS.join(', ')}`);
  return {
    scenarios: scenarios as BenchScenario[],
    explicitPolicies: argv.includes('--policies'),
    sizes,
    groups: groups as Array<1 | 2>,
    seeds: numbers('seeds', '1'),
    policies: policies as PolicyName[],
    out: path.resolve(get('out', path.join(__dirname, 'results'))),
    svgSize: Number(get('svg', String(sizes.includes(100) ? 100 : sizes[0]))),
    ties: placementTiesOption(get('ties', 'uniform')),
  };
}

const minutes = (s: number) => (Number.isFinite(s) ? (s / 60).toFixed(1) : '—');

function table(rows: readonly Row[]): string {
  const lines = [
    '| Scenario | Policy | Makespan (min) | Bound (min) | Ratio | Last standalone end (min) | Ratio to the later | L / D (s) | Moves per task | Min running % '
      + '| API calls | Calls per instance | Peak calls/s | Tasks killed | Capacity short |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    const ld = r.perGroup.map((g) => `${g.meanBootS} / ${g.meanDrainS}`).join(', ');
    lines.push(`| ${r.scenario}${r.seed !== 1 ? ` (seed ${r.seed})` : ''} | ${POLICY_LABELS[r.policy]} | ${r.completed ? minutes(r.makespanS) : 'incomplete'} | `
      + `${minutes(r.boundS)} | ${r.completed ? r.ratio.toFixed(2) : '—'} | ${minutes(r.standaloneEndS)} | ${r.completed ? r.floorRatio.toFixed(2) : '—'} | `
      + `${ld} | ${r.taskMovesPerTask.toFixed(2)} | ${r.minRunningPct} | ${r.apiCalls} | `
      + `${r.apiCallsPerInstance.toFixed(1)} | ${r.peakCallsPerSecond} | ${r.tasksKilled} | ${r.capacityShortfall} |`);
  }
  return lines.join('\n');
}

function batches(rows: readonly Row[]): string {
  const lines: string[] = [];
  for (const policy of new Set(rows.map((r) => r.policy))) {
    const max: Record<string, number> = {};
    for (const r of rows.filter((x) => x.policy === policy)) {
      for (const [op, n] of Object.entries(r.largestBatch)) max[op] = Math.max(max[op] ?? 0, n);
    }
    const listed = Object.entries(max).filter(([, n]) => n > 1).sort(([a], [b]) => a.localeCompare(b)).map(([op, n]) => `${op} ${n}`);
    lines.push(`${POLICY_LABELS[policy]}: ${listed.join(', ') || 'every call names one resource'}`);
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  fs.mkdirSync(options.out, { recursive: true });
  const rows: Row[] = [];
  const drawn: Series[] = [];
  const run = async (c: Parameters<typeof runCase>[0], draw: boolean) => {
    const started = Date.now();
    const row = await runCase(c, { timeline: draw });
    process.stderr.write(`${row.scenario} seed ${c.seed} ${c.policy}: ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    if (draw && row.timeline) drawn.push({ label: POLICY_LABELS[c.policy], points: row.timeline, dashed: c.policy === 'seed' });
    const { timeline: _timeline, ...kept } = row;
    rows.push(kept);
  };
  for (const instances of options.scenarios.includes('plain') ? options.sizes : []) {
    for (const groups of options.groups) {
      if (groups > instances) continue;
      for (const seed of options.seeds) {
        for (const policy of options.policies) {
          if (policy === 'engine-b1' && instances > 100 && !options.explicitPolicies) {
            process.stderr.write(`${instances} instances: engine-b1 skipped (ask for it with --policies engine-b1)\n`);
            continue;
          }
          const draw = instances === options.svgSize && groups === 1 && seed === options.seeds[0] && (policy === 'engine' || policy === 'seed');
          await run({ instances, groups, seed, policy, ties: options.ties }, draw);
        }
      }
    }
  }
  // The cluster a default CDK app runs, rotated by the engine with its defaults.
  for (const instances of options.scenarios.includes('cdk-defaults') ? options.sizes : []) {
    for (const seed of options.seeds) await run({ scenario: 'cdk-defaults', instances, groups: 1, seed, policy: 'engine', ties: options.ties }, false);
  }
  const cdk = rows.filter((r) => r.azSpread !== undefined);
  if (cdk.length > 0) {
    console.log('\ncdk-defaults (goal: ratio <= 1.10, 0 tasks killed, 0 instances terminated with tasks, azSpread <= 1):');
    for (const r of cdk) {
      console.log(`  ${r.scenario}${r.seed !== 1 ? ` (seed ${r.seed})` : ''}: ratio ${r.completed ? r.ratio.toFixed(2) : 'incomplete'}, `
        + `tasks killed ${r.tasksKilled}, terminated with tasks ${r.instancesTerminatedWithTasks}, azSpread ${r.azSpread}`);
    }
  }

  console.log(table(rows));
  console.log('\nLargest batch per API (calls naming more than one resource):');
  console.log(batches(rows));
  const engineRows = rows.filter((r) => r.idleRunCalls !== undefined);
  if (engineRows.length > 0) {
    console.log('\nWatching cost (engine):');
    for (const r of engineRows.filter((x) => x.policy === 'engine')) {
      console.log(`  ${r.scenario}: idle run (warm, providers declared) ${r.idleRunCalls} calls; one cold observation ${r.observeCalls} calls`
        + ` (budget 8 + 3·⌈N/100⌉ = ${8 + 3 * Math.ceil(r.instances / 100)})`);
    }
  }

  fs.writeFileSync(path.join(options.out, 'latest.json'), JSON.stringify(withKeptRows(options, rows), null, 2) + '\n');
  if (drawn.length > 0) {
    const file = path.join(options.out, `rotation-N${options.svgSize}.svg`);
    fs.writeFileSync(file, timelineSvg(`N=${options.svgSize}, one group: instances on the old and the new image`, drawn));
    console.log(`\nWrote ${path.relative(process.cwd(), file)}`);
  }

  const build = measureBuild(path.join(__dirname, '..', 'assets'), 'this build');
  if (build.lambda || build.cli) {
    console.log(`\n${describeBuild(build)}`);
    recordBuild(build, 'current', path.join(options.out, 'asset.json'));
  } else {
    console.log('\nBundles not built (npx projen bundle): sizes and load times not measured');
  }
  console.log(`Wrote ${path.relative(process.cwd(), path.join(options.out, 'latest.json'))}`);
}

/** The rows run, after the rows of DIR/latest.json whose scenario was left out of --scenarios (kept as they were). */
function withKeptRows(options: Options, rows: readonly Row[]): Row[] {
  const file = path.join(options.out, 'latest.json');
  if (options.scenarios.length === BENCH_SCENARIOS.length || !fs.existsSync(file)) return [...rows];
  const previous = JSON.parse(fs.readFileSync(file, 'utf8')) as Row[];
  const kindOf = (r: Row): BenchScenario => (r.azSpread !== undefined || r.scenario.startsWith('cdk-defaults') ? 'cdk-defaults' : 'plain');
  const kept = previous.filter((r) => !options.scenarios.includes(kindOf(r)));
  return BENCH_SCENARIOS.flatMap((kind) => (options.scenarios.includes(kind) ? rows : kept).filter((r) => kindOf(r) === kind));
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
