import { ConfigError } from '@sluice/errors';
import type { GroupCoordinatorClient, Kafka } from '@sluice/kafka-client';
import type { GroupMemberHandlers } from './group-member.js';

export type GroupMemberLogLevel = 'debug' | 'info' | 'warn' | 'error';
export type GroupMemberLogger = (
  level: GroupMemberLogLevel,
  message: string,
  fields: Record<string, unknown>,
) => void;

export interface KafkaGroupMemberOptions extends GroupMemberHandlers {
  /** The group (Kafka Connect's `group.id`). */
  groupId: string;
  /**
   * Where the group requests go: a kafkajs instance (the member opens and closes its own connections), or
   * a `GroupCoordinatorClient` the caller owns.
   */
  kafka?: Kafka;
  client?: GroupCoordinatorClient;
  /** The coordinator expels a member it has not heard from for this long (`session.timeout.ms`). @default 10000 */
  sessionTimeoutMs?: number;
  /** Time between heartbeats; below `sessionTimeoutMs`, ideally a third of it (`heartbeat.interval.ms`). @default 3000 */
  heartbeatIntervalMs?: number;
  /** How long the coordinator waits for every member to rejoin in a rebalance (`rebalance.timeout.ms`). @default 60000 */
  rebalanceTimeoutMs?: number;
  /** Only members with the same protocol type can share a group. @default 'sluice' */
  protocolType?: string;
  /** Name of the assignment protocol; members of different names cannot form a generation. @default 'sluice-v1' */
  protocolName?: string;
  /** First wait after a failed join attempt; doubles up to `maxRetryBackoffMs` (`retry.backoff.ms`). @default 100 */
  retryBackoffMs?: number;
  /** Longest wait between join attempts (`retry.backoff.max.ms`). @default 1000 */
  maxRetryBackoffMs?: number;
  /**
   * How long the member keeps retrying while joining fails for a retriable reason (coordinator unavailable,
   * broker unreachable, …) before it gives up and fails.
   * @default 300000
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

export interface ResolvedOptions {
  groupId: string;
  protocolType: string;
  protocolName: string;
  timing: ResolvedTiming;
}

/** Checks the options once, at construction; messages name Kafka Connect's property. */
export function resolveOptions(options: KafkaGroupMemberOptions): ResolvedOptions {
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
  const retryTimeoutMs = positiveInteger(options.retryTimeoutMs, 300_000, 'retryTimeoutMs');
  if ((options.kafka === undefined) === (options.client === undefined)) {
    throw new ConfigError('kafka', 'exactly one of kafka and client must be given');
  }
  for (const handler of ['metadata', 'assign', 'onAssigned', 'onRevoked'] as const) {
    if (typeof options[handler] !== 'function')
      throw new ConfigError(handler, `${handler} must be a function`);
  }
  return {
    groupId,
    protocolType: name(options.protocolType, 'sluice', 'protocolType'),
    protocolName: name(options.protocolName, 'sluice-v1', 'protocolName'),
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
