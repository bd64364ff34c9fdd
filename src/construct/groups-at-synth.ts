/**
 * What depends on the capacity providers of the app, resolved at synth instead of when the refresher is made:
 * the cluster tag on their groups, the role's statements (their launch templates and instance roles), the
 * environment's map of known providers, and the checks of the groups against the props. A refresher made
 * before `cluster.addAsgCapacityProvider(...)` is then the same as one made after it.
 *
 * The pattern is aws-cdk's own for what is only known once the app is complete: an aspect on the construct,
 * of mutating priority, as ecs.Cluster associates its capacity providers and iam.Role splits its policy.
 * Aspects run before anything is resolved, and this one visits the refresher before its role and function.
 */
import { AspectPriority, Aspects, IAspect, Stack, aws_iam as iam } from 'aws-cdk-lib';
import { Construct, IConstruct } from 'constructs';
import { checkGroups } from './group-checks';
import { AppGroups, appGroups, RefresherGroups, tagKnownGroups } from './groups';
import { rotatorStatements, statementInputs } from './iam/rotator-policy';
import { EcsAmiRefresherProps } from './props';
import { Settings } from './validation';

export interface GroupsAtSynthInputs {
  readonly props: EcsAmiRefresherProps;
  readonly groups: RefresherGroups;
  readonly settings: Settings;
  readonly role: iam.Role;
  /** The cluster's lease table (lease-table.ts). */
  readonly leaseTableArn: string;
}

export class GroupsAtSynth implements IAspect {
  private resolved: AppGroups | undefined;

  constructor(private readonly refresher: Construct, private readonly inputs: GroupsAtSynthInputs) {
    Aspects.of(refresher).add(this, { priority: AspectPriority.MUTATING });
  }

  /** The groups of the app: as resolved at synth, or (asked before, e.g. by an early `resolve`) as they are now. */
  public get groups(): AppGroups {
    return this.resolved ?? appGroups(this.inputs.groups, this.inputs.props.cluster);
  }

  /** The capacity providers this app associates with the cluster, by name, to their groups' names (for the engine). */
  public knownCapacityProviders(): Record<string, string> {
    return Object.fromEntries(this.groups.appProviders.map((p) => [p.capacityProviderName, p.autoScalingGroup.autoScalingGroupName]));
  }

  public visit(node: IConstruct): void {
    // Once, on the refresher itself: a second synthesis of the same app finds it done.
    if (node !== this.refresher || this.resolved) return;
    const { props, groups, settings, role, leaseTableArn } = this.inputs;
    const resolved = appGroups(groups, props.cluster);
    this.resolved = resolved;
    tagKnownGroups(resolved, props.cluster);
    const statements = rotatorStatements(statementInputs(Stack.of(this.refresher), props, { ...groups, ...resolved }, settings, leaseTableArn));
    for (const statement of statements) role.addToPrincipalPolicy(statement);
    checkGroups(this.refresher, resolved.knownGroups, settings);
  }
}
