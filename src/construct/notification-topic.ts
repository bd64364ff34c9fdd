/**
 * The notification topic the construct accepts (the permissions to publish to it are in
 * `iam/notifications.ts`).
 */
import { Token, aws_sns as sns } from 'aws-cdk-lib';

/** Standard topics only: Publish to a FIFO topic needs a message group and deduplication the engine does not give. */
export function validateNotificationTopic(topic: sns.ITopic | undefined): void {
  if (!topic) return;
  if (topic.fifo) {
    throw new Error(`notificationTopic is the FIFO topic ${Token.isUnresolved(topic.topicName) ? topic.node.path : topic.topicName}; ` +
      'it must be a standard topic');
  }
}
