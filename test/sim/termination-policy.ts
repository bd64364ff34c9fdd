/**
 * The default termination policy: which instance Auto Scaling terminates when it picks one itself (a scale-in
 * after SetDesiredCapacity or UpdateAutoScalingGroup lowered the group, and the terminations of a rebalancing
 * activity).
 *
 * "Configure termination policies for Amazon EC2 Auto Scaling", "How the default termination policy works":
 * keeping the zones balanced comes before the policy, so Auto Scaling first finds the zone (or zones) with the
 * most instances and at least one instance not protected from scale in, then, among the unprotected instances
 * of that zone, looks for outdated configurations: for a launch template group, first instances launched from
 * a launch configuration, then from another launch template than the current one, then from the oldest
 * version of the current template; for a launch configuration group, the oldest launch configuration. Among
 * several, or none outdated, the instance closest to the next billing hour; among equals, one at random.
 * https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-termination-policies.html
 * A mixed instances group first aligns the remaining instances with its allocation strategy; the simulator's
 * mixed groups are all On-Demand with no priority order, so that step never separates two instances here.
 * Ties between zones with as many instances are not ordered by the page: drawn at random.
 */
import { countsInZone } from './availability-zones';
import type { SimGroup, SimInstance, SimLaunchConfiguration } from './model';
import { Random } from './random';

const HOUR_MS = 3600_000;

/** What the policy reads besides the group: the clock, the launch configurations' ages, a random stream. */
export interface PolicyContext {
  readonly now: number;
  readonly random: Random;
  readonly launchConfigurations: ReadonlyMap<string, SimLaunchConfiguration>;
}

/**
 * The next instance the default policy terminates among `candidates` (the unprotected instances it may take),
 * with zones counted over the group's instances minus `leaveOut` (the ones already picked, or a rebalancing
 * activity's own launches). Undefined when no candidate is left.
 */
export function nextVictim(
  group: SimGroup,
  candidates: readonly SimInstance[],
  leaveOut: ReadonlySet<SimInstance>,
  ctx: PolicyContext,
): SimInstance | undefined {
  const open = candidates.filter((c) => !leaveOut.has(c));
  if (open.length === 0) return undefined;
  const counts = new Map<string, number>();
  for (const i of group.instances.values()) {
    if (countsInZone(i) && !leaveOut.has(i)) counts.set(i.availabilityZone, (counts.get(i.availabilityZone) ?? 0) + 1);
  }
  const zones = [...new Set(open.map((c) => c.availabilityZone))];
  const most = Math.max(...zones.map((z) => counts.get(z) ?? 0));
  const zone = ctx.random.pick(zones.filter((z) => (counts.get(z) ?? 0) === most));
  let pool = open.filter((c) => c.availabilityZone === zone);
  pool = lowest(pool, (c) => configurationAge(group, c, ctx));
  pool = lowest(pool, (c) => toNextBillingHour(c, ctx.now));
  return ctx.random.pick(pool);
}

/** Up to `n` victims, picked one after another (each pick changes the zone counts the next one sees). */
export function pickVictims(group: SimGroup, candidates: readonly SimInstance[], n: number, ctx: PolicyContext): SimInstance[] {
  const picked = new Set<SimInstance>();
  for (let k = 0; k < n; k++) {
    const victim = nextVictim(group, candidates, picked, ctx);
    if (!victim) break;
    picked.add(victim);
  }
  return [...picked];
}

/**
 * How outdated the instance's configuration is, lower first: for a launch template group, a launch
 * configuration (0), another template (1), then the current template by version number (2 + a fraction
 * growing with the version); for a launch configuration group, its configuration's creation time.
 */
export function configurationAge(group: SimGroup, instance: SimInstance, ctx: PolicyContext): number {
  if (!group.launchTemplate) {
    if (!instance.launchConfigurationName) return -Infinity; // launched from a template: not the group's configuration
    return ctx.launchConfigurations.get(instance.launchConfigurationName)?.createdAt ?? -Infinity;
  }
  if (!instance.templateId) return 0;
  const overrides = (group.mixedInstancesPolicy?.overrides ?? []).flatMap((o) => (o.launchTemplate ? [o.launchTemplate.id] : []));
  const current = new Set([group.launchTemplate.id, ...overrides]);
  if (!current.has(instance.templateId)) return 1;
  const version = Number(instance.templateVersion ?? 0);
  return 2 + version / (version + 1);
}

/** Milliseconds until the instance completes its next full hour since launch (smaller: closer). */
export function toNextBillingHour(instance: SimInstance, now: number): number {
  const into = (now - instance.launchTime) % HOUR_MS;
  return HOUR_MS - (into < 0 ? into + HOUR_MS : into);
}

function lowest<T>(items: readonly T[], key: (item: T) => number): T[] {
  const best = Math.min(...items.map(key));
  return items.filter((i) => key(i) === best);
}
