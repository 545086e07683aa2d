import type { PluginKind } from '@sluice/sdk';
import type { Loggers } from '@sluice/logging';
import type { PluginRegistry } from '@sluice/plugins';
import { resolveConverterSpecs } from './converters.js';
import { errorHandlingConfig } from './error-handling.js';
import { topicCreationSpec, type TaskEvents, type TaskRuntime, type TaskSpec } from '@sluice/coordinator';
import { resolveTransformSpecs } from './transformation-chain.js';
import type { ActorHandle, TaskHostPool } from './task-host-pool.js';
import type { TaskWorkerSettings } from './worker-settings.js';
import type { TaskRunnerConfig, TaskRunnerEvent, TaskRunnerLogConfig } from './task-runner-config.js';

export interface HostedTaskRuntimeOptions {
  pool: TaskHostPool;
  plugins: PluginRegistry;
  worker: TaskWorkerSettings;
  log: TaskRunnerLogConfig;
  /** Where task runners' log lines go (the error handler's `errors.log.enable`). */
  loggers: Loggers;
}

/** Runs tasks as source or sink task runners on the task host threads. */
export class HostedTaskRuntime implements TaskRuntime {
  readonly #o: HostedTaskRuntimeOptions;
  readonly #handles = new Map<string, ActorHandle>();

  constructor(options: HostedTaskRuntimeOptions) {
    this.#o = options;
  }

  /** Which host thread runs each task (`connector-task` → thread). */
  placements(): Map<string, number> {
    return this.#o.pool.placements();
  }

  async startTask(spec: TaskSpec, events: TaskEvents): Promise<void> {
    const { worker, plugins } = this.#o;
    const sink = plugins.find(spec.plugin.className)?.descriptor.kind === 'sink';
    const find = (name: string, kinds: readonly PluginKind[]) => plugins.find(name, kinds)?.location;
    const config: TaskRunnerConfig = {
      connector: spec.connector,
      task: spec.task,
      taskConfig: spec.taskConfig,
      connectorConfig: spec.connectorConfig,
      plugin: spec.plugin,
      converters: resolveConverterSpecs({ worker, connector: spec.connectorConfig, find }),
      transforms: resolveTransformSpecs(spec.connectorConfig, find),
      errors: errorHandlingConfig(spec.connectorConfig, sink ? 'sink' : 'source'),
      topicCreation: sink ? undefined : topicCreationSpec(spec.connectorConfig),
      log: this.#o.log,
      offsetStorage: worker.offsetStorage,
      offsetFlushIntervalMs: worker.offsetFlushIntervalMs,
      offsetFlushTimeoutMs: worker.offsetFlushTimeoutMs,
      paused: spec.paused,
    };
    const handle = await this.#o.pool.startActor(
      {
        id: `${spec.connector}-${spec.task}`,
        module: runnerModule(sink ? 'sink-task-runner' : 'source-task-runner'),
        export: sink ? 'sinkTaskRunner' : 'sourceTaskRunner',
        config,
      },
      {
        onEvent: (payload) => {
          const event = payload as TaskRunnerEvent;
          if (event.type === 'running') events.onState('RUNNING');
          else if (event.type === 'paused') events.onState('PAUSED');
          else if (event.type === 'topic') events.onTopic(event.topic);
          else if (event.type === 'log') {
            const redact = (text: string) => events.redact?.(text) ?? text;
            const stack = event.stack === undefined ? undefined : redact(event.stack);
            this.#o.loggers.get(event.logger).error(redact(event.message), withStack(stack));
          }
        },
        onFailed: (error) => {
          this.#handles.delete(key(spec.connector, spec.task));
          events.onState('FAILED', error.stack ?? error.message);
        },
      },
    );
    this.#handles.set(key(spec.connector, spec.task), handle);
  }

  async stopTask(connector: string, task: number): Promise<void> {
    const handle = this.#handles.get(key(connector, task));
    if (handle === undefined) return;
    this.#handles.delete(key(connector, task));
    await handle.stop(this.#o.worker.taskShutdownGracefulTimeoutMs);
  }

  pauseTask(connector: string, task: number): void {
    this.#handles.get(key(connector, task))?.send({ type: 'pause' });
  }

  resumeTask(connector: string, task: number): void {
    this.#handles.get(key(connector, task))?.send({ type: 'resume' });
  }

  async close(): Promise<void> {
    await Promise.all(
      [...this.#handles.keys()].map((id) =>
        this.#handles.get(id)!.stop(this.#o.worker.taskShutdownGracefulTimeoutMs),
      ),
    );
    this.#handles.clear();
    await this.#o.pool.close();
  }
}

function key(connector: string, task: number): string {
  return `${connector}-${task}`;
}

/** A runner module next to this one: `.ts` from sources (tests), `.js` when built. */
function runnerModule(name: string): string {
  return new URL(`./${name}${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url).href;
}

/** An error that prints as `stack` (a trace that crossed the thread boundary as text). */
function withStack(stack: string | undefined): Error | undefined {
  if (stack === undefined) return undefined;
  const error = new Error(stack.split('\n', 1)[0]);
  error.stack = stack;
  return error;
}
