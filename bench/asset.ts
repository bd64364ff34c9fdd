/**
 * The Lambda asset as deployed: its size, raw and compressed as in the deployment zip (DEFLATE), and the
 * time a fresh Node process takes to load it (the module's share of a cold start; the runtime's own start
 * and the SDK's first connection are not in it). Measured, printed and written; never asserted.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';

export const ASSET = path.join(__dirname, '..', 'assets', 'lambda', 'rotator.lambda', 'index.js');

export interface AssetFigures {
  readonly path: string;
  readonly rawBytes: number;
  readonly zippedBytes: number;
  /** Median over the runs of `require()` of the asset in a fresh `node`, in ms. */
  readonly coldRequireMs: number;
  /** Median over the runs of the whole fresh process (node start, require, exit), in ms. */
  readonly coldProcessMs: number;
  readonly runs: number;
  readonly node: string;
}

export function measureAsset(runs = 5): AssetFigures | undefined {
  if (!fs.existsSync(ASSET)) return undefined;
  const code = fs.readFileSync(ASSET);
  const zipped = zlib.deflateRawSync(code, { level: 9 }).length;
  const script = [
    'const t0 = process.hrtime.bigint();',
    `require(${JSON.stringify(ASSET)});`,
    'process.stdout.write(String(Number(process.hrtime.bigint() - t0) / 1e6));',
  ].join('');
  const requireMs: number[] = [];
  const processMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    // The handler reads its configuration when invoked, not when loaded: an empty environment loads it.
    const out = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
    processMs.push(Number(process.hrtime.bigint() - started) / 1e6);
    if (out.status !== 0) throw new Error(`loading ${ASSET} failed: ${out.stderr}`);
    requireMs.push(Number(out.stdout));
  }
  return {
    path: path.relative(path.join(__dirname, '..'), ASSET),
    rawBytes: code.length,
    zippedBytes: zipped,
    coldRequireMs: Math.round(median(requireMs)),
    coldProcessMs: Math.round(median(processMs)),
    runs,
    node: process.version,
  };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
