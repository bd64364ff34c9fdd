/**
 * The bundles are minified; their source maps keep stack traces readable. Here: the built assets (made by
 * `npx projen bundle`) carry a trimmed map, the synthesized function turns source maps on, and an error thrown
 * inside the bundled handler, in a Node process started with the function's own NODE_OPTIONS, logs a stack that
 * names the src/ file and line that threw. The trimmer itself is checked against the full esbuild map of the
 * Lambda entry, position by position, with Node's own source map reader.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { SourceMap } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import * as fc from 'fast-check';
import { zipBytes } from '../../bench/asset';
import { decodeMappings, decodeVlq, encodeMappings, encodeVlq, SourceMapV3, trimBundleMap, trimFile } from '../../scripts/trim-source-map';
import { environment, synth } from '../construct/fixtures';

const ROOT = path.join(__dirname, '..', '..');
const LAMBDA_DIR = path.join(ROOT, 'assets', 'lambda', 'rotator.lambda');
const CLI_DIR = path.join(ROOT, 'assets', 'cli', 'ecs-ami-refresher');
const LAMBDA_ENTRY = path.join(ROOT, 'src', 'lambda', 'rotator.lambda.ts');

function readMap(dir: string): SourceMapV3 {
  const file = path.join(dir, 'index.js.map');
  if (!fs.existsSync(file)) throw new Error(`${path.relative(ROOT, file)} is missing: run npx projen bundle`);
  return JSON.parse(fs.readFileSync(file, 'utf8')) as SourceMapV3;
}

describe.each([['the Lambda asset', LAMBDA_DIR], ['the CLI bundle', CLI_DIR]])('%s', (_name, dir) => {
  test('is minified and points at index.js.map beside it', () => {
    const code = fs.readFileSync(path.join(dir, 'index.js'), 'utf8');
    const lines = code.split('\n');
    // Unminified, the bundle is about 130,000 lines; minified, a few dozen (template literals keep their newlines).
    expect(lines.length).toBeLessThan(500);
    expect(lines.filter((l) => l !== '').pop()).toBe('//# sourceMappingURL=index.js.map');
  });

  test('its map names only our files, from the package root, without names or sources content', () => {
    const map = readMap(dir);
    expect(map.sources.length).toBeGreaterThan(10);
    for (const source of map.sources) {
      expect(source).toMatch(/^src\/[\w./-]+\.ts$/);
      expect(fs.existsSync(path.join(ROOT, source))).toBe(true);
    }
    expect(map.names).toEqual([]);
    expect(map.sourcesContent).toBeUndefined();
    expect(map.x_trimmed).toBe(true);
    // esbuild's own map of the Lambda is 2.2 MB; the trimmed one about 21 KB.
    expect(fs.statSync(path.join(dir, 'index.js.map')).size).toBeLessThan(100_000);
  });
});

// Issue 21's budget was 320 KiB; issue 18's atomic lease adds the DynamoDB client (about 12 KiB zipped:
// 339,875 bytes measured), so the budget is 336 KiB.
test('the Lambda asset\'s directory, map included, zips to at most 336 KiB (issue 21\'s budget, plus the lease\'s DynamoDB client)', () => {
  expect(zipBytes(LAMBDA_DIR)).toBeLessThanOrEqual(336 * 1024);
});

/** NODE_OPTIONS as the construct sets them on the function (synthesized once for the tests that need them). */
let nodeOptions: string | undefined;
function functionNodeOptions(): string {
  nodeOptions ??= String(environment(synth(({ cluster }) => ({ cluster })).template).NODE_OPTIONS);
  return nodeOptions;
}

test('the construct turns source maps on in the function\'s environment', () => {
  expect(functionNodeOptions()).toBe('--enable-source-maps');
});

describe('an error thrown inside the bundled handler', () => {
  /**
   * Loads the asset in a fresh Node as the Lambda runtime does, invokes the handler with an event it refuses,
   * and prints the rejection's stack, as the runtime logs it.
   */
  function invokeAndLogStack(env: Record<string, string>): string[] {
    const script = `require(${JSON.stringify(path.join(LAMBDA_DIR, 'index.js'))}).handler({ forse: 1 }).then(
      () => { console.error('the handler accepted the event'); process.exit(1); },
      (error) => console.log(JSON.stringify({ errorType: error.name, stack: error.stack.split('\\n') })));`;
    const out = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', ...env }, timeout: 30_000 });
    expect(out.stderr).toBe('');
    expect(out.status).toBe(0);
    const logged = JSON.parse(out.stdout) as { errorType: string; stack: string[] };
    expect(logged.errorType).toBe('EventError');
    return logged.stack.slice(1);
  }

  test('logs a stack naming the src/ file and line that threw, with the function\'s NODE_OPTIONS', () => {
    const frames = invokeAndLogStack({ NODE_OPTIONS: functionNodeOptions() });

    const top = /\((.+):(\d+):(\d+)\)$/.exec(frames[0]);
    expect(top).not.toBeNull();
    const [, file, line] = top!;
    expect(file).toBe(path.join(LAMBDA_DIR, 'src', 'lambda', 'event.ts'));
    const sourceLine = fs.readFileSync(path.join(ROOT, 'src', 'lambda', 'event.ts'), 'utf8').split('\n')[Number(line) - 1];
    expect(sourceLine).toContain('throw new EventError(`the event has unknown field(s)');
    // Its caller: the handler, in the Lambda entry.
    expect(frames[1]).toMatch(new RegExp(`${escape(path.join(LAMBDA_DIR, 'src', 'lambda', 'rotator.lambda.ts'))}:\\d+:\\d+\\)$`));
  });

  test('without source maps turned on, the same frames name only the minified index.js', () => {
    const frames = invokeAndLogStack({});
    expect(frames[0]).toMatch(new RegExp(`${escape(path.join(LAMBDA_DIR, 'index.js'))}:\\d+:\\d+\\)$`));
    expect(frames.join('\n')).not.toContain('/src/');
  });
});

