import { SluiceError } from '@sluice/errors';
import type { Log, LogRecord, TopicSpec } from '@sluice/log';
import { ensureCompactedTopic, parseJson, TopicTail } from './topic-tail.js';

export type TargetState = 'STARTED' | 'PAUSED' | 'STOPPED';
export type ConnectorConfig = Record<string, string>;

/** What the config topic says, as of `offset` (the end offset read so far). */
export interface ConfigSnapshot {
  offset: number;
  connectors: ReadonlyMap<string, ConnectorConfig>;
  targetStates: ReadonlyMap<string, TargetState>;
  /** Task configs of each connector, only as of its last commit record. */
  tasks: ReadonlyMap<string, readonly ConnectorConfig[]>;
}

const CONNECTOR = 'connector-';
const TASK = 'task-';
const COMMIT = 'commit-';
const TARGET_STATE = 'target-state-';
const RESTART = 'restart-connector-';

/** A change the config topic brought, after the store's view was updated with it. */
export type ConfigChange =
  | { type: 'connector'; connector: string; removed: boolean }
  | { type: 'target-state'; connector: string }
  | { type: 'tasks'; connector: string }
  | { type: 'restart'; connector: string; includeTasks: boolean; onlyFailed: boolean };

/**
 * Connector configs, target states and task configs in Apache Kafka Connect's config-topic format
 * (string keys `connector-<name>`, `task-<name>-<n>`, `commit-<name>`, `target-state-<name>`; JSON
 * values `{"properties": …}`, `{"tasks": n}`, `{"state": …, "state.v2": …}`), so a config topic moves
 * between a Connect cluster and Sluice. Task configs become visible only with their commit record,
 * as in Connect, so a half-written set is never started.
 */
export class ConfigStore {
  readonly #log: Log;
  readonly #tail: TopicTail;
  #offset = 0;
  readonly #connectors = new Map<string, ConnectorConfig>();
  readonly #targetStates = new Map<string, TargetState>();
  readonly #pendingTasks = new Map<string, Map<number, ConnectorConfig>>();
  readonly #tasks = new Map<string, ConnectorConfig[]>();
  readonly #listeners = new Set<(change: ConfigChange) => void>();

  private constructor(log: Log, topic: string) {
    this.#log = log;
    this.#tail = new TopicTail(log, topic);
  }

  static async open(log: Log, topic: TopicSpec): Promise<ConfigStore> {
    if ((topic.partitions ?? 1) !== 1) {
      throw new SluiceError('SLUICE_CONFIG_INVALID', 'config.storage.topic must have exactly one partition');
    }
    await ensureCompactedTopic(log, { ...topic, partitions: 1 });
    const store = new ConfigStore(log, topic.name);
    await store.refresh();
    return store;
  }

