export { startSimulator, type Simulator, type SimulatorOptions, type RequestLogEntry, type SimulatorUser } from './server.js';
export type { FaultSpec } from './faults.js';
export { defaultSeed, type Seed, type SeedObject, type SeedField, type SeedUser, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET } from './schema.js';
export { idSuffix, to18, isValidId } from './ids.js';
