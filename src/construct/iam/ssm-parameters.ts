import { Stack, aws_iam as iam } from 'aws-cdk-lib';
import { parameterArn } from './arns';
import { StatementInputs } from './inputs';
import { GroupOverride } from '../group-override';

/** The AMI parameters: the family map's and the groups' own. */
export function ssmParameterStatements({ stack, amiParameters, groupParameterArns }: StatementInputs): iam.PolicyStatement[] {
  return [new iam.PolicyStatement({
    sid: 'ReadAmiParameters',
    actions: ['ssm:GetParameters', 'ssm:GetParameter'],
    resources: [...new Set([...Object.values(amiParameters).map((name) => parameterArn(stack, name)), ...groupParameterArns])],
  })];
}

/** A group's own parameter (`groupOverrides`), if it has one. */
export function groupParameterArn(stack: Stack, o: GroupOverride): string | undefined {
  if (o.amiParameter) return o.amiParameter.parameterArn;
  return o.amiParameterName !== undefined ? parameterArn(stack, o.amiParameterName) : undefined;
}
