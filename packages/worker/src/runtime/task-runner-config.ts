// The contract between the herder (main thread) and the task runners (host threads): what a runner is
// started with, the events it sends back and the commands it takes (structured-clone values only), and
// the helpers both runners share.
import { SluiceError } from '@sluice/errors';
import type { WriteGate } from '@sluice/kafka-client';
import { EmbeddedLog, KafkaLog, type Log } from '@sluice/log';
import type { PluginDescriptor } from '@sluice/sdk';
import { loadPlugin } from '@sluice/plugins';
import type { ConverterSpecs } from './converters.js';
import type { ErrorHandlingConfig } from './error-handling.js';
import type { TopicCreationSpec } from '@sluice/coordinator';
import type { TransformSpec } from './transformation-chain.js';
import type { SinkFetchSettings, SinkGroupTiming } from './sink-group.js';

export type { ConverterSpec, ConverterSpecs } from './converters.js';

/** The log a runner opens in its own thread (each thread has its own connection). */
export type TaskRunnerLogConfig =
  { backend: 'embedded'; dataDir: string } | { backend: 'kafka'; brokers: string[]; clientId: string };

/** What a source or sink task runner is started with (`ActorSpec.config`). */
export interface TaskRunnerConfig {
  connector: string;
  task: number;
  /** The task's config, as the connector's `taskConfigs` produced it. */
  taskConfig: Record<string, string>;
  /** The connector's config: `topics`/`topics.regex` and `tasks.max` for sinks. */
  connectorConfig: Record<string, string>;
  /** The connector plugin; the task comes from its descriptor's `createTask()`. */
  plugin: { module: string; className: string };
  /** The converters, resolved on the main thread (see `resolveConverterSpecs`). */
  converters: ConverterSpecs;
  /** The connector's transforms, in order, resolved on the main thread (see `resolveTransformSpecs`). */
  transforms: TransformSpec[];
  /** The connector's `errors.*` settings. */
  errors: ErrorHandlingConfig;
  /** A source connector's `topic.creation.*` settings, when it has any. */
  topicCreation?: TopicCreationSpec | undefined;
  log: TaskRunnerLogConfig;
  /** The offsets topic (source tasks). */
  offsetStorage: { name: string; partitions: number; replicationFactor: number };
  /** How often acknowledged source offsets / consumed sink offsets are committed. */
  offsetFlushIntervalMs: number;
  /** How long a source offset flush may take before it is abandoned until the next one. */
  offsetFlushTimeoutMs: number;
  /**
   * How many tasks the sink connector runs; on the embedded log partitions are split across them (on
   * Kafka the consumer group assigns them).
   * @default `tasks.max` of the connector config, else 1
   */
  taskCount?: number;
  /**
   * Start in the PAUSED target state: the task is not started until `resume`, as in Connect.
   * @default false
   */
  paused?: boolean;
  /**
   * A sink task's session, heartbeat and rebalance timeouts in `connect-<connector>` (see `sinkGroupTiming`).
   * @default 10 s, 3 s and 60 s
   */
  sinkGroup?: SinkGroupTiming | undefined;
  /**
   * How a sink task long-polls its partitions: `fetch.max.wait.ms` and `fetch.min.bytes` from its
   * consumer settings (see `sinkFetchSettings`).
   * @default 500 ms and 1 byte
   */
  sinkFetch?: SinkFetchSettings | undefined;
}

/** Runner → main thread (`ActorHandlers.onEvent`). Failures go through the host (`onFailed`). */
export type TaskRunnerEvent =
  /** `task.start` resolved, or the task resumed. */
  | { type: 'running' }
  /** The task stopped polling (source) or putting (sink) after a `pause` command. */
  | { type: 'paused' }
  /** The first time the task produced to (source) or consumed from (sink) a topic: Connect's active topics. */
  | { type: 'topic'; topic: string }
  /** An offset commit succeeded; `offsets` is how many source partitions / topic partitions it wrote. */
  | { type: 'committed'; offsets: number }
  /** A line for the worker's log (the error handler's `errors.log.enable`; a sink task's membership). */
  | {
      type: 'log';
      logger: string;
      message: string;
      stack?: string | undefined;
      /** @default 'error' */
      level?: 'error' | 'warn' | 'info' | undefined;
    };

/** Main thread → runner (`ActorHandle.send`). */
export type TaskRunnerCommand =
  | { type: 'pause' }
  | { type: 'resume' }
  /**
   * The task is removed for good (its connector deleted or STOPPED, or `tasks.max` lowered): when it
   * stops, a sink task leaves its consumer group, so that its partitions move at once. Sent right before
   * the stop; without it a stopping sink task keeps its place for the copy that replaces it.
   */
  | { type: 'leave-group' };

