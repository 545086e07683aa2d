export { parseProperties } from './config/properties.js';
export {
  resolveWorkerConfig,
  type InternalTopic,
  type Listener,
  type WorkerConfig,
} from './config/worker-config.js';
export { Worker, type BoundListener } from './worker.js';
export { SLUICE_VERSION } from './version.js';
export type { Actor, ActorContext, ActorFactory } from './runtime/actor.js';
export {
  TaskHostPool,
  type ActorHandle,
  type ActorHandlers,
  type ActorSpec,
  type BlockedEvent,
  type TaskHostPoolOptions,
} from './runtime/task-host-pool.js';
