import { SluiceError } from '@sluice/errors';
import type {
  Log,
  LogReader,
  LogRecord,
  PartitionOffsets,
  RecordPosition,
  TopicDescription,
  TopicSpec,
} from '@sluice/log';
import { CorruptStateRecordError, StoreClosedError, StoreReadTimeoutError } from './errors.js';

export interface StoreOptions {
  /**
   * Told about every problem the store works around: a record it cannot read (skipped, as Connect skips
   * it), a failed poll of its follower (retried), a change listener that threw.
   */
  onError?: (error: SluiceError) => void;
  /**
   * How long one poll of the follower waits for records when there are none. New records end a poll at once;
   * this bounds the idle request rate and how long `close()` waits for the poll under way on Kafka (Connect's
   * consumer uses `fetch.max.wait.ms`, 500 ms).
   * @default 500
   */
  pollWaitMs?: number;
}

export interface ReadToEndOptions {
  /** How long to wait for the follower to get there. @default 30000 (Connect's read/write timeout) */
  timeoutMs?: number;
}

const DEFAULT_POLL_WAIT_MS = 500;
const DEFAULT_READ_TIMEOUT_MS = 30_000;
/** Backoff after a failed poll: from the first to the last, doubling. */
const FIRST_RETRY_MS = 100;
const MAX_RETRY_MS = 2_000;

/**
 * Creates an internal topic when missing. An existing one must be compacted: with `delete` the broker
 * would drop configs and offsets after the retention time, silently.
 */
export async function ensureCompactedTopic(log: Log, spec: TopicSpec): Promise<TopicDescription> {
  const description = await log.ensureTopic({
    ...spec,
    configs: { ...spec.configs, 'cleanup.policy': 'compact' },
  });
  const policy = description.configs['cleanup.policy'] ?? 'delete';
  if (!policy.split(',').includes('compact')) {
    throw new SluiceError(
      'SLUICE_INTERNAL_TOPIC_NOT_COMPACTED',
      `topic '${spec.name}' must have cleanup.policy=compact to hold Connect state, but it has ` +
        `cleanup.policy=${policy}; change it (kafka-configs --alter --add-config cleanup.policy=compact) or pick another topic`,
    );
  }
  return description;
}

/** Parses a JSON record value; a value that is not JSON is a corrupt record, reported with its place. */
export function parseJson(record: LogRecord): unknown {
  if (record.value === null) return null;
  try {
    return JSON.parse(record.value.toString('utf8')) as unknown;
  } catch (error) {
    throw new CorruptStateRecordError(record, 'is not JSON', error);
  }
}

interface Waiter {
  /** partition → the offset its position must reach */
  targets: ReadonlyMap<number, number>;
  resolve(): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

interface Follower {
  reader: LogReader;
  stopped: boolean;
  running: Promise<void>;
  /** Ends a backoff sleep early (on close). */
  wake: (() => void) | undefined;
}

/**
 * A view of one compacted internal topic in Kafka Connect's format, read from its beginning, as Connect's
 * `KafkaBasedLog` reads it. Subclasses say how a record changes the view (`apply`); this class reads.
 *
 * Without `start()` the view moves only when asked (`readToEnd`), which suits task threads and one-shot
 * tools. `start()` follows the topic: a background loop long-polls every partition (over a reader with its
 * own connections, so it holds up nothing else) and applies records as they arrive; `readToEnd` then waits
 * on that loop rather than reading beside it. Listeners hear of each change after the view has it, in log
 * order.
 */
export abstract class CompactedTopicStore<Change> {
  protected readonly log: Log;
  readonly topic: string;
  readonly #pollWaitMs: number;
  /** partition → the next offset to read */
  readonly #positions = new Map<number, number>();
  #partitions: number[] = [];
  readonly #changeListeners = new Set<(change: Change) => void>();
  readonly #errorListeners = new Set<(error: SluiceError) => void>();
  /** Reads without the follower, one at a time. */
  #direct: Promise<void> = Promise.resolve();
  #starting: Promise<void> | undefined;
  #follower: Follower | undefined;
  readonly #waiters = new Set<Waiter>();
  /** The follower's last failure, for a read that times out. */
  #lastError: unknown;
  #closed = false;

  protected constructor(log: Log, topic: string, options: StoreOptions = {}) {
    this.log = log;
    this.topic = topic;
    this.#pollWaitMs = options.pollWaitMs ?? DEFAULT_POLL_WAIT_MS;
    if (options.onError !== undefined) this.#errorListeners.add(options.onError);
  }

  /**
   * How one record changes the view; `emit` each change it makes (none if it changes nothing). A record
   * it cannot read throws (a `CorruptStateRecordError`, before the view changes): it is reported and skipped.
   */
  protected abstract apply(record: LogRecord, emit: (change: Change) => void): void;

