/** The worker settings the data plane reads: converter defaults, offset commits, the shutdown timeout. */
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
}
