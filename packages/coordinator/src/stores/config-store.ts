import { SluiceError } from '@sluice/errors';
import type { Log, LogRecord, TopicSpec } from '@sluice/log';
import { CompactedTopicStore, parseJson, type StoreOptions } from './compacted-topic-store.js';
import { CorruptStateRecordError } from './errors.js';

export type TargetState = 'STARTED' | 'PAUSED' | 'STOPPED';
export type ConnectorConfig = Record<string, string>;

/** The key internal REST requests are signed with (KIP-507), as the leader keeps it in the config topic. */
export interface SessionKey {
  key: Buffer;
  /** The key's algorithm, e.g. `HmacSHA256`. */
  algorithm: string;
  /** When the leader made it, ms since the epoch. */
  creationTimestamp: number;
}

/** `POST /connectors/{name}/restart?includeTasks=…&onlyFailed=…`, as the leader hands it to every worker. */
export interface RestartRequest {
  connector: string;
  includeTasks: boolean;
  onlyFailed: boolean;
}

/** What the config topic says, as of `offset` (the next offset to read: everything before it is applied). */
export interface ConfigSnapshot {
  offset: number;
  connectors: ReadonlyMap<string, ConnectorConfig>;
  targetStates: ReadonlyMap<string, TargetState>;
  /** Task configs of each connector, only as of its last complete commit record. */
  tasks: ReadonlyMap<string, readonly ConnectorConfig[]>;
  /**
   * Connectors whose last commit record found an incomplete set of task configs (compaction after a torn
   * write): they have no tasks until a complete set is committed again, which their connector must
   * generate (Connect's inconsistent connectors).
   */
  inconsistent: ReadonlySet<string>;
  /** The latest session key, if a leader has written one. */
  sessionKey: SessionKey | undefined;
  /**
   * Each connector's config as it was when its task configs were last committed (Connect's "applied"
   * config, KAFKA-9228): when the config changed since, the connector's tasks need new task configs even if
   * they come out the same, so that the tasks restart with the new config.
   */
  tasksGeneratedWith: ReadonlyMap<string, ConnectorConfig>;
}

/**
 * A change to the config view; `offset` is the record's. Emitted when the view changed, and for every
 * connector config and complete task-config commit written (Connect acts on each write), and for every
 * restart request (an action).
 */
export type ConfigChange =
  | {
      type: 'connector-added';
      connector: string;
      config: ConnectorConfig;
      targetState: TargetState;
      offset: number;
    }
  /** A connector's config was written again (changed or not: Connect restarts the instance on every write). */
  | { type: 'connector-updated'; connector: string; config: ConnectorConfig; offset: number }
  | { type: 'connector-removed'; connector: string; offset: number }
  /** The target state of an existing connector changed. */
  | { type: 'target-state'; connector: string; state: TargetState; offset: number }
  /**
   * A complete set of task configs was committed (changed or not: a connector whose config changed
   * commits the same set again so that its tasks restart).
   */
  | { type: 'tasks-committed'; connector: string; tasks: readonly ConnectorConfig[]; offset: number }
  /** A commit found an incomplete set: the connector has no tasks until it commits a complete one. */
  | { type: 'tasks-inconsistent'; connector: string; offset: number }
  | { type: 'session-key'; sessionKey: SessionKey; offset: number }
  | { type: 'restart-request'; request: RestartRequest; offset: number };

const CONNECTOR = 'connector-';
const TASK = 'task-';
const COMMIT = 'commit-';
const TARGET_STATE = 'target-state-';
const SESSION_KEY = 'session-key';
const RESTART = 'restart-connector-';

/**
 * Connector configs, target states, task configs, the session key and restart requests in Apache Kafka
 * Connect's config-topic format (string keys `connector-<name>`, `task-<name>-<n>`, `commit-<name>`,
 * `target-state-<name>`, `session-key`, `restart-connector-<name>`; JSON values `{"properties": …}`,
 * `{"tasks": n}`, `{"state": …, "state.v2": …}`, `{"key", "algorithm", "creation-timestamp"}`,
 * `{"include-tasks", "only-failed"}`), so a config topic moves between a Connect cluster and Sluice. Task
 * configs become visible only with their commit record and only as a complete set, as in Connect, so a
 * half-written set is never started.
 *
 * Writes resolve once this store's own view has them (read-your-writes).
 */
