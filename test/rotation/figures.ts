/**
 * Crash points tested, written by the crash tests for the README's reliability figures (`npx projen
 * reliability` reads them back): one file the test files add to, so each suite reports what it really ran.
 */
import * as fs from 'fs';
import * as path from 'path';

export const CRASH_FIGURES_FILE = path.join(__dirname, '..', '..', 'test-reports', 'crash-figures.json');

export function recordFigure(name: string, value: number): void {
  fs.mkdirSync(path.dirname(CRASH_FIGURES_FILE), { recursive: true });
  const figures = fs.existsSync(CRASH_FIGURES_FILE) ? JSON.parse(fs.readFileSync(CRASH_FIGURES_FILE, 'utf8')) : {};
  fs.writeFileSync(CRASH_FIGURES_FILE, JSON.stringify({ ...figures, [name]: value }, null, 2));
}
