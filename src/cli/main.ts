/**
 * The operator CLI: `plan`, `rotate` and `status` over the same engine the Lambda runs (decideRound,
 * runEngine). `run` takes its AWS ports, clock and output from the caller, so tests drive it
 * against the simulator; the bin entry (ecs-ami-refresher.ts) passes none and gets the real SDK.
 */
import * as os from 'os';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { duration, formatPlan, formatStatus, formatSummary, groupCounts, groupProblem, iso, PlanView, progressLines, scheduledWait } from './format';
import { EXIT_HELP, examplesHelp, packageVersion } from './help';
import { OUTPUT_FORMATS, OutputFormat, toJson } from './json';
import { CLI_DEFAULTS, CliConfig, CliEnv, CommandOptions, LOG_LEVELS, LogLevel, parse, resolveConfig, SETTING_OPTIONS, UsageError } from './options';
import { Interrupted, realApi, realClock } from './runtime';
import type { AwsApi } from '../aws/ports';
import type { ActionOutcome } from '../engine/act/act';
import { EngineSettings } from '../engine/config';
import { LeaseTableMissingError, readLease, TABLE_NOT_FOUND } from '../engine/lease';
import { ClusterUnavailableError } from '../engine/observe/observe';
import { decideRound } from '../engine/round';
import { Clock, Round, runEngine } from '../engine/run';
import { describeError } from '../shared/describe-error';
import { leaseTableName } from '../shared/lease-table';
import { REPLACE_BEFORE_TAG } from '../shared/records';

/** The process's exit codes; `--help` lists them. */
export const ExitCode = {
  /** Done: every group is on its target AMI (or the plan/status was shown and nothing needs attention). */
  OK: 0,
  /** An unexpected error (an AWS error the retries did not overcome, a bug); the message is printed. */
  ERROR: 1,
  /** A usage or configuration error: the message names the option or variable, the value, what is allowed. */
  USAGE: 2,
  /** A group is refused, not observed, stopped or waiting on another actor; the reason is printed. */
  GROUP_NEEDS_ATTENTION: 3,
  /** Another engine (the Lambda, another terminal) holds the cluster's lease; nothing was written. */
  LEASE_HELD: 4,
  /** Interrupted (Ctrl-C) during a rotation: it stopped at its next wait and gave the lease back. */
  INTERRUPTED: 130,
} as const;

/** Between rounds of a rotation in flight, as in the Lambda. */
export const POLL_INTERVAL_MS = 15_000;
/** A terminal rotation runs until it settles; this only bounds a run that never could. */
export const MAX_RUN_MS = 7 * 24 * 3600_000;

export interface CliDeps {
  /** The AWS ports; default: SDK v3 clients for --region/--profile (or the SDK's environment), with retries. */
  readonly api?: AwsApi;
  /** Default: the wall clock. */
  readonly clock?: Clock;
  /** Results and progress, one line per call. */
  readonly out: (line: string) => void;
  /** Warnings, errors and usage messages; default: `out`. */
  readonly err?: (line: string) => void;
  readonly env: Record<string, string | undefined>;
  /** Aborted on Ctrl-C: a rotation stops at its next wait and its engine gives the lease back. */
  readonly signal?: AbortSignal;
  /** Who this run is in the cluster's lease; default `cli:<host>:<pid>`. */
  readonly owner?: string;
}

type CommandName = 'plan' | 'rotate' | 'status';

const LEVEL_RANK: Record<LogLevel, number> = { DEBUG: 10, INFO: 20, WARNING: 30, ERROR: 40, CRITICAL: 50 };

/** Results always print; diagnostics by LOG_LEVEL; warnings and errors go to `err`. */
class Output {
  level: LogLevel = CLI_DEFAULTS.logLevel;

  constructor(private readonly deps: CliDeps) {}

  result(...lines: string[]): void {
    for (const line of lines) this.deps.out(line);
  }

  debug(...lines: string[]): void {
    if (this.enabled('DEBUG')) this.result(...lines);
  }

  info(...lines: string[]): void {
    if (this.enabled('INFO')) this.result(...lines);
  }

  warn(...lines: string[]): void {
    if (this.enabled('WARNING')) this.error(...lines);
  }

  error(...lines: string[]): void {
    for (const line of lines) (this.deps.err ?? this.deps.out)(line);
  }

  private enabled(level: LogLevel): boolean {
    return LEVEL_RANK[level] >= LEVEL_RANK[this.level];
  }
}

export async function run(argv: string[], deps: CliDeps): Promise<number> {
  const io = new Output(deps);
  let exitCode: number = ExitCode.OK;
  const program = buildProgram(io, async (command, options) => {
    exitCode = await execute(command, options, deps, io);
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help asked for (`--help`, `help rotate`) exits 0; everything else commander rejects is a usage error.
      return error.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE;
    }
    io.error(`error: ${describeError(error)}`);
    return ExitCode.ERROR;
  }
  return exitCode;
}

