#!/usr/bin/env node
/**
 * The `ecs-ami-refresher` command: process arguments, environment and streams in, an exit code out. All of
 * it is in main.ts; this file is the bundle's entry (assets/cli/ecs-ami-refresher/index.js).
 */
import { run } from './main';

const argv = process.argv.slice(2);
// `ecs-ami-refresher plan | head`: the reader went away; that is not an error of ours.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => process.exit(error.code === 'EPIPE' ? 0 : 1));
}
const controller = new AbortController();
if (argv[0] === 'rotate') {
  // The first Ctrl-C lets the engine stop at its next wait and give the lease back; a second one quits at once.
  process.once('SIGINT', () => {
    process.stderr.write('\nstopping at the next wait and releasing the lease (Ctrl-C again to quit at once)\n');
    controller.abort();
    process.once('SIGINT', () => process.exit(130));
  });
}

run(argv, {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  env: process.env,
  signal: controller.signal,
}).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`error: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    process.exit(1);
  },
);
