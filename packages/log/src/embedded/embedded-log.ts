import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SluiceError } from '@sluice/errors';
import type {
  ClusterAdmin,
  ClusterInfo,
  ConfigChange,
  ConfigEntry,
  GroupInfo,
  GroupListing,
  PartitionInfo,
} from '../admin-types.js';
import {
  LogClosedError,
  OffsetOutOfRangeError,
  StoreCorruptError,
  TopicExistsError,
  UnknownBrokerError,
  UnknownTopicError,
} from '../errors.js';
import { routeRecords, StickyPartitions, toBuffer } from '../partitioner.js';
import { validateTopicName } from '../topic-name.js';
import type {
  FetchOptions,
  FetchResult,
  GroupOffset,
  Log,
  LogReader,
  LogRecord,
  PartitionOffsets,
  PollOptions,
  ProduceRecord,
  RecordPosition,
  TopicDescription,
  TopicPartitionFetchResult,
  TopicPartitionPosition,
  TopicSpec,
} from '../types.js';
import { decodeHeaders, encodeHeaders } from './headers-codec.js';
import {
  checkTopicConfig,
  describeBrokerConfigEntries,
  describeTopicConfigEntries,
} from './topic-configs.js';
import { SCHEMA, SCHEMA_VERSION } from './schema.js';
import {
  checkStoreFile,
  damagedStoreMessage,
  replacedStoreMessage,
  STORE_FILE,
  writeMarker,
  type StoreFileState,
} from './store-file.js';
import { StoreLock } from './store-lock.js';

export interface EmbeddedLogOptions {
  /**
   * Directory of the store; created when missing. One process at a time may use it: the first open in a
   * process locks it for the process (opens in its other threads share the lock), and an open in another
   * process fails with a `SLUICE_STORE_LOCKED` error naming the directory and the holder's pid.
   */
  dataDir: string;
  /**
   * `process-crash`: an acknowledged write survives the process being killed (kill -9), not a power cut.
   * `power-loss`: every commit is fsynced, which also survives a power cut and costs throughput.
   * @default 'process-crash'
   */
  durability?: 'process-crash' | 'power-loss';
}

interface TopicRow {
  id: number;
  name: string;
  partitions: number;
  compacted: number;
  configs: string;
}

interface RecordRow {
  partition: number;
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Buffer | null;
}

interface PartitionRow {
  partition: number;
  start_offset: number;
  next_offset: number;
}

const DEFAULT_MAX_FETCH_BYTES = 1024 * 1024;
/** Rows per multi-row INSERT: one statement call per 64 records instead of one per record. */
const INSERT_ROWS = 64;
/** Rows read per query while filling a fetch. */
const READ_ROWS = 2000;
const INSERT_RECORDS =
  'INSERT INTO records (topic_id, partition, offset, timestamp, key, value, headers) VALUES ';
const RECORD_VALUES = '(?, ?, ?, ?, ?, ?, ?)';
type RecordParameters = [number, number, number, number, Buffer | null, Buffer | null, Buffer | null];
type RawRecordRow = [
  offset: number,
  timestamp: number,
  key: Buffer | null,
  value: Buffer | null,
  headers: Buffer | null,
];
/** Writers in other threads or processes cannot wake a waiting fetch, so it also re-checks this often. */
const FETCH_POLL_MS = 25;

/**
 * The log in one SQLite database (WAL mode), for a single worker with no Kafka. Its data directory is locked
 * for one process ({@link StoreLock}), and a store file that was emptied, truncated, overwritten or replaced is
 * refused with what is wrong and what to do, never taken for a new, empty store.
 */
export class EmbeddedLog implements Log, ClusterAdmin {
  readonly backend = 'embedded';
  readonly #db: Database.Database;
  readonly #lock: StoreLock;
  readonly #state: StoreFileState;
  readonly #statements;
  readonly #appended = new EventEmitter();
  readonly #sticky = new StickyPartitions();
  #closed = false;