  /** Creates the topic when missing (compacted) and reads it to its end. */
  protected async load(spec: TopicSpec): Promise<void> {
    const description = await ensureCompactedTopic(this.log, spec);
    this.#partitions = Array.from({ length: description.partitions }, (_, partition) => partition);
    await this.readToEnd();
  }

  /** Whether a follower runs (`start()` was called and `close()` was not). */
  get following(): boolean {
    return this.#follower !== undefined;
  }

  /** Calls `listener` with every change applied from now on, after the view has it. Returns an unsubscribe. */
  onChange(listener: (change: Change) => void): () => void {
    this.#changeListeners.add(listener);
    return () => this.#changeListeners.delete(listener);
  }

  /** Calls `listener` with every problem the store works around (see `StoreOptions.onError`). */
  onError(listener: (error: SluiceError) => void): () => void {
    this.#errorListeners.add(listener);
    return () => this.#errorListeners.delete(listener);
  }

  /**
   * Starts following the topic in the background (Connect's `KafkaBasedLog.start`). Resolves once the loop
   * runs; `readToEnd()` afterwards waits until it has caught up.
   */
  start(): Promise<void> {
    if (this.#closed) return Promise.reject(new StoreClosedError(this.topic));
    this.#starting ??= this.#start().catch((error: unknown) => {
      // A reader that could not be opened (the broker away): a later start() tries again.
      this.#starting = undefined;
      throw error;
    });
    return this.#starting;
  }

  /**
   * Resolves once everything written before the call is applied to the view (Connect's
   * `KafkaBasedLog.readToEnd`): the end offsets are taken now, then the follower is waited on, or, without
   * one, the topic is read up to them.
   */
  async readToEnd(options: ReadToEndOptions = {}): Promise<void> {
    this.#assertOpen();
    await this.#starting?.catch(() => undefined);
    if (this.#follower === undefined) return this.#readDirectly();
    const ends = await this.log.offsets(this.topic);
    this.#learnPartitions(ends);
    await this.#waitFor(new Map(ends.map((p) => [p.partition, p.end])), options.timeoutMs);
  }

  /** Stops following, releases the reader and fails reads still waiting. The log stays open. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#starting?.catch(() => undefined);
    const follower = this.#follower;
    this.#follower = undefined;
    if (follower !== undefined) {
      follower.stopped = true;
      follower.wake?.();
      await follower.reader.close();
      await follower.running;
    }
    await this.#direct.catch(() => undefined);
    for (const waiter of this.#waiters) {
      clearTimeout(waiter.timer);
      waiter.reject(new StoreClosedError(this.topic));
    }
    this.#waiters.clear();
  }

  /**
   * Resolves once the records written at `positions` are applied: by the follower when it runs, or by
   * reading to the end (read-your-writes).
   */
  protected async readPast(positions: readonly RecordPosition[], timeoutMs?: number): Promise<void> {
    this.#assertOpen();
    await this.#starting?.catch(() => undefined);
    if (this.#follower === undefined) return this.#readDirectly();
    const targets = new Map<number, number>();
    for (const { partition, offset } of positions) {
      targets.set(partition, Math.max(targets.get(partition) ?? 0, offset + 1));
    }
    await this.#waitFor(targets, timeoutMs);
  }

  /** The next offset to read in `partition`: how far the view has got. */
  protected position(partition: number): number {
    return this.#positions.get(partition) ?? 0;
  }

  /**
   * Applies one record and tells the listeners, without moving the read position: for a subclass that
   * applies its own acknowledged writes ahead of the follower (and guards against applying them twice).
   */
  protected applyRecord(record: LogRecord): void {
    const changes: Change[] = [];
    try {
      this.apply(record, (change) => changes.push(change));
    } catch (error) {
      this.#report(
        SluiceError.is(error)
          ? error
          : new CorruptStateRecordError(record, `could not be applied: ${String(error)}`, error),
      );
      return;
    }
    for (const change of changes) {
      for (const listener of this.#changeListeners) {
        try {
          listener(change);
        } catch (error) {
          this.#report(
            new SluiceError(
              'SLUICE_STORE_LISTENER_FAILED',
              `a change listener of topic '${this.topic}' threw: ${String(error)}`,
              { cause: error },
            ),
          );
        }
      }
    }
  }

  protected assertOpen(): void {
    this.#assertOpen();
  }

  #assertOpen(): void {
    if (this.#closed) throw new StoreClosedError(this.topic);
  }

