import type { Log, LogRecord, TopicSpec } from '@sluice/log';
import { ensureCompactedTopic, parseJson, TopicTail } from './topic-tail.js';

export type State = 'UNASSIGNED' | 'RUNNING' | 'PAUSED' | 'FAILED' | 'RESTARTING' | 'STOPPED';

export interface Status {
  state: State;
  /** The failure's stack trace; absent unless FAILED. */
  trace?: string;
  /** `host:port` of the worker that reported this status. */
  workerId: string;
  /** The group generation the worker was in: a later generation wins over an earlier one. */
  generation: number;
}

export interface ActiveTopic {
  topic: string;
  connector: string;
  task: number;
  discoverTimestamp: number;
}

const CONNECTOR = 'status-connector-';
const TASK = 'status-task-';
const TOPIC = 'status-topic-';
const TOPIC_CONNECTOR = ':connector-';

/**
 * Connector and task statuses and active topics in Apache Kafka Connect's status-topic format
 * (`status-connector-<name>`, `status-task-<name>-<n>`, `status-topic-<topic>:connector-<name>`;
 * JSON values `{"state", "trace", "worker_id", "generation"}` and `{"topic": {…}}`).
 */
export class StatusStore {
  readonly #log: Log;
  readonly #tail: TopicTail;
  readonly #connectors = new Map<string, Status>();
  readonly #tasks = new Map<string, Map<number, Status>>();
  readonly #topics = new Map<string, Map<string, ActiveTopic>>();

  private constructor(log: Log, topic: string) {
    this.#log = log;
    this.#tail = new TopicTail(log, topic);
  }

  static async open(log: Log, topic: TopicSpec): Promise<StatusStore> {
    await ensureCompactedTopic(log, topic);
    const store = new StatusStore(log, topic.name);
    await store.refresh();
    return store;
  }

  async refresh(): Promise<void> {
    await this.#tail.readToEnd((record) => this.#apply(record));
  }

  connector(name: string): Status | undefined {
    return this.#connectors.get(name);
  }

  task(connector: string, task: number): Status | undefined {
    return this.#tasks.get(connector)?.get(task);
  }

  /** Task statuses of a connector, by task number. */
  tasks(connector: string): Array<{ task: number; status: Status }> {
    return [...(this.#tasks.get(connector) ?? [])]
      .map(([task, status]) => ({ task, status }))
      .sort((a, b) => a.task - b.task);
  }

  activeTopics(connector: string): ActiveTopic[] {
    return [...(this.#topics.get(connector)?.values() ?? [])].sort((a, b) => a.topic.localeCompare(b.topic));
  }

  async putConnector(name: string, status: Status): Promise<void> {
    await this.#write([{ key: CONNECTOR + name, value: statusJson(status) }]);
  }

  async putTask(connector: string, task: number, status: Status): Promise<void> {
    await this.#write([{ key: `${TASK}${connector}-${task}`, value: statusJson(status) }]);
  }

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

  async #write(records: Array<{ key: string; value: string | null }>): Promise<void> {
    if (records.length === 0) return;
    await this.#log.produce(this.#tail.topic, records);
    await this.refresh();
  }

  #apply(record: LogRecord): void {
    const key = record.key?.toString('utf8');
    if (key === undefined) return;
    const value = parseJson(record) as Record<string, unknown> | null;
    if (key.startsWith(CONNECTOR)) {
      const name = key.slice(CONNECTOR.length);
      const status = value === null ? undefined : toStatus(value);
      if (status === undefined) this.#connectors.delete(name);
      else this.#connectors.set(name, status);
    } else if (key.startsWith(TASK)) {
      const at = key.lastIndexOf('-');
      const connector = key.slice(TASK.length, at);
      const task = Number(key.slice(at + 1));
      if (!Number.isInteger(task) || task < 0) return;
      const tasks = this.#tasks.get(connector) ?? new Map<number, Status>();
      const status = value === null ? undefined : toStatus(value);
      if (status === undefined) tasks.delete(task);
      else tasks.set(task, status);
      if (tasks.size === 0) this.#tasks.delete(connector);
      else this.#tasks.set(connector, tasks);
    } else if (key.startsWith(TOPIC)) {
      const at = key.lastIndexOf(TOPIC_CONNECTOR);
      if (at < 0) return;
      const topic = key.slice(TOPIC.length, at);
      const connector = key.slice(at + TOPIC_CONNECTOR.length);
      const topics = this.#topics.get(connector) ?? new Map<string, ActiveTopic>();
      const entry = value?.['topic'] as Record<string, unknown> | undefined;
      if (entry === undefined) topics.delete(topic);
      else {
        topics.set(topic, {
          topic,
          connector,
          task: Number(entry['task'] ?? 0),
          discoverTimestamp: Number(entry['discoverTimestamp'] ?? 0),
        });
      }
      if (topics.size === 0) this.#topics.delete(connector);
      else this.#topics.set(connector, topics);
    }
  }
}

function statusJson(status: Status): string {
  return JSON.stringify({
    state: status.state,
    trace: status.trace ?? null,
    worker_id: status.workerId,
    generation: status.generation,
  });
}

function toStatus(value: Record<string, unknown>): Status | undefined {
  const { state, trace, worker_id: workerId, generation } = value;
  if (typeof state !== 'string' || typeof workerId !== 'string') return undefined;
  const status: Status = {
    state: state as State,
    workerId,
    generation: typeof generation === 'number' ? generation : 0,
  };
  if (typeof trace === 'string' && trace !== '') status.trace = trace;
  return status;
}
