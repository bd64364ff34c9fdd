/** What to do with an instance that still runs tasks after the drain timeout. */
export enum DrainTimeoutAction {
  /** Stop the group's rotation and alarm; terminate nothing more in the group until its tasks stop. */
  STOP_ROTATION = 'stop',
  /** Terminate the instance anyway, stopping the tasks still on it. */
  FORCE_TERMINATE = 'force',
}
