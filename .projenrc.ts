import { awscdk, javascript } from 'projen';
import { TypescriptConfig, TypescriptConfigExtends } from 'projen/lib/javascript';

/**
 * The lowest aws-cdk-lib we support. It is set by a test tool, not by the construct: current cdk-nag
 * (2.36.54 and later, the AwsSolutions rules users run today) needs ^2.176.0. Everything the construct
 * uses (Function.logGroup, AsgCapacityProvider, EcsOptimizedImage.amazonLinux2023) is older, and the
 * Lambda runtime is rendered by projen as a string (`new lambda.Runtime('nodejs24.x', ...)`).
 */
const CDK_VERSION = '2.176.0';

/** One SDK line for every client, so the bundle carries a single copy of the shared smithy code. */
const SDK_VERSION = '^3.1162.0';

/** The dev tsconfig (tests, benchmarks, scripts, examples, esbuild); the design card puts it at the top level. */
const DEV_TSCONFIG = 'tsconfig.dev.json';
/** ts-node over the dev tsconfig, for the tasks that run a TypeScript file directly. */
const TS_NODE = `ts-node --project ${DEV_TSCONFIG}`;

// ---- jsii targets (issue 21) ---------------------------------------------------------------------------------------
/**
 * The languages Construct Hub shows install lines and docs for: the ones the assembly declares. Names as the
 * cdklabs libraries give them, from the repository's GitHub owner: Maven group io.github.<owner> (a Java package
 * takes `_` for `-`, JLS 6.1), a PascalCase .NET namespace, a `-go` module repository. Nothing is published from
 * here (release: false); test/packaging/bindings.test.ts generates every target with `jsii-pacmak --code-only`.
 */
const JSII_TARGETS = {
  publishToPypi: { distName: 'cdk-ecs-ami-refresher', module: 'cdk_ecs_ami_refresher' },
  publishToMaven: {
    javaPackage: 'io.github.cdk_ecs_ami_refresher',
    mavenGroupId: 'io.github.cdk-ecs-ami-refresher',
    mavenArtifactId: 'cdk-ecs-ami-refresher',
  },
  publishToNuget: { dotNetNamespace: 'CdkEcsAmiRefresher', packageId: 'CdkEcsAmiRefresher' },
  publishToGo: { moduleName: 'github.com/cdk-ecs-ami-refresher/cdk-ecs-ami-refresher-go' },
};
/**
 * The README's and the API docs' TypeScript examples, compiled by jsii-rosetta in strict mode after every compile:
 * one that does not compile fails the build. Each example runs in rosetta/default.ts-fixture (or the fixture its
 * code fence names); the tablet rosetta writes lets jsii-pacmak show the examples in every target language.
 */
function compileExamplesAfterCompiling(): void {
  const examples = project.addTask('docs:examples', {
    description: 'Compile the README\'s and API docs\' TypeScript examples (jsii-rosetta, strict)',
    exec: 'jsii-rosetta extract --strict .jsii',
  });
  project.postCompileTask.spawn(examples);
  project.gitignore.exclude('/.jsii.tabl.json');
  project.npmignore?.exclude('/.jsii.tabl.json', '/rosetta/');
}
// ---- end of jsii targets -------------------------------------------------------------------------------------------

