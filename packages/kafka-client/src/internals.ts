/**
 * The one file that reaches into kafkajs internals (written against kafkajs 2.2.4, pinned exactly).
 *
 * kafkajs's public consumer cannot carry a custom group protocol (it decodes every assignment as the
 * consumer protocol and drops `userData`), and it has no "fetch this offset" call. Its private Cluster and
 * Broker objects do: `Broker` has one method per Kafka request (joinGroup, syncGroup, heartbeat, leaveGroup,
 * fetch), and `Cluster` finds partition leaders and group coordinators and keeps broker connections.
 *
 * What is used, and where it lives in kafkajs 2.2.4 (`src/`):
 * - `index.js`: the Kafka instance keeps a factory under the private symbol `private:Kafka:createCluster`
 *   that builds a `Cluster` with the instance's brokers, ssl, sasl, timeouts, retry and logger.
 * - `cluster/index.js`: connect, disconnect, refreshMetadata, addTargetTopic, findTopicPartitionMetadata,
 *   findBroker({ nodeId }), findGroupCoordinator({ groupId }) (which retries with the cluster's retry options),
 *   metadata({ topics }), and the `targetTopics` Set that every metadata refresh asks for.
 * - `broker/index.js`: fetch, joinGroup (answers MEMBER_ID_REQUIRED itself by joining once more with the
 *   member id the broker handed out, unless the patch's `rejoinWhenMemberIdRequired` is false, as here:
 *   then it throws `KafkaJSMemberIdRequired` with `memberId`), syncGroup, heartbeat, leaveGroup. Responses are parsed and a broker
 *   error code is thrown as `KafkaJSProtocolError` with the Kafka error name in `type`. The workspace's
 *   kafkajs patch makes the four group methods pass `groupInstanceId` on to the request encoders, which
 *   write it from JoinGroup v5, SyncGroup v3, Heartbeat v3 and LeaveGroup v3 on; `versions` (the broker's
 *   ApiVersions answer, by api key) says which versions kafkajs will use.
 * - `protocol/requests/fetch/v11/response.js` and `protocol/recordBatch/`: the shape of a fetched partition
 *   (int64 fields as decimal strings; the log start offset is spelt `lastStartOffset`).
 * - `errors.js`: error names (`KafkaJSConnectionError`, …) and `type`, `retriable`, `memberId` fields.
 * - `broker/index.js`'s `connectionPool.send({ request, response })` and `versions`, for the Produce requests
 *   `produce` sends with its own encoding (`network/connection.js` takes a request whose `encode()` answers an
 *   object with the body as `buf` and `buffer`, `protocol/encoder.js`'s `writeEncoder` test, and hands the
 *   response body after the correlation id to `response.decode`, then `response.parse`);
 *   `protocol/error.js`'s `createErrorFromCode`, so that a broker's error answer is the same
 *   `KafkaJSProtocolError` kafkajs's own producer throws.
 *
 * - `protocol/requests/<request>/v<N>/{request,response}.js`: each request's encoder and decoder, which kafkajs
 *   requires only when a connection first sends that request at that version (`preloadKafkaProtocol`).
 *
 * Every shape is checked where it is used, so an upgrade that changes one fails with
 * `SLUICE_KAFKA_INTERNALS_CHANGED` instead of misbehaving.
 */
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Kafka } from 'kafkajs';
import { KafkaInternalsError, StaticMembershipUnsupportedError } from './errors.js';
import {
  decodeProduceResponse,
  PRODUCE_API_KEY,
  PRODUCE_VERSION,
  type PartitionProduceResult,
} from './produce-codec.js';
import type { FetchedRecord } from './types.js';

const CREATE_CLUSTER_SYMBOL = 'private:Kafka:createCluster';
/** How long `InternalCluster.disconnect` waits for the answers of requests in flight (see there). */
const DISCONNECT_WAIT_MS = 100;
/** `protocol/isolationLevel.js`: READ_COMMITTED hides records of open and aborted transactions. */
const READ_COMMITTED = 1;

type Dict = Record<string, unknown>;

interface RawCluster {
  /** Topics every metadata refresh asks for (`cluster/index.js`); kafkajs's admin prunes it on deleteTopics. */
  targetTopics: unknown;
  metadata(args: { topics: string[] }): Promise<unknown>;
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  refreshMetadata(): Promise<void>;
  addTargetTopic(topic: string): Promise<void>;
  findTopicPartitionMetadata(topic: string): unknown;
  findBroker(args: { nodeId: number }): Promise<unknown>;
  findGroupCoordinator(args: { groupId: string }): Promise<unknown>;
}

