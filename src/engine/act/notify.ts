/** The write of a notification: the message to the topic, then the record of it on the group. */
import { writeGroupTag } from './auto-scaling';
import { Handler } from './context';
import { encodeNotified, NOTIFIED_TAG } from '../../shared/records';

export const notify: Handler<'notify'> = async ({ api }, action) => {
  if (!api.sns) throw new Error(`no SNS client to publish to ${action.topicArn}`);
  // Published first, recorded after: a crash between the two repeats the message, never loses it.
  await api.sns.publish({ TopicArn: action.topicArn, Subject: action.subject, Message: action.message });
  await writeGroupTag(api, action.group, NOTIFIED_TAG, action.record ? encodeNotified(action.record) : undefined);
};