export class ConfigStore extends CompactedTopicStore<ConfigChange> {
  readonly #connectors = new Map<string, ConnectorConfig>();
  readonly #targetStates = new Map<string, TargetState>();
  /** Task configs read since the connector's last commit record, by task number. */
  readonly #pendingTasks = new Map<string, Map<number, ConnectorConfig>>();
  readonly #tasks = new Map<string, ConnectorConfig[]>();
  readonly #inconsistent = new Set<string>();
  readonly #tasksGeneratedWith = new Map<string, ConnectorConfig>();
  #sessionKey: SessionKey | undefined;
  /**
   * The last snapshot handed out, while the view has not changed since: every REST read (a connector's
   * status, its config) takes a snapshot, and copying every map for each made a read cost O(connectors).
   */
  #snapshot: ConfigSnapshot | undefined;

  private constructor(log: Log, topic: string, options: StoreOptions) {
    super(log, topic, options);
  }

  /** Creates the topic when missing and reads it to its end. Does not follow it: see `start()`. */
  static async open(log: Log, topic: TopicSpec, options: StoreOptions = {}): Promise<ConfigStore> {
    if ((topic.partitions ?? 1) !== 1) {
      throw new SluiceError('SLUICE_CONFIG_INVALID', 'config.storage.topic must have exactly one partition');
    }
    const store = new ConfigStore(log, topic.name, options);
    await store.load({ ...topic, partitions: 1 });
    return store;
  }

  /** Applies everything written to the config topic so far, by this worker or others (`readToEnd`). */
  async refresh(): Promise<ConfigSnapshot> {
    await this.readToEnd();
    return this.snapshot();
  }

