import { Token } from 'aws-cdk-lib';

/** How many instances of a group may be out of service at once: a count or a percentage. */
export class MaxUnavailable {
  /** At most this many instances per group. */
  public static count(count: number): MaxUnavailable {
    if (!Token.isUnresolved(count) && (!Number.isInteger(count) || count < 1)) {
      throw new Error(`maxUnavailable count is ${count}; it must be a whole number of at least 1`);
    }
    return new MaxUnavailable(String(count));
  }

  /** At most this percentage of the group's desired capacity, rounded down, and at least one instance. */
  public static percent(percent: number): MaxUnavailable {
    if (!Token.isUnresolved(percent) && (!Number.isInteger(percent) || percent < 1 || percent > 100)) {
      throw new Error(`maxUnavailable percent is ${percent}; it must be a whole number from 1 to 100`);
    }
    return new MaxUnavailable(`${percent}%`);
  }

  private constructor(
    /** As the engine reads it: `3` or `10%`. */
    public readonly value: string,
  ) {}
}
