// Kafka Connect's error handling for one task (the `errors.*` connector keys): retries of retriable
// failures, tolerance, and the reporters (the application log and, for sinks, the dead letter queue).
import { SluiceError } from '@sluice/errors';
import type { Header, Log, LogRecord, ProduceRecord } from '@sluice/log';
import { ConnectError, type SourceRecord } from '@sluice/sdk';
import { isRetriable } from './task-runner-config.js';

/** Connect's processing stages, by the names its logs and DLQ headers use. */
export type Stage =
  | 'KEY_CONVERTER'
  | 'VALUE_CONVERTER'
  | 'HEADER_CONVERTER'
  | 'TRANSFORMATION'
  | 'TASK_PUT'
  | 'TASK_POLL'
  | 'KAFKA_PRODUCE'
  | 'KAFKA_CONSUME';

/** Where every failure may be tolerated; in the other stages only retriable ones are, as in Connect. */
const TOLERATES_ANY_ERROR = new Set<Stage>([
  'KEY_CONVERTER',
  'VALUE_CONVERTER',
  'HEADER_CONVERTER',
  'TRANSFORMATION',
]);
/** The first retry waits this long; each further one twice as long, up to `errors.retry.delay.max.ms`. */
const RETRY_DELAY_MIN_MS = 300;
const HEADER_PREFIX = '__connect.errors.';
/** Connect's exception class for each of our connector API errors, for DLQ headers and logs. */
const JAVA_CLASSES: Record<string, string> = {
  SLUICE_CONNECT: 'org.apache.kafka.connect.errors.ConnectException',
  SLUICE_CONNECT_DATA: 'org.apache.kafka.connect.errors.DataException',
  SLUICE_CONNECT_RETRIABLE: 'org.apache.kafka.connect.errors.RetriableException',
};

/** The `errors.*` settings of a connector, parsed on the main thread (the config was validated there). */
export interface ErrorHandlingConfig {
  tolerance: 'none' | 'all';
  /** How long a retriable failure is retried; 0 never, -1 forever. */
  retryTimeoutMs: number;
  retryDelayMaxMs: number;
  logEnable: boolean;
  logIncludeMessages: boolean;
  /** Sink connectors with `errors.deadletterqueue.topic.name` set. */
  deadLetterQueue?: { topic: string; replicationFactor: number; contextHeaders: boolean };
}

export function errorHandlingConfig(
  connector: Readonly<Record<string, string>>,
  kind: 'source' | 'sink',
): ErrorHandlingConfig {
  const text = (key: string, fallback: string) => (connector[key] ?? fallback).trim();
  const flag = (key: string) => text(key, 'false').toLowerCase() === 'true';
  const config: ErrorHandlingConfig = {
    tolerance: text('errors.tolerance', 'none').toLowerCase() === 'all' ? 'all' : 'none',
    retryTimeoutMs: Number(text('errors.retry.timeout', '0')),
    retryDelayMaxMs: Number(text('errors.retry.delay.max.ms', '60000')),
    logEnable: flag('errors.log.enable'),
    logIncludeMessages: flag('errors.log.include.messages'),
  };
  const topic = text('errors.deadletterqueue.topic.name', '');
  if (kind === 'sink' && topic !== '') {
    config.deadLetterQueue = {
      topic,
      replicationFactor: Number(text('errors.deadletterqueue.topic.replication.factor', '3')),
      contextHeaders: flag('errors.deadletterqueue.context.headers.enable'),
    };
  }
  return config;
}

/** The record a failure happened to: consumed from Kafka (sinks) or polled from the task (sources). */
export type FailedRecord = { consumed: LogRecord } | { source: SourceRecord } | undefined;

export interface ProcessingFailure {
  stage: Stage;
  /** Connect's name of the class that failed (converter, transformation, task). */
  executingClass: string;
  error: unknown;
  record: FailedRecord;
}

/** Where failures go. `report` may start asynchronous work; `flush` waits until it is durable. */
export interface ErrorReporter {
  report(failure: ProcessingFailure): void;
  flush(): Promise<void>;
}

/** Returned by {@link ErrorHandler.execute} for a record whose failure was tolerated: drop the record. */
export const SKIPPED: unique symbol = Symbol('skipped');
export type Skipped = typeof SKIPPED;

/**
 * Runs the stages of a task's records as Connect's `RetryWithToleranceOperator` does. A retriable failure
 * is retried with exponential backoff for `errors.retry.timeout`; a failure that remains is reported,
 * then either tolerated (the record is skipped) or fails the task with "Tolerance exceeded in error
 * handler" (`errors.tolerance=none`, the default) or "Unhandled exception in error handler" (a failure
 * no tolerance covers, such as a non-retriable one outside the converters and transformations).
 */
export class ErrorHandler {
  readonly #config: ErrorHandlingConfig;
  readonly #reporters: readonly ErrorReporter[];
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #stopping: () => boolean;

