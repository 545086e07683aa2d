export { parseProperties } from './config/properties.js';
export {
  resolveWorkerConfig,
  type InternalTopic,
  type Listener,
  type WorkerConfig,
} from './config/worker-config.js';
export { Worker, type BoundListener } from './worker.js';
export { SLUICE_VERSION } from './version.js';