  /**
   * The view as it is now (followed or last read): a copy that later changes leave alone. Until the view
   * changes, every call returns the same one.
   */
  snapshot(): ConfigSnapshot {
    const offset = this.position(0);
    if (this.#snapshot !== undefined && this.#snapshot.offset !== offset)
      this.#snapshot = { ...this.#snapshot, offset };
    this.#snapshot ??= {
      offset,
      connectors: new Map(this.#connectors),
      targetStates: new Map(this.#targetStates),
      tasks: new Map(this.#tasks),
      inconsistent: new Set(this.#inconsistent),
      sessionKey: this.#sessionKey,
      tasksGeneratedWith: new Map(this.#tasksGeneratedWith),
    };
    return this.#snapshot;
  }

  /** Writes a connector's config and, when given, its target state first (as Connect does on create). */
  async putConnectorConfig(
    name: string,
    config: ConnectorConfig,
    targetState?: TargetState,
  ): Promise<ConfigSnapshot> {
    const records = [];
    if (targetState !== undefined) records.push(targetStateRecord(name, targetState));
    records.push({ key: CONNECTOR + name, value: JSON.stringify({ properties: config }) });
    return this.#write(records);
  }

  /** Deletes a connector: tombstones for its config and target state. */
  async removeConnector(name: string): Promise<ConfigSnapshot> {
    return this.#write([
      { key: CONNECTOR + name, value: null },
      { key: TARGET_STATE + name, value: null },
    ]);
  }

  /** Writes a connector's target state (any worker may: pause and resume are not forwarded in Connect). */
  async putTargetState(name: string, state: TargetState): Promise<ConfigSnapshot> {
    return this.#write([targetStateRecord(name, state)]);
  }

  /** Writes a connector's task configs followed by their commit record, in one produce call. */
  async putTaskConfigs(name: string, configs: readonly ConnectorConfig[]): Promise<ConfigSnapshot> {
    return this.#write([
      ...configs.map((config, task) => ({
        key: `${TASK}${name}-${task}`,
        value: JSON.stringify({ properties: config }),
      })),
      { key: COMMIT + name, value: JSON.stringify({ tasks: configs.length }) },
    ]);
  }

  /** Writes the session key (the leader's job), as Connect does: the key Base64 (standard, padded). */
  async putSessionKey(sessionKey: SessionKey): Promise<ConfigSnapshot> {
    return this.#write([
      {
        key: SESSION_KEY,
        value: JSON.stringify({
          key: sessionKey.key.toString('base64'),
          algorithm: sessionKey.algorithm,
          'creation-timestamp': sessionKey.creationTimestamp,
        }),
      },
    ]);
  }

  /** Writes a restart request (the leader's job); every worker runs the part it owns. */
  async putRestartRequest(request: RestartRequest): Promise<ConfigSnapshot> {
    return this.#write([
      {
        key: RESTART + request.connector,
        value: JSON.stringify({ 'include-tasks': request.includeTasks, 'only-failed': request.onlyFailed }),
      },
    ]);
  }

  async #write(records: Array<{ key: string; value: string | null }>): Promise<ConfigSnapshot> {
    this.assertOpen();
    const positions = await this.log.produce(this.topic, records);
    await this.readPast(positions);
    return this.snapshot();
  }

  protected apply(record: LogRecord, emit: (change: ConfigChange) => void): void {
    this.#snapshot = undefined;
    const key = record.key?.toString('utf8');
    if (key === undefined) return;
    const value = parseJson(record);
    const { offset } = record;
    if (key.startsWith(TARGET_STATE)) {
      const name = key.slice(TARGET_STATE.length);
      const previous = this.#targetStates.get(name);
      if (value === null) {
        this.#targetStates.delete(name);
        // A connector always has a target state: without a record of its own it is STARTED.
        if (this.#connectors.has(name)) this.#targetStates.set(name, 'STARTED');
      } else {
        this.#targetStates.set(name, targetState(value, record));
      }
      const state = this.#targetStates.get(name);
      // Only for a connector that exists: on create the target state comes first, and the connector's own
      // record tells of both.
      if (state !== undefined && state !== previous && this.#connectors.has(name)) {
        emit({ type: 'target-state', connector: name, state, offset });
      }
    } else if (key.startsWith(CONNECTOR)) {
      const name = key.slice(CONNECTOR.length);
      const previous = this.#connectors.get(name);
      if (value === null) {
        this.#forget(name);
        this.#targetStates.delete(name);
        if (previous !== undefined) emit({ type: 'connector-removed', connector: name, offset });
        return;
      }
      const config = properties(value, record);
      this.#connectors.set(name, config);
      if (previous === undefined) {
        if (!this.#targetStates.has(name)) this.#targetStates.set(name, 'STARTED');
        emit({
          type: 'connector-added',
          connector: name,
          config,
          targetState: this.#targetStates.get(name)!,
          offset,
        });
      } else {
        emit({ type: 'connector-updated', connector: name, config, offset });
      }
    } else if (key.startsWith(TASK)) {
      const id = taskId(key);
      // A task config tombstone is not something Connect writes; it has nothing to apply.
      if (id === undefined || value === null) return;
      const config = properties(value, record);
      const pending = this.#pendingTasks.get(id.connector) ?? new Map<number, ConnectorConfig>();
      pending.set(id.task, config);
      this.#pendingTasks.set(id.connector, pending);
    } else if (key.startsWith(COMMIT)) {
      const name = key.slice(COMMIT.length);
      if (value === null) return;
      const count = isObject(value) ? value['tasks'] : undefined;
      if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) {
        throw new CorruptStateRecordError(record, `has no task count: ${JSON.stringify(value)}`);
      }
      this.#commit(name, count, offset, emit);
    } else if (key.startsWith(RESTART)) {
      if (!isObject(value)) return;
      const flag = (field: string) => value[field] === true;
      emit({
        type: 'restart-request',
        request: {
          connector: key.slice(RESTART.length),
          includeTasks: flag('include-tasks'),
          onlyFailed: flag('only-failed'),
        },
        offset,
      });
    } else if (key === SESSION_KEY) {
      if (value === null) return;
      const sessionKey = toSessionKey(value, record);
      const previous = this.#sessionKey;
      this.#sessionKey = sessionKey;
      if (
        previous === undefined ||
        !previous.key.equals(sessionKey.key) ||
        previous.algorithm !== sessionKey.algorithm ||
        previous.creationTimestamp !== sessionKey.creationTimestamp
      ) {
        emit({ type: 'session-key', sessionKey, offset });
      }
    }
    // Other keys (`tasks-fencing-…` of exactly-once source, `logger-cluster-…`) are not Sluice's to apply.
  }

  /**
   * A commit record: the task configs read since the last one become the connector's tasks if they are a
   * complete set 0…count-1 (more is fine: compaction may keep configs of tasks that were dropped later);
   * otherwise the connector is inconsistent. Either way the next commit needs a fresh set.
   */
  #commit(name: string, count: number, offset: number, emit: (change: ConfigChange) => void): void {
    const pending = this.#pendingTasks.get(name);
    this.#pendingTasks.delete(name);
    // The connector was deleted and compaction removed its config and tombstone: these configs are stale.
    if (!this.#connectors.has(name)) {
      this.#forget(name);
      return;
    }
    const configs: ConnectorConfig[] = [];
    for (let task = 0; task < count; task++) {
      const config = pending?.get(task);
      if (config === undefined) {
        const wasInconsistent = this.#inconsistent.has(name);
        this.#inconsistent.add(name);
        this.#tasks.delete(name);
        if (!wasInconsistent) emit({ type: 'tasks-inconsistent', connector: name, offset });
        return;
      }
      configs.push(config);
    }
    this.#inconsistent.delete(name);
    this.#tasks.set(name, configs);
    this.#tasksGeneratedWith.set(name, this.#connectors.get(name)!);
    emit({ type: 'tasks-committed', connector: name, tasks: configs, offset });
  }

  /** Drops what belongs to a removed connector (not its target state: that has a record of its own). */
  #forget(name: string): void {
    this.#connectors.delete(name);
    this.#tasks.delete(name);
    this.#tasksGeneratedWith.delete(name);
    this.#pendingTasks.delete(name);
    this.#inconsistent.delete(name);
  }
}

