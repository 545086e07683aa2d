import { SluiceError } from '@sluice/errors';
import type { Log, LogRecord, TopicSpec } from '@sluice/log';

/**
 * Creates an internal topic when missing. An existing one must be compacted: with `delete` the broker
 * would drop configs and offsets after the retention time, silently.
 */
export async function ensureCompactedTopic(log: Log, spec: TopicSpec): Promise<void> {
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
}

/**
 * Follows a topic from its beginning, as Kafka Connect's KafkaBasedLog does: `readToEnd` applies every
 * record up to the end offsets seen when it was called, so a caller that wrote and then reads to end
 * sees its own write and everything before it.
 */
export class TopicTail {
  readonly #log: Log;
  readonly #topic: string;
  readonly #positions = new Map<number, number>();

  constructor(log: Log, topic: string) {
    this.#log = log;
    this.#topic = topic;
  }

  get topic(): string {
    return this.#topic;
  }

  async readToEnd(apply: (record: LogRecord) => void): Promise<void> {
    for (const { partition, beginning, end } of await this.#log.offsets(this.#topic)) {
      let position = Math.max(this.#positions.get(partition) ?? beginning, beginning);
      while (position < end) {
        const { records } = await this.#log.fetch(this.#topic, partition, position, { maxWaitMs: 500 });
        let applied = false;
        for (const record of records) {
          if (record.offset >= end) break;
          applyOrSkip(apply, record);
          position = record.offset + 1;
          applied = true;
        }
        // Past compaction gaps or trailing control records: when nothing below `end` came back (nothing at
        // all, or only records written since), nothing below `end` is left.
        if (!applied) position = end;
      }
      this.#positions.set(partition, position);
    }
  }
}

/**
 * Applies a record; one the store finds corrupt (not JSON, a wrong shape) is skipped with a warning, as
 * Connect's backing stores log and skip it: a worker must never fail at every start over one bad record.
 */
function applyOrSkip(apply: (record: LogRecord) => void, record: LogRecord): void {
  try {
    apply(record);
  } catch (error) {
    if (!SluiceError.is(error) || error.code !== 'SLUICE_CORRUPT_STATE_RECORD') throw error;
    process.emitWarning(`${error.message}; skipped`, { code: error.code });
  }
}

/** Parses a JSON record value; a value that is not JSON is a corrupt record, reported with its place. */
export function parseJson(record: LogRecord): unknown {
  if (record.value === null) return null;
  try {
    return JSON.parse(record.value.toString('utf8')) as unknown;
  } catch (error) {
    throw new SluiceError(
      'SLUICE_CORRUPT_STATE_RECORD',
      `record at ${record.topic}-${record.partition}@${record.offset} is not JSON`,
      { cause: error },
    );
  }
}