  private constructor(db: Database.Database, lock: StoreLock, state: StoreFileState) {
    this.#db = db;
    this.#lock = lock;
    this.#state = state;
    this.#appended.setMaxListeners(0);
    this.#statements = {
      topicByName: db.prepare<[string], TopicRow>('SELECT * FROM topics WHERE name = ?'),
      topicNames: db.prepare<[], { name: string }>('SELECT name FROM topics ORDER BY name').pluck(false),
      insertTopic: db.prepare<[string, number, number, string]>(
        'INSERT INTO topics (name, partitions, compacted, configs) VALUES (?, ?, ?, ?)',
      ),
      insertPartition: db.prepare<[number, number]>(
        'INSERT INTO partitions (topic_id, partition, start_offset, next_offset) VALUES (?, ?, 0, 0)',
      ),
      partition: db.prepare<[number, number], PartitionRow>(
        'SELECT partition, start_offset, next_offset FROM partitions WHERE topic_id = ? AND partition = ?',
      ),
      partitions: db.prepare<[number], PartitionRow>(
        'SELECT partition, start_offset, next_offset FROM partitions WHERE topic_id = ? ORDER BY partition',
      ),
      advancePartition: db.prepare<[number, number, number]>(
        'UPDATE partitions SET next_offset = ? WHERE topic_id = ? AND partition = ?',
      ),
      insertRecord: db.prepare<RecordParameters>(INSERT_RECORDS + RECORD_VALUES),
      insertRecords: db.prepare<unknown[]>(
        INSERT_RECORDS + Array.from({ length: INSERT_ROWS }, () => RECORD_VALUES).join(', '),
      ),
      readRecords: db
        .prepare<[number, number, number, number], RawRecordRow>(
          'SELECT offset, timestamp, key, value, headers FROM records ' +
            'WHERE topic_id = ? AND partition = ? AND offset >= ? ORDER BY offset LIMIT ?',
        )
        .raw(),
      latestOffsetOfKey: db
        .prepare<[number, number, Buffer], number>(
          'SELECT offset FROM latest WHERE topic_id = ? AND partition = ? AND key = ?',
        )
        .pluck(),
      upsertLatest: db.prepare<[number, number, Buffer, number]>(
        'INSERT INTO latest (topic_id, partition, key, offset) VALUES (?, ?, ?, ?) ' +
          'ON CONFLICT (topic_id, partition, key) DO UPDATE SET offset = excluded.offset',
      ),
      deleteRecord: db.prepare<[number, number, number]>(
        'DELETE FROM records WHERE topic_id = ? AND partition = ? AND offset = ?',
      ),
      latestOfCompacted: db.prepare<[number], RecordRow>(
        'SELECT r.partition, r.offset, r.timestamp, r.key, r.value, r.headers FROM latest l ' +
          'JOIN records r ON r.topic_id = l.topic_id AND r.partition = l.partition AND r.offset = l.offset ' +
          'WHERE l.topic_id = ? AND r.value IS NOT NULL ORDER BY r.partition, r.offset',
      ),
      latestOfAny: db.prepare<[number, number], RecordRow>(
        'SELECT r.partition, r.offset, r.timestamp, r.key, r.value, r.headers FROM records r JOIN (' +
          'SELECT partition, MAX(offset) AS offset FROM records WHERE topic_id = ? AND key IS NOT NULL ' +
          'GROUP BY partition, key) l ON r.topic_id = ? AND r.partition = l.partition AND r.offset = l.offset ' +
          'WHERE r.value IS NOT NULL ORDER BY r.partition, r.offset',
      ),
      upsertGroupOffset: db.prepare<[string, string, number, number]>(
        'INSERT INTO group_offsets (group_id, topic, partition, offset) VALUES (?, ?, ?, ?) ' +
          'ON CONFLICT (group_id, topic, partition) DO UPDATE SET offset = excluded.offset',
      ),
      groupOffsets: db.prepare<[string], GroupOffset>(
        'SELECT topic, partition, offset FROM group_offsets WHERE group_id = ? ORDER BY topic, partition',
      ),
      deleteGroupOffset: db.prepare<[string, string, number]>(
        'DELETE FROM group_offsets WHERE group_id = ? AND topic = ? AND partition = ?',
      ),
      deleteGroup: db.prepare<[string]>('DELETE FROM group_offsets WHERE group_id = ?'),
      groupOffsetsOfTopic: db.prepare<[string, string], GroupOffset>(
        'SELECT topic, partition, offset FROM group_offsets WHERE group_id = ? AND topic = ? ORDER BY partition',
      ),
      groupIds: db
        .prepare<[], string>('SELECT DISTINCT group_id FROM group_offsets ORDER BY group_id')
        .pluck(),
      hasGroup: db
        .prepare<[string], number>('SELECT 1 FROM group_offsets WHERE group_id = ? LIMIT 1')
        .pluck(),
      offsetForTime: db
        .prepare<[number, number, number], number | null>(
          'SELECT MIN(offset) FROM records WHERE topic_id = ? AND partition = ? AND timestamp >= ?',
        )
        .pluck(),
      updateTopicConfigs: db.prepare<[string, number, number]>(
        'UPDATE topics SET configs = ?, compacted = ? WHERE id = ?',
      ),
    };
  }

  /**
   * Opens (creating when needed) the store under `options.dataDir`. Fails with `SLUICE_STORE_LOCKED` when
   * another process uses the directory, and with `SLUICE_STORE_CORRUPT` when the store file is damaged.
   */
  static open(options: EmbeddedLogOptions): Promise<EmbeddedLog> {
    // The executor turns a throw while opening into a rejection.
    return new Promise((resolve) => {
      try {
        mkdirSync(options.dataDir, { recursive: true });
      } catch (error) {
        throw new SluiceError(
          'SLUICE_STORE_OPEN_FAILED',
          `cannot open the embedded store at ${join(options.dataDir, STORE_FILE)}: ${(error as Error).message}`,
          { cause: error },
        );
      }
      const lock = StoreLock.acquire(options.dataDir);
      try {
        const { db, state } = openDatabase(options, lock.holds);
        resolve(new EmbeddedLog(db, lock, state));
      } catch (error) {
        lock.release();
        throw error;
      }
    });
  }

  clusterId(): Promise<string> {
    return this.#run(() =>
      this.#db.prepare<[], string>("SELECT value FROM meta WHERE name = 'cluster.id'").pluck().get()!,
    );
  }

  createTopic(spec: TopicSpec): Promise<void> {
    return this.#run(() => {
      this.#createTopic(spec);
    });
  }

  ensureTopic(spec: TopicSpec): Promise<TopicDescription> {
    return this.#run(() => {
      const existing = this.#statements.topicByName.get(spec.name);
      if (existing !== undefined) return describe(existing);
      return this.#createTopic(spec);
    });
  }

  describeTopic(name: string): Promise<TopicDescription | undefined> {
    return this.#run(() => {
      validateTopicName(name);
      const row = this.#statements.topicByName.get(name);
      return row === undefined ? undefined : describe(row);
    });
  }

  partitionCount(name: string): Promise<number | undefined> {
    return this.describeTopic(name).then((description) => description?.partitions);
  }

  listTopics(): Promise<string[]> {
    return this.#run(() => this.#statements.topicNames.all().map((row) => row.name));
  }

  deleteTopic(name: string): Promise<void> {
    return this.#run(() => {
      const topic = this.#topic(name);
      this.#db.transaction(() => {
        for (const table of ['records', 'latest', 'partitions']) {
          this.#db.prepare(`DELETE FROM ${table} WHERE topic_id = ?`).run(topic.id);
        }
        this.#db.prepare('DELETE FROM topics WHERE id = ?').run(topic.id);
      })();
      this.#sticky.forget(name);
    });
  }

  produce(topicName: string, records: readonly ProduceRecord[]): Promise<RecordPosition[]> {
    return this.#run(() => {
      const topic = this.#topic(topicName);
      const compacted = topic.compacted === 1;
      const routes = routeRecords(
        { name: topicName, partitions: topic.partitions, compacted },
        records,
        this.#sticky.next(topicName, topic.partitions),
      );
      const now = Date.now();
      // One literal of one shape per record (a spread of the route cost more than the insert).
      const prepared = new Array<{
        key: Buffer | null;
        partition: number;
        value: Buffer | null;
        timestamp: number;
        headers: Buffer | null;
      }>(records.length);
      for (let index = 0; index < records.length; index++) {
        const record = records[index]!;
        const route = routes[index]!;
        prepared[index] = {
          key: route.key,
          partition: route.partition,
          value: toBuffer(record.value),
          timestamp: record.timestamp ?? now,
          headers: encodeHeaders(record.headers),
        };
      }

      const statements = this.#statements;
      const positions = this.#db
        .transaction(() => {
          const next = new Map<number, number>();
          const out: RecordPosition[] = [];
          const pending: (number | Buffer | null)[] = [];
          for (const record of prepared) {
            let offset = next.get(record.partition);
            if (offset === undefined)
              offset = statements.partition.get(topic.id, record.partition)!.next_offset;
            if (compacted) {
              statements.insertRecord.run(
                topic.id,
                record.partition,
                offset,
                record.timestamp,
                record.key,
                record.value,
                record.headers,
              );
              this.#compact(topic.id, record.partition, record.key!, offset);
            } else {
              pending.push(
                topic.id,
                record.partition,
                offset,
                record.timestamp,
                record.key,
                record.value,
                record.headers,
              );
              if (pending.length === INSERT_ROWS * 7) {
                statements.insertRecords.run(...pending);
                pending.length = 0;
              }
            }
            out.push({ partition: record.partition, offset });
            next.set(record.partition, offset + 1);
          }
          for (let at = 0; at < pending.length; at += 7) {
            statements.insertRecord.run(...(pending.slice(at, at + 7) as RecordParameters));
          }
          for (const [partition, offset] of next)
            statements.advancePartition.run(offset, topic.id, partition);
          return out;
        })
        .immediate();
      for (const partition of new Set(prepared.map((record) => record.partition))) {
        this.#appended.emit(`${topic.id}:${partition}`);
      }
      return positions;
    });
  }

  async fetch(
    topicName: string,
    partition: number,
    offset: number,
    options: FetchOptions = {},
  ): Promise<FetchResult> {
    const { topic, range } = this.#partitionRange(topicName, partition);
    if (!Number.isInteger(offset) || offset < range.start_offset || offset > range.next_offset) {
      throw new OffsetOutOfRangeError(topicName, partition, offset, range.start_offset, range.next_offset);
    }
    const maxWaitMs = options.maxWaitMs ?? 0;
    if (offset === range.next_offset && maxWaitMs > 0)
      await this.#waitForAppend([{ topicId: topic.id, partition, offset }], maxWaitMs, []);
    this.#assertOpen();
    const { records, highWatermark } = this.#read(
      topic,
      partition,
      offset,
      options.maxBytes ?? DEFAULT_MAX_FETCH_BYTES,
    );
    return { records, highWatermark };
  }

  /**
   * A reader over this same database: SQLite has no connection to hold up, so the reader only needs a way
   * to end its own wait.
   */
  openReader(): Promise<LogReader> {
    return this.#run(() => {
      const stop = new AbortController();
      return {
        fetchPartitions: async (topic, positions, options) => {
          const results = await this.#fetchTopicPartitions(
            positions.map(({ partition, offset }) => ({ topic, partition, offset })),
            options ?? {},
            stop.signal,
          );
          return results.map(({ partition, records, highWatermark, nextOffset }) => ({
            partition,
            records,
            highWatermark,
            nextOffset,
          }));
        },
        fetchTopicPartitions: (positions, options) =>
          this.#fetchTopicPartitions(positions, options ?? {}, stop.signal),
        close: () => {
          stop.abort();
          return Promise.resolve();
        },
      };
    });
  }

  /** A long poll over partitions of any topics; `stop` is the reader's (closed: resolves empty). */
  async #fetchTopicPartitions(
    positions: readonly TopicPartitionPosition[],
    options: PollOptions,
    stop: AbortSignal,
  ): Promise<TopicPartitionFetchResult[]> {
    if (stop.aborted) throw new LogClosedError();
    if (positions.length === 0) throw new SluiceError('SLUICE_INVALID_FETCH', 'a poll needs a partition');
    const seen = new Set<string>();
    const ranges = positions.map(({ topic: topicName, partition, offset }) => {
      const { topic, range } = this.#partitionRange(topicName, partition);
      if (seen.has(`${topic.id}:${partition}`))
        throw new SluiceError('SLUICE_INVALID_FETCH', `${topicName}-${partition} is listed twice`);
      seen.add(`${topic.id}:${partition}`);
      if (!Number.isInteger(offset) || offset < range.start_offset || offset > range.next_offset) {
        throw new OffsetOutOfRangeError(topicName, partition, offset, range.start_offset, range.next_offset);
      }
      return { topic, partition, offset, end: range.next_offset };
    });
    const maxWaitMs = options.maxWaitMs ?? 0;
    if (maxWaitMs > 0 && ranges.every((r) => r.offset === r.end)) {
      const waiting = ranges.map(({ topic, partition, offset }) => ({
        topicId: topic.id,
        partition,
        offset,
      }));
      await this.#waitForAppend(waiting, maxWaitMs, [stop, ...(options.signal ? [options.signal] : [])]);
      if (stop.aborted) return [];
      this.#assertOpen();
    }
    const maxBytes = options.maxBytes ?? DEFAULT_MAX_FETCH_BYTES;
    return ranges.map(({ topic, partition, offset }) => {
      const { records, highWatermark, complete } = this.#read(topic, partition, offset, maxBytes);
      // Read to the end: every offset below the high watermark that was not returned was compacted away.
      const nextOffset = complete ? Math.max(offset, highWatermark) : records[records.length - 1]!.offset + 1;
      return { topic: topic.name, partition, records, highWatermark, nextOffset };
    });
  }

  /**
   * Records of one partition from `offset` on, up to about `maxBytes`, with the high watermark; `complete`
   * when they reach the end of the partition.
   */
  #read(
    topic: TopicRow,
    partition: number,
    offset: number,
    maxBytes: number,
  ): FetchResult & { complete: boolean } {
    const records: LogRecord[] = [];
    let bytes = 0;
    let complete = false;
    // One read transaction so the rows and the high watermark are one consistent snapshot.
    const read = this.#db.transaction(() => {
      let from = offset;
      while (bytes < maxBytes) {
        const rows = this.#statements.readRecords.all(topic.id, partition, from, READ_ROWS);
        for (const [rowOffset, timestamp, key, value, headers] of rows) {
          records.push({
            topic: topic.name,
            partition,
            offset: rowOffset,
            timestamp,
            key,
            value,
            headers: decodeHeaders(headers),
          });
          bytes += (key?.length ?? 0) + (value?.length ?? 0) + (headers?.length ?? 0) + 24;
          if (bytes >= maxBytes) break;
        }
        if (rows.length < READ_ROWS && bytes < maxBytes) complete = true;
        if (rows.length < READ_ROWS) break;
        from = rows[rows.length - 1]![0] + 1;
      }
      return this.#statements.partition.get(topic.id, partition)!.next_offset;
    });
    const highWatermark = this.#guard(read);
    return { records, highWatermark, complete };
  }

  offsets(topicName: string): Promise<PartitionOffsets[]> {
    return this.#run(() => {
      const topic = this.#topic(topicName);
      return this.#statements.partitions
        .all(topic.id)
        .map((row) => ({ partition: row.partition, beginning: row.start_offset, end: row.next_offset }));
    });
  }

  latestByKey(topicName: string): Promise<LogRecord[]> {
    return this.#run(() => {
      const topic = this.#topic(topicName);
      const rows =
        topic.compacted === 1
          ? this.#statements.latestOfCompacted.all(topic.id)
          : this.#statements.latestOfAny.all(topic.id, topic.id);
      return rows.map((row) => toLogRecord(topicName, row));
    });
  }

  commitGroupOffsets(groupId: string, offsets: readonly GroupOffset[]): Promise<void> {
    return this.#run(() => {
      for (const entry of offsets) this.#partitionRange(entry.topic, entry.partition);
      this.#db.transaction(() => {
        for (const entry of offsets) {
          this.#statements.upsertGroupOffset.run(groupId, entry.topic, entry.partition, entry.offset);
        }
      })();
    });
  }

  deleteGroupOffsets(
    groupId: string,
    partitions?: readonly { topic: string; partition: number }[],
  ): Promise<void> {
    return this.#run(() => {
      if (partitions === undefined) {
        this.#statements.deleteGroup.run(groupId);
        return;
      }
      this.#db.transaction(() => {
        for (const { topic, partition } of partitions)
          this.#statements.deleteGroupOffset.run(groupId, topic, partition);
      })();
    });
  }

  fetchGroupOffsets(groupId: string, topic?: string): Promise<GroupOffset[]> {
    return this.#run(() =>
      topic === undefined
        ? this.#statements.groupOffsets.all(groupId)
        : this.#statements.groupOffsetsOfTopic.all(groupId, topic),
    );
  }

  /** One broker (0), which is the controller; the store has no network address of its own. */
  describeCluster(): Promise<ClusterInfo> {
    return this.clusterId().then((clusterId) => ({
      clusterId,
      controllerId: 0,
      brokers: [{ id: 0, host: null, port: null, rack: null }],
    }));
  }

  describePartitions(topicName: string): Promise<PartitionInfo[]> {
    return this.#run(() => {
      const topic = this.#topic(topicName);
      return Array.from({ length: topic.partitions }, (_, partition) => ({
        partition,
        leader: 0,
        replicas: [0],
        isr: [0],
      }));
    });
  }

  describeTopicConfigs(topicName: string): Promise<ConfigEntry[]> {
    return this.#run(() => describeTopicConfigEntries(overrides(this.#topic(topicName))));
  }

  describeBrokerConfigs(brokerId: number): Promise<ConfigEntry[]> {
    return this.#run(() => {
      if (brokerId !== 0) throw new UnknownBrokerError(brokerId);
      return describeBrokerConfigEntries();
    });
  }

  /**
   * Changes the topic's overrides in one transaction. Turning compaction on indexes each key's latest record
   * and drops the older ones at once (the store compacts immediately); turning it off drops the index.
   */
  alterTopicConfigs(
    topicName: string,
    changes: readonly ConfigChange[],
    options: { validateOnly?: boolean } = {},
  ): Promise<void> {
    return this.#run(() => {
      const topic = this.#topic(topicName);
      const configs = overrides(topic);
      for (const { name, value } of changes) {
        checkTopicConfig(name, value);
        if (value === null) delete configs[name];
        else configs[name] = value;
      }
      if (options.validateOnly === true) return;
      const compacted = (configs['cleanup.policy'] ?? 'delete').split(',').includes('compact');
      this.#db
        .transaction(() => {
          this.#statements.updateTopicConfigs.run(JSON.stringify(configs), compacted ? 1 : 0, topic.id);
          if (compacted === (topic.compacted === 1)) return;
          this.#db.prepare('DELETE FROM latest WHERE topic_id = ?').run(topic.id);
          if (!compacted) return;
          this.#db
            .prepare(
              'INSERT INTO latest (topic_id, partition, key, offset) SELECT topic_id, partition, key, MAX(offset) ' +
                'FROM records WHERE topic_id = ? AND key IS NOT NULL GROUP BY partition, key',
            )
            .run(topic.id);
          this.#db
            .prepare(
              'DELETE FROM records WHERE topic_id = ? AND key IS NOT NULL AND NOT EXISTS (SELECT 1 FROM latest l ' +
                'WHERE l.topic_id = records.topic_id AND l.partition = records.partition AND l.offset = records.offset)',
            )
            .run(topic.id);
        })
        .immediate();
    });
  }

  /** Groups with committed offsets: the store keeps no other trace of a group. */
  listGroups(): Promise<GroupListing[]> {
    return this.#run(() => this.#statements.groupIds.all().map((groupId) => ({ groupId, protocolType: '' })));
  }

  describeGroups(groupIds: readonly string[]): Promise<GroupInfo[]> {
    return this.#run(() =>
      groupIds.map((groupId) => ({
        groupId,
        state: this.#statements.hasGroup.get(groupId) === undefined ? 'Dead' : 'Empty',
        protocolType: '',
        protocol: '',
        coordinatorId: 0,
        members: [],
      })),
    );
  }

  offsetForTime(topicName: string, partition: number, timestamp: number): Promise<number> {
    return this.#run(() => {
      const { topic, range } = this.#partitionRange(topicName, partition);
      return this.#statements.offsetForTime.get(topic.id, partition, timestamp) ?? range.next_offset;
    });
  }

  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#appended.emit('closed');
      this.#db.close();
      this.#lock.release();
    }
    return Promise.resolve();
  }

  /** Runs a synchronous store operation, turning its throw into a rejected promise. */
  #run<T>(operation: () => T): Promise<T> {
    return new Promise((resolve) => {
      this.#assertOpen();
      resolve(this.#guard(operation));
    });
  }

  /** Runs `operation`, telling damage SQLite finds in the file (a page zeroed, say) as such. */
  #guard<T>(operation: () => T): T {
    try {
      return operation();
    } catch (error) {
      if (isDamage(error)) {
        throw new StoreCorruptError(damagedStoreMessage(this.#state, sqliteReason(error)), { cause: error });
      }
      throw error;
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new LogClosedError();
  }

  #createTopic(spec: TopicSpec): TopicDescription {
    validateTopicName(spec.name);
    const partitions = spec.partitions ?? 1;
    if (!Number.isInteger(partitions) || partitions < 1) {
      throw new SluiceError(
        'SLUICE_INVALID_PARTITIONS',
        `partitions must be a positive integer, got ${partitions}`,
      );
    }
    const configs = { 'cleanup.policy': 'delete', ...spec.configs };
    const compacted = configs['cleanup.policy'].split(',').includes('compact');
    return this.#db
      .transaction(() => {
        if (this.#statements.topicByName.get(spec.name) !== undefined) throw new TopicExistsError(spec.name);
        // Only the overrides are stored: describing the topic adds the default policy (see `describe`).
        const id = Number(
          this.#statements.insertTopic.run(
            spec.name,
            partitions,
            compacted ? 1 : 0,
            JSON.stringify(spec.configs ?? {}),
          ).lastInsertRowid,
        );
        for (let p = 0; p < partitions; p++) this.#statements.insertPartition.run(id, p);
        return { name: spec.name, partitions, configs };
      })
      .immediate();
  }

  #topic(name: string): TopicRow {
    validateTopicName(name);
    const row = this.#statements.topicByName.get(name);
    if (row === undefined) throw new UnknownTopicError(name);
    return row;
  }

  #partitionRange(topicName: string, partition: number): { topic: TopicRow; range: PartitionRow } {
    this.#assertOpen();
    const topic = this.#topic(topicName);
    const range = Number.isInteger(partition)
      ? this.#statements.partition.get(topic.id, partition)
      : undefined;
    if (range === undefined) throw new UnknownTopicError(topicName, partition);
    return { topic, range };
  }

  /** Immediate compaction: the record this key had before is dropped, as Kafka's cleaner eventually would. */
  #compact(topicId: number, partition: number, key: Buffer, offset: number): void {
    const previous = this.#statements.latestOffsetOfKey.get(topicId, partition, key);
    if (previous !== undefined) this.#statements.deleteRecord.run(topicId, partition, previous);
    this.#statements.upsertLatest.run(topicId, partition, key, offset);
  }

  /**
   * Waits until any of the partitions has a record at or after its offset, `maxWaitMs` pass, the log closes
   * or `stop` aborts. Appends by this process wake it at once; those of others are seen by polling.
   */
  /** Waits until any of `positions` has a record at its offset, for `maxWaitMs` at most, or a signal aborts. */
  async #waitForAppend(
    positions: ReadonlyArray<{ topicId: number; partition: number; offset: number }>,
    maxWaitMs: number,
    signals: readonly AbortSignal[],
  ): Promise<void> {
    const deadline = Date.now() + maxWaitMs;
    const events = positions.map(({ topicId, partition }) => `${topicId}:${partition}`);
    const stopped = () => this.#closed || signals.some((signal) => signal.aborted);
    while (!stopped()) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) return;
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          for (const event of events) this.#appended.off(event, done);
          this.#appended.off('closed', done);
          for (const signal of signals) signal.removeEventListener('abort', done);
          resolve();
        };
        const timer = setTimeout(done, Math.min(remaining, FETCH_POLL_MS));
        for (const event of events) this.#appended.once(event, done);
        this.#appended.once('closed', done);
        for (const signal of signals) signal.addEventListener('abort', done, { once: true });
      });
      if (stopped()) return;
      for (const { topicId, partition, offset } of positions) {
        const range = this.#statements.partition.get(topicId, partition);
        if (range === undefined || range.next_offset > offset) return;
      }
    }
  }
}

