/**
 * Actions -> AWS writes, within each API's batch limits. A failing action stops the rest of its group's
 * actions for this round (they depend on it) and is reported; other groups go on. Each kind of action has
 * one handler (`HANDLERS`), kept with the others that write to the same service.
 */
import { TagKey } from '../../shared/constants';
import { describeError } from '../../shared/describe-error';
import { launchConfigurationPrefix } from '../../shared/launch-configuration-names';
import { Action } from '../actions';
import {
  clearFailedImage,
  clearLaunchConfigurationsUnsupported,
  clearReplaceBefore,
  finishBatch,
  finishUnmanagedReplacement,
  holdAzRebalance,
  markFailedImage,
  markMore,
  recordBatch,
  setDesiredCapacity,
  setReplaceBefore,
  startBatch,
  startUnmanagedReplacement,
  terminate,
} from './auto-scaling';
import { ActContext, Handler } from './context';
import { createTemplateVersion, pruneTemplateVersions, terminateUnmanaged, updateMixedTemplates, useTemplateVersion } from './ec2';
import { cordon, drain, stopTasks, uncordon, unmark } from './ecs';
import { deleteLaunchConfigurations, switchLaunchConfiguration } from './launch-configurations';
import { notify } from './notify';
import { RefusalOutcome, settleRefusal } from './refusals';

export type { ActContext } from './context';

/** One handler per kind of action: the compiler refuses a kind without one. */
const HANDLERS: { readonly [K in Action['kind']]: Handler<K> } = {
  // Auto Scaling: the group's records, capacity and instances.
  'start-batch': startBatch,
  'hold-az-rebalance': holdAzRebalance,
  'mark-more': markMore,
  'set-desired': setDesiredCapacity,
  'record-batch': recordBatch,
  'terminate': terminate,
  'finish-batch': finishBatch,
  'set-replace-before': setReplaceBefore,
  'clear-replace-before': clearReplaceBefore,
  'mark-failed-image': markFailedImage,
  'clear-failed-image': clearFailedImage,
  'clear-launch-configurations-unsupported': clearLaunchConfigurationsUnsupported,
  'start-unmanaged-replacement': startUnmanagedReplacement,
  'finish-unmanaged-replacement': finishUnmanagedReplacement,
  // Auto Scaling launch configurations.
  'switch-launch-configuration': switchLaunchConfiguration,
  'delete-launch-configurations': deleteLaunchConfigurations,
  // ECS: container instances and tasks.
  'drain': drain,
  'unmark': unmark,
  'cordon': cordon,
  'uncordon': uncordon,
  'stop-tasks': stopTasks,
  // EC2: launch templates, and instances outside every group.
  'create-template-version': createTemplateVersion,
  'use-template-version': useTemplateVersion,
  'update-mixed-templates': updateMixedTemplates,
  'prune-template-versions': pruneTemplateVersions,
  'terminate-unmanaged': terminateUnmanaged,
  // SNS.
  'notify': notify,
};

export interface ActionOutcome {
  readonly action: Action;
  readonly ok: boolean;
  readonly error?: string;
  /** A refusal that will not change on its own, and what was done about it (instances passed over, or the group stopped). */
  readonly refusal?: RefusalOutcome;
}

export async function act(context: ActContext, actions: readonly Action[]): Promise<ActionOutcome[]> {
  const outcomes: ActionOutcome[] = [];
  const failedGroups = new Set<string>();
  for (const action of actions) {
    if (failedGroups.has(action.group)) continue;
    try {
      await perform(context, action);
      outcomes.push({ action, ok: true });
    } catch (error) {
      // A cordon is best effort (without it a task may move twice; nothing is unsafe): the group goes on.
      // So is a notification: the rotation never waits on a topic (a later round or run publishes it again).
      if (action.kind !== 'cordon' && action.kind !== 'uncordon' && action.kind !== 'notify') failedGroups.add(action.group);
      const refusal = await settleRefusal(context, action, error);
      outcomes.push({ action, ok: false, error: describeError(error) + accessHint(action, error), ...(refusal ? { refusal } : {}) });
    }
  }
  return outcomes;
}

/** An access error on a launch template or group usually means a missing cluster tag: say so. */
function accessHint(action: Action, error: unknown): string {
  if (!/AccessDenied|UnauthorizedOperation|not authorized/i.test(describeError(error))) return '';
  if (action.kind === 'notify') {
    return ' (the refresher may publish only to the construct\'s notificationTopic, and use the topic\'s KMS key only when the key is ' +
      'defined in the same CDK app or granted to refresher.role, and the key policy lets IAM policies grant its use)';
  }
  if (action.kind === 'terminate-unmanaged') {
    return ` (the refresher may terminate an instance outside every group only when it carries ${TagKey.CLUSTER}=<cluster name> and no aws:autoscaling:groupName tag)`;
  }
  if (action.kind === 'switch-launch-configuration' || action.kind === 'delete-launch-configurations') {
    return ' (the refresher may create and delete only launch configurations named ' +
      `${launchConfigurationPrefix('<cluster name>')}*, and switch only groups given to the construct or tagged ${TagKey.CLUSTER}=<cluster name>)`;
  }
  if (action.kind === 'create-template-version' || action.kind === 'use-template-version' || action.kind === 'update-mixed-templates'
    || action.kind === 'prune-template-versions') {
    return ` (the refresher may change a launch template only when it is tagged ${TagKey.CLUSTER}=<cluster name>, or belongs to a group defined in the same CDK app)`;
  }
  return ` (the refresher may change group ${action.group} only when it is given to the construct or tagged ${TagKey.CLUSTER}=<cluster name>)`;
}

async function perform(context: ActContext, action: Action): Promise<void> {
  // The table pairs each kind with its handler; TypeScript cannot follow that pairing through an index.
  const handler = HANDLERS[action.kind] as (context: ActContext, action: Action) => Promise<void>;
  return handler(context, action);
}
