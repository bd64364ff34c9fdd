/**
 * The main job, shown: synthesizes the example app (a VPC, an ECS cluster on an Amazon Linux 2023 capacity
 * provider, and an EcsAmiRefresher) and prints what the refresher adds to the stack.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App, CfnResource } from 'aws-cdk-lib';
import { ClusterWithRefresherStack } from '../examples/app';
import { runScheduled, settingsFor } from '../test/rotation/harness';
import { buildScenario } from '../test/sim';

const outdir = path.join(__dirname, '..', 'examples', 'cdk.out');
const app = new App({
  outdir,
  context: { '@aws-cdk/aws-autoscaling:generateLaunchTemplateInsteadOfLaunchConfig': true },
});
const stack = new ClusterWithRefresherStack(app, 'EcsAmiRefresherExample');
const assembly = app.synth();
const artifact = assembly.getStackByName(stack.stackName);
const template = artifact.template as { Resources: Record<string, { Type: string; Properties?: any; Metadata?: any }> };

const ids = new Set(stack.refresher.node.findAll()
  .filter((c): c is CfnResource => c instanceof CfnResource)
  .map((c) => stack.resolve(c.logicalId) as string));
const mine = Object.entries(template.Resources).filter(([id]) => ids.has(id));
const fn = mine.find(([, r]) => r.Type === 'AWS::Lambda::Function')![1];
const rule = mine.find(([, r]) => r.Type === 'AWS::Events::Rule')![1];
const policy = mine.find(([, r]) => r.Type === 'AWS::IAM::Policy')![1];
const alarms = mine.filter(([, r]) => r.Type === 'AWS::CloudWatch::Alarm');
const assetHash = String(fn.Properties.Code.S3Key).replace(/\.zip$/, '');
const assetDir = fs.readdirSync(outdir).find((entry) => entry.startsWith(`asset.${assetHash}`))!;
const assetPath = path.join(outdir, assetDir, 'index.js');

const lines: string[] = [];
lines.push(`Synthesized ${artifact.templateFile} into ${path.relative(process.cwd(), outdir)}/`);
lines.push(`${Object.keys(template.Resources).length} resources in the stack; ${mine.length} of them are the refresher's:`);
for (const [id, r] of mine) lines.push(`  ${r.Type.padEnd(32)} ${id}`);
lines.push('');
lines.push(`Rotator function: ${fn.Properties.Runtime} on ${fn.Properties.Architectures.join(',')}, ` +
  `timeout ${fn.Properties.Timeout} s, reserved concurrency ${fn.Properties.ReservedConcurrentExecutions}, ` +
  `bundle ${(fs.statSync(assetPath).size / 1024 / 1024).toFixed(1)} MiB (AWS SDK v3 clients inside)`);
lines.push(`Schedule: ${rule.Properties.ScheduleExpression}`);
lines.push(`Alarms: ${alarms.map(([, r]) => r.Properties.MetricName ?? 'Errors').join(', ')}`);
lines.push('IAM statements (Sid: actions -> scope):');
for (const s of policy.Properties.PolicyDocument.Statement) {
  const actions = ([] as string[]).concat(s.Action);
  const scope = s.Condition ? `condition ${Object.keys(Object.values(s.Condition)[0] as object).join(', ')}` : (s.Resource === '*' ? '*' : 'named resources');
  lines.push(`  ${String(s.Sid).padEnd(40)} ${actions.length} action(s) -> ${scope}`);
}
lines.push('');
lines.push('Deploy it with `npx cdk deploy --app "npx ts-node examples/app.ts"`; the rotator then runs every 5 minutes.');
console.log(lines.join('\n'));

void simulateRotation();

/**
 * The same engine the Lambda runs, on the in-memory cloud: a cluster of two groups (x86_64 Amazon Linux
 * 2023 and arm64 Bottlerocket) on last month's AMIs, rotated by scheduled invocations with the Lambda's
 * time budget. Virtual time; it takes about a second.
 */
async function simulateRotation(): Promise<void> {
  const groups = [
    { name: 'web-x86', family: 'amazon-linux-2023', architecture: 'x86_64' as const, instances: 6, launchTemplateVersion: '1' as const },
    { name: 'jobs-arm', family: 'bottlerocket-ecs-2', architecture: 'arm64' as const, instances: 4 },
  ];
  const sim = buildScenario({ seed: 42, groups, services: 'auto', standaloneTasks: { count: 1, durationS: 900 } });
  const start = sim.clock.now();
  const clockText = () => new Date(sim.clock.now() - start).toISOString().slice(11, 19);
  const out: string[] = ['', `Simulated rotation of ECS cluster ${sim.clusterName} (${groups.map((g) => `${g.name}: ${g.instances} x ${g.family}/${g.architecture}`).join(', ')}):`];
  out.push(`  ${'time'.padEnd(9)}${groups.map((g) => g.name.padEnd(26)).join('')}actions`);
  let previous = '';
  const result = await runScheduled(sim, settingsFor(sim.clusterName), 12 * 3600_000, (round) => {
    const cells = groups.map((g) => {
      const target = sim.images[`${g.family}/${g.architecture}`].new.imageId;
      const alive = sim.cloud.instancesOf(g.name).filter((i) => i.lifecycle === 'InService' || i.lifecycle === 'Pending');
      const fresh = alive.filter((i) => i.imageId === target).length;
      const draining = alive.filter((i) => i.ci?.status === 'DRAINING').length;
      return `old ${alive.length - fresh} new ${fresh} draining ${draining}`.padEnd(26);
    });
    const actions = round.outcomes.map((o) => `${o.action.group}:${o.action.kind}`).join(', ');
    const line = cells.join('');
    if (line === previous && !actions) return;
    previous = line;
    out.push(`  ${clockText().padEnd(9)}${line}${actions}`);
  });
  const target = (g: typeof groups[number]) => sim.images[`${g.family}/${g.architecture}`].new.imageId;
  out.push('');
  out.push(`Done in ${clockText()} of virtual time over ${result.invocations} scheduled invocations: ` +
    groups.map((g) => `${g.name} ${sim.cloud.imagesOf(g.name)[target(g)] ?? 0}/${g.instances} on ${target(g)}`).join(', ') + '.');
  out.push(`Safety: ${sim.invariants.terminationViolations.length} instances terminated with tasks running, ` +
    `${sim.invariants.servicesBelowMinimum().length} services below their minimum healthy percent, ` +
    `${sim.invariants.groupsBelow(0).length} groups below their desired capacity; ${sim.recorder.calls.length} AWS calls.`);
  console.log(out.join('\n'));
}
