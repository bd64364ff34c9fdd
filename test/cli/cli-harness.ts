/**
 * Runs the CLI's `run` against a simulated cloud: the simulator's ports and virtual clock are injected,
 * everything printed is captured (results and diagnostics in one list, in order, as a terminal shows them).
 */
import { run } from '../../src/cli/main';
import { buildScenario, GroupSpec, Simulation } from '../sim';

export interface CliRun {
  readonly code: number;
  readonly lines: string[];
  readonly text: string;
  /** What went to the error stream. */
  readonly errors: string[];
}

export async function cli(sim: Simulation | undefined, argv: string[], env: Record<string, string | undefined> = {}): Promise<CliRun> {
  const lines: string[] = [];
  const errors: string[] = [];
  const code = await run(argv, {
    api: sim?.api,
    clock: sim?.clock,
    out: (line) => lines.push(line),
    err: (line) => {
      lines.push(line);
      errors.push(line);
    },
    env,
    owner: 'cli:test-host:1',
  });
  return { code, lines, text: lines.join('\n'), errors };
}

/**
 * Two groups on last month's AMIs: Amazon Linux 2023 on x86_64 and Bottlerocket on arm64. One zone each: the
 * CLI tests count the rotation's own actions, and in three zones a batch may end unbalanced and take one more
 * balancing replacement (test/rotation/availability-zones.test.ts covers that).
 */
export const TWO_GROUPS: readonly GroupSpec[] = [
  { name: 'web', family: 'amazon-linux-2023', architecture: 'x86_64', instances: 3, availabilityZones: ['a'] },
  { name: 'workers', family: 'bottlerocket-ecs-2', architecture: 'arm64', instances: 2, availabilityZones: ['a'] },
];

export function twoGroups(groups: readonly GroupSpec[] = TWO_GROUPS): Simulation {
  return buildScenario({
    seed: 11,
    clusterName: 'prod',
    groups,
    services: [
      { name: 'web', desiredCount: 4, minimumHealthyPercent: 50, maximumPercent: 200, deregistrationDelayS: 30 },
      { name: 'jobs', desiredCount: 2, minimumHealthyPercent: 100, maximumPercent: 200, deregistrationDelayS: 60 },
    ],
  });
}

/** Only reads: describe, list and get calls. */
export function writesOf(sim: Simulation): string[] {
  return sim.recorder.calls.map((c) => c.operation).filter((op) => !/:(describe|list|get)/.test(op));
}
