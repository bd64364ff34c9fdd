/**
 * Evaluates IAM requests against a synthesized policy with @cloud-copilot/iam-simulate (identity policy
 * only: the rotator's role has no permission boundary, and none of the resources involved has a resource
 * policy that could grant more — except a KMS key, whose key policy must allow too: its request carries it).
 */
import { runSimulation, runUnsafeSimulation, Simulation } from '@cloud-copilot/iam-simulate';
import { ACCOUNT, PolicyDocument } from './policy';
import type { IamRequest } from './requests';

export type Decision = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

export interface Evaluation {
  readonly decision: Decision;
  /** Context keys the simulator dropped because the SAR does not list them for this action and resource. */
  readonly ignoredContextKeys: readonly string[];
}

/** The rotator's execution role, as the Lambda's session presents it. */
const PRINCIPAL = `arn:aws:iam::${ACCOUNT}:role/IamEval-RefresherRole`;

/**
 * Real ARNs whose shape the SAR's resource-type patterns do not admit, so the simulator refuses them as "no
 * resource type": public SSM parameters (`arn:aws:ssm:<region>::parameter/aws/service/...`, no account: the
 * SAR pattern has `${Account}`) and container instances in the old ARN format
 * (`arn:aws:ecs:<region>:<account>:container-instance/<id>`, no cluster name; see "Amazon Resource Names
 * (ARNs) and IDs" in the ECS Developer Guide, which is why the policy scopes them with ecs:cluster).
 */
const UNMODELLED_ARNS = [
  /^arn:aws:ssm:[a-z0-9-]+::parameter\/aws\/service\//,
  /^arn:aws:ecs:[a-z0-9-]+:\d{12}:container-instance\/[0-9a-f]{32}$/,
];

export class PolicyEvaluator {
  private readonly cache = new Map<string, Promise<Evaluation>>();
  /** Resources evaluated without the simulator's resource-type check (UNMODELLED_ARNS). */
  readonly unchecked = new Set<string>();
  /** Distinct requests evaluated. */
  get size(): number {
    return this.cache.size;
  }

  constructor(readonly name: string, readonly document: PolicyDocument) {}

  evaluate(request: IamRequest): Promise<Evaluation> {
    const key = JSON.stringify([
      request.action, request.resource, Object.entries(request.context).sort(([a], [b]) => a.localeCompare(b)), request.resourcePolicy ?? null,
    ]);
    let found = this.cache.get(key);
    if (!found) {
      found = this.run(request);
      this.cache.set(key, found);
    }
    return found;
  }

  private async run(request: IamRequest): Promise<Evaluation> {
    const simulation: Simulation = {
      request: {
        principal: PRINCIPAL,
        action: request.action,
        // Every resource is treated as the caller's account's: public images and parameters (empty account
        // field in the ARN) are usable by any account without a resource policy.
        resource: { resource: request.resource, accountId: ACCOUNT },
        contextVariables: { ...request.context },
      },
      identityPolicies: [{ name: this.name, policy: this.document }],
      ...(request.resourcePolicy !== undefined ? { resourcePolicy: request.resourcePolicy } : {}),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    };
    const response = await runSimulation(simulation, { simulationMode: 'Strict' });
    if (response.resultType === 'error' && response.errors.message === 'no.resource.types' && UNMODELLED_ARNS.some((re) => re.test(request.resource))) {
      // ARNs AWS uses that the SAR's resource patterns do not admit (see UNMODELLED_ARNS): the same evaluation
      // without the simulator's resource-type check. The policy itself was validated by the checked runs.
      this.unchecked.add(request.resource);
      return { decision: runUnsafeSimulation(simulation, { simulationMode: 'Strict' }) as Decision, ignoredContextKeys: [] };
    }
    if (response.resultType === 'error') {
      throw new Error(`the simulator refused ${describe(request)}: ${response.errors.message} ${JSON.stringify(response.errors)}`);
    }
    if (response.resultType !== 'single') {
      throw new Error(`${describe(request)}: expected one evaluation, got ${response.resultType} (a wildcard in the resource?)`);
    }
    return { decision: response.overallResult as Decision, ignoredContextKeys: response.result.ignoredContextKeys ?? [] };
  }
}

export function describe(request: IamRequest): string {
  return `${request.action} on ${request.resource} with ${JSON.stringify(request.context)}${request.reason === 'call' ? '' : ` (${request.reason})`}`;
}
