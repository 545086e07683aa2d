import { setTimeout as delay } from 'node:timers/promises';
import { SluiceError } from '@sluice/errors';
import { rangeAssign, RANGE_ASSIGNOR_NAME } from '@sluice/coordinator';
import type { AdminLog, LogReader, LogRecord } from '@sluice/log';
import {
  CONSUMER_PROTOCOL_TYPE,
  consumerProtocol,
  type ConsumerAssignment,
  type ConsumerSubscription,
  type ConsumerTopicPartition,
} from '@sluice/protocol';
import type { AutoOffsetReset, RestProxyConfig } from '../config.js';
import { Errors } from '../errors.js';
import { recordJson } from '../formats.js';
import type { EmbeddedFormat } from '../media.js';
import type { ConsumerMember, GroupCoordination, MemberGeneration } from './coordination.js';

/** What a consumer instance was created with (`POST /consumers/{group}`). */
export interface ConsumerInstanceSettings {
  group: string;
  name: string;
  format: EmbeddedFormat;
  autoOffsetReset: AutoOffsetReset;
  autoCommit: boolean;
  /** -1: a records request waits for its timeout, whatever it has. */
  fetchMinBytes: number;
  requestTimeoutMs: number;
}

export interface TopicPartitionOffset {
  topic: string;
  partition: number;
  offset: number;
}

/** What one records request answers: the records rendered for the instance's format, in order. */
export interface ConsumedRecord {
  topic: string;
  partition: number;
  offset: number;
  /** JSON text of the key and value as the answer carries them (base64 strings, or JSON). */
  key: string;
  value: string;
}

/** How often a pattern subscription looks for new matching topics. */
const PATTERN_REFRESH_MS = 5_000;
/** Per partition, the most a fetch brings into the instance's buffer. */
const FETCH_MAX_BYTES = 1024 * 1024;
/** Longest single wait of a long poll, so that a new assignment or a seek is noticed soon. */
const MAX_POLL_WAIT_MS = 500;

const key = (topic: string, partition: number) => `${topic}\u0000${partition}`;

/**
 * One consumer instance of API v2: a Kafka consumer held by the proxy. Subscribed, it is a real member of
 * its consumer group (Kafka's consumer protocol, range assignor, on the shared `KafkaGroupMember`); with
 * manual assignments it reads its partitions outside the group, as a Java consumer does. Positions start
 * from the group's committed offsets, else `auto.offset.reset`; a records request returns what follows the
 * positions and moves them, commits write them.
 *
 * Requests to one instance run one at a time, in arrival order, as Confluent's synchronized consumer state.
 */
export class ConsumerInstance {
  readonly settings: ConsumerInstanceSettings;
  readonly #log: AdminLog;
  readonly #groups: GroupCoordination;
  readonly #config: RestProxyConfig;
  readonly #warn: (message: string) => void;

  #mode: 'none' | 'topics' | 'pattern' | 'assigned' = 'none';
  /** The subscribed topics, or those the pattern matched. */
  #topics: string[] = [];
  #pattern: RegExp | undefined;
  #patternCheckedAt = 0;
  #assignment: ConsumerTopicPartition[] = [];
  /** Bumped whenever the assignment changes: a fetch started before drops what it read. */
  #epoch = 0;
  /** Next offset to return, per assigned partition (absent: not known yet). */
  readonly #positions = new Map<string, number>();
  /** Seeks to resolve at the next read. */
  readonly #pendingSeeks = new Map<string, 'beginning' | 'end'>();
  /** Next offset to fetch, per partition: ahead of the position while the buffer holds records. */
  readonly #fetchPositions = new Map<string, number>();
  #buffer: LogRecord[] = [];
  #member: ConsumerMember | undefined;
  #generation: MemberGeneration | undefined;
  #reader: LogReader | undefined;
  #lastAutoCommit = Date.now();
  /** Serializes requests. */
  #queue: Promise<unknown> = Promise.resolve();
  #lastUsed = Date.now();
  #busy = 0;
  #closed = false;

