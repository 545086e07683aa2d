// A sink plugin for the sink task runner's unit tests: its tasks record what they are given where the
// test can read it, and hand the test their context (to pause partitions, ask for a commit).
import {
  ConfigDef,
  converterPlugins,
  definePlugin,
  SinkConnector,
  SinkTask,
  type SinkRecord,
  type SinkTaskContext,
  type TopicPartition,
} from '@sluice/sdk';

/** What one task was given, by its `record.id` setting. */
export interface RecordedSink {
  /** Each `put`'s records as `topic/partition@offset`. */
  puts: string[][];
  /** `open`, `close` and `stop`, in order. */
  events: string[];
  context: SinkTaskContext | undefined;
}

const RECORDINGS = Symbol.for('sluice.test.recording-sink');

/** The recordings, shared through the global object: the runner loads this module by URL on its own. */
export function recordings(): Map<string, RecordedSink> {
  const global = globalThis as { [RECORDINGS]?: Map<string, RecordedSink> };
  return (global[RECORDINGS] ??= new Map<string, RecordedSink>());
}

const list = (partitions: readonly TopicPartition[]) =>
  partitions.map((tp) => `${tp.topic}/${tp.partition}`).join(',');

class RecordingSinkTask extends SinkTask {
  #recorded: RecordedSink = { puts: [], events: [], context: undefined };

  version() {
    return '1.0.0';
  }

  start(props: Record<string, string>) {
    const id = props['record.id'] ?? 'default';
    this.#recorded = { puts: [], events: [], context: this.context };
    recordings().set(id, this.#recorded);
    return Promise.resolve();
  }

  override open(partitions: readonly TopicPartition[]) {
    this.#recorded.events.push(`open ${list(partitions)}`);
    return Promise.resolve();
  }

  override close(partitions: readonly TopicPartition[]) {
    this.#recorded.events.push(`close ${list(partitions)}`);
    return Promise.resolve();
  }

  put(records: readonly SinkRecord[]) {
    if (records.length > 0)
      this.#recorded.puts.push(records.map((r) => `${r.topic}/${r.kafkaPartition}@${r.kafkaOffset}`));
    return Promise.resolve();
  }

  stop() {
    this.#recorded.events.push('stop');
    return Promise.resolve();
  }
}

class RecordingSinkConnector extends SinkConnector {
  #props: Record<string, string> = {};
  version() {
    return '1.0.0';
  }
  start(props: Record<string, string>) {
    this.#props = props;
    return Promise.resolve();
  }
  taskConfigs(maxTasks: number) {
    return Array.from({ length: maxTasks }, () => this.#props);
  }
  stop() {
    return Promise.resolve();
  }
  config() {
    return new ConfigDef();
  }
}

/** The SDK's converters, and `test.RecordingSinkConnector`. */
export const plugins = [
  ...converterPlugins,
  definePlugin({
    kind: 'sink',
    className: 'test.RecordingSinkConnector',
    version: '1.0.0',
    create: () => new RecordingSinkConnector(),
    createTask: () => new RecordingSinkTask(),
  }),
];
