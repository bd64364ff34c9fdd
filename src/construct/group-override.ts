import { Duration, aws_autoscaling as autoscaling, aws_ssm as ssm } from 'aws-cdk-lib';

/**
 * Settings of one Auto Scaling group (`groupOverrides`). Give at least one of `family`, `amiParameter`,
 * `amiParameterName` and `readinessTimeout`.
 */
export interface GroupOverride {
  /** The group these settings are for. It is refreshed (as if it were in `autoScalingGroups`). */
  readonly autoScalingGroup: autoscaling.IAutoScalingGroup;

  /**
   * The group's AMI family (lower-case letters, digits, '.', '-'), e.g. `amazon-linux-2023-gpu`: over the
   * group's `ecs-ami-refresher:ami-family` tag and the family read from its image name. The architecture is
   * always the image's.
   *
   * @default - the family tag, else the image name
   */
  readonly family?: string;

  /**
   * The group's own SSM parameter naming its newest image (a golden AMI): over `amiParameters` for this group.
   * Its value is an AMI id or a JSON document with `image_id`. The refresher's role may read it.
   *
   * @default - the parameter of the group's family and architecture in `amiParameters`
   */
  readonly amiParameter?: ssm.IStringParameter;

  /**
   * The same, by name or ARN, for a parameter not defined in this app (e.g. shared from another account by
   * ARN). Give `amiParameter` or this, not both.
   *
   * @default - `amiParameter`, else the family map
   */
  readonly amiParameterName?: string;

  /**
   * How long this group's replacements may take to be ACTIVE in the cluster. Between 5 minutes and 6 hours.
   *
   * @default - `readinessTimeout`, or `windowsReadinessTimeout` for a Windows group
   */
  readonly readinessTimeout?: Duration;
}
