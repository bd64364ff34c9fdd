/**
 * The build compiles the README's and the API docs' examples with jsii-rosetta in strict mode (`npx projen
 * docs:examples`, after every compile). Here: that same command, on a copy of the assembly whose README gains
 * one broken example, fails, and names that example alone: every real one compiles (in this run, or in the
 * build's own run whose tablet this one reuses).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { currentAssembly, ROOT, runCommand } from './assembly';

const BROKEN = "new EcsAmiRefresher(this, 'Broken', { cluster, drainTimeout: 30 });";

function docsExamplesCommand(): string[] {
  const tasks = JSON.parse(fs.readFileSync(path.join(ROOT, '.projen', 'tasks.json'), 'utf8')) as { tasks: Record<string, { steps: Array<{ exec?: string }> }> };
  const exec = tasks.tasks['docs:examples']?.steps.map((s) => s.exec).find((e) => e?.startsWith('jsii-rosetta '));
  if (!exec) throw new Error('.projen/tasks.json has no docs:examples task running jsii-rosetta');
  return exec.split(' ');
}

test('the build\'s example check runs rosetta in strict mode after every compile', () => {
  expect(docsExamplesCommand()).toEqual(['jsii-rosetta', 'extract', '--strict', '.jsii']);
  const tasks = JSON.parse(fs.readFileSync(path.join(ROOT, '.projen', 'tasks.json'), 'utf8'));
  expect(tasks.tasks['post-compile'].steps).toContainEqual({ spawn: 'docs:examples' });
});

test('a broken example fails the check, named alone among all the examples', () => {
  const assembly = currentAssembly();
  assembly.readme.markdown += `\n\n\`\`\`ts\n${BROKEN}\n\`\`\`\n`;
  // The package as rosetta resolves it: the assembly beside package.json, lib/ (types), the fixtures and node_modules.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecs-ami-refresher-examples-'));
  try {
    fs.writeFileSync(path.join(dir, '.jsii'), JSON.stringify(assembly));
    fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(dir, 'package.json'));
    for (const link of ['lib', 'node_modules', 'rosetta']) fs.symlinkSync(path.join(ROOT, link), path.join(dir, link));
    // The tablet the build's check wrote, if any: rosetta then compiles only what it has not seen, the broken example.
    const tablet = path.join(ROOT, '.jsii.tabl.json');
    if (fs.existsSync(tablet)) fs.copyFileSync(tablet, path.join(dir, '.jsii.tabl.json'));
    const [command, ...args] = docsExamplesCommand();
    const { status, output } = runCommand(path.join(ROOT, 'node_modules', '.bin', command), args, dir);

    expect(status).not.toBe(0);
    const errors = output.split('\n').filter((line) => / - error TS\d+:/.test(line));
    expect(errors).toEqual([expect.stringContaining("error TS2322: Type 'number' is not assignable to type 'Duration'.")]);
    expect(output).toContain(BROKEN);
    expect(output).toMatch(/1 diagnostics encountered in \d+ snippets/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 300_000);
