/**
 * The integ app (integ.refresher.ts), synthesized as integ-runner would before a deploy, matches the committed
 * snapshot beside it: every template and manifest, with asset hashes and the assertions' per-synth salt
 * aside (both change on every code change or run; what they stand for does not). Nothing is deployed. After an
 * intended change: `npx projen integ:snapshot`, then review the diff.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { integApp, SNAPSHOT_DIR, STACK_NAME } from './integ.refresher';

/**
 * What the comparison leaves out (git ignores both): the bundles' directories, which every synth copies anew,
 * and tree.json, construct paths with library versions. The IntegTest keeps integ-runner's default of not
 * diffing assets either.
 */
const IGNORED = /^(asset\..*|tree\.json)$/;

function snapshotFiles(dir: string): string[] {
  return fs.readdirSync(dir).filter((f) => !IGNORED.test(f)).sort();
}

/** A synthesized file with its asset hashes and assertion salts replaced by placeholders. */
function normalized(file: string): unknown {
  const text = fs.readFileSync(file, 'utf8')
    .replace(/[0-9a-f]{64}/g, '<asset hash>')
    .replace(/"salt": "\d+"/g, '"salt": "<salt>"');
  return file.endsWith('.json') ? JSON.parse(text) : text;
}

let synthesized: string;

beforeAll(() => {
  synthesized = fs.mkdtempSync(path.join(os.tmpdir(), 'ecs-ami-refresher-integ-'));
  integApp({ outdir: synthesized }).synth();
}, 120_000);

afterAll(() => {
  if (synthesized) fs.rmSync(synthesized, { recursive: true, force: true });
});

test('the snapshot is committed, with the test stack and its assertion stack', () => {
  expect(fs.existsSync(SNAPSHOT_DIR)).toBe(true);
  const integ = JSON.parse(fs.readFileSync(path.join(SNAPSHOT_DIR, 'integ.json'), 'utf8'));
  expect(integ.testCases['RefresherTest/DefaultTest']).toMatchObject({ stacks: [STACK_NAME], assertionStack: 'RefresherTest/DefaultTest/DeployAssert' });
});

test('the synthesized app has the snapshot\'s files, each the same but for asset hashes and salts', () => {
  expect(snapshotFiles(synthesized)).toEqual(snapshotFiles(SNAPSHOT_DIR));
  for (const file of snapshotFiles(SNAPSHOT_DIR)) {
    // The file name first, so a difference says where it is.
    expect({ file, content: normalized(path.join(synthesized, file)) }).toEqual({ file, content: normalized(path.join(SNAPSHOT_DIR, file)) });
  }
});

test('the deployed assertion invokes the refresher and expects a summary naming the group with no refused group', () => {
  const integ = JSON.parse(fs.readFileSync(path.join(synthesized, 'integ.json'), 'utf8'));
  const assertStack = integ.testCases['RefresherTest/DefaultTest'].assertionStackName;
  const resources = Object.values(JSON.parse(fs.readFileSync(path.join(synthesized, `${assertStack}.template.json`), 'utf8')).Resources) as any[];
  const invoke = resources.find((r) => String(r.Type).startsWith('Custom::DeployAssert@SdkCallLambdainvoke'));
  expect(invoke.Properties).toMatchObject({ service: 'Lambda', api: 'invoke', parameters: { Payload: '"{}"' } });
  // The expectation is rendered with tokens (the cluster's and the group's names) as Fn::Join parts.
  const expected = JSON.stringify(invoke.Properties.expected);
  for (const fragment of ['\\"StatusCode\\":200', '\\"refusedGroups\\":0', '\\"$SerializedJson\\"', '\\"groups\\":{\\"$ArrayWith\\"']) {
    expect(expected).toContain(fragment);
  }
});
