// A sink task's membership in its connector's consumer group `connect-<connector>`, speaking Kafka's
// consumer protocol, so that Java consumers and tools see a consumer group (`kafka-consumer-groups
// --describe`) and the coordinator fences a stale copy of the task.
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { ConfigError, SluiceError } from '@sluice/errors';
import {
  KafkaGroupMember,
  RANGE_ASSIGNOR_NAME,
  rangeAssign,
  type GroupMemberInfo,
  type GroupMemberLogger,
  type RevocationReason,
} from '@sluice/coordinator';
import { GroupErrorCode, GroupRequestError, type GroupCoordinatorClient } from '@sluice/kafka-client';
import {
  CONSUMER_PROTOCOL_TYPE,
  consumerProtocol,
  type ConsumerAssignment,
  type ConsumerSubscription,
  type ConsumerTopicPartition,
} from '@sluice/protocol';

/** The group timing a sink task joins with (`TaskRunnerConfig.sinkGroup`; structured-clone values). */
export interface SinkGroupTiming {
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  rebalanceTimeoutMs: number;
}

/**
 * The group settings of a sink task: the connector's `consumer.override.<key>`, else the worker's
 * `consumer.<key>`, else the worker's own group settings (`session.timeout.ms`, `heartbeat.interval.ms`,
 * `rebalance.timeout.ms`: 10 s, 3 s and 60 s by default) rather than a Java consumer's (45 s, 3 s and
 * `max.poll.interval.ms` = 5 min). Keys: `session.timeout.ms`, `heartbeat.interval.ms`, and
 * `max.poll.interval.ms` for the rebalance timeout, as Kafka's consumer uses it.
 *
 * Why the worker's: with static membership a moved or restarted task takes its partitions over at once
 * whatever the session timeout, so the session only bounds what is left: partitions of a task whose
 * worker died and that nobody starts again, and how long a frozen process keeps its partitions. A worker
 * fails over in its own session timeout; its sink tasks' partitions should not take four times as long.
 */
export function sinkGroupTiming(
  worker: { sessionTimeoutMs?: number; heartbeatIntervalMs?: number; rebalanceTimeoutMs?: number },
  workerOriginals: ReadonlyMap<string, string>,
  connectorConfig: Readonly<Record<string, string>>,
): SinkGroupTiming {
  const source = (key: string) => consumerSetting(key, workerOriginals, connectorConfig);
  const setting = (key: string, fallback: number): number => {
    const [name, raw] = source(key);
    if (raw === undefined) return fallback;
    const value = Number(raw.trim());
    if (raw.trim() === '' || !Number.isSafeInteger(value) || value <= 0)
      throw new ConfigError(name, `${name} must be a positive integer of milliseconds, got '${raw}'`);
    return value;
  };
  const timing = {
    sessionTimeoutMs: setting('session.timeout.ms', worker.sessionTimeoutMs ?? 10_000),
    heartbeatIntervalMs: setting('heartbeat.interval.ms', worker.heartbeatIntervalMs ?? 3_000),
    rebalanceTimeoutMs: setting('max.poll.interval.ms', worker.rebalanceTimeoutMs ?? 60_000),
  };
  if (timing.heartbeatIntervalMs >= timing.sessionTimeoutMs) {
    throw new ConfigError(
      source('heartbeat.interval.ms')[0],
      `a sink task's heartbeat.interval.ms (${timing.heartbeatIntervalMs}) must be lower than its ` +
        `session.timeout.ms (${timing.sessionTimeoutMs})`,
    );
  }
  return timing;
}

/** How a sink task long-polls its partitions (`TaskRunnerConfig.sinkFetch`; structured-clone values). */
export interface SinkFetchSettings {
  /** Kafka's `fetch.max.wait.ms`: how long a poll waits for records when none are there. */
  maxWaitMs: number;
  /** Kafka's `fetch.min.bytes`: how much a broker waits for before it answers (Kafka backend only). */
  minBytes: number;
}

