/**
 * The README's reliability figures, from a test run: crash points tested, faults tested, and IAM calls
 * evaluated allowed and denied. Run with `npx projen reliability`; it runs the tests it reports on.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const root = path.join(__dirname, '..');
const reports = path.join(root, 'test-reports');
const results = path.join(reports, 'reliability-jest.json');

/** Test files, and for each the fault family a reader will recognise. */
const FAULT_SUITES: ReadonlyArray<readonly [string, RegExp | undefined, string]> = [
  ['test/rotation/faults.test.ts', undefined, 'groups in awkward states (max size, scale-in protection, suspended processes, instance refresh, stack update, managed scaling)'],
  ['test/rotation/bad-image.test.ts', undefined, 'a replacement that never registers (stop and alarm; rollback)'],
  ['test/rotation/whole-rotation.test.ts', /stuck drains|one actor/, 'drains that never finish, two engines at once, throttling and 5xx on every API'],
  ['test/engine/decide/plan.test.ts', /refuse|refused/i, 'SSM parameter missing or malformed, AMI missing, deprecated, of another architecture or platform'],
  ['test/engine/decide/rotate-waits.test.ts', undefined, 'pauses while another actor changes a group'],
  ['test/lambda/event.test.ts', /reject|refus/i, 'malformed manual invocations'],
  ['test/rotation/policies.test.ts', /unhealthy|deployment|timeout|grace/, 'unhealthy canaries, services deploying or never steady, standalone tasks that never end'],
];

fs.mkdirSync(reports, { recursive: true });
for (const stale of ['crash-figures.json', 'iam-figures.json']) fs.rmSync(path.join(reports, stale), { force: true });
const files = ['test/rotation', 'test/iam', 'test/engine/decide/plan.test.ts', 'test/engine/decide/rotate-waits.test.ts', 'test/lambda/event.test.ts'];
try {
  execFileSync('npx', ['jest', '--coverage=false', '--json', `--outputFile=${results}`, ...files], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
} catch {
  console.error('reliability: some of the tests failed; the figures below count passing tests only');
}

interface JestResults {
  readonly testResults: ReadonlyArray<{
    readonly name: string;
    readonly assertionResults: ReadonlyArray<{ readonly fullName: string; readonly status: string }>;
  }>;
}
const jest = JSON.parse(fs.readFileSync(results, 'utf8')) as JestResults;
const passed = (file: string, filter?: RegExp) => jest.testResults
  .filter((r) => r.name.endsWith(file))
  .flatMap((r) => r.assertionResults)
  .filter((a) => a.status === 'passed' && (!filter || filter.test(a.fullName))).length;

const crash = JSON.parse(fs.readFileSync(path.join(reports, 'crash-figures.json'), 'utf8')) as Record<string, number>;
const iam = JSON.parse(fs.readFileSync(path.join(reports, 'iam-figures.json'), 'utf8')) as { allowed: number; denied: number; actions: number };

const rows: string[][] = [
  ['Crash points tested: killed after each AWS write of a whole rotation, then resumed', String(crash.killedAfterEachWrite), 'test/rotation/crash.test.ts'],
  ['Crash points tested: killed at seeded random moments (before a call lands), then resumed', String(crash.killedAtRandomMoments), 'test/rotation/crash.test.ts'],
  ['Crash points tested: the replacement of instances outside every group, killed after each of its writes, then resumed',
    String(crash.unmanagedKilledAfterEachWrite), 'test/rotation/unmanaged-crash.test.ts'],
  ['Crash points tested: the same, killed at seeded random moments', String(crash.unmanagedKilledAtRandomMoments), 'test/rotation/unmanaged-crash.test.ts'],
  ['Crash points tested: killed after each AWS write of a rotation with canary, steady services and standalone tasks stopped, then resumed',
    String(crash.killedAfterEachWriteWithPolicies), 'test/rotation/crash.test.ts'],
  ['Crash points tested: killed after each AWS write of a rotation across maintenance windows, an instance skipped for its standalone task, then resumed',
    String(crash.killedAfterEachWriteWithWindowsAndSkip), 'test/rotation/crash.test.ts'],
  ['Crash points tested: a launch configuration group (copy, switch, rotate), killed after each AWS write, then resumed',
    String(crash.launchConfigurationKilledAfterEachWrite), 'test/rotation/template-kinds.test.ts'],
  ['Crash points tested: a mixed instances policy whose overrides carry their own templates, killed after each AWS write, then resumed',
    String(crash.mixedTemplatesKilledAfterEachWrite), 'test/rotation/template-kinds.test.ts'],
  ...FAULT_SUITES.map(([file, filter, what]) => [`Faults tested: ${what}`, String(passed(file, filter)), file]),
  ['Engine calls of simulated rotations evaluated against the synthesized policy: allowed', String(iam.allowed), 'test/iam/evaluate.test.ts'],
  ['The same mutating actions on another cluster\'s resources: denied', String(iam.denied), 'test/iam/evaluate.test.ts'],
  ['Distinct IAM actions evaluated', String(iam.actions), 'test/iam/evaluate.test.ts'],
];
console.log('| Figure | Count | Test |');
console.log('|---|---:|---|');
for (const row of rows) console.log(`| ${row[0]} | ${row[1]} | \`${row[2]}\` |`);
