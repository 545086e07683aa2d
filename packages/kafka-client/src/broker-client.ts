import { setTimeout as delay } from 'node:timers/promises';
import { SluiceError } from '@sluice/errors';
import type { Kafka } from 'kafkajs';
import {
  FetchError,
  KafkaInternalsError,
  OffsetOutOfRangeError,
  UnknownTopicOrPartitionError,
} from './errors.js';
import { describeKafkaError, InternalCluster, type RawFetchResult } from './internals.js';
import type {
  FetchPartitionsRequest,
  FetchRequest,
  FetchResult,
  FetchTopicPartitionsRequest,
  PartitionFetchResult,
  TopicPartitionFetchResult,
} from './types.js';

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
const DEFAULT_MAX_BYTES = 1_048_576;
/** A multi-partition Fetch's limit for the whole response, as the Java consumer's `fetch.max.bytes`. */
const MAX_RESPONSE_BYTES = 52_428_800;

type TopicPosition = FetchTopicPartitionsRequest['partitions'][number];

/** A Fetch sent to one leader for some of its partitions, kept until a caller takes its answer. */
interface LeaderFetch {
  readonly leader: number;
  /** The partitions and offsets it asked for. */
  readonly key: string;
  readonly positions: readonly TopicPosition[];
  /** On success, each position's result in order. */
  outcome: { results: RawFetchResult[] } | { error: unknown } | undefined;
  settled: Promise<void>;
}

/** A promise that resolves when `signal` aborts; `release` removes its listener. */
function abortion(signal: AbortSignal): { promise: Promise<void>; release(): void } {
  let listener: (() => void) | undefined;
  const promise = new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', (listener = () => resolve()), { once: true });
  });
  return {
    promise,
    release: () => {
      if (listener !== undefined) signal.removeEventListener('abort', listener);
    },
  };
}

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

function checkPartitionsRequest(request: FetchPartitionsRequest): void {
  const problems: string[] = [];
  if (typeof request.topic !== 'string' || request.topic === '')
    problems.push('topic must be a non-empty string');
  checkPositions(
    (request.partitions ?? []).map((p) => ({ ...p, topic: request.topic })),
    request,
    problems,
    (p) => `partition ${p.partition}`,
  );
}

function checkTopicPartitionsRequest(request: FetchTopicPartitionsRequest): void {
  const problems: string[] = [];
  for (const { topic } of request.partitions ?? []) {
    if (typeof topic !== 'string' || topic === '') problems.push('topic must be a non-empty string');
  }
  checkPositions(request.partitions ?? [], request, problems, (p) => `${p.topic}-${p.partition}`);
}

function checkPositions(
  positions: readonly TopicPosition[],
  request: { partitions?: unknown; maxBytes?: number; maxWaitMs?: number; minBytes?: number },
  problems: string[],
  name: (position: TopicPosition) => string,
): void {
  if (!Array.isArray(request.partitions) || request.partitions.length === 0)
    problems.push('partitions must be a non-empty list');
  const seen = new Set<string>();
  for (const position of positions) {
    const { topic, partition, offset } = position;
    if (!Number.isSafeInteger(partition) || partition < 0) problems.push('partition must be an integer >= 0');
    else if (seen.has(`${topic}\u0000${partition}`)) problems.push(`${name(position)} is listed twice`);
    seen.add(`${topic}\u0000${partition}`);
    if (!Number.isSafeInteger(offset) || offset < 0) problems.push('offset must be an integer >= 0');
  }
  for (const key of ['maxBytes', 'maxWaitMs', 'minBytes'] as const) {
    const value = request[key];
    if (value !== undefined && (!Number.isSafeInteger(value) || value < 0))
      problems.push(`${key} must be an integer >= 0`);
  }
  if (problems.length > 0)
    throw new SluiceError(
      'SLUICE_KAFKA_INVALID_FETCH',
      `invalid fetch: ${[...new Set(problems)].join('; ')}`,
    );
}

/**
 * Reads partitions by offset, straight from their leaders: what kafkajs's consumer cannot do without joining
 * a consumer group. One client holds its own connections; share it between callers.
 */
export class BrokerClient {
  readonly #cluster: InternalCluster;
  readonly #retryTimeoutMs: number;
  /** Multi-partition fetches not answered yet, or answered and not taken yet, by leader. */
  readonly #pending = new Map<number, LeaderFetch>();
  #closed = false;

  constructor(kafka: Kafka, options: BrokerClientOptions = {}) {
    this.#retryTimeoutMs = options.retryTimeoutMs ?? 15_000;
    this.#cluster = InternalCluster.open(kafka, { metadataMaxAgeMs: options.metadataMaxAgeMs ?? 300_000 });
  }

  /** Connects to the bootstrap servers and loads metadata. `fetch` connects by itself if needed. */
  async connect(): Promise<void> {
    this.#assertOpen();
    await this.#cluster.connect();
  }

