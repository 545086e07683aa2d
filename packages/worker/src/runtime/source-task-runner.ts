// Runs one source task on a host thread: poll → convert → produce → track offsets → commit.
import { setImmediate as nextTurn } from 'node:timers/promises';
import { OffsetStore, topicSpecFor, type SourceMap } from '@sluice/coordinator';
import type { Log, ProduceRecord, RecordPosition } from '@sluice/log';
import {
  SourceTask,
  type OffsetStorageReader,
  type RecordMetadata,
  type SourceRecord,
  type SourceTaskContext,
} from '@sluice/sdk';
import type { Actor, ActorContext, ActorFactory } from './actor.js';
import { closeConverters, createConverters, type TaskConverters } from './converters.js';
import {
  ErrorHandler,
  LogReporter,
  SKIPPED,
  StageFailure,
  type ErrorReporter,
  type FailedRecord,
} from './error-handling.js';
import { fencedLog, LeaseGate, isFenced } from './lease.js';
import { TransformationChain } from './transformation-chain.js';
import {
  isRetriable,
  loadConnectorPlugin,
  runTaskLifecycle,
  openTaskLog,
  taskRunnerConfig,
  within,
  Wakeup,
  type TaskRunnerCommand,
  type TaskRunnerConfig,
  type TaskRunnerEvent,
} from './task-runner-config.js';

/** Wait before calling `poll` again after it threw a `RetriableError`. */
const RETRY_BACKOFF_MS = 100;
/** How long `stop` lets a running `poll` return by itself before calling `task.stop()` to interrupt it. */
const STOP_GRACE_MS = 500;
/** Connect's logger name, as its logs show it. */
const LOG_REPORTER = 'org.apache.kafka.connect.runtime.errors.LogReporter';

/** One poll's records grouped for produce: per topic, the records and their indexes in the poll. */
type ByTopic = Map<string, { indexes: number[]; produce: ProduceRecord[] }>;

/** What one poll's records became: a produce per topic, in flight or acknowledged. */
interface Sent {
  records: SourceRecord[];
  /** Where each record landed, by index in `records`; filled as the produces resolve. */
  metadata: RecordMetadata[];
  topics: string[];
  done: Promise<{ ok: true } | { ok: false; error: unknown }>;
}

/** Run when a task thread preloads this module (a worker in a cluster): the Kafka requests' code, loaded early. */
export { preloadKafkaProtocol as warmUp } from '@sluice/kafka-client';

/**
 * The source task runner actor (`TaskHostPool.startActor({ module, export: 'sourceTaskRunner', config })`
 * with a {@link TaskRunnerConfig}). The factory returns at once; loading the plugin, opening the log and
 * `task.start` happen in the background, ending in a `running` event or in `context.fail`.
 *
 * Records of one poll are converted together and produced with one `produce` per topic. The next poll
 * runs while that produce is in flight; its records are produced only once the previous produce was
 * acknowledged, so order is kept. Source offsets are remembered only for acknowledged records and written
 * to the offsets topic in the background as they are acknowledged (one write at a time), and on pause and
 * on stop; the task itself keeps its position, so nothing is emitted twice for want of a commit.
 *
 * **The lease.** While the worker's lease has run out the runner polls nothing (checked before each
 * `poll`), and every write to the log waits: each produce, topic creation and source offset write checks
 * the lease synchronously right before it is issued (the task's log is wrapped by `fencedLog`). A stop
 * while fenced writes nothing more: records not acknowledged and offsets not written are replayed by the
 * next owner. `commitRecord` is still called for records the log acknowledged.
 */
export const sourceTaskRunner: ActorFactory = (context) => new SourceTaskRunner(context);

