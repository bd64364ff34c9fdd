/**
 * The rotation decision's vocabulary: what it is given (the planner's image decision, the rotation settings)
 * and what it returns for a group (its phase, why it waits or stopped, its actions).
 */
import { MaintenanceWindow } from '../../shared/maintenance-window';
import { Action } from '../actions';
import { CanarySetting, MaxUnavailableSetting } from '../budget';

export interface RotationConfig {
  /** Instances per group out of service at once: a count, or a percentage of desired capacity (at least 1). */
  readonly maxUnavailable: MaxUnavailableSetting;
  readonly drainTimeoutSeconds: number;
  /** After the drain timeout: stop the group's rotation (and alarm), or terminate anyway. */
  readonly onDrainTimeout: 'stop' | 'force';
  /** How long replacements may take to be InService and ACTIVE in the cluster (Linux and Bottlerocket groups). */
  readonly readinessTimeoutSeconds: number;
  /** The same for Windows groups (default: `readinessTimeoutSeconds`); see `readinessTimeoutFor`. */
  readonly windowsReadinessTimeoutSeconds?: number;
  /** Per-group readiness timeouts (construct `groupOverrides`), over the platform's. */
  readonly groupReadinessTimeoutSeconds?: Readonly<Record<string, number>>;
  /** The managed group through which container instances outside every group are replaced (opt-in). */
  readonly unmanagedReplacementGroup?: string;
  /** This run was asked to replace every instance launched before it, whatever its image. */
  readonly force: boolean;
  /**
   * While a group rotates, mark its outdated instances with the cordon attribute, so services placed with
   * the construct's placement constraint start no task on them (tasks then move once). Default false.
   */
  readonly cordon?: boolean;
  /**
   * When replacements on the target image never become ACTIVE: point the group back at the image it ran,
   * terminate the replacements that never registered, release the batch, and refuse that image until the
   * parameter names another. Otherwise the group only stops (and alarms).
   */
  readonly rollbackOnFailedReplacement?: boolean;
  /**
   * Replace this many instances per group first (a batch of their own), let their replacements serve for the
   * soak time, and go on only if they are healthy. Unset: no canary.
   */
  readonly canary?: CanarySetting;
  /**
   * Drain an instance only once every service with a task on it is steady (one deployment, running = desired)
   * and every daemon among them runs on the replacements launched since it was marked. Unset: false.
   */
  readonly waitForSteadyServices?: boolean;
  /** How long drains may wait for steady services before the group stops (default: the drain timeout). */
  readonly steadyServicesTimeoutSeconds?: number;
  /**
   * Launch template versions this engine created kept per template once a rotation ends (the newest ones);
   * older ones are deleted. Unset: none is deleted.
   */
  readonly templateVersionsToKeep?: number;
  /**
   * Standalone tasks (no service: ECS never moves them) still running on a drained instance this long after
   * its drain started are stopped (StopTask). Unset: they are waited for, up to the drain timeout.
   */
  readonly stopStandaloneTasksAfterSeconds?: number;
  /**
   * Outdated instances running standalone tasks are not taken on (their tasks are read before marking): the
   * rotation goes on with the others, and each is taken on in a later round once its standalone tasks have
   * ended. Unset: false. Exclusive with `stopStandaloneTasksAfterSeconds`.
   */
  readonly skipInstancesWithStandaloneTasks?: boolean;
  /**
   * New work starts only while one of these is open: a rotation, a mark, a launch template change. What is in
   * flight when a window closes finishes (marked instances drain and go). Unset or empty: at any time.
   */
  readonly maintenanceWindows?: readonly MaintenanceWindow[];
  /** The parameter's image is adopted only once this old (read by the planner, see target-image.ts). Unset: at once. */
  readonly minimumAmiAgeSeconds?: number;
  /**
   * Set by the engine for one round, never by users: why no new drain starts in this group (another group's
   * outdated instances cannot be cordoned yet, see `drainsHeldForCordons`). Drains in flight go on.
   */
  readonly drainsWaitFor?: string;
}

export type RotationPhase = 'idle' | 'updating-launch-template' | 'replacing' | 'draining' | 'soaking' | 'waiting' | 'stopped';

export interface GroupRotation {
  readonly phase: RotationPhase;
  readonly stoppedReason?: string;
  /**
   * Why a group that has work is paused (another actor is changing it, processes are suspended), soaks its
   * canaries, or holds its next drain until services are steady.
   */
  readonly waitingReason?: string;
  /**
   * The wait is the schedule the user chose (a maintenance window, an image not old enough yet), not a
   * problem: reported, counted as waiting, but no cause for the CLI's attention exit code.
   */
  readonly waitingOn?: WaitingOn;
  /** Outdated instances passed over this round because they run standalone tasks, each with why. */
  readonly skipped?: readonly SkippedInstance[];
  readonly actions: readonly Action[];
  /** Instances marked in the current batch. */
  readonly inFlight: number;
  /** The budget this group's batches use. */
  readonly budget: number;
}

export type WaitingOn = 'maintenance-window' | 'minimum-ami-age' | 'standalone-tasks';

/** An outdated instance not taken on because it runs standalone tasks (`skipInstancesWithStandaloneTasks`). */
export interface SkippedInstance {
  readonly instanceId: string;
  readonly reason: string;
}

/** A newer image the parameter names that is not adopted yet (`minimumAmiAge`). */
export interface PendingImage {
  readonly imageId: string;
  /** `image ami-… was published at …; adopted from … (minimumAmiAge …)`. */
  readonly reason: string;
  /**
   * The plan could not keep the group's current image as its target (it is unusable), so the target is the
   * pending image itself: nothing new may start towards it until it is adopted.
   */
  readonly holdsNewWork: boolean;
}

/** What the planner decided about the group's image (see plan.ts). */
export interface ImageDecision {
  readonly targetImageId: string;
  readonly updateLaunchSource: boolean;
  /**
   * Outdated instance ids, fewest running tasks first: on another image than the target, or launched before
   * the group's forced-replacement time.
   */
  readonly outdatedInstanceIds: readonly string[];
  /** A newer image waits for its minimum age; the group reports it while it has nothing else to do. */
  readonly pendingImage?: PendingImage;
}

/** The window of marked instances, in budgets: one draining, one whose replacements boot meanwhile. */
export const WINDOW_BUDGETS = 2;
