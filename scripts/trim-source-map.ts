/**
 * Shrinks an esbuild source map to what a stack trace needs, so it fits in the Lambda asset's size budget.
 *
 *   ts-node --transpile-only --project tsconfig.dev.json scripts/trim-source-map.ts assets/x/index.js.map
 *
 * esbuild maps every token of the bundle (2.2 MB for the rotator, 440 KB zipped: more than the SDK code it
 * maps). A stack frame needs only a file and a line, and only our files are worth naming. So the map keeps:
 * - one segment per run of generated code from the same line of one of our files (a lookup anywhere in
 *   the run finds that line; the column is the run's first);
 * - one unmapped segment where code from node_modules starts, so a frame in the SDK keeps its bundle
 *   position instead of borrowing the line of our code before it;
 * - no names and no sources content; source paths relative to the package root (`src/...`).
 * Rewrites the file in place and prints the sizes; a map it already trimmed is left as it is.
 */
import * as fs from 'fs';
import * as path from 'path';

/** A source map, version 3, as esbuild writes it (only the fields this reads or writes). */
export interface SourceMapV3 {
  readonly version: 3;
  readonly sources: readonly string[];
  readonly names: readonly string[];
  readonly mappings: string;
  readonly sourcesContent?: readonly (string | null)[];
  readonly sourceRoot?: string;
  /** Set on a map this script wrote (an `x_` field, which source map readers ignore): it is not trimmed again. */
  readonly x_trimmed?: true;
}

/** One segment of a generated line, with absolute (not delta) values. */
export interface Segment {
  readonly column: number;
  /** Absent on an unmapped segment. */
  readonly source?: { readonly index: number; readonly line: number; readonly column: number; readonly name?: number };
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const BASE64_VALUE = new Map([...BASE64].map((char, value) => [char, value]));
/** A base64 digit carries 5 bits of the number; 32 and above, it says another digit follows. */
const CONTINUE = 32;

/** One base64 VLQ field list: the numbers of one segment, still relative to the previous one. */
export function decodeVlq(text: string): number[] {
  const values: number[] = [];
  let value = 0;
  let shift = 0;
  for (const char of text) {
    const digit = BASE64_VALUE.get(char);
    if (digit === undefined) throw new Error(`source map: '${char}' is not a base64 digit in "${text}"`);
    value += (digit % CONTINUE) * 2 ** shift;
    if (digit >= CONTINUE) {
      shift += 5;
      continue;
    }
    values.push(value % 2 === 1 ? -(value - 1) / 2 : value / 2);
    value = 0;
    shift = 0;
  }
  if (shift !== 0) throw new Error(`source map: "${text}" ends inside a number`);
  return values;
}

export function encodeVlq(values: readonly number[]): string {
  let text = '';
  for (const n of values) {
    let rest = n < 0 ? -n * 2 + 1 : n * 2;
    do {
      const digit = rest % CONTINUE;
      rest = Math.floor(rest / CONTINUE);
      text += BASE64[rest > 0 ? digit + CONTINUE : digit];
    } while (rest > 0);
  }
  return text;
}

/** `mappings` to absolute segments, one array per generated line. */
export function decodeMappings(mappings: string): Segment[][] {
  let index = 0;
  let line = 0;
  let column = 0;
  let name = 0;
  return mappings.split(';').map((generatedLine) => {
    let generatedColumn = 0;
    return generatedLine.split(',').filter((s) => s !== '').map((text): Segment => {
      const fields = decodeVlq(text);
      if (![1, 4, 5].includes(fields.length)) throw new Error(`source map: a segment has ${fields.length} fields ("${text}")`);
      generatedColumn += fields[0];
      if (fields.length === 1) return { column: generatedColumn };
      index += fields[1];
      line += fields[2];
      column += fields[3];
      if (fields.length === 5) name += fields[4];
      return { column: generatedColumn, source: { index, line, column, name: fields.length === 5 ? name : undefined } };
    });
  });
}

/** Absolute segments back to `mappings`. */
export function encodeMappings(lines: readonly (readonly Segment[])[]): string {
  let index = 0;
  let line = 0;
  let column = 0;
  let name = 0;
  return lines.map((segments) => {
    let generatedColumn = 0;
    return segments.map((segment) => {
      const fields = [segment.column - generatedColumn];
      generatedColumn = segment.column;
      const source = segment.source;
      if (source) {
        fields.push(source.index - index, source.line - line, source.column - column);
        index = source.index;
        line = source.line;
        column = source.column;
        if (source.name !== undefined) {
          fields.push(source.name - name);
          name = source.name;
        }
      }
      return encodeVlq(fields);
    }).join(',');
  }).join(';');
}

export interface TrimOptions {
  /** Whether frames in this source (as the map names it) are worth mapping. */
  readonly keep: (source: string) => boolean;
  /** The name a kept source is given in the trimmed map. @default unchanged */
  readonly rename?: (source: string) => string;
}

/** The map a stack trace needs: see the file's comment. */
export function trimSourceMap(map: SourceMapV3, options: TrimOptions): SourceMapV3 {
  if (map.version !== 3) throw new Error(`source map: version ${String(map.version)}, expected 3`);
  const kept = map.sources.map((s) => options.keep(s));
  const newIndex: number[] = [];
  const sources: string[] = [];
  map.sources.forEach((s, i) => {
    if (!kept[i]) return;
    newIndex[i] = sources.length;
    sources.push(options.rename ? options.rename(s) : s);
  });
  const lines = decodeMappings(map.mappings).map((segments) => {
    const out: Segment[] = [];
    let run: string | undefined;
    for (const segment of segments) {
      const source = segment.source && kept[segment.source.index] ? segment.source : undefined;
      const key = source ? `${source.index}:${source.line}` : 'unmapped';
      if (key === run) continue;
      run = key;
      out.push(source
        ? { column: segment.column, source: { index: newIndex[source.index], line: source.line, column: source.column } }
        : { column: segment.column });
    }
    // A line that starts unmapped needs no marker: nothing before it could be borrowed.
    if (out.length > 0 && !out[0].source) out.shift();
    return out;
  });
  return { version: 3, sources, names: [], mappings: encodeMappings(lines), x_trimmed: true };
}

/** What the bundles keep: our own files, named from the package root (`src/...`). */
export function trimBundleMap(map: SourceMapV3, mapFile: string, packageRoot: string): SourceMapV3 {
  const fromRoot = (source: string) => path.relative(packageRoot, path.resolve(path.dirname(mapFile), map.sourceRoot ?? '', source)).split(path.sep).join('/');
  return trimSourceMap(map, {
    keep: (source) => !fromRoot(source).split('/').includes('node_modules'),
    rename: fromRoot,
  });
}

/** Trims one map file in place; says what it did. */
export function trimFile(file: string, packageRoot: string): string {
  const before = fs.readFileSync(file, 'utf8');
  const map = JSON.parse(before) as SourceMapV3;
  // Its sources are already named from the package root; trimming again would misread them.
  if (map.x_trimmed) return `${file}: already trimmed`;
  const trimmed = JSON.stringify(trimBundleMap(map, path.resolve(file), packageRoot));
  fs.writeFileSync(file, trimmed);
  return `${file}: source map ${before.length} -> ${trimmed.length} bytes`;
}

function main(files: readonly string[]): void {
  if (files.length === 0) throw new Error('usage: trim-source-map.ts <file.js.map>...');
  for (const file of files) console.log(trimFile(file, path.join(__dirname, '..')));
}

if (require.main === module) main(process.argv.slice(2));