test('trimming a map twice leaves it as the first trim wrote it', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecs-ami-refresher-map-'));
  try {
    const file = path.join(dir, 'index.js.map');
    fs.copyFileSync(path.join(LAMBDA_DIR, 'index.js.map'), file);
    const built = fs.readFileSync(file, 'utf8');
    expect(trimFile(file, ROOT)).toBe(`${file}: already trimmed`);
    expect(fs.readFileSync(file, 'utf8')).toBe(built);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

describe('base64 VLQ', () => {
  test('known values', () => {
    expect(decodeVlq('AAAA')).toEqual([0, 0, 0, 0]);
    expect(decodeVlq('CDgBhB')).toEqual([1, -1, 16, -16]);
    expect(encodeVlq([0, 1, -1, 16, -16])).toBe('ACDgBhB');
    // The source map spec's example segment.
    expect(decodeVlq('AAgBC')).toEqual([0, 0, 16, 1]);
  });

  test('decodes what it encodes, past 32 bits too', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: -(2 ** 40), max: 2 ** 40 })), (values) => {
      expect(decodeVlq(encodeVlq(values))).toEqual(values);
    }));
  });

  test('refuses a character outside base64 and a number cut short', () => {
    expect(() => decodeVlq('A*')).toThrow(/'\*' is not a base64 digit/);
    expect(() => decodeVlq('Ag')).toThrow(/ends inside a number/);
  });
});

describe('trimming the Lambda entry\'s full esbuild map', () => {
  let full: SourceMapV3;
  let mapFile: string;
  let trimmed: SourceMapV3;

  beforeAll(async () => {
    // The bundle's own options (.projenrc.ts: BUNDLING), in memory.
    const result = await esbuild.build({
      entryPoints: [LAMBDA_ENTRY],
      bundle: true,
      minify: true,
      mainFields: ['module', 'main'],
      platform: 'node',
      target: 'node24',
      sourcemap: 'external',
      sourcesContent: false,
      outfile: path.join(LAMBDA_DIR, 'index.js'),
      write: false,
      logLevel: 'silent',
    });
    const mapOutput = result.outputFiles.find((f) => f.path.endsWith('.map'))!;
    mapFile = mapOutput.path;
    full = JSON.parse(mapOutput.text) as SourceMapV3;
    trimmed = trimBundleMap(full, mapFile, ROOT);
  });

  test('mappings decode and encode back to the same text', () => {
    expect(encodeMappings(decodeMappings(full.mappings))).toBe(full.mappings);
  });

  test('every position maps to the same file and line as in the full map, or to nothing when it is in node_modules', () => {
    const before = new SourceMap(full as never);
    const after = new SourceMap(trimmed as never);
    // The full map names sources relative to itself; the trimmed one from the package root.
    const fromRoot = (source: string) => path.relative(ROOT, path.resolve(path.dirname(mapFile), source));
    let ours = 0;
    let theirs = 0;
    const wrong: string[] = [];
    decodeMappings(full.mappings).forEach((segments, line) => {
      for (const { column } of segments) {
        const was = before.findEntry(line, column) as { originalSource?: string; originalLine?: number };
        const is = after.findEntry(line, column) as { originalSource?: string; originalLine?: number };
        const expected = was.originalSource && !fromRoot(was.originalSource).includes('node_modules/')
          ? `${fromRoot(was.originalSource)}:${was.originalLine}` : 'unmapped';
        if (expected === 'unmapped') theirs++;
        else ours++;
        const got = is.originalSource ? `${is.originalSource}:${is.originalLine}` : 'unmapped';
        if (got !== expected) wrong.push(`${line}:${column} is ${got}, expected ${expected}`);
      }
    });
    expect(wrong.slice(0, 5)).toEqual([]);
    expect(ours).toBeGreaterThan(10_000);
    expect(theirs).toBeGreaterThan(100_000);
  });

  test('keeps one source per file of ours and drops the rest', () => {
    const ourSources = full.sources.map((s) => path.relative(ROOT, path.resolve(path.dirname(mapFile), s))).filter((s) => !s.includes('node_modules/'));
    expect([...trimmed.sources].sort()).toEqual([...new Set(ourSources)].sort());
    expect(trimmed.mappings.length).toBeLessThan(full.mappings.length / 20);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
