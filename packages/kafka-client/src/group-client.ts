import { SluiceError } from '@sluice/errors';
import type { Kafka } from 'kafkajs';
import { GroupErrorCode, GroupRequestError, KafkaInternalsError } from './errors.js';
import type { GroupRequestName } from './errors.js';
import { describeKafkaError, InternalCluster } from './internals.js';

export interface JoinGroupRequest {
  groupId: string;
  /** The id the coordinator gave this member, or '' to join as a new member. */
  memberId: string;
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
  members: Array<{ memberId: string; metadata: Uint8Array }>;
}

export interface SyncGroupRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  /** The leader sends every member's assignment; followers send none. */
  assignments: Array<{ memberId: string; assignment: Uint8Array }>;
}

export interface HeartbeatRequest {
  groupId: string;
  generationId: number;
  memberId: string;
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
}

/**
 * The group coordinator requests (KIP-62 style group membership) a group member is built from.
 * Every method rejects with `GroupRequestError`, whose `code` says how the member should react; the client
 * finds the group's coordinator itself and looks it up again after a COORDINATOR_UNAVAILABLE failure.
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
}

const COORDINATOR_ERRORS = new Set([
  'NOT_COORDINATOR_FOR_GROUP',
  'GROUP_COORDINATOR_NOT_AVAILABLE',
  'GROUP_LOAD_IN_PROGRESS',
]);

const BY_KAFKA_ERROR: Record<string, GroupErrorCode> = {
  MEMBER_ID_REQUIRED: GroupErrorCode.MEMBER_ID_REQUIRED,
  REBALANCE_IN_PROGRESS: GroupErrorCode.REBALANCE_IN_PROGRESS,
  UNKNOWN_MEMBER_ID: GroupErrorCode.UNKNOWN_MEMBER_ID,
  ILLEGAL_GENERATION: GroupErrorCode.ILLEGAL_GENERATION,
  FENCED_INSTANCE_ID: GroupErrorCode.FENCED_INSTANCE_ID,
};

/** Translates whatever kafkajs threw for a group request. */
export function toGroupRequestError(request: GroupRequestName, error: unknown): GroupRequestError {
  const info = describeKafkaError(error);
  const options = { cause: error, kafkaError: info.type };
  if (info.type !== undefined && info.type in BY_KAFKA_ERROR) {
    const code = BY_KAFKA_ERROR[info.type]!;
    return new GroupRequestError(code, request, info.message, {
      ...options,
      retriable: code !== GroupErrorCode.FENCED_INSTANCE_ID,
      memberId: code === GroupErrorCode.MEMBER_ID_REQUIRED ? info.memberId : undefined,
    });
  }
  if (info.network || (info.type !== undefined && COORDINATOR_ERRORS.has(info.type))) {
    return new GroupRequestError(GroupErrorCode.COORDINATOR_UNAVAILABLE, request, info.message, {
      ...options,
      retriable: true,
    });
  }
  return new GroupRequestError(GroupErrorCode.GROUP_REQUEST_FAILED, request, info.message, {
    ...options,
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
  #connecting: Promise<void> | undefined;
  #closed = false;

  constructor(kafka: Kafka, options: KafkaGroupClientOptions = {}) {
    this.#cluster = InternalCluster.open(kafka, { metadataMaxAgeMs: options.metadataMaxAgeMs ?? 300_000 });
  }

  async connect(): Promise<void> {
    if (this.#closed)
      throw new SluiceError('SLUICE_KAFKA_CLIENT_CLOSED', 'the KafkaGroupClient was disconnected');
    this.#connecting ??= this.#cluster.connect().catch((error: unknown) => {
      this.#connecting = undefined;
      throw error;
    });
    try {
      await this.#connecting;
    } catch (error) {
      throw toGroupRequestError('FindCoordinator', error);
    }
  }

  async disconnect(): Promise<void> {
    this.#closed = true;
    this.#connecting = undefined;
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
      if (error instanceof KafkaInternalsError) throw error;
      const failure = toGroupRequestError(name, error);
      if (failure.code === GroupErrorCode.COORDINATOR_UNAVAILABLE) this.#coordinators.delete(groupId);
      throw failure;
    }
  }
}
