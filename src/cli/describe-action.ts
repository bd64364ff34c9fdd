/**
 * An action in words, for the plan and the progress lines: one describer per action kind, with EC2
 * instance ids instead of container instance ARNs. Pure.
 */
import { iso } from './time-text';
import type { Action } from '../engine/actions';
import type { ObservedCluster } from '../engine/model';

/** Container instance ARNs as EC2 instance ids (the ARN's last part when the instance is not observed). */
type Ids = (arns: readonly string[]) => string;

type Describer<K extends Action['kind']> = (action: Extract<Action, { readonly kind: K }>, ids: Ids) => string;

const maxTo = (raiseMaxTo: number | undefined) => (raiseMaxTo !== undefined ? `, max size -> ${raiseMaxTo}` : '');
const forcedText = (forced: boolean | undefined) => (forced ? ', forced after the drain timeout' : '');

const DESCRIBERS: { readonly [K in Action['kind']]: Describer<K> } = {
  'create-template-version': (a) =>
    `create version of launch template ${a.launchTemplateId} from version ${a.sourceVersion} with ${a.imageId}` +
    (a.use === 'default-version' ? ', make it the default' : a.use === 'group-version' ? ', point the group at it' : ''),
  'use-template-version': (a) => (a.use === 'default-version'
    ? `make version ${a.version} the default of launch template ${a.launchTemplateId}`
    : `point the group at version ${a.version} of launch template ${a.launchTemplateId}`),
  'start-batch': (a, ids) =>
    `start a rotation: desired capacity ${a.batch.base} -> ${a.batch.target}` +
    (a.containerInstanceArns.length > 0 ? `, mark ${ids(a.containerInstanceArns)} for replacement` : ', adopt the instances already marked') +
    maxTo(a.raiseMaxTo),
  'hold-az-rebalance': () => 'suspend AZRebalance again (the rotation\'s record says it is held)',
  'mark-more': (a, ids) => `mark ${ids(a.containerInstanceArns)} for replacement` +
    (a.raiseDesiredTo !== undefined ? `, desired capacity -> ${a.raiseDesiredTo}` : '') + maxTo(a.raiseMaxTo),
  'set-desired': (a) => `set desired capacity to ${a.desired}` + maxTo(a.raiseMaxTo),
  'drain': (a, ids) => `drain ${ids(a.containerInstanceArns)}`,
  'terminate': (a) => `terminate ${a.instanceId} (${a.runningTasks} running task(s)${forcedText(a.forced)})` +
    `${a.decrement === false ? ', its slot taken by the next replacement' : ''} and deregister it`,
  'finish-batch': (a) => 'finish the rotation' + (a.restoreMaxTo !== undefined ? `, max size back to ${a.restoreMaxTo}` : ''),
  'set-replace-before': (a) => `record the forced replacement of every instance launched before ${iso(a.before)}`,
  'clear-replace-before': () => 'clear the forced-replacement record (every instance is replaced)',
  'mark-failed-image': (a) => `record ${a.imageId} as failed and roll the group back from it`,
  'clear-failed-image': () => 'clear the failed-image record (the parameter names another image now)',
  'cordon': (a, ids) => `cordon ${ids(a.containerInstanceArns)} (no new task is placed there)`,
  'uncordon': (a, ids) => `uncordon ${ids(a.containerInstanceArns)}`,
  'unmark': (a, ids) => `release ${ids(a.containerInstanceArns)} from the abandoned rotation`,
  'start-unmanaged-replacement': (a) => `replace ${a.record.instanceId} (outside every group) through this group: mark it, desired capacity ` +
    `${a.record.base} -> ${a.record.base + 1}`,
  'terminate-unmanaged': (a) => `terminate ${a.instanceId} (outside every group; ${a.runningTasks} running task(s)` +
    `${forcedText(a.forced)}) and deregister it`,
  'finish-unmanaged-replacement': (a) => `finish the replacement of ${a.instanceId} (outside every group)` + (a.containerInstanceArn ? ', deregister it' : ''),
  'record-batch': (a) => (a.batch.canary?.soakUntil !== undefined
    ? `record the canaries' soak until ${iso(a.batch.canary.soakUntil)}`
    : a.batch.waitingSince !== undefined
      ? `record that drains wait for steady services since ${iso(a.batch.waitingSince)}`
      : 'record that drains no longer wait'),
  'stop-tasks': (a) => `stop standalone task(s) ${a.taskArns.map((arn) => arn.slice(arn.lastIndexOf('/') + 1)).join(', ')} on ${a.instanceId}`,
  'end-termination-wait': (a) => `let ${a.instanceId} terminate: complete its termination hook(s) ${a.hookNames.join(', ')} with CONTINUE` +
    (a.runningTasks > 0 ? ` (${a.runningTasks} task(s) still on it after the drain timeout)` : ''),
  'notify': (a) => `notify ${a.topicArn} that the rotation ${a.event}`,
  'switch-launch-configuration': (a) => `copy launch configuration ${a.sourceName} as ${a.name} with ${a.imageId}, point the group at it`,
  'delete-launch-configurations': (a) => `delete launch configuration(s) ${a.names.join(', ')}, made by the refresher and used by no group`,
  'clear-launch-configurations-unsupported': () => 'remove the record that this account refused launch configurations (the group is on a launch template now)',
  'prune-template-versions': (a) => `delete versions of launch template ${a.launchTemplateId} the refresher created, but the newest ${a.keep}, ` +
    `the default${a.inUse.length > 0 ? ` and those in use (${a.inUse.join(', ')})` : ''}`,
  'update-mixed-templates': (a) => `bring the mixed instances policy's templates to ${a.imageId}: ` + a.steps.map((st) => (st.reuseVersion !== undefined
    ? `${st.launchTemplateId} version ${st.reuseVersion} (${st.reference})`
    : `${st.launchTemplateId} new version from ${st.sourceVersion} (${st.reference})`)).join(', '),
};

/** An action in words, with EC2 instance ids instead of container instance ARNs. */
export function describeAction(action: Action, observed?: ObservedCluster): string {
  const ids: Ids = (arns) => {
    const byArn = new Map((observed?.containerInstances ?? []).map((c) => [c.containerInstanceArn, c.ec2InstanceId]));
    return arns.map((arn) => byArn.get(arn) || arn.slice(arn.lastIndexOf('/') + 1)).join(', ');
  };
  const describe = DESCRIBERS[action.kind] as (action: Action, ids: Ids) => string;
  return describe(action, ids);
}
