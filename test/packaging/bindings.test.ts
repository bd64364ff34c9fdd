/**
 * The jsii targets: package.json declares Python, Java, .NET and Go, and `jsii-pacmak --code-only` generates
 * every one of them from the assembly, with every public type of the library in each; the Python compiles
 * (`python3 -m compileall`). Nothing is built or published: the other toolchains and their registries are
 * not on these machines. Generation needs the assembly (.jsii): when it is missing or older than a file
 * under src/, the test compiles first (the build has just compiled, so it does not).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BIN, currentAssembly, ROOT, run } from './assembly';

interface Targets {
  readonly python?: { readonly distName: string; readonly module: string };
  readonly java?: { readonly package: string; readonly maven: { readonly groupId: string; readonly artifactId: string } };
  readonly dotnet?: { readonly namespace: string; readonly packageId: string };
  readonly go?: { readonly moduleName: string; readonly packageName?: string };
}

const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name: string; jsii: { targets: Targets } };
const targets = pkg.jsii.targets;

/** The names of the library's public types, from the assembly. */
let typeNames: string[];
let outdir: string;

beforeAll(() => {
  const assembly = currentAssembly() as { types: Record<string, { name: string; namespace?: string }> };
  typeNames = Object.values(assembly.types).filter((t) => t.namespace === undefined).map((t) => t.name);
  outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecs-ami-refresher-bindings-'));
  run(path.join(BIN, 'jsii-pacmak'), [
    '--code-only', '--no-npmignore', '--force', '--outdir', outdir,
    '--target', 'python', '--target', 'java', '--target', 'dotnet', '--target', 'go',
  ]);
}, 300_000);

afterAll(() => {
  if (outdir) fs.rmSync(outdir, { recursive: true, force: true });
});

test('package.json declares the four targets with Construct Hub\'s names', () => {
  expect(targets).toEqual({
    python: { distName: 'cdk-ecs-ami-refresher', module: 'cdk_ecs_ami_refresher' },
    java: { package: 'io.github.cdk_ecs_ami_refresher', maven: { groupId: 'io.github.cdk-ecs-ami-refresher', artifactId: 'cdk-ecs-ami-refresher' } },
    dotnet: { namespace: 'CdkEcsAmiRefresher', packageId: 'CdkEcsAmiRefresher' },
    go: { moduleName: 'github.com/cdk-ecs-ami-refresher/cdk-ecs-ami-refresher-go' },
  });
});

test('the assembly has the public types every binding must carry', () => {
  expect(typeNames).toEqual(expect.arrayContaining(['EcsAmiRefresher', 'EcsAmiRefresherProps', 'AmiParameters', 'MaxUnavailable', 'DrainTimeoutAction']));
});

test('Python: module cdk_ecs_ami_refresher with a class per type, and it compiles', () => {
  const moduleDir = path.join(outdir, 'python', 'src', targets.python!.module);
  const init = fs.readFileSync(path.join(moduleDir, '__init__.py'), 'utf8');
  for (const name of typeNames) expect(init).toMatch(new RegExp(`^class ${name}\\b`, 'm'));
  expect(fs.readFileSync(path.join(outdir, 'python', 'setup.py'), 'utf8')).toContain(`"name": "${targets.python!.distName}"`);
  // Byte-compiles every file, or exits non-zero naming the one that does not parse.
  run('python3', ['-m', 'compileall', '-q', moduleDir]);
  expect(fs.readdirSync(path.join(moduleDir, '__pycache__')).some((f) => f.startsWith('__init__.'))).toBe(true);
});

test('Java: a source file per type in package io.github.cdk_ecs_ami_refresher, and the Maven coordinates', () => {
  const packageDir = path.join(outdir, 'java', 'src', 'main', 'java', ...targets.java!.package.split('.'));
  for (const name of typeNames) {
    expect(fs.readFileSync(path.join(packageDir, `${name}.java`), 'utf8')).toContain(`package ${targets.java!.package};`);
  }
  const pom = fs.readFileSync(path.join(outdir, 'java', 'pom.xml'), 'utf8');
  expect(pom).toContain(`<groupId>${targets.java!.maven.groupId}</groupId>`);
  expect(pom).toContain(`<artifactId>${targets.java!.maven.artifactId}</artifactId>`);
});

test('.NET: a source file per type in namespace CdkEcsAmiRefresher, and the package id', () => {
  const project = path.join(outdir, 'dotnet', targets.dotnet!.packageId);
  for (const name of typeNames) {
    expect(fs.readFileSync(path.join(project, targets.dotnet!.namespace, `${name}.cs`), 'utf8')).toContain(`namespace ${targets.dotnet!.namespace}`);
  }
  expect(fs.readFileSync(path.join(project, `${targets.dotnet!.packageId}.csproj`), 'utf8')).toContain(`<PackageId>${targets.dotnet!.packageId}</PackageId>`);
});

test('Go: a source file per type in package cdkecsamirefresher, under the declared module', () => {
  const packageDir = path.join(outdir, 'go', 'cdkecsamirefresher');
  for (const name of typeNames) {
    expect(fs.readFileSync(path.join(packageDir, `${name}.go`), 'utf8')).toMatch(/^package cdkecsamirefresher$/m);
  }
  expect(fs.readFileSync(path.join(packageDir, 'go.mod'), 'utf8')).toMatch(new RegExp(`^module ${targets.go!.moduleName}/cdkecsamirefresher$`, 'm'));
});
