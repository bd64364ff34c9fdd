/**
 * Which outdated instance a mark takes first, so that the group stays balanced across its Availability Zones.
 *
 * Why: while a batch is in flight the engine holds AZRebalance and terminates the instances it drained with
 * decrement. Auto Scaling launches each replacement into the zone with the fewest instances, but the engine
 * picks which instances go. If those leave the zones unbalanced, resuming AZRebalance at the batch's end makes
 * Auto Scaling rebalance: "It first calls Launch, and then Terminate" ("How suspended processes affect other
 * processes", Amazon EC2 Auto Scaling User Guide), and the instances it terminates are chosen by the default
 * termination policy (the zone with the most instances first, "Configure termination policies"), not by the
 * engine, so nobody drained them and their tasks die.
 * https://docs.aws.amazon.com/autoscaling/ec2/userguide/understand-how-suspending-processes-affects-other-processes.html
 * https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-termination-policies.html
 *
 * The engine therefore takes its victims the way the termination policy would: from the zone with the most
 * live, unmarked members, one at a time. The alternative, restoring the balance before resuming (an extra
 * replacement per unbalanced zone), costs instance replacements the rotation otherwise does not need; taking
 * from the fullest zone costs nothing, as any outdated instance has to go anyway. Among instances of a zone
 * the order given (the drain order: fewest tasks first) is kept. Members whose zone is not reported keep their
 * place after the zoned ones.
 */
import { isAlive } from '../members';
import { GroupInstance, ObservedGroup } from '../model';

/** `candidates` (EC2 ids, in preference order) reordered fullest zone first; `marked` are already going. */
export function balancedOrder(members: readonly GroupInstance[], candidates: readonly string[], marked: ReadonlySet<string>): string[] {
  const zoneOf = new Map(members.map((m) => [m.instanceId, m.availabilityZone]));
  const counts = new Map<string, number>();
  for (const m of members) {
    if (!m.availabilityZone || !isAlive(m.lifecycleState) || marked.has(m.instanceId)) continue;
    counts.set(m.availabilityZone, (counts.get(m.availabilityZone) ?? 0) + 1);
  }
  const left = candidates.filter((id) => zoneOf.get(id) !== undefined);
  const order: string[] = [];
  while (left.length > 0) {
    let best = 0;
    for (let k = 1; k < left.length; k++) {
      if ((counts.get(zoneOf.get(left[k])!) ?? 0) > (counts.get(zoneOf.get(left[best])!) ?? 0)) best = k;
    }
    const [id] = left.splice(best, 1);
    const zone = zoneOf.get(id)!;
    counts.set(zone, (counts.get(zone) ?? 0) - 1);
    order.push(id);
  }
  return [...order, ...candidates.filter((id) => zoneOf.get(id) === undefined)];
}

/**
 * A batch whose marks are all gone left the zones unbalanced (Auto Scaling placed a replacement in a zone tied
 * for fewest that the marks did not come from; the guide does not say how such ties are broken): before
 * AZRebalance is resumed, one more member of the fullest zone is replaced the engine's way. Its replacement
 * launches into the zone with the fewest instances ("How suspended processes affect other processes": with
 * AZRebalance suspended a scale-out still launches into the zone with the fewest), it is drained and then
 * terminated, so each such step narrows the spread by one until resuming finds nothing to move. Returns the
 * EC2 id to mark, or undefined when the group is balanced (or its zones are not reported).
 */
export function balancingVictim(group: ObservedGroup, members: readonly GroupInstance[]): string | undefined {
  if (!group.availabilityZones || group.availabilityZones.length < 2) return undefined;
  const counts = new Map<string, number>(group.availabilityZones.map((z) => [z, 0]));
  const inService = members.filter((m) => m.lifecycleState === 'InService' && m.availabilityZone !== undefined && counts.has(m.availabilityZone));
  if (inService.length !== members.filter((m) => isAlive(m.lifecycleState)).length) return undefined; // still launching
  for (const m of inService) counts.set(m.availabilityZone!, counts.get(m.availabilityZone!)! + 1);
  const max = Math.max(...counts.values());
  if (max - Math.min(...counts.values()) <= 1) return undefined;
  return inService.find((m) => counts.get(m.availabilityZone!) === max)?.instanceId;
}
