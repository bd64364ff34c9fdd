/**
 * Fault injection: API errors per operation (throttling, 5xx, any code; a number of times, after a number of
 * good calls, always; before the call takes effect or after it, as a lost response), a per-operation rate
 * limit, and capacity faults (launches that fail, instances whose ECS agent never registers).
 */
import { awsError, SERVER_ERROR_CODE, SimAwsError, SimService, THROTTLING_CODE } from './errors';

export interface ApiFault {
  /** The error code to throw, e.g. `ThrottlingException`, `ServerException`, `ValidationError`. */
  readonly error: string;
  readonly message?: string;
  /** HTTP status; defaults from the code (5xx for server errors, 400 otherwise). */
  readonly status?: number;
  /** How many calls fail; absent (or `Infinity`) means every call from now on. */
  readonly times?: number;
  /** Matching calls to let through first. */
  readonly after?: number;
  /** Only calls whose input matches. */
  readonly when?: (input: unknown) => boolean;
  /**
   * `before` (default): the call fails and changes nothing. `after`: the call takes effect, then the caller
   * sees the error, as when a response is lost; idempotency is tested with it.
   */
  readonly phase?: 'before' | 'after';
}

interface ActiveFault {
  readonly fault: ApiFault;
  remaining: number;
  skip: number;
  fired: number;
}

export interface LaunchFault {
  /** Only this group's launches; absent means every group. */
  readonly group?: string;
  /** Launches that fail; absent means every launch from now on. */
  readonly times?: number;
  /** The failure's status message, as an Auto Scaling activity would give it. */
  readonly reason?: string;
}

export interface RegisterFault {
  readonly group?: string;
  /** Only instances launched from this image (a "bad AMI"). */
  readonly imageId?: string;
  /** Instances that never register; absent means all of them. */
  readonly times?: number;
}

interface Counted<T> {
  readonly spec: T;
  remaining: number;
}

export class Faults {
  private readonly api = new Map<string, ActiveFault[]>();
  private readonly rateLimits = new Map<string, { readonly perSecond: number; readonly times: number[] }>();
  private readonly launches: Counted<LaunchFault>[] = [];
  private readonly registrations: Counted<RegisterFault>[] = [];
  /** Injected API errors thrown so far, per operation. */
  readonly firedByOperation: Record<string, number> = {};

  /**
   * `inject('ecs:describeContainerInstances', { times: 3, error: 'ThrottlingException' })`. Several faults on
   * one operation apply in the order given.
   */
  inject(operation: string, fault: ApiFault): this {
    const list = this.api.get(operation) ?? [];
    list.push({ fault, remaining: fault.times ?? Infinity, skip: fault.after ?? 0, fired: 0 });
    this.api.set(operation, list);
    return this;
  }

  /** The service's own throttling code, `times` times. */
  throttle(operation: string, times = 1): this {
    return this.inject(operation, { error: THROTTLING_CODE[serviceOf(operation)], times });
  }

  /** The service's own 5xx, `times` times. */
  serverError(operation: string, times = 1): this {
    return this.inject(operation, { error: SERVER_ERROR_CODE[serviceOf(operation)], times });
  }

  /** Every call fails with `error` until `clear(operation)`. */
  alwaysFail(operation: string, error: string, message?: string): this {
    return this.inject(operation, { error, message });
  }

  /**
   * Throttles calls beyond `perSecond` in any second of virtual time, for one operation or a service prefix
   * (`ec2:`) or `*`, like AWS's token buckets (simplified to a sliding window).
   */
  rateLimit(operationOrPrefix: string, perSecond: number): this {
    this.rateLimits.set(operationOrPrefix, { perSecond, times: [] });
    return this;
  }

  failLaunches(fault: LaunchFault = {}): this {
    this.launches.push({ spec: fault, remaining: fault.times ?? Infinity });
    return this;
  }

  neverRegister(fault: RegisterFault = {}): this {
    this.registrations.push({ spec: fault, remaining: fault.times ?? Infinity });
    return this;
  }

  /** Removes API faults (of one operation, or all) and, without an operation, every other fault too. */
  clear(operation?: string): void {
    if (operation) {
      this.api.delete(operation);
      this.rateLimits.delete(operation);
      return;
    }
    this.api.clear();
    this.rateLimits.clear();
    this.launches.length = 0;
    this.registrations.length = 0;
  }

  /** @internal The error a call should fail with, in this phase, if any. */
  apiFault(operation: string, input: unknown, phase: 'before' | 'after', now: number): SimAwsError | undefined {
    if (phase === 'before') {
      const limited = this.rateLimited(operation, now);
      if (limited) return this.fire(operation, limited);
    }
    const list = this.api.get(operation);
    if (!list) return undefined;
    for (const active of list) {
      if ((active.fault.phase ?? 'before') !== phase) continue;
      if (active.remaining <= 0) continue;
      if (active.fault.when && !active.fault.when(input)) continue;
      if (active.skip > 0) {
        active.skip--;
        continue;
      }
      active.remaining--;
      active.fired++;
      return this.fire(operation, awsError(active.fault.error, active.fault.message, active.fault.status));
    }
    return undefined;
  }

  /** @internal Whether this launch fails (consumes one count), and why. */
  launchFails(group: string): string | undefined {
    for (const f of this.launches) {
      if (f.remaining <= 0 || (f.spec.group && f.spec.group !== group)) continue;
      f.remaining--;
      return f.spec.reason ?? 'InsufficientInstanceCapacity: We currently do not have sufficient capacity in the Availability Zone you requested (injected)';
    }
    return undefined;
  }

  /** @internal Whether this instance's agent never registers (consumes one count). */
  registrationFails(group: string | undefined, imageId: string): boolean {
    for (const f of this.registrations) {
      if (f.remaining <= 0) continue;
      if (f.spec.group && f.spec.group !== group) continue;
      if (f.spec.imageId && f.spec.imageId !== imageId) continue;
      f.remaining--;
      return true;
    }
    return false;
  }

  private fire(operation: string, error: SimAwsError): SimAwsError {
    this.firedByOperation[operation] = (this.firedByOperation[operation] ?? 0) + 1;
    return error;
  }

  private rateLimited(operation: string, now: number): SimAwsError | undefined {
    for (const [key, limit] of this.rateLimits) {
      if (!(key === '*' || key === operation || (key.endsWith(':') && operation.startsWith(key)))) continue;
      while (limit.times.length > 0 && now - limit.times[0] >= 1000) limit.times.shift();
      if (limit.times.length >= limit.perSecond) {
        return awsError(THROTTLING_CODE[serviceOf(operation)], `Rate exceeded (${limit.perSecond}/s, simulated)`);
      }
      limit.times.push(now);
    }
    return undefined;
  }
}

export function serviceOf(operation: string): SimService {
  const prefix = operation.slice(0, operation.indexOf(':'));
  if (prefix === 'ecs' || prefix === 'autoscaling' || prefix === 'ec2' || prefix === 'ssm' || prefix === 'cloudformation' || prefix === 'dynamodb') return prefix;
  throw new Error(`unknown service in operation '${operation}' (expected ecs:, autoscaling:, ec2:, ssm:, cloudformation: or dynamodb:)`);
}
