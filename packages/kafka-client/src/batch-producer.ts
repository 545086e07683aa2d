import { setTimeout as delay } from 'node:timers/promises';
import { SluiceError } from '@sluice/errors';
import type { Kafka } from 'kafkajs';
import { KafkaInternalsError } from './errors.js';
import { describeKafkaError, InternalCluster, kafkaProtocolError } from './internals.js';
import { encodeProduceRequest, type PartitionBatch } from './produce-codec.js';

export interface BatchProducerOptions {
  /** -1 waits for every in-sync replica (`acks=all`), 1 for the leader only. @default -1 */
  acks?: -1 | 1;
  /** How long the broker may wait for the replicas to acknowledge (Produce's `timeout`). @default 30000 */
  timeoutMs?: number;
  /**
   * How long `produce` keeps refreshing metadata and sending again the batches whose partition answered
   * with a retriable error (the leader moved, not enough replicas, …) or whose broker could not be reached.
   * @default 15000
   */
  retryTimeoutMs?: number;
  /** Cached metadata older than this is refreshed. @default 300000 */
  metadataMaxAgeMs?: number;
}

/** A broker too old for the Produce version a `BatchProducer` sends (v7, Kafka 2.1+). Nothing was sent. */
export class ProduceUnsupportedError extends SluiceError {
  constructor(nodeId: number) {
    super(
      'SLUICE_KAFKA_PRODUCE_UNSUPPORTED',
      `broker ${nodeId} does not take Produce v7 (Kafka 2.1 or later); nothing was sent to it`,
    );
  }
}

/** Broker answers that mean "your metadata is stale": refresh it before sending again. */
const STALE_METADATA = new Set([
  'NOT_LEADER_FOR_PARTITION',
  'LEADER_NOT_AVAILABLE',
  'UNKNOWN_TOPIC_OR_PARTITION',
  'FENCED_LEADER_EPOCH',
  'UNKNOWN_LEADER_EPOCH',
]);

const FIRST_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 1000;

/**
 * Sends record batches that are already encoded (`encodeRecordBatch`) to their partitions' leaders, one
 * Produce request per leader carrying one batch per partition: a producer for callers that encode their
 * records themselves. Not idempotent, as Sluice's kafkajs producers are not: a batch sent again after a
 * request timed out or a connection broke may be written twice, as kafkajs's producer may write it.
 * A partition's batches keep their order as long as the caller waits for one `produce` before the next.
 */
export class BatchProducer {
  readonly #cluster: InternalCluster;
  readonly #acks: -1 | 1;
  readonly #timeoutMs: number;
  readonly #retryTimeoutMs: number;
  #closed = false;

  constructor(kafka: Kafka, options: BatchProducerOptions = {}) {
    this.#acks = options.acks ?? -1;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#retryTimeoutMs = options.retryTimeoutMs ?? 15_000;
    this.#cluster = InternalCluster.open(kafka, { metadataMaxAgeMs: options.metadataMaxAgeMs ?? 300_000 });
  }

  /** Connects to the bootstrap servers and loads metadata. `produce` connects by itself if needed. */
  async connect(): Promise<void> {
    this.#assertOpen();
    await this.#cluster.connect();
  }

  /** Closes every connection. The producer cannot be used afterwards. */
  async disconnect(): Promise<void> {
    this.#closed = true;
    await this.#cluster.disconnect();
  }