/**
 * A sink task's fetch settings, as its consumer's in Connect: the connector's `consumer.override.<key>`,
 * else the worker's `consumer.<key>`, else Kafka's consumer defaults: `fetch.max.wait.ms` 500 and
 * `fetch.min.bytes` 1. Each an integer >= 0.
 */
export function sinkFetchSettings(
  workerOriginals: ReadonlyMap<string, string>,
  connectorConfig: Readonly<Record<string, string>>,
): SinkFetchSettings {
  const setting = (key: string, fallback: number, unit: string): number => {
    const [name, raw] = consumerSetting(key, workerOriginals, connectorConfig);
    if (raw === undefined) return fallback;
    const value = Number(raw.trim());
    if (raw.trim() === '' || !Number.isSafeInteger(value) || value < 0 || value > 2 ** 31 - 1)
      throw new ConfigError(name, `${name} must be an integer >= 0 (${unit}), got '${raw}'`);
    return value;
  };
  return {
    maxWaitMs: setting('fetch.max.wait.ms', 500, 'milliseconds'),
    minBytes: setting('fetch.min.bytes', 1, 'bytes'),
  };
}

/** A consumer setting: the connector's `consumer.override.<key>`, else the worker's `consumer.<key>`. */
function consumerSetting(
  key: string,
  workerOriginals: ReadonlyMap<string, string>,
  connectorConfig: Readonly<Record<string, string>>,
): [name: string, raw: string | undefined] {
  const override = connectorConfig[`consumer.override.${key}`];
  if (override !== undefined) return [`consumer.override.${key}`, override];
  const worker = workerOriginals.get(`consumer.${key}`);
  return worker !== undefined ? [`consumer.${key}`, worker] : [key, undefined];
}

/** What a sink task subscribes to now, and the partition counts it sees for those topics. */
export interface SinkView {
  /** The subscribed topics, sorted: `topics` as listed, or those matching `topics.regex`. */
  topics: string[];
  /** Partitions per subscribed topic; 0 for one that does not exist. */
  partitions: ReadonlyMap<string, number>;
}

/** A generation's assignment, as the runner acts on it. */
export interface SinkAssignment {
  generationId: number;
  memberId: string;
  partitions: ConsumerTopicPartition[];
}

export interface SinkGroupOptions {
  groupId: string;
  /** `<connector>-<task>`: the task's static `group.instance.id`. */
  groupInstanceId: string;
  timing: SinkGroupTiming;
  /** A client of the member's own: its requests and its offset commits. Disconnected when it stops. */
  client: GroupCoordinatorClient;
  /** The subscription and partition counts the runner saw last. */
  view(): SinkView;
  /** Whether the task subscribes to `topic` (listed, or matching `topics.regex`). */
  subscribes(topic: string): boolean;
  /** Partition counts of `topics` as metadata has them now (the leader's assignor reads them). */
  partitionCounts(topics: readonly string[]): Promise<Map<string, number>>;
  /** The generation's assignment starts (under the runner's control: open the partitions). */
  onAssigned(assignment: SinkAssignment): Promise<void>;
  /** The assignment ends (commit unless `lost` or `failed`, then close). */
  onRevoked(reason: RevocationReason): Promise<void>;
  /** The membership's lease changed (see `GroupMember.leaseExpiresAt`). */
  onLease(): void;
  logger?: GroupMemberLogger;
}

/**
 * Assignment user data a Sluice leader adds: `SL` 0x01 and the first 16 bytes of a SHA-256 of the view the
 * assignment was computed from (the member's topics with their partition counts). Java's `RangeAssignor`
 * ignores assignment user data; a Sluice member compares it with its own view (see `SinkGroup.update`).
 */
const DIGEST_MAGIC = [0x53, 0x4c, 0x01];

/** The digest of a member's view: its topics (sorted) and the partition count of each. */
export function viewDigest(topics: readonly string[], partitions: ReadonlyMap<string, number>): Uint8Array {
  const hash = createHash('sha256');
  for (const topic of [...new Set(topics)].sort())
    hash.update(`${topic}\u0000${partitions.get(topic) ?? 0}\n`);
  return new Uint8Array([...DIGEST_MAGIC, ...hash.digest().subarray(0, 16)]);
}

