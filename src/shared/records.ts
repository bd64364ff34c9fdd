/**
 * The engine's memory, kept on AWS resources rather than in the process, so a killed run, a redeploy or a
 * concurrent manual run loses nothing. Three small records, each encoded here and nowhere else:
 *
 * - on a container instance, an ECS custom attribute: the instance's phase in a rotation
 *   (`replacing:<epoch ms>` once chosen, `draining:<epoch ms>` once set DRAINING);
 * - on an Auto Scaling group, a tag: the batch in flight
 *   (`<base desired>:<target desired>:<original max>:<started epoch ms>[:az][:m<raised max>][:canary[-<soak until ms>]][:wait-<since ms>]`),
 *   and, after a forced run, the launch time before which instances are replaced whatever their image;
 * - on the cluster, a tag: the lease of the one engine allowed to act (`<owner>@<expires epoch ms>`).
 *
 * ECS attribute values allow letters, digits, `-_.@/: ` and ASG/ECS tag values up to 256 characters; every
 * encoding below stays inside both.
 */

/** The description of every launch template version this engine creates (`<prefix><image id>`). */
export const VERSION_DESCRIPTION_PREFIX = 'ecs-ami-refresher: ';

/** ECS custom attribute on a container instance being replaced. */
export const PHASE_ATTRIBUTE = 'ecs-ami-refresher.phase';

/**
 * ECS custom attribute on an outdated container instance while its group rotates (opt-in): its value is the
 * image replacing it. Services placed with `attribute:ecs-ami-refresher.cordoned !exists` then never start a
 * task on an instance that is about to go, so each task moves once.
 */
export const CORDON_ATTRIBUTE = 'ecs-ami-refresher.cordoned';

/** ASG tag: the batch in flight. */
export const BATCH_TAG = 'ecs-ami-refresher:batch';

/** ASG tag: replace every instance launched before this epoch ms (set by a forced run). */
export const REPLACE_BEFORE_TAG = 'ecs-ami-refresher:replace-before';

/** ASG tag: an image whose replacements never became ACTIVE; the group was rolled back from it. */
export const FAILED_IMAGE_TAG = 'ecs-ami-refresher:failed-image';

/**
 * ASG tag on the group named to replace instances outside every group: the one being replaced through it
 * (`<instance id>:<base desired>:<started epoch ms>`). Removed once that instance is gone.
 */
export const UNMANAGED_TAG = 'ecs-ami-refresher:unmanaged';

/**
 * ASG tag: the last rotation notification sent for the group (`<started|stopped>:<target image>[:<from image>]`),
 * written after the message is published and removed with the "finished" one, so each start, stop and finish
 * is published once, not every round (see notify.ts).
 */
export const NOTIFIED_TAG = 'ecs-ami-refresher:notified';

/**
 * ASG tag: this account refused to create a launch configuration (UnsupportedOperation) when the group, on a
 * launch configuration, needed a copy with a new image (`<epoch ms>`). The group then stops, naming what to do,
 * instead of failing the same call every round; removed once the group is on a launch template (or by hand,
 * to try again).
 */
export const LAUNCH_CONFIGURATIONS_UNSUPPORTED_TAG = 'ecs-ami-refresher:launch-configurations-unsupported';

/**
 * ASG tag: outdated instances of the group that AWS refused a write about, for good (a validation or limit error,
 * access denied, not found: see `isPermanentRefusal`), each with the error code (`<instance id>=<code>`, space
 * separated, at most 256 characters). Later rounds pass them over and the rest of the group rotates; once nothing
 * else is left the group stops, naming them. Delete the tag (or an entry) to try them again.
 */
export const PASSED_OVER_TAG = 'ecs-ami-refresher:passed-over';

/**
 * ASG tag: AWS refused a write about the group itself for good (`<epoch ms> <target image> <action kind> <code>:
 * <message>`, cut to 256 characters). The group's rotation stops with that error until the tag is deleted or the
 * group's target image changes.
 */
export const REFUSED_TAG = 'ecs-ami-refresher:refused';

/** ASG tag values: "Maximum length of 256" (Auto Scaling API reference, Tag). */
export const ASG_TAG_VALUE_LENGTH = 256;

/**
 * Every tag the engine writes on an Auto Scaling group: its records (the IAM policy lets it write no other,
 * and while one is on a group, an idle run reads the whole cluster).
 */
export const GROUP_RECORD_TAGS: readonly string[] = [
  BATCH_TAG, REPLACE_BEFORE_TAG, FAILED_IMAGE_TAG, UNMANAGED_TAG, LAUNCH_CONFIGURATIONS_UNSUPPORTED_TAG, NOTIFIED_TAG,
  PASSED_OVER_TAG, REFUSED_TAG,
];