const project = new awscdk.AwsCdkConstructLibrary({
  ...JSII_TARGETS,
  name: 'cdk-ecs-ami-refresher',
  description:
    'Keeps an Amazon ECS cluster on EC2 on the newest AMI: a scheduled, resumable rotator that replaces outdated container instances safely.',
  author: 'cdk-ecs-ami-refresher developers',
  authorAddress: 'cdk-ecs-ami-refresher@users.noreply.github.com',
  repositoryUrl: 'https://github.com/cdk-ecs-ami-refresher/cdk-ecs-ami-refresher.git',
  license: 'Apache-2.0',
  keywords: ['aws-cdk', 'ecs', 'ami', 'auto-scaling', 'patching', 'bottlerocket'],
  defaultReleaseBranch: 'main',
  projenrcTs: true,
  cdkVersion: CDK_VERSION,
  constructsVersion: '10.5.1',
  minNodeVersion: '20.0.0',
  packageManager: javascript.NodePackageManager.NPM,

  // CI is `.ci/run` on a plain machine; there is no GitHub here and nothing is released from it.
  github: false,
  release: false,
  depsUpgrade: false,
  pullRequestTemplate: false,
  sampleCode: false,
  docgen: true,

  // The Lambda entry lives in src/lambda/, but its generated construct belongs with the construct in
  // src/construct/ (src/lambda/ never imports aws-cdk-lib). So the function is declared by hand below.
  lambdaAutoDiscover: false,

  devDeps: [
    `@aws-sdk/client-auto-scaling@${SDK_VERSION}`,
    `@aws-sdk/client-cloudformation@${SDK_VERSION}`,
    `@aws-sdk/client-ec2@${SDK_VERSION}`,
    `@aws-sdk/client-ecs@${SDK_VERSION}`,
    `@aws-sdk/client-ssm@${SDK_VERSION}`,
    // The rotator publishes rotation notifications to the optional topic (bundled into the Lambda like the others).
    `@aws-sdk/client-sns@${SDK_VERSION}`,
    // The engine's lease is a conditional write on one DynamoDB item (issue 18: an atomic lease).
    `@aws-sdk/client-dynamodb@${SDK_VERSION}`,
    '@aws-lambda-powertools/logger@^2.36.0',
    '@aws-lambda-powertools/metrics@^2.36.0',
    '@types/aws-lambda@^8.10.164',
    // AGPL-3.0: used only by tests to evaluate the synthesized policy; never bundled or shipped.
    '@cloud-copilot/iam-simulate@^0.1.173',
    'aws-sdk-client-mock@^4.1.0',
    'aws-sdk-client-mock-jest@^4.1.0',
    'cdk-nag@^2.38.2',
    // The operator CLI's argument parser; bundled into the CLI (14 is the newest line that supports Node 20).
    'commander@^14.0.0',
    'esbuild@^0.28.2',
    'fast-check@^4.3.0',
  ],

  jestOptions: {
    jestConfig: {
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/setup.ts'],
      // The bundled asset is loaded by a test; it is 4 MB of mostly SDK code, not ours to cover.
      coveragePathIgnorePatterns: ['/node_modules/', '/assets/'],
    },
  },
  // The dev tsconfig at the top level (design card): jest, eslint, esbuild and every ts-node task use it.
  // It extends tsconfig.json and type-checks everything outside the jsii build too.
  tsconfigDevFile: DEV_TSCONFIG,
  tsconfigDev: {
    compilerOptions: {},
    include: ['src/**/*.ts', 'test/**/*.ts', 'examples/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts', '.projenrc.ts', 'projenrc/**/*.ts'],
  },
  eslintOptions: {
    dirs: ['src'],
    devdirs: ['test', 'examples', 'bench', 'scripts', '.projenrc.ts'],
    // One project for every linted file rather than the project service's nearest tsconfig.json, which is
    // the jsii one (src/ only) for everything under test/.
    tsconfigPath: `./${DEV_TSCONFIG}`,
    projectService: false,
  },
  npmignoreEnabled: true,
  gitignore: ['cdk.out', 'examples/cdk.out', 'bench/results/*.tmp.json'],
});

compileExamplesAfterCompiling();

// ---- Integ test (issue 21) -----------------------------------------------------------------------------------------
/**
 * test/integ/integ.refresher.ts: an app made with integ-tests-alpha that a maintainer deploys with integ-runner
 * (docs/development.md); the build only synthesizes it and compares it with the committed snapshot, asset hashes
 * aside (test/integ/snapshot.test.ts). integ-tests-alpha is versioned with aws-cdk-lib: 2.173.2-alpha.0 is the
 * newest release whose peer range takes our floor, CDK_VERSION (the registry serves no 2.176.0-alpha.0).
 */
function declareIntegTest(): void {
  project.addDevDeps('@aws-cdk/integ-tests-alpha@2.173.2-alpha.0');
  const snapshot = project.addTask('integ:snapshot', {
    description: 'Synthesize test/integ/integ.refresher.ts into its committed snapshot (after a change it shows)',
    exec: `${TS_NODE} test/integ/integ.refresher.ts`,
    env: { INTEG_SNAPSHOT: '1' },
  });
  // The app points at the Lambda asset, so it is bundled first.
  snapshot.prependSpawn(project.bundler.bundleTask);
  // The snapshot is the cloud assembly but for the asset directories (the bundles, copied anew by every synth)
  // and tree.json (construct paths with library versions); its cdk.out version marker stays.
  project.gitignore.exclude('/test/integ/*.snapshot/asset.*', '/test/integ/*.snapshot/tree.json');
  project.gitignore.include('/test/integ/*.snapshot/cdk.out');
}
// ---- end of integ test ---------------------------------------------------------------------------------------------