interface RawBroker {
  nodeId: unknown;
  /** `{ [apiKey]: { minVersion, maxVersion } }` once connected. */
  versions: unknown;
  fetch(request: Dict): Promise<unknown>;
  joinGroup(request: Dict): Promise<unknown>;
  syncGroup(request: Dict): Promise<unknown>;
  heartbeat(request: Dict): Promise<unknown>;
  leaveGroup(request: Dict): Promise<unknown>;
  offsetCommit(request: Dict): Promise<unknown>;
}

interface RawConnectionPool {
  send(request: Dict): Promise<unknown>;
}

const CLUSTER_METHODS = [
  'metadata',
  'connect',
  'disconnect',
  'refreshMetadata',
  'addTargetTopic',
  'findTopicPartitionMetadata',
  'findBroker',
  'findGroupCoordinator',
] as const;
const BROKER_METHODS = [
  'fetch',
  'joinGroup',
  'syncGroup',
  'heartbeat',
  'leaveGroup',
  'offsetCommit',
] as const;

function withMethods<T>(value: unknown, what: string, methods: readonly string[]): T {
  if (typeof value !== 'object' || value === null) throw new KafkaInternalsError(`${what} is not an object`);
  for (const method of methods) {
    if (typeof (value as Dict)[method] !== 'function')
      throw new KafkaInternalsError(`${what} has no ${method}()`);
  }
  return value as T;
}

// Readers for kafkajs response objects: each checks the type it relies on.

function dict(value: unknown, what: string): Dict {
  if (typeof value !== 'object' || value === null) throw new KafkaInternalsError(`${what} is not an object`);
  return value as Dict;
}

function list(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw new KafkaInternalsError(`${what} is not an array`);
  return value;
}

function text(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new KafkaInternalsError(`${what} is not a string`);
  return value;
}

function int(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value))
    throw new KafkaInternalsError(`${what} is not an integer`);
  return value;
}

/** kafkajs hands int64 fields out as decimal strings. */
/** kafkajs's decimal strings of int64s, as numbers; beyond 2^53 (no offset or ms timestamp gets there) it fails. */
function int64(value: unknown, what: string): number {
  // Called for every fetched record: a number check, no regular expression.
  const number = typeof value === 'string' && value !== '' ? Number(value) : NaN;
  if (!Number.isSafeInteger(number)) {
    throw new KafkaInternalsError(
      `${what} is not an int64 decimal string within ±2^53, got ${String(value)}`,
    );
  }
  return number;
}

/**
 * A record's timestamp, leniently: one a producer set beyond 2^53 ms (or garbage) must not make its
 * partition unreadable, so it reads as the nearest number, or -1 (none) when it is not a number at all.
 */
function timestampOf(value: unknown): number {
  const number = typeof value === 'string' && value !== '' ? Number(value) : NaN;
  return Number.isFinite(number) ? number : -1;
}

function bytes(value: unknown, what: string): Buffer | null {
  if (value === null || Buffer.isBuffer(value)) return value;
  throw new KafkaInternalsError(`${what} is neither a Buffer nor null`);
}

/** kafkajs's Encoder writes anything that is not a Buffer as a UTF-8 string, so hand it Buffers only. */
function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

const createErrorFromCode: unknown = (
  createRequire(import.meta.url)('kafkajs/src/protocol/error.js') as Dict
)['createErrorFromCode'];

/** The error kafkajs throws for a broker's error code (`KafkaJSProtocolError`, with `type` and `retriable`). */
export function kafkaProtocolError(code: number): Error {
  if (typeof createErrorFromCode !== 'function')
    throw new KafkaInternalsError('protocol/error.js has no createErrorFromCode()');
  const error: unknown = (createErrorFromCode as (code: number) => unknown)(code);
  if (!(error instanceof Error)) throw new KafkaInternalsError('createErrorFromCode() made no Error');
  return error;
}

/** What a kafkajs error says, in the terms the rest of this package decides on. */
export interface KafkaErrorInfo {
  /** kafkajs error class name, for example `KafkaJSProtocolError`. */
  name: string;
  /** Kafka protocol error name (`REBALANCE_IN_PROGRESS`, …) when a broker answered with an error code. */
  type: string | undefined;
  /** The broker was unreachable, the connection broke, or the request timed out. */
  network: boolean;
  retriable: boolean;
  /** The member id a MEMBER_ID_REQUIRED answer carries. */
  memberId: string | undefined;
  message: string;
}

