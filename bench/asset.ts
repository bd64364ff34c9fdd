/**
 * The two bundles as shipped: the Lambda asset (its directory is the deployment zip) and the CLI (the package's
 * bin). For each: its size, raw and compressed as in a zip of its directory (DEFLATE, level 9), and the time a
 * fresh Node process takes to load it: the module's share of a cold start (the runtime's own start and the
 * SDK's first connection are not in it). Measured, printed and written; never asserted.
 *
 *   npx ts-node --project tsconfig.dev.json bench/asset.ts                    # measure assets/, write bench/results/asset.json
 *   npx ts-node --project tsconfig.dev.json bench/asset.ts --previous DIR [--label TEXT]
 *                                        # measure DIR's bundles (an assets/ of the previous build) as the previous build
 *
 * bench/results/asset.json holds `current` and `previous`; a run replaces `current` (or, with --previous,
 * `previous`) and keeps the other, so the file always compares this build with the one before it.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';

const ROOT = path.join(__dirname, '..');
export const RESULTS = path.join(__dirname, 'results', 'asset.json');

export interface Bundle {
  readonly name: 'lambda' | 'cli';
  /** The bundle's directory under the assets root. */
  readonly dir: string;
  /** NODE_OPTIONS of the process that loads it: the Lambda's are the construct's (src/construct). */
  readonly nodeOptions: string;
  /** What the load time covers. */
  readonly load: string;
}

export const BUNDLES: readonly Bundle[] = [
  { name: 'lambda', dir: 'lambda/rotator.lambda', nodeOptions: '--enable-source-maps', load: 'require() of index.js' },
  { name: 'cli', dir: 'cli/ecs-ami-refresher', nodeOptions: '', load: 'node index.js --help, from the first module loaded to exit' },
];

export interface BundleFigures {
  readonly path: string;
  /** index.js */
  readonly rawBytes: number;
  /** Every other file of the directory (the source map). */
  readonly otherBytes: number;
  /** A zip of the directory: every file deflated, with its zip headers. */
  readonly zippedBytes: number;
  /** Median over the runs of the load (see `load`), in ms. */
  readonly coldRequireMs: number;
  /** Median over the runs of the whole fresh process (node start, load, exit), in ms. */
  readonly coldProcessMs: number;
  readonly load: string;
  readonly nodeOptions: string;
}

export interface BuildFigures {
  readonly label: string;
  readonly runs: number;
  readonly node: string;
  readonly lambda?: BundleFigures;
  readonly cli?: BundleFigures;
}

/**
 * The zip of a directory's files (PKWARE APPNOTE 4.3.7, 4.3.12, 4.3.16): per file a local header of 30 bytes
 * and a central directory header of 46, each followed by the name, then the deflated data; one 22-byte end record.
 */
export function zipBytes(dir: string): number {
  let total = 22;
  for (const name of fs.readdirSync(dir)) {
    const data = fs.readFileSync(path.join(dir, name));
    total += 30 + 46 + 2 * Buffer.byteLength(name) + zlib.deflateRawSync(data, { level: 9 }).length;
  }
  return total;
}

export function measureBundle(assetsRoot: string, bundle: Bundle, runs = 5, nodeOptions = bundle.nodeOptions): BundleFigures | undefined {
  const dir = path.join(assetsRoot, bundle.dir);
  const entry = path.join(dir, 'index.js');
  if (!fs.existsSync(entry)) return undefined;
  const others = fs.readdirSync(dir).filter((f) => f !== 'index.js');
  const loads: number[] = [];
  const processes: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    const ms = bundle.name === 'lambda' ? requireOnce(entry, nodeOptions) : runHelpOnce(entry, nodeOptions);
    processes.push(Number(process.hrtime.bigint() - started) / 1e6);
    loads.push(ms);
  }
  return {
    path: `assets/${bundle.dir}`,
    rawBytes: fs.statSync(entry).size,
    otherBytes: others.reduce((sum, f) => sum + fs.statSync(path.join(dir, f)).size, 0),
    zippedBytes: zipBytes(dir),
    coldRequireMs: Math.round(median(loads)),
    coldProcessMs: Math.round(median(processes)),
    load: bundle.load,
    nodeOptions,
  };
}