// Packaging the other languages for real needs their toolchains and registries (Maven Central, PyPI, NuGet, the
// Go proxy), which these machines lack: `package` packs the npm tarball alone, in CI and locally alike, and
// `package-all` stays for a machine that has them. The bindings are generated by a test (see JSII_TARGETS).
project.packageTask.reset();
project.packageTask.spawn(project.tasks.tryFind('package:js')!);

// projen's dev tsconfig includes every .ts under its folder; at the top level that would take lib/'s .d.ts
// and cdk.out too, so it lists the folders instead.
project.tsconfigDev.removeInclude('**/*.ts');

// The engine's SDK clients are bundled into the Lambda asset (devDependencies); the construct itself
// imports only the SDK-free modules of src/shared.
for (const dir of ['src/aws/**', 'src/engine/**', 'src/lambda/**']) project.eslint?.allowDevDeps(dir);

// The layers, kept by lint (DESIGN.md): no import cycles; engine, shared, aws, lambda and cli code never
// touch aws-cdk-lib or constructs; shared code never touches the SDK or another layer; the construct
// reaches the engine's side only through shared/.
project.eslint?.addRules({ 'import/no-cycle': ['error'] });
const CDK_IMPORTS = [
  { group: ['aws-cdk-lib', 'aws-cdk-lib/*', 'constructs'], message: 'only src/construct/ may use aws-cdk-lib and constructs' },
];
const layer = (files: string[], patterns: Array<{ group: string[]; message: string }>) =>
  project.eslint?.addOverride({ files, rules: { 'no-restricted-imports': ['error', { patterns }] } });
layer(['src/shared/**'], [...CDK_IMPORTS,
  { group: ['@aws-sdk/*'], message: 'src/shared/ holds no SDK code; put it behind a port in src/aws/' },
  { group: ['**/engine', '**/engine/**', '**/aws/**', '**/construct/**', '**/lambda/**', '**/cli/**'], message: 'src/shared/ imports no other layer' }]);
layer(['src/engine/**', 'src/aws/**'], [...CDK_IMPORTS,
  { group: ['**/construct/**', '**/lambda/**', '**/cli/**'], message: 'the engine and the AWS ports know nothing of their callers' }]);
layer(['src/lambda/**', 'src/cli/**'], [...CDK_IMPORTS,
  { group: ['**/construct/**'], message: 'the Lambda entry and the CLI run the engine, not the construct' }]);
layer(['src/construct/**'], [
  { group: ['@aws-sdk/*', '**/engine/**', '**/aws/**', '**/lambda/**', '**/cli/**'], message: 'the construct imports only src/shared/ of the runtime side' },
]);

// Folders outside src/ and test/ that an editor opens on their own: each has a tsconfig.json over the dev
// one, so tsserver (which looks for the nearest tsconfig.json) type-checks them as the build does.
for (const dir of ['examples', 'scripts', 'bench']) {
  new TypescriptConfig(project, {
    fileName: `${dir}/tsconfig.json`,
    extends: TypescriptConfigExtends.fromPaths([`../${DEV_TSCONFIG}`]),
    compilerOptions: {},
    include: ['**/*.ts'],
  });
}

// ---- Bundles (issue 21): minified, a source map trimmed to our files --------------------------------------------
/**
 * How the Lambda and the CLI are bundled. Minified, with `module` before `main` so that esbuild takes the SDK's
 * ES-module builds, which tree-shake (the SDK stays bundled). Stack traces stay readable through a source map
 * without sources content, trimmed after esbuild by scripts/trim-source-map.ts to a segment per line of our own
 * code (the full map would be larger zipped than the code); the construct sets NODE_OPTIONS=--enable-source-maps
 * on the function. LambdaFunction types `bundlingOptions` with the options common to all bundles but hands them
 * whole to addBundle, which takes these; test/bundle/source-map.test.ts checks that each bundle came out minified and
 * mapped.
 */