const NETWORK_ERRORS = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSBrokerNotFound',
  'KafkaJSLockTimeout',
  'KafkaJSGroupCoordinatorNotFound',
  'KafkaJSMetadataNotLoaded',
  'KafkaJSTopicMetadataNotLoaded',
]);

export function describeKafkaError(error: unknown): KafkaErrorInfo {
  const outer = typeof error === 'object' && error !== null ? (error as Dict) : {};
  const name = typeof outer['name'] === 'string' ? outer['name'] : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  // KafkaJSNumberOfRetriesExceeded (from the cluster's own retries) wraps the last error as `cause`.
  let current: Dict | undefined = outer;
  let type: string | undefined;
  let network = false;
  for (let depth = 0; current !== undefined && depth < 5; depth++) {
    if (typeof current['type'] === 'string') type ??= current['type'];
    if (typeof current['name'] === 'string' && NETWORK_ERRORS.has(current['name'])) network = true;
    const cause: unknown = current['cause'];
    current = typeof cause === 'object' && cause !== null && cause !== current ? (cause as Dict) : undefined;
  }
  // Node's own socket errors (ECONNREFUSED, …) surface with a `code` and no kafkajs name.
  if (!name.startsWith('KafkaJS') && typeof outer['code'] === 'string' && outer['code'].startsWith('E'))
    network = true;
  // Running out of kafkajs's own retries does not make the underlying failure permanent.
  const cause = outer['cause'];
  const retriedOut = name === 'KafkaJSNumberOfRetriesExceeded' && typeof cause === 'object' && cause !== null;
  const retriable =
    network || (retriedOut ? (cause as Dict)['retriable'] !== false : outer['retriable'] === true);
  const memberId = typeof outer['memberId'] === 'string' ? outer['memberId'] : undefined;
  return { name, type, network, retriable, memberId, message };
}

export interface RawFetchResult {
  records: FetchedRecord[];
  highWatermark: number;
  logStartOffset: number;
  /** The end of what READ_COMMITTED may read (below open transactions); -1 if the broker did not say. */
  lastStableOffset: number;
  /** Offset of the last record the broker returned, including records filtered out here; undefined if none. */
  lastReturnedOffset: number | undefined;
  /**
   * The offset after the last record batch the broker returned (Kafka's `batch.nextOffset()`): past records
   * compaction removed from that batch, markers and aborted records; undefined when no batch was returned.
   */
  nextOffset: number | undefined;
}

export interface RawJoinGroupResult {
  generationId: number;
  protocolName: string;
  leaderId: string;
  memberId: string;
  /** Every member with its metadata; empty unless this member is the leader. */
  members: Array<{ memberId: string; groupInstanceId: string | undefined; metadata: Buffer }>;
}

/**
 * Group requests by api key (`protocol/requests/apiKeys.js`), with the first version that carries a static
 * member's `group.instance.id` and the highest version kafkajs 2.2.4 implements.
 */
const STATIC_MEMBERSHIP_VERSIONS = {
  JoinGroup: { apiKey: 11, first: 5, implemented: 5 },
  Heartbeat: { apiKey: 12, first: 3, implemented: 3 },
  LeaveGroup: { apiKey: 13, first: 3, implemented: 3 },
  SyncGroup: { apiKey: 14, first: 3, implemented: 3 },
} as const;

/** A kafkajs Cluster of its own (own connections), reached through the Kafka instance's private factory. */
export class InternalCluster {
  readonly #cluster: RawCluster;
  #connecting: Promise<void> | undefined;

  private constructor(cluster: RawCluster) {
    this.#cluster = cluster;
  }

  /**
   * A new Cluster from `kafka`'s configuration. Metadata requests never create topics: a typo must not
   * leave a topic behind.
   */
  static open(kafka: Kafka, options: { metadataMaxAgeMs: number }): InternalCluster {
    const symbol = Object.getOwnPropertySymbols(kafka).find((s) => s.description === CREATE_CLUSTER_SYMBOL);
    const factory: unknown =
      symbol === undefined ? undefined : (kafka as unknown as Record<symbol, unknown>)[symbol];
    if (typeof factory !== 'function') {
      throw new KafkaInternalsError(`the Kafka instance has no ${CREATE_CLUSTER_SYMBOL} factory`);
    }
    const cluster: unknown = (factory as (options: Dict) => unknown)({
      metadataMaxAge: options.metadataMaxAgeMs,
      allowAutoTopicCreation: false,
      maxInFlightRequests: null,
      instrumentationEmitter: null,
      isolationLevel: READ_COMMITTED,
    });
    return new InternalCluster(withMethods<RawCluster>(cluster, 'Cluster', CLUSTER_METHODS));
  }