function targetStateRecord(name: string, state: TargetState): { key: string; value: string } {
  // Workers older than Connect 3.5 read only `state` and know no STOPPED: they see PAUSED.
  return {
    key: TARGET_STATE + name,
    value: JSON.stringify({ state: state === 'STOPPED' ? 'PAUSED' : state, 'state.v2': state }),
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `task-<connector>-<n>`: the connector name may itself contain dashes. */
function taskId(key: string): { connector: string; task: number } | undefined {
  const at = key.lastIndexOf('-');
  const number = key.slice(at + 1);
  if (at <= TASK.length || !/^\d+$/.test(number)) return undefined;
  return { connector: key.slice(TASK.length, at), task: Number(number) };
}

function properties(value: unknown, record: LogRecord): ConnectorConfig {
  const props = isObject(value) ? value['properties'] : undefined;
  if (!isObject(props)) throw new CorruptStateRecordError(record, 'has no "properties" object');
  const config: ConnectorConfig = {};
  for (const [key, item] of Object.entries(props)) if (typeof item === 'string') config[key] = item;
  return config;
}

function targetState(value: unknown, record: LogRecord): TargetState {
  const v2 = isObject(value) ? value['state.v2'] : undefined;
  // Written by a worker older than 3.5 when `state.v2` is missing.
  const state = typeof v2 === 'string' ? v2 : isObject(value) ? value['state'] : undefined;
  if (state === 'STARTED' || state === 'PAUSED' || state === 'STOPPED') return state;
  throw new CorruptStateRecordError(record, `has unknown target state ${JSON.stringify(state)}`);
}

function toSessionKey(value: unknown, record: LogRecord): SessionKey {
  const fields = isObject(value) ? value : {};
  const { key, algorithm } = fields;
  const created = fields['creation-timestamp'];
  if (typeof key !== 'string' || typeof algorithm !== 'string' || !Number.isSafeInteger(created)) {
    throw new CorruptStateRecordError(
      record,
      'is not a session key {"key": base64, "algorithm": string, "creation-timestamp": ms}',
    );
  }
  return { key: Buffer.from(key, 'base64'), algorithm, creationTimestamp: created as number };
}