/**
 * Opens the store file after {@link checkStoreFile} passed it, and checks what SQLite reads: the schema, the
 * cluster id against the marker, and every row of the small tables that hold the configs and partitions, so
 * that damage there is reported now rather than by a failing request. The first open of a process (`holdsLock`)
 * writes the marker of a store that has none.
 */
function openDatabase(
  options: EmbeddedLogOptions,
  holdsLock: boolean,
): { db: Database.Database; state: StoreFileState } {
  const state = checkStoreFile(options.dataDir);
  const file = state.file;
  let db: Database.Database;
  try {
    db = new Database(file);
  } catch (error) {
    throw openFailure(state, error);
  }
  try {
    db.pragma('journal_mode = WAL');
    // NORMAL in WAL mode: a commit is in the OS's hands when it returns, which survives kill -9.
    db.pragma(`synchronous = ${options.durability === 'power-loss' ? 'FULL' : 'NORMAL'}`);
    db.pragma('busy_timeout = 10000');
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new SluiceError(
        'SLUICE_STORE_TOO_NEW',
        `the embedded store at ${file} has schema version ${version}; this Sluice reads up to ${SCHEMA_VERSION}`,
      );
    }
    const hadStore =
      db
        .prepare<[], number>("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'meta'")
        .pluck()
        .get() === 1;
    if (!hadStore && state.recordedClusterId !== null) {
      throw new StoreCorruptError(replacedStoreMessage(state, null));
    }
    db.exec(SCHEMA);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
    // Same shape as a Kafka cluster id: 16 random bytes, base64url.
    db.prepare("INSERT INTO meta (name, value) VALUES ('cluster.id', ?) ON CONFLICT DO NOTHING").run(
      randomBytes(16).toString('base64url'),
    );
    const clusterId = db
      .prepare<[], string>("SELECT value FROM meta WHERE name = 'cluster.id'")
      .pluck()
      .get()!;
    if (state.recordedClusterId !== null && clusterId !== state.recordedClusterId) {
      throw new StoreCorruptError(replacedStoreMessage(state, clusterId));
    }
    for (const table of ['meta', 'topics', 'partitions', 'group_offsets']) {
      db.prepare(`SELECT * FROM ${table}`).all();
    }
    if (holdsLock && state.recordedClusterId === null) writeMarker(state, clusterId);
  } catch (error) {
    db.close();
    throw SluiceError.is(error) ? error : openFailure(state, error);
  }
  return { db, state };
}

