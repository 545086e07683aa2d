import { SluiceError } from '@sluice/errors';

/**
 * kafkajs's private objects are not shaped as this package expects: kafkajs was upgraded (or patched)
 * past what `internals.ts` was written against. Never retriable; fix `internals.ts`.
 */
export class KafkaInternalsError extends SluiceError {
  constructor(what: string) {
    super(
      'SLUICE_KAFKA_INTERNALS_CHANGED',
      `kafkajs internals are not what @sluice/kafka-client expects (written against kafkajs 2.2.4): ${what}`,
    );
  }
}

/** The broker is too old for static group membership (`group.instance.id`, Kafka 2.3+). Never retriable. */
export class StaticMembershipUnsupportedError extends SluiceError {
  constructor(message: string) {
    super('SLUICE_KAFKA_STATIC_MEMBERSHIP_UNSUPPORTED', message);
  }
}

/** The requested offset is below the log start or above the end of the partition. */
export class OffsetOutOfRangeError extends SluiceError {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;

  constructor(topic: string, partition: number, offset: number, cause?: unknown) {
    super(
      'SLUICE_KAFKA_OFFSET_OUT_OF_RANGE',
      `offset ${offset} is out of range for ${topic}-${partition}: it is below the log start offset or past the end`,
      { cause },
    );
    this.topic = topic;
    this.partition = partition;
    this.offset = offset;
  }
}

/** The topic or partition does not exist (after refreshing metadata for the configured time). */
export class UnknownTopicOrPartitionError extends SluiceError {
  readonly topic: string;
  readonly partition: number;

  constructor(topic: string, partition: number, cause?: unknown) {
    super('SLUICE_KAFKA_UNKNOWN_TOPIC_OR_PARTITION', `topic partition ${topic}-${partition} does not exist`, {
      cause,
    });
    this.topic = topic;
    this.partition = partition;
  }
}

/** A fetch that kept failing (no leader, broker unreachable, …) until its retry time ran out. */
export class FetchError extends SluiceError {
  readonly topic: string;
  readonly partition: number;

  constructor(
    topic: string,
    partition: number,
    message: string,
    options: { cause?: unknown; retriable: boolean },
  ) {
    super('SLUICE_KAFKA_FETCH_FAILED', `fetch from ${topic}-${partition} failed: ${message}`, options);
    this.topic = topic;
    this.partition = partition;
  }
}

/**
 * Stable codes of a failed group request, one per way a group member must react:
 * - `MEMBER_ID_REQUIRED`: JoinGroup v4+ handed out a member id; join again with it (`memberId` is set).
 * - `REBALANCE_IN_PROGRESS`: the group is rebalancing; join again with the same member id.
 * - `UNKNOWN_MEMBER_ID`: the coordinator no longer knows this member; join again as a new member.
 * - `ILLEGAL_GENERATION`: the group moved to a newer generation without this member; join again.
 * - `FENCED_INSTANCE_ID`: another member joined with this member's static `group.instance.id` and took its
 *   place; stop for good (joining again would fence the new owner in turn).
 * - `INCONSISTENT_GROUP_PROTOCOL`: the group's members use another protocol type, or none of the protocols
 *   this member offers; never retriable.
 * - `COORDINATOR_UNAVAILABLE`: the coordinator moved, is loading or cannot be reached; find it again and retry.
 * - `GROUP_REQUEST_FAILED`: anything else; `retriable` says whether trying again can help.
 */
export const GroupErrorCode = {
  MEMBER_ID_REQUIRED: 'SLUICE_KAFKA_MEMBER_ID_REQUIRED',
  REBALANCE_IN_PROGRESS: 'SLUICE_KAFKA_REBALANCE_IN_PROGRESS',
  UNKNOWN_MEMBER_ID: 'SLUICE_KAFKA_UNKNOWN_MEMBER_ID',
  ILLEGAL_GENERATION: 'SLUICE_KAFKA_ILLEGAL_GENERATION',
  FENCED_INSTANCE_ID: 'SLUICE_KAFKA_FENCED_INSTANCE_ID',
  INCONSISTENT_GROUP_PROTOCOL: 'SLUICE_KAFKA_INCONSISTENT_GROUP_PROTOCOL',
  COORDINATOR_UNAVAILABLE: 'SLUICE_KAFKA_COORDINATOR_UNAVAILABLE',
  GROUP_REQUEST_FAILED: 'SLUICE_KAFKA_GROUP_REQUEST_FAILED',
} as const;
export type GroupErrorCode = (typeof GroupErrorCode)[keyof typeof GroupErrorCode];

export type GroupRequestName =
  'FindCoordinator' | 'JoinGroup' | 'SyncGroup' | 'Heartbeat' | 'LeaveGroup' | 'OffsetCommit';

/** A group request (JoinGroup, SyncGroup, Heartbeat, LeaveGroup, FindCoordinator, OffsetCommit) that failed. */
export class GroupRequestError extends SluiceError {
  declare readonly code: GroupErrorCode;
  readonly request: GroupRequestName;
  /** The Kafka error name from the broker (`REBALANCE_IN_PROGRESS`, …), when the broker answered with one. */
  readonly kafkaError: string | undefined;
  /** With `MEMBER_ID_REQUIRED`: the member id to join with. */
  readonly memberId: string | undefined;

  constructor(
    code: GroupErrorCode,
    request: GroupRequestName,
    message: string,
    options: {
      cause?: unknown;
      retriable: boolean;
      kafkaError?: string | undefined;
      memberId?: string | undefined;
    },
  ) {
    super(code, `${request} failed: ${message}`, { cause: options.cause, retriable: options.retriable });
    this.request = request;
    this.kafkaError = options.kafkaError;
    this.memberId = options.memberId;
  }
}
