import { SluiceError } from '@sluice/errors';
import type { Kafka } from 'kafkajs';
import {
  GroupErrorCode,
  GroupRequestError,
  KafkaInternalsError,
  StaticMembershipUnsupportedError,
} from './errors.js';
import type { GroupRequestName } from './errors.js';
import { describeKafkaError, InternalCluster } from './internals.js';

export interface JoinGroupRequest {
  groupId: string;
  /** The id the coordinator gave this member, or '' to join as a new member. */
  memberId: string;
  /**
   * A static member's `group.instance.id` (KIP-345, JoinGroup v5+): the coordinator keeps its place across
   * restarts and hands a new process with the same id the member's current assignment without a rebalance.
   */
  groupInstanceId?: string | undefined;
  /** The coordinator expels a member it has not heard from for this long. */
  sessionTimeoutMs: number;
  /** How long the coordinator waits for every member to rejoin during a rebalance. */
  rebalanceTimeoutMs: number;
  /** Members of one group must all use the same protocol type (`consumer`, `connect`, `sluice`, …). */
  protocolType: string;
  /** Protocols this member speaks, preferred first, each with this member's metadata for it. */
  protocols: Array<{ name: string; metadata: Uint8Array }>;
}

export interface JoinGroupResult {
  generationId: number;
  /** The protocol the coordinator chose (one every member supports). */
  protocolName: string;
  leaderId: string;
  memberId: string;
  /** Every member with its metadata for the chosen protocol; empty unless this member is the leader. */
  members: Array<{ memberId: string; groupInstanceId?: string | undefined; metadata: Uint8Array }>;
}

export interface SyncGroupRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  /** A static member's `group.instance.id` (SyncGroup v3+). */
  groupInstanceId?: string | undefined;
  /** The leader sends every member's assignment; followers send none. */
  assignments: Array<{ memberId: string; assignment: Uint8Array }>;
}

export interface HeartbeatRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  /** A static member's `group.instance.id` (Heartbeat v3+). */
  groupInstanceId?: string | undefined;
}

export interface CommitOffsetsRequest {
  groupId: string;
  /** The committing member's generation, or -1 to commit for a group with no active members (admin-style). */
  generationId: number;
  /** The committing member's id, or '' with generation -1. */
  memberId: string;
  /** Per partition, the next offset the group will consume. */
  offsets: ReadonlyArray<{ topic: string; partition: number; offset: number }>;
}

export interface LeaveGroupRequest {
  groupId: string;
  memberId: string;
  /** A static member's `group.instance.id` (LeaveGroup v3+): a static member leaves only when it says so. */
  groupInstanceId?: string | undefined;
}

/**
 * The group coordinator requests (Kafka's classic group protocol) a group member is built from.
 * Every method rejects with `GroupRequestError`, whose `code` says how the member should react; the client
 * finds the group's coordinator itself and looks it up again after a COORDINATOR_UNAVAILABLE failure.
 *
 * A coordinator answers the requests of one connection in order, one at a time: while a JoinGroup or
 * SyncGroup waits for the rest of the group, later requests on the same connection wait behind it. Give
 * each group member a client of its own.
 */
export interface GroupCoordinatorClient {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  /** Resolves when the coordinator completes the join phase: can take up to `rebalanceTimeoutMs`. */
  joinGroup(request: JoinGroupRequest): Promise<JoinGroupResult>;
  /** This member's assignment, as the leader encoded it (empty if the leader sent none). */
  syncGroup(request: SyncGroupRequest): Promise<Uint8Array>;
  heartbeat(request: HeartbeatRequest): Promise<void>;
  leaveGroup(request: LeaveGroupRequest): Promise<void>;
  /**
   * Commits offsets for the group (OffsetCommit). A member commits with its generation and member id, so
   * the coordinator refuses the commit of a member it no longer counts (ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID).
   */
  commitOffsets(request: CommitOffsetsRequest): Promise<void>;
}

const COORDINATOR_ERRORS = new Set([
  'NOT_COORDINATOR_FOR_GROUP',
  'GROUP_COORDINATOR_NOT_AVAILABLE',
  'GROUP_LOAD_IN_PROGRESS',
]);

/** Kafka errors a group member reacts to each in its own way, and whether retrying (rejoining) can help. */
const BY_KAFKA_ERROR: Record<string, { code: GroupErrorCode; retriable: boolean }> = {
  MEMBER_ID_REQUIRED: { code: GroupErrorCode.MEMBER_ID_REQUIRED, retriable: true },
  REBALANCE_IN_PROGRESS: { code: GroupErrorCode.REBALANCE_IN_PROGRESS, retriable: true },
  UNKNOWN_MEMBER_ID: { code: GroupErrorCode.UNKNOWN_MEMBER_ID, retriable: true },
  ILLEGAL_GENERATION: { code: GroupErrorCode.ILLEGAL_GENERATION, retriable: true },
  FENCED_INSTANCE_ID: { code: GroupErrorCode.FENCED_INSTANCE_ID, retriable: false },
  INCONSISTENT_GROUP_PROTOCOL: { code: GroupErrorCode.INCONSISTENT_GROUP_PROTOCOL, retriable: false },
};

/**
 * The `GroupRequestError` for a broker's answer with Kafka error `kafkaError` (`REBALANCE_IN_PROGRESS`, …).
 * `retriable` counts for errors without a code of their own (`GROUP_REQUEST_FAILED`); `memberId` is what a
 * MEMBER_ID_REQUIRED answer carries. Shared by the Kafka client and the in-memory coordinator, so both
 * report an answer the same way.
 */
