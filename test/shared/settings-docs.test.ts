/**
 * The docs' settings tables kept in step with the settings table (src/shared/settings.ts): docs/properties.md's
 * table (the README's key props point to it) and docs/cli.md's options table give each setting's default and range as the row does.
 * (test/cli/usage.test.ts checks that every option `rotate --help` lists has its row in docs/cli.md.)
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import { SETTING_OPTIONS } from '../../src/cli/options';
import { humanDuration } from '../../src/shared/durations';
import { Kind } from '../../src/shared/setting-kinds';
import { SETTING_ROWS } from '../../src/shared/settings';

/** The rows of the markdown table whose header starts with `header`, as cells. */
function tableRows(file: string, header: string): string[][] {
  const lines = readFileSync(join(__dirname, '..', '..', file), 'utf8').split('\n');
  const start = lines.findIndex((l) => l.startsWith(`| ${header} |`));
  expect(start).toBeGreaterThanOrEqual(0);
  const rows: string[][] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(line.split(/(?<!\\)\|/).slice(1, -1).map((cell) => cell.trim()));
  }
  return rows;
}

/** The ranges a kind (and the kinds it is made of) allows, as the docs say them. */
function ranges(kind: Kind<unknown>): string[] {
  const parts = ['count', 'soak', 'grace', 'duration'].map((p) => (kind as unknown as Record<string, Kind<unknown>>)[p]).filter((k) => k !== undefined);
  return [kind, ...parts].filter((k) => (k.type === 'seconds' || k.type === 'count') && k.allowed !== undefined).map((k) => k.allowed!);
}

/** The default as the README says it, where the row does not spell it. */
function readmeDefault(kind: Kind<unknown>, value: unknown): string | undefined {
  if (kind.type === 'seconds') return humanDuration(value as number);
  if (kind.type === 'count' || kind.type === 'flag') return `\`${String(value)}\``;
  return undefined;
}

describe('docs/properties.md: the properties table', () => {
  const table = tableRows('docs/properties.md', 'Property');
  const documented = SETTING_ROWS.filter((row) => row.prop !== undefined || row.readmeDefault !== undefined);

  test.each(documented.map((row) => [row.prop ?? row.derivedFrom!, row] as const))('%s: its default and range', (prop, row) => {
    const line = table.find((cells) => cells[0] === `\`${prop}\``);
    expect(line).toBeDefined();
    const [, , defaultCell, meaning] = line!;
    const expected = row.readmeDefault ?? (row.default !== undefined ? readmeDefault(row.kind, row.default) : undefined);
    if (expected !== undefined) expect({ prop, default: defaultCell }).toEqual({ prop, default: expect.stringContaining(expected) });
    for (const range of ranges(row.kind)) expect({ prop, meaning }).toEqual({ prop, meaning: expect.stringContaining(range) });
  });
});

describe('docs/cli.md: the options table', () => {
  const table = tableRows('docs/cli.md', 'Option');

  test.each(SETTING_OPTIONS.map((option) => [option.flags, option] as const))('%s: its default and range', (flags, option) => {
    const long = flags.match(/--[a-z][a-z-]*/)![0];
    const line = table.find((cells) => (cells[0].match(/--[a-z][a-z-]*/g) ?? ([] as string[])).includes(long));
    expect(line).toBeDefined();
    const [, , defaultCell, allowed] = line!;
    const row = SETTING_ROWS.find((r) => r.key === option.key)!;
    if (option.direct && option.defaultHelp === undefined && row.default !== undefined && row.kind.type !== 'flag') {
      expect({ long, default: defaultCell }).toEqual({ long, default: expect.stringContaining(`\`${row.kind.show(row.default)}\``) });
    }
    const value = option.value ?? (option.direct ? row.kind : undefined);
    if (value?.allowed && (value.type === 'seconds' || value.type === 'count')) {
      expect({ long, allowed }).toEqual({ long, allowed: expect.stringContaining(value.allowed) });
    }
  });
});
