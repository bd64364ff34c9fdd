/**
 * The SNS port over the real client, for the Lambda only: the operator CLI publishes nothing, and importing
 * the client from aws.ts would put it in the CLI's bundle too.
 */
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SnsApi } from './ports';
import { sdkClientConfig } from './sdk';

export function sdkSnsApi(region?: string): SnsApi {
  const client = new SNSClient(sdkClientConfig(region));
  return { publish: (input) => client.send(new PublishCommand(input)) };
}