export function groupRequestError(
  request: GroupRequestName,
  kafkaError: string,
  options: { message?: string; retriable?: boolean; memberId?: string | undefined; cause?: unknown } = {},
): GroupRequestError {
  const message = options.message ?? kafkaError;
  const known = BY_KAFKA_ERROR[kafkaError];
  if (known !== undefined) {
    return new GroupRequestError(known.code, request, message, {
      cause: options.cause,
      kafkaError,
      retriable: known.retriable,
      memberId: known.code === GroupErrorCode.MEMBER_ID_REQUIRED ? options.memberId : undefined,
    });
  }
  if (COORDINATOR_ERRORS.has(kafkaError)) {
    return new GroupRequestError(GroupErrorCode.COORDINATOR_UNAVAILABLE, request, message, {
      cause: options.cause,
      kafkaError,
      retriable: true,
    });
  }
  return new GroupRequestError(GroupErrorCode.GROUP_REQUEST_FAILED, request, message, {
    cause: options.cause,
    kafkaError,
    retriable: options.retriable ?? false,
  });
}

/** Translates whatever kafkajs threw for a group request. */
export function toGroupRequestError(request: GroupRequestName, error: unknown): GroupRequestError {
  const info = describeKafkaError(error);
  if (info.type !== undefined && (info.type in BY_KAFKA_ERROR || !info.network)) {
    return groupRequestError(request, info.type, {
      message: info.message,
      retriable: info.retriable,
      memberId: info.memberId,
      cause: error,
    });
  }
  if (info.network) {
    return new GroupRequestError(GroupErrorCode.COORDINATOR_UNAVAILABLE, request, info.message, {
      cause: error,
      kafkaError: info.type,
      retriable: true,
    });
  }
  return new GroupRequestError(GroupErrorCode.GROUP_REQUEST_FAILED, request, info.message, {
    cause: error,
    retriable: info.retriable,
  });
}

export interface KafkaGroupClientOptions {
  /** Cached metadata older than this is refreshed. @default 300000 */
  metadataMaxAgeMs?: number;
}

/** `GroupCoordinatorClient` over kafkajs's broker objects, with connections of its own. */
export class KafkaGroupClient implements GroupCoordinatorClient {
  readonly #cluster: InternalCluster;
  /** Coordinator node id per group, until a request says it moved. */
  readonly #coordinators = new Map<string, number>();
  #closed = false;

  constructor(kafka: Kafka, options: KafkaGroupClientOptions = {}) {
    this.#cluster = InternalCluster.open(kafka, { metadataMaxAgeMs: options.metadataMaxAgeMs ?? 300_000 });
  }

  async connect(): Promise<void> {
    if (this.#closed)
      throw new SluiceError('SLUICE_KAFKA_CLIENT_CLOSED', 'the KafkaGroupClient was disconnected');
    try {
      await this.#cluster.connect();
    } catch (error) {
      throw toGroupRequestError('FindCoordinator', error);
    }
  }

  /** Closes the client's connections, not waiting for answers to requests given up on (see `InternalCluster`). */
  async disconnect(): Promise<void> {
    this.#closed = true;
    this.#coordinators.clear();
    await this.#cluster.disconnect();
  }

  async joinGroup(request: JoinGroupRequest): Promise<JoinGroupResult> {
    return this.#send('JoinGroup', request.groupId, (nodeId) => this.#cluster.joinGroup(nodeId, request));
  }

  async syncGroup(request: SyncGroupRequest): Promise<Uint8Array> {
    return this.#send('SyncGroup', request.groupId, (nodeId) => this.#cluster.syncGroup(nodeId, request));
  }

  async heartbeat(request: HeartbeatRequest): Promise<void> {
    await this.#send('Heartbeat', request.groupId, (nodeId) => this.#cluster.heartbeat(nodeId, request));
  }

  async leaveGroup(request: LeaveGroupRequest): Promise<void> {
    await this.#send('LeaveGroup', request.groupId, (nodeId) => this.#cluster.leaveGroup(nodeId, request));
  }

  /**
   * Commits consumer-group offsets directly (OffsetCommit), as Java's AdminClient
   * `alterConsumerGroupOffsets` does: unlike kafkajs's `admin.setOffsets`, it joins no consumer.
   */
  async commitOffsets(request: CommitOffsetsRequest): Promise<void> {
    await this.#send('OffsetCommit', request.groupId, (nodeId) =>
      this.#cluster.offsetCommit(nodeId, request),
    );
  }

  /** The broker id of the group's coordinator (FindCoordinator), as an admin tool shows it. */
  async coordinatorOf(groupId: string): Promise<number> {
    await this.connect();
    try {
      return await this.#cluster.findGroupCoordinator(groupId);
    } catch (error) {
      if (error instanceof KafkaInternalsError) throw error;
      throw toGroupRequestError('FindCoordinator', error);
    }
  }

  async #send<T>(name: GroupRequestName, groupId: string, run: (nodeId: number) => Promise<T>): Promise<T> {
    await this.connect();
    let nodeId = this.#coordinators.get(groupId);
    if (nodeId === undefined) {
      try {
        nodeId = await this.#cluster.findGroupCoordinator(groupId);
      } catch (error) {
        if (error instanceof KafkaInternalsError) throw error;
        throw toGroupRequestError('FindCoordinator', error);
      }
      this.#coordinators.set(groupId, nodeId);
    }
    try {
      return await run(nodeId);
    } catch (error) {
      if (error instanceof KafkaInternalsError || error instanceof StaticMembershipUnsupportedError)
        throw error;
      const failure = toGroupRequestError(name, error);
      if (failure.code === GroupErrorCode.COORDINATOR_UNAVAILABLE) this.#coordinators.delete(groupId);
      throw failure;
    }
  }
}
