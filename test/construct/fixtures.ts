/**
 * What the construct tests share: a cluster with one capacity provider group, as most users have it, the
 * refresher synthesized on it, and readers of the template (the function's environment, the role's statements,
 * string expressions as text).
 */
import { App, Stack, aws_autoscaling as autoscaling, aws_ec2 as ec2, aws_ecs as ecs } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { EcsAmiRefresher, EcsAmiRefresherProps } from '../../src';
import { EnvName } from '../../src/shared/constants';

export const LT_FLAG = { '@aws-cdk/aws-autoscaling:generateLaunchTemplateInsteadOfLaunchConfig': true };

export interface Fixture {
  readonly stack: Stack;
  readonly cluster: ecs.Cluster;
  readonly group: autoscaling.AutoScalingGroup;
  readonly vpc: ec2.Vpc;
}

/** A cluster with one capacity provider group, as most users have it. */
export function fixture(): Fixture {
  const app = new App({ context: LT_FLAG });
  const stack = new Stack(app, 'Test', { env: { account: '111111111111', region: 'eu-west-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0 });
  const cluster = new ecs.Cluster(stack, 'Cluster', { vpc, clusterName: 'prod' });
  const group = new autoscaling.AutoScalingGroup(stack, 'Asg', {
    vpc,
    instanceType: new ec2.InstanceType('m7i.large'),
    machineImage: ecs.EcsOptimizedImage.amazonLinux2023(),
    autoScalingGroupName: 'prod-x86',
  });
  cluster.addAsgCapacityProvider(new ecs.AsgCapacityProvider(stack, 'Provider', { autoScalingGroup: group }));
  return { stack, cluster, group, vpc };
}

export function synth(props: (f: Fixture) => EcsAmiRefresherProps, f: Fixture = fixture()) {
  const refresher = new EcsAmiRefresher(f.stack, 'Refresher', props(f));
  return { ...f, refresher, template: Template.fromStack(f.stack) };
}

export function environment(template: Template): Record<string, unknown> {
  const functions = template.findResources('AWS::Lambda::Function', {
    Properties: { Environment: { Variables: { [EnvName.CLUSTER_NAME]: Match.anyValue() } } },
  });
  const [fn] = Object.values(functions);
  return fn.Properties.Environment.Variables;
}

/** The role's statements, in its inline policy and in the managed policy CDK overflows into. */
export function policyStatements(template: Template): any[] {
  const ofRole = { Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^RefresherRole') }] } };
  const policies = {
    ...template.findResources('AWS::IAM::Policy', ofRole),
    ...template.findResources('AWS::IAM::ManagedPolicy', ofRole),
  };
  return Object.values(policies).flatMap((p: any) => p.Properties.PolicyDocument.Statement);
}

export function statement(template: Template, sid: string): any {
  const found = policyStatements(template).find((s) => s.Sid === sid);
  if (!found) throw new Error(`no statement ${sid}`);
  return found;
}

export function asList<T>(value: T | T[]): T[] {
  return Array.isArray(value) ? value : [value];
}

/** A CloudFormation string expression as text: `Fn::Join` joined, `Ref` and `GetAtt` as `${...}`. */
export function render(value: unknown): string {
  if (typeof value === 'string') return value;
  const v = value as Record<string, any>;
  if (v.Ref) return `\${${v.Ref}}`;
  if (v['Fn::GetAtt']) return `\${${v['Fn::GetAtt'].join('.')}}`;
  if (v['Fn::Join']) return v['Fn::Join'][1].map(render).join(v['Fn::Join'][0]);
  throw new Error(`cannot render ${JSON.stringify(value)}`);
}
