import { KafkaLog, type Log, type ProduceRecord, type RecordPosition } from '@sluice/log';

/** Most records one coalesced produce carries; the log splits it further into requests the broker takes. */
const MAX_BATCH_RECORDS = 10_000;

interface Waiting {
  records: readonly ProduceRecord[];
  direct: boolean;
  resolve(positions: RecordPosition[]): void;
  reject(error: unknown): void;
}

interface TopicQueue {
  running: boolean;
  waiting: Waiting[];
}

/**
 * The proxy's shared producer, as Confluent's proxy routes every request through a small pool of producers:
 * per topic, one produce is under way at a time, and the records of every request that arrives meanwhile go
 * out together in the next one (a Kafka producer's batching with `linger.ms=0`). A single-record request
 * then waits at most for the produce ahead of it, however many arrive at once, and many small requests cost
 * few round trips to the broker. Records keep the order the requests arrived in; the records of one batch
 * succeed or fail together, as those of one Kafka record batch do.
 *
 * Records produced `direct` go to a Kafka log's `produceDirect` (its own record batch encoding) when every
 * request of a coalesced produce asked for it; everything else, and every produce on the embedded store,
 * goes to `produce`.
 */
export class ProduceQueue {
  readonly #log: Log;
  readonly #topics = new Map<string, TopicQueue>();

  constructor(log: Log) {
    this.#log = log;
  }

  produce(topic: string, records: readonly ProduceRecord[], direct = false): Promise<RecordPosition[]> {
    let queue = this.#topics.get(topic);
    if (queue === undefined) this.#topics.set(topic, (queue = { running: false, waiting: [] }));
    const done = new Promise<RecordPosition[]>((resolve, reject) =>
      queue.waiting.push({ records, direct, resolve, reject }),
    );
    if (!queue.running) void this.#drain(topic, queue);
    return done;
  }

  async #drain(topic: string, queue: TopicQueue): Promise<void> {
    queue.running = true;
    try {
      while (queue.waiting.length > 0) {
        const batch: Waiting[] = [];
        let count = 0;
        while (
          queue.waiting.length > 0 &&
          (batch.length === 0 || count + queue.waiting[0]!.records.length <= MAX_BATCH_RECORDS)
        ) {
          const next = queue.waiting.shift()!;
          batch.push(next);
          count += next.records.length;
        }
        let records = batch[0]!.records;
        if (batch.length > 1) {
          // A loop: flatMap was a noticeable part of the streaming produce's CPU.
          const all: ProduceRecord[] = [];
          for (const entry of batch) for (const record of entry.records) all.push(record);
          records = all;
        }
        const log = this.#log;
        const direct = log instanceof KafkaLog && batch.every((entry) => entry.direct);
        try {
          const positions = direct
            ? await log.produceDirect(topic, records)
            : await log.produce(topic, records);
          let at = 0;
          for (const entry of batch) {
            entry.resolve(positions.slice(at, at + entry.records.length));
            at += entry.records.length;
          }
        } catch (error) {
          for (const entry of batch) entry.reject(error);
        }
      }
    } finally {
      queue.running = false;
      this.#topics.delete(topic);
    }
  }
}