/** A store SQLite cannot open: damaged (with what to do), or another reason (permissions, disk), said. */
function openFailure(state: StoreFileState, error: unknown): SluiceError {
  if (isDamage(error)) {
    return new StoreCorruptError(damagedStoreMessage(state, sqliteReason(error)), { cause: error });
  }
  return new SluiceError(
    'SLUICE_STORE_OPEN_FAILED',
    `cannot open the embedded store at ${state.file}: ${sqliteReason(error)}`,
    { cause: error },
  );
}

/** Whether SQLite found the file damaged (rather than, say, unreadable or the disk full). */
function isDamage(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^SQLITE_(CORRUPT|NOTADB)/.test(code);
}

function sqliteReason(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return typeof code === 'string' && !message.includes(code) ? `${message} (${code})` : message;
}

/** The configs set on a topic (stores made by earlier versions also hold the default `cleanup.policy`). */
function overrides(row: TopicRow): Record<string, string> {
  return JSON.parse(row.configs) as Record<string, string>;
}

function describe(row: TopicRow): TopicDescription {
  return {
    name: row.name,
    partitions: row.partitions,
    configs: { 'cleanup.policy': 'delete', ...overrides(row) },
  };
}

function toLogRecord(topic: string, row: RecordRow): LogRecord {
  return {
    topic,
    partition: row.partition,
    offset: row.offset,
    timestamp: row.timestamp,
    key: row.key,
    value: row.value,
    headers: decodeHeaders(row.headers),
  };
}