  /**
   * Connects and loads metadata (the broker list: the group coordinator lookup needs it). Once: concurrent
   * callers share the attempt, and a failed one is tried again by the next call.
   */
  connect(): Promise<void> {
    this.#connecting ??= (async () => {
      await this.#cluster.connect();
      await this.#cluster.refreshMetadata();
    })().catch((error: unknown) => {
      this.#connecting = undefined;
      throw error;
    });
    return this.#connecting;
  }

  /**
   * Closes the connections. kafkajs's disconnect first waits for every request in flight, and a request its
   * caller gave up on can stay unanswered for long: a long-poll Fetch for up to its wait, a JoinGroup of a
   * stopped member until the group's join phase ends (which may wait for that member's own successor, started
   * once it has stopped). So this waits at most `DISCONNECT_WAIT_MS`, or not at all with `abandonInFlight`
   * (the answers are of no use to anyone); the connections close when those answers come.
   */
  async disconnect({ abandonInFlight = false }: { abandonInFlight?: boolean } = {}): Promise<void> {
    this.#connecting = undefined;
    const closing = this.#cluster.disconnect();
    closing.catch(() => undefined);
    if (abandonInFlight) return;
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, DISCONNECT_WAIT_MS);
      timer.unref();
    });
    try {
      await Promise.race([closing, waited]);
    } finally {
      clearTimeout(timer);
    }
  }

  async refreshMetadata(): Promise<void> {
    await this.#cluster.refreshMetadata();
  }

  /** Makes metadata refreshes include `topic`; loads it now if it is new. */
  async addTopic(topic: string): Promise<void> {
    await this.#cluster.addTargetTopic(topic);
  }

  /**
   * Stops asking for topics that no longer exist; returns them. kafkajs's Cluster refreshes metadata for every
   * topic it was ever asked about and never forgets one, so once such a topic is deleted every refresh fails
   * with UNKNOWN_TOPIC_OR_PARTITION, whatever topic it was for. kafkajs's own admin prunes the same Set when it
   * deletes topics; topics deleted by anyone else need this.
   */
  async forgetDeletedTopics(): Promise<string[]> {
    const targets = this.#cluster.targetTopics;
    if (!(targets instanceof Set)) throw new KafkaInternalsError('Cluster.targetTopics is not a Set');
    if (targets.size === 0) return [];
    // An empty topic list asks for every topic: the one metadata request that cannot fail on a deleted topic.
    const metadata: unknown = await this.#cluster.metadata({ topics: [] });
    if (metadata === null) throw new Error('no broker answered a metadata request');
    const existing = new Set(
      list(dict(metadata, 'metadata')['topicMetadata'], 'metadata.topicMetadata').map((item) =>
        text(dict(item, 'topic metadata')['topic'], 'topic metadata.topic'),
      ),
    );
    const deleted = [...(targets as Set<unknown>)].filter(
      (topic): topic is string => typeof topic === 'string' && !existing.has(topic),
    );
    for (const topic of deleted) targets.delete(topic);
    return deleted;
  }

  /**
   * Node id of the partition's leader per cached metadata: null while it has none (an election is under way),
   * undefined if the partition is not known at all.
   */
  partitionLeader(topic: string, partition: number): number | null | undefined {
    const partitions = list(this.#cluster.findTopicPartitionMetadata(topic), 'topic partition metadata');
    for (const item of partitions) {
      const metadata = dict(item, 'partition metadata');
      if (metadata['partitionId'] !== partition) continue;
      const leader = metadata['leader'];
      return typeof leader === 'number' && leader >= 0 ? leader : null;
    }
    return undefined;
  }

  async #broker(nodeId: number): Promise<RawBroker> {
    return withMethods<RawBroker>(
      await this.#cluster.findBroker({ nodeId }),
      `Broker ${nodeId}`,
      BROKER_METHODS,
    );
  }

  /**
   * A broker that will encode `groupInstanceId` in `request`: kafkajs silently picks an older version (one
   * without the field) from a broker older than Kafka 2.3, which would turn a static member into a dynamic one.
   */
  async #groupBroker(
    nodeId: number,
    request: keyof typeof STATIC_MEMBERSHIP_VERSIONS,
    groupInstanceId: string | undefined,
  ): Promise<RawBroker> {
    const broker = await this.#broker(nodeId);
    if (groupInstanceId === undefined) return broker;
    const { apiKey, first, implemented } = STATIC_MEMBERSHIP_VERSIONS[request];
    const versions = dict(broker.versions, `Broker ${nodeId} versions`);
    const supported =
      versions[apiKey] === undefined ? undefined : dict(versions[apiKey], `${request} versions`);
    const used = Math.min(
      implemented,
      supported === undefined ? -1 : int(supported['maxVersion'], 'maxVersion'),
    );
    if (used < first) {
      throw new StaticMembershipUnsupportedError(
        `broker ${nodeId} answers ${request} up to version ${used}; a static member (group.instance.id) needs version ${first} (Kafka 2.3 or later)`,
      );
    }
    return broker;
  }

  /**
   * One Fetch request for one partition, READ_COMMITTED. Records below `offset` (a batch may start earlier),
   * control records and records of aborted transactions are dropped, as kafkajs's consumer does.
   */
  async fetch(
    nodeId: number,
    request: {
      topic: string;
      partition: number;
      offset: number;
      maxBytes: number;
      maxWaitMs: number;
      minBytes: number;
    },
  ): Promise<RawFetchResult> {
    const [result] = await this.fetchPartitions(nodeId, {
      partitions: [{ topic: request.topic, partition: request.partition, offset: request.offset }],
      maxBytes: request.maxBytes,
      partitionMaxBytes: request.maxBytes,
      maxWaitMs: request.maxWaitMs,
      minBytes: request.minBytes,
    });
    return result!;
  }

  /**
   * One Fetch request for several partitions (of one topic or several) led by the same broker,
   * READ_COMMITTED; the broker answers as soon as `minBytes` are available in any of them, or after
   * `maxWaitMs`. Each partition is decoded as `fetch` decodes one; the results are in request order.
   * kafkajs fails the whole request with the first partition error it finds.
   */
  async fetchPartitions(
    nodeId: number,
    request: {
      partitions: ReadonlyArray<{ topic: string; partition: number; offset: number }>;
      /** Limit for the whole response. */
      maxBytes: number;
      partitionMaxBytes: number;
      maxWaitMs: number;
      minBytes: number;
    },
  ): Promise<RawFetchResult[]> {
    const broker = await this.#broker(nodeId);
    const topics = new Map<string, Array<{ partition: number; fetchOffset: string; maxBytes: number }>>();
    for (const { topic, partition, offset } of request.partitions) {
      let partitions = topics.get(topic);
      if (partitions === undefined) topics.set(topic, (partitions = []));
      partitions.push({ partition, fetchOffset: String(offset), maxBytes: request.partitionMaxBytes });
    }
    const response = dict(
      await broker.fetch({
        isolationLevel: READ_COMMITTED,
        maxWaitTime: request.maxWaitMs,
        minBytes: request.minBytes,
        maxBytes: request.maxBytes,
        topics: [...topics].map(([topic, partitions]) => ({ topic, partitions })),
      }),
      'fetch response',
    );
    const answered = new Map<string, Dict[]>();
    for (const item of list(response['responses'], 'fetch response.responses')) {
      const entry = dict(item, 'fetch topic response');
      const topic = text(entry['topicName'], 'fetch topic response.topicName');
      const partitions = list(entry['partitions'] ?? [], 'fetch partitions').map((p) =>
        dict(p, 'fetch partition response'),
      );
      answered.set(topic, [...(answered.get(topic) ?? []), ...partitions]);
    }
    return request.partitions.map(({ topic, partition, offset }) => {
      const data = answered.get(topic)?.find((item) => item['partition'] === partition);
      if (data === undefined)
        throw new KafkaInternalsError('the fetch response has no entry for a requested partition');
      return decodePartition(data, offset);
    });
  }

  /**
   * Whether the broker takes the Produce version `produce` sends (v7: Kafka 2.1 and later). Connects to it.
   */
  async producesDirectly(nodeId: number): Promise<boolean> {
    const broker = await this.#broker(nodeId);
    const versions = dict(broker.versions, `Broker ${nodeId} versions`);
    const produce = versions[PRODUCE_API_KEY];
    if (produce === undefined) return false;
    const range = dict(produce, 'Produce versions');
    return (
      int(range['minVersion'], 'minVersion') <= PRODUCE_VERSION &&
      int(range['maxVersion'], 'maxVersion') >= PRODUCE_VERSION
    );
  }

  /**
   * Sends a Produce request whose body `encodeProduceRequest` wrote on the broker's connection for requests
   * other than Fetch (as kafkajs's producer does) and answers each partition's result; broker errors are in
   * the results, not thrown. A connection that closed under the request is dropped (as kafkajs's Broker does),
   * so that the next request reconnects.
   */
  async produce(nodeId: number, body: Buffer): Promise<PartitionProduceResult[]> {
    const broker = await this.#broker(nodeId);
    const pool = withMethods<RawConnectionPool>(
      (broker as unknown as Dict)['connectionPool'],
      `Broker ${nodeId} connectionPool`,
      ['send'],
    );
    const encoded = { buf: body, buffer: body };
    try {
      const response = dict(
        await pool.send({
          request: {
            apiKey: PRODUCE_API_KEY,
            apiVersion: PRODUCE_VERSION,
            apiName: 'Produce',
            encode: () => Promise.resolve(encoded),
          },
          response: {
            decode: (data: Buffer) => {
              const decoded = decodeProduceResponse(data);
              // The connection throttles its next requests when the broker asks it to (KIP-219).
              return Promise.resolve({ ...decoded, clientSideThrottleTime: decoded.throttleTimeMs });
            },
            parse: (data: unknown) => Promise.resolve(data),
          },
        }),
        'Produce response',
      );
      return list(response['topics'], 'Produce response topics').flatMap(
        (topic) => dict(topic, 'Produce topic')['partitions'] as PartitionProduceResult[],
      );
    } catch (error) {
      if ((error as { name?: unknown } | null)?.name === 'KafkaJSConnectionClosedError') {
        await (broker as unknown as { disconnect(): Promise<void> }).disconnect().catch(() => undefined);
      }
      throw error;
    }
  }

  /** Node id of the group's coordinator (kafkajs retries COORDINATOR_NOT_AVAILABLE with its retry options). */
  async findGroupCoordinator(groupId: string): Promise<number> {
    const broker = dict(await this.#cluster.findGroupCoordinator({ groupId }), 'group coordinator broker');
    return int(broker['nodeId'], 'group coordinator nodeId');
  }

  /**
   * JoinGroup, with the version kafkajs negotiated (v5 against Kafka 2.3+). Blocks until the coordinator
   * completes the join phase, up to the rebalance timeout; kafkajs sets the request timeout to that + 5 s.
   */
  async joinGroup(
    nodeId: number,
    request: {
      groupId: string;
      memberId: string;
      groupInstanceId?: string | undefined;
      sessionTimeoutMs: number;
      rebalanceTimeoutMs: number;
      protocolType: string;
      protocols: Array<{ name: string; metadata: Uint8Array }>;
    },
  ): Promise<RawJoinGroupResult> {
    const broker = await this.#groupBroker(nodeId, 'JoinGroup', request.groupInstanceId);
    const response = dict(
      await broker.joinGroup({
        groupId: request.groupId,
        memberId: request.memberId,
        groupInstanceId: request.groupInstanceId ?? null,
        sessionTimeout: request.sessionTimeoutMs,
        rebalanceTimeout: request.rebalanceTimeoutMs,
        protocolType: request.protocolType,
        groupProtocols: request.protocols.map((protocol) => ({
          name: protocol.name,
          metadata: asBuffer(protocol.metadata),
        })),
        // MEMBER_ID_REQUIRED goes to the caller (as the in-memory coordinator's does), which joins again
        // with the id and so knows it before it enters the group.
        rejoinWhenMemberIdRequired: false,
      }),
      'JoinGroup response',
    );
    return {
      generationId: int(response['generationId'], 'JoinGroup generationId'),
      protocolName: text(response['groupProtocol'], 'JoinGroup groupProtocol'),
      leaderId: text(response['leaderId'], 'JoinGroup leaderId'),
      memberId: text(response['memberId'], 'JoinGroup memberId'),
      members: list(response['members'], 'JoinGroup members').map((item) => {
        const member = dict(item, 'JoinGroup member');
        const instanceId = member['groupInstanceId'];
        return {
          memberId: text(member['memberId'], 'JoinGroup member.memberId'),
          // JoinGroup v5+ (null for dynamic members); absent from older versions.
          groupInstanceId:
            instanceId === undefined || instanceId === null
              ? undefined
              : text(instanceId, 'JoinGroup member.groupInstanceId'),
          metadata: bytes(member['memberMetadata'], 'JoinGroup member.memberMetadata') ?? Buffer.alloc(0),
        };
      }),
    };
  }

  /** SyncGroup: the leader sends every member's assignment; everyone gets their own back. */
  async syncGroup(
    nodeId: number,
    request: {
      groupId: string;
      generationId: number;
      memberId: string;
      groupInstanceId?: string | undefined;
      assignments: Array<{ memberId: string; assignment: Uint8Array }>;
    },
  ): Promise<Buffer> {
    const broker = await this.#groupBroker(nodeId, 'SyncGroup', request.groupInstanceId);
    const response = dict(
      await broker.syncGroup({
        groupId: request.groupId,
        generationId: request.generationId,
        memberId: request.memberId,
        groupInstanceId: request.groupInstanceId ?? null,
        groupAssignment: request.assignments.map((item) => ({
          memberId: item.memberId,
          memberAssignment: asBuffer(item.assignment),
        })),
      }),
      'SyncGroup response',
    );
    return bytes(response['memberAssignment'], 'SyncGroup memberAssignment') ?? Buffer.alloc(0);
  }

  async heartbeat(
    nodeId: number,
    request: {
      groupId: string;
      generationId: number;
      memberId: string;
      groupInstanceId?: string | undefined;
    },
  ): Promise<void> {
    const broker = await this.#groupBroker(nodeId, 'Heartbeat', request.groupInstanceId);
    await broker.heartbeat({
      groupId: request.groupId,
      groupGenerationId: request.generationId,
      memberId: request.memberId,
      groupInstanceId: request.groupInstanceId ?? null,
    });
  }

  async leaveGroup(
    nodeId: number,
    request: { groupId: string; memberId: string; groupInstanceId?: string | undefined },
  ): Promise<void> {
    const broker = await this.#groupBroker(nodeId, 'LeaveGroup', request.groupInstanceId);
    await broker.leaveGroup({
      groupId: request.groupId,
      memberId: request.memberId,
      groupInstanceId: request.groupInstanceId ?? null,
    });
  }

  /**
   * OffsetCommit (v2+, retention -1 = the broker's). kafkajs's response parser throws the first partition
   * error as `KafkaJSProtocolError`.
   */
  async offsetCommit(
    nodeId: number,
    request: {
      groupId: string;
      generationId: number;
      memberId: string;
      offsets: ReadonlyArray<{ topic: string; partition: number; offset: number }>;
    },
  ): Promise<void> {
    const broker = await this.#broker(nodeId);
    const topics = new Map<string, Array<{ partition: number; offset: string }>>();
    for (const { topic, partition, offset } of request.offsets) {
      topics.set(topic, [...(topics.get(topic) ?? []), { partition, offset: String(offset) }]);
    }
    await broker.offsetCommit({
      groupId: request.groupId,
      groupGenerationId: request.generationId,
      memberId: request.memberId,
      retentionTime: -1,
      topics: [...topics].map(([topic, partitions]) => ({ topic, partitions })),
    });
  }
}