  async #start(): Promise<void> {
    await this.#direct.catch(() => undefined);
    const reader = await this.log.openReader();
    if (this.#closed) {
      await reader.close();
      return;
    }
    const follower: Follower = { reader, stopped: false, running: Promise.resolve(), wake: undefined };
    follower.running = this.#follow(follower);
    this.#follower = follower;
  }

  /** The follower: polls every partition, applies what comes, settles the reads waiting; never gives up. */
  async #follow(follower: Follower): Promise<void> {
    let backoff = 0;
    while (!follower.stopped) {
      try {
        const positions = this.#partitions.map((partition) => ({
          partition,
          offset: this.position(partition),
        }));
        const results = await follower.reader.fetchPartitions(this.topic, positions, {
          maxWaitMs: this.#pollWaitMs,
        });
        if (follower.stopped) return;
        for (const result of results) this.#applyAll(result.partition, result.records, result.nextOffset);
        this.#settleWaiters();
        backoff = 0;
      } catch (error) {
        if (follower.stopped) return;
        this.#lastError = error;
        backoff = Math.min(Math.max(backoff * 2, FIRST_RETRY_MS), MAX_RETRY_MS);
        const message = error instanceof Error ? error.message : String(error);
        this.#report(
          new SluiceError(
            'SLUICE_STORE_FOLLOW_FAILED',
            `following topic '${this.topic}' failed, retrying in ${backoff} ms: ${message}`,
            { cause: error, retriable: true },
          ),
        );
        if (isOutOfRange(error))
          await this.#resetOutOfRange().catch((reset: unknown) => (this.#lastError = reset));
        if (follower.stopped) return;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, backoff);
          follower.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        follower.wake = undefined;
      }
    }
  }

  /** Records below the log start were deleted, or the topic was recreated: start over from the beginning. */
  async #resetOutOfRange(): Promise<void> {
    for (const { partition, beginning, end } of await this.log.offsets(this.topic)) {
      const position = this.position(partition);
      if (position < beginning || position > end) this.#positions.set(partition, beginning);
    }
  }

  /** Reads every partition up to the end offsets seen at the start, one direct read at a time. */
  #readDirectly(): Promise<void> {
    const reading = this.#direct.catch(() => undefined).then(() => this.#readToEnds());
    this.#direct = reading;
    return reading;
  }

  async #readToEnds(): Promise<void> {
    const ends = await this.log.offsets(this.topic);
    this.#learnPartitions(ends);
    for (const { partition, beginning, end } of ends) {
      let position = Math.max(this.position(partition), beginning);
      this.#positions.set(partition, position);
      while (position < end) {
        const { records } = await this.log.fetch(this.topic, partition, position, { maxWaitMs: 500 });
        const below = records.filter((record) => record.offset < end);
        // Past compaction gaps or trailing control records: when nothing below `end` came back (nothing at
        // all, or only records written since), nothing below `end` is left.
        this.#applyAll(partition, below, below.length === 0 ? end : below[below.length - 1]!.offset + 1);
        position = this.position(partition);
      }
    }
  }

  /** Applies records of one partition in order, then moves its position to `nextOffset`. */
  #applyAll(partition: number, records: readonly LogRecord[], nextOffset: number): void {
    for (const record of records) {
      if (record.offset < this.position(partition)) continue;
      // The position moves first: a listener that looks at the view sees it as of this record.
      this.#positions.set(partition, record.offset + 1);
      this.applyRecord(record);
    }
    this.#positions.set(partition, Math.max(this.position(partition), nextOffset));
  }

  #learnPartitions(offsets: readonly PartitionOffsets[]): void {
    if (offsets.length > this.#partitions.length) this.#partitions = offsets.map((p) => p.partition);
  }

  #reached(targets: ReadonlyMap<number, number>): boolean {
    for (const [partition, offset] of targets) if (this.position(partition) < offset) return false;
    return true;
  }

  #waitFor(targets: ReadonlyMap<number, number>, timeoutMs = DEFAULT_READ_TIMEOUT_MS): Promise<void> {
    if (this.#reached(targets)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        targets,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.#waiters.delete(waiter);
          const target = [...targets].map(([partition, offset]) => `${partition}:${offset}`).join(', ');
          reject(
            new StoreReadTimeoutError(this.topic, `partition:offset ${target}`, timeoutMs, this.#lastError),
          );
        }, timeoutMs),
      };
      this.#waiters.add(waiter);
    });
  }

  #settleWaiters(): void {
    for (const waiter of this.#waiters) {
      if (!this.#reached(waiter.targets)) continue;
      clearTimeout(waiter.timer);
      this.#waiters.delete(waiter);
      waiter.resolve();
    }
  }

  #report(error: SluiceError): void {
    for (const listener of this.#errorListeners) {
      try {
        listener(error);
      } catch {
        // An error listener that fails has nobody left to tell.
      }
    }
  }
}

function isOutOfRange(error: unknown): boolean {
  return (
    SluiceError.is(error) &&
    (error.code === 'SLUICE_OFFSET_OUT_OF_RANGE' || error.code === 'SLUICE_KAFKA_OFFSET_OUT_OF_RANGE')
  );
}
