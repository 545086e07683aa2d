import type { Log, LogRecord, TopicSpec } from '@sluice/log';
import { CompactedTopicStore, parseJson, type StoreOptions } from './compacted-topic-store.js';
import { CorruptStateRecordError } from './errors.js';

export type State = 'UNASSIGNED' | 'RUNNING' | 'PAUSED' | 'FAILED' | 'RESTARTING' | 'STOPPED';

const STATES: ReadonlySet<string> = new Set<State>([
  'UNASSIGNED',
  'RUNNING',
  'PAUSED',
  'FAILED',
  'RESTARTING',
  'STOPPED',
]);

export interface Status {
  state: State;
  /** The failure's stack trace; absent unless FAILED. */
  trace?: string;
  /** `host:port` of the worker that reported this status. */
  workerId: string;
  /** The group generation the worker was in when it wrote this: a later generation wins over an earlier one. */
  generation: number;
}

/** One status of several written at once (`StatusStore.putAllSafe`): a connector's, or with `task` a task's. */
export interface StatusWrite {
  connector: string;
  task?: number;
  status: Status;
}

export interface ActiveTopic {
  topic: string;
  connector: string;
  task: number;
  discoverTimestamp: number;
}

/** A change to the status view, with the offset of the record that made it. Only real changes. */
export type StatusChange =
  | { type: 'connector-status'; connector: string; status: Status; offset: number }
  | { type: 'connector-status-removed'; connector: string; offset: number }
  | { type: 'task-status'; connector: string; task: number; status: Status; offset: number }
  | { type: 'task-status-removed'; connector: string; task: number; offset: number }
  /** The connector's active topics, all of them, sorted by name. */
  | { type: 'active-topics'; connector: string; topics: readonly ActiveTopic[]; offset: number }
  /** A worker said it is about to join or leave its group (`putWorkerNotice`); `timestamp` is the record's. */
  | { type: 'worker-notice'; worker: string; event: WorkerNoticeEvent; timestamp: number; offset: number };

/** What a worker announces to the others of its group ahead of the group coordinator. */
export type WorkerNoticeEvent = 'joining' | 'leaving';

/** One record of the status topic: Connect's key, and its JSON value (null: a tombstone). */
interface StatusRecord {
  key: string;
  value: string | null;
}

const CONNECTOR = 'status-connector-';
const TASK = 'status-task-';
const TOPIC = 'status-topic-';
const TOPIC_CONNECTOR = ':connector-';
/** Sluice's own key, beside Connect's: Connect would log and skip it ("invalid key"), as it does any other. */
const WORKER_NOTICE = 'sluice-worker-';

/**
 * Connector and task statuses and active topics in Apache Kafka Connect's status-topic format
 * (`status-connector-<name>`, `status-task-<name>-<n>`, `status-topic-<topic>:connector-<name>`;
 * JSON values `{"state", "trace", "worker_id", "generation"}` and `{"topic": {…}}`), with the rules of
 * Connect's `KafkaStatusBackingStore`: `put…Safe` writes only over a status of the same worker or of an
 * older generation, and an UNASSIGNED from another worker that is not newer than a RUNNING is ignored.
 *
 * A write is applied to this store's view as soon as it is acknowledged, without waiting for the follower;
 * each key remembers the offset it was last applied from, so the follower neither applies that record
 * again nor an older one over it.
 */
