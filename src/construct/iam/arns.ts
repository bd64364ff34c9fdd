import { ArnFormat, Stack } from 'aws-cdk-lib';

export function groupArnPattern(stack: Stack, name: string): string {
  return stack.formatArn({
    service: 'autoscaling',
    resource: 'autoScalingGroup',
    resourceName: `*:autoScalingGroupName/${name}`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

export function templateArn(stack: Stack, id: string): string {
  return stack.formatArn({ service: 'ec2', resource: 'launch-template', resourceName: id });
}

/** Public parameters (`/aws/service/...`) have ARNs without an account; an ARN is used as given. */
export function parameterArn(stack: Stack, name: string): string {
  if (name.startsWith('arn:')) return name;
  const path = name.startsWith('/') ? name.slice(1) : name;
  const account = path.startsWith('aws/service/') ? '' : undefined;
  return stack.formatArn({ service: 'ssm', resource: 'parameter', account, resourceName: path });
}
