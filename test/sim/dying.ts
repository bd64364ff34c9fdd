/**
 * A process that dies at a chosen moment, for crash tests: `dyingApi(api, ...)` wraps the ports so that the
 * killing call, and every call after it, throws `ProcessKilled`. The killing call may be let through first
 * (`lands: true`: the write took effect but the process died before it saw the response) or not (it died
 * just before sending it). After that nothing reaches the cloud, as after a real crash.
 *
 * `ProcessKilled` carries no AWS error shape (`$metadata`, `$fault`), so the engine's retry classification
 * never retries it as a transient error.
 */
import type { VirtualClock } from './clock';
import type { AwsApi } from '../../src/aws/ports';
import { methodNames } from '../../src/aws/retry';

export class ProcessKilled extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProcessKilled';
  }
}

export interface DyingOptions {
  /**
   * Dies once this many writes have landed (their responses delivered): the next call of any kind fails.
   * 0 kills the first call. The write count is `writes()`.
   */
  readonly afterWrites?: number;
  /** The n-th call (1-based, reads included) is the killing call. */
  readonly atCall?: number;
  /** The k-th write (1-based) is the killing call. */
  readonly atWrite?: number;
  /** The first call at or after this virtual time is the killing call (needs `clock`). */
  readonly atTime?: number;
  readonly clock?: VirtualClock;
  /** Whether the killing call (of `atCall`, `atWrite`, `atTime`) takes effect before the process dies. Default false. */
  readonly lands?: boolean;
}

export interface DyingApi {
  readonly api: AwsApi;
  /** Calls made so far (the killing one included; refused later ones not). */
  calls(): number;
  /** Writes that landed. */
  writes(): number;
  /** Whether the process is dead, and which call killed it. */
  killed(): { readonly operation: string; readonly call: number; readonly landed: boolean } | undefined;
}

/** Port methods that change nothing: the rest are writes. */
export function isReadOperation(method: string): boolean {
  return /^(describe|list|get)/.test(method);
}

/** Own and inherited function properties (plain objects and class instances alike). */
const SERVICES = ['ecs', 'autoScaling', 'ec2', 'ssm', 'cloudFormation', 'dynamoDb', 'sns'] as const;

export function dyingApi(api: AwsApi, options: DyingOptions): DyingApi {
  const given = [options.afterWrites, options.atCall, options.atWrite, options.atTime].filter((x) => x !== undefined).length;
  if (given !== 1) throw new Error('dyingApi: give exactly one of afterWrites, atCall, atWrite, atTime');
  if (options.atTime !== undefined && !options.clock) throw new Error('dyingApi: atTime needs the clock');
  const lands = options.lands ?? false;
  let calls = 0;
  let writes = 0;
  let death: { operation: string; call: number; landed: boolean } | undefined;

  const wrapService = <S extends object>(serviceName: string, service: S): S => {
    const wrapped: Record<string, unknown> = {};
    for (const name of methodNames(service)) {
      const method = (service as Record<string, unknown>)[name];
      if (typeof method !== 'function') continue;
      const operation = `${serviceName}.${name}`;
      const write = !isReadOperation(name);
      wrapped[name] = async (input: unknown) => {
        if (death) throw new ProcessKilled(`process killed (at call ${death.call}, ${death.operation}); ${operation} not sent`);
        calls++;
        const killing = options.afterWrites !== undefined ? writes >= options.afterWrites
          : options.atCall !== undefined ? calls >= options.atCall
            : options.atWrite !== undefined ? write && writes + 1 >= options.atWrite
              : options.clock!.now() >= options.atTime!;
        if (!killing) {
          const result = await (method as (i: unknown) => Promise<unknown>).call(service, input);
          if (write) writes++;
          return result;
        }
        const land = lands && options.afterWrites === undefined;
        death = { operation, call: calls, landed: land };
        if (land) {
          // The call takes effect (its own AWS error, if any, is lost with the process).
          try {
            await (method as (i: unknown) => Promise<unknown>).call(service, input);
            if (write) writes++;
          } catch {
            // the process is dead: nobody sees this error
          }
        }
        throw new ProcessKilled(`process killed at call ${calls} (${operation}${land ? ', after it landed' : ', before it was sent'})`);
      };
    }
    return wrapped as S;
  };

  const wrappedApi = Object.fromEntries(SERVICES.filter((s) => api[s] !== undefined).map((s) => [s, wrapService(s, api[s]!)])) as unknown as AwsApi;
  return {
    api: wrappedApi,
    calls: () => calls,
    writes: () => writes,
    killed: () => death,
  };
}
