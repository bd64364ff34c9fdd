/**
 * What the engine may do, as data. The planner produces these; `act.ts` performs them. Each action is
 * safe to repeat: the state it leaves is re-observed next time, and a half-done action is finished, not
 * redone (see the crash notes on each).
 */
import type { MixedOverride } from './model';
import type { Batch, Notified, UnmanagedReplacement } from '../shared/records';

export type Action =
  | CreateTemplateVersion
  | UseTemplateVersion
  | StartBatch
  | HoldAzRebalance
  | MarkMore
  | SetDesired
  | Drain
  | Terminate
  | EndTerminationWait
  | FinishBatch
  | SetReplaceBefore
  | ClearReplaceBefore
  | MarkFailedImage
  | ClearFailedImage
  | Unmark
  | Cordon
  | Uncordon
  | StartUnmanagedReplacement
  | TerminateUnmanaged
  | FinishUnmanagedReplacement
  | RecordBatch
  | StopTasks
  | Notify
  | SwitchLaunchConfiguration
  | DeleteLaunchConfigurations
  | UpdateMixedTemplates
  | PruneTemplateVersions
  | ClearLaunchConfigurationsUnsupported;

/** Where a group must be pointed once a template version with the target image exists. */
export type TemplateUse = 'default-version' | 'group-version' | 'none';

/**
 * A new launch template version: the group's current one with only the image changed. A crash after
 * creation leaves it as `$Latest` with our description; the planner then uses it instead of creating another.
 */
export interface CreateTemplateVersion {
  readonly kind: 'create-template-version';
  readonly group: string;
  readonly launchTemplateId: string;
  readonly sourceVersion: number;
  readonly imageId: string;
  readonly use: TemplateUse;
  readonly mixedInstancesPolicy: boolean;
}

/** Point the group (or the template's default) at an existing version. */
export interface UseTemplateVersion {
  readonly kind: 'use-template-version';
  readonly group: string;
  readonly launchTemplateId: string;
  readonly version: number;
  readonly use: Exclude<TemplateUse, 'none'>;
  readonly mixedInstancesPolicy: boolean;
}

/**
 * Replacement capacity first: record the batch on the group (tag), mark the instances it replaces
 * (ECS attribute `replacing:<started>`), then raise desired capacity (and max size when needed). A crash after
 * the tag or the marks is finished by `SetDesired` next time.
 */
export interface StartBatch extends HoldThroughMin {
  readonly kind: 'start-batch';
  readonly group: string;
  readonly batch: Batch;
  readonly containerInstanceArns: readonly string[];
  /** Set when the target exceeds the group's max size. */
  readonly raiseMaxTo?: number;
}

/**
 * How a batch raises capacity on a group whose capacity provider has managed scaling on: through MinSize
 * (UpdateAutoScalingGroup; desired follows a MinSize above it), never SetDesiredCapacity, so ECS's target
 * tracking cannot scale the surge back in (it never goes below MinSize). See decide/batch-hold.ts.
 */
export interface HoldThroughMin {
  readonly holdMin?: boolean;
}

/**
 * The rotation's record says it suspended AZRebalance but the group shows it running (the run that wrote
 * the record was killed before its SuspendProcesses call): suspend it before anything is terminated.
 */
export interface HoldAzRebalance {
  readonly kind: 'hold-az-rebalance';
  readonly group: string;
}

/**
 * A rotation in flight takes on more instances as earlier ones go: mark them (`replacing:<since>`), then
 * raise desired capacity for those that no terminated instance's slot carries (see `Terminate.decrement`).
 * Never lowers desired capacity: Auto Scaling would scale in by terminating instances of its own choosing.
 * A crash after the marks is finished by `SetDesired` next time.
 */
export interface MarkMore extends HoldThroughMin {
  readonly kind: 'mark-more';
  readonly group: string;
  readonly containerInstanceArns: readonly string[];
  readonly since: number;
  /** Set when more replacements are needed than terminations in the same round leave slots for. */
  readonly raiseDesiredTo?: number;
  readonly raiseMaxTo?: number;
  /** Written (before max is raised beyond the rotation's target) so the rotation restores it when it ends. */
  readonly record?: Batch;
}

/** Desired capacity did not reach what the batch needs (a crash, or a lost call): set it. */
export interface SetDesired extends HoldThroughMin {
  readonly kind: 'set-desired';
  readonly group: string;
  readonly desired: number;
  readonly raiseMaxTo?: number;
  /** As in MarkMore. */
  readonly record?: Batch;
}

/** Mark `draining:<since>` then set DRAINING; marked instances still ACTIVE are set DRAINING again. */
export interface Drain {
  readonly kind: 'drain';
  readonly group: string;
  readonly containerInstanceArns: readonly string[];
  /** Those already marked draining (only the state call is repeated for them). */
  readonly alreadyMarked: readonly string[];
  readonly since: number;
}

