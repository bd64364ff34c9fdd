/** What an observation is asked to read. */
import { GroupSettings } from '../../shared/ami-families';
import { MaxUnavailableSetting } from '../budget';
import type { FullReads } from './full-reads';
import type { ImageCache } from './image-cache';

export interface ObserveOptions {
  readonly clusterName: string;
  /** Groups given to the construct: managed whether or not they are behind a capacity provider. */
  readonly groupNames: readonly string[];
  /** Also the groups of the cluster's ACTIVE capacity providers (default true). */
  readonly discoverGroups?: boolean;
  /** Per-group family and parameter, by group name (construct `groupOverrides`). */
  readonly groupOverrides?: Readonly<Record<string, GroupSettings>>;
  /**
   * Also describe the EC2 instances of container instances outside every group (only when they may be
   * replaced: otherwise they are reported from ECS alone, at no EC2 cost).
   */
  readonly describeUnmanagedInstances?: boolean;
  /** `family/arch` -> SSM parameter name. */
  readonly amiParameters: Readonly<Record<string, string>>;
  /** Epoch ms stamped on the observation. */
  readonly now: number;
  /**
   * Capacity provider name -> group name, for providers whose group is known without asking ECS (the
   * construct passes those it creates). A provider's group never changes, so only others are described.
   */
  readonly knownCapacityProviders?: Readonly<Record<string, string>>;
  /** What is known of images from earlier observations in this process (see ImageCache). */
  readonly imageCache?: ImageCache;
  /** A forced run: every group may act, so each is checked for another actor (instance refresh, stack update). */
  readonly force?: boolean;
  /** Which tasks and services the rotation policies need (none by default). */
  readonly workload?: WorkloadOptions;
  /**
   * What this process's last full read found (a warm Lambda keeps one): after one that found the cluster
   * idle, an idle cluster is confirmed with a few calls whatever its size (see `FullReads`,
   * `idleObservation`). Absent: every observation reads everything (the CLI, a manual invocation).
   */
  readonly fullReads?: FullReads;
}

/**
 * The tasks (and their services) a rotation policy looks at, read only for the groups it concerns this
 * round, so an idle run and a group with nothing to decide cost no call.
 */
export interface WorkloadOptions {
  /** Instances marked for replacement that still serve (the next to drain): their tasks' services must be steady. */
  readonly steadyServices?: boolean;
  /** The rotation's budget setting: at most that many of a group's next instances to drain are read. */
  readonly maxUnavailable?: MaxUnavailableSetting;
  /** Canaries whose soak is over: their tasks, and their services. */
  readonly canary?: boolean;
  /** Drained instances still running tasks this long after their drain started: which tasks are standalone. */
  readonly standaloneGraceMs?: number;
}
