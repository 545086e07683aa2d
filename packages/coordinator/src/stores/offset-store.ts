import type { Log, LogRecord, TopicSpec } from '@sluice/log';
import { CompactedTopicStore, parseJson, type StoreOptions } from './compacted-topic-store.js';

/** A source partition or offset: what a source connector puts in its records, JSON values only. */
export type SourceMap = Record<string, unknown>;

export interface SourceOffset {
  partition: SourceMap;
  offset: SourceMap;
}

export interface OffsetStoreOptions extends StoreOptions {
  /**
   * Keep only this connector's offsets (a source task's store): the topic is still read whole, but a
   * worker with N source tasks then holds N connectors' offsets, not N × N.
   */
  connector?: string;
}

/**
 * Source offsets in Apache Kafka Connect's offsets-topic format, so offsets move between a Connect
 * cluster and Sluice: key = JSON `["<connector>", {<source partition>}]`, value = JSON offset map, or
 * null (a tombstone) when the offset was reset.
 */
export class OffsetStore extends CompactedTopicStore<never> {
  /** connector → canonical partition JSON → offset */
  readonly #offsets = new Map<string, Map<string, SourceOffset>>();
  /**
   * connector → canonical partition JSON → where the record that set (or reset) its offset was read: the
   * topic partition and the record's timestamp (see `apply`).
   */
  readonly #setBy = new Map<string, Map<string, { partition: number; timestamp: number }>>();
  readonly #only: string | undefined;

  private constructor(log: Log, topic: string, options: OffsetStoreOptions) {
    super(log, topic, options);
    this.#only = options.connector;
  }

  /** Creates the topic when missing and reads it to its end. */
  static async open(log: Log, topic: TopicSpec, options: OffsetStoreOptions = {}): Promise<OffsetStore> {
    const store = new OffsetStore(log, topic.name, options);
    await store.load(topic);
    return store;
  }

  /** Applies what other workers wrote since the last read (`readToEnd`). */
  async refresh(): Promise<void> {
    await this.readToEnd();
  }

  protected apply(record: LogRecord): void {
    const key = parseKey(record.key);
    if (key === undefined) return;
    const [connector, partition] = key;
    if (this.#only !== undefined && connector !== this.#only) return;
    const id = canonicalOrUndefined(partition);
    // A partition nested too deeply to compare (a connector's bug, or an older version's REST API) is
    // skipped: it must not stop the worker from reading its offsets, at every start.
    if (id === undefined) return;
    const value = parseJson(record) as SourceMap | null;
    // One source partition can have records in two partitions of the topic: its key was written with
    // other bytes (a map's keys in another order, as Connect's Java maps give them; a key edited in
    // place), which Kafka's partitioner places elsewhere, while the store matches partitions by content.
    // Kafka orders records within a partition only, so across partitions the newer record wins by its
    // timestamp; otherwise whichever partition happens to be read last would, and a task restarted after
    // a commit could read a stale offset back and emit its records again.
    const setBy = this.#setBy.get(connector) ?? new Map<string, { partition: number; timestamp: number }>();
    this.#setBy.set(connector, setBy);
    const previous = setBy.get(id);
    if (
      previous !== undefined &&
      previous.partition !== record.partition &&
      previous.timestamp > record.timestamp
    )
      return;
    setBy.set(id, { partition: record.partition, timestamp: record.timestamp });
    const offsets = this.#offsets.get(connector) ?? new Map<string, SourceOffset>();
    if (value === null) offsets.delete(id);
    else offsets.set(id, { partition, offset: value });
    if (offsets.size === 0) this.#offsets.delete(connector);
    else this.#offsets.set(connector, offsets);
  }

  /** The connector's offset for a source partition (matched by content), if any. */
  offset(connector: string, partition: SourceMap): SourceMap | undefined {
    return this.#offsets.get(connector)?.get(canonical(partition))?.offset;
  }

  /** Every offset of the connector. */
  offsets(connector: string): SourceOffset[] {
    return [...(this.#offsets.get(connector)?.values() ?? [])];
  }

  /**
   * Writes offsets (null resets a partition) and resolves once they are acknowledged and, unless
   * `refresh: false`, applied to this store's view.
   */
  async write(
    connector: string,
    entries: ReadonlyArray<{ partition: SourceMap; offset: SourceMap | null }>,
    options: { refresh?: boolean } = {},
  ): Promise<void> {
    if (entries.length === 0) return;
    this.assertOpen();
    const positions = await this.log.produce(
      this.topic,
      entries.map(({ partition, offset }) => ({
        key: toJson([connector, partition]),
        value: offset === null ? null : toJson(offset),
      })),
    );
    // Reading the topic back costs two more round trips; a writer that reads through `refresh` anyway
    // (a source task's offset reader) skips it.
    if (options.refresh ?? true) await this.readPast(positions);
  }
}

/**
 * JSON text of a partition or offset. Connectors may give 64-bit integers as bigint (the SDK's INT64);
 * they are written as plain JSON numbers with every digit, as Connect writes a Java long.
 */
function toJson(value: unknown): string {
  const marker = '\u0000bigint:';
  return JSON.stringify(value, (_key, item: unknown) =>
    typeof item === 'bigint' ? `${marker}${item}` : item,
  ).replace(/"\\u0000bigint:(-?\d+)"/g, '$1');
}

/** Connect's key: a two-element JSON array of the connector name and the source partition. */
function parseKey(key: Buffer | null): [string, SourceMap] | undefined {
  if (key === null) return undefined;
  try {
    const parsed = JSON.parse(key.toString('utf8')) as unknown;
    if (Array.isArray(parsed) && parsed.length === 2 && typeof parsed[0] === 'string' && isMap(parsed[1])) {
      return [parsed[0], parsed[1]];
    }
  } catch {
    // Not ours to interpret (Connect ignores such keys too).
  }
  return undefined;
}

function isMap(value: unknown): value is SourceMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Partition maps compare by content: key order differs between writers (Java's HashMap, JS objects). The
 * JSON text with every object's keys sorted, written by the native serializer (no recursion of ours, so
 * any depth JSON.stringify takes is fine).
 */
function canonical(value: unknown): string {
  return (
    JSON.stringify(value, (_key, item: unknown) =>
      isMap(item)
        ? Object.fromEntries(
            Object.keys(item)
              .sort()
              .map((key) => [key, item[key]]),
          )
        : item,
    ) ?? 'null'
  );
}

/** `canonical`, or undefined for a value nested too deeply to serialize. */
function canonicalOrUndefined(value: unknown): string | undefined {
  try {
    return canonical(value);
  } catch (error) {
    if (error instanceof RangeError) return undefined;
    throw error;
  }
}
