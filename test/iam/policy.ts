/**
 * The rotator role's permissions as AWS would hold them after deployment: the construct synthesized in a
 * stack in the simulator's account and region, every statement of the role's AWS::IAM::Policy and
 * AWS::IAM::ManagedPolicy resources (CDK overflows large policies into managed ones), with CloudFormation
 * intrinsics resolved to plain strings.
 */
import { App, Stack, aws_autoscaling as autoscaling, aws_ec2 as ec2, aws_ecs as ecs, aws_kms as kms, aws_sns as sns } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { EcsAmiRefresher, EcsAmiRefresherProps } from '../../src';

/** The simulator's account and region (test/sim/cloud.ts defaults). */
export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';
export const PARTITION = 'aws';

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

export interface SynthesizedPolicy {
  /** `discovered` (no autoScalingGroups) or `given`. */
  readonly name: string;
  readonly document: PolicyDocument;
  /** Where each statement came from (logical ids), for messages. */
  readonly sources: readonly string[];
}

export interface PolicyOptions {
  readonly clusterName: string;
  /** Given groups (by name); undefined for discovered groups. */
  readonly groupNames?: readonly string[];
  readonly props?: Partial<EcsAmiRefresherProps>;
  /** `replaceUnmanagedInstancesThrough`: the group (by name) through which instances outside every group are replaced. */
  readonly unmanagedReplacementGroupName?: string;
  /** `notificationTopic`: a topic of the app with this name, encrypted with this key when given. */
  readonly notificationTopic?: { readonly name: string; readonly keyArn?: string };
}

/** Synthesizes the construct and returns the resolved policy of its role. */
export function synthesizePolicy(name: string, options: PolicyOptions): SynthesizedPolicy {
  const app = new App();
  const stack = new Stack(app, 'IamEval', { env: { account: ACCOUNT, region: REGION } });
  const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', { vpcId: 'vpc-0123456789abcdef0', availabilityZones: [`${REGION}a`] });
  const cluster = ecs.Cluster.fromClusterAttributes(stack, 'C', { clusterName: options.clusterName, vpc });
  const autoScalingGroups = options.groupNames?.map((groupName, i) =>
    autoscaling.AutoScalingGroup.fromAutoScalingGroupName(stack, `Group${i}`, groupName));
  const replaceUnmanagedInstancesThrough = options.unmanagedReplacementGroupName === undefined ? undefined
    : autoscaling.AutoScalingGroup.fromAutoScalingGroupName(stack, 'Replacement', options.unmanagedReplacementGroupName);
  const notificationTopic = options.notificationTopic && new sns.Topic(stack, 'Topic', {
    topicName: options.notificationTopic.name,
    masterKey: options.notificationTopic.keyArn ? kms.Key.fromKeyArn(stack, 'Key', options.notificationTopic.keyArn) : undefined,
  });
  const refresher = new EcsAmiRefresher(stack, 'Refresher', {
    ...options.props, cluster, autoScalingGroups, replaceUnmanagedInstancesThrough, ...(notificationTopic ? { notificationTopic } : {}),
  });
  const template = Template.fromStack(stack).toJSON() as { Resources: Record<string, CfnResource> };
  const roleId = stack.getLogicalId(refresher.role.node.defaultChild as never);
  return { name, ...collectStatements(template.Resources, roleId) };
}

interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
}

/** Every statement of the policies attached to the role, resolved. */
export function collectStatements(resources: Record<string, CfnResource>, roleId: string): Omit<SynthesizedPolicy, 'name'> {
  const statements: PolicyStatement[] = [];
  const sources: string[] = [];
  const attached = (roles: unknown) => Array.isArray(roles) && roles.some((r) => (r as { Ref?: string }).Ref === roleId);
  for (const [id, resource] of Object.entries(resources)) {
    const props = resource.Properties ?? {};
    if (resource.Type === 'AWS::IAM::Policy' || resource.Type === 'AWS::IAM::ManagedPolicy') {
      if (!attached(props.Roles)) continue;
      const document = resolve(props.PolicyDocument, resources) as { Statement: PolicyStatement[] };
      for (const s of document.Statement) {
        statements.push(s);
        sources.push(id);
      }
    }
    if (resource.Type === 'AWS::IAM::Role' && id === roleId) {
      if (props.Policies !== undefined || props.ManagedPolicyArns !== undefined) {
        // Inline or attached managed policies on the role itself would escape this evaluation.
        throw new Error(`role ${roleId} has inline Policies or ManagedPolicyArns; collect them too`);
      }
    }
  }
  if (statements.length === 0) throw new Error(`no policy statements found for role ${roleId}`);
  return { document: { Version: '2012-10-17', Statement: statements }, sources };
}

