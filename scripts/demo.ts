/**
 * The main job, shown: synthesizes the example app (a VPC, an ECS cluster on an Amazon Linux 2023 capacity
 * provider, and an EcsAmiRefresher) and prints what the refresher adds to the stack.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App, CfnResource } from 'aws-cdk-lib';
import { ClusterWithRefresherStack } from '../examples/app';

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
