import { setTimeout as delay } from 'node:timers/promises';
import { SluiceError } from '@sluice/errors';
import type { Kafka } from 'kafkajs';
import {
  FetchError,
  KafkaInternalsError,
  OffsetOutOfRangeError,
  UnknownTopicOrPartitionError,
} from './errors.js';
import { describeKafkaError, InternalCluster } from './internals.js';
import type { FetchRequest, FetchResult } from './types.js';

export interface BrokerClientOptions {
  /**
   * How long `fetch` keeps refreshing metadata and retrying while the partition has no known leader, the
   * leader moved, or the broker cannot be reached, before it fails.
   * @default 15000
   */
  retryTimeoutMs?: number;
  /** Cached metadata older than this is refreshed. @default 300000 */
  metadataMaxAgeMs?: number;
}

/** Broker answers that mean "your metadata is stale": refresh it and ask the new leader. */
const STALE_METADATA = new Set([
  'NOT_LEADER_FOR_PARTITION',
  'LEADER_NOT_AVAILABLE',
  'UNKNOWN_TOPIC_OR_PARTITION',
  'FENCED_LEADER_EPOCH',
  'UNKNOWN_LEADER_EPOCH',
  'REPLICA_NOT_AVAILABLE',
]);

const FIRST_BACKOFF_MS = 50;
const MAX_BACKOFF_MS = 1000;

function checkRequest(request: FetchRequest): void {
  const problems: string[] = [];
  if (typeof request.topic !== 'string' || request.topic === '')
    problems.push('topic must be a non-empty string');
  if (!Number.isSafeInteger(request.partition) || request.partition < 0)
    problems.push('partition must be an integer >= 0');
  if (!Number.isSafeInteger(request.offset) || request.offset < 0)
    problems.push('offset must be an integer >= 0');
  for (const key of ['maxBytes', 'maxWaitMs', 'minBytes'] as const) {
    const value = request[key];
    if (value !== undefined && (!Number.isSafeInteger(value) || value < 0))
      problems.push(`${key} must be an integer >= 0`);
  }
  if (problems.length > 0)
    throw new SluiceError('SLUICE_KAFKA_INVALID_FETCH', `invalid fetch: ${problems.join('; ')}`);
}

/**
 * Reads partitions by offset, straight from their leaders: what kafkajs's consumer cannot do without joining
 * a consumer group. One client holds its own connections; share it between callers.
 */
export class BrokerClient {
  readonly #cluster: InternalCluster;
  readonly #retryTimeoutMs: number;
  #connecting: Promise<void> | undefined;
  #closed = false;

  constructor(kafka: Kafka, options: BrokerClientOptions = {}) {
    this.#retryTimeoutMs = options.retryTimeoutMs ?? 15_000;
    this.#cluster = InternalCluster.open(kafka, { metadataMaxAgeMs: options.metadataMaxAgeMs ?? 300_000 });
  }

  /** Connects to the bootstrap servers and loads metadata. `fetch` connects by itself if needed. */
  async connect(): Promise<void> {
    if (this.#closed)
      throw new SluiceError('SLUICE_KAFKA_CLIENT_CLOSED', 'the BrokerClient was disconnected');
    this.#connecting ??= this.#cluster.connect().catch((error: unknown) => {
      this.#connecting = undefined;
      throw error;
    });
    await this.#connecting;
  }

  /** Closes every connection. The client cannot be used afterwards. */
  async disconnect(): Promise<void> {
    this.#closed = true;
    this.#connecting = undefined;
    await this.#cluster.disconnect();
  }

  /**
   * Records of one partition from `offset` on (at most about `maxBytes`), with the partition's high watermark
   * and log start offset. Empty when nothing at or after `offset` is available within `maxWaitMs`.
   * Reads committed data only (READ_COMMITTED): records of open or aborted transactions and transaction
   * markers are skipped.
   *
   * Throws `OffsetOutOfRangeError` (`SLUICE_KAFKA_OFFSET_OUT_OF_RANGE`) when `offset` is below the log start
   * or past the end, `UnknownTopicOrPartitionError` when the partition still does not exist after
   * `retryTimeoutMs`, and `FetchError` (`SLUICE_KAFKA_FETCH_FAILED`) for other failures.
   */
  async fetch(request: FetchRequest): Promise<FetchResult> {
    checkRequest(request);
    const { topic, partition } = request;
    const deadline = Date.now() + this.#retryTimeoutMs;
    let offset = request.offset;
    let backoff = FIRST_BACKOFF_MS;

    for (;;) {
      let unknownPartition = false;
      let failure: unknown;
      try {
        await this.connect();
        // Loads the topic's metadata the first time; a no-op once the cluster tracks the topic.
        await this.#cluster.addTopic(topic);
        const leader = this.#cluster.partitionLeader(topic, partition);
        if (leader === null || leader === undefined) {
          unknownPartition = leader === undefined;
        } else {
          const result = await this.#cluster.fetch(leader, {
            topic,
            partition,
            offset,
            maxBytes: request.maxBytes ?? 1_048_576,
            maxWaitMs: request.maxWaitMs ?? 500,
            minBytes: request.minBytes ?? 1,
          });
          const last = result.lastReturnedOffset;
          if (
            result.records.length === 0 &&
            last !== undefined &&
            last >= offset &&
            last + 1 < result.highWatermark
          ) {
            // Everything returned was a transaction marker or aborted: read on from after it, so that the
            // caller is not handed the same empty range again while committed records follow.
            offset = last + 1;
            continue;
          }
          return {
            records: result.records,
            highWatermark: result.highWatermark,
            logStartOffset: result.logStartOffset,
          };
        }
      } catch (error) {
        if (SluiceError.is(error)) throw error;
        const info = describeKafkaError(error);
        if (info.name === 'KafkaJSOffsetOutOfRange' || info.type === 'OFFSET_OUT_OF_RANGE') {
          throw new OffsetOutOfRangeError(topic, partition, offset, error);
        }
        if (!(info.network || (info.type !== undefined && STALE_METADATA.has(info.type)))) {
          throw new FetchError(topic, partition, info.message, { cause: error, retriable: info.retriable });
        }
        unknownPartition = info.type === 'UNKNOWN_TOPIC_OR_PARTITION';
        failure = error;
      }

      if (Date.now() + backoff > deadline) {
        if (unknownPartition) throw new UnknownTopicOrPartitionError(topic, partition, failure);
        const reason =
          failure === undefined ? 'the partition has no leader' : describeKafkaError(failure).message;
        throw new FetchError(topic, partition, `still failing after ${this.#retryTimeoutMs} ms: ${reason}`, {
          cause: failure,
          retriable: true,
        });
      }
      await delay(backoff);
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      try {
        // A topic deleted since it was last fetched makes every metadata refresh fail: forget such topics.
        if (unknownPartition) await this.#cluster.forgetDeletedTopics();
        await this.#cluster.refreshMetadata();
      } catch (error) {
        // The next attempt reports it if it persists; internals changes never do.
        if (error instanceof KafkaInternalsError) throw error;
      }
    }
  }
}
