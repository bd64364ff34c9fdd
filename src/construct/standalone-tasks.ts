import { Duration } from 'aws-cdk-lib';
import { checkDuration } from './settings';
import { SETTINGS } from '../shared/settings';

/** What happens to standalone tasks (outside any service) on a draining instance. */
export class StandaloneTasks {
  /** Wait for them to end, up to the drain timeout (then `onDrainTimeout` applies). */
  public static waitForThem(): StandaloneTasks {
    return new StandaloneTasks('wait', undefined);
  }

  /**
   * Leave an outdated instance running standalone tasks in service: the rotation replaces the others, and takes
   * this one on in a later round, once its standalone tasks have ended (its tasks are read before it is chosen).
   * An instance chosen before a standalone task started on it drains as with `waitForThem()`. One that runs
   * standalone tasks forever stays outdated, and the outdated alarm fires.
   */
  public static skipInstance(): StandaloneTasks {
    return new StandaloneTasks('skip', undefined);
  }

  /**
   * Stop them (ECS StopTask, with a reason naming the refresher and the new image) once the instance has
   * been draining this long, so that it empties. 0 seconds to 2 days, and shorter than the drain timeout.
   */
  public static stopAfter(gracePeriod: Duration): StandaloneTasks {
    checkDuration('standaloneTasks grace period', gracePeriod, SETTINGS.standaloneTasks.kind.grace);
    return new StandaloneTasks('stop', gracePeriod);
  }

  private constructor(
    /** `wait`, `stop` or `skip`. */
    public readonly mode: string,
    /** With `stop`: how long the instance drains before its standalone tasks are stopped. */
    public readonly gracePeriod: Duration | undefined,
  ) {}
}
