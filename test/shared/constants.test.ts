import { BatchLimit } from '../../src/shared/constants';
import { AWS_LIMITS } from '../engine/fixtures';

describe('BatchLimit', () => {
  test.each([
    ['DESCRIBE_CAPACITY_PROVIDERS', BatchLimit.DESCRIBE_CAPACITY_PROVIDERS, AWS_LIMITS.describeCapacityProviders],
    ['LIST_CONTAINER_INSTANCES_PAGE', BatchLimit.LIST_CONTAINER_INSTANCES_PAGE, AWS_LIMITS.listContainerInstancesPage],
    ['DESCRIBE_CONTAINER_INSTANCES', BatchLimit.DESCRIBE_CONTAINER_INSTANCES, AWS_LIMITS.describeContainerInstances],
    ['DESCRIBE_AUTO_SCALING_GROUPS', BatchLimit.DESCRIBE_AUTO_SCALING_GROUPS, AWS_LIMITS.describeAutoScalingGroups],
    ['DESCRIBE_LAUNCH_CONFIGURATIONS', BatchLimit.DESCRIBE_LAUNCH_CONFIGURATIONS, AWS_LIMITS.describeLaunchConfigurations],
    ['SSM_GET_PARAMETERS', BatchLimit.SSM_GET_PARAMETERS, AWS_LIMITS.getParameters],
    ['EC2_FILTER_VALUES', BatchLimit.EC2_FILTER_VALUES, AWS_LIMITS.ec2FilterValues],
  ])('%s (%d) is a positive whole number within AWS\'s documented limit (%d)', (_, engine, aws) => {
    expect(Number.isInteger(engine)).toBe(true);
    expect(engine).toBeGreaterThan(0);
    expect(engine).toBeLessThanOrEqual(aws);
  });

  test('the write limits match DESIGN.md: DetachInstances 20, UpdateContainerInstancesState 10', () => {
    expect([BatchLimit.DETACH_INSTANCES, BatchLimit.UPDATE_CONTAINER_INSTANCES_STATE]).toEqual([20, 10]);
  });
});
