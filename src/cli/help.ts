/**
 * The help texts that are not an option's: the exit codes and environment (every command), each command's
 * examples, and the package's version for `--version`.
 */
import * as fs from 'fs';
import * as path from 'path';
import { BARE_ENV, CliEnv } from './environment';
import { CLI_DEFAULTS, LOG_LEVELS } from './options';

export const PACKAGE_NAME = 'cdk-ecs-ami-refresher';

/**
 * The version of the package this file ships in: read from its package.json, the first one above this file
 * whose name is the package's (the bundle sits at assets/cli/ecs-ami-refresher/index.js of the installed
 * package; under ts-node, at src/cli of the clone). Read at run time rather than baked into the bundle, so the
 * version printed is the one npm installed, whatever step of the release stamped it. `unknown` if none is found.
 */
export function packageVersion(from: string = __dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf-8')) as { name?: unknown; version?: unknown };
      if (pkg.name === PACKAGE_NAME && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // No (readable) package.json here: look one level up.
    }
    if (path.dirname(dir) === dir) return 'unknown';
  }
}

export const EXIT_HELP = `
Exit codes:
  0    done: every group is on its target AMI (plan/status: nothing needs attention)
  1    unexpected error (the message is printed)
  2    usage or configuration error (names the option or variable, the value, what is allowed)
  3    a group is refused, not observed, stopped or waiting (the reason is printed)
  4    another engine holds the cluster's lease (its owner is printed); nothing was written
  130  interrupted: the rotation stopped at its next wait and gave the lease back

Environment (the command line wins over the environment, which wins over defaults):
  ${CliEnv.CLUSTER}    the cluster, when --cluster is not given
  ${CliEnv.FORCE}      true or 1: like --force (--no-force overrides it)
  ${CliEnv.LOG_LEVEL}  ${LOG_LEVELS.join(', ')} (default ${CLI_DEFAULTS.logLevel}), like --log-level
  ${CliEnv.REGION}                   the Region, when --region is not given
  ${CliEnv.PROFILE}                  the credentials profile, when --profile is not given (the SDK's usual chain otherwise)
  The AWS for Industries updater's ${BARE_ENV.CLUSTER} and ${BARE_ENV.LOG_LEVEL} are read, with a notice, when the prefixed name is
  unset; its ${BARE_ENV.FORCE} is ignored, with a notice: only --force or ${CliEnv.FORCE} force.`;

/** Realistic invocations per command, shown after its options. */
export const EXAMPLES: Readonly<Record<'program' | 'plan' | 'rotate' | 'status', readonly string[]>> = {
  program: [
    'ecs-ami-refresher plan --cluster prod --region eu-west-1',
    'ecs-ami-refresher rotate --cluster prod --dry-run',
    'ecs-ami-refresher status --cluster prod --profile ops',
  ],
  plan: [
    '# what the next round would do, with the Lambda\'s defaults',
    'ecs-ami-refresher plan --cluster prod --region eu-west-1',
    '# one group, a golden AMI for arm64 Amazon Linux 2023',
    'ecs-ami-refresher plan -c prod -g prod-arm64 --ami-parameter amazon-linux-2023/arm64=/golden/al2023/arm64',
    '# as the deployed construct would, inside its window and with its minimum AMI age',
    'ecs-ami-refresher plan -c prod --maintenance-window "0 2 ? * SUN for 4h" --minimum-ami-age 3d',
    '# for a script: the groups with outdated instances (the fields are in docs/cli.md)',
    'ecs-ami-refresher plan -c prod --output json | jq -r \'.groups[] | select(.instances.old > 0) | .name\'',
  ],
  rotate: [
    '# one round\'s decision, nothing written',
    'ecs-ami-refresher rotate --cluster prod --dry-run',
    '# two instances at a time, a 30 minute drain, then force-terminate',
    'ecs-ami-refresher rotate -c prod --max-unavailable 2 --drain-timeout 30m --on-drain-timeout force',
    '# a canary of one instance per group, judged after 15 minutes',
    'ecs-ami-refresher rotate -c prod --canary 1 --soak 15m',
    '# replace every instance launched before now, even on the target AMI',
    `${CliEnv.FORCE}=1 ecs-ami-refresher rotate -c prod   # or: --force`,
  ],
  status: [
    'ecs-ami-refresher status --cluster prod',
    '# the lease holder, for a script',
    'ecs-ami-refresher status -c prod -o json | jq .lease',
    '# a rotation in flight (the Lambda\'s or another terminal\'s), refreshed every 30 seconds',
    'watch -n 30 ecs-ami-refresher status -c prod --profile ops',
  ],
};

export function examplesHelp(name: keyof typeof EXAMPLES): string {
  return `\nExamples:\n${EXAMPLES[name].map((line) => `  ${line.startsWith('#') ? line : `$ ${line}`}`).join('\n')}`;
}
