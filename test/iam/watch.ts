/** Every engine call a simulation records, mapped to the IAM requests AWS authorizes for it, as it is made. */
import { requestsFor, IamRequest, simWorld, SimWorldOptions } from './requests';
import { RecordedCall, Simulation } from '../sim';

/** A recorded call and the IAM requests it maps to, read from the cloud at the moment it was made. */
export interface MappedCall {
  readonly call: RecordedCall;
  readonly requests: IamRequest[];
  readonly error?: string;
}

/** Maps every call as the recorder sees it, at the moment it is made (tags as they were then). */
export function watch(sim: Simulation, options: SimWorldOptions = {}): { mapped: MappedCall[]; stop(): void } {
  const mapped: MappedCall[] = [];
  const recorder = sim.recorder;
  const original = recorder.record.bind(recorder);
  recorder.record = (service, operation, at, input) => {
    const call = original(service, operation, at, input);
    try {
      mapped.push({ call, requests: requestsFor(call, simWorld(sim.cloud, options)) });
    } catch (error) {
      mapped.push({ call, requests: [], error: (error as Error).message });
    }
    return call;
  };
  return { mapped, stop: () => { recorder.record = original; } };
}

