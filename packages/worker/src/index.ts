export { parseProperties } from '@sluice/config-providers';
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
export { sourceTaskRunner } from './runtime/source-task-runner.js';
export { sinkTaskRunner } from './runtime/sink-task-runner.js';
export {
  closeConverters,
  createConverters,
  resolveConverterSpecs,
  type ConverterSpec,
  type ConverterSpecs,
  type ResolveConvertersOptions,
  type TaskConverters,
} from './runtime/converters.js';
export type {
  TaskRunnerCommand,
  TaskRunnerConfig,
  TaskRunnerEvent,
  TaskRunnerLogConfig,
} from './runtime/task-runner-config.js';
export {
  errorHandlingConfig,
  ErrorHandler,
  ErrorHandlingError,
  SKIPPED,
  type ErrorHandlingConfig,
  type ErrorReporter,
  type ProcessingFailure,
  type Stage,
} from './runtime/error-handling.js';
export {
  resolveTransformSpecs,
  TransformationChain,
  type TransformSpec,
} from './runtime/transformation-chain.js';