/** ECS cluster tag: who may act on the cluster, until when. */
export const LEASE_TAG = 'ecs-ami-refresher:lease';

export type Phase =
  /** `since` is absent in marks written before marks carried their time (then the batch's start counts). */
  | { readonly kind: 'replacing'; readonly since?: number }
  | { readonly kind: 'draining'; readonly since: number };

export function encodePhase(phase: Phase): string {
  return phase.since === undefined ? phase.kind : `${phase.kind}:${phase.since}`;
}

/** Undefined for a value this engine did not write (it is then ignored, never acted on). */
export function decodePhase(value: string | undefined): Phase | undefined {
  if (value === 'replacing') return { kind: 'replacing' };
  const match = value?.match(/^(replacing|draining):(\d{1,15})$/);
  if (!match) return undefined;
  return match[1] === 'replacing' ? { kind: 'replacing', since: Number(match[2]) } : { kind: 'draining', since: Number(match[2]) };
}

/**
 * A group's rotation in flight. Its instances are replaced through a window of marked instances: up to
 * `target - base` at once, of which at most the budget drain while the others' replacements boot, so the
 * next drain starts as soon as one ends.
 */
export interface Batch {
  /** The group's desired capacity before the rotation: what it returns to. */
  readonly base: number;
  /** base + the window: the most instances marked at once (each has one replacement counted in desired). */
  readonly target: number;
  /** The group's max size before the batch (raised when target exceeded it). */
  readonly originalMax: number;
  readonly startedAt: number;
  /**
   * The batch suspended the group's AZRebalance process (it was running): Auto Scaling would otherwise
   * rebalance after each terminate-and-decrement by terminating instances of its own choosing, undrained.
   * Resumed when the batch ends.
   */
  readonly suspendedAzRebalance?: boolean;
  /**
   * The max size the rotation last raised the group to, when it raised it beyond `target` (desired capacity
   * above base + marked, e.g. after managed scaling): restored from there when the rotation ends.
   */
  readonly raisedMax?: number;
  /**
   * Set when the group's capacity provider has managed scaling on: the group's MinSize before the batch. The
   * batch holds its surge through MinSize (ECS's target tracking never scales below it) and restores this
   * value at its end, or after a crash, from here.
   */
  readonly originalMin?: number;
  /**
   * The batch replaces the group's canaries only: no other instance is taken on until they have served on
   * the new image for the soak time (`soakUntil`, set once the last canary's old instance is gone) and are
   * found healthy.
   */
  readonly canary?: { readonly soakUntil?: number };
  /** Since when drains wait for the services on the next instances to be steady (cleared by the next drain). */
  readonly waitingSince?: number;
}

export function encodeBatch(batch: Batch): string {
  let value = `${batch.base}:${batch.target}:${batch.originalMax}:${batch.startedAt}`;
  if (batch.suspendedAzRebalance) value += ':az';
  if (batch.raisedMax !== undefined) value += `:m${batch.raisedMax}`;
  if (batch.originalMin !== undefined) value += `:n${batch.originalMin}`;
  if (batch.canary) value += batch.canary.soakUntil === undefined ? ':canary' : `:canary-${batch.canary.soakUntil}`;
  if (batch.waitingSince !== undefined) value += `:wait-${batch.waitingSince}`;
  return value;
}

export function decodeBatch(value: string | undefined): Batch | undefined {
  const match = value?.match(/^(\d{1,6}):(\d{1,6}):(\d{1,6}):(\d{1,15})(:az)?(?::m(\d{1,6}))?(?::n(\d{1,6}))?(:canary(?:-(\d{1,15}))?)?(?::wait-(\d{1,15}))?$/);
  if (!match) return undefined;
  const [base, target, originalMax, startedAt] = match.slice(1, 5).map(Number);
  if (target < base) return undefined;
  return {
    base,
    target,
    originalMax,
    startedAt,
    ...(match[5] ? { suspendedAzRebalance: true } : {}),
    ...(match[6] !== undefined ? { raisedMax: Number(match[6]) } : {}),
    ...(match[7] !== undefined ? { originalMin: Number(match[7]) } : {}),
    ...(match[8] ? { canary: match[9] === undefined ? {} : { soakUntil: Number(match[9]) } } : {}),
    ...(match[10] === undefined ? {} : { waitingSince: Number(match[10]) }),
  };
}

export function decodeEpoch(value: string | undefined): number | undefined {
  return value && /^\d{1,15}$/.test(value) ? Number(value) : undefined;
}

export interface Lease {
  readonly owner: string;
  readonly expiresAt: number;
}

