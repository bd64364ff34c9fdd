import { Duration, aws_events as events } from 'aws-cdk-lib';

/** A maintenance window (UTC): when it opens, as a cron schedule, and how long it stays open. */
export class MaintenanceWindow {
  /**
   * A window that opens at each time the schedule names and stays open for `duration`. The schedule is
   * EventBridge's cron without the year (`L`, `W` and `#` are not supported); `minute` and `hour` must be
   * given, e.g. `{ minute: '0', hour: '2', weekDay: 'SUN' }` opens every Sunday at 02:00 UTC.
   * `day` defaults to every day unless `weekDay` is given.
   */
  public static cron(schedule: events.CronOptions, duration: Duration): MaintenanceWindow {
    return new MaintenanceWindow(schedule, duration);
  }

  private constructor(
    /** When the window opens. */
    public readonly schedule: events.CronOptions,
    /** How long it stays open. */
    public readonly duration: Duration,
  ) {}
}