/**
 * ECS reports no running task (or the drain timed out and the user chose to force): terminate through
 * Auto Scaling, decrementing desired capacity, then deregister the container instance.
 */
export interface Terminate {
  readonly kind: 'terminate';
  readonly group: string;
  readonly instanceId: string;
  readonly containerInstanceArn?: string;
  readonly forced: boolean;
  readonly runningTasks: number;
  /**
   * Decrement desired capacity (the default). False when an instance marked in the same round takes the
   * slot: Auto Scaling then launches a replacement at once, which is that instance's replacement.
   */
  readonly decrement?: boolean;
  /**
   * Set, with decrement, while a batch holds its surge through MinSize (the batch's original MinSize): the
   * group's MinSize is lowered by one first (never below this), so the hold follows the batch down and the
   * decrement is not refused for going below MinSize.
   */
  readonly minFloor?: number;
}

/**
 * An instance the engine terminated waits in Terminating:Wait on the group's termination hooks (ECS managed
 * draining holds it while tasks run, up to 48 hours): its drain passed the drain timeout and the user chose to
 * force, or it is empty and its hook's owner did not let it go. CompleteLifecycleAction with CONTINUE, by
 * instance id, for each of those hooks; one already completed is what was wanted.
 */
export interface EndTerminationWait {
  readonly kind: 'end-termination-wait';
  readonly group: string;
  readonly instanceId: string;
  readonly hookNames: readonly string[];
  readonly runningTasks: number;
}

/** Every instance of the batch is gone: clear the batch tag, restore max size if it was raised. */
export interface FinishBatch {
  readonly kind: 'finish-batch';
  readonly group: string;
  readonly restoreMaxTo?: number;
  /** The batch held its surge through MinSize: put MinSize back. */
  readonly restoreMinTo?: number;
  /** The batch suspended AZRebalance: resume it. */
  readonly resumeAzRebalance?: boolean;
}

/** A forced run: replace instances launched before now, whatever their image, across runs. */
export interface SetReplaceBefore {
  readonly kind: 'set-replace-before';
  readonly group: string;
  readonly before: number;
}

export interface ClearReplaceBefore {
  readonly kind: 'clear-replace-before';
  readonly group: string;
}

/** Replacements on this image never became ACTIVE: remember it on the group, so it is rolled back from. */
export interface MarkFailedImage {
  readonly kind: 'mark-failed-image';
  readonly group: string;
  readonly imageId: string;
}

/** The parameter names another image now: the failed one no longer matters. */
export interface ClearFailedImage {
  readonly kind: 'clear-failed-image';
  readonly group: string;
}

/** Keep new tasks off outdated instances of a rotating group (ECS attribute; opt-in, see RotationConfig.cordon). */
export interface Cordon {
  readonly kind: 'cordon';
  readonly group: string;
  readonly containerInstanceArns: readonly string[];
  /** The image replacing them, written as the attribute's value. */
  readonly imageId: string;
}

/** Let tasks onto instances again: they are no longer outdated, or their group's rotation ended or stopped. */
export interface Uncordon {
  readonly kind: 'uncordon';
  readonly group: string;
  readonly containerInstanceArns: readonly string[];
}

/** Release instances of an abandoned batch: they stay (or are set back) in service, unmarked. */
export interface Unmark {
  readonly kind: 'unmark';
  readonly group: string;
  readonly containerInstanceArns: readonly string[];
  /** Those DRAINING, set ACTIVE again before their mark is removed. */
  readonly reactivate: readonly string[];
}

/**
 * Replace an instance outside every group through the named group: record it on the group (tag), mark the
 * instance `replacing`, raise the group's desired capacity by one. Repeating it is harmless (same tag, same
 * mark, same desired capacity), so a crash between its writes is finished by doing it again.
 */
export interface StartUnmanagedReplacement {
  readonly kind: 'start-unmanaged-replacement';
  readonly group: string;
  readonly record: UnmanagedReplacement;
  readonly containerInstanceArn: string;
}

/**
 * The instance outside every group is drained and empty (or past the drain timeout, forced): terminate it
 * with EC2 (it is in no Auto Scaling group), then deregister its container instance.
 */
export interface TerminateUnmanaged {
  readonly kind: 'terminate-unmanaged';
  readonly group: string;
  readonly instanceId: string;
  readonly containerInstanceArn: string;
  readonly forced: boolean;
  readonly runningTasks: number;
}

/** The instance is gone: deregister what is left of it in ECS, clear the record. Desired capacity stays raised. */
export interface FinishUnmanagedReplacement {
  readonly kind: 'finish-unmanaged-replacement';
  readonly group: string;
  readonly instanceId: string;
  /** Still registered (a terminated instance whose agent was disconnected is not deregistered by ECS). */
  readonly containerInstanceArn?: string;
}