export class StatusStore extends CompactedTopicStore<StatusChange> {
  readonly #connectors = new Map<string, Status>();
  readonly #tasks = new Map<string, Map<number, Status>>();
  readonly #topics = new Map<string, Map<string, ActiveTopic>>();
  /** `partition:key` → offset of the record the view has for that key */
  readonly #appliedOffsets = new Map<string, number>();
  /** Writes waiting for the produce under way to end (see `#write`). */
  readonly #queued: Array<{
    records: StatusRecord[];
    resolve: () => void;
    reject: (error: unknown) => void;
  }> = [];
  #writing = false;

  private constructor(log: Log, topic: string, options: StoreOptions) {
    super(log, topic, options);
  }

  /** Creates the topic when missing and reads it to its end. Does not follow it: see `start()`. */
  static async open(log: Log, topic: TopicSpec, options: StoreOptions = {}): Promise<StatusStore> {
    const store = new StatusStore(log, topic.name, options);
    await store.load(topic);
    return store;
  }

  /** Applies what was written since the last read (`readToEnd`). */
  async refresh(): Promise<void> {
    await this.readToEnd();
  }

  /** Every connector with a status of its own or of one of its tasks in the view. */
  connectorNames(): string[] {
    return [...new Set([...this.#connectors.keys(), ...this.#tasks.keys()])].sort();
  }

  /** The connector's status in the view, if any. */
  connector(name: string): Status | undefined {
    return this.#connectors.get(name);
  }

  /** The task's status in the view, if any. */
  task(connector: string, task: number): Status | undefined {
    return this.#tasks.get(connector)?.get(task);
  }

  /** Task statuses of a connector, by task number. */
  tasks(connector: string): Array<{ task: number; status: Status }> {
    return [...(this.#tasks.get(connector) ?? [])]
      .map(([task, status]) => ({ task, status }))
      .sort((a, b) => a.task - b.task);
  }

  /** The topics the connector has used (KIP-558), by name. */
  activeTopics(connector: string): ActiveTopic[] {
    return [...(this.#topics.get(connector)?.values() ?? [])].sort((a, b) => a.topic.localeCompare(b.topic));
  }

  /** Writes a connector's status whatever the status before (Connect's `put`). */
  async putConnector(name: string, status: Status): Promise<void> {
    await this.#write([{ key: CONNECTOR + name, value: statusJson(status) }]);
  }

  /**
   * Writes a connector's status unless another worker wrote one at a later generation (Connect's
   * `putSafe`); resolves with whether it wrote.
   */
  async putConnectorSafe(name: string, status: Status): Promise<boolean> {
    if (!canWriteSafely(this.#connectors.get(name), status)) return false;
    await this.putConnector(name, status);
    return true;
  }

  /** Writes a task's status whatever the status before (Connect's `put`). */
  async putTask(connector: string, task: number, status: Status): Promise<void> {
    await this.#write([{ key: `${TASK}${connector}-${task}`, value: statusJson(status) }]);
  }

  /** `putConnectorSafe` for a task. */
  async putTaskSafe(connector: string, task: number, status: Status): Promise<boolean> {
    if (!canWriteSafely(this.task(connector, task), status)) return false;
    await this.putTask(connector, task, status);
    return true;
  }

  /**
   * Writes several statuses with one produce, each only where `putConnectorSafe` or `putTaskSafe` would
   * write it; resolves with how many it wrote. A worker that gives up many connectors and tasks in a
   * rebalance records them all UNASSIGNED in one round trip rather than one each.
   */
  async putAllSafe(writes: readonly StatusWrite[]): Promise<number> {
    const records: Array<{ key: string; value: string }> = [];
    for (const { connector, task, status } of writes) {
      const current = task === undefined ? this.#connectors.get(connector) : this.task(connector, task);
      if (!canWriteSafely(current, status)) continue;
      const key = task === undefined ? CONNECTOR + connector : `${TASK}${connector}-${task}`;
      records.push({ key, value: statusJson(status) });
    }
    await this.#write(records);
    return records.length;
  }

  /** Records a topic the connector uses, unless the view has it already. */
  async putActiveTopic(topic: ActiveTopic): Promise<void> {
    if (this.#topics.get(topic.connector)?.has(topic.topic)) return;
    await this.#write([
      {
        key: `${TOPIC}${topic.topic}${TOPIC_CONNECTOR}${topic.connector}`,
        value: JSON.stringify({
          topic: {
            name: topic.topic,
            connector: topic.connector,
            task: topic.task,
            discoverTimestamp: topic.discoverTimestamp,
          },
        }),
      },
    ]);
  }

  /** Forgets a connector's active topics (`PUT /connectors/{name}/topics/reset`). */
  async resetActiveTopics(connector: string): Promise<void> {
    const keys = this.activeTopics(connector).map((t) => `${TOPIC}${t.topic}${TOPIC_CONNECTOR}${connector}`);
    await this.#write(keys.map((key) => ({ key, value: null })));
  }

  /**
   * Tells the other workers, which follow this topic, that this one is about to join or leave the group:
   * the group coordinator would tell them only at their next heartbeat, up to `heartbeat.interval.ms`
   * later, and every rebalance waits for its slowest member. One record per worker (compaction keeps the
   * last).
   */
  async putWorkerNotice(workerUrl: string, event: WorkerNoticeEvent): Promise<void> {
    await this.#write([{ key: WORKER_NOTICE + workerUrl, value: JSON.stringify({ event }) }]);
  }

  /** Removes every status of a deleted connector. */
  async removeConnector(connector: string, taskCount: number): Promise<void> {
    const tasks = new Set([
      ...(this.#tasks.get(connector)?.keys() ?? []),
      ...Array.from({ length: taskCount }, (_, i) => i),
    ]);
    await this.#write([
      { key: CONNECTOR + connector, value: null },
      ...[...tasks].map((task) => ({ key: `${TASK}${connector}-${task}`, value: null })),
    ]);
  }

  /**
   * Produces, then applies the acknowledged records at once: Connect never reads its statuses back. Writes
   * made while a produce is out go together in the next one (the log's producer sends one request at a
   * time, so a hundred tasks starting at once would otherwise wait a round trip each), in call order.
   */
  #write(records: StatusRecord[]): Promise<void> {
    this.assertOpen();
    if (records.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.#queued.push({ records, resolve, reject });
      if (!this.#writing) void this.#writeQueued();
    });
  }

  async #writeQueued(): Promise<void> {
    this.#writing = true;
    try {
      while (this.#queued.length > 0) {
        const writes = this.#queued.splice(0);
        try {
          await this.#produce(writes.flatMap((write) => write.records));
          for (const write of writes) write.resolve();
        } catch (error) {
          if (writes.length === 1) {
            writes[0]!.reject(error);
            continue;
          }
          // One write the log refuses (a status too large) must not fail the others: each on its own.
          for (const write of writes) await this.#produce(write.records).then(write.resolve, write.reject);
        }
      }
    } finally {
      this.#writing = false;
    }
  }

  async #produce(records: StatusRecord[]): Promise<void> {
    const positions = await this.log.produce(this.topic, records);
    const timestamp = Date.now();
    records.forEach((record, index) => {
      const { partition, offset } = positions[index]!;
      this.applyRecord({
        topic: this.topic,
        partition,
        offset,
        timestamp,
        key: Buffer.from(record.key),
        value: record.value === null ? null : Buffer.from(record.value),
        headers: [],
      });
    });
  }

  protected apply(record: LogRecord, emit: (change: StatusChange) => void): void {
    const key = record.key?.toString('utf8');
    if (key === undefined) return;
    // Applied already (this store's own write), or something newer is: nothing to do.
    const applied = `${record.partition}:${key}`;
    if (record.offset <= (this.#appliedOffsets.get(applied) ?? -1)) return;
    const value = parseJson(record);
    const { offset } = record;
    if (key.startsWith(CONNECTOR)) {
      const name = key.slice(CONNECTOR.length);
      if (name === '') return;
      const status = value === null ? undefined : toStatus(value, record);
      this.#appliedOffsets.set(applied, offset);
      const previous = this.#connectors.get(name);
      if (status !== undefined && isStaleUnassigned(previous, status)) return;
      if (status === undefined) {
        this.#connectors.delete(name);
        if (previous !== undefined) emit({ type: 'connector-status-removed', connector: name, offset });
      } else {
        this.#connectors.set(name, status);
        if (!sameStatus(previous, status))
          emit({ type: 'connector-status', connector: name, status, offset });
      }
    } else if (key.startsWith(TASK)) {
      const at = key.lastIndexOf('-');
      const connector = key.slice(TASK.length, at);
      const number = key.slice(at + 1);
      if (at <= TASK.length || !/^\d+$/.test(number)) return;
      const task = Number(number);
      const status = value === null ? undefined : toStatus(value, record);
      this.#appliedOffsets.set(applied, offset);
      const tasks = this.#tasks.get(connector) ?? new Map<number, Status>();
      const previous = tasks.get(task);
      if (status === undefined) {
        tasks.delete(task);
        if (previous !== undefined) emit({ type: 'task-status-removed', connector, task, offset });
      } else {
        if (isStaleUnassigned(previous, status)) return;
        tasks.set(task, status);
        if (!sameStatus(previous, status)) emit({ type: 'task-status', connector, task, status, offset });
      }
      if (tasks.size === 0) this.#tasks.delete(connector);
      else this.#tasks.set(connector, tasks);
    } else if (key.startsWith(WORKER_NOTICE)) {
      const worker = key.slice(WORKER_NOTICE.length);
      const event =
        typeof value === 'object' && value !== null ? (value as { event?: unknown }).event : undefined;
      this.#appliedOffsets.set(applied, offset);
      if (worker !== '' && (event === 'joining' || event === 'leaving'))
        emit({ type: 'worker-notice', worker, event, timestamp: record.timestamp, offset });
    } else if (key.startsWith(TOPIC)) {
      const at = key.lastIndexOf(TOPIC_CONNECTOR);
      if (at < 0) return;
      const topic = key.slice(TOPIC.length, at);
      const connector = key.slice(at + TOPIC_CONNECTOR.length);
      if (topic === '' || connector === '') return;
      const entry = value === null ? undefined : toActiveTopic(value, topic, connector, record);
      this.#appliedOffsets.set(applied, offset);
      const topics = this.#topics.get(connector) ?? new Map<string, ActiveTopic>();
      const previous = topics.get(topic);
      if (entry === undefined) topics.delete(topic);
      else topics.set(topic, entry);
      if (topics.size === 0) this.#topics.delete(connector);
      else this.#topics.set(connector, topics);
      const changed =
        entry === undefined
          ? previous !== undefined
          : previous === undefined ||
            previous.task !== entry.task ||
            previous.discoverTimestamp !== entry.discoverTimestamp;
      if (changed) emit({ type: 'active-topics', connector, topics: this.activeTopics(connector), offset });
    }
  }
}

/**
 * Connect's `CacheEntry.canWriteSafely`: there is no status yet, or it is this worker's, or it is of the
 * same or an older generation.
 */
function canWriteSafely(current: Status | undefined, status: Status): boolean {
  return (
    current === undefined || current.workerId === status.workerId || current.generation <= status.generation
  );
}

/**
 * A worker that had not read another's RUNNING may still report UNASSIGNED for the same or an older
 * generation during quick rebalances (or after it lost its membership); Connect's reader ignores such a
 * stale status for tasks. Sluice ignores it for connectors too, and only when it comes from another worker
 * than the RUNNING: a worker that stopped its own task (a connector stopped, tasks.max lowered) really
 * has nothing running, at whatever generation.
 */
function isStaleUnassigned(previous: Status | undefined, next: Status): boolean {
  return (
    next.state === 'UNASSIGNED' &&
    previous?.state === 'RUNNING' &&
    previous.workerId !== next.workerId &&
    previous.generation >= next.generation
  );
}

function statusJson(status: Status): string {
  return JSON.stringify({
    state: status.state,
    trace: status.trace ?? null,
    worker_id: status.workerId,
    generation: status.generation,
  });
}

function sameStatus(a: Status | undefined, b: Status): boolean {
  return (
    a !== undefined &&
    a.state === b.state &&
    a.trace === b.trace &&
    a.workerId === b.workerId &&
    a.generation === b.generation
  );
}

/** Connect's reader needs all of state, worker_id and generation; it skips a status without them. */
function toStatus(value: unknown, record: LogRecord): Status {
  const fields = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  const { state, trace, worker_id: workerId, generation } = fields;
  if (
    typeof state !== 'string' ||
    !STATES.has(state) ||
    typeof workerId !== 'string' ||
    !Number.isSafeInteger(generation)
  ) {
    throw new CorruptStateRecordError(
      record,
      'is not a status {"state": UNASSIGNED|RUNNING|PAUSED|FAILED|RESTARTING|STOPPED, "worker_id": string, "generation": int}',
    );
  }
  const status: Status = { state: state as State, workerId, generation: generation as number };
  if (typeof trace === 'string' && trace !== '') status.trace = trace;
  return status;
}

function toActiveTopic(value: unknown, topic: string, connector: string, record: LogRecord): ActiveTopic {
  const entry =
    typeof value === 'object' && value !== null ? (value as Record<string, unknown>)['topic'] : undefined;
  if (typeof entry !== 'object' || entry === null) {
    throw new CorruptStateRecordError(record, 'is not an active topic {"topic": {…}}');
  }
  const fields = entry as Record<string, unknown>;
  return {
    topic,
    connector,
    task: Number(fields['task'] ?? 0),
    discoverTimestamp: Number(fields['discoverTimestamp'] ?? 0),
  };
}
