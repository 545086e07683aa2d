// Types of what scripts/cluster.mjs exports: the cluster topology that docker-compose.yml is checked against.

/** The default cluster of `scripts/cluster up` and of docker-compose.yml. */
export declare const TOPOLOGY: Readonly<{
  workers: number;
  brokers: number;
  group: string;
  replicationFactor: number;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  /** Worker I's REST port is basePort + I − 1. */
  basePort: number;
}>;

/** A group's internal topics. */
export declare function internalTopics(group: string): { config: string; offset: string; status: string };

/** The worker settings every worker of a cluster shares, as strings. */
export declare function clusterSettings(options?: {
  group?: string;
  replicationFactor?: number;
}): Record<string, string>;

/** The settings that place one worker, apart from clusterSettings. */
export declare const PLACEMENT_SETTINGS: readonly string[];

/** Where worker `index` (from 1) listens and what it advertises. */
export declare function workerAddress(
  index: number,
  basePort?: number,
): { host: string; port: number; url: string };