class SourceTaskRunner implements Actor {
  readonly #context: ActorContext;
  readonly #config: TaskRunnerConfig;
  readonly #wakeup = new Wakeup();
  readonly #gate: LeaseGate;
  readonly #done: Promise<{ error: unknown } | undefined>;
  readonly #enter = <T>(callback: () => T): T => this.#context.enter(callback);
  #stopping = false;
  #paused: boolean;
  #log: Log | undefined;
  #store: OffsetStore | undefined;
  #converters: TaskConverters | undefined;
  #transforms: TransformationChain | undefined;
  #errors: ErrorHandler | undefined;
  #task: SourceTask | undefined;
  #started = false;
  #taskStopped = false;
  #pending: Sent | undefined;
  /** Offsets of acknowledged records not written yet: canonical partition JSON → latest offset. */
  #acked = new Map<string, { partition: SourceMap; offset: SourceMap }>();
  /** An offset write still running (one at a time, so an older write never lands after a newer one). */
  #writing: Promise<void> | undefined;
  /** A background offset write finished: `task.commit()` is due (called from the loop, never during poll). */
  #commitDue = false;
  readonly #ensuredTopics = new Set<string>();
  readonly #activeTopics = new Set<string>();
  #commitsRecords = false;
  /** Aborted on pause and stop, so that a poll waiting on I/O returns at once (the task's `pollSignal`). */
  #polls = new AbortController();