  /**
   * Writes each batch to its partition of `topic` (each partition at most once) and answers the offset of
   * each batch's first record, in the order of `batches`, once every batch is acknowledged as `acks` says.
   *
   * Retriable answers and unreachable brokers are retried (metadata refreshed; only the batches not yet
   * acknowledged are sent again) for `retryTimeoutMs`, then the last error is thrown. Any other broker error
   * is thrown at once, as kafkajs's producer throws it (`KafkaJSProtocolError` with the Kafka error name as
   * `type`); batches of other partitions may have been written by then. Throws `ProduceUnsupportedError`,
   * having sent nothing, when a leader is older than Kafka 2.1.
   */
  async produce(topic: string, batches: readonly PartitionBatch[]): Promise<number[]> {
    const pending = new Map<number, Buffer>();
    for (const { partition, batch } of batches) {
      if (pending.has(partition)) throw new RangeError(`partition ${partition} is listed twice`);
      pending.set(partition, batch);
    }
    const offsets = new Map<number, number>();
    const deadline = Date.now() + this.#retryTimeoutMs;
    let backoff = FIRST_BACKOFF_MS;
    let checked = false;
    for (;;) {
      let failure: unknown;
      let stale = false;
      let unknownTopic = false;
      try {
        await this.connect();
        await this.#cluster.addTopic(topic);
        const byLeader = new Map<number, PartitionBatch[]>();
        for (const [partition, batch] of pending) {
          const leader = this.#cluster.partitionLeader(topic, partition);
          if (leader === null || leader === undefined) {
            failure ??= kafkaProtocolError(leader === null ? 5 : 3); // LEADER_NOT_AVAILABLE, UNKNOWN_TOPIC_OR_PARTITION
            stale = true;
            continue;
          }
          let list = byLeader.get(leader);
          if (list === undefined) byLeader.set(leader, (list = []));
          list.push({ partition, batch });
        }
        if (!checked && failure === undefined) {
          for (const leader of byLeader.keys()) {
            if (!(await this.#cluster.producesDirectly(leader))) throw new ProduceUnsupportedError(leader);
          }
          checked = true;
        }
        const answers = await Promise.allSettled(
          [...byLeader].map(([leader, list]) =>
            this.#cluster.produce(leader, encodeProduceRequest(topic, this.#acks, this.#timeoutMs, list)),
          ),
        );
        for (const answer of answers) {
          if (answer.status === 'rejected') {
            const info = describeKafkaError(answer.reason);
            if (!info.network && !info.retriable) throw answer.reason;
            failure ??= answer.reason;
            stale = true;
            continue;
          }
          for (const result of answer.value) {
            if (!pending.has(result.partition)) continue;
            if (result.errorCode === 0) {
              offsets.set(result.partition, result.baseOffset);
              pending.delete(result.partition);
              continue;
            }
            const error = kafkaProtocolError(result.errorCode);
            const info = describeKafkaError(error);
            if (!info.retriable) throw error;
            failure ??= error;
            if (info.type !== undefined && STALE_METADATA.has(info.type)) stale = true;
          }
        }
      } catch (error) {
        if (SluiceError.is(error)) throw error;
        const info = describeKafkaError(error);
        if (!info.network && !info.retriable) throw error;
        failure ??= error;
        stale = true;
        unknownTopic = info.type === 'UNKNOWN_TOPIC_OR_PARTITION';
      }
      if (pending.size === 0) return batches.map(({ partition }) => offsets.get(partition)!);
      if (Date.now() + backoff > deadline) {
        throw failure instanceof Error ? failure : new Error(`produce failed: ${String(failure)}`);
      }
      await delay(backoff);
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      this.#assertOpen();
      if (stale) {
        try {
          // A deleted topic (this one, or another sent to before) makes every refresh fail until forgotten.
          if (unknownTopic) await this.#cluster.forgetDeletedTopics();
          await this.#cluster.refreshMetadata().catch(async (error: unknown) => {
            if (describeKafkaError(error).type !== 'UNKNOWN_TOPIC_OR_PARTITION') throw error;
            await this.#cluster.forgetDeletedTopics();
            await this.#cluster.refreshMetadata();
          });
        } catch (error) {
          if (error instanceof KafkaInternalsError) throw error;
        }
      }
    }
  }

  #assertOpen(): void {
    if (this.#closed)
      throw new SluiceError('SLUICE_KAFKA_CLIENT_CLOSED', 'the BatchProducer was disconnected');
  }
}
