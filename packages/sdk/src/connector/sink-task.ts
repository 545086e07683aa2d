import { ConnectError } from '../errors.js';
import type { SinkRecord, TopicPartition, TopicPartitionOffset } from '../record/records.js';

/** Reports a record the task could not handle to the dead letter queue (Connect's `ErrantRecordReporter`). */
export interface ErrantRecordReporter {
  /** Resolves once the report is durable. */
  report(record: SinkRecord, error: Error): Promise<void>;
}

/** What the runtime offers a sink task (Connect's `SinkTaskContext`). */
export interface SinkTaskContext {
  /** The task's config, as `taskConfigs` produced it. */
  configs(): Record<string, string>;
  /** Rewinds (or skips) consumption of a partition to `offset`, e.g. from offsets the sink stores itself. */
  offset(partition: TopicPartition, offset: number): void;
  /** Several such resets at once. */
  offset(offsets: readonly TopicPartitionOffset[]): void;
  /** After `put` throws a `RetriableError`, wait this long before delivering the same records again. */
  timeout(ms: number): void;
  /** The partitions currently assigned to this task. */
  assignment(): TopicPartition[];
  /** Stops fetching from these partitions until `resume`. */
  pause(...partitions: TopicPartition[]): void;
  resume(...partitions: TopicPartition[]): void;
  /** Asks for an offset commit soon, rather than at the next `offset.flush.interval.ms`. */
  requestCommit(): void;
  /** The DLQ reporter, or null when `errors.tolerance` is none or no DLQ is configured. */
  errantRecordReporter(): ErrantRecordReporter | null;
}

/**
 * Writes records to a sink system (Connect's `SinkTask`). It runs in a worker thread and every method may be
 * async. Offsets are committed only up to what `preCommit` returns, so a task that buffers writes must
 * flush them there (the default calls `flush`).
 */
export abstract class SinkTask {
  #context: SinkTaskContext | null = null;

  /** Called by the runtime once, before `start`. */
  initialize(context: SinkTaskContext): void {
    this.#context = context;
  }

  protected get context(): SinkTaskContext {
    if (this.#context === null) throw new ConnectError('The task has not been initialized');
    return this.#context;
  }

  abstract version(): string;

  abstract start(props: Record<string, string>): Promise<void>;

  /** Delivers records; throw a `RetriableError` to get the same batch again after `context.timeout`. */
  abstract put(records: readonly SinkRecord[]): Promise<void>;

  /** Makes everything `put` so far durable. */
  flush(_currentOffsets: readonly TopicPartitionOffset[]): Promise<void> {
    return Promise.resolve();
  }

  /** The offsets that are safe to commit; by default flushes and returns `currentOffsets`. */
  async preCommit(currentOffsets: readonly TopicPartitionOffset[]): Promise<readonly TopicPartitionOffset[]> {
    await this.flush(currentOffsets);
    return currentOffsets;
  }

  /** Partitions newly assigned to this task, before records of them arrive. */
  open(_partitions: readonly TopicPartition[]): Promise<void> {
    return Promise.resolve();
  }

  /** Partitions taken away from this task; drop their buffered state. */
  close(_partitions: readonly TopicPartition[]): Promise<void> {
    return Promise.resolve();
  }

  abstract stop(): Promise<void>;
}
