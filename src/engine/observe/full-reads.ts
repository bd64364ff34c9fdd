/**
 * What a warm process remembers of its last full read of each cluster, so an idle cluster is confirmed with
 * a few calls (see `idleObservation`).
 */
import { ssmAliasParameter } from '../images';
import { ObservedGroup } from '../model';
import type { TemplateSource } from './launch-templates';

/** At least this often a warm function reads every container instance, idle or not. */
export const FULL_READ_INTERVAL_MS = 60 * 60_000;

/**
 * What this process's last full read of each cluster found, and when. The idle shortcut trusts counts and
 * one ECS query instead of reading every container instance, so it is taken only after a full read found
 * the cluster idle (every group up to date, every member registered ACTIVE, no instance outside the groups)
 * within `maxAgeMs`, and only while every group still launches the image it launched then. Anything the
 * counts cannot tell apart is then at most `maxAgeMs` old, and once a full read sees it, every run reads in
 * full until one finds the cluster idle again, so nothing flaps between reported and hidden.
 */
export class FullReads {
  /**
   * Set when ECS refused the shortcut's query (a filter it does not accept, a permission it lacks): the
   * process then reads everything every run, as it did before the shortcut, and the caller reports why once.
   */
  refused?: string;

  private readonly last = new Map<string, FullRead>();

  constructor(private readonly maxAgeMs: number = FULL_READ_INTERVAL_MS) {}

  /** True when the last full read of the cluster, recent enough, found it idle with these groups on these images. */
  trusts(clusterName: string, now: number, groups: readonly ObservedGroup[]): boolean {
    const last = this.idleRead(clusterName, now);
    if (last === undefined) return false;
    return groups.length === last.images.size && groups.every((g) => last.images.has(g.name) && last.images.get(g.name) === g.currentImageId);
  }

  /**
   * The launch template readings of the last full read, while it may be trusted (as in `trusts`): of the groups
   * on a template version with a literal image and no override templates. Only an idle check uses them.
   */
  templates(clusterName: string, now: number): ReadonlyMap<string, TemplateSource> | undefined {
    return this.idleRead(clusterName, now)?.templates;
  }

  /** A full read at `now` and what the plan made of it: `idle` when nothing is to be done and nothing is unseen. */
  record(clusterName: string, now: number, groups: readonly ObservedGroup[], idle: boolean): void {
    const templates = new Map<string, TemplateSource>();
    for (const g of groups) {
      const source = g.launchSource;
      if (idle && source.kind === 'launch-template' && source.overrides === undefined && source.resolvedVersion !== undefined
        && source.imageIdExpression !== undefined && ssmAliasParameter(source.imageIdExpression) === undefined) templates.set(g.name, source);
    }
    this.last.set(clusterName, { at: now, idle, images: new Map(groups.map((g) => [g.name, g.currentImageId])), templates });
  }

  private idleRead(clusterName: string, now: number): FullRead | undefined {
    const last = this.last.get(clusterName);
    if (this.refused !== undefined || last === undefined || !last.idle || now - last.at >= this.maxAgeMs || now < last.at) return undefined;
    return last;
  }
}

interface FullRead {
  readonly at: number;
  readonly idle: boolean;
  /** Group name -> the image it launched then. */
  readonly images: ReadonlyMap<string, string | undefined>;
  readonly templates: ReadonlyMap<string, TemplateSource>;
}