  /**
   * `sleep` waits between retries and should end early when the task is asked to stop; `stopping` says
   * so, and a retry then ends with the failure it has.
   */
  constructor(
    config: ErrorHandlingConfig,
    reporters: readonly ErrorReporter[],
    options: { sleep?: (ms: number) => Promise<void>; stopping?: () => boolean } = {},
  ) {
    this.#config = config;
    this.#reporters = reporters;
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.#stopping = options.stopping ?? (() => false);
  }

  get tolerance(): 'none' | 'all' {
    return this.#config.tolerance;
  }

  /**
   * Runs one stage for one record. Synchronous unless the stage needs a retry, so the common path costs
   * a try block; callers await only a returned promise.
   */
  execute<T>(
    stage: Stage,
    executingClass: string,
    operation: () => T,
    record: FailedRecord,
  ): T | Skipped | Promise<T | Skipped> {
    try {
      return operation();
    } catch (thrown) {
      const failure = { ...StageFailure.unwrap(thrown, stage, executingClass), record };
      if (isRetriable(failure.error) && this.#config.retryTimeoutMs !== 0)
        return this.#retry(failure.stage, failure.executingClass, operation, record);
      return this.failed(failure);
    }
  }

  async #retry<T>(
    stage: Stage,
    executingClass: string,
    operation: () => T,
    record: FailedRecord,
  ): Promise<T | Skipped> {
    const { retryTimeoutMs, retryDelayMaxMs } = this.#config;
    const start = Date.now();
    const deadline = retryTimeoutMs < 0 ? Infinity : start + retryTimeoutMs;
    for (let attempt = 1; ; attempt++) {
      let delay = RETRY_DELAY_MIN_MS * 2 ** (attempt - 1);
      if (delay > retryDelayMaxMs) delay = Math.floor(Math.random() * retryDelayMaxMs);
      // At least a millisecond: a loop that never yields would block the whole task thread.
      delay = Math.max(1, Math.min(delay, deadline - Date.now()));
      await this.#sleep(delay);
      try {
        return operation();
      } catch (thrown) {
        const failure = { ...StageFailure.unwrap(thrown, stage, executingClass), record };
        if (!isRetriable(failure.error) || Date.now() >= deadline || this.#stopping())
          return this.failed(failure);
      }
    }
  }

  /**
   * A failure that stays: reports it, then returns {@link SKIPPED} when it is tolerated, else throws the
   * error that fails the task.
   */
  failed(failure: ProcessingFailure): Skipped {
    for (const reporter of this.#reporters) reporter.report(failure);
    const tolerable = TOLERATES_ANY_ERROR.has(failure.stage) || isRetriable(failure.error);
    if (!tolerable) throw new ErrorHandlingError('Unhandled exception in error handler', failure.error);
    if (this.#config.tolerance === 'none')
      throw new ErrorHandlingError('Tolerance exceeded in error handler', failure.error);
    return SKIPPED;
  }

  /**
   * A failure the task reported itself (a sink's errant record reporter): reported, then tolerated
   * unless `errors.tolerance` is none, whatever the error.
   */
  reportFailed(failure: ProcessingFailure): void {
    for (const reporter of this.#reporters) reporter.report(failure);
    if (this.#config.tolerance === 'none')
      throw new ErrorHandlingError('Tolerance exceeded in error handler', failure.error);
  }

  /** Waits until every failure reported so far is durable (the DLQ written): before offsets move past it. */
  async flush(): Promise<void> {
    for (const reporter of this.#reporters) await reporter.flush();
  }
}

/**
 * Thrown by an operation that runs several stages at once (a record's converters) to say which one
 * failed; the error handler reports and judges the stage and the error inside.
 */
export class StageFailure extends Error {
  constructor(
    readonly stage: Stage,
    readonly executingClass: string,
    readonly error: unknown,
  ) {
    super(`${stage} failed`);
  }

  static unwrap(
    thrown: unknown,
    stage: Stage,
    executingClass: string,
  ): { stage: Stage; executingClass: string; error: unknown } {
    return thrown instanceof StageFailure
      ? { stage: thrown.stage, executingClass: thrown.executingClass, error: thrown.error }
      : { stage, executingClass, error: thrown };
  }
}

/** The error a task fails with when the error handler gives up; the trace shows the cause. */
export class ErrorHandlingError extends ConnectError {
  static override readonly CODE: string = 'SLUICE_CONNECT_ERROR_HANDLER';

  constructor(message: string, cause: unknown) {
    super(message, { cause });
    this.stack = `${this.stack ?? message}\nCaused by: ${describe(cause)}`;
  }
}

/** Connect's class name for an error, as in the DLQ's `exception.class.name` header. */
export function errorClassName(error: unknown): string {
  if (SluiceError.is(error)) return JAVA_CLASSES[error.code] ?? error.name;
  return error instanceof Error ? error.name : typeof error;
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
  return String(error);
}

/**
 * Connect's `LogReporter` (`errors.log.enable`): one ERROR line per failure, with the stage, the class
 * and, with `errors.log.include.messages`, the record. `write` sends it to the worker's log.
 */
export class LogReporter implements ErrorReporter {
  readonly #task: string;
  readonly #includeMessages: boolean;
  readonly #write: (message: string, stack: string | undefined) => void;

  constructor(
    task: string,
    includeMessages: boolean,
    write: (message: string, stack: string | undefined) => void,
  ) {
    this.#task = task;
    this.#includeMessages = includeMessages;
    this.#write = write;
  }

  report(failure: ProcessingFailure): void {
    let where = '';
    const record = failure.record;
    if (this.#includeMessages && record !== undefined) {
      if ('source' in record) {
        where = `, where source record is = ${describeSourceRecord(record.source)}`;
      } else {
        const { topic, partition, offset, timestamp } = record.consumed;
        where =
          `, where consumed record is {topic='${topic}', partition=${partition}, offset=${offset}, ` +
          `timestamp=${timestamp}, timestampType=CreateTime}`;
      }
    }
    this.#write(
      `Error encountered in task ${this.#task}. Executing stage '${failure.stage}' with class ` +
        `'${failure.executingClass}'${where}.`,
      describe(failure.error),
    );
  }

  flush(): Promise<void> {
    return Promise.resolve();
  }
}

function describeSourceRecord(record: SourceRecord): string {
  const json = (value: unknown) => {
    try {
      return JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    } catch {
      return String(value);
    }
  };
  return (
    `SourceRecord{sourcePartition=${json(record.sourcePartition)}, sourceOffset=${json(record.sourceOffset)}} ` +
    `ConnectRecord{topic='${record.topic}', kafkaPartition=${record.kafkaPartition}, key=${json(record.key)}, ` +
    `value=${json(record.value)}, timestamp=${record.timestamp}}`
  );
}

/**
 * Connect's `DeadLetterQueueReporter`: the consumed record, as it was read (key, value, headers and
 * timestamp), goes to the DLQ topic, with `__connect.errors.*` headers when context headers are enabled.
 * Records are written in one produce per `flush`, which the runner awaits before it commits offsets past
 * them; the topic is created (one partition) when it does not exist.
 */
export class DeadLetterQueueReporter implements ErrorReporter {
  readonly #log: Log;
  readonly #config: NonNullable<ErrorHandlingConfig['deadLetterQueue']>;
  readonly #connector: string;
  readonly #task: number;
  #queued: ProduceRecord[] = [];
  #ensured = false;
  /** The flush running now: flushes run one after another, so no record is written twice. */
  #flushing: Promise<void> = Promise.resolve();

  constructor(
    log: Log,
    config: NonNullable<ErrorHandlingConfig['deadLetterQueue']>,
    connector: string,
    task: number,
  ) {
    this.#log = log;
    this.#config = config;
    this.#connector = connector;
    this.#task = task;
  }

  report(failure: ProcessingFailure): void {
    const record = failure.record;
    if (record === undefined || !('consumed' in record)) return;
    const consumed = record.consumed;
    const headers: Header[] = [...consumed.headers];
    if (this.#config.contextHeaders) {
      const add = (name: string, value: string) =>
        headers.push({ key: HEADER_PREFIX + name, value: Buffer.from(value) });
      add('topic', consumed.topic);
      add('partition', String(consumed.partition));
      add('offset', String(consumed.offset));
      add('connector.name', this.#connector);
      add('task.id', String(this.#task));
      add('stage', failure.stage);
      add('class.name', failure.executingClass);
      const error = failure.error;
      add('exception.class.name', errorClassName(error));
      add('exception.message', error instanceof Error ? error.message : String(error));
      add('exception.stacktrace', describe(error));
    }
    this.#queued.push({ key: consumed.key, value: consumed.value, headers, timestamp: consumed.timestamp });
  }

  flush(): Promise<void> {
    const flushing = this.#flushing.catch(() => undefined).then(() => this.#write());
    this.#flushing = flushing;
    return flushing;
  }

  async #write(): Promise<void> {
    if (this.#queued.length === 0) return;
    // Taken off the queue while written; on failure put back in front of what came since, so the next
    // flush tries them again and offsets wait for them (a partial write may then repeat a few records).
    const records = this.#queued;
    this.#queued = [];
    try {
      const { topic, replicationFactor } = this.#config;
      if (!this.#ensured) {
        await this.#log.ensureTopic({ name: topic, partitions: 1, replicationFactor });
        this.#ensured = true;
      }
      await this.#log.produce(topic, records);
    } catch (error) {
      this.#queued = [...records, ...this.#queued];
      throw error;
    }
  }
}
