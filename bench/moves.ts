/**
 * Where the engine's task moves go: the benchmark's cluster (bench/measure.ts), rotated by the engine with its
 * defaults, with every task placed during the rotation recorded. A task moves twice exactly when it was placed
 * on an instance still on the old image (that instance drains later), so
 *
 *   moves = desired replica tasks + tasks placed on outdated instances
 *
 * and the table breaks the second term down: placed while a replacement with as few of that service's tasks
 * was placeable (a tie, broken as `--ties` says: uniform by default, first-reached for the worst case), on an
 * instance the engine had marked for the next drain, on the other group's instances.
 *
 *   npx ts-node --project tsconfig.dev.json bench/moves.ts --sizes 10,100 --groups 1,2 --seeds 1,2,3,4,5 [--ties first-reached]
 */
import { benchScenario, defaultSettings, placementTiesOption } from './measure';
import { PHASE_ATTRIBUTE } from '../src/shared/records';
import { runScheduled } from '../test/rotation/harness';
import { PlacementTies, SimContainerInstance, SimTask } from '../test/sim';

const HOUR = 3600_000;

interface MovesRow {
  readonly instances: number;
  readonly groups: 1 | 2;
  readonly seed: number;
  readonly desired: number;
  readonly moves: number;
  readonly placedOnOutdated: number;
  readonly tiedWithReplacement: number;
  readonly onMarked: number;
  readonly onOtherGroup: number;
}

async function trace(instances: number, groups: 1 | 2, seed: number, ties: PlacementTies): Promise<MovesRow> {
  const sim = benchScenario({ instances, groups, seed, policy: 'engine', ties });
  const outdated = new Set(sim.cloud.instances.keys());
  const draining = () => [...sim.cloud.instances.values()].filter((i) => i.ci?.status === 'DRAINING' && i.ci.tasks.size > 0);
  let placedOnOutdated = 0;
  let tiedWithReplacement = 0;
  let onMarked = 0;
  let onOtherGroup = 0;
  sim.cloud.listeners.push({
    onTaskPlaced: (task: SimTask) => {
      const service = task.service;
      if (!service || service.daemon || !outdated.has(task.ci.instance.id)) return;
      placedOnOutdated++;
      const before = (service.perCi.get(task.ci) ?? 1) - 1;
      const replacements = sim.cloud.containerInstanceOrder.filter((c: SimContainerInstance) => c.placeable && !outdated.has(c.instance.id)
        && c.nonDaemonAlive < c.maxTasks);
      if (replacements.some((c) => (service.perCi.get(c) ?? 0) === before)) tiedWithReplacement++;
      if (task.ci.attributes.has(PHASE_ATTRIBUTE)) onMarked++;
      const group = task.ci.instance.group?.name;
      if (!draining().some((i) => i.group?.name === group)) onOtherGroup++;
    },
  });
  await runScheduled(sim, defaultSettings(sim), 400 * HOUR);
  const replica = [...sim.cloud.services.values()].filter((s) => !s.daemon);
  return {
    instances,
    groups,
    seed,
    desired: replica.reduce((n, s) => n + s.desired, 0),
    moves: replica.reduce((n, s) => n + s.tasksMovedByDrain, 0),
    placedOnOutdated,
    tiedWithReplacement,
    onMarked,
    onOtherGroup,
  };
}

function list(argv: readonly string[], name: string, fallback: string): number[] {
  const i = argv.indexOf(`--${name}`);
  return (i < 0 ? fallback : argv[i + 1]).split(',').map(Number);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const i = argv.indexOf('--ties');
  const ties = placementTiesOption(i < 0 ? undefined : argv[i + 1]);
  console.log('| N | Groups | Seed | Desired tasks | Moves | Per task | Placed on outdated | tied with a replacement | on a marked instance | '
    + 'no drain in its group |');
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const n of list(argv, 'sizes', '10,100')) {
    for (const g of list(argv, 'groups', '1,2') as Array<1 | 2>) {
      for (const seed of list(argv, 'seeds', '1,2,3,4,5')) {
        const r = await trace(n, g, seed, ties);
        console.log(`| ${r.instances} | ${r.groups} | ${r.seed} | ${r.desired} | ${r.moves} | ${(r.moves / r.desired).toFixed(3)} | ${r.placedOnOutdated} | `
          + `${r.tiedWithReplacement} | ${r.onMarked} | ${r.onOtherGroup} |`);
      }
    }
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
