/**
 * `@sluice/worker`: the data plane. Task host threads (a Piscina pool of long-lived hosts carrying many
 * task actors), the source and sink task runners, converters, transforms and error handling, and the
 * `TaskRuntime` the control plane runs tasks through.
 */
export type { Actor, ActorContext, ActorFactory, ActorLease } from './runtime/actor.js';
export {
  describeThreadLoss,
  TaskHostPool,
  type ActorHandle,
  type ActorHandlers,
  type ActorSpec,
  type TaskHostPoolOptions,
  type ThreadLostEvent,
} from './runtime/task-host-pool.js';
export { HostedTaskRuntime, type HostedTaskRuntimeOptions } from './runtime/hosted-task-runtime.js';
export type { TaskWorkerSettings } from './runtime/worker-settings.js';
export { sourceTaskRunner } from './runtime/source-task-runner.js';
export {
  sinkTaskRunner,
  sinkTaskRunnerWith,
  type SinkTaskRunnerOptions,
} from './runtime/sink-task-runner.js';
export {
  sinkFetchSettings,
  sinkGroupTiming,
  type SinkFetchSettings,
  type SinkGroupTiming,
} from './runtime/sink-group.js';
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
