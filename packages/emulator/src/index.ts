export type { CallFilter, CallRecord } from './call-log.js';
export { createClock, mulberry32 } from './clock.js';
export { manifestDigest, numberedManifest } from './ecr/manifest.js';
export type { EcsControl } from './ecs/index.js';
export type {
  AlarmState,
  EmulatorControl,
  EmulatorSettings,
  EmulatorState,
  ServiceName,
} from './emulator.js';
export type { Fault, FaultKind, FaultSpec } from './faults.js';
export type { BerthEnvironment, BerthPolicy } from './iam/berth-policies.js';
export type { BerthSessionAnswer } from './iam/berth-session.js';
export { encodeQueryError, parseQueryBody } from './protocol.js';
export { runningEmulatorUrls } from './running.js';
export { loadScenario, mergeScenario, ScenarioError, validateScenario } from './scenario.js';
export { type EmulatorOptions, type RunningEmulator, startEmulator } from './server.js';
export { decodeJwt, makeUnsignedJwt } from './sts/index.js';
export * from './world.js';