// Helpers both runners use.

/** Opens the runner's own connection to the log. */
export async function openTaskLog(config: TaskRunnerLogConfig, writeGate?: WriteGate): Promise<Log> {
  return config.backend === 'embedded'
    ? EmbeddedLog.open({ dataDir: config.dataDir })
    : KafkaLog.open({
        brokers: config.brokers,
        clientId: config.clientId,
        ...(writeGate === undefined ? {} : { writeGate }),
      });
}

/** Whether calling again may succeed (a `RetriableError`, recognised by brand across module copies). */
export function isRetriable(error: unknown): boolean {
  return SluiceError.is(error) && error.retriable;
}

/** A sleep that `wake()` cuts short: the runner's loop waits on it, commands and `stop` wake it. */
export class Wakeup {
  #waiters: Array<() => void> = [];
  #wakes = 0;

  /** Resolves after `ms`, or at the next `wake()`. */
  wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#waiters = this.#waiters.filter((waiter) => waiter !== done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#waiters.push(done);
    });
  }

  /**
   * A signal for a wait that is not `wait` (a long poll): it aborts at the next `wake()`, or at once if
   * `wake()` was called since `wakes` was `since` (a wake that came before the wait began is not lost), or
   * after `ms`. `release()` once the wait is over.
   */
  signal(since: number, ms: number): { signal: AbortSignal; release(): void } {
    const controller = new AbortController();
    const release = () => {
      clearTimeout(timer);
      this.#waiters = this.#waiters.filter((waiter) => waiter !== abort);
    };
    const abort = () => {
      release();
      controller.abort();
    };
    const timer = setTimeout(abort, ms);
    if (this.#wakes !== since) abort();
    else this.#waiters.push(abort);
    return { signal: controller.signal, release };
  }

  /** How many times `wake()` was called: what `signal` compares with. */
  get wakes(): number {
    return this.#wakes;
  }

  wake(): void {
    this.#wakes++;
    for (const waiter of [...this.#waiters]) waiter();
  }
}

/** Resolves with `promise`, or with `'timeout'` after `ms` (the promise keeps running; its failure is dropped). */
export async function within<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)));
  promise.catch(() => undefined);
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Parses a runner's config, rejecting what is not one (the herder fills it, so this guards mistakes). */
export function taskRunnerConfig(value: unknown): TaskRunnerConfig {
  const config = value as Partial<TaskRunnerConfig> | null;
  if (
    config === null ||
    typeof config !== 'object' ||
    typeof config.connector !== 'string' ||
    typeof config.task !== 'number' ||
    typeof config.taskConfig !== 'object' ||
    typeof config.plugin?.module !== 'string' ||
    typeof config.converters?.value?.module !== 'string' ||
    !Array.isArray(config.transforms) ||
    typeof config.errors?.tolerance !== 'string' ||
    (config.log?.backend !== 'embedded' && config.log?.backend !== 'kafka')
  ) {
    throw new SluiceError('SLUICE_TASK_CONFIG_INVALID', 'a task runner needs a TaskRunnerConfig');
  }
  return config as TaskRunnerConfig;
}

/** Loads the connector plugin a runner was started with, and checks it is a connector of `kind`. */
export async function loadConnectorPlugin<K extends 'source' | 'sink'>(
  plugin: TaskRunnerConfig['plugin'],
  kind: K,
): Promise<Extract<PluginDescriptor, { kind: K }>> {
  const descriptor = await loadPlugin(plugin);
  if (descriptor.kind !== kind) {
    throw new SluiceError('SLUICE_PLUGIN_NOT_FOUND', `${plugin.className} is not a ${kind} connector`);
  }
  return descriptor as Extract<PluginDescriptor, { kind: K }>;
}

/**
 * The frame both runners live in: `init` then `loop`, then always `shutdown`. The first failure wins;
 * on the way out of a requested stop it is the stop's result (thrown), otherwise the task failed.
 */
export async function runTaskLifecycle(steps: {
  init(): Promise<void>;
  loop(): Promise<void>;
  shutdown(clean: boolean): Promise<void>;
  stopping(): boolean;
  fail(error: unknown): void;
}): Promise<void> {
  let failure: { error: unknown } | undefined;
  try {
    await steps.init();
    await steps.loop();
  } catch (error) {
    failure = { error };
  }
  try {
    await steps.shutdown(failure === undefined);
  } catch (error) {
    failure ??= { error };
  }
  if (failure === undefined) return;
  if (steps.stopping()) throw failure.error;
  steps.fail(failure.error);
}
