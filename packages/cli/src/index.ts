export { main } from './main.js';
export {
  envNameToProperty,
  workerPropertiesFromEnv,
  type EnvProperties,
  type SkippedVariable,
} from './env-config.js';
export { resolveWorkerConfig, type InternalTopic, type WorkerConfig } from './worker-config.js';