/**
 * Resolves the intrinsics the construct's policy uses; anything else throws, so a new intrinsic is noticed
 * instead of being evaluated as a string that never matches.
 */
export function resolve(value: unknown, resources: Record<string, CfnResource>): unknown {
  if (Array.isArray(value)) return value.map((v) => resolve(v, resources));
  if (value === null || typeof value !== 'object') return value;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  if (keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'))) {
    const [fn] = keys;
    const arg = obj[fn];
    switch (fn) {
      case 'Fn::Join': {
        const [sep, parts] = arg as [string, unknown[]];
        return (parts.map((p) => resolve(p, resources)) as unknown[]).map((p) => {
          if (typeof p !== 'string') throw new Error(`Fn::Join part did not resolve to a string: ${JSON.stringify(p)}`);
          return p;
        }).join(sep);
      }
      case 'Ref': return resolveRef(arg as string, resources);
      case 'Fn::GetAtt': return resolveGetAtt(arg as [string, string], resources);
      default: throw new Error(`unhandled intrinsic ${fn}: ${JSON.stringify(arg)}`);
    }
  }
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, resolve(v, resources)]));
}

function resolveRef(name: string, resources: Record<string, CfnResource>): string {
  switch (name) {
    case 'AWS::Partition': return PARTITION;
    case 'AWS::Region': return REGION;
    case 'AWS::AccountId': return ACCOUNT;
    case 'AWS::URLSuffix': return 'amazonaws.com';
  }
  const resource = resources[name];
  if (!resource) throw new Error(`Ref to unknown ${name}`);
  // Ref of a cluster is its name (the given ClusterName, or the logical id standing in for the generated one).
  if (resource.Type === 'AWS::ECS::Cluster') return (resource.Properties?.ClusterName as string | undefined) ?? name;
  // Ref of a topic is its ARN.
  if (resource.Type === 'AWS::SNS::Topic') return `arn:${PARTITION}:sns:${REGION}:${ACCOUNT}:${(resource.Properties?.TopicName as string | undefined) ?? name}`;
  throw new Error(`unhandled Ref to ${resource.Type} ${name}`);
}

function resolveGetAtt([name, attribute]: [string, string], resources: Record<string, CfnResource>): string {
  const resource = resources[name];
  if (!resource) throw new Error(`Fn::GetAtt of unknown ${name}`);
  const key = `${resource.Type}.${attribute}`;
  switch (key) {
    case 'AWS::ECS::Cluster.Arn':
      return `arn:${PARTITION}:ecs:${REGION}:${ACCOUNT}:cluster/${resolveRef(name, resources)}`;
    case 'AWS::DynamoDB::Table.Arn':
      return `arn:${PARTITION}:dynamodb:${REGION}:${ACCOUNT}:table/${resolve(resource.Properties?.TableName, resources) as string}`;
    case 'AWS::Logs::LogGroup.Arn':
      return `arn:${PARTITION}:logs:${REGION}:${ACCOUNT}:log-group:${(resource.Properties?.LogGroupName as string | undefined) ?? name}:*`;
    default: throw new Error(`unhandled Fn::GetAtt ${key} of ${name}`);
  }
}

/** The statement with this Sid (throws when absent). */
export function statementBySid(policy: SynthesizedPolicy, sid: string): PolicyStatement {
  const found = policy.document.Statement.find((s) => s.Sid === sid);
  if (!found) throw new Error(`${policy.name}: no statement ${sid}; have ${policy.document.Statement.map((s) => s.Sid).join(', ')}`);
  return found;
}
