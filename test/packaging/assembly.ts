/**
 * What the packaging tests share: the jsii assembly (.jsii) of the current sources, compiled when it is
 * missing or older than a file under src/ (the build has just compiled, so there it is not), and a
 * command runner that fails with the command's output.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const ROOT = path.join(__dirname, '..', '..');
export const ASSEMBLY = path.join(ROOT, '.jsii');
export const BIN = path.join(ROOT, 'node_modules', '.bin');

export interface Ran {
  readonly status: number | null;
  readonly output: string;
}

/** Runs a command to its end (5 minutes at most) and returns its exit status and stdout + stderr. */
export function runCommand(command: string, args: readonly string[], cwd = ROOT): Ran {
  const out = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 300_000 });
  return { status: out.status, output: `${out.stdout}\n${out.stderr}` };
}

/** Runs a command that must succeed. */
export function run(command: string, args: readonly string[], cwd = ROOT): string {
  const { status, output } = runCommand(command, args, cwd);
  if (status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${status}:\n${output}`);
  return output;
}

function newestFile(dir: string): number {
  return fs.readdirSync(dir, { withFileTypes: true }).reduce((newest, entry) => {
    const file = path.join(dir, entry.name);
    return Math.max(newest, entry.isDirectory() ? newestFile(file) : fs.statSync(file).mtimeMs);
  }, 0);
}

/** The assembly of the current sources, as parsed JSON. */
export function currentAssembly(): Record<string, any> {
  if (!fs.existsSync(ASSEMBLY) || fs.statSync(ASSEMBLY).mtimeMs < newestFile(path.join(ROOT, 'src'))) {
    run(path.join(BIN, 'jsii'), ['--silence-warnings=reserved-word']);
  }
  return JSON.parse(fs.readFileSync(ASSEMBLY, 'utf8'));
}