/** `require()` of the asset in a fresh node: the handler reads its configuration when invoked, so an empty environment loads it. */
function requireOnce(entry: string, nodeOptions: string): number {
  const script = `const t0 = process.hrtime.bigint(); require(${JSON.stringify(entry)}); process.stdout.write(String(Number(process.hrtime.bigint() - t0) / 1e6));`;
  const out = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', NODE_OPTIONS: nodeOptions } });
  if (out.status !== 0) throw new Error(`loading ${entry} failed: ${out.stderr}`);
  return Number(out.stdout);
}

/** `node index.js --help`, timed from a preloaded module (before the bundle loads) to the process's exit. */
function runHelpOnce(entry: string, nodeOptions: string): number {
  const timer = path.join(os.tmpdir(), 'ecs-ami-refresher-bench-timer.js');
  fs.writeFileSync(timer, 'const t0 = process.hrtime.bigint();\n'
    + 'process.on("exit", () => require("fs").writeSync(2, `\\nbench-load-ms=${Number(process.hrtime.bigint() - t0) / 1e6}\\n`));\n');
  const out = spawnSync(process.execPath, ['--require', timer, entry, '--help'], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', NODE_OPTIONS: nodeOptions } });
  const ms = /bench-load-ms=([\d.]+)/.exec(out.stderr);
  if (out.status !== 0 || !ms) throw new Error(`${entry} --help failed: ${out.stderr}`);
  return Number(ms[1]);
}

/** `withNodeOptions: false` for a build whose construct set none (before source maps). */
export function measureBuild(assetsRoot: string, label: string, runs = 5, withNodeOptions = true): BuildFigures {
  const [lambda, cli] = BUNDLES.map((b) => measureBundle(assetsRoot, b, runs, withNodeOptions ? b.nodeOptions : ''));
  return { label, runs, node: process.version, lambda, cli };
}

/** Writes `figures` as the current (or the previous) build, keeping the other one from the file. */
export function recordBuild(figures: BuildFigures, as: 'current' | 'previous', file = RESULTS): void {
  const existing = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown> : {};
  const kept = 'current' in existing || 'previous' in existing ? existing : {};
  fs.writeFileSync(file, JSON.stringify({ ...kept, [as]: figures }, null, 2) + '\n');
}

export function describeBuild(figures: BuildFigures): string {
  const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;
  const named: Array<[string, BundleFigures | undefined]> = [['Lambda asset', figures.lambda], ['CLI bundle', figures.cli]];
  return named
    .filter((entry): entry is [string, BundleFigures] => entry[1] !== undefined)
    .map(([name, f]) => `${name} ${f.path}: ${kib(f.rawBytes)} raw (+ ${kib(f.otherBytes)} beside it), ${kib(f.zippedBytes)} zipped; `
      + `cold load ${f.coldRequireMs} ms (${f.load}${f.nodeOptions ? `, NODE_OPTIONS=${f.nodeOptions}` : ''}; ${f.coldProcessMs} ms with the process), `
      + `median of ${figures.runs}, node ${figures.node}`)
    .join('\n');
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function main(args: readonly string[]): void {
  const at = args.indexOf('--previous');
  const previousRoot = at >= 0 ? args[at + 1] : undefined;
  if (at >= 0 && !previousRoot) throw new Error('usage: bench/asset.ts [--previous ASSETS_DIR] [--label TEXT]');
  const labelAt = args.indexOf('--label');
  const label = labelAt >= 0 ? args[labelAt + 1] : previousRoot ? `previous build (${previousRoot})` : 'this build';
  // The previous build's construct set no NODE_OPTIONS: its bundles had no source map to turn on.
  const figures = measureBuild(previousRoot ?? path.join(ROOT, 'assets'), label, 5, !previousRoot);
  if (!figures.lambda && !figures.cli) throw new Error('no bundle built: run npx projen bundle');
  console.log(describeBuild(figures));
  recordBuild(figures, previousRoot ? 'previous' : 'current');
  console.log(`Wrote ${path.relative(process.cwd(), RESULTS)}`);
}

if (require.main === module) main(process.argv.slice(2));