const BUNDLING: Omit<javascript.AddBundleOptions, 'target' | 'platform'> = {
  externals: [],
  minify: true,
  mainFields: ['module', 'main'],
  sourcemap: true,
  esbuildArgs: {
    '--sources-content': 'false',
    // The SDK's ES-module builds load node:http, node:https and node:async_hooks with import(); as require()
    // (what their CommonJS builds do) the bundle needs no ES-module loader, in Lambda or in a test's vm.
    '--supported:dynamic-import': 'false',
  },
  watchTask: false,
};
/** After esbuild, every bundle task trims the map it wrote (a task run alone included). */
function trimSourceMapsAfterBundling(): void {
  for (const task of project.tasks.all.filter((t) => t.name.startsWith('bundle:'))) {
    const outfile = task.steps.flatMap((step) => step.execArgs ?? []).find((arg) => arg.startsWith('--outfile='));
    if (!outfile) continue;
    task.exec(`ts-node --transpile-only --project ${DEV_TSCONFIG} scripts/trim-source-map.ts ${outfile.slice('--outfile='.length)}.map`);
  }
}
// ---- end of bundles -----------------------------------------------------------------------------------------------

// The rotator Lambda. The AWS SDK v3 clients are bundled (projen's default would leave `@aws-sdk/*`
// to the runtime): the bundle then runs exactly the SDK version the tests ran, whatever the runtime ships.
new awscdk.LambdaFunction(project, {
  entrypoint: 'src/lambda/rotator.lambda.ts',
  constructFile: 'src/construct/rotator-function.ts',
  constructName: 'RotatorFunction',
  cdkDeps: project.cdkDeps,
  runtime: awscdk.LambdaRuntime.NODEJS_24_X,
  // That flag is for SDK v2; v3 keeps connections alive by default.
  awsSdkConnectionReuse: false,
  bundlingOptions: BUNDLING,
});

// The operator CLI (`ecs-ami-refresher plan|rotate|status`), the same engine as the Lambda. Bundled like the
// Lambda, SDK and commander inside, so the library keeps no runtime dependency; the shebang comes from the
// entry file (esbuild keeps a leading hashbang; a banner would add a second one).
// It runs on the user's Node, so it is built for the oldest one `engines` allows.
const cliBundle = project.bundler.addBundle('src/cli/ecs-ami-refresher.ts', {
  ...BUNDLING,
  platform: 'node',
  target: `node${project.minNodeVersion ?? '20.0.0'}`,
  outfile: 'index.js',
  executable: true,
});
project.addBins({ 'ecs-ami-refresher': cliBundle.outfile });
project.eslint?.allowDevDeps('src/cli/**');
// jsii compiles src/cli too, but only the bundle is run; lib/cli would require commander, which is not shipped.
project.npmignore?.exclude('/lib/cli/');

trimSourceMapsAfterBundling();
declareIntegTest();

// Tests load the bundled asset (assets/lambda/...) and synthesize the construct, which points at it:
// bundle before jest so `projen test` works on a fresh clone.
const bundleTask = project.tasks.tryFind('bundle');
if (bundleTask) {
  project.testTask.prependSpawn(bundleTask);
}

// The README's main-job command: synthesize the example app and show what the refresher adds.
const demo = project.addTask('demo', {
  description: 'Synthesize the example app, print what the refresher adds, and run a simulated rotation',
  exec: `${TS_NODE} scripts/demo.ts`,
});
if (bundleTask) demo.prependSpawn(bundleTask);

// The README's reliability figures, produced by the tests they count.
project.addTask('reliability', {
  description: 'Run the crash, fault and IAM tests and print the README\'s reliability figures',
  exec: `${TS_NODE} scripts/reliability.ts`,
});

// Rotation benchmarks on the simulator (issue 4): `npm run bench -- --sizes 100`. Bundles first, so the
// Lambda asset's size and load time are measured on the current code.
const bench = project.addTask('bench', {
  description: 'Rotation benchmarks on the simulator: the engine and seed 004\'s script (options: --sizes --groups --seeds --policies)',
  exec: `${TS_NODE} bench/rotation.ts`,
  receiveArgs: true,
});
if (bundleTask) bench.prependSpawn(bundleTask);

// The packed tarball, installed into an app outside the repo, must synthesize and its handler load.
const consumerTest = project.addTask('test:consumer', {
  description: 'Install the npm tarball into a fresh CDK app outside the repo, synthesize, and load the handler',
  exec: 'bash scripts/consumer-test.sh',
});
project.packageTask.spawn(consumerTest);

project.npmignore?.exclude('/examples/', '/bench/', '/scripts/', '/.ci/', '/test/', 'cdk.out');

project.synth();
