import { App, Aspects, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ClusterWithRefresherStack } from '../../examples/app';

/** Findings cdk-nag reports on the refresher's own resources (the example's VPC and group are the user's). */
function refresherFindings(stack: Stack, level: 'error' | 'warning') {
  const annotations = Annotations.fromStack(stack);
  const found = level === 'error'
    ? annotations.findError('*', Match.stringLikeRegexp('AwsSolutions-.*'))
    : annotations.findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*'));
  return found.filter((f) => f.id.includes('/Refresher/')).map((f) => `${f.id}: ${String(f.entry.data).split('\n')[0]}`);
}

describe('cdk-nag AwsSolutions', () => {
  const app = new App({ context: { '@aws-cdk/aws-autoscaling:generateLaunchTemplateInsteadOfLaunchConfig': true } });
  const stack = new ClusterWithRefresherStack(app, 'Nag');
  Aspects.of(stack).add(new AwsSolutionsChecks({ verbose: true }));
  app.synth();

  test('no unsuppressed error on the refresher', () => {
    expect(refresherFindings(stack, 'error')).toEqual([]);
  });

  test('no unsuppressed warning on the refresher', () => {
    expect(refresherFindings(stack, 'warning')).toEqual([]);
  });

  test('the check really runs: it reports findings on the example VPC', () => {
    const all = Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*'));
    expect(all.some((f) => f.id.includes('/Vpc/'))).toBe(true);
  });
});