  constructor(
    settings: ConsumerInstanceSettings,
    dependencies: {
      log: AdminLog;
      groups: GroupCoordination;
      config: RestProxyConfig;
      warn: (message: string) => void;
    },
  ) {
    this.settings = settings;
    this.#log = dependencies.log;
    this.#groups = dependencies.groups;
    this.#config = dependencies.config;
    this.#warn = dependencies.warn;
  }

  /** Whether no request has used the instance for `timeoutMs` (and none is running). */
  expired(now: number, timeoutMs: number): boolean {
    return this.#busy === 0 && now - this.#lastUsed >= timeoutMs;
  }

  /** Runs `operation` after the requests before it, keeping the instance alive meanwhile. */
  run<T>(operation: () => Promise<T>): Promise<T> {
    this.#busy++;
    this.#lastUsed = Date.now();
    const result = this.#queue.then(() => {
      if (this.#closed) throw Errors.consumerInstanceNotFound();
      return operation();
    });
    this.#queue = result.catch(() => undefined);
    return result.finally(() => {
      this.#busy--;
      this.#lastUsed = Date.now();
    });
  }

  // ---- subscription ----

  /** Subscribes to topics or a pattern (Java's `subscribe`); replaces an earlier subscription. */
  async subscribe(subscription: { topics: string[] } | { pattern: RegExp }): Promise<void> {
    if (this.#mode === 'assigned') {
      throw Errors.illegalState('Subscription to topics, partitions and pattern are mutually exclusive');
    }
    if ('topics' in subscription && subscription.topics.length === 0) return this.unsubscribe();
    const kind = 'topics' in subscription ? 'topics' : 'pattern';
    if (this.#mode !== 'none' && this.#mode !== kind) {
      throw Errors.illegalState('Subscription to topics, partitions and pattern are mutually exclusive');
    }
    this.#mode = kind;
    if ('topics' in subscription) {
      this.#pattern = undefined;
      this.#topics = [...new Set(subscription.topics)].sort();
    } else {
      this.#pattern = subscription.pattern;
      this.#topics = await this.#matchingTopics();
      this.#patternCheckedAt = Date.now();
    }
    if (this.#member === undefined) this.#join();
    else this.#member.requestRejoin();
  }

  /** `GET …/subscription`: the subscribed topics (those a pattern matches). */
  subscription(): string[] {
    return this.#mode === 'topics' || this.#mode === 'pattern' ? [...this.#topics] : [];
  }

  /** Leaves the group (committing first with auto commit, as Java's `unsubscribe`) and forgets the assignment. */
  async unsubscribe(): Promise<void> {
    const member = this.#member;
    this.#member = undefined;
    if (member !== undefined) {
      await member.stop({ leave: true });
      await member.closed.catch((error: unknown) => this.#warn(`consumer ${this.#id()}: ${message(error)}`));
    } else if (this.#mode === 'assigned' && this.settings.autoCommit) {
      await this.#commitPositions(undefined).catch(() => undefined);
    }
    this.#mode = 'none';
    this.#topics = [];
    this.#pattern = undefined;
    this.#setAssignment([]);
  }

  #join(): void {
    const protocol = consumerProtocol(RANGE_ASSIGNOR_NAME);
    const timing = this.#config.consumer;
    const member = this.#groups.member(
      {
        groupId: this.settings.group,
        protocolType: CONSUMER_PROTOCOL_TYPE,
        protocols: [protocol],
        sessionTimeoutMs: timing.sessionTimeoutMs,
        heartbeatIntervalMs: timing.heartbeatIntervalMs,
        rebalanceTimeoutMs: timing.maxPollIntervalMs,
        metadata: (): ConsumerSubscription => ({
          topics: [...this.#topics],
          userData: null,
          ownedPartitions: [],
          generationId: -1,
          rackId: null,
        }),
        assign: (members) => this.#assign(members.map((m) => ({ ...m, topics: m.metadata.topics }))),
        onAssigned: (event) => {
          if (this.#member === member) {
            this.#generation = { generationId: event.generationId, memberId: event.memberId };
            const subscribed = new Set(this.#topics);
            this.#setAssignment(event.assignment.partitions.filter((tp) => subscribed.has(tp.topic)));
          }
          return Promise.resolve();
        },
        onRevoked: async (event) => {
          const generation = { generationId: event.generationId, memberId: event.memberId };
          // Lost membership means another member may own the partitions already: commit nothing.
          if (this.settings.autoCommit && event.reason !== 'lost' && event.reason !== 'failed') {
            await this.#commitPositions(generation).catch((error: unknown) =>
              this.#warn(`consumer ${this.#id()}: auto commit on rebalance failed: ${message(error)}`),
            );
          }
          this.#generation = undefined;
          this.#setAssignment([]);
        },
      },
      this.settings.name,
    );
    this.#member = member;
    member.closed.catch((error: unknown) =>
      this.#warn(`consumer ${this.#id()} left its group after an error: ${message(error)}`),
    );
    member.start();
  }

  /** The leader's assignment: Kafka's range assignor over the partitions the cluster has now. */
  async #assign(
    members: ReadonlyArray<{ memberId: string; groupInstanceId?: string | undefined; topics: string[] }>,
  ): Promise<Map<string, ConsumerAssignment>> {
    const topics = [...new Set(members.flatMap((member) => member.topics))];
    const counts = new Map<string, number>();
    await Promise.all(
      topics.map(async (topic) => {
        const partitions = await this.#log.partitionCount(topic).catch(() => undefined);
        if (partitions !== undefined) counts.set(topic, partitions);
      }),
    );
    const ranges = rangeAssign(members, counts);
    return new Map([...ranges].map(([memberId, partitions]) => [memberId, { partitions, userData: null }]));
  }

  async #matchingTopics(): Promise<string[]> {
    const pattern = this.#pattern!;
    return (await this.#log.listTopics()).filter((topic) => pattern.test(topic)).sort();
  }

  // ---- manual assignment ----

  /** `POST …/assignments` (Java's `assign`): these partitions, outside the group; none ends it. */
  assign(partitions: ConsumerTopicPartition[]): void {
    if (this.#mode === 'topics' || this.#mode === 'pattern') {
      throw Errors.illegalState('Subscription to topics, partitions and pattern are mutually exclusive');
    }
    const unique = new Map(partitions.map((tp) => [key(tp.topic, tp.partition), tp]));
    this.#mode = unique.size === 0 ? 'none' : 'assigned';
    this.#setAssignment([...unique.values()]);
  }

  assignment(): ConsumerTopicPartition[] {
    return this.#assignment.map((tp) => ({ topic: tp.topic, partition: tp.partition }));
  }

  #setAssignment(partitions: ConsumerTopicPartition[]): void {
    const kept = new Set(partitions.map((tp) => key(tp.topic, tp.partition)));
    this.#assignment = partitions;
    this.#epoch++;
    for (const map of [this.#positions, this.#fetchPositions, this.#pendingSeeks]) {
      for (const k of map.keys()) if (!kept.has(k)) map.delete(k);
    }
    // A group member starts again from the committed offsets, as an eager Java consumer does after a rebalance.
    if (this.#mode !== 'assigned') {
      this.#positions.clear();
      this.#fetchPositions.clear();
    }
    this.#buffer = this.#buffer.filter((record) => kept.has(key(record.topic, record.partition)));
    this.#resyncFetchPositions();
  }

  // ---- positions ----

  /** Java's IllegalStateException (409, 40903) for a partition the instance is not assigned. */
  assertAssigned(topic: string, partition: number): void {
    if (!this.#assignment.some((tp) => tp.topic === topic && tp.partition === partition)) {
      throw Errors.illegalState(`No current assignment for partition ${topic}-${partition}`);
    }
  }

  /** `POST …/positions`: the next records of these partitions start at these offsets. */
  seek(offsets: readonly TopicPartitionOffset[]): void {
    for (const { topic, partition } of offsets) this.assertAssigned(topic, partition);
    for (const { topic, partition, offset } of offsets) {
      const k = key(topic, partition);
      this.#pendingSeeks.delete(k);
      this.#moveTo(k, offset);
    }
  }

  /** `POST …/positions/beginning` and `…/end`. */
  seekTo(where: 'beginning' | 'end', partitions: readonly ConsumerTopicPartition[]): void {
    for (const { topic, partition } of partitions) this.assertAssigned(topic, partition);
    for (const { topic, partition } of partitions) {
      const k = key(topic, partition);
      this.#pendingSeeks.set(k, where);
      this.#positions.delete(k);
      this.#dropBuffered(k);
    }
  }

  #moveTo(k: string, offset: number): void {
    this.#positions.set(k, offset);
    this.#dropBuffered(k);
  }

  #dropBuffered(k: string): void {
    this.#buffer = this.#buffer.filter((record) => key(record.topic, record.partition) !== k);
    this.#fetchPositions.delete(k);
    const position = this.#positions.get(k);
    if (position !== undefined) this.#fetchPositions.set(k, position);
  }

  /** Fetch positions follow the positions when nothing is buffered for a partition. */
  #resyncFetchPositions(): void {
    const buffered = new Set(this.#buffer.map((record) => key(record.topic, record.partition)));
    for (const [k, position] of this.#positions) {
      if (!buffered.has(k)) this.#fetchPositions.set(k, position);
    }
  }

  /** Positions for every assigned partition: pending seeks, then the committed offsets, then the reset policy. */
  async #initPositions(): Promise<void> {
    const missing = this.#assignment.filter((tp) => !this.#positions.has(key(tp.topic, tp.partition)));
    if (missing.length === 0) return;
    const epoch = this.#epoch;
    const committed = new Map<string, number>();
    const needsCommitted = missing.some((tp) => !this.#pendingSeeks.has(key(tp.topic, tp.partition)));
    if (needsCommitted) {
      for (const offset of await this.#log.fetchGroupOffsets(this.settings.group)) {
        committed.set(key(offset.topic, offset.partition), offset.offset);
      }
    }
    const ranges = new Map<string, { beginning: number; end: number }>();
    for (const topic of new Set(missing.map((tp) => tp.topic))) {
      for (const range of await this.#log.offsets(topic)) ranges.set(key(topic, range.partition), range);
    }
    if (epoch !== this.#epoch) return;
    const undefinedOffsets: string[] = [];
    for (const { topic, partition } of missing) {
      const k = key(topic, partition);
      const range = ranges.get(k);
      if (range === undefined) continue; // a partition the topic does not have (yet)
      const seek = this.#pendingSeeks.get(k);
      this.#pendingSeeks.delete(k);
      let offset: number | undefined =
        seek === 'beginning' ? range.beginning : seek === 'end' ? range.end : committed.get(k);
      if (offset === undefined) {
        if (this.settings.autoOffsetReset === 'none') {
          undefinedOffsets.push(`${topic}-${partition}`);
          continue;
        }
        offset = this.settings.autoOffsetReset === 'earliest' ? range.beginning : range.end;
      }
      this.#moveTo(k, offset);
    }
    if (undefinedOffsets.length > 0) {
      throw Errors.kafka(
        `Undefined offset with no reset policy for partitions: [${undefinedOffsets.join(', ')}]`,
        false,
      );
    }
  }

  // ---- reading ----

  /**
   * `GET …/records`: records after the positions, as Confluent's read task gathers them: until the request's
   * timeout, `fetch.min.bytes` (when set) is passed, or the next record would reach `max_bytes`.
   */
  async records(timeoutMs: number, maxBytes: number): Promise<ConsumedRecord[]> {
    const requestTimeout = this.settings.requestTimeoutMs;
    const wait = timeoutMs > 0 ? Math.min(timeoutMs, requestTimeout) : requestTimeout;
    const deadline = Date.now() + wait;
    const limit = Math.min(
      maxBytes > 0 ? maxBytes : Number.MAX_SAFE_INTEGER,
      this.#config.consumerRequestMaxBytes,
    );
    const minBytes = this.settings.fetchMinBytes < 0 ? Number.POSITIVE_INFINITY : this.settings.fetchMinBytes;
    this.#maybeAutoCommit();
    await this.#refreshPattern();
    const out: ConsumedRecord[] = [];
    let bytes = 0;
    for (;;) {
      while (this.#buffer.length > 0) {
        const record = this.#buffer[0]!;
        const size = (record.key?.length ?? 0) + (record.value?.length ?? 0);
        if (bytes + size >= limit) return out;
        out.push(this.#render(record));
        this.#buffer.shift();
        this.#positions.set(key(record.topic, record.partition), record.offset + 1);
        bytes += size;
        if (bytes > minBytes) return out;
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) return out;
      await this.#fetch(remaining);
    }
  }

  #render(record: LogRecord): ConsumedRecord {
    const where = `${record.topic}-${record.partition}@${record.offset}`;
    const binary = this.settings.format === 'binary';
    const text = (bytes: Buffer | null) =>
      bytes === null ? 'null' : binary ? `"${bytes.toString('base64')}"` : recordJson(bytes, where);
    return {
      topic: record.topic,
      partition: record.partition,
      offset: record.offset,
      key: text(record.key),
      value: text(record.value),
    };
  }

  /** One round of fetching into the buffer; waits (bounded by `waitMs`) when nothing is there to read. */
  async #fetch(waitMs: number): Promise<void> {
    await this.#initPositions();
    const epoch = this.#epoch;
    const byTopic = new Map<string, Array<{ partition: number; offset: number }>>();
    for (const { topic, partition } of this.#assignment) {
      const offset = this.#fetchPositions.get(key(topic, partition));
      if (offset === undefined) continue;
      let list = byTopic.get(topic);
      if (list === undefined) byTopic.set(topic, (list = []));
      list.push({ partition, offset });
    }
    if (byTopic.size === 0) {
      await delay(Math.min(waitMs, MAX_POLL_WAIT_MS));
      return;
    }
    this.#reader ??= await this.#log.openReader();
    const reader = this.#reader;
    // One topic: a long poll. Several: a quick look at each, then a short backoff, as Confluent's read task.
    const longPoll = byTopic.size === 1 ? Math.min(waitMs, MAX_POLL_WAIT_MS) : 0;
    let found = 0;
    for (const [topic, positions] of byTopic) {
      let results;
      try {
        results = await reader.fetchPartitions(topic, positions, {
          maxWaitMs: longPoll,
          maxBytes: FETCH_MAX_BYTES,
        });
      } catch (error) {
        if (SluiceError.is(error) && error.code === 'SLUICE_OFFSET_OUT_OF_RANGE') {
          this.#outOfRange(
            error as unknown as {
              topic: string;
              partition: number;
              offset: number;
              beginning: number;
              end: number;
            },
          );
          return;
        }
        if (SluiceError.is(error) && error.code === 'SLUICE_UNKNOWN_TOPIC_OR_PARTITION') continue;
        throw error;
      }
      if (epoch !== this.#epoch) return;
      for (const result of results) {
        const k = key(topic, result.partition);
        if (this.#fetchPositions.get(k) === undefined) continue;
        const from = this.#fetchPositions.get(k)!;
        for (const record of result.records) {
          if (record.offset >= from) {
            this.#buffer.push(record);
            found++;
          }
        }
        this.#fetchPositions.set(k, Math.max(from, result.nextOffset));
      }
    }
    if (found === 0 && longPoll === 0) await delay(Math.min(waitMs, this.#config.consumerIteratorBackoffMs));
  }

  /** A position outside the partition's records: reset as `auto.offset.reset` says, as Java's consumer does. */
  #outOfRange(error: {
    topic: string;
    partition: number;
    offset: number;
    beginning: number;
    end: number;
  }): void {
    const k = key(error.topic, error.partition);
    if (this.settings.autoOffsetReset === 'none') {
      throw Errors.kafka(
        `Offsets out of range with no configured reset policy for partitions: {${error.topic}-${error.partition}=${error.offset}}`,
        false,
      );
    }
    this.#moveTo(k, this.settings.autoOffsetReset === 'earliest' ? error.beginning : error.end);
  }

  async #refreshPattern(): Promise<void> {
    if (this.#mode !== 'pattern' || Date.now() - this.#patternCheckedAt < PATTERN_REFRESH_MS) return;
    this.#patternCheckedAt = Date.now();
    const topics = await this.#matchingTopics();
    if (topics.join('\u0000') !== this.#topics.join('\u0000')) {
      this.#topics = topics;
      this.#member?.requestRejoin();
    }
  }

  // ---- offsets ----

  /** `POST …/offsets`: the positions of every assigned partition, or the given offsets (each + 1, as Confluent). */
  async commit(offsets: readonly TopicPartitionOffset[] | undefined): Promise<void> {
    if (offsets === undefined) {
      await this.#commitPositions(this.#generation);
      return;
    }
    await this.#groups.commit(
      this.settings.group,
      this.#mode === 'assigned' ? undefined : this.#generation,
      offsets.map(({ topic, partition, offset }) => ({ topic, partition, offset: offset + 1 })),
    );
  }

  async #commitPositions(generation: MemberGeneration | undefined): Promise<void> {
    const offsets = this.#assignment.flatMap(({ topic, partition }) => {
      const offset = this.#positions.get(key(topic, partition));
      return offset === undefined ? [] : [{ topic, partition, offset }];
    });
    this.#lastAutoCommit = Date.now();
    await this.#groups.commit(
      this.settings.group,
      this.#mode === 'assigned' ? undefined : generation,
      offsets,
    );
  }

  /** Auto commit inside a read, as Java's poll does it: at most every `auto.commit.interval.ms`, not awaited. */
  #maybeAutoCommit(): void {
    if (!this.settings.autoCommit) return;
    if (Date.now() - this.#lastAutoCommit < this.#config.consumer.autoCommitIntervalMs) return;
    this.#commitPositions(this.#generation).catch((error: unknown) =>
      this.#warn(`consumer ${this.#id()}: auto commit failed: ${message(error)}`),
    );
  }

  /** `GET …/offsets`: the group's committed offsets of these partitions (those it has). */
  async committed(
    partitions: readonly ConsumerTopicPartition[],
  ): Promise<Array<{ topic: string; partition: number; offset: number; metadata: string }>> {
    const committed = await this.#log.fetchGroupOffsets(this.settings.group);
    return partitions.flatMap(({ topic, partition }) => {
      const found = committed.find((o) => o.topic === topic && o.partition === partition);
      return found === undefined ? [] : [{ topic, partition, offset: found.offset, metadata: '' }];
    });
  }

  // ---- end ----

  /** Deletes the instance: commits (with auto commit), leaves the group, closes its connections. Once. */
  async close(): Promise<void> {
    if (this.#closed) return;
    try {
      await this.unsubscribe();
    } finally {
      this.#closed = true;
      await this.#reader?.close().catch(() => undefined);
      this.#reader = undefined;
    }
  }

  #id(): string {
    return `${this.settings.group}/${this.settings.name}`;
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
