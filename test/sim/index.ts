/** The simulator's public surface for engine, IAM and benchmark tests. */
export { createSimApi, simAwsApi } from './api';
export type { SimApiOptions, SimAwsApi } from './api';
export { DEFAULT_START, VirtualClock } from './clock';
export { Cloud, DEFAULT_TIMING, SCALING_PROCESSES } from './cloud';
export type { CloudListener, CloudOptions, CloudTiming, ManagedScalingOptions, Seconds, SimTopic } from './cloud';
export { dyingApi, isReadOperation, ProcessKilled } from './dying';
export type { DyingApi, DyingOptions } from './dying';
export { awsError, SimAwsError } from './errors';
export { Faults } from './faults';
export type { ApiFault, LaunchFault, RegisterFault } from './faults';
export { Invariants } from './invariants';
export type { GroupLow, ServiceLow, TerminationViolation } from './invariants';
export * from './model';
export { Random } from './random';
export { batchSizeOf, Recorder } from './recorder';
export type { RecordedCall } from './recorder';
export { buildScenario, imageName } from './scenario';
export type { FamilyImages, GroupSpec, ScenarioSpec, ScenarioTiming, ServiceSpec, Simulation, UngroupedSpec } from './scenario';
