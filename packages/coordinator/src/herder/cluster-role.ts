/**
 * This worker's place in its cluster, as the herder needs it to decide whether it serves a request or
 * another worker must: who leads, and (on the leader) who runs what.
 */
export interface ClusterRole {
  /** This worker's advertised REST URL (its id in the group). */
  readonly selfUrl: string;
  /**
   * Resolves once the worker is in a settled generation, so that who leads is known, or after `timeoutMs`
   * (a write that arrives during a rebalance waits for it rather than failing at once).
   */
  settled(timeoutMs: number): Promise<void>;
  /** Whether this worker leads the group now, with a membership it may still act on. */
  isLeader(): boolean;
  /** The leader's REST URL; undefined while it is not known (before joining, during a rebalance). */
  leaderUrl(): string | undefined;
  /**
   * The REST URL of the worker that runs the connector instance (no `task`) or the task, as the leader
   * assigned it; undefined when unknown (not the leader, or not assigned).
   */
  ownerUrl(connector: string, task?: number): string | undefined;
}

/** The role of a worker that is its whole cluster (embedded mode): it leads and runs everything. */
export function soleWorker(selfUrl: () => string): ClusterRole {
  return {
    get selfUrl() {
      return selfUrl();
    },
    settled: () => Promise.resolve(),
    isLeader: () => true,
    leaderUrl: () => selfUrl(),
    ownerUrl: () => selfUrl(),
  };
}