function buildProgram(io: Output, onCommand: (command: CommandName, options: CommandOptions) => Promise<void>): Command {
  const toLines = (write: (...lines: string[]) => void) => (text: string) => write(...text.replace(/\n$/, '').split('\n'));
  const program = new Command('ecs-ami-refresher')
    .description('Plan, run or inspect the rotation of an ECS cluster\'s EC2 container instances onto the newest AMI, ' +
      'with the same engine as the EcsAmiRefresher construct\'s Lambda, using your own AWS credentials.')
    .exitOverride()
    .configureOutput({ writeOut: toLines((...l) => io.result(...l)), writeErr: toLines((...l) => io.error(...l)) })
    .version(packageVersion(), '-V, --version', 'print the version of cdk-ecs-ami-refresher this CLI comes from')
    .showHelpAfterError('(add --help for usage)')
    .addHelpText('after', `${examplesHelp('program')}\n${EXIT_HELP}`);

  const commands: Array<[CommandName, string, boolean]> = [
    ['plan', 'Show, per group, the current and target AMI, the outdated instances and their running tasks, and what ' +
      'the next round would do. Read-only: takes no lease, writes nothing.', false],
    ['rotate', 'Replace outdated instances until the rotation settles, printing progress every round and a summary. ' +
      'Takes the cluster\'s lease (exits 4 if another engine holds it).', true],
    ['status', 'One observation: per group its phase, old/new/draining instances and the batch in flight; the lease holder.', false],
  ];
  for (const [name, description, isRotate] of commands) {
    const command = program.command(name).description(description);
    addOptions(command, isRotate);
    if (!isRotate) {
      command.addOption(new Option('-o, --output <format>', 'text for people, json for scripts: one document of a stable, versioned shape ' +
        '(schemaVersion; fields in docs/cli.md)').choices(OUTPUT_FORMATS).default('text'));
    }
    command.addHelpText('after', `${examplesHelp(name)}\n${EXIT_HELP}`);
    command.action(async (options: CommandOptions) => onCommand(name, options));
  }
  return program;
}

/** Wraps a parser so that its message reaches commander, which names the option and the value. */
function checked<T, P>(parser: (raw: string, previous: P) => T): (raw: string, previous: P) => T {
  return (raw, previous) => {
    try {
      return parser(raw, previous);
    } catch (error) {
      throw new InvalidArgumentError(error instanceof Error ? error.message : String(error));
    }
  };
}

/** The options of the settings table (their help, parsers and defaults are the table's), then the CLI's own. */
function addOptions(command: Command, isRotate: boolean): void {
  for (const option of SETTING_OPTIONS) {
    if (option.rotateOnly && !isRotate) continue;
    const declared = new Option(option.flags, option.description);
    if (option.choices) declared.choices(option.choices);
    if (option.parser) declared.argParser(checked(option.parser));
    command.addOption(declared);
  }
  command
    .option('--force', `replace every instance launched before this run, even on the target AMI (default: $${CliEnv.FORCE}, else no)`)
    .option('--no-force', `do not force, whatever $${CliEnv.FORCE} says`)
    .option('--region <region>', `AWS Region (default: $${CliEnv.REGION}, else the profile's region)`, checked(parse.region))
    .option('--profile <name>', `AWS credentials profile (default: $${CliEnv.PROFILE}, else the SDK's default chain)`, checked(parse.profile))
    .option('--log-level <level>', `${LOG_LEVELS.join(', ')} (default: $${CliEnv.LOG_LEVEL}, else ${CLI_DEFAULTS.logLevel})`, checked(parse.logLevel));
}

