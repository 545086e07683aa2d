import type { PluginKind } from '@sluice/sdk';
import type { Loggers } from '@sluice/logging';
import type { PluginRegistry } from '@sluice/plugins';
import { resolveConverterSpecs } from './converters.js';
import { errorHandlingConfig } from './error-handling.js';
import {
  topicCreationSpec,
  type TaskEvents,
  type TaskRuntime,
  type TaskSpec,
  type TaskStopOptions,
} from '@sluice/coordinator';
import { resolveTransformSpecs } from './transformation-chain.js';
import { sinkFetchSettings, sinkGroupTiming } from './sink-group.js';
import type { ActorHandle, TaskHostPool } from './task-host-pool.js';
import type { TaskWorkerSettings } from './worker-settings.js';
import {
  within,
  type TaskRunnerCommand,
  type TaskRunnerConfig,
  type TaskRunnerEvent,
  type TaskRunnerLogConfig,
} from './task-runner-config.js';

export interface HostedTaskRuntimeOptions {
  pool: TaskHostPool;
  plugins: PluginRegistry;
  worker: TaskWorkerSettings;
  log: TaskRunnerLogConfig;
  /** Where task runners' log lines go (the error handler's `errors.log.enable`). */
  loggers: Loggers;
}

interface RunningTask {
  handle: ActorHandle;
  /** The target state the control plane last asked for: a task restarted on another thread keeps it. */
  target: { paused: boolean };
}

/**
 * Runs tasks as source or sink task runners on the task host threads.
 *
 * **The lease** ({@link HostedTaskRuntime.setLease}) fences every task of this worker at once: while it
 * has run out, no task polls or fetches, produces, creates topics, writes source offsets, writes to its
 * DLQ, hands records to `put`, calls `preCommit` (the sink's flush) or commits group offsets. Each of these
 * is preceded by a synchronous check; a task that finds the lease run out waits (bounded waits that end
 * as soon as the lease is set again) and carries on once it is extended, or, told to stop, stops without
 * those writes: records not acknowledged and offsets not written are replayed by the next owner. Status,
 * topic and log events still flow: the control plane decides what to do with them. A pause asked for
 * while fenced takes effect once the lease is back (nothing moves meanwhile anyway). On Kafka the lease is
 * checked once more as each state-changing request is written to a task's socket (`LeaseGate.wireState`):
 * a call that passed the check can reach the wire much later (behind a request in flight, after a metadata
 * lookup, as the client's retry, in a process frozen by SIGSTOP and thawed), and it is held there while
 * fenced, and never written once the task stops fenced. What remains possible:
 * - a request written to the socket before the lease ran out can land after it (a link that was cut holds
 *   it in the kernel until it heals). Duplicates, never loss, as with Connect's zombies; exactly-once source
 *   support (KIP-618) is the complete answer;
 * - connector code already running (a `poll`, a `put`) runs to its end, and a sink task's own writes to
 *   an external system are beyond the log's reach; `commitRecord` (for records already in the log),
 *   `close()` and `task.stop()` are still called.
 *
 * **A task that ignores stop** for `task.shutdown.graceful.timeout.ms` has its task thread terminated, and
 * `stopTask` resolves once that thread has exited; the other tasks on that thread are started again on a
 * healthy thread (they report RUNNING, or PAUSED, again). A task whose code blocks its thread fails
 * (FAILED, with a trace naming the thread and how long it was blocked) and its neighbours are restarted.
 */
export class HostedTaskRuntime implements TaskRuntime {
  readonly #o: HostedTaskRuntimeOptions;
  readonly #tasks = new Map<string, RunningTask>();

  constructor(options: HostedTaskRuntimeOptions) {
    this.#o = options;
  }

  /** Which host thread runs each task (`connector-task` → thread). */
  placements(): Map<string, number> {
    return this.#o.pool.placements();
  }

  /**
   * Sets until when this worker's tasks may act: `expiresAt` on the main thread's `performance.now()`
   * clock; `Infinity` (the default, embedded mode) never runs out, 0 fences now. Task threads see it at
   * once; tasks waiting for it resume at once.
   */
  setLease(expiresAt: number): void {
    this.#o.pool.setLease(expiresAt);
  }

  /**
   * Starts the task threads and loads the task runners there now, before any task is assigned; resolves
   * once every thread has them, or after `waitMs` (the loading goes on; waiting for it is an optimisation).
   */
  async preload(waitMs: number): Promise<void> {
    await within(
      this.#o.pool.preload([runnerModule('sink-task-runner'), runnerModule('source-task-runner')]),
      waitMs,
    );
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
      // On Kafka a sink task joins `connect-<connector>`; the embedded log has no group coordinator.
      sinkGroup:
        sink && this.#o.log.backend === 'kafka'
          ? sinkGroupTiming(worker, worker.originals, spec.connectorConfig)
          : undefined,
      sinkFetch: sink ? sinkFetchSettings(worker.originals, spec.connectorConfig) : undefined,
    };
    const id = key(spec.connector, spec.task);
    const target = { paused: spec.paused };
    const handle = await this.#o.pool.startActor(
      {
        id,
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
            const logger = this.#o.loggers.get(event.logger);
            if (event.level === 'warn') logger.warn(redact(event.message));
            else if (event.level === 'info') logger.info(redact(event.message));
            else
              logger.error(
                redact(event.message),
                withStack(event.stack === undefined ? undefined : redact(event.stack)),
              );
          }
        },
        onFailed: (error) => {
          if (this.#tasks.get(id)?.target === target) this.#tasks.delete(id);
          events.onState('FAILED', error.stack ?? error.message);
        },
        // A task restarted on another thread starts in the target state it has now.
        restartConfig: () => ({ ...config, paused: target.paused }),
      },
    );
    this.#tasks.set(id, { handle, target });
  }

  /**
   * Stops a task; resolves once it stopped, or once its thread was terminated for ignoring stop. With
   * `leaveGroup` (the task is removed for good) a sink task leaves `connect-<connector>` as it stops.
   */
  async stopTask(connector: string, task: number, options: TaskStopOptions = {}): Promise<void> {
    const running = this.#tasks.get(key(connector, task));
    if (running === undefined) return;
    this.#tasks.delete(key(connector, task));
    // The port delivers messages in order: the runner knows before it is told to stop.
    if (options.leaveGroup === true) running.handle.send({ type: 'leave-group' } satisfies TaskRunnerCommand);
    await running.handle.stop(this.#o.worker.taskShutdownGracefulTimeoutMs);
  }

  pauseTask(connector: string, task: number): void {
    const running = this.#tasks.get(key(connector, task));
    if (running === undefined) return;
    running.target.paused = true;
    running.handle.send({ type: 'pause' });
  }

  resumeTask(connector: string, task: number): void {
    const running = this.#tasks.get(key(connector, task));
    if (running === undefined) return;
    running.target.paused = false;
    running.handle.send({ type: 'resume' });
  }

  async close(): Promise<void> {
    const running = [...this.#tasks.values()];
    this.#tasks.clear();
    await Promise.all(running.map(({ handle }) => handle.stop(this.#o.worker.taskShutdownGracefulTimeoutMs)));
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
