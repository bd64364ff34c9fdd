import { Duration } from 'aws-cdk-lib';

/** A group's first replacements, watched before the rest (see `canary`). */
export interface Canary {
  /**
   * Instances per group replaced first. 1 to 100.
   *
   * @default 1
   */
  readonly count?: number;

  /**
   * How long the canaries' replacements serve before they are judged and the rest goes on. 1 minute to 7 days.
   */
  readonly soak: Duration;
}
