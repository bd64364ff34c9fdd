/**
 * `plan --output json` and `status --output json`: the output parses as one document, its fields are exactly
 * those of the field table in docs/cli.md (every documented field present, no undocumented one), and the
 * values agree with the simulated cluster and with the text output's decision.
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import { cli, TWO_GROUPS, twoGroups, writesOf } from './cli-harness';
import { JSON_SCHEMA_VERSION, JsonView } from '../../src/cli/json';
import { encodeLease, LEASE_TAG } from '../../src/shared/records';
import { buildScenario } from '../sim';

/** The field table's first column, under the heading that introduces it. */
function documentedFields(): string[] {
  const doc = readFileSync(join(__dirname, '..', '..', 'docs', 'cli.md'), 'utf8');
  const section = doc.slice(doc.indexOf('## Output as JSON'));
  const table = section.slice(section.indexOf('| Field |'));
  const rows = table.split('\n').slice(2).filter((line) => line.startsWith('| `'));
  return rows.map((row) => row.split('|')[1].trim().replace(/`/g, ''));
}

/** Every key path of a value: `groups[].instances.old`; arrays of objects give their elements' paths. */
function paths(value: unknown, prefix = ''): string[] {
  if (Array.isArray(value)) return [prefix, ...value.flatMap((item) => (item !== null && typeof item === 'object' ? paths(item, `${prefix}[]`).filter((p) => p !== `${prefix}[]`) : []))];
  if (value !== null && typeof value === 'object') {
    return [...(prefix ? [prefix] : []), ...Object.entries(value).flatMap(([key, v]) => paths(v, prefix ? `${prefix}.${key}` : key))];
  }
  return [prefix];
}

async function json(argv: string[], sim = twoGroups()) {
  const result = await cli(sim, argv);
  const out = result.lines.filter((line) => !result.errors.includes(line)).join('\n');
  return { code: result.code, doc: JSON.parse(out) as JsonView, errors: result.errors, sim };
}

test('the field table documents every field, and only those', async () => {
  // An instance outside every group, so that unmanagedInstances has an element whose fields are checked.
  const sim = buildScenario({ seed: 11, clusterName: 'prod', groups: TWO_GROUPS, ungrouped: [{ family: 'amazon-linux-2023', architecture: 'x86_64', count: 1 }] });
  const { doc } = await json(['plan', '--cluster', 'prod', '--output', 'json'], sim);
  const documented = documentedFields();
  expect(documented.length).toBeGreaterThan(20);
  const found = [...new Set(paths(doc))];
  expect(found.filter((p) => !documented.includes(p))).toEqual([]);
  expect(documented.filter((f) => !found.includes(f))).toEqual([]);
  expect(doc.unmanagedInstances).toEqual([{
    instanceId: expect.stringMatching(/^i-/),
    status: 'ACTIVE',
    runningTasks: expect.any(Number),
    replaceable: false,
    reason: expect.stringContaining('no replacement group is configured'),
  }]);
});

test.each(['plan', 'status'] as const)('%s --output json: the cluster as observed, exit 0, nothing written', async (command) => {
  const { code, doc, errors, sim } = await json([command, '--cluster', 'prod', '--output', 'json']);
  expect(code).toBe(0);
  expect(errors).toEqual([]);
  expect(writesOf(sim)).toEqual([]);
  expect(doc).toMatchObject({
    schemaVersion: JSON_SCHEMA_VERSION,
    command,
    cluster: { name: 'prod', arn: 'arn:aws:ecs:us-east-1:123456789012:cluster/prod' },
    observedAt: '2026-01-01T00:00:00Z',
    lease: { state: 'free', owner: null, expiresAt: null },
    unmanagedInstances: [],
    needsAttention: false,
  });
  expect(doc.groups.map((g) => [g.name, g.status, g.family, g.architecture, g.desiredCapacity, g.instances])).toEqual([
    ['web', 'outdated', 'amazon-linux-2023', 'x86_64', 3, { total: 3, old: 3, new: 0, draining: 0 }],
    ['workers', 'outdated', 'bottlerocket-ecs-2', 'arm64', 2, { total: 2, old: 2, new: 0, draining: 0 }],
  ]);
  for (const g of doc.groups) {
    expect(g.currentImageId).toMatch(/^ami-[0-9a-f]+$/);
    expect(g.targetImageId).toMatch(/^ami-[0-9a-f]+$/);
    expect(g.targetImageId).not.toBe(g.currentImageId);
    expect(g.amiParameter).toMatch(/^\/aws\/service\//);
    expect(g.outdatedInstances).toHaveLength(g.instances.old);
    // Fewest running tasks first, as the text plan lists them.
    const tasks = g.outdatedInstances.map((i) => i.runningTasks);
    expect(tasks).toEqual([...tasks].sort((a, b) => a - b));
    for (const i of g.outdatedInstances) expect(i).toEqual({ instanceId: expect.stringMatching(/^i-/), imageId: g.currentImageId, containerInstanceStatus: 'ACTIVE', runningTasks: expect.any(Number) });
    expect(g.nextActions).toEqual([{ kind: 'create-template-version', description: expect.stringContaining(`with ${g.targetImageId}`) }]);
    expect([g.phase, g.problem, g.waiting]).toEqual(['updating-launch-template', null, null]);
  }
});

test('a refused group: its problem, needsAttention, exit 3 as the text plan', async () => {
  const sim = twoGroups();
  sim.cloud.setParameter(sim.images['bottlerocket-ecs-2/arm64'].parameter, 'latest');
  const { code, doc } = await json(['plan', '--cluster', 'prod', '--output', 'json'], sim);
  const text = await cli((() => { const s = twoGroups(); s.cloud.setParameter(s.images['bottlerocket-ecs-2/arm64'].parameter, 'latest'); return s; })(), ['plan', '--cluster', 'prod']);
  expect([code, text.code]).toEqual([3, 3]);
  expect(doc.needsAttention).toBe(true);
  const workers = doc.groups.find((g) => g.name === 'workers')!;
  expect(workers).toMatchObject({ status: 'refused', targetImageId: null, nextActions: [] });
  expect(workers.problem).toContain('latest');
  expect(doc.groups.find((g) => g.name === 'web')!.problem).toBeNull();
});

test('status --output json: a lease held by the Lambda, with its owner and expiry', async () => {
  const sim = twoGroups();
  sim.cloud.clusters.get('prod')!.tags.set(LEASE_TAG, encodeLease({ owner: 'lambda:5d0e6c1a', expiresAt: sim.clock.now() + 4 * 60_000 }));
  const { doc } = await json(['status', '--cluster', 'prod', '--output', 'json'], sim);
  expect(doc.lease).toEqual({ state: 'held', owner: 'lambda:5d0e6c1a', expiresAt: '2026-01-01T00:04:00Z' });
});

test('--output takes text or json, on plan and status only', async () => {
  const bad = await cli(twoGroups(), ['plan', '--cluster', 'prod', '--output', 'yaml']);
  expect(bad.code).toBe(2);
  expect(bad.errors[0]).toContain("error: option '-o, --output <format>' argument 'yaml' is invalid. Allowed choices are text, json.");
  const rotate = await cli(twoGroups(), ['rotate', '--cluster', 'prod', '--output', 'json']);
  expect(rotate.code).toBe(2);
  expect(rotate.errors[0]).toContain("error: unknown option '--output'");
  const text = await cli(twoGroups(), ['plan', '--cluster', 'prod', '--output', 'text']);
  expect(text.lines[0]).toMatch(/^Cluster prod /);
});