function digestOf(userData: Uint8Array | null): string | undefined {
  if (userData?.length !== DIGEST_MAGIC.length + 16) return undefined;
  if (!DIGEST_MAGIC.every((byte, i) => userData[i] === byte)) return undefined;
  return Buffer.from(userData).toString('hex');
}

/** A member whose view still differs after it rejoined asks again after this long, doubling each time. */
const REJOIN_BACKOFF_MS = 5_000;
const MAX_REJOIN_BACKOFF_MS = 300_000;

/** A commit the coordinator refused because this member no longer counts for the generation. */
const REFUSED = new Set<string>([
  GroupErrorCode.ILLEGAL_GENERATION,
  GroupErrorCode.UNKNOWN_MEMBER_ID,
  GroupErrorCode.FENCED_INSTANCE_ID,
  GroupErrorCode.REBALANCE_IN_PROGRESS,
]);

/** Whether a failed commit was refused for membership reasons: not committed, but not a failure either. */
export function isRefusedCommit(error: unknown): boolean {
  return error instanceof GroupRequestError && REFUSED.has(error.code);
}

/**
 * A sink task as a static member of `connect-<connector>` with protocol type `consumer`, offering `range`
 * only (see the runner's notes for why not `cooperative-sticky`). The leader, whichever member it is,
 * computes Kafka's range assignment over every member's subscription with partition counts from metadata.
 *
 * It rejoins (and so makes the group rebalance) when:
 * - its subscription changed since it last joined (a topic created that `topics.regex` matches), as a
 *   Java consumer does;
 * - its assignment came from a Sluice leader that saw another view of its topics (partition counts, or the
 *   topics themselves) than this member sees now. That covers partitions added to a topic, a listed topic
 *   created or deleted, and a task restarted with a new subscription: a static member that joins again
 *   gets its old assignment without a rebalance (Kafka rebalances then only if the choice of protocol
 *   changes), and only this check
 *   notices. For a view it already rejoined for, it asks again only after a backoff (5 s, doubling to
 *   5 min), so a leader whose metadata lags does not cause a storm.
 *   Its Subscription carries the generation it last held, so the rejoin differs from what the coordinator
 *   stored and starts a rebalance, as it does for Java consumers.
 * - the assignment holds a topic it does not subscribe to (Kafka's consumer does the same); one that
 *   matches `topics.regex` but that the member has not seen yet is taken, as Kafka's consumer takes it.
 */
export class SinkGroup {
  readonly #o: SinkGroupOptions;
  readonly #member: KafkaGroupMember<ConsumerSubscription, ConsumerAssignment>;
  /** The topics of the last JoinGroup. */
  #joined: string[] | undefined;
  /** The generation last held, for the Subscription's `generationId`. */
  #lastGeneration = -1;
  /** The current assignment's digest, if a Sluice leader made it. */
  #assignedDigest: string | undefined;
  /** The view for which a rejoin was last asked, when, and how long before asking again for the same. */
  #rejoinedFor: { view: string; at: number; backoffMs: number } | undefined;

