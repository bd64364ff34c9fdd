/**
 * Rotation notifications: publishing to the topic, and the KMS permission a publisher needs when the topic
 * is encrypted with a customer managed key.
 */
import { Stack, Token, aws_iam as iam, aws_kms as kms, aws_sns as sns } from 'aws-cdk-lib';
import { StatementInputs } from './inputs';

export function notificationStatements({ stack, notificationTopic }: StatementInputs): iam.PolicyStatement[] {
  if (!notificationTopic) return [];
  return [
    new iam.PolicyStatement({ sid: 'PublishNotifications', actions: ['sns:Publish'], resources: [notificationTopic.topicArn] }),
    ...topicKeyStatements(stack, notificationTopic),
  ];
}

/**
 * SNS encrypts with the topic's key on the publisher's behalf, so the publisher needs kms:GenerateDataKey and
 * kms:Decrypt on it (SNS Developer Guide, "Configure AWS KMS permissions"). The key is known for a topic
 * defined in this app (its `KmsMasterKeyId`), or where aws-cdk-lib exposes `masterKey` (versions after the
 * floor, imported topics included). The AWS managed key (`alias/aws/sns`) needs no grant: its key policy
 * lets every principal of the account use it through SNS.
 */
function topicKeyStatements(stack: Stack, topic: sns.ITopic): iam.PolicyStatement[] {
  const key = topicKey(topic);
  if (key === undefined) return [];
  const actions = ['kms:GenerateDataKey', 'kms:Decrypt'];
  if ('alias' in key) {
    // An alias ARN authorizes nothing; the key behind it is matched by its alias.
    return [new iam.PolicyStatement({
      sid: 'EncryptNotifications',
      actions,
      resources: [stack.formatArn({ service: 'kms', resource: 'key', resourceName: '*' })],
      conditions: { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': key.alias } },
    })];
  }
  return [new iam.PolicyStatement({ sid: 'EncryptNotifications', actions, resources: [key.arn] })];
}

function topicKey(topic: sns.ITopic): { readonly arn: string } | { readonly alias: string } | undefined {
  const masterKey = (topic as { readonly masterKey?: kms.IKey }).masterKey;
  if (masterKey) return isAlias(masterKey) ? { alias: masterKey.aliasName } : { arn: masterKey.keyArn };
  const cfn = topic.node.defaultChild;
  const id = cfn instanceof sns.CfnTopic ? cfn.kmsMasterKeyId : undefined;
  if (id === undefined) return undefined;
  // CDK writes the key's ARN: a token for a key of this app; for an alias given as the key, the alias's ARN,
  // which authorizes nothing. Its resolved form tells which (aws-cdk-lib at the floor keeps no masterKey).
  if (Token.isUnresolved(id)) {
    const alias = JSON.stringify(Stack.of(topic).resolve(id)).match(/:(alias\/[A-Za-z0-9/_-]+)"/);
    if (!alias) return { arn: id };
    return alias[1].startsWith('alias/aws/') ? undefined : { alias: alias[1] };
  }
  if (id.startsWith('alias/aws/')) return undefined;
  if (id.startsWith('alias/')) return { alias: id };
  const alias = id.match(/^arn:[^:]+:kms:[^:]*:[^:]*:(alias\/.+)$/);
  if (alias) return alias[1].startsWith('alias/aws/') ? undefined : { alias: alias[1] };
  if (id.startsWith('arn:')) return { arn: id };
  return { arn: Stack.of(topic).formatArn({ service: 'kms', resource: 'key', resourceName: id }) };
}

function isAlias(key: kms.IKey): key is kms.IAlias {
  return typeof (key as Partial<kms.IAlias>).aliasName === 'string';
}