  constructor(context: ActorContext) {
    this.#context = context;
    this.#config = taskRunnerConfig(context.config);
    this.#paused = this.#config.paused ?? false;
    this.#gate = new LeaseGate(context.lease, this.#wakeup, () => this.#stopping);
    context.onMessage((payload) => this.#command(payload as TaskRunnerCommand));
    this.#done = this.#run().then(
      () => undefined,
      (error: unknown) => ({ error }),
    );
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    this.#polls.abort();
    this.#wakeup.wake();
    const grace = new Promise((resolve) => setTimeout(resolve, STOP_GRACE_MS).unref());
    if ((await Promise.race([this.#done.then(() => 'done'), grace])) !== 'done') await this.#stopTask();
    const failure = await this.#done;
    if (failure !== undefined) throw failure.error;
  }

  #command(command: TaskRunnerCommand): void {
    if (command.type === 'pause') {
      this.#paused = true;
      this.#polls.abort();
    } else if (command.type === 'resume') this.#paused = false;
    this.#wakeup.wake();
  }

  #emit(event: TaskRunnerEvent): void {
    this.#context.emit(event);
  }

  #run(): Promise<void> {
    return runTaskLifecycle({
      init: () => this.#init(),
      loop: () => this.#loop(),
      shutdown: () => this.#shutdown(),
      stopping: () => this.#stopping,
      fail: (error) => this.#context.fail(error),
    });
  }

  async #init(): Promise<void> {
    const config = this.#config;
    const enter = this.#enter;
    const descriptor = await loadConnectorPlugin(config.plugin, 'source');
    this.#converters = await createConverters(config.converters, enter);
    this.#transforms = await TransformationChain.load(config.transforms, enter);
    const reporters: ErrorReporter[] = [];
    if (config.errors.logEnable) {
      reporters.push(
        new LogReporter(
          `${config.connector}-${config.task}`,
          config.errors.logIncludeMessages,
          (message, stack) => this.#emit({ type: 'log', logger: LOG_REPORTER, message, stack }),
        ),
      );
    }
    this.#errors = new ErrorHandler(config.errors, reporters, {
      sleep: (ms) => this.#wakeup.wait(ms),
      stopping: () => this.#stopping,
    });
    this.#log = fencedLog(await openTaskLog(config.log, this.#gate.wire), this.#gate);
    this.#store = await OffsetStore.open(this.#log, config.offsetStorage, { connector: config.connector });
    const task = enter(() => descriptor.createTask());
    this.#task = task;
    this.#commitsRecords = task.commitRecord !== SourceTask.prototype.commitRecord;
    const store = this.#store;
    const connector = config.connector;
    const reader: OffsetStorageReader = {
      async offset(partition) {
        await store.refresh();
        return store.offset(connector, partition) ?? null;
      },
      async offsets(partitions) {
        await store.refresh();
        return new Map(partitions.map((p) => [p, store.offset(connector, p) ?? null]));
      },
    };
    const polls = () => this.#polls.signal;
    const taskContext: SourceTaskContext = {
      configs: () => ({ ...config.taskConfig }),
      offsetStorageReader: reader,
      get pollSignal() {
        return polls();
      },
    };
    enter(() => task.initialize(taskContext));
    // A task whose connector is PAUSED is not started until it is resumed, as in Connect.
    if (this.#paused) {
      this.#emit({ type: 'paused' });
      while (this.#paused && !this.#stopping) await this.#wakeup.wait(60_000);
    }
    if (this.#stopping) return;
    await enter(() => task.start({ ...config.taskConfig }));
    this.#started = true;
    this.#emit({ type: 'running' });
  }

  async #loop(): Promise<void> {
    const task = this.#task!;
    const enter = this.#enter;
    while (!this.#stopping) {
      if (this.#paused) {
        await this.#settle();
        await this.#flush();
        this.#emit({ type: 'paused' });
        while (this.#paused && !this.#stopping) await this.#wakeup.wait(60_000);
        if (this.#stopping) break;
        this.#emit({ type: 'running' });
      }
      // Fenced: poll nothing (none of it could go out) until the lease is extended, or stop. A pause
      // asked for meanwhile takes effect after that.
      if (!this.#gate.open && !(await this.#gate.ready())) break;
      // A pause that was lifted before the loop saw it left the signal aborted.
      if (this.#polls.signal.aborted) this.#polls = new AbortController();
      let records: SourceRecord[] | null;
      try {
        records = await enter(() => task.poll());
      } catch (error) {
        if (!isRetriable(error)) throw error;
        await this.#wakeup.wait(RETRY_BACKOFF_MS);
        continue;
      }
      // Converted while the previous poll's produce is in flight; that produce must be acknowledged
      // before this one's starts, so order is kept.
      const converted = records !== null && records.length > 0 ? await this.#convert(records) : undefined;
      await this.#settle();
      // The acknowledged offsets are written before the next records go out (the next poll already ran
      // meanwhile), so a crash at any point replays at most the one batch in flight. A write slower than
      // offset.flush.timeout.ms is left running; its offsets are then covered by a later write.
      const writing = this.#writeOffsets();
      if (writing !== undefined) await within(writing, this.#config.offsetFlushTimeoutMs);
      if (converted !== undefined) this.#pending = this.#send(records!, converted);
      if (this.#commitDue) await this.#commitTask();
      // Let the thread's other actors run even when poll and produce answer without waiting.
      await nextTurn();
    }
  }

  /**
   * Transforms and converts one poll's records, grouped by topic. Without transforms the batch is
   * converted in one go; if that throws, or with transforms, each record goes through the error handler
   * stage by stage (Connect's order: transforms, then header, key and value converters), and a record a
   * transform dropped or a tolerated failure skipped is left out (its offset still counts once the
   * records before it are acknowledged).
   */
  async #convert(records: SourceRecord[]): Promise<ByTopic> {
    if (this.#transforms!.isEmpty) {
      try {
        return this.#context.enter(() => {
          const byTopic: ByTopic = new Map();
          for (let index = 0; index < records.length; index++) this.#group(byTopic, index, records[index]!);
          return byTopic;
        });
      } catch {
        // Some record failed: do it again record by record, where the error handler can see which.
      }
    }
    const byTopic: ByTopic = new Map();
    const errors = this.#errors!;
    const enter = this.#enter;
    for (let index = 0; index < records.length; index++) {
      const polled = records[index]!;
      const failed: FailedRecord = { source: polled };
      let record: SourceRecord | null | typeof SKIPPED = polled;
      if (!this.#transforms!.isEmpty) record = await this.#transforms!.apply(polled, errors, failed, enter);
      if (record === null || record === SKIPPED) continue;
      const ready = record;
      let outcome = errors.execute(
        'KEY_CONVERTER',
        '',
        () => enter(() => this.#group(undefined, index, ready)),
        failed,
      );
      if (outcome instanceof Promise) outcome = await outcome;
      if (outcome !== SKIPPED) this.#add(byTopic, index, ready.topic, outcome);
    }
    return byTopic;
  }

  /**
   * Converts one record into what is produced: into `byTopic` when given, else returned. A failure is
   * tagged with its converter's stage and class for the error handler.
   */
  #group(byTopic: ByTopic | undefined, index: number, record: SourceRecord): ProduceRecord {
    const { key, value, header } = this.#converters!;
    const classes = this.#config.converters;
    const topic = record.topic;
    const headers = record.headers;
    const stage = <T>(
      name: 'KEY_CONVERTER' | 'VALUE_CONVERTER' | 'HEADER_CONVERTER',
      className: string,
      convert: () => T,
    ): T => {
      try {
        return convert();
      } catch (error) {
        throw new StageFailure(name, className, error);
      }
    };
    // Headers first, then key and value, in Connect's order for sources.
    let converted: ProduceRecord['headers'];
    if (!headers.isEmpty()) {
      const list: NonNullable<ProduceRecord['headers']> = [];
      stage('HEADER_CONVERTER', classes.header.className, () => {
        for (const h of headers)
          list.push({ key: h.key, value: header.fromConnectHeader(topic, h.key, h.schema, h.value) });
      });
      converted = list;
    }
    const produce: ProduceRecord = {
      key: stage('KEY_CONVERTER', classes.key.className, () =>
        key.fromConnectData(topic, headers, record.keySchema, record.key),
      ),
      value: stage('VALUE_CONVERTER', classes.value.className, () =>
        value.fromConnectData(topic, headers, record.valueSchema, record.value),
      ),
      timestamp: record.timestamp ?? Date.now(),
    };
    if (converted !== undefined) produce.headers = converted;
    if (record.kafkaPartition !== null) produce.partition = record.kafkaPartition;
    if (byTopic !== undefined) this.#add(byTopic, index, topic, produce);
    return produce;
  }

  #add(byTopic: ByTopic, index: number, topic: string, produce: ProduceRecord): void {
    let batch = byTopic.get(topic);
    if (batch === undefined) byTopic.set(topic, (batch = { indexes: [], produce: [] }));
    batch.indexes.push(index);
    batch.produce.push(produce);
  }

  /** Starts producing one poll's converted records, one produce per topic. */
  #send(records: SourceRecord[], byTopic: ByTopic): Sent {
    const metadata = new Array<RecordMetadata>(records.length);
    const log = this.#log!;
    const produceTopic = async (topic: string, batch: { indexes: number[]; produce: ProduceRecord[] }) => {
      if (!this.#ensuredTopics.has(topic)) {
        await log.ensureTopic(topicSpecFor(this.#config.topicCreation, topic));
        this.#ensuredTopics.add(topic);
      }
      const positions: RecordPosition[] = await log.produce(topic, batch.produce);
      for (let i = 0; i < positions.length; i++) {
        const { partition, offset } = positions[i]!;
        metadata[batch.indexes[i]!] = { topic, partition, offset, timestamp: batch.produce[i]!.timestamp! };
      }
    };
    const done = Promise.all([...byTopic].map(([topic, batch]) => produceTopic(topic, batch))).then(
      () => ({ ok: true }) as const,
      (error: unknown) => ({ ok: false, error }) as const,
    );
    return { records, metadata, topics: [...byTopic.keys()], done };
  }

  /** Waits for the produce in flight; its records are acknowledged: remember offsets, tell the task. */
  async #settle(): Promise<void> {
    const sent = this.#pending;
    if (sent === undefined) return;
    this.#pending = undefined;
    // Told to stop while fenced: the produce is not acknowledged (the next owner replays it) and none of it
    // reaches Kafka any more (the gate on the wire is closed for good), so it is not waited for: the client
    // may retry it for seconds.
    if (this.#gate.abandonIfFenced()) return;
    const outcome = await sent.done;
    // Given up because the task stops while fenced: not acknowledged, so its offsets are not written and
    // the next owner replays it.
    if (!outcome.ok && this.#stopping && isFenced(outcome.error)) return;
    // A failed produce fails the task whatever errors.tolerance says: Connect tolerates (KIP-779) only
    // what its producer, retrying for ever, gives up on, while kafkajs gives up on a broker outage too,
    // and a produce here covers a whole poll; skipping it would lose records.
    if (!outcome.ok) throw outcome.error;
    const { records, metadata, topics } = sent;
    for (const topic of topics) {
      if (!this.#activeTopics.has(topic)) {
        this.#activeTopics.add(topic);
        this.#emit({ type: 'topic', topic });
      }
    }
    // Only the last offset of each run of records from one source partition matters: one map update per run.
    let partition: Readonly<SourceMap> | null = null;
    let offset: Readonly<SourceMap> | null = null;
    for (let index = 0; index < records.length; index++) {
      const { sourcePartition, sourceOffset } = records[index]!;
      if (sourcePartition === null || sourceOffset === null) continue;
      if (partition !== null && !sameMap(partition, sourcePartition)) this.#ack(partition, offset!);
      partition = sourcePartition;
      offset = sourceOffset;
    }
    if (partition !== null) this.#ack(partition, offset!);
    if (this.#commitsRecords) {
      const task = this.#task!;
      for (let index = 0; index < records.length; index++) {
        await this.#context.enter(() => task.commitRecord(records[index]!, metadata[index] ?? null));
      }
    }
  }

  #ack(partition: Readonly<SourceMap>, offset: Readonly<SourceMap>): void {
    const key = canonical(partition);
    // Delete first: the map keeps insertion order, and the write must end with the newest entries.
    this.#acked.delete(key);
    this.#acked.set(key, { partition, offset });
  }

  /**
   * Starts writing the offsets of the records acknowledged so far, unless a write is running: offsets
   * follow acknowledgements as closely as one write at a time allows, so a crash replays at most what was
   * acknowledged during the last write. (Connect writes every `offset.flush.interval.ms`; a write here costs
   * one small record, and fewer replays are worth it.) Resolves with the write's outcome.
   */
  #writeOffsets(): Promise<'written' | 'failed'> | undefined {
    if (this.#acked.size === 0 || this.#writing !== undefined) return undefined;
    const offsets = this.#acked;
    this.#acked = new Map();
    // The task's offset reader refreshes before it reads, so the write need not read the topic back.
    const writing = this.#store!.write(this.#config.connector, [...offsets.values()], { refresh: false });
    this.#writing = writing;
    return writing.then(
      () => {
        if (this.#writing === writing) this.#writing = undefined;
        this.#emit({ type: 'committed', offsets: offsets.size });
        this.#commitDue = true;
        return 'written' as const;
      },
      () => {
        if (this.#writing === writing) this.#writing = undefined;
        // Offsets acknowledged since are newer; keep those, put the rest back for the next write.
        for (const [key, entry] of offsets) if (!this.#acked.has(key)) this.#acked.set(key, entry);
        return 'failed' as const;
      },
    );
  }

  async #commitTask(): Promise<void> {
    this.#commitDue = false;
    const task = this.#task!;
    try {
      await this.#context.enter(() => task.commit());
    } catch {
      // Connect logs and carries on: commit() is a notification, not part of the write.
    }
  }

  /**
   * Writes every acknowledged offset now (on pause and on stop): waits for a running write, then writes
   * the rest, each bounded by `offsetFlushTimeoutMs`; a write that takes longer is left to finish.
   */
  async #flush(): Promise<void> {
    const timeoutMs = this.#config.offsetFlushTimeoutMs;
    if (this.#writing !== undefined)
      await within(
        this.#writing.catch(() => undefined),
        timeoutMs,
      );
    const writing = this.#writeOffsets();
    if (writing !== undefined) await within(writing, timeoutMs);
    if (this.#commitDue) await this.#commitTask();
  }

  async #stopTask(): Promise<void> {
    if (!this.#started || this.#taskStopped) return;
    this.#taskStopped = true;
    const task = this.#task!;
    await this.#context.enter(() => task.stop());
  }

  /** After the loop: last acknowledgements, a final offset flush, `task.stop()`, then the resources. */
  async #shutdown(): Promise<void> {
    try {
      if (this.#started) {
        try {
          await this.#settle();
        } finally {
          // Even when the last produce failed, the offsets acknowledged before it are committed.
          await this.#flush();
        }
      }
      await this.#stopTask();
    } finally {
      if (this.#converters !== undefined) closeConverters(this.#converters, this.#enter);
      this.#transforms?.close(this.#enter);
      await this.#log?.close();
    }
  }
}

/** Whether two source partitions have the same keys and the same primitive values (the common case, cheaply). */
function sameMap(a: Readonly<SourceMap>, b: Readonly<SourceMap>): boolean {
  if (a === b) return true;
  let count = 0;
  for (const key in a) {
    const value = a[key];
    if ((typeof value === 'object' && value !== null) || value !== b[key]) return false;
    count++;
  }
  for (const _ in b) count--;
  return count === 0;
}

/** Partition maps compare by content, whatever the order of their keys. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const map = value as Record<string, unknown>;
    return `{${Object.keys(map)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical(map[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