  /** Metadata again before a fetch is retried; `unknownPartition`: a topic may have been deleted. */
  async #refreshBeforeRetry(unknownPartition: boolean): Promise<void> {
    // Refreshing metadata reconnects a disconnected cluster: a fetch that was waiting must not.
    this.#assertOpen();
    try {
      // A topic deleted since it was last fetched makes every metadata refresh fail: forget such topics.
      if (unknownPartition) await this.#cluster.forgetDeletedTopics();
      await this.#cluster.refreshMetadata();
    } catch (error) {
      // The next attempt reports it if it persists; internals changes never do.
      if (error instanceof KafkaInternalsError) throw error;
    }
  }

  /**
   * Closes every connection. The client cannot be used afterwards. It waits a little for the answers to
   * requests in flight, unless `abandonInFlight` (a reader's long polls, whose records nobody will take):
   * then it returns at once, and the connections close when those answers come.
   */
  async disconnect(options: { abandonInFlight?: boolean } = {}): Promise<void> {
    this.#closed = true;
    this.#pending.clear();
    await this.#cluster.disconnect(options);
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
      await this.#refreshBeforeRetry(unknownPartition);
    }
  }

  /**
   * Records of several partitions of one topic: `fetchTopicPartitions` for that topic (see there), each
   * result without its topic.
   */
  async fetchPartitions(request: FetchPartitionsRequest): Promise<PartitionFetchResult[]> {
    checkPartitionsRequest(request);
    const { topic, partitions, ...options } = request;
    const results = await this.fetchTopicPartitions({
      ...options,
      partitions: partitions.map(({ partition, offset }) => ({ topic, partition, offset })),
    });
    return results.map(({ topic: _topic, ...result }) => result);
  }

  /**
   * Records of several partitions, of one topic or several, with one Fetch per partition leader (all of
   * that leader's partitions in it): the long poll for many partitions costs one request per broker, not one
   * per partition. Resolves as soon as one leader answers (with records, or empty after `maxWaitMs`), with
   * the partitions of every leader that has answered by then; the others are absent from the result.
   *
   * A leader that has not answered keeps its request: a broker answers one request at a time per connection,
   * so the next call that asks that leader for the same partitions at the same offsets takes this answer
   * instead of queueing another request behind it. The client keeps one such request per leader, the last
   * one sent: meant for one reader loop per client (a follower, a sink task); positions that changed send a
   * new request and drop the old answer.
   *
   * `signal` ends the call early: it resolves with the partitions answered by then (often none), and the
   * requests not answered stay for the next call, as above. The same when it aborts during a retry's backoff.
   *
   * Errors as `fetch`, naming the partition concerned; `OffsetOutOfRangeError` names the partition whose
   * offset is out of range.
   */
  async fetchTopicPartitions(request: FetchTopicPartitionsRequest): Promise<TopicPartitionFetchResult[]> {
    checkTopicPartitionsRequest(request);
    const { signal } = request;
    const deadline = Date.now() + this.#retryTimeoutMs;
    let backoff = FIRST_BACKOFF_MS;
    const aborted = signal === undefined ? undefined : abortion(signal);
    // A function, as the signal may abort during any await.
    const stopped = () => signal?.aborted === true;

    try {
      for (;;) {
        if (stopped()) return [];
        let unknownPartition = false;
        let failure: unknown;
        let failed = request.partitions[0]!;
        try {
          await this.connect();
          for (const topic of new Set(request.partitions.map((p) => p.topic)))
            await this.#cluster.addTopic(topic);
          const byLeader = new Map<number, TopicPosition[]>();
          let leaderless = false;
          for (const position of request.partitions) {
            const leader = this.#cluster.partitionLeader(position.topic, position.partition);
            if (leader === null || leader === undefined) {
              unknownPartition = leader === undefined;
              failed = position;
              leaderless = true;
              break;
            }
            byLeader.set(leader, [...(byLeader.get(leader) ?? []), position]);
          }
          if (!leaderless) {
            const fetches = [...byLeader].map(([leader, positions]) =>
              this.#leaderFetch(leader, positions, request),
            );
            await Promise.race([
              ...fetches.map((fetch) => fetch.settled),
              ...(aborted ? [aborted.promise] : []),
            ]);
            const answered = fetches.filter((fetch) => fetch.outcome !== undefined);
            for (const fetch of answered) {
              if (this.#pending.get(fetch.leader) === fetch) this.#pending.delete(fetch.leader);
            }
            for (const fetch of answered) {
              if (fetch.outcome !== undefined && 'error' in fetch.outcome) {
                failed = fetch.positions[0]!;
                throw fetch.outcome.error;
              }
            }
            const results: TopicPartitionFetchResult[] = [];
            for (const fetch of answered) {
              const { results: raw } = fetch.outcome as { results: RawFetchResult[] };
              const alone = fetch.positions.length === 1;
              for (const [index, position] of fetch.positions.entries()) {
                results.push(await this.#settle(fetch.leader, position, raw[index]!, alone, request));
              }
            }
            return results;
          }
        } catch (error) {
          if (SluiceError.is(error)) throw error;
          const info = describeKafkaError(error);
          if (info.name === 'KafkaJSOffsetOutOfRange' || info.type === 'OFFSET_OUT_OF_RANGE') {
            const named = error as { topic?: unknown; partition?: unknown };
            const position =
              request.partitions.find((p) => p.topic === named.topic && p.partition === named.partition) ??
              failed;
            throw new OffsetOutOfRangeError(position.topic, position.partition, position.offset, error);
          }
          if (!(info.network || (info.type !== undefined && STALE_METADATA.has(info.type)))) {
            throw new FetchError(failed.topic, failed.partition, info.message, {
              cause: error,
              retriable: info.retriable,
            });
          }
          unknownPartition = info.type === 'UNKNOWN_TOPIC_OR_PARTITION';
          failure = error;
        }

        if (Date.now() + backoff > deadline) {
          if (unknownPartition)
            throw new UnknownTopicOrPartitionError(failed.topic, failed.partition, failure);
          const reason =
            failure === undefined ? 'the partition has no leader' : describeKafkaError(failure).message;
          throw new FetchError(
            failed.topic,
            failed.partition,
            `still failing after ${this.#retryTimeoutMs} ms: ${reason}`,
            { cause: failure, retriable: true },
          );
        }
        await Promise.race([delay(backoff), ...(aborted ? [aborted.promise] : [])]);
        if (stopped()) return [];
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
        await this.#refreshBeforeRetry(unknownPartition);
      }
    } finally {
      aborted?.release();
    }
  }

  /** The pending request to `leader` for exactly these positions, or a new one (which replaces it). */
  #leaderFetch(
    leader: number,
    positions: readonly TopicPosition[],
    request: FetchTopicPartitionsRequest,
  ): LeaderFetch {
    const key = positions
      .map((p) => `${p.topic}\u0000${p.partition}@${p.offset}`)
      .sort()
      .join(',');
    const pending = this.#pending.get(leader);
    if (pending !== undefined && pending.key === key) return pending;
    const partitionMaxBytes = request.maxBytes ?? DEFAULT_MAX_BYTES;
    const fetch: LeaderFetch = { leader, key, positions, outcome: undefined, settled: Promise.resolve() };
    fetch.settled = this.#cluster
      .fetchPartitions(leader, {
        partitions: positions,
        // Room for every partition's own limit: a response cut short by the total would leave later
        // partitions empty although they have records.
        maxBytes: Math.min(MAX_RESPONSE_BYTES, partitionMaxBytes * positions.length),
        partitionMaxBytes,
        maxWaitMs: request.maxWaitMs ?? 500,
        minBytes: request.minBytes ?? 1,
      })
      .then(
        (results) => {
          fetch.outcome = { results };
        },
        (error: unknown) => {
          fetch.outcome = { error };
        },
      );
    this.#pending.set(leader, fetch);
    return fetch;
  }

  /**
   * One partition's part of a multi-partition answer, with where to read next. A partition that returned
   * nothing although committed records lie ahead (the response's total ran out, or only empty batches
   * that compaction keeps are there) is asked again alone, which always returns its first batch.
   */
  async #settle(
    leader: number,
    position: TopicPosition,
    raw: RawFetchResult,
    alone: boolean,
    request: FetchTopicPartitionsRequest,
  ): Promise<TopicPartitionFetchResult> {
    const stableEnd =
      raw.lastStableOffset >= 0 ? Math.min(raw.lastStableOffset, raw.highWatermark) : raw.highWatermark;
    let result = raw;
    if (!alone && raw.nextOffset === undefined && position.offset < stableEnd) {
      result = await this.#cluster.fetch(leader, {
        topic: position.topic,
        partition: position.partition,
        offset: position.offset,
        maxBytes: request.maxBytes ?? DEFAULT_MAX_BYTES,
        maxWaitMs: 0,
        minBytes: 1,
      });
    }
    const end =
      result.lastStableOffset >= 0
        ? Math.min(result.lastStableOffset, result.highWatermark)
        : result.highWatermark;
    // Nothing at all came back from below the stable end, alone: only empty batches lie there.
    const nextOffset =
      result.nextOffset !== undefined
        ? Math.max(position.offset, result.nextOffset)
        : Math.max(position.offset, end);
    return {
      topic: position.topic,
      partition: position.partition,
      records: result.records,
      highWatermark: result.highWatermark,
      logStartOffset: result.logStartOffset,
      nextOffset,
    };
  }

  #assertOpen(): void {
    if (this.#closed)
      throw new SluiceError('SLUICE_KAFKA_CLIENT_CLOSED', 'the BrokerClient was disconnected');
  }
}
