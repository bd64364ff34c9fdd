/**
 * The README's quick start is a whole app that must synthesize as written: its code is taken from the README,
 * compiled, and run with the library in place of the npm package, and the template it writes is read back.
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ts from 'typescript';
import * as library from '../../src';
import { EnvName } from '../../src/shared/constants';

const README = path.join(__dirname, '..', '..', 'README.md');

function quickStart(): string {
  const readme = fs.readFileSync(README, 'utf8');
  const section = readme.slice(readme.indexOf('## Quick start'));
  const match = section.match(/```ts fixture=program\n([\s\S]*?)```/);
  if (!match) throw new Error('README.md: the Quick start has no ```ts fixture=program block');
  return match[1];
}

/** Runs the program as a CommonJS module whose `cdk-ecs-ami-refresher` is this repository's source. */
function run(program: string, outdir: string): void {
  const js = ts.transpileModule(program, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020 } }).outputText;
  const nodeRequire = createRequire(__filename);
  const requireFor = (name: string): unknown => (name === 'cdk-ecs-ami-refresher' ? library : nodeRequire(name));
  const module = { exports: {} };
  const previous = process.env.CDK_OUTDIR;
  process.env.CDK_OUTDIR = outdir;
  try {
    new Function('require', 'module', 'exports', js)(requireFor, module, module.exports);
  } finally {
    if (previous === undefined) delete process.env.CDK_OUTDIR;
    else process.env.CDK_OUTDIR = previous;
  }
}

test('the quick start synthesizes as written: a launch template (the feature flag is on), a dry-run refresher of the cluster', () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecs-ami-refresher-quick-start-'));
  try {
    run(quickStart(), outdir);
    const template = JSON.parse(fs.readFileSync(path.join(outdir, 'Cluster.template.json'), 'utf8'));
    const resources = Object.values(template.Resources) as Array<{ Type: string; Properties?: any }>;
    const types = resources.map((r) => r.Type);
    expect(types).toContain('AWS::EC2::LaunchTemplate');
    expect(types).not.toContain('AWS::AutoScaling::LaunchConfiguration');
    const rotator = resources.find((r) => r.Type === 'AWS::Lambda::Function' && r.Properties?.Environment?.Variables?.[EnvName.CLUSTER_NAME]);
    expect(rotator?.Properties.Environment.Variables[EnvName.DRY_RUN]).toBe('true');
    expect(rotator?.Properties.Environment.Variables[EnvName.DRAIN_TIMEOUT_SECONDS]).toBe('1800');
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
});
