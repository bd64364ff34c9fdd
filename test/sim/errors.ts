/**
 * Errors shaped like the SDK v3 service exceptions: `name` is the AWS error code, `$fault` and
 * `$metadata.httpStatusCode` are set, so the engine's retry classification (`retry.ts`) treats them exactly
 * as it treats AWS's.
 */

export type SimService = 'ecs' | 'autoscaling' | 'ec2' | 'ssm' | 'cloudformation' | 'sns' | 'dynamodb';

export class SimAwsError extends Error {
  readonly $fault: 'client' | 'server';
  readonly $metadata: { readonly httpStatusCode: number; readonly requestId: string };
  /** The SDK sets this on throttling errors. */
  readonly $retryable?: { readonly throttling: boolean };
  /** Query protocols (Auto Scaling, EC2) also expose the code as `Code`. */
  readonly Code: string;

  constructor(name: string, message: string, httpStatusCode = 400, options: { throttling?: boolean } = {}) {
    super(message);
    this.name = name;
    this.Code = name;
    this.$fault = httpStatusCode >= 500 ? 'server' : 'client';
    this.$metadata = { httpStatusCode, requestId: 'sim-request' };
    if (options.throttling) this.$retryable = { throttling: true };
  }
}

/** The throttling error code each service answers with. */
export const THROTTLING_CODE: Record<SimService, string> = {
  ecs: 'ThrottlingException',
  autoscaling: 'Throttling',
  ec2: 'RequestLimitExceeded',
  ssm: 'ThrottlingException',
  cloudformation: 'Throttling',
  // Publish: "ThrottledException ... HTTP Status Code: 429" (SNS API Reference, Publish, Errors).
  sns: 'Throttled',
  // "ThrottlingException ... HTTP Status Code: 400" (DynamoDB API Reference, Common Errors).
  dynamodb: 'ThrottlingException',
};

/** A 5xx each service answers with. */
export const SERVER_ERROR_CODE: Record<SimService, string> = {
  ecs: 'ServerException',
  autoscaling: 'InternalFailure',
  ec2: 'InternalError',
  ssm: 'InternalServerError',
  cloudformation: 'InternalFailure',
  sns: 'InternalError',
  // "InternalServerError ... HTTP Status Code: 500" (DynamoDB API Reference, PutItem, Errors).
  dynamodb: 'InternalServerError',
};

const THROTTLING = new Set(Object.values(THROTTLING_CODE).concat(['Throttling', 'ThrottlingException', 'RequestLimitExceeded']));
const SERVER = new Set(Object.values(SERVER_ERROR_CODE).concat(['ServiceUnavailable', 'ServiceUnavailableException', 'InternalFailure']));

/** An error by code, with the status AWS would give it. */
export function awsError(name: string, message?: string, httpStatusCode?: number): SimAwsError {
  const throttling = THROTTLING.has(name);
  const status = httpStatusCode ?? (SERVER.has(name) ? (name.startsWith('ServiceUnavailable') ? 503 : 500) : throttling ? 400 : 400);
  return new SimAwsError(name, message ?? `${name} (injected by the simulator)`, status, { throttling });
}

export const ecsInvalidParameter = (message: string) => new SimAwsError('InvalidParameterException', message);
export const asgValidation = (message: string) => new SimAwsError('ValidationError', message);
export const ssmValidation = (message: string) => new SimAwsError('ValidationException', message);
