import { ConnectError } from '../errors.js';
import type { SourceRecord } from '../record/records.js';

/** Reads the last committed source offsets (Connect's `OffsetStorageReader`). */
export interface OffsetStorageReader {
  /** The last committed offset of one source partition, or null. */
  offset(partition: Readonly<Record<string, unknown>>): Promise<Record<string, unknown> | null>;
  /**
   * Offsets of several partitions, keyed by the very partition objects passed in (JavaScript maps compare
   * object keys by identity); a partition without an offset maps to null.
   */
  offsets(
    partitions: readonly Readonly<Record<string, unknown>>[],
  ): Promise<Map<Readonly<Record<string, unknown>>, Record<string, unknown> | null>>;
}

/** What the runtime offers a source task (Connect's `SourceTaskContext`). */
export interface SourceTaskContext {
  /** The task's config, as `taskConfigs` produced it. */
  configs(): Record<string, string>;
  readonly offsetStorageReader: OffsetStorageReader;
  /**
   * Aborted when the runtime wants the `poll` in progress to return at once: the task is being paused or
   * stopped. A task that waits inside `poll` (a request, a retry backoff) gives up the wait when it fires and
   * returns what it has (or null); the runtime calls `poll` again after a resume. Read it at each `poll`: once
   * aborted it stays so, and the runtime gives a fresh signal for the polls after a resume. Sluice's runtime
   * always sets it; it is optional so that contexts made elsewhere (a connector's own tests) need not.
   */
  readonly pollSignal?: AbortSignal;
}

/** Where a record was written, given to `commitRecord` (Kafka's `RecordMetadata`). */
export interface RecordMetadata {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  /** Milliseconds since the Unix epoch; null when the broker did not say. */
  readonly timestamp: number | null;
}

/**
 * Produces records from a source system (Connect's `SourceTask`). It runs in a worker thread: every method may
 * be async, and the runtime never calls two of them at once except `stop`, which may come during `poll`.
 */
export abstract class SourceTask {
  #context: SourceTaskContext | null = null;

  /** Called by the runtime once, before `start`. */
  initialize(context: SourceTaskContext): void {
    this.#context = context;
  }

  protected get context(): SourceTaskContext {
    if (this.#context === null) throw new ConnectError('The task has not been initialized');
    return this.#context;
  }

  abstract version(): string;

  /** Starts with the task's config; read committed offsets here to resume. */
  abstract start(props: Record<string, string>): Promise<void>;

  /**
   * The next records, or null (or an empty array) when there are none yet. Waiting a little for data is fine,
   * but a wait should end when `context.pollSignal` is aborted, so that pause and stop take effect at once;
   * throwing a `RetriableError` makes the runtime call again instead of failing the task.
   */
  abstract poll(): Promise<SourceRecord[] | null>;

  /** Called after offsets up to the last acknowledged records were committed. */
  commit(): Promise<void> {
    return Promise.resolve();
  }

  /**
   * Called when a record was acknowledged by Kafka, with where it was written; `metadata` is null when a
   * transform dropped the record.
   */
  commitRecord(_record: SourceRecord, _metadata: RecordMetadata | null): Promise<void> {
    return Promise.resolve();
  }

  /** Stops; `poll` should return soon after. */
  abstract stop(): Promise<void>;
}