/** One partition of a Fetch response, from `offset` on: committed records only, and where to read next. */
function decodePartition(data: Dict, offset: number): RawFetchResult {
  const highWatermark = int64(data['highWatermark'], 'highWatermark');
  // Fetch v5+ carries the log start offset; kafkajs names it `lastStartOffset`.
  const logStartOffset =
    data['lastStartOffset'] === undefined ? -1 : int64(data['lastStartOffset'], 'lastStartOffset');
  const lastStableOffset =
    data['lastStableOffset'] === undefined ? -1 : int64(data['lastStableOffset'], 'lastStableOffset');
  const aborted = list(data['abortedTransactions'] ?? [], 'abortedTransactions')
    .map((item) => dict(item, 'aborted transaction'))
    .map((item) => ({
      producerId: text(item['producerId'], 'abortedTransaction.producerId'),
      firstOffset: int64(item['firstOffset'], 'abortedTransaction.firstOffset'),
    }))
    .sort((a, b) => a.firstOffset - b.firstOffset);

  const records: FetchedRecord[] = [];
  let lastReturnedOffset: number | undefined;
  let nextOffset: number | undefined;
  // Producers whose aborted transaction we are inside of; its abort marker (a control record) ends it.
  const abortedProducers = new Set<string>();
  let nextAborted = 0;
  for (const item of list(data['messages'], 'fetch partition messages')) {
    const message = dict(item, 'record');
    const recordOffset = int64(message['offset'], 'record.offset');
    lastReturnedOffset = recordOffset;
    const batch =
      message['batchContext'] === undefined
        ? undefined
        : dict(message['batchContext'], 'record.batchContext');
    nextOffset = recordOffset + 1;
    if (batch !== undefined && batch['firstOffset'] !== undefined) {
      const batchEnd =
        int64(batch['firstOffset'], 'batchContext.firstOffset') +
        int(batch['lastOffsetDelta'], 'batchContext.lastOffsetDelta') +
        1;
      nextOffset = Math.max(nextOffset, batchEnd);
    }
    const producerId = batch === undefined ? undefined : text(batch['producerId'], 'batchContext.producerId');
    while (nextAborted < aborted.length && recordOffset >= aborted[nextAborted]!.firstOffset) {
      abortedProducers.add(aborted[nextAborted]!.producerId);
      nextAborted++;
    }
    if (message['isControlRecord'] === true) {
      if (producerId !== undefined) abortedProducers.delete(producerId);
      continue;
    }
    if (producerId !== undefined && batch?.['inTransaction'] === true && abortedProducers.has(producerId))
      continue;
    if (recordOffset < offset) continue;
    records.push({
      offset: recordOffset,
      timestamp: message['timestamp'] === undefined ? -1 : timestampOf(message['timestamp']),
      key: bytes(message['key'], 'record.key'),
      value: bytes(message['value'], 'record.value'),
      headers: headerList(message),
    });
  }
  return { records, highWatermark, logStartOffset, lastStableOffset, lastReturnedOffset, nextOffset };
}

