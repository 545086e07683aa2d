/**
 * The worker settings the data plane reads: converter defaults, offset commits, the shutdown timeout, and
 * the group timing sink tasks join their consumer groups with.
 */
export interface TaskWorkerSettings {
  keyConverter: string;
  valueConverter: string;
  headerConverter: string;
  /** Every worker property as given, for prefixed settings (`key.converter.*`, …). */
  originals: ReadonlyMap<string, string>;
  /** The offsets topic (source tasks). */
  offsetStorage: { name: string; partitions: number; replicationFactor: number };
  offsetFlushIntervalMs: number;
  offsetFlushTimeoutMs: number;
  taskShutdownGracefulTimeoutMs: number;
  /** The worker's `session.timeout.ms`: a sink task's in its consumer group, unless `consumer.*` says. @default 10000 */
  sessionTimeoutMs?: number;
  /** The worker's `heartbeat.interval.ms`, likewise. @default 3000 */
  heartbeatIntervalMs?: number;
  /** The worker's `rebalance.timeout.ms`, likewise (`max.poll.interval.ms` overrides it). @default 60000 */
  rebalanceTimeoutMs?: number;
}