  /** Applies everything written to the config topic so far, by this worker or others. */
  async refresh(): Promise<ConfigSnapshot> {
    await this.#tail.readToEnd((record) => {
      this.#apply(record);
      this.#offset = record.offset + 1;
    });
    return this.snapshot();
  }

  /** Calls `listener` with every change applied from now on, in log order; returns how to stop. */
  onChange(listener: (change: ConfigChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(change: ConfigChange): void {
    for (const listener of this.#listeners) listener(change);
  }

  /** Asks the workers that run a connector's parts to restart them (Connect's `restart-connector-<name>`). */
  async putRestartRequest(
    name: string,
    request: { includeTasks: boolean; onlyFailed: boolean },
  ): Promise<ConfigSnapshot> {
    return this.#write([
      {
        key: RESTART + name,
        value: JSON.stringify({ 'include-tasks': request.includeTasks, 'only-failed': request.onlyFailed }),
      },
    ]);
  }

  snapshot(): ConfigSnapshot {
    return {
      offset: this.#offset,
      connectors: new Map(this.#connectors),
      targetStates: new Map(this.#targetStates),
      tasks: new Map(this.#tasks),
    };
  }

  /** Writes a connector's config and, when given, its target state (as Connect does on create). */
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

  async #write(records: Array<{ key: string; value: string | null }>): Promise<ConfigSnapshot> {
    await this.#log.produce(this.#tail.topic, records);
    return this.refresh();
  }

  #apply(record: LogRecord): void {
    const key = record.key?.toString('utf8');
    if (key === undefined) return;
    const value = parseJson(record) as Record<string, unknown> | null;
    if (key.startsWith(CONNECTOR)) {
      const name = key.slice(CONNECTOR.length);
      if (value === null) {
        this.#connectors.delete(name);
        this.#targetStates.delete(name);
        this.#tasks.delete(name);
        this.#pendingTasks.delete(name);
      } else {
        this.#connectors.set(name, properties(value, record));
        if (!this.#targetStates.has(name)) this.#targetStates.set(name, 'STARTED');
      }
      this.#emit({ type: 'connector', connector: name, removed: value === null });
    } else if (key.startsWith(TARGET_STATE)) {
      const name = key.slice(TARGET_STATE.length);
      if (value === null) this.#targetStates.delete(name);
      else this.#targetStates.set(name, targetState(value, record));
      this.#emit({ type: 'target-state', connector: name });
    } else if (key.startsWith(RESTART)) {
      if (value === null) return;
      this.#emit({
        type: 'restart',
        connector: key.slice(RESTART.length),
        includeTasks: value['include-tasks'] === true,
        onlyFailed: value['only-failed'] === true,
      });
    } else if (key.startsWith(TASK)) {
      const at = key.lastIndexOf('-');
      const name = key.slice(TASK.length, at);
      const task = Number(key.slice(at + 1));
      if (!Number.isInteger(task) || task < 0 || value === null) return;
      const pending = this.#pendingTasks.get(name) ?? new Map<number, ConnectorConfig>();
      pending.set(task, properties(value, record));
      this.#pendingTasks.set(name, pending);
    } else if (key.startsWith(COMMIT)) {
      const name = key.slice(COMMIT.length);
      const count = value?.['tasks'];
      if (typeof count !== 'number') return;
      const pending = this.#pendingTasks.get(name) ?? new Map<number, ConnectorConfig>();
      const configs: ConnectorConfig[] = [];
      for (let task = 0; task < count; task++) {
        const config = pending.get(task) ?? this.#tasks.get(name)?.[task];
        // An incomplete set (lost to compaction, or torn) is not applied; Connect marks it inconsistent.
        if (config === undefined) return;
        configs.push(config);
      }
      this.#tasks.set(name, configs);
      this.#pendingTasks.delete(name);
      this.#emit({ type: 'tasks', connector: name });
    }
  }
}

function targetStateRecord(name: string, state: TargetState): { key: string; value: string } {
  // Workers older than Connect 3.5 read only `state` and know no STOPPED: they see PAUSED.
  return {
    key: TARGET_STATE + name,
    value: JSON.stringify({ state: state === 'STOPPED' ? 'PAUSED' : state, 'state.v2': state }),
  };
}

function properties(value: Record<string, unknown>, record: LogRecord): ConnectorConfig {
  const props = value['properties'];
  if (typeof props !== 'object' || props === null) {
    throw new SluiceError(
      'SLUICE_CORRUPT_STATE_RECORD',
      `config record at ${record.topic}@${record.offset} has no "properties" object`,
    );
  }
  const config: ConnectorConfig = {};
  for (const [key, item] of Object.entries(props)) if (typeof item === 'string') config[key] = item;
  return config;
}

function targetState(value: Record<string, unknown>, record: LogRecord): TargetState {
  const state = value['state.v2'] ?? value['state'];
  if (state === 'STARTED' || state === 'PAUSED' || state === 'STOPPED') return state;
  throw new SluiceError(
    'SLUICE_CORRUPT_STATE_RECORD',
    `target state record at ${record.topic}@${record.offset} has unknown state ${JSON.stringify(state)}`,
  );
}