async function execute(command: CommandName, options: CommandOptions, deps: CliDeps, io: Output): Promise<number> {
  let config: CliConfig;
  try {
    config = resolveConfig(options, deps.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.error(`error: ${error.message}`, '(add --help for usage)');
    return ExitCode.USAGE;
  }
  io.level = config.logLevel;
  // Always shown, whatever the log level: a notice says a variable was read, or ignored, against its look.
  io.error(...config.notices);
  const api = deps.api ?? realApi({
    region: config.region,
    profile: config.profile,
    signal: deps.signal,
    onRetry: (call, attempt, delayMs, error) => io.debug(`retrying ${call} in ${delayMs} ms (attempt ${attempt} failed: ${describeError(error)})`),
  });
  const clock = deps.clock ?? realClock(deps.signal);
  try {
    switch (command) {
      case 'plan': return await planCommand(api, clock, config.settings, io, options.output);
      case 'status': return await statusCommand(api, clock, config.settings, io, options.output);
      case 'rotate': return await rotateCommand(api, clock, config.settings, deps.owner ?? defaultOwner(), io);
    }
  } catch (error) {
    return reportError(error, config, io);
  }
}

/** The decision the next round would take, by the same pipeline; reads only, and no lease. */
async function observeAndDecide(api: AwsApi, clock: Clock, settings: EngineSettings): Promise<PlanView> {
  const decision = await decideRound(api, settings, { now: clock.now() });
  try {
    return { ...decision, lease: await readLease(api, decision.observed.clusterName) };
  } catch (error) {
    if ((error as Error).name !== TABLE_NOT_FOUND) throw error;
    return { ...decision, leaseTableMissing: leaseTableName(decision.observed.clusterName) };
  }
}

/** The document of --output json; its exit code is the text's (3 when a group needs attention). */
function printJson(command: 'plan' | 'status', view: PlanView, io: Output): number {
  const document = toJson(command, view);
  io.result(JSON.stringify(document, null, 2));
  return document.needsAttention ? ExitCode.GROUP_NEEDS_ATTENTION : ExitCode.OK;
}

async function planCommand(api: AwsApi, clock: Clock, settings: EngineSettings, io: Output, output: OutputFormat = 'text'): Promise<number> {
  const view = await observeAndDecide(api, clock, settings);
  if (output === 'json') return printJson('plan', view, io);
  io.result(...formatPlan(view), '');
  const problems = reportProblems(view, io);
  if (problems > 0) return ExitCode.GROUP_NEEDS_ATTENTION;
  const outdated = view.plan.groups.filter((g) => g.status === 'outdated').length;
  io.result(outdated > 0
    ? `Result: ${outdated} group(s) to rotate; run \`ecs-ami-refresher rotate --cluster ${settings.clusterName}\` to do it (this plan wrote nothing).`
    : 'Result: every group is on its target AMI; nothing to do (this plan wrote nothing).');
  return ExitCode.OK;
}

async function statusCommand(api: AwsApi, clock: Clock, settings: EngineSettings, io: Output, output: OutputFormat = 'text'): Promise<number> {
  const view = await observeAndDecide(api, clock, settings);
  if (output === 'json') return printJson('status', view, io);
  io.result(...formatStatus(view));
  return hasProblems(view) ? ExitCode.GROUP_NEEDS_ATTENTION : ExitCode.OK;
}

async function rotateCommand(api: AwsApi, clock: Clock, settings: EngineSettings, owner: string, io: Output): Promise<number> {
  const start = clock.now();
  if (settings.dryRun) {
    const result = await runEngine({ api, clock, settings, owner, deadline: start + MAX_RUN_MS, pollIntervalMs: POLL_INTERVAL_MS });
    io.result(...formatPlan(result.last), '', 'Dry run: nothing was written; the actions above are what the first round would do.');
    return reportProblems(result.last, io) > 0 ? ExitCode.GROUP_NEEDS_ATTENTION : ExitCode.OK;
  }

  const r = settings.rotation;
  const budget = r.maxUnavailable.count !== undefined ? `${r.maxUnavailable.count}` : `${r.maxUnavailable.percent}%`;
  io.info(`Rotating cluster ${settings.clusterName} as ${owner}: max unavailable ${budget} per group, drain timeout ` +
    `${duration(r.drainTimeoutSeconds * 1000)} then ${r.onDrainTimeout}${r.force ? ', forced' : ''}; a round every ${POLL_INTERVAL_MS / 1000}s`);

  const progress = new Progress(io, start, clock);
  let result = await runEngine({
    api, clock, settings, owner, deadline: start + MAX_RUN_MS, pollIntervalMs: POLL_INTERVAL_MS, onRound: (round) => progress.round(round),
  });
  let rounds = result.rounds;
  const outcomes: ActionOutcome[] = [...result.outcomes];

  // A forced run leaves its intent on each group (replace-before tag) so that an interrupted run is finished
  // by the next one; the engine clears it only in an unforced run. One closing unforced run does that here,
  // so a later `rotate --force` records a new time instead of finding the old one.
  if (r.force && result.settled && !result.leaseHolder && result.last.observed.groups.some((g) => g.tags[REPLACE_BEFORE_TAG] !== undefined)) {
    progress.offset = rounds;
    result = await runEngine({
      api,
      clock,
      owner,
      deadline: start + MAX_RUN_MS,
      pollIntervalMs: POLL_INTERVAL_MS,
      onRound: (round) => progress.round(round),
      settings: { ...settings, rotation: { ...r, force: false } },
    });
    rounds += result.rounds;
    outcomes.push(...result.outcomes);
  }

  if (result.leaseHolder) {
    const holder = result.leaseHolder;
    io.error(`error: another engine holds the lease on cluster ${settings.clusterName}: ${holder.owner}, until ${iso(holder.expiresAt)} ` +
      `(${duration(holder.expiresAt - clock.now())} from now). Nothing was written. Run again once it has finished or its lease has expired.`);
    return ExitCode.LEASE_HELD;
  }

  io.result('', ...formatSummary({ ...result.last, rounds, elapsedMs: clock.now() - start, outcomes, dryRun: false }), '');
  if (reportProblems(result.last, io) > 0) return ExitCode.GROUP_NEEDS_ATTENTION;
  if (!result.settled) {
    io.error(`error: the rotation did not settle within ${duration(MAX_RUN_MS)}; run again to continue where it stopped`);
    return ExitCode.ERROR;
  }
  const left = result.last.plan.groups
    .map((g) => ({
      name: g.groupName,
      old: groupCounts(result.last.observed, g).old,
      scheduled: scheduledWait(result.last.rotations.get(g.groupName)),
    }))
    .filter((g) => g.old > 0 || g.scheduled !== undefined);
  if (left.length > 0) {
    // A group waiting for its window (or for its image to age) has not done its work: said so, exit 3.
    io.error(...left.map((g) => g.scheduled !== undefined
      ? `${g.name}: ${g.old} instance(s) still outdated; ${g.scheduled}`
      : `${g.name}: ${g.old} instance(s) still outdated, none of them InService and ACTIVE ` +
        'in the cluster, so none could be replaced; run again once they are'));
    return ExitCode.GROUP_NEEDS_ATTENTION;
  }
  io.result('Result: every group is on its target AMI.');
  return ExitCode.OK;
}

/** Prints a line per round and group when its state changed or something was done (every round at DEBUG). */
class Progress {
  offset = 0;
  private readonly last = new Map<string, string>();

  constructor(private readonly io: Output, private readonly start: number, private readonly clock: Clock) {}

  round(round: Round): void {
    if (round.leaseHolder) {
      // Another engine acts; this round only observed, and the run ends with the holder's name.
      this.io.debug(`    lease held by ${round.leaseHolder.owner}; this round only observed`);
      return;
    }
    const view = { ...round, index: round.index + this.offset };
    for (const groupPlan of round.plan.groups) {
      const { state, lines, failed } = progressLines(view, groupPlan, this.clock.now() - this.start);
      const problem = groupProblem(groupPlan, round.rotations.get(groupPlan.groupName));
      const key = `${state}|${problem ?? ''}`;
      const changed = this.last.get(groupPlan.groupName) !== key;
      this.last.set(groupPlan.groupName, key);
      if (changed || lines.length > 1) this.io.info(...lines);
      else this.io.debug(...lines);
      if (problem && changed) this.io.warn(`    ${problem}`);
      if (failed.length > 0) this.io.error(...failed);
    }
  }
}

function hasProblems(view: PlanView): boolean {
  return view.plan.groups.some((g) => groupProblem(g, view.rotations.get(g.groupName)) !== undefined);
}

/** Prints why groups need attention; returns how many. */
function reportProblems(view: PlanView, io: Output): number {
  const problems = view.plan.groups
    .map((g) => ({ name: g.groupName, problem: groupProblem(g, view.rotations.get(g.groupName)) }))
    .filter((p): p is { name: string; problem: string } => p.problem !== undefined);
  if (problems.length === 0) return 0;
  io.error(`${problems.length} group(s) need attention:`, ...problems.map((p) => `  ${p.name} ${p.problem}`));
  return problems.length;
}

function reportError(error: unknown, config: CliConfig, io: Output): number {
  if (error instanceof Interrupted) {
    io.error('interrupted: the run stopped at its wait and gave the lease back; what it did is recorded on the resources, ' +
      'so the next run (this command or the scheduled Lambda) continues where it stopped');
    return ExitCode.INTERRUPTED;
  }
  const message = describeError(error);
  if (error instanceof ClusterUnavailableError) {
    io.error(`error: ${error.message} (--cluster '${config.settings.clusterName}'${config.region ? `, --region ${config.region}` : ''})`);
    return ExitCode.USAGE;
  }
  if (error instanceof LeaseTableMissingError) {
    io.error(`error: ${error.message}`);
    return ExitCode.ERROR;
  }
  if (/Region is missing/i.test(message)) {
    io.error(`error: no AWS Region: pass --region REGION or set ${CliEnv.REGION} (or give the profile a region)`);
    return ExitCode.USAGE;
  }
  if ((error as { name?: string } | undefined)?.name === 'CredentialsProviderError') {
    io.error(`error: no AWS credentials (${message}): pass --profile NAME or set ${CliEnv.PROFILE} or the AWS_* credential variables`);
    return ExitCode.USAGE;
  }
  io.error(`error: ${message}`);
  if (error instanceof Error && error.stack) io.debug(error.stack);
  return ExitCode.ERROR;
}

function defaultOwner(): string {
  const host = os.hostname().slice(0, 100) || 'localhost';
  return `cli:${host}:${process.pid}`;
}