/**
 * Rewrite the group's batch record, for what a rotation policy must remember across runs: a canary's soak
 * (`canary.soakUntil`), and since when drains wait for steady services (`waitingSince`).
 */
export interface RecordBatch {
  readonly kind: 'record-batch';
  readonly group: string;
  readonly batch: Batch;
}

/**
 * Stop standalone tasks (no service: ECS never moves them) left on a drained instance after the grace period
 * (standalone-task policy `stop`). Repeating it is harmless: a stopped task is no longer listed as RUNNING.
 */
export interface StopTasks {
  readonly kind: 'stop-tasks';
  readonly group: string;
  readonly instanceId: string;
  readonly containerInstanceArn: string;
  readonly taskArns: readonly string[];
  /** Given to ECS (StopTask `reason`, shown as the task's stopped reason). */
  readonly reason: string;
}

/**
 * Publish a rotation notification to the topic, then record it on the group (`NOTIFIED_TAG`), so it is sent
 * once: a crash between the two sends it again next round (at least once), a failed publish is retried next
 * round. Best effort: a failure is reported and counted, and never holds the group's other actions.
 */
export interface Notify {
  readonly kind: 'notify';
  readonly group: string;
  readonly topicArn: string;
  readonly event: NotificationEvent;
  /** SNS Subject: ASCII, one line, under 100 characters. */
  readonly subject: string;
  /** The JSON document published (see notify.ts). */
  readonly message: string;
  /** Written to the group once published; undefined: the record is removed (the rotation finished). */
  readonly record?: Notified;
}

export type NotificationEvent = 'started' | 'stopped' | 'resumed' | 'finished';

/**
 * A group on a launch configuration (seed 000): copy the configuration with only the image changed, under
 * the name derived from the source and the image (launch-configurations.ts), then switch the group to it.
 * A crash between the two finds the copy already there (AlreadyExists) and switches to it.
 */
export interface SwitchLaunchConfiguration {
  readonly kind: 'switch-launch-configuration';
  readonly group: string;
  readonly sourceName: string;
  /** The copy's name. */
  readonly name: string;
  readonly imageId: string;
  /** The observation's time: recorded if the account refuses launch configurations. */
  readonly at: number;
}

/**
 * Copies this engine made that no group uses any more. One that some group still uses is refused by AWS
 * (ResourceInUse) and left in place; one already gone is what was wanted.
 */
export interface DeleteLaunchConfigurations {
  readonly kind: 'delete-launch-configurations';
  /** Not a group: `(launch configurations)`, so a failure here stops no group's actions. */
  readonly group: string;
  readonly names: readonly string[];
}

/**
 * A mixed instances policy whose overrides carry launch templates of their own: every template of the policy
 * that does not launch the image yet gets a version with only the image changed (or reuses the one this
 * engine created, found as `$Latest`), each made the default where it is referenced as `$Default`; then, if
 * any reference is pinned to a number, one UpdateAutoScalingGroup points every pinned reference at its new
 * version and writes the overrides back otherwise as they were. A crash between steps is finished next round
 * (the versions made are reused).
 */
export interface UpdateMixedTemplates {
  readonly kind: 'update-mixed-templates';
  readonly group: string;
  readonly imageId: string;
  /** The templates to bring to the image (the group's own first), each once. */
  readonly steps: readonly MixedTemplateStep[];
  /** The policy's own template reference. */
  readonly main: { readonly launchTemplateId: string; readonly version: string };
  /** The policy's overrides as observed, written back with pinned references moved. */
  readonly overrides: readonly MixedOverride[];
}

export interface MixedTemplateStep {
  readonly launchTemplateId: string;
  /** How the policy references it: a number, `$Latest` or `$Default`. */
  readonly reference: string;
  /** Create a version from this one... */
  readonly sourceVersion?: number;
  /** ...or use this version this engine already created with the image. */
  readonly reuseVersion?: number;
}

/**
 * A rotation ended: delete the versions of the template this engine created (its description marker), but
 * the newest `keep` of them, the template's default version, and the versions `inUse` by a group. The
 * versions are listed at write time (DescribeLaunchTemplateVersions), deleted 200 a call (the API's limit).
 * Repeating it deletes nothing more.
 */
export interface PruneTemplateVersions {
  readonly kind: 'prune-template-versions';
  readonly group: string;
  readonly launchTemplateId: string;
  readonly keep: number;
  readonly inUse: readonly number[];
}

/** The group is on a launch template now: the record that its account refused launch configurations goes. */
export interface ClearLaunchConfigurationsUnsupported {
  readonly kind: 'clear-launch-configurations-unsupported';
  readonly group: string;
}
