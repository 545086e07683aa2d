import { ConfigError } from '@sluice/errors';
import type { GroupCoordinatorClient, Kafka } from '@sluice/kafka-client';
import type { GroupProtocol } from '@sluice/protocol';
import type { GroupMemberHandlers } from './group-member.js';

export type GroupMemberLogLevel = 'debug' | 'info' | 'warn' | 'error';
export type GroupMemberLogger = (
  level: GroupMemberLogLevel,
  message: string,
  fields: Record<string, unknown>,
) => void;

export interface KafkaGroupMemberOptions<M, A> extends GroupMemberHandlers<M, A> {
  /** The group (Kafka Connect's `group.id`; `connect-<connector>` for a sink task). */
  groupId: string;
  /**
   * Where the group requests go: a kafkajs instance (the member opens and closes its own connection), or
   * a `GroupCoordinatorClient` the caller owns. A coordinator serves one connection's requests one at a
   * time, so members must not share a client: one member's pending JoinGroup would hold back the others'
   * heartbeats.
   */
  kafka?: Kafka;
  client?: GroupCoordinatorClient;
  /**
   * Only members with the same protocol type can share a group: `sluice` for Sluice workers, `consumer` for
   * consumer groups (sink tasks). A Kafka Connect cluster uses `connect`.
   * @default 'sluice'
   */
  protocolType?: string;
  /**
   * The assignment protocols this member speaks, most preferred first; the coordinator picks one that every
   * member offers (by the members' votes, each for its most preferred one among those). The metadata from
   * `metadata()` is encoded with each of them.
   */
  protocols: ReadonlyArray<GroupProtocol<M, A>>;
  /**
   * Makes this a static member (KIP-345, `group.instance.id`): the coordinator keeps its place when it
   * restarts within the session timeout, and a new process joining with the same id takes its assignment
   * without a rebalance and fences the old one. Unique within the group. Needs Kafka 2.3 or later.
   * @default undefined (a dynamic member)
   */
  groupInstanceId?: string;
  /** The coordinator expels a member it has not heard from for this long (`session.timeout.ms`). @default 10000 */
  sessionTimeoutMs?: number;
  /** Time between heartbeats; below `sessionTimeoutMs`, ideally a third of it (`heartbeat.interval.ms`). @default 3000 */
  heartbeatIntervalMs?: number;
  /** How long the coordinator waits for every member to rejoin in a rebalance (`rebalance.timeout.ms`). @default 60000 */
  rebalanceTimeoutMs?: number;
  /** First wait after a failed join attempt; doubles up to `maxRetryBackoffMs` (`retry.backoff.ms`). @default 100 */
  retryBackoffMs?: number;
  /** Longest wait between join attempts (`retry.backoff.max.ms`). @default 1000 */
  maxRetryBackoffMs?: number;
  /**
   * Gives up (fails with `SLUICE_GROUP_JOIN_FAILED`) once joining has failed for a retriable reason
   * (coordinator unavailable, broker unreachable, …) for this long. Without it the member keeps trying,
   * reporting the failure through `lastError`, while its lease runs out: what a worker wants, since its
   * work stays fenced until it is back.
   * @default undefined (retry for ever)
   */
  retryTimeoutMs?: number;
  /** Where the member reports what it does. @default undefined (silent) */
  logger?: GroupMemberLogger;
}

export interface ResolvedTiming {
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  rebalanceTimeoutMs: number;
  retryBackoffMs: number;
  maxRetryBackoffMs: number;
  retryTimeoutMs: number;
  /**
   * No successful heartbeat for this long and the member treats its membership as lost. One heartbeat interval
   * short of the session timeout, so that revocation starts before the coordinator can expel the member and
   * hand its work to others; but never before two heartbeats in a row could have failed.
   */
  lostAfterMs: number;
}

function positiveInteger(value: number | undefined, fallback: number, key: string): number {
  const resolved = value ?? fallback;
  if (!Number.isSafeInteger(resolved) || resolved <= 0) {
    throw new ConfigError(key, `${key} must be a positive integer of milliseconds, got ${String(value)}`);
  }
  return resolved;
}