  constructor(options: SinkGroupOptions) {
    this.#o = options;
    this.#member = new KafkaGroupMember<ConsumerSubscription, ConsumerAssignment>({
      groupId: options.groupId,
      client: options.client,
      protocolType: CONSUMER_PROTOCOL_TYPE,
      protocols: [consumerProtocol(RANGE_ASSIGNOR_NAME)],
      groupInstanceId: options.groupInstanceId,
      sessionTimeoutMs: options.timing.sessionTimeoutMs,
      heartbeatIntervalMs: options.timing.heartbeatIntervalMs,
      rebalanceTimeoutMs: options.timing.rebalanceTimeoutMs,
      metadata: () => this.#subscription(),
      assign: (members) => this.#assign(members),
      onAssigned: async (event) => {
        this.#lastGeneration = event.generationId;
        this.#assignedDigest = digestOf(event.assignment.userData);
        const subscribes = (tp: ConsumerTopicPartition) => this.#o.subscribes(tp.topic);
        const foreign = !event.assignment.partitions.every(subscribes);
        await this.#o.onAssigned({
          generationId: event.generationId,
          memberId: event.memberId,
          partitions: event.assignment.partitions.filter(subscribes),
        });
        if (foreign) this.#member.requestRejoin();
        else this.update();
      },
      onRevoked: (event) => this.#o.onRevoked(event.reason),
      onLease: () => options.onLease(),
      ...(options.logger === undefined ? {} : { logger: options.logger }),
    });
  }

  start(): void {
    this.#member.start();
  }

  /** Whether the membership's lease holds now (the member may act on its assignment). */
  leaseValid(): boolean {
    return this.#member.leaseExpiresAt() > performance.now();
  }

  /** Settles when the member stopped: rejects with what it failed with (`SLUICE_GROUP_MEMBER_FENCED`, …). */
  get closed(): Promise<void> {
    return this.#member.closed;
  }

  /** The runner read metadata again: rejoin if the subscription or the view behind the assignment changed. */
  update(): void {
    if (this.#member.state !== 'stable') return;
    const { topics, partitions } = this.#o.view();
    if (this.#joined !== undefined && !sameList(this.#joined, topics)) {
      this.#member.requestRejoin();
      return;
    }
    if (this.#assignedDigest === undefined) return;
    const mine = Buffer.from(viewDigest(topics, partitions)).toString('hex');
    if (mine === this.#assignedDigest) return;
    const last = this.#rejoinedFor;
    const now = performance.now();
    // The leader's metadata may lag: asking again for the same view waits longer each time.
    if (last?.view === mine && now < last.at + last.backoffMs) return;
    const backoffMs =
      last?.view === mine ? Math.min(last.backoffMs * 2, MAX_REJOIN_BACKOFF_MS) : REJOIN_BACKOFF_MS;
    this.#rejoinedFor = { view: mine, at: now, backoffMs };
    this.#member.requestRejoin();
  }

  /** Rejoins the group (a commit was refused: the membership finds out what changed). */
  requestRejoin(): void {
    this.#member.requestRejoin();
  }

  /**
   * Commits offsets as this member of `generation` (OffsetCommit with its generation and member id), so
   * the coordinator refuses it from a member it fenced or that a newer generation left behind.
   */
  async commit(
    generation: { generationId: number; memberId: string },
    offsets: ReadonlyArray<{ topic: string; partition: number; offset: number }>,
  ): Promise<void> {
    await this.#o.client.commitOffsets({
      groupId: this.#o.groupId,
      generationId: generation.generationId,
      memberId: generation.memberId,
      offsets,
    });
  }

  /**
   * Revokes (through `onRevoked`), leaves the group if `leave` (a task removed for good; otherwise its
   * successor takes its place by instance id), disconnects. Never rejects.
   */
  async stop(leave: boolean): Promise<void> {
    await this.#member.stop({ leave });
    await this.#o.client.disconnect().catch(() => undefined);
  }

  #subscription(): ConsumerSubscription {
    const { topics } = this.#o.view();
    this.#joined = [...topics];
    // Eager (`range`): everything is revoked before rejoining, so nothing is owned.
    return { topics, userData: null, ownedPartitions: [], generationId: this.#lastGeneration, rackId: null };
  }

  async #assign(
    members: readonly GroupMemberInfo<ConsumerSubscription>[],
  ): Promise<Map<string, ConsumerAssignment>> {
    const topics = [...new Set(members.flatMap((m) => m.metadata.topics))].sort();
    const counts = await this.#o.partitionCounts(topics);
    const ranges = rangeAssign(
      members.map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        topics: m.metadata.topics,
      })),
      counts,
    );
    const assignments = new Map<string, ConsumerAssignment>();
    for (const m of members) {
      assignments.set(m.memberId, {
        partitions: ranges.get(m.memberId) ?? [],
        userData: viewDigest(m.metadata.topics, counts),
      });
    }
    return assignments;
  }
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((item, i) => item === b[i]);
}

/** The failure a member that another copy of the task fenced closes with. */
export function isFencedMember(error: unknown): boolean {
  return SluiceError.is(error) && error.code === 'SLUICE_GROUP_MEMBER_FENCED';
}