/**
 * `<owner>@<expires>`: ECS tag values allow only letters, digits, spaces and `_ . : / = + - @`
 * (ECS API reference, "Tag"), so owners are reduced to those characters and the last `@` separates.
 */
export function encodeLease(lease: Lease): string {
  return `${leaseOwner(lease.owner)}@${lease.expiresAt}`;
}

/** An owner as it can be written in the tag (and so as it reads back). */
export function leaseOwner(owner: string): string {
  return owner.replace(/[^\p{L}\p{N} _.:/=+\-@]/gu, '-').slice(0, 200);
}

export function decodeLease(value: string | undefined): Lease | undefined {
  const match = value?.match(/^(.{1,200})@(\d{1,15})$/);
  return match ? { owner: match[1], expiresAt: Number(match[2]) } : undefined;
}

/** Whether a value is one ECS accepts as a tag value. */
export function isEcsTagValue(value: string): boolean {
  return /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u.test(value) && value.length <= 256;
}

/** The replacement of one instance outside every group, recorded on the group that replaces it. */
export interface UnmanagedReplacement {
  readonly instanceId: string;
  /** The group's desired capacity before it was raised by one for the replacement. */
  readonly base: number;
  readonly startedAt: number;
}

export function encodeUnmanagedReplacement(record: UnmanagedReplacement): string {
  return `${record.instanceId}:${record.base}:${record.startedAt}`;
}

export function decodeUnmanagedReplacement(value: string | undefined): UnmanagedReplacement | undefined {
  const match = value?.match(/^(i-[0-9a-f]{8,17}):(\d{1,6}):(\d{1,15})$/);
  return match ? { instanceId: match[1], base: Number(match[2]), startedAt: Number(match[3]) } : undefined;
}

/** What the last notification told about a group's rotation: it started (or resumed), or it stopped. */
export interface Notified {
  readonly state: 'started' | 'stopped';
  /** The image the rotation was going to. */
  readonly targetImageId: string;
  /** The image most outdated instances ran when it started, when known. */
  readonly fromImageId?: string;
}

export function encodeNotified(record: Notified): string {
  return `${record.state}:${record.targetImageId}${record.fromImageId ? `:${record.fromImageId}` : ''}`;
}

/** Undefined for a value this engine did not write (then treated as no notification sent). */
export function decodeNotified(value: string | undefined): Notified | undefined {
  const match = value?.match(/^(started|stopped):(ami-[0-9a-f]{8,17})(?::(ami-[0-9a-f]{8,17}))?$/);
  if (!match) return undefined;
  return { state: match[1] as Notified['state'], targetImageId: match[2], ...(match[3] ? { fromImageId: match[3] } : {}) };
}

/** Instance id -> the error code AWS refused a write about it with. */
export type PassedOver = ReadonlyMap<string, string>;

/** Undefined when the entries do not fit in one tag value (the group is then stopped instead). */
export function encodePassedOver(entries: PassedOver): string | undefined {
  const value = [...entries].map(([id, code]) => `${id}=${code.replace(/[^A-Za-z0-9.]/g, '')}`).join(' ');
  return value.length <= ASG_TAG_VALUE_LENGTH ? value : undefined;
}

/** Entries this engine wrote; anything else in the value is ignored. */
export function decodePassedOver(value: string | undefined): Map<string, string> {
  const entries = new Map<string, string>();
  for (const part of (value ?? '').split(' ')) {
    const match = part.match(/^(i-[0-9a-f]{8,17})=([A-Za-z0-9.]{1,64})$/);
    if (match) entries.set(match[1], match[2]);
  }
  return entries;
}

/** A write about the group that AWS refused for good. */
export interface Refusal {
  readonly at: number;
  /** The target image when it was refused (`-` when none): a new target image tries again. */
  readonly targetImageId?: string;
  readonly actionKind: string;
  readonly code: string;
  readonly message: string;
}

export function encodeRefusal(refusal: Refusal): string {
  const head = `${refusal.at} ${refusal.targetImageId ?? '-'} ${refusal.actionKind} ${refusal.code}: `;
  return (head + refusal.message.replace(/\s+/g, ' ')).slice(0, ASG_TAG_VALUE_LENGTH);
}

export function decodeRefusal(value: string | undefined): Refusal | undefined {
  const match = value?.match(/^(\d{1,15}) (ami-[0-9a-f]{8,17}|-) ([a-z-]{1,40}) ([A-Za-z0-9.]{1,64}): (.*)$/s);
  if (!match) return undefined;
  return {
    at: Number(match[1]),
    ...(match[2] === '-' ? {} : { targetImageId: match[2] }),
    actionKind: match[3],
    code: match[4],
    message: match[5],
  };
}