function name(value: string | undefined, fallback: string, key: string): string {
  const resolved = value ?? fallback;
  if (typeof resolved !== 'string' || resolved.trim() === '') {
    throw new ConfigError(key, `${key} must be a non-empty string, got ${JSON.stringify(value)}`);
  }
  return resolved;
}

export interface ResolvedOptions<M, A> {
  groupId: string;
  protocolType: string;
  protocols: ReadonlyArray<GroupProtocol<M, A>>;
  groupInstanceId: string | undefined;
  timing: ResolvedTiming;
}

function protocolList<M, A>(
  protocols: ReadonlyArray<GroupProtocol<M, A>> | undefined,
): ReadonlyArray<GroupProtocol<M, A>> {
  if (!Array.isArray(protocols) || protocols.length === 0) {
    throw new ConfigError('protocols', 'protocols must list at least one group protocol');
  }
  const names = new Set<string>();
  for (const protocol of protocols as ReadonlyArray<GroupProtocol<M, A>>) {
    name(protocol?.name, '', 'protocols[].name');
    for (const codec of [
      'encodeMetadata',
      'decodeMetadata',
      'encodeAssignment',
      'decodeAssignment',
    ] as const) {
      if (typeof protocol[codec] !== 'function') {
        throw new ConfigError('protocols', `protocol ${protocol.name} has no ${codec} function`);
      }
    }
    if (names.has(protocol.name)) {
      throw new ConfigError(
        'protocols',
        `protocols must have distinct names, ${protocol.name} appears twice`,
      );
    }
    names.add(protocol.name);
  }
  return [...(protocols as ReadonlyArray<GroupProtocol<M, A>>)];
}

/** Checks the options once, at construction; messages name Kafka's property where there is one. */
export function resolveOptions<M, A>(options: KafkaGroupMemberOptions<M, A>): ResolvedOptions<M, A> {
  const groupId = name(options.groupId, '', 'group.id');
  const sessionTimeoutMs = positiveInteger(options.sessionTimeoutMs, 10_000, 'session.timeout.ms');
  const heartbeatIntervalMs = positiveInteger(options.heartbeatIntervalMs, 3_000, 'heartbeat.interval.ms');
  if (heartbeatIntervalMs >= sessionTimeoutMs) {
    throw new ConfigError(
      'heartbeat.interval.ms',
      `heartbeat.interval.ms must be lower than session.timeout.ms (${sessionTimeoutMs}), got ${heartbeatIntervalMs}`,
    );
  }
  const rebalanceTimeoutMs = positiveInteger(options.rebalanceTimeoutMs, 60_000, 'rebalance.timeout.ms');
  const retryBackoffMs = positiveInteger(options.retryBackoffMs, 100, 'retry.backoff.ms');
  const maxRetryBackoffMs = positiveInteger(options.maxRetryBackoffMs, 1_000, 'retry.backoff.max.ms');
  const retryTimeoutMs =
    options.retryTimeoutMs === undefined
      ? Number.POSITIVE_INFINITY
      : positiveInteger(options.retryTimeoutMs, 0, 'retryTimeoutMs');
  if ((options.kafka === undefined) === (options.client === undefined)) {
    throw new ConfigError('kafka', 'exactly one of kafka and client must be given');
  }
  for (const handler of ['metadata', 'assign', 'onAssigned', 'onRevoked'] as const) {
    if (typeof options[handler] !== 'function')
      throw new ConfigError(handler, `${handler} must be a function`);
  }
  if (options.onLease !== undefined && typeof options.onLease !== 'function') {
    throw new ConfigError('onLease', 'onLease must be a function');
  }
  return {
    groupId,
    protocolType: name(options.protocolType, 'sluice', 'protocolType'),
    protocols: protocolList(options.protocols),
    groupInstanceId:
      options.groupInstanceId === undefined
        ? undefined
        : name(options.groupInstanceId, '', 'group.instance.id'),
    timing: {
      sessionTimeoutMs,
      heartbeatIntervalMs,
      rebalanceTimeoutMs,
      retryBackoffMs,
      maxRetryBackoffMs: Math.max(maxRetryBackoffMs, retryBackoffMs),
      retryTimeoutMs,
      lostAfterMs: Math.min(
        sessionTimeoutMs,
        Math.max(sessionTimeoutMs - heartbeatIntervalMs, 2 * heartbeatIntervalMs),
      ),
    },
  };
}