/**
 * Record headers as a list, in wire order.
 *
 * How stock kafkajs 2.2.4 decodes headers (`protocol/recordBatch/record/v0/decoder.js`, `header/v0/decoder.js`):
 * - into a plain object keyed by header key (UTF-8); a key that occurs once maps to its value, a key that
 *   repeats maps to an array of its values in record order (duplicates are kept, not overwritten);
 * - a null value (length -1 on the wire) stays `null`; an empty value is a zero-length Buffer;
 * - values are Buffers that share memory with the fetch response (no copy);
 * - what the object loses: the relative order of different keys once a key repeats (a, b, a comes back as
 *   a, a, b), and JavaScript lists integer-like keys ("1", "42") first, ascending, before the others.
 * The workspace patches kafkajs (`patches/kafkajs@2.2.4.patch`) to also keep the decoded list as
 * `headerList`, which has none of those losses; it is used when present, the object otherwise.
 * Legacy message sets (magic 0/1) have no headers: they come back as an empty list.
 */
function headerList(message: Dict): Array<{ key: string; value: Buffer | null }> {
  const wireOrder = message['headerList'];
  if (wireOrder !== undefined) {
    return list(wireOrder, 'record.headerList').map((item) => {
      const header = dict(item, 'record header');
      return { key: text(header['key'], 'header key'), value: bytes(header['value'], 'header value') };
    });
  }
  if (message['headers'] === undefined) return [];
  const headers: Array<{ key: string; value: Buffer | null }> = [];
  for (const [key, entry] of Object.entries(dict(message['headers'], 'record.headers'))) {
    const values: unknown[] = Array.isArray(entry) ? entry : [entry];
    for (const item of values) headers.push({ key, value: bytes(item, `header ${key}`) });
  }
  return headers;
}

/** The requests a task's clients send (directories of kafkajs's `protocol/requests/`). */
const TASK_REQUESTS = [
  'apiVersions',
  'metadata',
  'describeConfigs',
  'createTopics',
  'listOffsets',
  'fetch',
  'produce',
  'initProducerId',
  'findCoordinator',
  'joinGroup',
  'syncGroup',
  'heartbeat',
  'leaveGroup',
  'offsetFetch',
  'offsetCommit',
];

let protocolPreloaded = false;

/**
 * Loads now the encoders and decoders kafkajs would require the first time each request a task sends goes
 * out (the newest version of each, which is what kafkajs 2.2.4 speaks to Kafka 3.x and 4.x): on a fresh
 * task thread that is some 50-100 ms of CPU, which otherwise falls on the first tasks started there, in
 * the middle of a rebalance.
 */
export function preloadKafkaProtocol(): void {
  // Both task runners' modules run it on each thread; the directories are read once.
  if (protocolPreloaded) return;
  protocolPreloaded = true;
  const load = createRequire(import.meta.url);
  for (const name of TASK_REQUESTS) {
    const directory = dirname(load.resolve(`kafkajs/src/protocol/requests/${name}/index.js`));
    const versions = readdirSync(directory)
      .filter((entry) => /^v\d+$/.test(entry))
      .map((entry) => Number(entry.slice(1)));
    if (versions.length === 0) throw new KafkaInternalsError(`protocol/requests/${name} has no versions`);
    const newest = join(directory, `v${Math.max(...versions)}`);
    load(join(newest, 'request.js'));
    load(join(newest, 'response.js'));
  }
}
